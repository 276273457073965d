import { z } from 'zod';
import { action, notAllowed, note, text } from './common.ts';

export const verify = action({
  name: 'verify',
  events: ['verified', 'voided', 'self_handled'],
  photos: 'evidence',
  summary: 'Submit the 核实 result (confirmed, false with a reason, or selfHandled)',
  access: ['field_supervisor'],
  holder: 'none',
  body: z
    .object({
      result: z.enum(['confirmed', 'false', 'selfHandled']),
      reason: text(1000).optional().describe('required when result is false (不属实)'),
      note,
    })
    .strict()
    .refine((b) => b.result !== 'false' || b.reason !== undefined, {
      message: 'a false report needs a reason',
      path: ['reason'],
    }),
  plan: ({ row, body, now }) => {
    if (row.status !== 'verifying')
      throw notAllowed(row, '核实 (verify)', 'no 核实 is running; allowed in: verifying');
    if (body.result === 'false') {
      return {
        type: 'voided',
        note: body.note ? `${body.reason}\n${body.note}` : body.reason,
        data: { verifyResult: 'false' },
        caseUpdate: { verifiedAt: now, voidedAt: now, voidReason: body.reason },
        message: { name: 'case.verified', variables: { verifyResult: 'false', voidReason: body.reason } },
      };
    }
    if (body.result === 'selfHandled') {
      return {
        type: 'self_handled',
        note: body.note,
        data: { verifyResult: 'selfHandled' },
        caseUpdate: { verifiedAt: now, disposedAt: now },
        message: { name: 'case.verified', variables: { verifyResult: 'selfHandled' } },
      };
    }
    return {
      type: 'verified',
      note: body.note,
      data: { verifyResult: 'confirmed' },
      caseUpdate: { verifiedAt: now },
      message: { name: 'case.verified', variables: { verifyResult: 'confirmed' } },
    };
  },
});
