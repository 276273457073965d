import { z } from 'zod';
import { action, DISPATCHERS, note } from './common.ts';

export const resume = action({
  name: 'resume',
  events: ['resumed'],
  summary: 'Resume a suspended case (挂账恢复); its clock runs again',
  access: DISPATCHERS,
  holder: 'none',
  body: z.object({ note }).strict(),
  plan: ({ row, body, now }) => ({
    type: 'resumed',
    note: body.note,
    departmentId: row.departmentId,
    caseUpdate: row.suspendedAt
      ? {
          suspendedMinutes: {
            increment: Math.max(0, Math.round((now.getTime() - row.suspendedAt.getTime()) / 60_000)),
          },
        }
      : {},
    message: { name: 'case.resumed' },
  }),
});
