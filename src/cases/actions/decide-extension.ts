import { validationError } from '../../errors.ts';
import { action, decisionBody, DISPATCHERS, isoDateTime, notAllowed, pendingRequest } from './common.ts';

export const decideExtension = action({
  name: 'decide-extension',
  events: ['extension_approved', 'extension_rejected'],
  summary: 'Approve or reject the pending 延期 request',
  access: DISPATCHERS,
  holder: 'none',
  body: decisionBody.extend({
    newDeadline: isoDateTime
      .optional()
      .describe('when approving: the deadline granted (default: the one asked for)'),
  }),
  plan: async ({ row, body, now, events }) => {
    const request = pendingRequest(await events(), 'extension');
    if (!request)
      throw notAllowed(row, '延期审批 (decide-extension)', 'no 延期 request is waiting for a decision');
    if (!body.approved)
      return {
        type: 'extension_rejected',
        note: body.reason,
        departmentId: row.departmentId,
        message: { name: 'case.extensionDecided', variables: { extensionApproved: false } },
      };
    const newDeadline =
      body.newDeadline ?? String((request.data as { requestedDeadline?: unknown } | null)?.requestedDeadline);
    if (!(new Date(newDeadline).getTime() > now.getTime()))
      throw validationError('deadline in the past', [
        { field: 'body.newDeadline', message: 'must lie in the future' },
      ]);
    return {
      type: 'extension_approved',
      note: body.reason,
      departmentId: row.departmentId,
      // step: the stage whose limit moves (the deadlines worker applies it to that step only):
      // not yet signed for → the sign-for limit, otherwise the disposal limit.
      data: {
        newDeadline: new Date(newDeadline).toISOString(),
        requestEventId: request.id,
        step: row.status === 'dispatched' ? 'sign' : 'dispose',
      },
      caseUpdate: { extensionCount: { increment: 1 } },
      message: { name: 'case.extensionDecided', variables: { extensionApproved: true } },
      supersedeEscalations: true,
    };
  },
});
