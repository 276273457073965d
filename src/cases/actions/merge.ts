import { z } from 'zod';
import { validationError } from '../../errors.ts';
import { SOURCE_NEEDS_VERIFY } from '../lifecycle.ts';
import { FINAL_STATUSES, STATUS_LABELS } from '../lifecycle.ts';
import { action, COMMAND, note } from './common.ts';

export const merge = action({
  name: 'merge',
  events: ['merged'],
  summary: 'Merge a duplicate report into an open case (合并); the report ends as merged',
  description:
    'The report is marked merged (voided, with a link to the surviving case in mergedIntoId and the reason); ' +
    'its procedure ends through its current wait: a report that waits for 核实 gets the 核实 result false with ' +
    'the merge as the reason, any other gets 作废. The surviving case is not changed.',
  access: COMMAND,
  holder: 'none',
  body: z.object({ intoId: z.string().min(1).describe('the case that stays'), note }).strict(),
  plan: async ({ tx, row, body, now }) => {
    if (body.intoId === row.id)
      throw validationError('merge into itself', [
        { field: 'body.intoId', message: 'a case cannot be merged into itself' },
      ]);
    const into = await tx.case.findUnique({ where: { id: body.intoId } });
    if (!into)
      throw validationError('unknown case', [{ field: 'body.intoId', message: `no case ${body.intoId}` }]);
    if (FINAL_STATUSES.includes(into.status) || into.mergedIntoId)
      throw validationError('not open', [
        {
          field: 'body.intoId',
          message: `${into.caseNo} is ${STATUS_LABELS[into.status]}: merge into an open case`,
        },
      ]);
    const reason = `重复上报，合并到 ${into.caseNo}`;
    return {
      type: 'merged',
      note: body.note ? `${reason}\n${body.note}` : reason,
      data: { mergedInto: into.id, mergedIntoNo: into.caseNo },
      caseUpdate: { mergedIntoId: into.id, voidedAt: now, voidReason: reason },
      // The wait the procedure is in (or will reach): 核实 for sources that need it, else 立案审核.
      message: SOURCE_NEEDS_VERIFY[row.source]
        ? { name: 'case.verified', variables: { verifyResult: 'false', voidReason: reason } }
        : { name: 'case.voided', variables: { voidReason: reason } },
      supersedeEscalations: true,
    };
  },
});
