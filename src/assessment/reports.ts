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
import type { AssessmentResult, EntityResult } from './compute.ts';
import { createAssessment } from './assessment.ts';
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

/** The entity lists of a result besides the city. */
const LISTS = [
  'departments',
  'streets',
  'grids',
  'supervisors',
  'acceptors',
  'shiftLeaders',
  'dispatchers',
] as const;

/** The result restricted to the scope's entities (the city line always stays). */
export function scopedResult(result: AssessmentResult, scope: ReportScope): AssessmentResult {
  if (scope === 'all') return result;
  const keep: Record<Exclude<ReportScope, 'all'>, string[]> = {
    departments: ['departments'],
    streets: ['streets'],
    grids: ['grids'],
    staff: ['supervisors', 'acceptors', 'shiftLeaders', 'dispatchers'],
  };
  const copy = { ...result };
  for (const list of LISTS) if (!keep[scope].includes(list)) copy[list] = [];
  return copy;
}

interface PackedFigure {
  value: number | null;
  /** positions in `caseIds` of the numerator's cases */
  n: number[];
  d?: number[];
}

/**
 * How a result is stored: every case id once (`caseIds`, sorted) and each figure's cases as positions
 * in it. A month's figures name the same few thousand cases dozens of times over (every figure of the
 * city, its department, street, grid and staff), so full ids would make the row ~7× larger.
 */
interface PackedResult {
  format: 'packed-1';
  caseIds: string[];
  result: Omit<AssessmentResult, 'city' | (typeof LISTS)[number]> &
    Record<'city', PackedEntity> &
    Record<(typeof LISTS)[number], PackedEntity[]>;
}
type PackedEntity = Omit<EntityResult, 'figures'> & { figures: Record<string, PackedFigure> };

/** The stored form of a result (deterministic: the same result packs to the same JSON). */
export function packResult(result: AssessmentResult): PackedResult {
  const all = [result.city, ...LISTS.flatMap((l) => result[l])];
  const ids = new Set<string>();
  for (const e of all) {
    for (const f of Object.values(e.figures)) {
      for (const id of f.numeratorIds) ids.add(id);
      for (const id of f.denominatorIds ?? []) ids.add(id);
    }
  }
  const caseIds = [...ids].sort();
  const at = new Map(caseIds.map((id, i) => [id, i]));
  const pack = (e: EntityResult): PackedEntity => ({
    ...e,
    figures: Object.fromEntries(
      Object.entries(e.figures).map(([k, f]) => [
        k,
        {
          value: f.value,
          n: f.numeratorIds.map((id) => at.get(id)!),
          ...(f.denominatorIds ? { d: f.denominatorIds.map((id) => at.get(id)!) } : {}),
        },
      ]),
    ),
  });
  const packed = { ...result, city: pack(result.city) } as unknown as PackedResult['result'];
  for (const l of LISTS) packed[l] = result[l].map(pack);
  return { format: 'packed-1', caseIds, result: packed };
}

/** A stored result as computed (rows written before packing hold the plain result). */
export function unpackResult(stored: unknown): AssessmentResult {
  const s = stored as PackedResult | AssessmentResult;
  if (!('format' in s) || s.format !== 'packed-1') return s as AssessmentResult;
  const ids = s.caseIds;
  const unpack = (e: PackedEntity): EntityResult => ({
    ...e,
    figures: Object.fromEntries(
      Object.entries(e.figures).map(([k, f]) => [
        k,
        {
          value: f.value,
          numeratorIds: f.n.map((i) => ids[i]!),
          ...(f.d ? { denominatorIds: f.d.map((i) => ids[i]!) } : {}),
        },
      ]),
    ),
  });
  const result = { ...s.result, city: unpack(s.result.city) } as unknown as AssessmentResult;
  for (const l of LISTS) result[l] = s.result[l].map(unpack);
  return result;
}

export interface ComputeReportDeps {
  db: Pick<Db, 'prisma' | 'provider'>;
  timezone: string;
  /** the work calendar; loaded from the case store when absent */
  calendar?: WorkCalendar;
}

/**
 * Computes the period up to min(end, now) — a period not over yet gives the figures so far — and
 * stores it (packed: packResult) as the report of (periodKey, scope), replacing an earlier one. With `render`, the HTML
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
  const html = options.render ? renderAssessmentHtml(shown, deps.timezone) : '';
  const csv = options.render ? renderAssessmentCsv(shown, deps.timezone) : '';
  const json = JSON.parse(JSON.stringify(packResult(result))) as Prisma.InputJsonValue;
  const { periodKey } = period;
  const scope = options.scope;
  const report = await deps.db.prisma.assessmentReport.upsert({
    where: { periodKey_scope: { periodKey, scope } },
    create: { periodKey, scope, periodStart: from, periodEnd: to, result: json, html, csv },
    update: { periodStart: from, periodEnd: to, result: json, html, csv },
  });
  return { report, result };
}
