/**
 * The statistics over a large case store: inserts N case rows (default 1,000,000) spread evenly over M
 * months (default 24), builds the daily rows (the rollup's first run), then times every statistics
 * query the API answers — each grouping over a day, a week, a month, a quarter, a year and the whole
 * span, the repeats and the overdue list — through the route handlers (as a request reads the rows), and
 * the incremental rollup after 1,000 cases are written. Prints JSON with the load average.
 *
 *   npx tsx bench/statistics.ts --db sqlite
 *   npx tsx bench/statistics.ts --db postgres [--cases 1000000] [--months 24] [--keep]
 *   npx tsx bench/statistics.ts --db sqlite --reuse file:/tmp/hub_t_….db [--cases 1000000] [--months 24]
 *
 * The database is a fresh temp SQLite file or a fresh PostgreSQL database (TEST_POSTGRES_URL), dropped
 * at the end (kept with --keep, its URL printed: building a large store takes minutes). Bulk inserts go
 * through the drivers; the rollup and the queries through Prisma. --reuse times the queries again on a
 * kept store (same --cases and --months, which place the periods): no insert, and the rollup brings the
 * rows up to date (migrations applied first, so a store kept before a schema change still opens; a
 * changed ROLLUP_VERSION makes that a first build again). --requests-during-build sends the page's first
 * request every 100 ms while the first build runs (on a kept store: the rows forgotten, so it is one
 * again) and prints their latencies and the event loop's longest delay.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { DateTime } from 'luxon';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createWorkCalendar } from '../src/calendar/index.ts';
import { createRollup, ROLLUP_SETTING } from '../src/statistics/rollup.ts';
import { statisticsRoutes } from '../src/statistics/routes.ts';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    cases: { type: 'string', default: '1000000' },
    months: { type: 'string', default: '24' },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'string' },
    'requests-during-build': { type: 'boolean', default: false },
  },
});
process.env.HUB_TEST_DB = values.db;
const { createTestDb, testProvider } = await import('../test/helpers/db.ts');
const { createDb } = await import('../src/db/index.ts');
const { shapelessCell } = await import('../test/helpers/cases.ts');

const N = Number(values.cases);
const MONTHS = Number(values.months);
const TZ = 'Asia/Shanghai';
const START = DateTime.fromISO('2025-01-01', { zone: TZ });
const END = START.plus({ months: MONTHS });
const SPAN_MS = END.toMillis() - START.toMillis();
const MIN = 60_000;
const load = () => loadavg().map((x) => Math.round(x * 10) / 10);

let seed = 4242;
const rnd = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)]!;

/** A kept store (--reuse) or a fresh one; only a fresh one is filled (and dropped unless --keep). */
async function openStore() {
  if (!values.reuse) return { ...(await createTestDb()), fresh: true };
  const db = createDb({ DATABASE_URL: values.reuse, databaseProvider: testProvider() });
  await db.migrate();
  return { url: values.reuse, provider: db.provider, db, drop: () => db.close(), fresh: false };
}
const tdb = await openStore();
const { prisma } = tdb.db;
const departments = Array.from({ length: 23 }, (_, i) => `dept-${String(i + 1).padStart(2, '0')}`);
const streets = [
  '如城街道',
  '城北街道',
  '城南街道',
  '东陈镇',
  '丁堰镇',
  '白蒲镇',
  '下原镇',
  '九华镇',
  '石庄镇',
  '长江镇',
  '吴窑镇',
  '江安镇',
  '磨头镇',
  '搬经镇',
];
// Rugao has some 1,400 grid cells; 100 per street here.
const grids = streets.flatMap((street, s) =>
  Array.from({ length: 100 }, (_, i) => ({
    code: `3206820${String(s + 1).padStart(2, '0')}${String(i + 1).padStart(3, '0')}`,
    street,
  })),
);
const categories = Array.from(
  { length: 40 },
  (_, i) => `${String(Math.floor(i / 10) + 1).padStart(2, '0')}${String((i % 10) + 1).padStart(2, '0')}`,
);
const SOURCES = [
  'supervisor',
  'supervisor',
  'supervisor',
  'supervisor',
  'hotline',
  'public',
  'video',
  'sanitation',
  'utility',
  'open311',
] as const;
const URGENCIES = ['normal', 'normal', 'normal', 'normal', 'urgent', 'critical'] as const;

if (tdb.fresh) {
  await prisma.department.createMany({
    data: departments.map((id) => ({
      id,
      code: id,
      name: `单位${id.slice(5)}`,
      kind: 'department' as const,
    })),
  });
  await prisma.category.createMany({
    data: categories.map((code) => ({
      kind: 'event' as const,
      code,
      majorCode: code.slice(0, 2),
      majorName: `大类${code.slice(0, 2)}`,
      name: `小类${code}`,
    })),
  });
  await prisma.gridCell.createMany({
    data: grids.map((g) => shapelessCell({ code: g.code, street: g.street, community: '社区' })),
  });
}

type Row = {
  id: string;
  source: string;
  category: string;
  urgency: string;
  status: string;
  grid: string;
  dept: string | null;
  reportedAt: number;
  dispatchedAt: number | null;
  disposedAt: number | null;
  disposeDeadline: number | null;
  satisfied: boolean | null;
  rework: number;
};

function makeCase(i: number): Row {
  const reportedAt = START.toMillis() + Math.floor((i / N) * SPAN_MS);
  const g = pick(grids);
  const r = rnd();
  const status =
    r < 0.03
      ? 'voided'
      : r < 0.05
        ? 'accepted'
        : r < 0.07
          ? 'suspended'
          : r < 0.1
            ? 'signed'
            : r < 0.12
              ? 'checking'
              : 'closed';
  const registered = !['voided', 'accepted'].includes(status);
  const dispatchedAt = registered ? reportedAt + 20 * MIN : null;
  const disposed = ['checking', 'closed'].includes(status);
  return {
    id: `case-${String(i).padStart(8, '0')}`,
    source: pick(SOURCES),
    category: pick(categories),
    urgency: pick(URGENCIES),
    status,
    grid: g.code,
    dept: registered ? pick(departments) : null,
    reportedAt,
    dispatchedAt,
    disposedAt: disposed ? dispatchedAt! + Math.floor(rnd() * 1440) * MIN : null,
    disposeDeadline: registered ? dispatchedAt! + 480 * MIN : null,
    satisfied: disposed && rnd() < 0.3 ? rnd() < 0.9 : null,
    rework: rnd() < 0.04 ? 1 : 0,
  };
}

const BATCH = 5000;
// Every row's updatedAt: written before the first run. Not its reportedAt, which runs to the end of the
// span, past today: an updatedAt in the future would make every run read those cases again.
const WRITTEN = START.toMillis();
const t0 = performance.now();
if (!tdb.fresh) {
  // a kept store: its cases are there
} else if (tdb.provider === 'sqlite') {
  const db = new Database(tdb.url.replace(/^file:/, ''));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('foreign_keys = OFF');
  const t = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString().replace('Z', '+00:00'));
  const written = t(WRITTEN);
  const ins = db.prepare(
    `INSERT INTO "Case" (id, caseNo, source, categoryKind, categoryCode, urgency, status, description, gridCode, departmentId, reportedAt, dispatchedAt, disposedAt, disposeDeadline, callbackSatisfied, reworkCount, createdAt, updatedAt)
     VALUES (?, ?, ?, 'event', ?, ?, ?, 'bench', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insert = db.transaction((rows: Row[]) => {
    for (const c of rows) {
      const rt = t(c.reportedAt);
      ins.run(
        c.id,
        c.id,
        c.source,
        c.category,
        c.urgency,
        c.status,
        c.grid,
        c.dept,
        rt,
        t(c.dispatchedAt),
        t(c.disposedAt),
        t(c.disposeDeadline),
        c.satisfied === null ? null : c.satisfied ? 1 : 0,
        c.rework,
        rt,
        written,
      );
    }
  });
  for (let i = 0; i < N; i += BATCH)
    insert(Array.from({ length: Math.min(BATCH, N - i) }, (_, k) => makeCase(i + k)));
  db.pragma('optimize');
  db.close();
} else {
  const client = new pg.Client({ connectionString: tdb.url });
  await client.connect();
  await client.query(`SET session_replication_role = replica`);
  await client.query(`SET synchronous_commit = off`);
  const t = (ms: number | null) =>
    ms === null ? null : new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
  for (let i = 0; i < N; i += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, N - i) }, (_, k) => makeCase(i + k));
    await client.query(
      `INSERT INTO "Case" (id, "caseNo", source, "categoryKind", "categoryCode", urgency, status, description, "gridCode", "departmentId", "reportedAt", "dispatchedAt", "disposedAt", "disposeDeadline", "callbackSatisfied", "reworkCount", "updatedAt")
       SELECT u.id, u.id, u.source::"CaseSource", 'event', u.cat, u.urg::"Urgency", u.status::"CaseStatus", 'bench', u.grid, u.dept, u.rt, u.dt, u.st, u.dd, u.sat, u.rw, $14::timestamp(3)
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamp(3)[], $9::timestamp(3)[], $10::timestamp(3)[], $11::timestamp(3)[], $12::boolean[], $13::int[])
         AS u(id, source, cat, urg, status, grid, dept, rt, dt, st, dd, sat, rw)`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.source),
        rows.map((r) => r.category),
        rows.map((r) => r.urgency),
        rows.map((r) => r.status),
        rows.map((r) => r.grid),
        rows.map((r) => r.dept),
        rows.map((r) => t(r.reportedAt)),
        rows.map((r) => t(r.dispatchedAt)),
        rows.map((r) => t(r.disposedAt)),
        rows.map((r) => t(r.disposeDeadline)),
        rows.map((r) => r.satisfied),
        rows.map((r) => r.rework),
        t(WRITTEN),
      ],
    );
  }
  await client.query('ANALYZE');
  await client.end();
}
const insertSeconds = tdb.fresh ? Math.round((performance.now() - t0) / 1000) : null;

const calendar = createWorkCalendar({ timezone: TZ });
// The bench's "now": the last day of the span, so the overdue list has open cases past their limit.
const now = () => END.minus({ hours: 1 }).toJSDate();
const rollup = createRollup({ db: tdb.db, timezone: TZ, calendar: async () => calendar });
const routes = statisticsRoutes({ db: tdb.db, config: { CALENDAR_TIMEZONE: TZ }, now });
const route = (path: string) => routes.find((r) => r.path === path)!;
// The handler as the router calls it after validation (the context: what the xlsx route sets on it).
type Handler = (input: { query: Record<string, unknown>; ctx: object }) => Promise<unknown>;
const handle = (path: string, query: Record<string, unknown>) =>
  (route(path).handler as unknown as Handler)({ query, ctx: { set() {}, attachment() {} } });
const last = END.minus({ days: 1 });
const monthSpan = {
  from: last.minus({ months: 1 }).plus({ days: 1 }).toISODate()!,
  to: last.toISODate()!,
};

if (values['requests-during-build'] && !tdb.fresh) {
  // A kept store's rows are up to date: forget them, so the run below is a first build again.
  await prisma.setting.deleteMany({ where: { key: ROLLUP_SETTING } });
}
/**
 * With --requests-during-build: the page's first request (this month by category) sent every 100 ms
 * while the first build runs, one after another, as a leader opening 统计分析 on a hub that has just
 * started on a large store; how long each took, and the event loop's longest delay over the build.
 */
async function requestsDuringBuild(building: Promise<unknown>) {
  const latencies: number[] = [];
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let done = false;
  void building.finally(() => (done = true));
  while (!done) {
    const s = performance.now();
    await handle('/api/statistics', { ...monthSpan, by: 'category' });
    latencies.push(performance.now() - s);
    await sleep(100);
  }
  loop.disable();
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!);
  return {
    requests: latencies.length,
    p50: at(0.5),
    p95: at(0.95),
    max: at(1),
    loopDelayMaxMs: Math.round(loop.max / 1e6),
  };
}
const buildStart = performance.now();
const building = rollup.run();
const duringBuild = values['requests-during-build'] ? await requestsDuringBuild(building) : undefined;
const built = await building;
const buildSeconds = Math.round((performance.now() - buildStart) / 100) / 10;
const statRows = await prisma.statDaily.count();
if (tdb.provider === 'postgresql') await prisma.$executeRawUnsafe('ANALYZE "StatDaily"');
const loadAfterBuild = load();

const spans: Record<string, [string, string]> = {
  day: [last.toISODate()!, last.toISODate()!],
  week: [last.minus({ days: 6 }).toISODate()!, last.toISODate()!],
  month: [monthSpan.from, monthSpan.to],
  quarter: [last.minus({ months: 3 }).plus({ days: 1 }).toISODate()!, last.toISODate()!],
  year: [last.minus({ years: 1 }).plus({ days: 1 }).toISODate()!, last.toISODate()!],
  all: [START.toISODate()!, last.toISODate()!],
};
const GROUPS = ['category', 'street', 'grid', 'department', 'source', 'urgency', 'day', 'week', 'month'];
const timings: Record<string, Record<string, number>> = {};
const cpuTimings: Record<string, Record<string, number>> = {};
let worst = { ms: 0, what: '' };
/**
 * Three runs: the best wall-clock time (the machine is shared: another process's burst is not the
 * query's cost; the worst of all is reported apart) and the least CPU time of the process over a run
 * (user + system, every thread: on a loaded machine the wall clock is mostly waiting for a core, while
 * the CPU a query costs moves little with the load).
 */
const time = async (what: string, f: () => Promise<unknown>) => {
  let best = Infinity;
  let cpu = Infinity;
  let max = 0;
  for (let i = 0; i < 3; i++) {
    const c = process.cpuUsage();
    const s = performance.now();
    await f();
    const ms = performance.now() - s;
    const used = process.cpuUsage(c);
    best = Math.min(best, ms);
    cpu = Math.min(cpu, (used.user + used.system) / 1000);
    max = Math.max(max, ms);
  }
  if (max > worst.ms) worst = { ms: Math.round(max), what };
  return { ms: Math.round(best), cpu: Math.round(cpu) };
};
for (const [span, [from, to]] of Object.entries(spans)) {
  timings[span] = {};
  cpuTimings[span] = {};
  const record = (what: string, t: { ms: number; cpu: number }) => {
    timings[span]![what] = t.ms;
    cpuTimings[span]![what] = t.cpu;
  };
  for (const by of GROUPS)
    record(by, await time(`${span} by ${by}`, () => handle('/api/statistics', { from, to, by })));
  record(
    'repeats',
    await time(`${span} repeats`, () => handle('/api/statistics/repeats', { from, to, min: 2 })),
  );
}
const overdue = await time('overdue', () => handle('/api/statistics/overdue', { limit: 20 }));
const xlsx = await time('xlsx month by grid', () =>
  handle('/api/statistics/xlsx', { ...monthSpan, by: 'grid' }),
);

// A working day's writes: 1,000 cases of the last week change (as the case writer would: updatedAt moves),
// then the incremental rollup rebuilds only their days.
const recent = await prisma.case.findMany({
  where: { reportedAt: { gte: last.minus({ days: 6 }).toJSDate() } },
  select: { id: true },
  take: 1000,
});
await prisma.case.updateMany({ where: { id: { in: recent.map((r) => r.id) } }, data: { reworkCount: 2 } });
const inc = await rollup.run();

console.log(
  JSON.stringify(
    {
      db: tdb.provider,
      cases: N,
      months: MONTHS,
      insertSeconds,
      rollupFirstRun: { ...built, seconds: buildSeconds },
      ...(duringBuild ? { requestsDuringBuild: duringBuild } : {}),
      statDailyRows: statRows,
      loadAfterBuild,
      worstQuery: worst,
      msBySpanAndGroup: timings,
      cpuMsBySpanAndGroup: cpuTimings,
      overdueMs: overdue.ms,
      overdueCpuMs: overdue.cpu,
      xlsxMs: xlsx.ms,
      xlsxCpuMs: xlsx.cpu,
      incrementalRollupAfter1000Writes: inc,
      loadAverage: load(),
      node: process.version,
      ...(values.keep || values.reuse ? { keptDatabase: tdb.url } : {}),
    },
    null,
    2,
  ),
);
if (values.keep || !tdb.fresh) await tdb.db.close();
else await tdb.drop();
