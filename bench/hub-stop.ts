/**
 * bench:hub-stop — how long a whole hub (embedded engine, gRPC, workers, adapters, demo data) takes to
 * start, to stop, and how long the process then stays alive before it exits on its own (what every test
 * file that starts a hub pays at its end). Each part's share of stop() is timed by wrapping its close
 * method; what still keeps the event loop alive after stop() is printed every second until exit.
 *
 *   npx tsx bench/hub-stop.ts [--db sqlite|postgres] [--simulators] [--idle-ms 3000]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createHook } from 'node:async_hooks';

// Where every timer still pending was created (to name what keeps the process alive).
const timers = new Map<number, { resource: NodeJS.Timeout; stack: string; at: number }>();
if (process.argv.includes('--trace-timers'))
  createHook({
    init(id, type, _trigger, resource) {
      if (type !== 'Timeout') return;
      const stack = (new Error().stack ?? '').split('\n').slice(3, 9).join('\n');
      timers.set(id, { resource: resource as NodeJS.Timeout, stack, at: performance.now() });
    },
    destroy(id) {
      timers.delete(id);
    },
  }).enable();

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    simulators: { type: 'boolean', default: false },
    'idle-ms': { type: 'string', default: '3000' },
    'trace-timers': { type: 'boolean', default: false },
  },
});
process.env.HUB_TEST_DB = values.db;
const { createTestDb } = await import('../test/helpers/db.ts');
const { createTestDatabase } = await import('../test/helpers/engine.ts');
const { loadConfig } = await import('../src/config.ts');
const { createHub } = await import('../src/hub.ts');
const { createLogger } = await import('../src/log.ts');

const t0 = performance.now();
const ms = (from: number) => Math.round(performance.now() - from);
const out: Record<string, unknown> = { db: values.db, load: loadavg().map((l) => Math.round(l * 10) / 10) };

const dataDir = await mkdtemp(join(tmpdir(), 'hub-stop-'));
const pg = values.db === 'postgres' ? await createTestDb({ migrate: false }) : undefined;
const engineDb = await createTestDatabase('hub_t_engine');
const config = loadConfig({
  DATA_DIR: dataDir,
  DATABASE_URL: pg ? pg.url : `file:${join(dataDir, 'hub.db')}`,
  HUB_PORT: '0',
  HUB_SEED_DEMO: 'true',
  HUB_DEMO_PASSWORD: 'bench-hub-stop',
  ENGINE_DATABASE_URL: engineDb.url,
  ZEEBE_ADDRESS: '127.0.0.1:0',
  ENGINE_MANAGEMENT_PORT: '0',
  ENGINE_CLOCK_CONTROL: 'true',
  ADMIN_UI: 'false',
  SIMULATORS: String(values.simulators),
});
const hub = createHub({ config, logger: createLogger(process.env.LOG_LEVEL ?? 'silent') });
let from = performance.now();
await hub.start();
out.startMs = ms(from);
// Let every worker open its long poll (the SDK polls every 300 ms) before stopping.
await sleep(Number(values['idle-ms']));

// Time each part's close by wrapping the method the hub calls on it.
const parts: Record<string, number> = {};
const wrap = (name: string, obj: object, method: string) => {
  const o = obj as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const original = o[method]!.bind(obj);
  o[method] = async (...args) => {
    const at = performance.now();
    try {
      return await original(...args);
    } finally {
      parts[name] = ms(at);
    }
  };
};
wrap('adapters.stop', hub.adapters, 'stop');
wrap('casePublisher.stop', hub.casePublisher, 'stop');
wrap('zeebe.close', hub.zeebe, 'close');
wrap('engine.close', hub.engine!, 'close');
wrap('engine.gateway.close', hub.engine!.gateway, 'close');
from = performance.now();
await hub.stop();
out.stopMs = ms(from);
out.parts = parts;
await engineDb.drop();
await pg?.drop();
await rm(dataDir, { recursive: true, force: true });

// What keeps the process alive after everything was stopped, until it exits.
const stoppedAt = performance.now();
if (values['trace-timers']) {
  const byStack = new Map<string, { n: number; ms: number }>();
  for (const t of timers.values()) {
    const r = t.resource as unknown as { _idleTimeout: number; _destroyed: boolean; hasRef(): boolean };
    if (r._destroyed || !r.hasRef()) continue;
    const e = byStack.get(t.stack) ?? { n: 0, ms: r._idleTimeout };
    e.n += 1;
    byStack.set(t.stack, e);
  }
  for (const [stack, e] of byStack) process.stderr.write(`${e.n} timer(s) of ${e.ms} ms from\n${stack}\n\n`);
}
const watch = setInterval(() => {
  const resources = process.getActiveResourcesInfo();
  process.stderr.write(`${ms(stoppedAt)} ms after stop: ${resources.join(', ')}\n`);
}, 1000);
watch.unref();
process.on('exit', () => {
  out.exitAfterStopMs = ms(stoppedAt);
  out.totalMs = ms(t0);
  process.stdout.write(`${JSON.stringify(out)}\n`);
});
