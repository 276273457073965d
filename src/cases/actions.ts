/** Kept for importers of the old path: the role actions live in actions/, one file per action. */
export { caseActionRoutes } from './actions/index.ts';
