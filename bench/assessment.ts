/**
 * How long one monthly assessment takes over a large case store. Inserts N cases (default 1,000,000)
 * with their timelines (about 9 events each, 10% with a 回退, 5% with a failed 核查, some 延期 and
 * 挂账) spread evenly over M months (default 24, i.e. ~41,700 cases a month — about three times
 * Huai'an's volume), then times the assessment of one month in the middle, twice. Prints JSON.
 *
 *   npx tsx bench/assessment.ts --db sqlite
 *   npx tsx bench/assessment.ts --db postgres [--cases 1000000] [--months 24]
 *
 * The database is a fresh temp SQLite file or a fresh PostgreSQL database `hub_t_<random>` (through
 * TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test), dropped at the end. Bulk inserts
 * go through the drivers (better-sqlite3 prepared statements, PostgreSQL unnest arrays); the
 * assessment reads through Prisma as the hub does.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { parseArgs } from 'node:util';
import { computeReport, createAssessment, monthPeriod, periodContaining } from '../src/assessment/index.ts';
import { createWorkCalendar } from '../src/calendar/index.ts';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    cases: { type: 'string', default: '1000000' },
    months: { type: 'string', default: '24' },
  },
});
process.env.HUB_TEST_DB = values.db;
const { createTestDb } = await import('../test/helpers/db.ts');
const { insertRefs } = await import('../test/helpers/cases.ts');

const N = Number(values.cases);
const MONTHS = Number(values.months);
const START = { year: 2025, month: 1 };
const TZ = 'Asia/Shanghai';
const MIN = 60_000;

// deterministic PRNG (mulberry32)
let seed = 12345;
const rnd = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(list: T[]) => list[Math.floor(rnd() * list.length)]!;

const tdb = await createTestDb();
const { prisma } = tdb.db;
const departments = Array.from({ length: 23 }, (_, i) => `dept-${String(i + 1).padStart(2, '0')}`);
const supervisors = Array.from({ length: 40 }, (_, i) => `sup-${i + 1}`);
const staff = {
  acceptor: ['acc-1', 'acc-2', 'acc-3'],
  leader: ['lead-1', 'lead-2'],
  dispatcher: ['disp-1', 'disp-2', 'disp-3'],
};
const streets = ['城北街道', '长江镇', '如城东片区', '城南街道'];
const grids = Array.from({ length: 140 }, (_, i) => ({
  code: `320682${String(Math.floor(i / 35) + 1).padStart(3, '0')}001${String((i % 35) + 1).padStart(2, '0')}`,
  street: streets[Math.floor(i / 35)]!,
  supervisor: supervisors[i % supervisors.length]!,
}));
await insertRefs(tdb.db, {
  departments,
  users: [...supervisors, ...Object.values(staff).flat()],
  grids: grids.map((g) => ({ ...g, areaClass: 1 })),
});
await prisma.category.create({
  data: { kind: 'event', code: '0102', majorCode: '01', majorName: '市容环境', name: '暴露垃圾' },
});

type Ev = [
  id: string,
  caseId: string,
  at: number,
  type: string,
  actor: string | null,
  dept: string | null,
  data: string | null,
];
type Row = [
  id: string,
  source: string,
  status: string,
  grid: string,
  reporter: string | null,
  reportedAt: number,
  disposeDeadline: number,
];

/** One case and its timeline; times in ms. */
function makeCase(i: number, monthStart: number, monthMs: number): { row: Row; events: Ev[] } {
  const id = `case-${String(i).padStart(8, '0')}`;
  const g = pick(grids);
  const source = rnd() < 0.9 ? 'supervisor' : 'hotline';
  const t0 = monthStart + Math.floor(rnd() * (monthMs - 3 * 86_400_000));
  const dept = pick(departments);
  const ev: Ev[] = [];
  let k = 0;
  const add = (
    m: number,
    type: string,
    actor: string | null = null,
    d: string | null = null,
    data: string | null = null,
  ) => ev.push([`${id}-${k++}`, id, t0 + m * MIN, type, actor, d, data]);
  const due = (m: number, dueM: number) =>
    add(
      m,
      'deadline_set',
      null,
      null,
      JSON.stringify({ step: 'dispose', dueAt: new Date(t0 + dueM * MIN).toISOString() }),
    );
  add(-10, 'reported', source === 'supervisor' ? g.supervisor : null);
  add(0, 'registered', pick(staff.leader));
  const disp = pick(staff.dispatcher);
  let s = 10;
  if (rnd() < 0.1) {
    add(s, 'dispatched', disp, pick(departments));
    due(s + 1, s + 240);
    add(s + 30, 'returned', disp);
    s = 50;
  }
  add(s, 'dispatched', disp, dept);
  due(s + 1, s + 240);
  add(s + 5, 'signed');
  if (rnd() < 0.05) {
    add(s + 60, 'disposed');
    add(s + 65, 'check_requested', pick(staff.acceptor));
    add(s + 70, 'check_failed', g.supervisor);
    s += 70;
    due(s + 1, s + 240);
    add(s + 5, 'signed');
  }
  const r = rnd();
  let status = 'closed';
  if (r < 0.02) {
    add(s + 10, 'suspended', disp);
    status = 'suspended';
  } else if (r < 0.05) {
    status = 'signed';
  } else {
    const f = s + 30 + Math.floor(rnd() * (rnd() < 0.85 ? 200 : 600));
    add(f, 'disposed');
    add(f + 5, 'check_requested', pick(staff.acceptor));
    add(f + 20, 'check_passed', g.supervisor);
    add(f + 30, 'closed', pick(staff.leader));
  }
  return {
    row: [
      id,
      source,
      status,
      g.code,
      source === 'supervisor' ? g.supervisor : null,
      t0 - 10 * MIN,
      t0 + (s + 240) * MIN,
    ],
    events: ev,
  };
}

const monthStarts = Array.from({ length: MONTHS + 1 }, (_, m) => {
  const y = START.year + Math.floor((START.month - 1 + m) / 12);
  const mo = ((START.month - 1 + m) % 12) + 1;
  return monthPeriod(`${y}-${String(mo).padStart(2, '0')}`, TZ).from.getTime();
});
const perMonth = Math.ceil(N / MONTHS);

const sqliteTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');
const pgTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

const t0 = performance.now();
let eventCount = 0;
const BATCH = 5000;
if (tdb.provider === 'sqlite') {
  const db = new Database(tdb.url.replace(/^file:/, ''));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  // The generator writes consistent rows; skipping the per-row foreign-key lookups halves the load time.
  db.pragma('foreign_keys = OFF');
  const insCase = db.prepare(
    `INSERT INTO "Case" (id, caseNo, source, categoryKind, categoryCode, status, description, gridCode, reporterUserId, reportedAt, disposeDeadline, createdAt, updatedAt)
     VALUES (?, ?, ?, 'event', '0102', ?, 'bench', ?, ?, ?, ?, ?, ?)`,
  );
  const insEv = db.prepare(
    `INSERT INTO "CaseEvent" (id, caseId, at, type, actorUserId, departmentId, data) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertBatch = db.transaction((batch: { row: Row; events: Ev[] }[]) => {
    for (const { row, events } of batch) {
      const [id, source, status, grid, reporter, reportedAt, dd] = row;
      const rt = sqliteTime(reportedAt);
      insCase.run(id, id, source, status, grid, reporter, rt, sqliteTime(dd), rt, rt);
      for (const [eid, cid, at, type, actor, dept, data] of events)
        insEv.run(eid, cid, sqliteTime(at), type, actor, dept, data);
    }
  });
  for (let i = 0; i < N; i += BATCH) {
    const batch = [];
    for (let j = i; j < Math.min(N, i + BATCH); j++) {
      const m = Math.floor(j / perMonth);
      batch.push(makeCase(j, monthStarts[m]!, monthStarts[m + 1]! - monthStarts[m]!));
    }
    eventCount += batch.reduce((n, b) => n + b.events.length, 0);
    insertBatch(batch);
  }
  db.pragma('optimize');
  db.close();
} else {
  const client = new pg.Client({ connectionString: tdb.url });
  await client.connect();
  // Consistent generated rows: skip the foreign-key triggers and the commit flush while loading.
  await client.query(`SET session_replication_role = replica`);
  await client.query(`SET synchronous_commit = off`);
  for (let i = 0; i < N; i += BATCH) {
    const batch = [];
    for (let j = i; j < Math.min(N, i + BATCH); j++) {
      const m = Math.floor(j / perMonth);
      batch.push(makeCase(j, monthStarts[m]!, monthStarts[m + 1]! - monthStarts[m]!));
    }
    const rows = batch.map((b) => b.row);
    const col = <T>(list: T[][], k: number) => list.map((r) => r[k]);
    await client.query(
      `INSERT INTO "Case" (id, "caseNo", source, "categoryKind", "categoryCode", status, description, "gridCode", "reporterUserId", "reportedAt", "disposeDeadline", "updatedAt")
       SELECT u.id, u.id, u.source::"CaseSource", 'event', '0102', u.status::"CaseStatus", 'bench', u.grid, u.reporter, u.rt, u.dd, u.rt
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamp(3)[], $7::timestamp(3)[])
         AS u(id, source, status, grid, reporter, rt, dd)`,
      [
        col(rows, 0),
        col(rows, 1),
        col(rows, 2),
        col(rows, 3),
        col(rows, 4),
        rows.map((r) => pgTime(r[5])),
        rows.map((r) => pgTime(r[6])),
      ],
    );
    const evs = batch.flatMap((b) => b.events);
    eventCount += evs.length;
    await client.query(
      `INSERT INTO "CaseEvent" (id, "caseId", at, type, "actorUserId", "departmentId", data)
       SELECT * FROM unnest($1::text[], $2::text[], $3::timestamp(3)[], $4::text[], $5::text[], $6::text[], $7::jsonb[])`,
      [
        col(evs, 0),
        col(evs, 1),
        evs.map((e) => pgTime(e[2])),
        col(evs, 3),
        col(evs, 4),
        col(evs, 5),
        col(evs, 6),
      ],
    );
  }
  await client.query('ANALYZE');
  await client.end();
}
const insertSeconds = (performance.now() - t0) / 1000;

const month = monthStarts[Math.floor(MONTHS / 2)]!;
const label = new Date(month + 12 * 3_600_000).toISOString().slice(0, 7);
const period = monthPeriod(label, TZ);
const calendar = createWorkCalendar({ timezone: TZ });
const assessment = createAssessment({ db: tdb.db, calendar });
const runs: number[] = [];
const cpu: number[] = [];
let result;
for (let i = 0; i < 2; i++) {
  const s = performance.now();
  const c = process.cpuUsage();
  result = await assessment.compute(period);
  runs.push(Math.round(performance.now() - s));
  // CPU of this process (the database server's work on PostgreSQL is not in it)
  const used = process.cpuUsage(c);
  cpu.push(Math.round((used.user + used.system) / 1000));
}
// What the API's on-demand run and the procedure add: rendering HTML and CSV and storing the row
// (its result JSON holds every figure's case ids).
const reportStart = performance.now();
const { report } = await computeReport(
  { db: tdb.db, calendar, timezone: TZ },
  periodContaining('month', `${label}-15`, TZ),
  { scope: 'all', now: new Date(period.to.getTime() + 86_400_000), render: true },
);
const reportMs = Math.round(performance.now() - reportStart);
const reportBytes = {
  result: Buffer.byteLength(JSON.stringify(report.result)),
  html: Buffer.byteLength(report.html),
  csv: Buffer.byteLength(report.csv),
};
const f = result!.city.figures;
console.log(
  JSON.stringify(
    {
      db: tdb.provider,
      cases: N,
      events: eventCount,
      months: MONTHS,
      insertSeconds: Math.round(insertSeconds),
      month: label,
      monthCases: f.registered!.value,
      assessmentMs: runs,
      assessmentCpuMs: cpu,
      // compute + render + store as POST /api/assessment/runs does; ids here are 13 characters (uuid7: 36)
      reportMs,
      reportBytes,
      loadAverage: (await import('node:os')).loadavg().map((x) => Math.round(x * 10) / 10),
      city: {
        disposalRate: f.disposalRate!.value,
        closureRate: f.closureRate!.value,
        onTimeDisposalRate: f.onTimeDisposalRate!.value,
        reworkRate: f.reworkRate!.value,
        avgHandlingHours: f.avgHandlingHours!.value,
      },
      node: process.version,
    },
    null,
    2,
  ),
);
await tdb.drop();
