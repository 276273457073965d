/**
 * 考核评价 (assessment procedure), on H9's src/assessment.
 * - hub.assessment.compute (computeReport of src/assessment/reports.ts): the period (periodStart/periodEnd as 'YYYY-MM-DD', end exclusive, in the
 *   city's time zone; default the last complete calendar month), its key (`2026-10` for a calendar
 *   month, else `2026-10-01_2026-10-16`), the indicators up to min(periodEnd, now), stored in
 *   AssessmentReport (one row per period and scope: recomputing replaces it), and the city summary.
 * - hub.assessment.store: renders the stored result (HTML and CSV, limited to the scope) into the row
 *   and answers reportId and reportUrl.
 */
import { DateTime } from 'luxon';
import {
  computeReport,
  periodKeyOf,
  renderAssessmentCsv,
  renderAssessmentHtml,
  REPORT_SCOPES,
  scopedResult,
  unpackResult,
  type AssessmentResult,
  type ReportScope,
} from '../src/assessment/index.ts';
import { validationError } from '../src/errors.ts';
import { calendarOf } from './deadlines.ts';
import { defineHandler, optionalString, requireString, type JobInput, type WorkerDeps } from './job.ts';

const SCOPES = REPORT_SCOPES;
type Scope = ReportScope;

function scopeOf(job: JobInput): Scope {
  const scope = optionalString(job, 'scope') ?? 'all';
  if (!(SCOPES as readonly string[]).includes(scope))
    throw validationError(`scope must be one of ${SCOPES.join(', ')}`);
  return scope as Scope;
}

function dateVar(job: JobInput, name: string, zone: string): DateTime | undefined {
  const value = optionalString(job, name);
  if (value === undefined) return undefined;
  const d = DateTime.fromISO(value, { zone });
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || !d.isValid)
    throw validationError(`variable ${name} must be a date YYYY-MM-DD`);
  return d;
}

/** The period of the job: given, or the last complete calendar month before `now`. */
export function periodOf(job: JobInput, zone: string, now: Date) {
  let start = dateVar(job, 'periodStart', zone);
  let end = dateVar(job, 'periodEnd', zone);
  if (!start && !end) {
    end = DateTime.fromJSDate(now, { zone }).startOf('month');
    start = end.minus({ months: 1 });
  } else if (!start || !end) {
    throw validationError('give both periodStart and periodEnd, or neither');
  }
  if (end <= start) throw validationError('periodEnd must be after periodStart');
  return { start, end, periodKey: periodKeyOf(start, end) };
}

const rate = (result: AssessmentResult, key: string) => result.city.figures[key]?.value ?? null;

export const computeAssessmentJob = defineHandler(async (job, deps) => {
  const zone = deps.config.CALENDAR_TIMEZONE;
  const now = deps.now?.() ?? new Date();
  const { start, end, periodKey } = periodOf(job, zone, now);
  const scope = scopeOf(job);
  const { result } = await computeReport(
    { db: deps.db, calendar: await calendarOf(deps), timezone: zone },
    { start, end, periodKey },
    { scope, now, render: false },
  );
  return {
    periodKey,
    periodStart: start.toISODate(),
    periodEnd: end.toISODate(),
    summary: {
      disposalRate: rate(result, 'disposalRate'),
      closureRate: rate(result, 'closureRate'),
      onTimeDisposalRate: rate(result, 'onTimeDisposalRate'),
      onTimeClosureRate: rate(result, 'onTimeClosureRate'),
      reworkRate: rate(result, 'reworkRate'),
      avgHandlingHours: rate(result, 'avgHandlingHours'),
      caseCount: rate(result, 'registered'),
    },
  };
});

export const storeAssessmentJob = defineHandler(async (job, deps: WorkerDeps) => {
  const periodKey = requireString(job, 'periodKey');
  const scope = scopeOf(job);
  const { prisma } = deps.db;
  const report = await prisma.assessmentReport.findUnique({
    where: { periodKey_scope: { periodKey, scope } },
  });
  if (!report) throw validationError(`no computed assessment for period ${periodKey}, scope ${scope}`);
  const result = scopedResult(unpackResult(report.result), scope);
  await prisma.assessmentReport.update({
    where: { id: report.id },
    data: {
      html: renderAssessmentHtml(result, deps.config.CALENDAR_TIMEZONE),
      csv: renderAssessmentCsv(result, deps.config.CALENDAR_TIMEZONE),
    },
  });
  return { reportId: report.id, reportUrl: `${deps.config.HUB_PUBLIC_URL}/assessment/reports/${report.id}` };
});

export const handlers = {
  'hub.assessment.compute': computeAssessmentJob,
  'hub.assessment.store': storeAssessmentJob,
};
