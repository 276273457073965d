/** Kept for importers of the old path: the reopen is written by the case-state writer (state/reopen.ts). */
export { reopenCase } from './state/reopen.ts';
export type { Reopen } from './state/reopen.ts';
