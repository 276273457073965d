/**
 * The statistics' daily rows (StatDaily): for each city day, the cases reported on it counted by one
 * dimension at a time (the city, category, street, grid, department, source, urgency, and the spot =
 * grid + category for repeat problems). A query sums a dimension's rows over a period and never reads
 * the cases, so its cost follows the number of days × the dimension's values, not the number of cases.
 *
 * A day's rows are rebuilt whole from the Case rows reported on it (the (reportedAt) index), so they are
 * always what the case rows say now — a case disposed today counts in the day it was reported. The
 * rollup finds the days to rebuild from the cases written since its last run (the (updatedAt) index;
 * every write of a case row goes through src/cases/state and bumps it), re-reading a margin before the
 * last run so a transaction that committed late is not missed. The first run builds every day.
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
import type { WorkCalendar } from '../calendar/index.ts';
import { isUniqueViolation, type Db, type Prisma } from '../db/index.ts';
import type { CaseStatus } from '../db/index.ts';

export const DIMENSIONS = [
  'all',
  'category',
  'street',
  'grid',
  'department',
  'source',
  'urgency',
  'spot',
] as const;
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
/** A dimension's monthly rows: `<dimension>@month`, day = the month's first day (sums of its days). */
export const MONTHLY = '@month';
const INSERT_BATCH = 500;
/** Cases written up to this long before the last run are looked at again (late commits). */
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
export function caseKeys(c: CaseForStats, streetOf: (grid: string) => string | undefined) {
  const category = `${c.categoryKind}:${c.categoryCode}`;
  return {
    all: 'all',
    category,
    street: (c.gridCode && streetOf(c.gridCode)) || '',
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
  now?: () => Date;
}

export interface RollupRun {
  days: number;
  cases: number;
  ms: number;
}

export interface Rollup {
  /** Rebuilds the days with a case written since the last run (every day on the first run). */
  run(): Promise<RollupRun>;
  /**
   * Runs unless a run finished less than `maxAgeMs` ago; a run under way is joined, not doubled.
   * What a statistics request awaits before reading the rows.
   */
  fresh(maxAgeMs: number): Promise<void>;
  /** Rebuilds the given city days (YYYY-MM-DD). */
  rebuildDays(days: Iterable<string>): Promise<RollupRun>;
}

export function createRollup(deps: RollupDeps): Rollup {
  const { prisma } = deps.db;
  const now = deps.now ?? (() => new Date());
  const zone = deps.timezone;
  const dayOf = (d: Date) => DateTime.fromJSDate(d, { zone }).toISODate()!;
  let running: Promise<RollupRun> | null = null;
  let lastDone = 0;

  /** The monthly rows of `month` (YYYY-MM) summed from its daily rows, in one statement. */
  const monthRows = (tx: Prisma.TransactionClient, month: string) => {
    // Inlined, not bound: SQLite and PostgreSQL spell placeholders differently; a month is YYYY-MM.
    if (!/^\d{4}-\d{2}$/.test(month)) throw new Error(`not a month: ${month}`);
    const sums = MEASURES.map((m) => `SUM("${m}")`).join(', ');
    const cols = MEASURES.map((m) => `"${m}"`).join(', ');
    return tx.$executeRawUnsafe(
      `INSERT INTO "StatDaily" ("dimension", "day", "key", ${cols})
       SELECT "dimension" || '${MONTHLY}', '${month}-01', "key", ${sums} FROM "StatDaily"
       WHERE "day" >= '${month}-01' AND "day" <= '${month}-31'
         AND "dimension" IN (${DIMENSIONS.map((d) => `'${d}'`).join(', ')})
       GROUP BY "dimension", "key"`,
    );
  };

  /**
   * One multi-row INSERT with the values written out: a million cases make over a million rows, and
   * Prisma's createMany spends most of the first build binding their 16 values each. Keys are quoted
   * SQL strings (a quote doubled), counts are numbers the rollup computed.
   */
  const insertRows = (
    tx: Prisma.TransactionClient,
    rows: (Counts & { dimension: string; day: string; key: string })[],
  ) => {
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
      `INSERT INTO "StatDaily" ("dimension", "day", "key", ${MEASURES.map((m) => `"${m}"`).join(', ')}) VALUES ${values}`,
    );
  };

  async function rebuild(days: Iterable<string>, calendar: WorkCalendar): Promise<RollupRun> {
    const started = performance.now();
    const streets = new Map(
      (await prisma.gridCell.findMany({ select: { code: true, street: true } })).map((g) => [
        g.code,
        g.street,
      ]),
    );
    const streetOf = (code: string) => streets.get(code);
    const byMonth = new Map<string, string[]>();
    for (const day of new Set(days)) {
      const list = byMonth.get(day.slice(0, 7));
      if (list) list.push(day);
      else byMonth.set(day.slice(0, 7), [day]);
    }
    let total = 0;
    let count = 0;
    // A month at a time: its changed days' rows are replaced, then its monthly rows summed again.
    for (const [month, list] of [...byMonth].sort(([a], [b]) => (a < b ? -1 : 1))) {
      list.sort();
      const first = DateTime.fromISO(list[0]!, { zone }).startOf('day');
      const last = DateTime.fromISO(list[list.length - 1]!, { zone })
        .startOf('day')
        .plus({ days: 1 });
      const wanted = new Set(list);
      const cases = await prisma.case.findMany({
        where: { reportedAt: { gte: first.toJSDate(), lt: last.toJSDate() } },
        select: { ...SELECT, reportedAt: true },
      });
      const rows = new Map<string, { dimension: Dimension; day: string; key: string; counts: Counts }>();
      for (const c of cases) {
        const day = dayOf(c.reportedAt);
        if (!wanted.has(day)) continue;
        total++;
        const counts = caseCounts(c, calendar);
        const keys = caseKeys(c, streetOf);
        for (const dimension of DIMENSIONS) {
          const key = keys[dimension];
          if (dimension === 'spot' && key === '') continue;
          const id = `${day}\u0000${dimension}\u0000${key}`;
          let row = rows.get(id);
          if (!row) rows.set(id, (row = { dimension, day, key, counts: emptyCounts() }));
          for (const m of MEASURES) row.counts[m] += counts[m];
        }
      }
      const data = [...rows.values()].map((r) => ({
        dimension: r.dimension,
        day: r.day,
        key: r.key,
        ...r.counts,
      }));
      // Two hub processes may rebuild the same month at once: the loser's insert meets the winner's
      // rows (both read the cases after the same writes), so it tries once more on the rows as they are.
      for (let attempt = 0; ; attempt++) {
        try {
          await prisma.$transaction(
            async (tx) => {
              await tx.statDaily.deleteMany({ where: { day: { in: list } } });
              for (let i = 0; i < data.length; i += INSERT_BATCH)
                await insertRows(tx, data.slice(i, i + INSERT_BATCH));
              await tx.statDaily.deleteMany({
                where: { day: `${month}-01`, dimension: { endsWith: MONTHLY } },
              });
              await monthRows(tx, month);
            },
            { timeout: 120_000, maxWait: 60_000 },
          );
          break;
        } catch (err) {
          if (attempt > 0 || !isUniqueViolation(err)) throw err;
        }
      }
      count += list.length;
    }
    return { days: count, cases: total, ms: Math.round(performance.now() - started) };
  }

  async function runOnce(): Promise<RollupRun> {
    const startedAt = now();
    const state = await prisma.setting.findUnique({ where: { key: ROLLUP_SETTING } });
    const through = (state?.value as { through?: string } | null)?.through;
    let days: string[];
    if (through) {
      const since = new Date(Date.parse(through) - MARGIN_MS);
      const changed = await prisma.case.findMany({
        where: { updatedAt: { gte: since } },
        select: { reportedAt: true },
      });
      days = [...new Set(changed.map((c) => dayOf(c.reportedAt)))];
    } else {
      const span = await prisma.case.aggregate({ _min: { reportedAt: true }, _max: { reportedAt: true } });
      days = [];
      if (span._min.reportedAt && span._max.reportedAt) {
        const last = dayOf(span._max.reportedAt);
        for (
          let d = DateTime.fromISO(dayOf(span._min.reportedAt));
          d.toISODate()! <= last;
          d = d.plus({ days: 1 })
        )
          days.push(d.toISODate()!);
      }
    }
    const result = days.length ? await rebuild(days, await deps.calendar()) : { days: 0, cases: 0, ms: 0 };
    const value = { through: startedAt.toISOString() };
    await prisma.setting.upsert({
      where: { key: ROLLUP_SETTING },
      create: { key: ROLLUP_SETTING, value, updatedBy: 'statistics' },
      update: { value, updatedBy: 'statistics' },
    });
    return result;
  }

  const run = () => {
    running ??= runOnce().finally(() => {
      running = null;
      lastDone = Date.now();
    });
    return running;
  };

  return {
    run,
    async fresh(maxAgeMs) {
      if (running) await running;
      else if (Date.now() - lastDone >= maxAgeMs) await run();
    },
    async rebuildDays(days) {
      return rebuild(days, await deps.calendar());
    },
  };
}
