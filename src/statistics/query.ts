/**
 * Reading the daily rows: a dimension summed over a period of city days, the figures (counts and rates)
 * of each value, and the same for the period before it (as long, ending the day before `from`).
 */
import { DateTime } from 'luxon';
import type { Db } from '../db/index.ts';
import { emptyCounts, MEASURES, MONTHLY, type Counts, type Dimension } from './rollup.ts';

export const TIME_GROUPS = ['day', 'week', 'month'] as const;
export type TimeGroup = (typeof TIME_GROUPS)[number];
export type GroupBy = Exclude<Dimension, 'all' | 'spot'> | TimeGroup;

export interface Figures {
  reported: number;
  voided: number;
  registered: number;
  /** 应处置 = 应结案: registered minus 挂账 */
  shouldClose: number;
  disposed: number;
  closed: number;
  /** shares in [0, 1]; null when the denominator is empty */
  disposalRate: number | null;
  onTimeDisposalRate: number | null;
  closureRate: number | null;
  onTimeClosureRate: number | null;
  reworkRate: number | null;
  satisfactionRate: number | null;
  /** working hours, null without a disposed case */
  avgHandlingHours: number | null;
}

const share = (n: number, d: number) => (d > 0 ? n / d : null);

export function figuresOf(c: Counts): Figures {
  const shouldClose = c.registered - c.suspended;
  return {
    reported: c.reported,
    voided: c.voided,
    registered: c.registered,
    shouldClose,
    disposed: c.disposed,
    closed: c.closed,
    disposalRate: share(c.disposed, shouldClose),
    onTimeDisposalRate: share(c.disposedOnTime, shouldClose),
    closureRate: share(c.closed, shouldClose),
    onTimeClosureRate: share(c.closedOnTime, shouldClose),
    reworkRate: share(c.rework, shouldClose),
    satisfactionRate: share(c.satisfied, c.rated),
    avgHandlingHours: c.handled > 0 ? c.handledMinutes / c.handled / 60 : null,
  };
}

export interface Period {
  /** first city day, YYYY-MM-DD */
  from: string;
  /** last city day (inclusive) */
  to: string;
}

/** The period as long as `p` that ends the day before it starts. */
export function previousPeriod(p: Period): Period {
  const from = DateTime.fromISO(p.from);
  const days = DateTime.fromISO(p.to).diff(from, 'days').days + 1;
  return {
    from: from.minus({ days }).toISODate()!,
    to: from.minus({ days: 1 }).toISODate()!,
  };
}

/**
 * Where a period's rows are: whole calendar months inside it from the monthly rows, the days before the
 * first and after the last whole month from the daily rows (a year is 12 monthly rows a key, not 365).
 */
export function periodParts(p: Period): { days: Period[]; months: Period | null } {
  const from = DateTime.fromISO(p.from);
  const to = DateTime.fromISO(p.to);
  const firstMonth = from.day === 1 ? from : from.plus({ months: 1 }).startOf('month');
  const afterLast = to.plus({ days: 1 }).startOf('month'); // the first day after the last whole month
  const lastMonth = to.plus({ days: 1 }).day === 1 ? to.startOf('month') : afterLast.minus({ months: 1 });
  if (lastMonth < firstMonth) return { days: [p], months: null };
  const days: Period[] = [];
  if (firstMonth > from) days.push({ from: p.from, to: firstMonth.minus({ days: 1 }).toISODate()! });
  const end = lastMonth.plus({ months: 1 });
  if (end <= to) days.push({ from: end.toISODate()!, to: p.to });
  return { days, months: { from: firstMonth.toISODate()!, to: lastMonth.toISODate()! } };
}

/** The summed counts of each key of `dimension` over the period. */
export async function sumByKey(
  db: Pick<Db, 'prisma'>,
  dimension: Dimension,
  p: Period,
): Promise<Map<string, Counts>> {
  const { days, months } = periodParts(p);
  const groups = await db.prisma.statDaily.groupBy({
    by: ['key'],
    where: {
      OR: [
        ...days.map((d) => ({ dimension, day: { gte: d.from, lte: d.to } })),
        ...(months
          ? [{ dimension: `${dimension}${MONTHLY}`, day: { gte: months.from, lte: months.to } }]
          : []),
      ],
    },
    _sum: Object.fromEntries(MEASURES.map((m) => [m, true])) as Record<(typeof MEASURES)[number], true>,
  });
  return new Map(
    groups.map((g) => {
      const c = emptyCounts();
      for (const m of MEASURES) c[m] = Number(g._sum[m] ?? 0);
      return [g.key, c];
    }),
  );
}

/** The city's counts per day of the period (days without a case are absent). */
export async function cityByDay(db: Pick<Db, 'prisma'>, p: Period): Promise<Map<string, Counts>> {
  const rows = await db.prisma.statDaily.findMany({
    where: { dimension: 'all', day: { gte: p.from, lte: p.to } },
  });
  return new Map(
    rows.map((r) => {
      const c = emptyCounts();
      for (const m of MEASURES) c[m] = r[m];
      return [r.day, c];
    }),
  );
}

/** The bucket of a day: itself, its ISO week's Monday, or its month's first day. */
export function bucketOf(day: string, group: TimeGroup): string {
  const d = DateTime.fromISO(day);
  if (group === 'day') return day;
  return (group === 'week' ? d.startOf('week') : d.startOf('month')).toISODate()!;
}

export function addCounts(into: Counts, c: Counts) {
  for (const m of MEASURES) into[m] += c[m];
}
