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

/**
 * A run of consecutive rows of one level — daily, monthly (day = the 1st) or yearly (day = 1 January) —
 * added to a period's sums, or taken out of them (`sign` -1).
 */
export interface Part {
  level: Level;
  from: string;
  to: string;
  sign: 1 | -1;
}

/** [from, to] from whole years, then whole months, then days, each run of one level one part. */
function forward(from: DateTime, to: DateTime, sign: 1 | -1): Part[] {
  const parts: Part[] = [];
  const add = (level: Level, at: DateTime) => {
    const day = at.toISODate()!;
    const last = parts[parts.length - 1];
    if (last?.level === level) last.to = day;
    else parts.push({ level, from: day, to: day, sign });
  };
  const end = to.endOf('day');
  for (let d = from; d <= end;) {
    if (d.ordinal === 1 && d.endOf('year') <= end) {
      add(YEARLY, d);
      d = d.plus({ years: 1 });
    } else if (d.day === 1 && d.endOf('month') <= end) {
      add(MONTHLY, d);
      d = d.plus({ months: 1 });
    } else {
      add('', d);
      d = d.plus({ days: 1 });
    }
  }
  return parts;
}

/**
 * Rows read per key, roughly, for the costliest dimension (the spots: on a large store a month has some
 * 20 days' worth of keys, a year some 2 months' worth).
 */
const COST: Record<Level, number> = { '': 1, '@month': 20, '@year': 40 };
const cost = (parts: Part[]) =>
  parts.reduce((n, part) => {
    const from = DateTime.fromISO(part.from);
    const to = DateTime.fromISO(part.to);
    const units =
      part.level === YEARLY
        ? to.year - from.year + 1
        : part.level === MONTHLY
          ? Math.round(to.diff(from, 'months').months) + 1
          : to.diff(from, 'days').days + 1;
    return n + units * COST[part.level];
  }, 0);

/**
 * Where a period's rows are, read as cheaply as they can be: whole years from the yearly rows, whole
 * months from the monthly rows, the days at the edges from the daily rows — or, when a period begins or
 * ends far inside a year, that whole year with the part outside the period taken out (15 January to
 * 20 December is the year less 14 + 11 days, not 11 months and 31 days). Two years are 2 rows a key.
 */
export function periodParts(p: Period): Part[] {
  const from = DateTime.fromISO(p.from);
  const to = DateTime.fromISO(p.to);
  let best: Part[] | null = null;
  for (const widenStart of [false, true])
    for (const widenEnd of [false, true]) {
      const start = widenStart ? from.startOf('year') : from;
      const end = widenEnd ? to.endOf('year').startOf('day') : to;
      if ((widenStart && start.equals(from)) || (widenEnd && end.equals(to))) continue;
      const parts = [
        ...forward(start, end, 1),
        ...(widenStart ? forward(start, from.minus({ days: 1 }), -1) : []),
        ...(widenEnd ? forward(to.plus({ days: 1 }), end, -1) : []),
      ];
      if (!best || cost(parts) < cost(best)) best = parts;
    }
  return best!;
}

/**
 * The rows of `dimension` over the period as a table `"r"` ("key" and the measures), the rows of a part
 * taken out negated: summed by key it gives the period's counts.
 */
function periodRows(dimension: Dimension, p: Period) {
  const parts = periodParts(p);
  const select = (sign: 1 | -1) => {
    const of = parts.filter((part) => part.sign === sign);
    if (of.length === 0) return null;
    const columns = Prisma.raw(MEASURES.map((m) => (sign < 0 ? `-"${m}" AS "${m}"` : `"${m}"`)).join(', '));
    const where = Prisma.join(
      of.map(
        (part) =>
          Prisma.sql`("dimension" = ${dimension + part.level} AND "day" >= ${part.from} AND "day" <= ${part.to})`,
      ),
      ' OR ',
    );
    return Prisma.sql`SELECT "key", ${columns} FROM "StatDaily" WHERE ${where}`;
  };
  const selects = [select(1), select(-1)].filter((x): x is Prisma.Sql => x !== null);
  return Prisma.sql`(${Prisma.join(selects, ' UNION ALL ')}) AS "r"`;
}

const SUMS = Prisma.raw(MEASURES.map((m) => `SUM("${m}") AS "${m}"`).join(', '));

/** A row of sums as counts (PostgreSQL answers SUM of integers as bigint). */
function countsOf(row: Record<string, unknown>): Counts {
  const c = emptyCounts();
  for (const m of MEASURES) c[m] = Number(row[m] ?? 0);
  // Minutes added and taken out again (a year less its edges) keep no float dust.
  c.handledMinutes = Math.round(c.handledMinutes * 1e6) / 1e6;
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
  // A key whose rows were all taken out again (reported only outside the period) is no row of it.
  const rows = await db.prisma.$queryRaw<Record<string, unknown>[]>`
    SELECT "key", ${SUMS} FROM ${periodRows(dimension === 'street' ? 'grid' : dimension, p)}
    GROUP BY "key" HAVING SUM("reported") <> 0`;
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
    FROM ${periodRows('spot', p)}
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
