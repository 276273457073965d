/**
 * Stored assessment reports (AssessmentReport rows): periods (a calendar month, an ISO week or a day in
 * the city's time zone) and their keys, the result limited to a scope, and computing + storing a
 * report. The `assessment` procedure's workers (workers/assessment.ts) and the API's on-demand run
 * (routes.ts) write the same row for a period and scope, so either replaces the other's.
 */
import { DateTime } from 'luxon';
import type { WorkCalendar } from '../calendar/index.ts';
import type { Db, Prisma } from '../db/index.ts';
import { validationError } from '../errors.ts';
import type { AssessmentResult } from './compute.ts';
import { createAssessment } from './index.ts';
import { renderAssessmentCsv, renderAssessmentHtml } from './render.ts';

export const PERIOD_KINDS = ['month', 'week', 'day'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

export const REPORT_SCOPES = ['all', 'departments', 'streets', 'staff', 'grids'] as const;
export type ReportScope = (typeof REPORT_SCOPES)[number];

export interface ReportPeriod {
  start: DateTime;
  end: DateTime;
  /** `2026-10` for a calendar month, else `2026-10-05_2026-10-12` (end exclusive) */
  periodKey: string;
}

/** The key of [start, end): `yyyy-MM` for a whole calendar month, else `<start>_<end>` as ISO dates. */
export function periodKeyOf(start: DateTime, end: DateTime): string {
  const wholeMonth = start.day === 1 && +end === +start.startOf('day').plus({ months: 1 });
  return wholeMonth ? start.toFormat('yyyy-MM') : `${start.toISODate()}_${end.toISODate()}`;
}

/** The month, ISO week (Monday first) or day that contains `date` ('YYYY-MM-DD') in `zone`. */
export function periodContaining(kind: PeriodKind, date: string, zone: string, field = 'date'): ReportPeriod {
  const day = DateTime.fromISO(date, { zone });
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !day.isValid) {
    throw validationError(`not a date: ${JSON.stringify(date)}`, [{ field, message: 'expected YYYY-MM-DD' }]);
  }
  const unit = kind === 'month' ? 'month' : kind === 'week' ? 'week' : 'day';
  const start = day.startOf(unit);
  const end = start.plus({ [`${unit}s`]: 1 });
  return { start, end, periodKey: periodKeyOf(start, end) };
}

/** The last complete period of `kind` before `now` (the one a schedule firing at `now` reports on). */
export function lastCompletePeriod(kind: PeriodKind, now: Date, zone: string): ReportPeriod {
  const unit = kind === 'month' ? 'month' : kind === 'week' ? 'week' : 'day';
  const end = DateTime.fromJSDate(now, { zone }).startOf(unit);
  const start = end.minus({ [`${unit}s`]: 1 });
  return { start, end, periodKey: periodKeyOf(start, end) };
}

/** The result restricted to the scope's entities (the city line always stays). */
export function scopedResult(result: AssessmentResult, scope: ReportScope): AssessmentResult {
  if (scope === 'all') return result;
  const keep: Record<Exclude<ReportScope, 'all'>, string[]> = {
    departments: ['departments'],
    streets: ['streets'],
    grids: ['grids'],
    staff: ['supervisors', 'acceptors', 'shiftLeaders', 'dispatchers'],
  };
  const lists = [
    'departments',
    'streets',
    'grids',
    'supervisors',
    'acceptors',
    'shiftLeaders',
    'dispatchers',
  ] as const;
  const copy = { ...result };
  for (const list of lists) if (!keep[scope].includes(list)) copy[list] = [];
  return copy;
}

export interface ComputeReportDeps {
  db: Pick<Db, 'prisma' | 'provider'>;
  timezone: string;
  /** the work calendar; loaded from the case store when absent */
  calendar?: WorkCalendar;
}

/**
 * Computes the period up to min(end, now) — a period not over yet gives the figures so far — and
 * stores it as the report of (periodKey, scope), replacing an earlier one. With `render`, the HTML
 * and CSV (limited to the scope) are stored too; the procedure renders in its own step.
 */
export async function computeReport(
  deps: ComputeReportDeps,
  period: ReportPeriod,
  options: { scope: ReportScope; now: Date; render: boolean },
) {
  const from = period.start.toJSDate();
  const to = period.end.toJSDate();
  const until = to < options.now ? to : options.now;
  if (until <= from) {
    throw validationError(`period ${period.periodKey} has not started yet`, [
      { field: 'periodStart', message: 'lies in the future' },
    ]);
  }
  const assessment = createAssessment({ db: deps.db, calendar: deps.calendar, timezone: deps.timezone });
  const result = await assessment.compute({ from, to: until, asOf: until });
  const shown = scopedResult(result, options.scope);
  const html = options.render ? renderAssessmentHtml(shown) : '';
  const csv = options.render ? renderAssessmentCsv(shown) : '';
  const json = JSON.parse(JSON.stringify(result)) as Prisma.InputJsonValue;
  const { periodKey } = period;
  const scope = options.scope;
  const report = await deps.db.prisma.assessmentReport.upsert({
    where: { periodKey_scope: { periodKey, scope } },
    create: { periodKey, scope, periodStart: from, periodEnd: to, result: json, html, csv },
    update: { periodStart: from, periodEnd: to, result: json, html, csv },
  });
  return { report, result };
}
