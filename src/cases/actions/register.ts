import { z } from 'zod';
import { validationError } from '../../errors.ts';
import { action, COMMAND, note, requireVerified } from './common.ts';

export const register = action({
  name: 'register',
  waitsAt: ['ebg_register'],
  events: ['registered'],
  summary: 'Register the case (立案), optionally correcting category and urgency',
  access: COMMAND,
  holder: 'none',
  body: z
    .object({
      categoryCode: z
        .string()
        .regex(/^\d{4}$/, 'a 4-digit minor category code')
        .optional(),
      urgency: z.enum(['normal', 'urgent', 'critical']).optional(),
      note,
    })
    .strict(),
  plan: async (input) => {
    const { row, body, tx, now } = input;
    await requireVerified(input, '立案 (register)');
    const corrected: Record<string, { from: string; to: string }> = {};
    if (body.categoryCode && body.categoryCode !== row.categoryCode) {
      const category = await tx.category.findUnique({
        where: { kind_code: { kind: row.categoryKind, code: body.categoryCode } },
      });
      if (!category?.active)
        throw validationError('unknown category', [
          {
            field: 'body.categoryCode',
            message: `no active ${row.categoryKind} category ${body.categoryCode}`,
          },
        ]);
      corrected.categoryCode = { from: row.categoryCode, to: body.categoryCode };
    }
    if (body.urgency && body.urgency !== row.urgency)
      corrected.urgency = { from: row.urgency, to: body.urgency };
    return {
      type: 'registered',
      note: body.note,
      data: Object.keys(corrected).length ? { corrected } : undefined,
      caseUpdate: {
        registeredAt: now,
        ...(corrected.categoryCode ? { categoryCode: body.categoryCode } : {}),
        ...(corrected.urgency ? { urgency: body.urgency } : {}),
      },
      message: { name: 'case.registered' },
    };
  },
});
