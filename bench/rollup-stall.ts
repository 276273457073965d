/**
 * The API while the statistics rollup's first build runs, against the same API after it: a hub (SQLite,
 * in this process) on a store of `--cases` bulk-loaded cases is made to build every statistics row (the
 * note of its last run removed, as on a first start on a store), and the dispatcher's two first requests
 * — GET /api/cases?limit=50 and GET /api/desk/queues?queue=dispatch — are sent one after another (100 ms
 * apart) until the build is done, then for `--after` seconds more. Per phase: each request's
 * p50/p95/max, the event loop's delay (monitorEventLoopDelay: a synchronous SQLite statement holds the
 * hub's one loop) and its longest stall. Prints JSON with the load average.
 *
 *   npx tsx bench/rollup-stall.ts [--cases 250000] [--after 40]
 */
import { rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { createHub } from '../src/hub.ts';
import { createLogger } from '../src/log.ts';
import { ROLLUP_SETTING, ROLLUP_VERSION } from '../src/statistics/rollup.ts';
import { prepareBenchStore } from './load-cases.ts';

const { values } = parseArgs({
  options: { cases: { type: 'string', default: '250000' }, after: { type: 'string', default: '40' } },
});
const N = Number(values.cases);
const AFTER_MS = Number(values.after) * 1000;
const PASSWORD = 'bench-rollup-password';
const load = () => loadavg().map((l) => Math.round(l * 10) / 10);

// First start: migrations and the demo data (and their statistics rows); then the cases; then the hub again.
const { dataDir, dbFile, config, loaded, loadMs } = await prepareBenchStore({
  prefix: 'bench-rollup-',
  password: PASSWORD,
  adminUi: false,
  n: N,
});
const loadAtStart = load();

const hub = createHub({ config, logger: createLogger('silent') });
const t1 = performance.now();
const { url } = await hub.start();
const startMs = Math.round(performance.now() - t1);

const login = await fetch(`${url}/api/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: 'dispatcher', password: PASSWORD }),
});
const { token } = (await login.json()) as { token: string };

// A second connection, to see when the first build has finished (WAL: reading never waits).
const watcher = new Database(dbFile);
const built = () => {
  const row = watcher.prepare(`SELECT value FROM "Setting" WHERE key = ?`).get(ROLLUP_SETTING) as
    { value: string } | undefined;
  const state = row ? (JSON.parse(row.value) as { through?: string; version?: number }) : {};
  return state.version === ROLLUP_VERSION && !!state.through;
};

const PATHS = ['/api/cases?limit=50', '/api/desk/queues?queue=dispatch&limit=50'];

async function probe(until: () => boolean) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  // The histogram samples on a timer, so a stall that ends the phase is never sampled: the longest gap
  // between two ticks of a 10 ms timer, the last one to the phase's end included.
  let last = performance.now();
  let gap = 0;
  const ticker = setInterval(() => {
    gap = Math.max(gap, performance.now() - last);
    last = performance.now();
  }, 10);
  const times: number[][] = PATHS.map(() => []);
  const began = performance.now();
  while (!until()) {
    for (const [i, path] of PATHS.entries()) {
      const t = performance.now();
      const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) throw new Error(`${path}: ${res.status}`);
      await res.json();
      times[i]!.push(performance.now() - t);
    }
    await sleep(100);
  }
  delay.disable();
  clearInterval(ticker);
  gap = Math.max(gap, performance.now() - last);
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  const stats = (list: number[]) => {
    const s = [...list].sort((a, b) => a - b);
    const at = (q: number) => Math.round(s[Math.min(s.length - 1, Math.ceil(s.length * q) - 1)]!);
    return { n: s.length, p50: at(0.5), p95: at(0.95), max: Math.round(s.at(-1)!) };
  };
  return {
    seconds: Math.round((performance.now() - began) / 100) / 10,
    loadavg: load(),
    requestsMs: Object.fromEntries(PATHS.map((p, i) => [p, stats(times[i]!)])),
    eventLoopDelayMs: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
    longestStallMs: Math.round(gap),
  };
}

// The first start built the rows of the demo data and noted when; the bulk-loaded cases carry an updatedAt
// in the past, so the second start only brought the rows up to date without them. Without the note the
// next turn builds every row, as at a hub's first start on a store (or after ROLLUP_VERSION changes).
watcher.prepare(`DELETE FROM "Setting" WHERE key = ?`).run(ROLLUP_SETTING);
const startedAt = performance.now();
const build = hub.statistics.runNow();
const during = await probe(built);
const firstBuild = await build;
const firstBuildS = Math.round((performance.now() - startedAt) / 100) / 10;
const afterStart = performance.now();
const after = await probe(() => performance.now() - afterStart > AFTER_MS);

watcher.close();
await hub.stop();
await rm(dataDir, { recursive: true, force: true });

console.log(
  JSON.stringify(
    {
      node: process.version,
      casesInDatabase: loaded,
      loadMs,
      startMs,
      firstBuild,
      loadAtStart,
      firstBuildS,
      during,
      after,
    },
    null,
    2,
  ),
);
