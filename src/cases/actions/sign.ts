import { z } from 'zod';
import { action, DEPARTMENT, note } from './common.ts';

export const sign = action({
  name: 'sign',
  events: ['signed'],
  summary: 'Sign for the case (签收)',
  access: DEPARTMENT,
  holder: 'holder',
  body: z.object({ note }).strict(),
  plan: ({ row, body, now }) => ({
    type: 'signed',
    note: body.note,
    departmentId: row.departmentId,
    caseUpdate: { signedAt: now },
    message: { name: 'case.signed', variables: { signedAt: now.toISOString() } },
    supersedeEscalations: true,
  }),
});
