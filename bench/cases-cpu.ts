/**
 * bench/cases-cpu.ts — what one case costs the hub in CPU and in SQL statements, a figure that holds on
 * a loaded machine where wall-clock times (bench:cases) do not. A real hub (embedded engine, workers,
 * demo data, SQLite case store) takes `--cases` reports over HTTP, `--concurrency` at a time; each is
 * registered (立案) and dispatched (派遣) as soon as intake accepted and located it, as bench:cases does.
 * Printed: the process's CPU time (user + system) and the SQL statements run on the case store and on
 * the engine's store, per case, over the whole drive (POST → dispatched, workers and relay included);
 * the statements grouped by their text (most frequent first); and with `--trace` the statements of one
 * further case in order. `--profile <file>` writes a V8 CPU profile of the drive alone (not the hub's
 * start, which `node --cpu-prof` would mix in), for Chrome DevTools or any .cpuprofile reader:
 *
 *   npx tsx bench/cases-cpu.ts [--cases 300] [--concurrency 5] [--trace] [--profile drive.cpuprofile]
 *
 * Statements are counted where better-sqlite3 runs them; the bench's own polling uses a separate
 * connection that is not counted.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '5' },
    trace: { type: 'boolean', default: false },
    top: { type: 'string', default: '40' },
    profile: { type: 'string' },
  },
});
const N = Number(values.cases);
const CONCURRENCY = Number(values.concurrency);

// --- statement counting ------------------------------------------------------------------------------
let counting = false;
let trace: string[] | undefined;
const counts = { hub: new Map<string, number>(), engine: new Map<string, number>() };
/** The bench's own connection(s), not counted. */
const uncounted = new Set<Database.Database>();
// Counted at execution (run/get/all/iterate) on the Statement class, since the engine caches its
// prepared statements; `source` is the statement's SQL and `database` its connection.
type Stmt = { source: string; database: Database.Database };
const stmtProto = Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1')) as Record<
  string,
  (this: Stmt, ...args: unknown[]) => unknown
>;
/** A statement's group: its text in one line, lists of placeholders shortened (worked out once per text). */
const keys = new Map<string, string>();
const keyOf = (source: string) => {
  let key = keys.get(source);
  if (key === undefined) {
    key = source
      .replace(/\s+/g, ' ')
      .replace(/(\?, )+\?/g, '?…')
      .slice(0, 160);
    keys.set(source, key);
  }
  return key;
};
for (const method of ['run', 'get', 'all', 'iterate']) {
  const original = stmtProto[method]!;
  stmtProto[method] = function (this: Stmt, ...args: unknown[]) {
    if (counting && !uncounted.has(this.database)) {
      const store = this.database.name.endsWith('engine.db') ? 'engine' : 'hub';
      const key = keyOf(this.source);
      counts[store].set(key, (counts[store].get(key) ?? 0) + 1);
      if (trace && store === 'hub') trace.push(key);
    }
    return original.apply(this, args);
  };
}

process.env.HUB_TEST_DB = 'sqlite';
const { startDemoHub } = await import('../test/helpers/demo-hub.ts');

const PASSWORD = 'bench-cases-password';
// The demo hub of the API tests, with its case store in SQLite inside its data folder (the poller below
// reads that file), so HUB_TEST_DB must not name PostgreSQL here.
delete process.env.HUB_TEST_DB;
const demo = await startDemoHub(PASSWORD, { LOG_LEVEL: 'silent' });
const { url, dataDir: dir } = demo;
const poller = new Database(join(dir, 'hub.db'), { readonly: true });
uncounted.add(poller);

async function http(method: string, path: string, token: string | undefined, body?: unknown) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}
const login = async (username: string) =>
  (await http('POST', '/api/auth/login', undefined, { username, password: PASSWORD })).body!.token as string;
const supervisor = await login('field_supervisor');
const command = await login('dispatcher');
const cells = poller.prepare('SELECT code FROM GridCell WHERE active = 1 ORDER BY code').all() as {
  code: string;
}[];
const category = poller
  .prepare(
    "SELECT code FROM Category WHERE kind = 'event' AND active = 1 AND defaultDepartmentId IS NOT NULL ORDER BY code LIMIT 1",
  )
  .get() as { code: string };
const departments = poller
  .prepare("SELECT id FROM Department WHERE kind = 'department' AND active = 1")
  .all() as { id: string }[];
const isReady = poller.prepare(
  'SELECT 1 AS ok FROM "Case" WHERE id = ? AND status = \'accepted\' AND gridCode IS NOT NULL',
);

const failures: Record<string, number> = {};
const fail = (what: string) => (failures[what] = (failures[what] ?? 0) + 1);

let dispatched = 0;

/** One case, its failures counted rather than thrown (a reset connection must not end the run). */
const one = (i: number) =>
  oneCase(i).catch((err: unknown) => {
    fail(`error ${(err as Error).message}`);
  });

async function oneCase(i: number) {
  const cell = cells[i % cells.length]!;
  const res = await http('POST', '/api/cases', supervisor, {
    source: 'supervisor',
    categoryCode: category.code,
    description: `bench ${i} 人行道井盖缺失`,
    address: `网格 ${cell.code} 北侧`,
  });
  if (res.status !== 201) return fail(`report ${res.status}`);
  const id = res.body!.id as string;
  const since = Date.now();
  while (!isReady.get(id)) {
    if (Date.now() - since > 120_000) return fail('not accepted within 120 s');
    await sleep(20);
  }
  const reg = await http('POST', `/api/cases/${id}/actions/register`, command, {});
  if (reg.status >= 300) return fail(`register ${reg.status}`);
  const dis = await http('POST', `/api/cases/${id}/actions/dispatch`, command, {
    assigneeType: 'department',
    assigneeId: departments[i % departments.length]!.id,
  });
  if (dis.status >= 300) return fail(`dispatch ${dis.status}`);
  dispatched++;
}

// Warm-up (JIT, caches, first connections), not counted.
await Promise.all([0, 1, 2, 3, 4].map((i) => one(1_000_000 + i)));
// The dispatch job's deadline (签收时限) is the last write a dispatched case causes: a case is done when
// its row has signDeadline; wait for every case dispatched so far.
const withSignDeadline = poller.prepare('SELECT COUNT(*) AS n FROM "Case" WHERE signDeadline IS NOT NULL');
async function settled(cases = dispatched) {
  const since = Date.now();
  while ((withSignDeadline.get() as { n: number }).n < cases) {
    if (Date.now() - since > 300_000) throw new Error('cases not settled within 300 s');
    await sleep(50);
  }
}
await settled();

// What the idle hub runs by itself (adapters' pollers and leases, the outbox relays), per second:
// subtracted from the drive's figures, which would otherwise grow with the drive's wall time.
counting = true;
const idle0 = process.cpuUsage();
const idleT0 = performance.now();
await sleep(5000);
const idleCpuMs = (() => {
  const u = process.cpuUsage(idle0);
  return (u.user + u.system) / 1000;
})();
const idleSeconds = (performance.now() - idleT0) / 1000;
counting = false;
const idleCounts = { hub: new Map(counts.hub), engine: new Map(counts.engine) };
counts.hub.clear();
counts.engine.clear();

const profiler = values.profile ? new Session() : undefined;
if (profiler) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}
counting = true;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < N) await one(next++);
  }),
);
// Work the dispatch causes after the answer (the process's next jobs) belongs to the case too.
await settled();
const cpu = process.cpuUsage(cpu0);
const wallMs = performance.now() - t0;
counting = false;
if (profiler) {
  const { profile } = await profiler.post('Profiler.stop');
  await writeFile(values.profile!, JSON.stringify(profile));
  profiler.disconnect();
}

// Net of the idle hub's own statements over the same time (a key can come out slightly negative).
const driveSeconds = wallMs / 1000;
const net = (drive: Map<string, number>, idle: Map<string, number>) => {
  const out = new Map(drive);
  for (const [sql, n] of idle) out.set(sql, (out.get(sql) ?? 0) - (n / idleSeconds) * driveSeconds);
  return out;
};
const hubNet = net(counts.hub, idleCounts.hub);
const engineNet = net(counts.engine, idleCounts.engine);
const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
const perCase = (n: number) => Math.round((n / N) * 10) / 10;
const top = (m: Map<string, number>) =>
  [...m.entries()]
    .filter(([, n]) => Math.abs(n / N) >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(values.top))
    .map(([sql, n]) => `${(n / N).toFixed(2).padStart(6)}  ${sql}`);
const summary = {
  cases: N,
  concurrency: CONCURRENCY,
  failures,
  cpuMsPerCase: perCase((cpu.user + cpu.system) / 1000 - (idleCpuMs / idleSeconds) * driveSeconds),
  wallMsPerCase: perCase(wallMs),
  hubStatementsPerCase: perCase(total(hubNet)),
  engineStatementsPerCase: perCase(total(engineNet)),
  idle: {
    cpuMsPerSecond: Math.round((idleCpuMs / idleSeconds) * 10) / 10,
    hubStatementsPerSecond: Math.round((total(idleCounts.hub) / idleSeconds) * 10) / 10,
    engineStatementsPerSecond: Math.round((total(idleCounts.engine) / idleSeconds) * 10) / 10,
  },
  loadAverage: loadavg().map((x) => Math.round(x * 10) / 10),
};
const lines = [
  JSON.stringify(summary, null, 1),
  '\nhub statements per case (net of the idle hub):\n' + top(hubNet).join('\n'),
  '\nengine statements per case (net of the idle hub):\n' + top(engineNet).join('\n'),
];

if (values.trace) {
  // One more case alone, every case-store statement in order (the idle hub's run in between too).
  trace = [];
  counting = true;
  await one(N);
  await settled();
  counting = false;
  lines.push(`\none case, in order (${trace.length}):\n` + trace.join('\n'));
}
console.log(lines.join('\n'));

poller.close();
await demo.close();
