/** Kept for importers of the old path: a case is created by the case-state writer (state/create.ts). */
export { insertCase, nextCaseNo } from './state/create.ts';
export type { CaseNumbering, NewCase, Reporter } from './state/create.ts';
