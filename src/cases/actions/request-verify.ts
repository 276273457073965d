import { z } from 'zod';
import { validationError } from '../../errors.ts';
import { SOURCE_NEEDS_VERIFY } from '../lifecycle.ts';
import { action, COMMAND, notAllowed, note } from './common.ts';

export const requestVerify = action({
  name: 'request-verify',
  events: ['verify_requested'],
  summary: 'Send a 核实 task to the grid supervisor (派发核实)',
  description:
    'Store-only: the procedure sends 核实 for hotline, public, video, Open311 and other reports (hub.verify.assign); ' +
    'other sources go straight to 立案, so this answers 409 for them.',
  access: COMMAND,
  holder: 'none',
  body: z
    .object({
      supervisorId: z
        .string()
        .min(1)
        .optional()
        .describe('the field supervisor chosen at the desk (default: the grid cell’s supervisor)'),
      note,
    })
    .strict(),
  plan: async ({ tx, row, body }) => {
    if (!SOURCE_NEEDS_VERIFY[row.source])
      throw notAllowed(
        row,
        '派发核实 (request-verify)',
        `the procedure of a ${row.source} report has no 核实 step`,
      );
    if (body.supervisorId) {
      const user = await tx.user.findFirst({
        where: { id: body.supervisorId, active: true, roles: { some: { role: 'field_supervisor' } } },
        select: { id: true },
      });
      if (!user)
        throw validationError('not a supervisor', [
          { field: 'body.supervisorId', message: `no active field supervisor ${body.supervisorId}` },
        ]);
    }
    // hub.verify.assign gives the task to the supervisor named here (workers/verify.ts).
    return {
      type: 'verify_requested',
      note: body.note,
      data: body.supervisorId ? { supervisorId: body.supervisorId } : undefined,
    };
  },
});
