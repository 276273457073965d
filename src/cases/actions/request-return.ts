import { requestAction } from './common.ts';

export const requestReturn = requestAction('return', 'request-return', 'case.returnRequested');
