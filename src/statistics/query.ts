/**
 * Reading the daily rows: a dimension summed over a period of city days, the figures (counts and rates)
 * of each value, and the same for the period before it (as long, ending the day before `from`).
 */
import { DateTime } from 'luxon';
import { Prisma, type Db } from '../db/index.ts';
import { emptyCounts, MEASURES, MONTHLY, YEARLY, type Counts, type Dimension } from './rollup.ts';

export const TIME_GROUPS = ['day', 'week', 'month'] as const;
export type TimeGroup = (typeof TIME_GROUPS)[number];
export type GroupBy = Exclude<Dimension, 'all' | 'spot'> | 'street' | TimeGroup;

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

type Level = '' | typeof MONTHLY | typeof YEARLY;

/** A run of consecutive rows of one level: daily, monthly (day = the 1st) or yearly (day = 1 January). */
export interface Part {
  level: Level;
  from: string;
  to: string;
}

/**
 * Where a period's rows are: whole years inside it from the yearly rows, whole months outside those
 * from the monthly rows, the days before the first and after the last whole month from the daily rows —
 * two years are 2 rows a key, not 730.
 */
export function periodParts(p: Period): Part[] {
  const end = DateTime.fromISO(p.to);
  const parts: Part[] = [];
  const add = (level: Level, at: DateTime) => {
    const day = at.toISODate()!;
    const last = parts[parts.length - 1];
    if (last?.level === level) last.to = day;
    else parts.push({ level, from: day, to: day });
  };
  for (let d = DateTime.fromISO(p.from); d <= end;) {
    if (d.ordinal === 1 && d.endOf('year') <= end.endOf('day')) {
      add(YEARLY, d);
      d = d.plus({ years: 1 });
    } else if (d.day === 1 && d.endOf('month') <= end.endOf('day')) {
      add(MONTHLY, d);
      d = d.plus({ months: 1 });
    } else {
      add('', d);
      d = d.plus({ days: 1 });
    }
  }
  return parts;
}

/** The rows of `dimension` over the period, as an SQL condition. */
function rowsOf(dimension: Dimension, p: Period) {
  return Prisma.join(
    periodParts(p).map(
      (part) =>
        Prisma.sql`("dimension" = ${dimension + part.level} AND "day" >= ${part.from} AND "day" <= ${part.to})`,
    ),
    ' OR ',
  );
}

const SUMS = Prisma.raw(MEASURES.map((m) => `SUM("${m}") AS "${m}"`).join(', '));

/** A row of sums as counts (PostgreSQL answers SUM of integers as bigint). */
function countsOf(row: Record<string, unknown>): Counts {
  const c = emptyCounts();
  for (const m of MEASURES) c[m] = Number(row[m] ?? 0);
  return c;
}

/**
 * The summed counts of each key of `dimension` over the period. A street is the sum of the grids it
 * has now (GridCell.street): no row keeps the street a grid had when its day was counted.
 */
export async function sumByKey(
  db: Pick<Db, 'prisma'>,
  dimension: Dimension | 'street',
  p: Period,
): Promise<Map<string, Counts>> {
  const rows = await db.prisma.$queryRaw<Record<string, unknown>[]>`
    SELECT "key", ${SUMS} FROM "StatDaily" WHERE ${rowsOf(dimension === 'street' ? 'grid' : dimension, p)}
    GROUP BY "key"`;
  const byKey = new Map(rows.map((r) => [String(r.key), countsOf(r)]));
  if (dimension !== 'street') return byKey;
  const cells = await db.prisma.gridCell.findMany({
    where: { code: { in: [...byKey.keys()] } },
    select: { code: true, street: true },
  });
  const streetOf = new Map(cells.map((c) => [c.code, c.street]));
  const byStreet = new Map<string, Counts>();
  for (const [grid, counts] of byKey) {
    const street = streetOf.get(grid) ?? '';
    const into = byStreet.get(street);
    if (into) addCounts(into, counts);
    else byStreet.set(street, counts);
  }
  return byStreet;
}

export interface Spot {
  /** grid code | category key */
  key: string;
  reported: number;
  /** registered and not closed (nor 挂账) */
  open: number;
}

/**
 * 重复问题: the spots (grid + category) reported at least `min` times in the period, most reported first
 * (then by key), at most `limit`. Filtered, ordered and cut in the database: a month of a large store
 * has tens of thousands of spots, nearly all reported once.
 */
export async function repeatedSpots(
  db: Pick<Db, 'prisma' | 'provider'>,
  p: Period,
  min: number,
  limit: number,
) {
  // Keys in byte order on both databases (PostgreSQL's default collation would order them by locale).
  const byKey = Prisma.raw(db.provider === 'postgresql' ? '"key" COLLATE "C"' : '"key"');
  const rows = await db.prisma.$queryRaw<Record<string, unknown>[]>`
    SELECT "key", SUM("reported") AS "reported",
           SUM("registered") - SUM("closed") - SUM("suspended") AS "open"
    FROM "StatDaily" WHERE ${rowsOf('spot', p)}
    GROUP BY "key" HAVING SUM("reported") >= ${min}
    ORDER BY SUM("reported") DESC, ${byKey} LIMIT ${limit}`;
  return rows.map((r): Spot => ({
    key: String(r.key),
    reported: Number(r.reported),
    open: Math.max(0, Number(r.open)),
  }));
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
