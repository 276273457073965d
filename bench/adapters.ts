/**
 * `npm run bench:adapters -- [--events N] [--concurrency C] [--messages M] [--slow-ms S] [--db sqlite|postgres]`
 *
 * Two figures of the adapters issue, on a whole hub (embedded engine, workers, fresh database) and the
 * 12319 simulator over HTTP:
 * 1. inbound: N signed ticket webhooks posted by C concurrent senders → events/s and the latency to
 *    "case created" (the webhook answers after the transaction that inserts the InboxEvent and the Case
 *    row committed), p50 and p99;
 * 2. outbox drain with a slow target: M status messages spread over the cases of step 1, the simulator
 *    answering each after S ms → messages/s until every one was delivered, and whether each case's
 *    messages arrived in order.
 * Ends with one JSON line of the figures.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signedHeaders } from '../adapters/framework/index.ts';
import type { Ticket } from '../adapters/hotline/index.ts';
import { createHotlineSimulator } from '../adapters/hotline/simulator/index.ts';
import { loadConfig } from '../src/config.ts';
import { createHub } from '../src/hub.ts';
import { createLogger } from '../src/log.ts';
import { createTestDb } from '../test/helpers/db.ts';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const EVENTS = Number(arg('events', '400'));
const CONCURRENCY = Number(arg('concurrency', '16'));
const MESSAGES = Number(arg('messages', '1000'));
const SLOW_MS = Number(arg('slow-ms', '50'));
const DB = arg('db', 'sqlite');

const SECRET = 'bench-hotline-webhook-secret-000000';
const API_KEY = 'bench-hotline-api-key-000000000';
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;

const dataDir = await mkdtemp(join(tmpdir(), 'bench-adapters-'));
process.env.HUB_TEST_DB = DB === 'postgres' ? 'postgres' : 'sqlite';
const pg = DB === 'postgres' ? await createTestDb({ migrate: false }) : undefined;
const sim = createHotlineSimulator({ webhookSecret: SECRET, apiKey: API_KEY });
const simUrl = await sim.start();
const hub = createHub({
  config: loadConfig({
    DATA_DIR: dataDir,
    DATABASE_URL: pg ? pg.url : `file:${join(dataDir, 'hub.db')}`,
    ENGINE_DATABASE_URL: `file:${join(dataDir, 'engine.db')}`,
    HUB_PORT: '0',
    ZEEBE_ADDRESS: '127.0.0.1:0',
    ENGINE_MANAGEMENT_PORT: '0',
    ADMIN_UI: 'false',
    SIMULATORS: 'false',
    HUB_DEMO_PASSWORD: 'bench-password',
    HOTLINE_URL: simUrl,
    HOTLINE_WEBHOOK_SECRET: SECRET,
    HOTLINE_API_KEY: API_KEY,
    ADAPTER_OUTBOX_INTERVAL_MS: '200',
    // Only the webhook brings tickets here (the polling fallback would find the same ones).
    HOTLINE_POLL_INTERVAL_MS: '3600000',
  }),
  logger: createLogger('error'),
});
const { url } = await hub.start();
const { prisma } = hub.db;
console.log(`hub on ${url} (${DB}), simulator on ${simUrl}`);

// 1. Inbound webhooks. The simulator makes the tickets without pushing them (no hub URL yet); the bench
// signs and posts them itself to time each one.
// The poller's first round (at start) must be over, or it would find these tickets too.
while (!(await prisma.cursor.findFirst({ where: { adapter: 'hotline', name: 'tickets' } })))
  await new Promise((r) => setTimeout(r, 100));
const tickets: Ticket[] = [];
for (let i = 0; i < EVENTS; i++) tickets.push((await sim.createTicket()).ticket);
sim.hubUrl = url;
const latencies: number[] = [];
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < tickets.length) {
      const ticket = tickets[next++]!;
      const body = JSON.stringify({ ticket });
      const t0 = performance.now();
      const res = await fetch(`${url}/api/adapters/hotline/tickets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signedHeaders(SECRET, body) },
        body,
      });
      const answer = (await res.json()) as { events?: { result: string }[] };
      if (res.status !== 200 || answer.events?.[0]?.result !== 'processed')
        throw new Error(`ticket ${ticket.ticketNo}: ${res.status} ${JSON.stringify(answer)}`);
      latencies.push(performance.now() - t0);
    }
  }),
);
const inboundSeconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const cases = await prisma.case.count({ where: { source: 'hotline' } });
if (cases !== EVENTS) throw new Error(`${cases} cases for ${EVENTS} tickets`);
const inbound = {
  events: EVENTS,
  concurrency: CONCURRENCY,
  eventsPerSecond: Math.round(EVENTS / inboundSeconds),
  p50Ms: Math.round(pct(latencies, 50)),
  p99Ms: Math.round(pct(latencies, 99)),
};
console.log(
  `inbound: ${inbound.eventsPerSecond} events/s, case created p50 ${inbound.p50Ms} ms, p99 ${inbound.p99Ms} ms`,
);

// 2. Outbox drain with a slow target. Let the feed of step 1 settle first, then time M fresh messages.
const settle = Date.now() + 120_000;
let last = -1;
for (;;) {
  const pending = await prisma.outboxMessage.count({ where: { adapter: 'hotline', status: 'pending' } });
  const total = await prisma.outboxMessage.count({ where: { adapter: 'hotline' } });
  if ((pending === 0 && total === last) || Date.now() > settle) break;
  last = total;
  await new Promise((r) => setTimeout(r, 2000));
}
sim.faults.slowMs = SLOW_MS;
const rows = await prisma.case.findMany({
  where: { source: 'hotline' },
  select: { id: true, caseNo: true, sourceRef: true },
});
const base = Date.now();
const seqOf = new Map<string, number>();
await prisma.outboxMessage.createMany({
  data: Array.from({ length: MESSAGES }, (_, i) => {
    const c = rows[i % rows.length]!;
    return {
      adapter: 'hotline',
      caseId: c.id,
      kind: 'status',
      payload: {
        ticketNo: c.sourceRef,
        caseNo: c.caseNo,
        at: new Date(base + i).toISOString(),
        status: 'bench',
        text: `#${i}`,
        department: null,
      },
      createdAt: new Date(base + i),
      nextAttemptAt: new Date(base - 1000),
    };
  }),
});
for (const c of rows) seqOf.set(c.sourceRef!, -1);
const receivedBefore = sim.received.length;
const t1 = performance.now();
hub.adapters.host.outbox.kick();
for (;;) {
  const pending = await prisma.outboxMessage.count({ where: { adapter: 'hotline', status: 'pending' } });
  if (pending === 0) break;
  await new Promise((r) => setTimeout(r, 100));
}
const drainSeconds = (performance.now() - t1) / 1000;
let inOrder = true;
for (const r of sim.received.slice(receivedBefore)) {
  if (r.body.status !== 'bench') continue;
  const n = Number(String(r.body.text).slice(1));
  if (n < seqOf.get(r.ticketNo)!) inOrder = false;
  seqOf.set(r.ticketNo, n);
}
const dead = await prisma.outboxMessage.count({ where: { adapter: 'hotline', status: 'dead' } });
const outbox = {
  messages: MESSAGES,
  cases: rows.length,
  slowMs: SLOW_MS,
  concurrency: loadConfig({}).ADAPTER_OUTBOX_CONCURRENCY,
  messagesPerSecond: Math.round(MESSAGES / drainSeconds),
  perCaseOrder: inOrder,
  dead,
};
console.log(
  `outbox: ${outbox.messagesPerSecond} messages/s with a target answering in ${SLOW_MS} ms (${outbox.concurrency} at once), per-case order ${inOrder ? 'kept' : 'BROKEN'}, dead ${dead}`,
);
console.log(JSON.stringify({ db: DB, inbound, outbox }));
await hub.stop();
await sim.stop();
await pg?.drop();
await rm(dataDir, { recursive: true, force: true });
