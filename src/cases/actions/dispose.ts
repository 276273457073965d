import { z } from 'zod';
import { action, DEPARTMENT, refuseInEnforcement, text } from './common.ts';

export const dispose = action({
  name: 'dispose',
  events: ['disposed'],
  summary: 'Report the disposal (处置反馈) with a note and photos',
  photos: 'disposal',
  access: DEPARTMENT,
  holder: 'holder',
  body: z.object({ note: text(4000).describe('what was done') }).strict(),
  plan: async ({ row, body, now, events }) => {
    await refuseInEnforcement(row, '处置反馈 (dispose)', events);
    return {
      type: 'disposed',
      note: body.note,
      departmentId: row.departmentId,
      caseUpdate: { disposedAt: now },
      message: { name: 'case.disposed', variables: { disposedAt: now.toISOString() } },
      supersedeEscalations: true,
    };
  },
});
