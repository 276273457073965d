/** Cases (案卷): the lifecycle vocabulary (statuses, timeline event types, allowed transitions) (the REST routes are in routes.ts and actions/, composed by the app). */
export {
  applyEvent,
  canApply,
  CASE_EVENT_TYPES,
  CASE_STATUSES,
  EVENT_RULES,
  FINAL_STATUSES,
  isCaseEventType,
  OPEN_STATUSES,
  SOURCE_NEEDS_VERIFY,
  STATUS_LABELS,
} from './lifecycle.ts';
export type { CaseEventType, EventRule, Target } from './lifecycle.ts';
export { STAGE_LABELS } from './clock.ts';
export { insertCase, nextCaseNo } from './create.ts';
export type { NewCase, Reporter } from './create.ts';
export { createCasePublisher, CASE_MESSAGE_VARIABLES, ENGINE_OUTBOX, messageIdOf } from './publish.ts';
export type { CaseMessage, CaseMessageName, CasePublisher, CasePublisherDeps } from './publish.ts';
