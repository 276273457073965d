/**
 * The public parking guidance API from cache (issue 12: ≥ 1,000 requests/s): the hub's API (createApi,
 * every middleware a request passes in production: security headers, request id and access log at info,
 * problem rendering, the router) over SQLite with `--lots` lots (default 200: the 8 demo lots and more
 * in their areas) whose feed is alive, listening on 127.0.0.1; then `--connections` keep-alive clients
 * (default 20) in this process ask GET /api/parking/guidance (and one area) for `--seconds` (default 10)
 * — half of them with the ETag they got (If-None-Match → 304), half without (200 with the whole answer),
 * as signs that cache and apps that do not. Prints requests/s by status, latency p50/p99 and the load
 * average before and after; the answers come from the board in memory (the database is read at most
 * every PARKING_REFRESH_SECONDS).
 *
 *   npx tsx bench/parking-guidance.ts [--lots 200] [--connections 20] [--seconds 10]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createApi } from '../src/app/api.ts';
import { createAuth } from '../src/auth/index.ts';
import { loadConfig } from '../src/config.ts';
import { createDb } from '../src/db/index.ts';
import { DEMO_PARKING_LOTS } from '../src/db/demo-parking.ts';
import { createLogger } from '../src/log.ts';

const { values } = parseArgs({
  options: {
    lots: { type: 'string', default: '200' },
    connections: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '10' },
  },
});
const lotCount = Number(values.lots);
const connections = Number(values.connections);
const seconds = Number(values.seconds);

const dir = await mkdtemp(join(tmpdir(), 'bench-parking-'));
const config = loadConfig({ DATA_DIR: dir, DATABASE_URL: `file:${join(dir, 'hub.db')}`, LOG_LEVEL: 'info' });
const db = createDb(config);
await db.migrate();
const now = new Date();
await db.prisma.parkingLot.createMany({
  data: Array.from({ length: lotCount }, (_, i) => {
    const demo = DEMO_PARKING_LOTS[i % DEMO_PARKING_LOTS.length]!;
    return {
      code: i < DEMO_PARKING_LOTS.length ? demo.code : `B-${String(i).padStart(4, '0')}`,
      name: i < DEMO_PARKING_LOTS.length ? demo.name : `${demo.name}${i}号`,
      area: demo.area,
      street: demo.street,
      lng: demo.lng + (i % 17) * 0.001,
      lat: demo.lat + (i % 13) * 0.001,
      capacity: demo.capacity,
      occupied: Math.round(demo.capacity * demo.busy),
      feedAt: now,
    };
  }),
});
// Access log lines go where the hub's go (a file descriptor), not to this terminal.
const logger = createLogger('info', { write: () => undefined });
const api = createApi({ config, logger, db, auth: createAuth({ db, config, key: randomBytes(32) }) });
const server = createServer(api.app.callback());
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;

const agent = new Agent({ keepAlive: true, maxSockets: connections });
function get(path: string, etag?: string): Promise<{ status: number; etag: string | undefined; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, agent, headers: etag ? { 'if-none-match': etag } : {} },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode!, etag: res.headers.etag, ms: performance.now() - started }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const paths = ['/api/parking/guidance', `/api/parking/guidance?area=${encodeURIComponent('如城街道')}`];
const etags = new Map<string, string>();
for (const p of paths) etags.set(p, (await get(p)).etag!);
// warm-up
for (let i = 0; i < 200; i++) await get(paths[i % 2]!);

const loadBefore = loadavg();
const cpuBefore = process.cpuUsage();
const byStatus = new Map<number, number>();
const latencies: number[] = [];
const end = Date.now() + seconds * 1000;
const started = performance.now();
await Promise.all(
  Array.from({ length: connections }, async (_, c) => {
    const path = paths[c % paths.length]!;
    const cached = c % 4 < 2;
    while (Date.now() < end) {
      const r = await get(path, cached ? etags.get(path) : undefined);
      if (r.status === 200 && cached && r.etag) etags.set(path, r.etag);
      byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
      latencies.push(r.ms);
    }
  }),
);
const elapsed = (performance.now() - started) / 1000;
const loadAfter = loadavg();
const cpu = process.cpuUsage(cpuBefore);
latencies.sort((a, b) => a - b);
const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!;
const total = latencies.length;
const body = await (await fetch(`http://127.0.0.1:${port}${paths[0]}`)).text();
const result = {
  lots: lotCount,
  connections,
  seconds: Math.round(elapsed * 10) / 10,
  requests: total,
  requestsPerSecond: Math.round(total / elapsed),
  byStatus: Object.fromEntries(byStatus),
  p50ms: Math.round(q(0.5) * 100) / 100,
  p99ms: Math.round(q(0.99) * 100) / 100,
  // server and clients together (one process): what a request costs in CPU, whatever the load
  cpuMsPerRequest: Math.round(((cpu.user + cpu.system) / 1000 / total) * 1000) / 1000,
  answerBytes: Buffer.byteLength(body),
  loadBefore: loadBefore.map((l) => Math.round(l * 100) / 100),
  loadAfter: loadAfter.map((l) => Math.round(l * 100) / 100),
};
console.log(
  `guidance API: ${result.requestsPerSecond} requests/s over ${result.seconds} s, ${connections} keep-alive connections ` +
    `(200: ${byStatus.get(200) ?? 0}, 304: ${byStatus.get(304) ?? 0}), p50 ${result.p50ms} ms, p99 ${result.p99ms} ms, ` +
    `${result.cpuMsPerRequest} ms CPU a request (server and clients, one process: ${Math.round(1000 / result.cpuMsPerRequest)} requests per CPU-second), ` +
    `${lotCount} lots (${result.answerBytes} bytes a full answer); load average ${result.loadBefore.join(' ')} → ${result.loadAfter.join(' ')}`,
);
console.log(JSON.stringify(result));
agent.destroy();
server.closeAllConnections();
server.close();
await db.close();
await rm(dir, { recursive: true, force: true });
