import { z } from 'zod';
import { validationError } from '../../errors.ts';
import { action, checkUnit, DISPATCHERS, notAllowed, note } from './common.ts';

export const redispatch = action({
  name: 'redispatch',
  events: ['redispatched'],
  summary: 'A sub-centre dispatches the case to one of its own units (二级派遣)',
  access: ['department_handler', ...DISPATCHERS],
  holder: 'subcenter',
  body: z.object({ assigneeId: z.string().min(1), note }).strict(),
  plan: async ({ reference, row, body, now }) => {
    if (!row.subCenterId)
      throw notAllowed(row, '二级派遣 (redispatch)', 'the case was not dispatched through a sub-centre');
    const unit = await checkUnit(reference, 'body.assigneeId', body.assigneeId, 'department');
    if (unit.parentId !== row.subCenterId)
      throw validationError('not a unit of the sub-centre', [
        {
          field: 'body.assigneeId',
          message: `${unit.code} ${unit.name} is not one of the sub-centre's own units`,
        },
      ]);
    return {
      type: 'redispatched',
      note: body.note,
      departmentId: unit.id,
      data: { assigneeType: 'department', assigneeId: unit.id },
      caseUpdate: { departmentId: unit.id, dispatchedAt: now, signedAt: null },
      message: {
        name: 'case.redispatched',
        variables: { assigneeType: 'department', assigneeId: unit.id },
      },
      supersedeEscalations: true,
    };
  },
});
