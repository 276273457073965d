import { requestAction } from './common.ts';

export const requestSuspension = requestAction(
  'suspension',
  'request-suspension',
  'case.suspensionRequested',
);
