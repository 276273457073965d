/**
 * bench:cases — the case API's figures (issue 4), printed as one JSON document:
 * 1. reports: `--rate` reports/s (default 50) for `--seconds` (default 300) over real HTTP into a real
 *    hub (embedded engine, workers, demo data): reports/s accepted (201), the POST's latency, and the
 *    latency from the report to the case being dispatched — a bot acting as the command centre registers
 *    (立案, POST …/actions/register) each case as soon as intake accepted it and dispatches it (派遣,
 *    POST …/actions/dispatch) at once, so the figure is the hub's own time, not a person's;
 * 2. list and search over `--cases` (default 1,000,000) cases bulk-loaded into a bench database (multi-row
 *    INSERTs in transactions on SQLite, unnest arrays on PostgreSQL; the search index rows come from the
 *    same tokeniser the API uses): the first page of the list, a filtered page, and searches with `q`
 *    (common, rare, two-word, with filters), each timed over HTTP 20 times (p50, p95);
 * 3. the monthly assessment over 1,000,000 cases: runs bench/assessment.ts (same --db) and takes its
 *    figures (skip with --no-assessment).
 *
 *   npm run bench:cases -- [--db sqlite|postgres] [--seconds 300] [--rate 50] [--cases 1000000]
 *                          [--no-reports] [--no-list] [--no-assessment] [--keep-db]
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    seconds: { type: 'string', default: '300' },
    rate: { type: 'string', default: '50' },
    cases: { type: 'string', default: '1000000' },
    'no-reports': { type: 'boolean', default: false },
    'no-list': { type: 'boolean', default: false },
    'no-assessment': { type: 'boolean', default: false },
    'keep-db': { type: 'boolean', default: false },
  },
});
process.env.HUB_TEST_DB = values.db;
const { createTestDb } = await import('../test/helpers/db.ts');
const { shapelessCell } = await import('../test/helpers/cases.ts');
const { loadConfig } = await import('../src/config.ts');
const { createHub } = await import('../src/hub.ts');
const { createLogger } = await import('../src/log.ts');
const { createApi } = await import('../src/app/api.ts');
const { createAuth } = await import('../src/auth/index.ts');
const { indexTerms } = await import('../src/cases/search.ts');
const { randomBytes } = await import('node:crypto');

const PASSWORD = 'bench-cases-password';
const out: Record<string, unknown> = { db: values.db, node: process.version };

const pct = (list: number[], p: number) => {
  if (list.length === 0) return null;
  const s = [...list].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 10) / 10;
};

async function http(base: string, method: string, path: string, token: string | undefined, body?: unknown) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

// --- 1. reports → dispatched --------------------------------------------------------------------------
async function reports() {
  const seconds = Number(values.seconds);
  const rate = Number(values.rate);
  const dir = await mkdtemp(join(tmpdir(), 'bench-cases-'));
  const pgDb = values.db === 'postgres' ? await createTestDb({ migrate: false }) : undefined;
  const config = loadConfig({
    DATA_DIR: dir,
    DATABASE_URL: pgDb ? pgDb.url : `file:${join(dir, 'hub.db')}`,
    HUB_PORT: '0',
    HUB_SEED_DEMO: 'true',
    HUB_DEMO_PASSWORD: PASSWORD,
    // The engine keeps its state in SQLite in both runs: the case store is what --db chooses.
    ENGINE_DATABASE_URL: `file:${join(dir, 'engine.db')}`,
    ZEEBE_ADDRESS: '127.0.0.1:0',
    ENGINE_MANAGEMENT_PORT: '0',
    LOG_LEVEL: 'silent',
  });
  const hub = createHub({ config, logger: createLogger('silent') });
  const { url } = await hub.start();
  const token = async (username: string) =>
    (await http(url, 'POST', '/api/auth/login', undefined, { username, password: PASSWORD })).body!
      .token as string;
  const supervisor = await token('field_supervisor');
  const command = await token('dispatcher');
  const cells = await hub.db.prisma.gridCell.findMany({ where: { active: true }, orderBy: { code: 'asc' } });
  const category = await hub.db.prisma.category.findFirstOrThrow({
    where: { kind: 'event', active: true, defaultDepartmentId: { not: null } },
    orderBy: { code: 'asc' },
  });
  const departments = await hub.db.prisma.department.findMany({
    where: { kind: 'department', active: true },
  });

  const accepted: number[] = [];
  const toDispatched: number[] = [];
  const failures: Record<string, number> = {};
  const fail = (what: string) => (failures[what] = (failures[what] ?? 0) + 1);
  let sent = 0;
  const inFlight = new Set<Promise<unknown>>();

  async function one(i: number) {
    const start = performance.now();
    const cell = cells[i % cells.length]!;
    const res = await http(url, 'POST', '/api/cases', supervisor, {
      source: 'supervisor',
      // distinct description per report; no coordinates → never merged as a duplicate of another bench case
      categoryCode: category.code,
      description: `bench ${i} 人行道井盖缺失`,
      address: `网格 ${cell.code} 北侧`,
    });
    if (res.status !== 201) return fail(`report ${res.status}`);
    accepted.push(performance.now() - start);
    const id = res.body!.id as string;
    // Intake (受理) and locate run as jobs; 立案 is allowed once the case is accepted and located.
    await new Promise<void>((resolve, reject) => waiting.set(id, { resolve, reject, since: start }));
    const reg = await http(url, 'POST', `/api/cases/${id}/actions/register`, command, {});
    if (reg.status >= 300) return fail(`register ${reg.status}`);
    const dep = departments[i % departments.length]!;
    const dis = await http(url, 'POST', `/api/cases/${id}/actions/dispatch`, command, {
      assigneeType: 'department',
      assigneeId: dep.id,
    });
    if (dis.status >= 300) return fail(`dispatch ${dis.status} ${JSON.stringify(dis.body?.detail)}`);
    toDispatched.push(performance.now() - start);
  }

  // One query per tick for every case waiting to be accepted (not one poll per case, which would be
  // the bench loading the hub).
  const waiting = new Map<string, { resolve: () => void; reject: (e: Error) => void; since: number }>();
  let polling = true;
  const poller = (async () => {
    while (polling) {
      await sleep(20);
      if (waiting.size === 0) continue;
      const ready = await hub.db.prisma.case.findMany({
        where: { id: { in: [...waiting.keys()].slice(0, 900) }, status: 'accepted', gridCode: { not: null } },
        select: { id: true },
      });
      for (const { id } of ready) {
        waiting.get(id)?.resolve();
        waiting.delete(id);
      }
      for (const [id, w] of waiting) {
        if (performance.now() - w.since > 120_000) {
          w.reject(new Error('not accepted within 120 s'));
          waiting.delete(id);
        }
      }
    }
  })();
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  while (performance.now() < until) {
    const due = t0 + (sent * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const p = one(sent++).catch((err: unknown) => fail(`error ${(err as Error).message}`));
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }
  const offeredSeconds = (performance.now() - t0) / 1000;
  await Promise.race([Promise.all(inFlight), sleep(150_000)]);
  polling = false;
  await poller;
  out.reports = {
    seconds,
    rateOffered: rate,
    sent,
    acceptedPerSecond: Math.round((accepted.length / offeredSeconds) * 10) / 10,
    acceptedTotal: accepted.length,
    reportMs: { p50: pct(accepted, 50), p99: pct(accepted, 99) },
    reportToDispatchedMs: { p50: pct(toDispatched, 50), p99: pct(toDispatched, 99), n: toDispatched.length },
    failures,
    loadAverage: loadavg().map((x) => Math.round(x * 10) / 10),
  };
  console.error(JSON.stringify(out.reports));
  await hub.stop();
  await pgDb?.drop();
  await rm(dir, { recursive: true, force: true });
}

// --- 2. list and search over N cases --------------------------------------------------------------------
let seed = 4242;
const rnd = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)]!;

const PROBLEMS = [
  '人行道井盖缺失',
  '井盖破损',
  '道路积水',
  '暴露垃圾',
  '垃圾满溢',
  '店外经营',
  '占道经营',
  '乱堆物料',
  '绿化带树木倒伏',
  '路灯不亮',
  '违章停车',
  '小广告',
  '工地扬尘',
  '渣土车抛洒',
  '公厕堵塞',
  '河道漂浮物',
  '违法建设',
  '非法排污',
  '噪音扰民',
  '交通护栏损坏',
  'LED屏故障',
  '窨井盖异响',
  '共享单车乱停放',
  '油烟扰民',
];
const ROADS = [
  '海阳路',
  '益寿路',
  '福寿路',
  '宁海路',
  '花市街',
  '中山路',
  '解放路',
  '大司马路',
  '惠民路',
  '长江路',
  '万寿路',
  '仁寿路',
  '通扬路',
  '鹏程大道',
  '兴源大道',
  '皋南路',
  '安定路',
  '文峰路',
  '碧霞路',
  '如泰路',
];
const DETAILS = ['', '，行人易绊倒', '，影响通行', '，群众多次反映', '，夜间尤甚', '，需尽快处理', ''];
const STATUSES = [
  'closed',
  'closed',
  'closed',
  'closed',
  'closed',
  'closed',
  'dispatched',
  'signed',
  'registered',
  'voided',
];
const SOURCES = ['supervisor', 'supervisor', 'supervisor', 'hotline', 'public', 'video'];

async function listAndSearch() {
  const N = Number(values.cases);
  const tdb = await createTestDb();
  const { prisma } = tdb.db;
  const departments = Array.from({ length: 23 }, (_, i) => `dept-${String(i + 1).padStart(2, '0')}`);
  await prisma.department.createMany({
    data: departments.map((id) => ({ id, code: id, name: id, kind: 'department' as const })),
  });
  const grids = Array.from(
    { length: 140 },
    (_, i) =>
      `320682${String(Math.floor(i / 35) + 1).padStart(3, '0')}001${String((i % 35) + 1).padStart(2, '0')}`,
  );
  await prisma.gridCell.createMany({
    data: grids.map((code) => shapelessCell({ code, street: 's', community: 'c' })),
  });
  const categories = ['0101', '0102', '0103', '0201', '0202', '0301', '0402', '0501'];
  await prisma.category.createMany({
    data: categories.map((code) => ({
      kind: 'event' as const,
      code,
      majorCode: code.slice(0, 2),
      majorName: 'm',
      name: code,
    })),
  });
  const start = Date.UTC(2025, 0, 1);
  const span = 730 * 86_400_000; // two years, newest last
  const t0 = performance.now();
  let terms = 0;
  const BATCH = 2000;
  const make = (i: number) => {
    const at = start + Math.floor((i / N) * span);
    const description = `${pick(PROBLEMS)}${pick(DETAILS)}`;
    const address = `如皋市${pick(ROADS)}${1 + Math.floor(rnd() * 300)}号`;
    const status = pick(STATUSES);
    return {
      id: `case-${String(i).padStart(8, '0')}`,
      caseNo: `RG-${new Date(at).getUTCFullYear()}-${String(i + 1).padStart(7, '0')}`,
      source: pick(SOURCES),
      categoryCode: pick(categories),
      status,
      description,
      address,
      gridCode: pick(grids),
      departmentId: status === 'registered' ? null : pick(departments),
      at,
      terms: indexTerms(description, address),
    };
  };
  if (tdb.provider === 'sqlite') {
    const db = new Database(tdb.url.replace(/^file:/, ''));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    db.pragma('foreign_keys = OFF');
    // Secondary indexes are built once after the load (much faster than row by row).
    const indexes = db
      .prepare(
        `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('Case', 'CaseSearchTerm')`,
      )
      .all() as { name: string; sql: string }[];
    for (const ix of indexes) db.exec(`DROP INDEX "${ix.name}"`);
    const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');
    const ROWS = 100;
    const caseSql = (n: number) =>
      `INSERT INTO "Case" (id, caseNo, source, categoryKind, categoryCode, status, description, address, gridCode, departmentId, reportedAt, createdAt, updatedAt) VALUES ` +
      Array(n).fill(`(?, ?, ?, 'event', ?, ?, ?, ?, ?, ?, ?, ?, ?)`).join(',');
    const termSql = (n: number) =>
      `INSERT INTO "CaseSearchTerm" (term, caseId, createdAt) VALUES ` + Array(n).fill('(?, ?, ?)').join(',');
    const caseStmt = db.prepare(caseSql(ROWS));
    const termStmt = db.prepare(termSql(ROWS));
    const insert = db.transaction((rows: ReturnType<typeof make>[]) => {
      for (let i = 0; i < rows.length; i += ROWS) {
        const chunk = rows.slice(i, i + ROWS);
        const args = chunk.flatMap((r) => {
          const t = iso(r.at);
          return [
            r.id,
            r.caseNo,
            r.source,
            r.categoryCode,
            r.status,
            r.description,
            r.address,
            r.gridCode,
            r.departmentId,
            t,
            t,
            t,
          ];
        });
        (chunk.length === ROWS ? caseStmt : db.prepare(caseSql(chunk.length))).run(...args);
      }
      const all = rows.flatMap((r) => r.terms.map((term) => [term, r.id, iso(r.at)]));
      terms += all.length;
      for (let i = 0; i < all.length; i += ROWS) {
        const chunk = all.slice(i, i + ROWS);
        (chunk.length === ROWS ? termStmt : db.prepare(termSql(chunk.length))).run(...chunk.flat());
      }
    });
    for (let i = 0; i < N; i += BATCH)
      insert(Array.from({ length: Math.min(BATCH, N - i) }, (_, k) => make(i + k)));
    for (const ix of indexes) db.exec(ix.sql);
    db.exec('ANALYZE');
    db.close();
  } else {
    const client = new pg.Client({ connectionString: tdb.url });
    await client.connect();
    await client.query(`SET session_replication_role = replica`);
    await client.query(`SET synchronous_commit = off`);
    await client.query(`SET maintenance_work_mem = '512MB'`);
    const { rows: indexes } = await client.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('Case', 'CaseSearchTerm') AND indexname NOT LIKE '%_pkey'`,
    );
    for (const ix of indexes) await client.query(`DROP INDEX "${ix.indexname}"`);
    const ts = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
    for (let i = 0; i < N; i += BATCH * 5) {
      const rows = Array.from({ length: Math.min(BATCH * 5, N - i) }, (_, k) => make(i + k));
      const col = <K extends keyof (typeof rows)[number]>(k: K) => rows.map((r) => r[k]);
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO "Case" (id, "caseNo", source, "categoryKind", "categoryCode", status, description, address, "gridCode", "departmentId", "reportedAt", "createdAt", "updatedAt")
         SELECT u.id, u.no, u.source::"CaseSource", 'event', u.cat, u.status::"CaseStatus", u.d, u.a, u.g, u.dep, u.t, u.t, u.t
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::timestamp(3)[])
           AS u(id, no, source, cat, status, d, a, g, dep, t)`,
        [
          col('id'),
          col('caseNo'),
          col('source'),
          col('categoryCode'),
          col('status'),
          col('description'),
          col('address'),
          col('gridCode'),
          col('departmentId'),
          rows.map((r) => ts(r.at)),
        ],
      );
      const all = rows.flatMap((r) => r.terms.map((term) => [term, r.id, ts(r.at)] as const));
      terms += all.length;
      await client.query(
        `INSERT INTO "CaseSearchTerm" (term, "caseId", "createdAt") SELECT * FROM unnest($1::text[], $2::text[], $3::timestamp(3)[])`,
        [all.map((a) => a[0]), all.map((a) => a[1]), all.map((a) => a[2])],
      );
      await client.query('COMMIT');
    }
    for (const ix of indexes) await client.query(ix.indexdef);
    // VACUUM too: a live table's visibility map is kept by autovacuum; without it every index-only scan
    // of the freshly loaded table would still read the heap.
    await client.query('VACUUM ANALYZE');
    await client.end();
  }
  const loadSeconds = Math.round((performance.now() - t0) / 100) / 10;
  console.error(JSON.stringify({ loaded: N, terms, loadSeconds }));

  // The API over the bench database, with one dispatcher.
  const config = loadConfig({ DATABASE_URL: tdb.url, LOG_LEVEL: 'silent', DATA_DIR: tmpdir() });
  const auth = createAuth({ db: tdb.db, config, key: randomBytes(32) });
  const { hashPassword } = await import('../src/auth/password.ts');
  await prisma.user.create({
    data: {
      username: 'bench',
      displayName: 'bench',
      passwordHash: await hashPassword(PASSWORD),
      roles: { create: [{ role: 'dispatcher' }] },
    },
  });
  const api = createApi({
    config,
    logger: createLogger(process.env.BENCH_LOG ? 'error' : 'silent'),
    db: tdb.db,
    auth,
  });
  const server = createServer(api.app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const token = (
    await http(base, 'POST', '/api/auth/login', undefined, { username: 'bench', password: PASSWORD })
  ).body!.token as string;
  const queries: Record<string, string> = {
    'list, first page': '',
    'list, status + grid': `status=dispatched&gridCode=${grids[7]}`,
    'q=井盖 (common)': `q=${encodeURIComponent('井盖')}`,
    'q=井盖 + status=signed': `q=${encodeURIComponent('井盖')}&status=signed`,
    'q=海阳路 积水 + source=hotline': `q=${encodeURIComponent('海阳路 积水')}&source=hotline`,
    'q=LED (rare latin)': 'q=LED',
    'q=井盖 + status + grid + month': `q=${encodeURIComponent('井盖')}&status=closed&gridCode=${grids[3]}&from=2026-06-01T00:00:00Z&to=2026-07-01T00:00:00Z`,
    'q=井盖 page 2': '',
  };
  const timings: Record<string, { p50: number | null; p95: number | null; items: number }> = {};
  for (const [name, q] of Object.entries(queries)) {
    let query = q;
    if (name === 'q=井盖 page 2') {
      const first = await http(base, 'GET', `/api/cases?limit=50&q=${encodeURIComponent('井盖')}`, token);
      query = `q=${encodeURIComponent('井盖')}&cursor=${first.body!.nextCursor as string}`;
    }
    const ms: number[] = [];
    let items = 0;
    for (let i = 0; i < 21; i++) {
      const s = performance.now();
      const res = await http(base, 'GET', `/api/cases?limit=50&${query}`, token);
      if (res.status !== 200) throw new Error(`${name}: ${res.status} ${JSON.stringify(res.body)}`);
      if (i > 0) ms.push(performance.now() - s); // the first run warms the caches
      items = (res.body!.items as unknown[]).length;
    }
    timings[name] = { p50: pct(ms, 50), p95: pct(ms, 95), items };
  }
  out.list = {
    cases: N,
    searchTerms: terms,
    loadSeconds,
    ms: timings,
    loadAverage: loadavg().map((x) => Math.round(x * 10) / 10),
  };
  console.error(JSON.stringify(out.list));
  server.closeAllConnections();
  server.close();
  // --keep-db leaves the loaded database for EXPLAIN (its URL is printed); otherwise it is dropped.
  if (values['keep-db']) {
    console.error(JSON.stringify({ keptDatabase: tdb.url }));
    await tdb.db.close();
  } else await tdb.drop();
}

// --- 3. monthly assessment ---------------------------------------------------------------------------
async function assessment() {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'bench/assessment.ts', '--db', values.db!, '--cases', values.cases!],
    { maxBuffer: 1 << 24, env: process.env },
  );
  const r = JSON.parse(stdout) as Record<string, unknown>;
  out.assessment = {
    cases: r.cases,
    monthCases: r.monthCases,
    assessmentMs: r.assessmentMs,
    insertSeconds: r.insertSeconds,
    loadAverage: r.loadAverage,
  };
}

if (!values['no-reports']) await reports();
if (!values['no-list']) await listAndSearch();
if (!values['no-assessment']) await assessment();
console.log(JSON.stringify(out, null, 2));
process.exit(0);
