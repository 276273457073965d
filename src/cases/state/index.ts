/**
 * The case-state writer: the one place that writes a case's row (`Case`) and its timeline (`CaseEvent`).
 * Everything else — the API's actions, the 督办 inbox, workers, adapters — calls these functions inside
 * its own transaction, wrapped in `inCaseTransaction` so a lost race re-runs against the new state.
 * eslint.config.js forbids `case`/`caseEvent` writes anywhere else.
 *
 * - `insertCase`: a new case (status `reported`) with its `reported` event and search rows;
 * - `recordEvent`: an event and the status the lifecycle table gives it, with the version check;
 * - `updateCase`: columns that are not the status (grid cell, unit, 督办 level, instance key …);
 * - `recordCallback` / `settleCallback` / `reopenCase`: 回访 and the reopen a 不满意 causes;
 * - `StaleCase` / `inCaseTransaction`: the one "stale row" signal and its retry.
 */
export { inCaseTransaction, StaleCase, STALE_ATTEMPTS, type RetryOptions } from './stale.ts';
export {
  readCase,
  recordEvent,
  statusBeforeSuspension,
  updateCase,
  updateCaseFrom,
  type Actor,
  type EventInput,
  type Recorded,
} from './record.ts';
export { discardCase, insertCase, nextCaseNo, setProcessInstance } from './create.ts';
export type { CaseNumbering, NewCase, Reporter } from './create.ts';
export { reopenCase, type Reopen } from './reopen.ts';
export {
  recordCallback,
  settleCallback,
  SATISFACTIONS,
  type CallbackInput,
  type CallbackOutcome,
  type Satisfaction,
} from './callback.ts';
