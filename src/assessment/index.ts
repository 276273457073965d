/**
 * 考核评价: the monthly (or any period's) indicators, composite scores and grades, computed from the
 * case store's timelines with editable rules and the work calendar. Definitions: compute.ts.
 *
 *   const assessment = createAssessment({ db });
 *   const result = await assessment.compute({ ...monthPeriod('2026-10', 'Asia/Shanghai') });
 *   renderAssessmentCsv(result);
 */
import type { WorkCalendar } from '../calendar/index.ts';
import { loadWorkCalendar } from '../calendar/index.ts';
import type { Db } from '../db/index.ts';
import { computeAssessment, type AssessmentResult } from './compute.ts';
import { loadAssessmentInput } from './load.ts';
import { loadAssessmentRules, saveAssessmentRules, type AssessmentRules } from './rules.ts';

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

export interface AssessmentDeps {
  db: Pick<Db, 'prisma' | 'provider'>;
  /** the work calendar; loaded from the case store (loadWorkCalendar) when absent */
  calendar?: WorkCalendar;
  /** time zone for loading the calendar (config.CALENDAR_TIMEZONE) */
  timezone?: string;
}

export interface Assessment {
  /**
   * Figures for [from, to) as the timeline stood before `asOf` (default: `to`). The same rows, rules
   * and calendar always give the same result.
   */
  compute(period: { from: Date; to: Date; asOf?: Date }): Promise<AssessmentResult>;
  /** The rules in force (Setting `assessment.rules` over the defaults). */
  rules(): Promise<AssessmentRules>;
  /** Validates and stores edited rules; returns the rules now in force. */
  saveRules(rules: Partial<AssessmentRules>, updatedBy?: string): Promise<AssessmentRules>;
}

/** Creates the assessment service over a case store. */
export function createAssessment(deps: AssessmentDeps): Assessment {
  return {
    async compute({ from, to, asOf = to }) {
      const period = { from, to, asOf };
      const [input, rules, calendar] = await Promise.all([
        loadAssessmentInput(deps.db, period),
        loadAssessmentRules(deps.db),
        deps.calendar ?? loadWorkCalendar(deps.db, { timezone: deps.timezone }),
      ]);
      return computeAssessment(input, rules, calendar);
    },
    rules: () => loadAssessmentRules(deps.db),
    saveRules: (rules, updatedBy) => saveAssessmentRules(deps.db, rules, updatedBy),
  };
}
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
