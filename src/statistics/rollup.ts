/**
 * The statistics' daily rows (StatDaily): for each city day, the cases reported on it counted by one
 * dimension at a time (the city, category, grid, department, source, urgency, and the spot = grid +
 * category for repeat problems), plus their monthly and yearly sums. A query sums a dimension's rows over
 * a period and never reads the cases, so its cost follows the number of days × the dimension's values,
 * not the number of cases. Streets are not stored: a street is its grids summed when asked, so a grid
 * cell an administrator moves to another street counts there at once, on every day.
 *
 * A day's rows are rebuilt whole from the Case rows reported on it (the (reportedAt) index), so they are
 * always what the case rows say now — a case disposed today counts in the day it was reported. A run
 * finds the days to rebuild from the cases written since the last run (the (updatedAt) index; every
 * write of a case row goes through src/cases/state and bumps it), re-reading a margin before the last
 * run so a transaction that committed late is not missed, and from the StatStale notes the case writer
 * leaves when it deletes a case row. The first run, and the first after ROLLUP_VERSION changes, builds
 * every day. The hub runs it as a job (src/statistics/job.ts), never inside a request.
 *
 * Counted from the case row (the assessment counts from the timeline and by 立案 date; the statistics
 * are a daily view, not the monthly score):
 * - reported: every case; voided: 作废 (also merged duplicates);
 * - registered: not voided and past 核实 (立案, or 自处理); suspended: 挂账 now (out of 应处置);
 * - disposed: 处置完成, 核查中 or 结案; on time when disposedAt ≤ disposeDeadline (or no deadline);
 * - closed: 结案; on time when also disposed on time;
 * - handled / handledMinutes: disposed cases with a dispatch, working minutes from the (last)
 *   dispatch to the disposal on the work calendar, minus the 挂账 minutes — 平均处置时长;
 * - rated / satisfied: a 回访 verdict (or a 市民通 rating) / 满意 or 基本满意;
 * - rework: cases with a 返工.
 */
import { DateTime } from 'luxon';
import { setImmediate as yieldToRequests } from 'node:timers/promises';
import type { WorkCalendar } from '../calendar/index.ts';
import { isUniqueViolation, type Db, type Prisma } from '../db/index.ts';
import type { CaseStatus } from '../db/index.ts';

export const DIMENSIONS = ['all', 'category', 'grid', 'department', 'source', 'urgency', 'spot'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const MEASURES = [
  'reported',
  'voided',
  'registered',
  'suspended',
  'disposed',
  'disposedOnTime',
  'closed',
  'closedOnTime',
  'handled',
  'handledMinutes',
  'rated',
  'satisfied',
  'rework',
] as const;
export type Measure = (typeof MEASURES)[number];
export type Counts = Record<Measure, number>;

export const ROLLUP_SETTING = 'statistics.rollup';
/**
 * What the stored rows are made of; a run that finds rows of another version builds them all again
 * (2: yearly rows, no street rows).
 */
export const ROLLUP_VERSION = 2;
/** A dimension's monthly rows: `<dimension>@month`, day = the month's first day (sums of its days). */
export const MONTHLY = '@month';
/** A dimension's yearly rows: `<dimension>@year`, day = 1 January (sums of its months). */
export const YEARLY = '@year';
const INSERT_BATCH = 500;
/**
 * Cases written up to this long before the last run are looked at again: a transaction that began
 * before a run and committed after it read the changed cases is not missed.
 */
const MARGIN_MS = 2 * 60_000;

const BEFORE_REGISTRATION: CaseStatus[] = ['reported', 'accepted', 'verifying'];
const DISPOSED: CaseStatus[] = ['disposed', 'checking', 'closed'];

export const emptyCounts = (): Counts => Object.fromEntries(MEASURES.map((m) => [m, 0])) as Counts;

export interface CaseForStats {
  source: string;
  categoryKind: string;
  categoryCode: string;
  urgency: string;
  status: CaseStatus;
  gridCode: string | null;
  departmentId: string | null;
  dispatchedAt: Date | null;
  disposedAt: Date | null;
  disposeDeadline: Date | null;
  suspendedMinutes: number;
  callbackSatisfied: boolean | null;
  reworkCount: number;
}

/** What one case adds to the rows it belongs to. */
export function caseCounts(c: CaseForStats, calendar: WorkCalendar): Counts {
  const n = emptyCounts();
  n.reported = 1;
  if (c.status === 'voided') {
    n.voided = 1;
    return n;
  }
  if (BEFORE_REGISTRATION.includes(c.status)) return n;
  n.registered = 1;
  if (c.status === 'suspended') n.suspended = 1;
  if (DISPOSED.includes(c.status)) {
    n.disposed = 1;
    const onTime = !c.disposeDeadline || !c.disposedAt || c.disposedAt <= c.disposeDeadline;
    if (onTime) n.disposedOnTime = 1;
    if (c.status === 'closed') {
      n.closed = 1;
      if (onTime) n.closedOnTime = 1;
    }
    if (c.dispatchedAt && c.disposedAt) {
      n.handled = 1;
      n.handledMinutes = Math.max(
        0,
        calendar.workingTimeBetween(c.dispatchedAt, c.disposedAt) - c.suspendedMinutes,
      );
    }
  }
  if (c.callbackSatisfied !== null) {
    n.rated = 1;
    if (c.callbackSatisfied) n.satisfied = 1;
  }
  if (c.reworkCount > 0) n.rework = 1;
  return n;
}

/** The key of a case in each dimension ('' = none). */
export function caseKeys(c: CaseForStats) {
  const category = `${c.categoryKind}:${c.categoryCode}`;
  return {
    all: 'all',
    category,
    grid: c.gridCode ?? '',
    department: c.departmentId ?? '',
    source: c.source,
    urgency: c.urgency,
    spot: c.gridCode ? `${c.gridCode}|${category}` : '',
  } satisfies Record<Dimension, string>;
}

const SELECT = {
  source: true,
  categoryKind: true,
  categoryCode: true,
  urgency: true,
  status: true,
  gridCode: true,
  departmentId: true,
  dispatchedAt: true,
  disposedAt: true,
  disposeDeadline: true,
  suspendedMinutes: true,
  callbackSatisfied: true,
  reworkCount: true,
} as const;

export interface RollupDeps {
  db: Pick<Db, 'prisma'>;
  /** the work calendar (平均处置时长 in working hours); loaded per run by the caller */
  calendar: () => Promise<WorkCalendar>;
  timezone: string;
  /** Cases written up to this long before the last run are looked at again (default 2 min). */
  marginMs?: number;
}

export interface RollupRun {
  days: number;
  cases: number;
  ms: number;
  /** true when every day was built (the first run, or rows of an older version) */
  full: boolean;
}

export interface RunOptions {
  /**
   * Awaited between two months of a run (a first build of a large store takes minutes): the job renews
   * its lease here, and a throw stops the run with nothing half-written (each day is one transaction).
   */
  between?: () => Promise<void>;
}

export interface Rollup {
  /** Rebuilds the days with a case written (or deleted) since the last run; every day when needed. */
  run(options?: RunOptions): Promise<RollupRun>;
}

/** Where the rows are: when the last complete run began (what they count), null while none has. */
export async function rollupAsOf(db: Pick<Db, 'prisma'>): Promise<Date | null> {
  const state = await readState(db.prisma);
  return state.version === ROLLUP_VERSION && state.through ? new Date(state.through) : null;
}

interface RollupState {
  through?: string;
  version?: number;
}

async function readState(prisma: Db['prisma']): Promise<RollupState> {
  const row = await prisma.setting.findUnique({ where: { key: ROLLUP_SETTING } });
  return (row?.value as RollupState | null) ?? {};
}

const COLUMNS = MEASURES.map((m) => `"${m}"`).join(', ');

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** The daily rows' dimensions, as an SQL list. */
const DAILY = DIMENSIONS.map((d) => `'${d}'`).join(', ');

/**
 * Adds the daily rows of `day` to its month's rows and its year's rows (`sign` -1: takes them out); the
 * number of month and year rows written. A run takes a changed day's old rows out and puts its new ones
 * in, so it reads that day's rows, not the month's or the year's (summing a year again read every spot of
 * it, on every run). Values inlined, not bound (SQLite and PostgreSQL spell placeholders differently),
 * and checked: the day is a date the rollup made.
 */
async function foldDay(tx: Prisma.TransactionClient, day: string, sign: 1 | -1) {
  if (!DAY.test(day)) throw new Error(`not a day: ${day}`);
  const sums = MEASURES.map((m) => (sign < 0 ? `-SUM("${m}")` : `SUM("${m}")`)).join(', ');
  const add = MEASURES.map((m) => `"${m}" = "StatDaily"."${m}" + excluded."${m}"`).join(', ');
  let changed = 0;
  for (const [level, at] of [
    [MONTHLY, `${day.slice(0, 7)}-01`],
    [YEARLY, `${day.slice(0, 4)}-01-01`],
  ] as const) {
    changed += await tx.$executeRawUnsafe(
      `INSERT INTO "StatDaily" ("dimension", "day", "key", ${COLUMNS})
       SELECT "dimension" || '${level}', '${at}', "key", ${sums} FROM "StatDaily"
       WHERE "day" = '${day}' AND "dimension" IN (${DAILY})
       GROUP BY "dimension", "key"
       ON CONFLICT ("dimension", "day", "key") DO UPDATE SET ${add}`,
    );
  }
  return changed;
}

/** A key left with no case in the month or the year has no row there, as it would not in a sum. */
function dropEmpty(tx: Prisma.TransactionClient, month: string) {
  const levels = DIMENSIONS.flatMap((d) => [`'${d}${MONTHLY}'`, `'${d}${YEARLY}'`]).join(', ');
  return tx.$executeRawUnsafe(
    `DELETE FROM "StatDaily" WHERE "reported" = 0 AND "dimension" IN (${levels})
       AND "day" IN ('${month}-01', '${month.slice(0, 4)}-01-01')`,
  );
}

/**
 * One multi-row INSERT with the values written out: a million cases make over a million rows, and
 * Prisma's createMany spends most of the first build binding their 16 values each. Keys are quoted
 * SQL strings (a quote doubled), counts are numbers the rollup computed.
 */
function insertRows(
  tx: Prisma.TransactionClient,
  rows: (Counts & { dimension: string; day: string; key: string })[],
) {
  if (rows.length === 0) return Promise.resolve(0);
  const text = (v: string) => `'${v.replaceAll("'", "''")}'`;
  const num = (v: number) => {
    if (!Number.isFinite(v)) throw new Error(`not a count: ${v}`);
    return String(v);
  };
  const values = rows
    .map(
      (r) =>
        `(${text(r.dimension)}, ${text(r.day)}, ${text(r.key)}, ${MEASURES.map((m) => num(r[m])).join(', ')})`,
    )
    .join(',\n');
  return tx.$executeRawUnsafe(
    `INSERT INTO "StatDaily" ("dimension", "day", "key", ${COLUMNS}) VALUES ${values}`,
  );
}

/**
 * Runs a writing transaction; two processes rebuilding the same rows at once (without the job's lease:
 * a bench, a test) meet each other's rows, and the loser tries once more on the rows as they are.
 */
async function write(prisma: Db['prisma'], fn: (tx: Prisma.TransactionClient) => Promise<void>) {
  for (let attempt = 0; ; attempt++) {
    try {
      await prisma.$transaction(fn, { timeout: 120_000, maxWait: 60_000 });
      return;
    } catch (err) {
      if (attempt > 0 || !isUniqueViolation(err)) throw err;
    }
  }
}

export function createRollup(deps: RollupDeps): Rollup {
  const { prisma } = deps.db;
  const zone = deps.timezone;
  const dayOf = (d: Date) => DateTime.fromJSDate(d, { zone }).toISODate()!;
  let running: Promise<RollupRun> | null = null;

  /**
   * One changed day, in one transaction: its old rows taken out of its month's and year's, the day
   * rebuilt from its cases, the new rows put in. A day is the unit of work because on SQLite every
   * statement holds the hub's one event loop while it runs (the driver is synchronous): what one unit
   * reads and writes is what an API request may wait behind.
   */
  async function rebuildDay(day: string, calendar: WorkCalendar) {
    const first = DateTime.fromISO(day, { zone }).startOf('day');
    const cases = await prisma.case.findMany({
      where: { reportedAt: { gte: first.toJSDate(), lt: first.plus({ days: 1 }).toJSDate() } },
      select: SELECT,
    });
    const rows = new Map<string, Counts & { dimension: Dimension; day: string; key: string }>();
    for (const c of cases) {
      const counts = caseCounts(c, calendar);
      const keys = caseKeys(c);
      for (const dimension of DIMENSIONS) {
        const key = keys[dimension];
        if (dimension === 'spot' && key === '') continue;
        const id = `${dimension}\u0000${key}`;
        let row = rows.get(id);
        if (!row) rows.set(id, (row = { dimension, day, key, ...emptyCounts() }));
        for (const m of MEASURES) row[m] += counts[m];
      }
    }
    const data = [...rows.values()];
    // Reading and counting, then writing: each half holds the loop, so requests go between them too.
    await yieldToRequests();
    await write(prisma, async (tx) => {
      const taken = await foldDay(tx, day, -1);
      // The daily rows only: a month's rows are kept on its 1st, a year's on 1 January.
      await tx.statDaily.deleteMany({ where: { day, dimension: { in: [...DIMENSIONS] } } });
      for (let i = 0; i < data.length; i += INSERT_BATCH)
        await insertRows(tx, data.slice(i, i + INSERT_BATCH));
      await foldDay(tx, day, 1);
      // Only a subtraction leaves a row at 0 (a daily row counts at least one case); a first build's days
      // have none, and the look over the month's and year's rows is skipped.
      if (taken > 0) await dropEmpty(tx, day.slice(0, 7));
    });
    return cases.length;
  }

  async function rebuild(days: Iterable<string>, full: boolean, options: RunOptions): Promise<RollupRun> {
    const started = performance.now();
    const calendar = await deps.calendar();
    let cases = 0;
    let count = 0;
    let month = '';
    for (const day of [...new Set(days)].sort()) {
      if (day.slice(0, 7) !== month) {
        month = day.slice(0, 7);
        await options.between?.();
      }
      // Requests waiting behind the last day's statements go first. On SQLite the driver's promises are
      // already settled, so awaiting them never lets the loop turn: without this a first build held every
      // request for its whole length (64 s at 250,000 cases, bench/rollup-stall.ts).
      await yieldToRequests();
      cases += await rebuildDay(day, calendar);
      count++;
    }
    return { days: count, cases, full, ms: Math.round(performance.now() - started) };
  }

  /** Every city day from the first case reported to the last. */
  async function allDays(): Promise<string[]> {
    const span = await prisma.case.aggregate({ _min: { reportedAt: true }, _max: { reportedAt: true } });
    const days: string[] = [];
    if (!span._min.reportedAt || !span._max.reportedAt) return days;
    const last = dayOf(span._max.reportedAt);
    for (
      let d = DateTime.fromISO(dayOf(span._min.reportedAt));
      d.toISODate()! <= last;
      d = d.plus({ days: 1 })
    )
      days.push(d.toISODate()!);
    return days;
  }

  async function runOnce(options: RunOptions): Promise<RollupRun> {
    // The system clock, not the hub's: updatedAt is stamped by Prisma from the system clock, and the
    // hub's clock may be the engine's (pinned or moved in tests and demos).
    const startedAt = new Date();
    const state = await readState(prisma);
    const stale = await prisma.statStale.findMany({ select: { id: true, reportedAt: true } });
    const full = state.version !== ROLLUP_VERSION || !state.through;
    let days: string[];
    if (full) {
      // Rows of another version (or of a first build cut short) would mix with the new ones. One DELETE
      // with no WHERE, not Prisma's deleteMany: SQLite then drops the table's pages at once (1.9 s for a
      // million-case store's 2.5 M rows at load 17), where deleteMany held the hub's event loop, and so
      // every request, for 14 s (51 s for a request during bench/statistics.ts's build at load 19).
      await prisma.$executeRawUnsafe('DELETE FROM "StatDaily"');
      days = await allDays();
    } else {
      const since = new Date(Date.parse(state.through!) - (deps.marginMs ?? MARGIN_MS));
      const changed = await prisma.case.findMany({
        where: { updatedAt: { gte: since } },
        select: { reportedAt: true },
      });
      days = [...new Set([...changed, ...stale].map((c) => dayOf(c.reportedAt)))];
    }
    const result = days.length ? await rebuild(days, full, options) : { days: 0, cases: 0, ms: 0, full };
    await prisma.$transaction([
      prisma.statStale.deleteMany({ where: { id: { in: stale.map((s) => s.id) } } }),
      prisma.setting.upsert({
        where: { key: ROLLUP_SETTING },
        create: { key: ROLLUP_SETTING, value: valueOf(startedAt), updatedBy: 'statistics' },
        update: { value: valueOf(startedAt), updatedBy: 'statistics' },
      }),
    ]);
    return result;
  }

  return {
    run(options = {}) {
      // A run under way is joined, not doubled.
      running ??= runOnce(options).finally(() => {
        running = null;
      });
      return running;
    },
  };
}

const valueOf = (through: Date) => ({ through: through.toISOString(), version: ROLLUP_VERSION });
