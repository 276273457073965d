/**
 * 考核评价: the monthly (or any period's) indicators, composite scores and grades, computed from the
 * case store's timelines with editable rules and the work calendar. Definitions: compute.ts.
 *
 *   const assessment = createAssessment({ db });
 *   const result = await assessment.compute({ ...monthPeriod('2026-10', 'Asia/Shanghai') });
 *   renderAssessmentCsv(result, config.CALENDAR_TIMEZONE);
 */

export { computeAssessment, FIGURE_LABELS } from './compute.ts';
export type {
  AssessmentInput,
  AssessmentPeriod,
  AssessmentResult,
  EntityResult,
  EntityType,
  Figure,
} from './compute.ts';
export type { AssessmentCase, AssessmentEvent } from './replay.ts';
export {
  ASSESSMENT_RULES_KEY,
  DEFAULT_ASSESSMENT_RULES,
  loadAssessmentRules,
  parseAssessmentRules,
  saveAssessmentRules,
} from './rules.ts';
export type { AssessmentRules, Band, CompositeTerm, EntityKind } from './rules.ts';
export { loadAssessmentInput, PERIOD_EVENT_TYPES } from './load.ts';
export { monthPeriod } from './period.ts';
export { renderAssessmentCsv, renderAssessmentHtml } from './render.ts';

export { createAssessment, type Assessment, type AssessmentDeps } from './assessment.ts';
export {
  computeReport,
  lastCompletePeriod,
  packResult,
  PERIOD_KINDS,
  periodContaining,
  periodKeyOf,
  REPORT_SCOPES,
  scopedResult,
  unpackResult,
} from './reports.ts';
export type { PeriodKind, ReportPeriod, ReportScope } from './reports.ts';
