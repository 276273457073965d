import { z } from 'zod';
import { action, checkUnit, DISPATCHERS, note, text } from './common.ts';

export const handToEnforcement = action({
  name: 'hand-to-enforcement',
  events: ['enforcement_handed'],
  summary: 'Hand the case to an enforcement unit (移交执法) instead of dispatching it',
  description:
    'For a repeat 占道经营, an illegal sign … : the enforcement procedure runs (现场检查, 责令整改, 复查, 处罚) ' +
    'and the case closes from it.',
  access: DISPATCHERS,
  holder: 'none',
  body: z
    .object({ assigneeId: z.string().min(1).describe('the enforcement unit'), reason: text(1000), note })
    .strict(),
  plan: async ({ reference, body, now }) => {
    await checkUnit(reference, 'body.assigneeId', body.assigneeId, 'department');
    return {
      type: 'enforcement_handed',
      note: body.note ? `${body.reason}\n${body.note}` : body.reason,
      departmentId: body.assigneeId,
      data: { assigneeId: body.assigneeId, reason: body.reason },
      // The unit holds it and works on it at once; no sign-for/disposal limit of case-disposal runs.
      caseUpdate: {
        departmentId: body.assigneeId,
        subCenterId: null,
        dispatchedAt: now,
        signedAt: now,
        signDeadline: null,
        disposeDeadline: null,
      },
      message: { name: 'case.enforcementHanded' },
    };
  },
});
