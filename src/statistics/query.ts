/**
 * Reading the daily rows: a dimension summed over a period of city days, the figures (counts and rates)
 * of each value, and the same for the period before it (as long, ending the day before `from`).
 */
import { DateTime } from 'luxon';
import type { Db } from '../db/index.ts';
import { emptyCounts, MEASURES, type Counts, type Dimension } from './rollup.ts';

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

/** The summed counts of each key of `dimension` over the period. */
export async function sumByKey(
  db: Pick<Db, 'prisma'>,
  dimension: Dimension,
  p: Period,
): Promise<Map<string, Counts>> {
  const groups = await db.prisma.statDaily.groupBy({
    by: ['key'],
    where: { dimension, day: { gte: p.from, lte: p.to } },
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
