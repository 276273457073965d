import { z } from 'zod';
import { action, checkUnit, DISPATCHERS, note } from './common.ts';

export const dispatch = action({
  name: 'dispatch',
  waitsAt: ['ebg_dispatch'],
  events: ['dispatched'],
  summary: 'Dispatch (派遣) to a department or a street/town sub-centre',
  access: DISPATCHERS,
  holder: 'none',
  body: z
    .object({
      assigneeType: z.enum(['department', 'subcenter']),
      assigneeId: z.string().min(1),
      note,
    })
    .strict(),
  plan: async ({ reference, body, now }) => {
    await checkUnit(reference, 'body.assigneeId', body.assigneeId, body.assigneeType);
    const { assigneeType, assigneeId } = body;
    return {
      type: 'dispatched',
      note: body.note,
      departmentId: assigneeId,
      data: { assigneeType, assigneeId },
      caseUpdate: {
        departmentId: assigneeId,
        subCenterId: assigneeType === 'subcenter' ? assigneeId : null,
        dispatchedAt: now,
        signedAt: null,
      },
      message: { name: 'case.dispatched', variables: { assigneeType, assigneeId } },
    };
  },
});
