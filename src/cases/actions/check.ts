import { z } from 'zod';
import { action, note } from './common.ts';

export const check = action({
  name: 'check',
  events: ['check_passed', 'check_failed'],
  photos: 'check',
  summary: 'Submit the 核查 result: passed (结案 follows) or failed (返工 to the same department)',
  access: ['field_supervisor'],
  holder: 'none',
  body: z.object({ result: z.enum(['passed', 'failed']), note }).strict(),
  plan: ({ row, body, now }) => ({
    type: body.result === 'passed' ? 'check_passed' : 'check_failed',
    note: body.note,
    departmentId: row.departmentId,
    caseUpdate: { checkedAt: now, ...(body.result === 'failed' ? { signedAt: null } : {}) },
    message: { name: 'case.checked', variables: { checkResult: body.result } },
  }),
});
