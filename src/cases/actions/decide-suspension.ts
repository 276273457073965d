import { action, decisionBody, DISPATCHERS, notAllowed, pendingRequest } from './common.ts';

export const decideSuspension = action({
  name: 'decide-suspension',
  events: ['suspended', 'suspension_rejected'],
  summary: 'Approve (挂账: the clock pauses) or reject the pending 挂账 request',
  access: DISPATCHERS,
  holder: 'none',
  body: decisionBody,
  plan: async ({ row, body, now, events }) => {
    const request = pendingRequest(await events(), 'suspension');
    if (!request)
      throw notAllowed(row, '挂账审批 (decide-suspension)', 'no 挂账 request is waiting for a decision');
    if (!body.approved)
      return {
        type: 'suspension_rejected',
        note: body.reason,
        departmentId: row.departmentId,
        message: { name: 'case.suspensionDecided', variables: { suspensionApproved: false } },
      };
    return {
      type: 'suspended',
      note: body.reason,
      departmentId: row.departmentId,
      data: { requestEventId: request.id },
      caseUpdate: { suspendedAt: now },
      message: { name: 'case.suspensionDecided', variables: { suspensionApproved: true } },
      supersedeEscalations: true,
    };
  },
});
