/**
 * 广告店招 (outdoor advertising and shop signs): the archive's rules (sign.ts), the status that follows
 * from a permit's period (status.ts), who edits (access.ts), the import (import.ts), the API (routes.ts)
 * and the link of a case to its sign (cases.ts, called by the case-state writer).
 */
export { AD_SIGN_KIND_LABELS, AD_SIGN_KINDS } from './sign.ts';
export { AD_SIGN_STATUSES, AD_SIGN_STATUS_LABELS, EXPIRY_NOTICE_DAYS, signStatus } from './status.ts';
export { adSignCaseReported, adSignCaseDiscarded, checkAdSignCase } from './cases.ts';
