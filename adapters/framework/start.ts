/**
 * New cases from legacy systems start their procedure like reported ones: the inbox writes the start
 * intent in the transaction that creates the case (src/cases/start.ts `enqueueStart`) and the case
 * starter creates the instance exactly once.
 */
export { CASE_START as CASE_START_OUTBOX } from '../../src/cases/start.ts';
