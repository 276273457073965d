/**
 * The assessment service over a case store: figures of a period from its timelines, with the rules in
 * force and the work calendar (index.ts exports it with the rest of 考核评价).
 */
import type { WorkCalendar } from '../calendar/index.ts';
import { loadWorkCalendar } from '../calendar/index.ts';
import type { Db } from '../db/index.ts';
import { computeAssessment, type AssessmentResult } from './compute.ts';
import { loadAssessmentInput } from './load.ts';
import { loadAssessmentRules, saveAssessmentRules, type AssessmentRules } from './rules.ts';

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
