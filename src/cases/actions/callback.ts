import { z } from 'zod';
import { recordCallback } from '../state/index.ts';
import { action, notAllowed, note } from './common.ts';

export const callback = action({
  name: 'callback',
  events: ['callback'],
  summary: 'Record the 回访 result of a closed hotline case',
  access: ['acceptor', 'service'],
  holder: 'none',
  body: z
    .object({ satisfaction: z.enum(['satisfied', 'basic', 'unsatisfied', 'unreachable']), note })
    .strict(),
  plan: ({ row, body, now }) => {
    if (row.source !== 'hotline')
      throw notAllowed(row, '回访 (callback)', 'only hotline cases are called back');
    return {
      type: 'callback',
      note: body.note,
      message: { name: 'case.callbackDone', variables: { satisfaction: body.satisfaction } },
      // One 回访 per closing round; 不满意 → the same case goes back to the dispatcher (state/callback.ts).
      write: async (tx, event) => {
        const outcome = await recordCallback(tx, {
          ...event,
          row,
          satisfaction: body.satisfaction,
          // a millisecond after the 回访 it follows, so the timeline shows them in that order
          reopen: { at: new Date(now.getTime() + 1) },
        });
        if (outcome.status === 'already-recorded')
          throw notAllowed(row, '回访 (callback)', 'the 回访 is already recorded');
        return outcome.event;
      },
    };
  },
});
// 执法通 (processes/README.md, `enforcement`): the hand-over and the officer's four steps.;
