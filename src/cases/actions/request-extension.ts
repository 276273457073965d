import { isoDateTime, requestAction } from './common.ts';

export const requestExtension = requestAction('extension', 'request-extension', 'case.extensionRequested', {
  requestedDeadline: isoDateTime.describe('the deadline the department asks for'),
});
