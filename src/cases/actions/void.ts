import { z } from 'zod';
import { action, COMMAND, notAllowed, note, requireVerified, text } from './common.ts';

export const voidCase = action({
  name: 'void',
  waitsAt: ['ebg_register', 'ebg_dispatch'],
  events: ['voided'],
  summary: 'Void the case (作废) before dispatch, with a reason',
  description:
    'Allowed while the case waits for 立案 or for dispatch. A public report is voided by its 核实 result ' +
    '(verify with result false); a dispatched case by a 督办 decision.',
  access: COMMAND,
  holder: 'none',
  body: z.object({ reason: text(1000), note }).strict(),
  plan: async (input) => {
    const { row, body, now } = input;
    if (!['reported', 'accepted', 'registered'].includes(row.status))
      throw notAllowed(
        row,
        '作废 (void)',
        'the procedure takes a void only while the case waits for 立案 or dispatch; allowed in: reported, accepted, registered',
      );
    await requireVerified(input, '作废 (void)');
    return {
      type: 'voided',
      note: body.note ? `${body.reason}\n${body.note}` : body.reason,
      caseUpdate: { voidedAt: now, voidReason: body.reason },
      message: { name: 'case.voided', variables: { voidReason: body.reason } },
      supersedeEscalations: true,
    };
  },
});
