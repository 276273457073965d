/**
 * The API fuzz at length: every route of /openapi.json, `--runs` generated requests each (valid, invalid
 * body / query / path parameter, without credentials, malformed bytes) against one demo hub, from
 * `--seed`. Prints the figures (requests, answers by status, latency, the hub's RSS) and every failure:
 * a 5xx, no answer, a 4xx that is not problem+json, an invalid input accepted or not named.
 * test/api-fuzz.test.ts runs the same with few runs in CI.
 *
 *   npx tsx bench/api-fuzz.ts [--runs 100] [--seed 20261207] [--db sqlite|postgres] [--only REGEX] [--concurrency 1]
 */
import { parseArgs } from 'node:util';
import { describeFailure, fuzzHub, FUZZ_HUB_ENV } from '../test/helpers/api-fuzz-run.ts';
import { startDemoHub } from '../test/helpers/demo-hub.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '100' },
    seed: { type: 'string', default: '20261207' },
    db: { type: 'string', default: 'sqlite' },
    only: { type: 'string' },
    concurrency: { type: 'string', default: '1' },
  },
});
process.env.HUB_TEST_DB = values.db;
const runs = Number(values.runs);
const seed = Number(values.seed);

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const mb = () => Math.round(process.memoryUsage().rss / 1e6);

const startedAt = performance.now();
const demo = await startDemoHub('fuzz-bench-password', FUZZ_HUB_ENV);
const startMs = performance.now() - startedAt;
const rssBefore = mb();
console.log(
  `hub (${values.db}) started in ${(startMs / 1000).toFixed(1)} s, RSS ${rssBefore} MB; ${runs} requests per route, seed ${seed}`,
);
const t0 = performance.now();
let result;
try {
  result = await fuzzHub(demo, {
    seed,
    runs,
    only: values.only ? new RegExp(values.only) : undefined,
    concurrency: Number(values.concurrency),
    onFailure: (f) => console.log('FAIL ' + describeFailure(f)),
    onRoute: (route, done, total) => process.stderr.write(`${done}/${total} ${route}\n`),
  });
} finally {
  const health = await fetch(`${demo.url}/readyz`).then(
    (r) => r.status,
    (e: Error) => e.message,
  );
  console.log(`after the fuzz: /readyz ${health}`);
  await demo.close();
}
const seconds = (performance.now() - t0) / 1000;
const lat = result.latencies.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    db: values.db,
    seed,
    runsPerRoute: runs,
    routes: result.routes,
    requests: result.requests,
    seconds: Number(seconds.toFixed(1)),
    requestsPerSecond: Number((result.requests / seconds).toFixed(1)),
    kinds: Object.fromEntries(result.kinds),
    statuses: Object.fromEntries([...result.statuses].sort((a, b) => a[0] - b[0])),
    latencyMs: {
      p50: Math.round(pct(lat, 50)),
      p99: Math.round(pct(lat, 99)),
      max: Math.round(lat.at(-1) ?? 0),
    },
    rssMb: { before: rssBefore, after: mb() },
    failures: result.failures.length,
  }),
);
process.exit(result.failures.length ? 1 : 0);
