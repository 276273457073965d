import { z } from 'zod';
import { action, COMMAND, note } from './common.ts';

export const accept = action({
  name: 'accept',
  events: ['accepted'],
  summary: 'Accept a report (受理)',
  description: 'Store-only: the procedure records 受理 itself when no one did (hub.case.intake); no message.',
  access: COMMAND,
  holder: 'none',
  body: z.object({ note }).strict(),
  plan: ({ body, now }) => ({ type: 'accepted', note: body.note, caseUpdate: { acceptedAt: now } }),
});
