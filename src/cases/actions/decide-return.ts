import { action, decisionBody, DISPATCHERS, notAllowed, pendingRequest } from './common.ts';

export const decideReturn = action({
  name: 'decide-return',
  events: ['returned', 'return_rejected'],
  summary: 'Approve (back to dispatch) or reject the pending 回退 request',
  access: DISPATCHERS,
  holder: 'none',
  body: decisionBody,
  plan: async ({ row, body, events }) => {
    const request = pendingRequest(await events(), 'return');
    if (!request)
      throw notAllowed(row, '回退审批 (decide-return)', 'no 回退 request is waiting for a decision');
    if (!body.approved)
      return {
        type: 'return_rejected',
        note: body.reason,
        departmentId: row.departmentId,
        message: { name: 'case.returnDecided', variables: { returnApproved: false } },
      };
    return {
      type: 'returned',
      note: body.reason,
      // The unit that sent it back: the assessment reads whose round ended.
      departmentId: row.departmentId,
      data: { requestEventId: request.id },
      // Back with the command centre until the next dispatch.
      caseUpdate: { departmentId: null, subCenterId: null, signedAt: null },
      message: { name: 'case.returnDecided', variables: { returnApproved: true } },
      supersedeEscalations: true,
    };
  },
});
