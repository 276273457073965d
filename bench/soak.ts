/**
 * Soak: the demo hub (`npm start`'s src/main.ts, in a child process of its own) under a steady report
 * load for `--minutes`, while the hub process (API, engine thread, workers, adapters) is killed with
 * SIGKILL and started again, and each legacy system goes down and comes back, at random. The legacy
 * systems are the simulators `npm start` composes (adapters/city.ts, adapters/index.ts), run here in the
 * soak's own process so that their received logs outlive the hub's restarts; the hub reaches them by
 * the same settings a real deployment uses (HOTLINE_URL, VIDEO_PLATFORM_URL, UTILITY_*_URL).
 *
 * Load: `--rate` reports/s through POST /api/cases (as the acceptor), a 12319 ticket pushed by the
 * hotline simulator and a video alarm pushed by the video simulator every `--ticket-every` s each, and a
 * command-centre bot that registers (立案) and dispatches (派遣) every accepted case to a random unit,
 * so the outbox carries ticket updates, dispatch notices and the utilities' work orders.
 *
 * Afterwards, with every system up again and the load stopped, it waits for the outbox to drain and
 * checks: every acknowledged report (201 from the API, 200 `processed` from a webhook, every ticket the
 * hotline holds) is a case with its procedure instance (the engine answers for it); no outbox message
 * is pending, dead, missing at its receiver or received twice as two messages; the hub's RSS, sampled
 * every 10 s, per minute. Prints the figures and one JSON line; exit 1 when a check fails.
 *
 *   npx tsx bench/soak.ts [--minutes 30] [--rate 1] [--fault-every 45] [--ticket-every 20] [--db sqlite|postgres]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createHotlineSimulator } from '../adapters/hotline/simulator/index.ts';
import { startUtilitySimulator, type UtilitySimulator } from '../adapters/utilities/simulator/index.ts';
import { startVideoSimulator, type Camera } from '../adapters/video/simulator/index.ts';
import { createDb } from '../src/db/index.ts';
import { createTestDatabase } from '../test/helpers/db.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    rate: { type: 'string', default: '1' },
    'fault-every': { type: 'string', default: '45' },
    'ticket-every': { type: 'string', default: '20' },
    db: { type: 'string', default: 'sqlite' },
    seed: { type: 'string' },
  },
});
const MINUTES = Number(values.minutes);
const RATE = Number(values.rate);
const FAULT_EVERY_S = Number(values['fault-every']);
const TICKET_EVERY_S = Number(values['ticket-every']);
const PASSWORD = 'soak-demo-password';
const ROOT = join(import.meta.dirname, '..');

// A seeded random, so a run's fault schedule can be replayed (--seed).
let state = Number(values.seed ?? Date.now() % 2 ** 31) >>> 0;
const seed = state;
const random = () => {
  state = (state * 1664525 + 1013904223) >>> 0;
  return state / 2 ** 32;
};
const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stamp = () => new Date().toISOString().slice(11, 19);
const log = (msg: string) => console.log(`${stamp()} ${msg}`);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

// --- the legacy systems -------------------------------------------------------------------------------
const webhookSecret = randomBytes(24).toString('base64url');
const hotlineApiKey = randomBytes(24).toString('base64url');
const videoSecret = randomBytes(24).toString('base64url');
const hubPort = await freePort();
const hubUrl = `http://127.0.0.1:${hubPort}`;
const hotline = createHotlineSimulator({
  webhookSecret,
  apiKey: hotlineApiKey,
  hubUrl,
  port: await freePort(),
  autoCallbackMs: 5_000,
});
const hotlineUrl = await hotline.start();
const video = await startVideoSimulator();
video.target = { url: `${hubUrl}/api/adapters/video/alarms`, secret: videoSecret };
const utilities: UtilitySimulator[] = [];
for (const company of ['water', 'gas', 'power']) utilities.push(await startUtilitySimulator(company));

// --- the hub, a child process -------------------------------------------------------------------------
const dataDir = await mkdtemp(join(tmpdir(), 'hub-soak-'));
const pg = values.db === 'postgres' ? await createTestDatabase() : undefined;
const databaseUrl = pg ? pg.url : `file:${join(dataDir, 'hub.db')}`;
const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  LOG_LEVEL: 'warn',
  DATA_DIR: dataDir,
  DATABASE_URL: databaseUrl,
  ENGINE_DATABASE_URL: `file:${join(dataDir, 'engine.db')}`,
  HUB_PORT: String(hubPort),
  HUB_SEED_DEMO: 'true',
  HUB_DEMO_PASSWORD: PASSWORD,
  ZEEBE_ADDRESS: `127.0.0.1:${await freePort()}`,
  ENGINE_MANAGEMENT_PORT: '0',
  SIMULATORS: 'false',
  SIMULATOR_EVENT_SECONDS: 'off',
  HOTLINE_URL: hotlineUrl,
  HOTLINE_API_KEY: hotlineApiKey,
  HOTLINE_WEBHOOK_SECRET: webhookSecret,
  HOTLINE_POLL_INTERVAL_MS: '10000',
  VIDEO_PLATFORM_URL: video.url,
  VIDEO_WEBHOOK_SECRET: videoSecret,
  UTILITY_WATER_URL: utilities[0]!.url,
  UTILITY_GAS_URL: utilities[1]!.url,
  UTILITY_POWER_URL: utilities[2]!.url,
  ADAPTER_FETCH_ALLOW_PRIVATE: 'true',
};

let hub: ChildProcess | undefined;
let hubStarts = 0;
const rssSeries: { at: number; mb: number; start: number }[] = [];

async function startHub(): Promise<void> {
  hubStarts++;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8').trim();
    if (/fatal|uncaught|Error:/i.test(text)) log(`hub stderr: ${text.slice(0, 400)}`);
  });
  hub = child;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the hub exited with ${child.exitCode} while starting`);
    const ready = await fetch(`${hubUrl}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (ready === 200) break;
    if (Date.now() - started > 180_000) throw new Error('the hub did not become ready within 180 s');
    await sleep(250);
  }
  log(`hub ready (start ${hubStarts}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function killHub(signal: NodeJS.Signals): Promise<void> {
  const child = hub;
  if (!child || child.exitCode !== null) return;
  hub = undefined;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

async function rssMb(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
  return kb ? Math.round(Number(kb) / 1024) : undefined;
}

// --- load -----------------------------------------------------------------------------------------------
interface Acked {
  via: 'api' | 'hotline' | 'video';
  caseId: string;
}
const acked: Acked[] = [];
const counts = {
  apiSent: 0,
  apiRefused: 0,
  apiNoAnswer: 0,
  tickets: 0,
  alarmsSent: 0,
  alarmsAcked: 0,
  registered: 0,
  dispatched: 0,
};
const tokens = new Map<string, string>();

async function token(username: string): Promise<string> {
  let t = tokens.get(username);
  if (t) return t;
  const res = await fetch(`${hubUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status}`);
  t = ((await res.json()) as { token: string }).token;
  tokens.set(username, t);
  return t;
}

async function api(method: string, path: string, user: string, body?: unknown) {
  const res = await fetch(hubUrl + path, {
    method,
    headers: { authorization: `Bearer ${await token(user)}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, any>) : {} }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const CAMERAS: Camera[] = [
  {
    cameraId: 'SOAK-CAM-01',
    name: '海阳路与益寿路口',
    lng: 120.5512,
    lat: 32.3871,
    speakerId: 'SOAK-SPK-01',
  },
  { cameraId: 'SOAK-CAM-02', name: '宁海路农贸市场', lng: 120.5581, lat: 32.3705, speakerId: null },
];
let categoryCodes: string[] = [];
let departmentIds: string[] = [];
let reportNo = 0;

async function report(): Promise<void> {
  counts.apiSent++;
  const i = ++reportNo;
  try {
    const res = await api('POST', '/api/cases', 'acceptor', {
      source: 'supervisor',
      categoryCode: pick(categoryCodes),
      description: `soak ${i} 人行道井盖缺失`,
      address: '如皋市海阳路',
      lat: 32.37 + random() * 0.03,
      lng: 120.55 + random() * 0.03,
    });
    if (res.status === 201) acked.push({ via: 'api', caseId: res.body.id as string });
    else counts.apiRefused++;
  } catch {
    counts.apiNoAnswer++;
  }
}

async function ticket(): Promise<void> {
  counts.tickets++;
  await hotline.createTicket().catch(() => undefined);
}

async function alarm(): Promise<void> {
  counts.alarmsSent++;
  const answers = await video
    .push(video.alarm(pick(CAMERAS), pick(['店外经营', '暴露垃圾', '违停'])))
    .catch(() => []);
  for (const a of answers) {
    const events = (a.body as { events?: { result: string; caseId: string | null }[] } | null)?.events ?? [];
    for (const e of events)
      if (a.status === 200 && e.result === 'processed' && e.caseId) {
        counts.alarmsAcked++;
        acked.push({ via: 'video', caseId: e.caseId });
      }
  }
}

/** The command centre: 立案 every accepted case, 派遣 every registered one to a random unit. */
async function commandCentre(): Promise<void> {
  const accepted = await api('GET', '/api/cases?status=accepted&limit=20', 'dispatcher');
  for (const c of (accepted.body.items ?? []) as { id: string }[]) {
    const r = await api('POST', `/api/cases/${c.id}/actions/register`, 'dispatcher', {});
    if (r.status < 300) counts.registered++;
  }
  const registered = await api('GET', '/api/cases?status=registered&limit=20', 'dispatcher');
  for (const c of (registered.body.items ?? []) as { id: string }[]) {
    const r = await api('POST', `/api/cases/${c.id}/actions/dispatch`, 'dispatcher', {
      assigneeType: 'department',
      assigneeId: pick(departmentIds),
    });
    if (r.status < 300) counts.dispatched++;
  }
}

// --- faults ---------------------------------------------------------------------------------------------
const faults: Record<string, number> = {};
async function fault(): Promise<void> {
  const what = pick(['hub-kill', 'hub-kill', 'hub-term', 'hotline', 'video', 'water', 'gas', 'power']);
  faults[what] = (faults[what] ?? 0) + 1;
  const downMs = 5_000 + Math.floor(random() * 25_000);
  if (what === 'hub-kill' || what === 'hub-term') {
    log(`fault: ${what === 'hub-kill' ? 'SIGKILL' : 'SIGTERM'} the hub`);
    await killHub(what === 'hub-kill' ? 'SIGKILL' : 'SIGTERM');
    await sleep(Math.floor(random() * 3_000));
    await startHub();
    return;
  }
  log(`fault: ${what} down for ${Math.round(downMs / 1000)} s`);
  if (what === 'hotline') {
    hotline.down(downMs);
    return;
  }
  const sim = what === 'video' ? video.http : utilities.find((u) => u.company === what)!.http;
  await sim.setDown(true);
  setTimeout(() => void sim.setDown(false), downMs).unref();
}

// --- the run --------------------------------------------------------------------------------------------
const t0 = Date.now();
await startHub();
const db = createDb({ DATABASE_URL: databaseUrl, databaseProvider: pg ? 'postgresql' : 'sqlite' });
categoryCodes = (
  await db.prisma.category.findMany({ where: { kind: 'event', active: true }, select: { code: true } })
).map((c) => c.code);
departmentIds = (
  await db.prisma.department.findMany({ where: { kind: 'department', active: true }, select: { id: true } })
).map((d) => d.id);

const endAt = Date.now() + MINUTES * 60_000;
const loops: Promise<void>[] = [];
const every = (ms: number, fn: () => Promise<void>) =>
  loops.push(
    (async () => {
      while (Date.now() < endAt) {
        const next = Date.now() + ms * (0.5 + random());
        await fn().catch((err: unknown) => log(`load: ${String(err).slice(0, 200)}`));
        await sleep(Math.max(0, next - Date.now()));
      }
    })(),
  );
const inFlight = new Set<Promise<void>>();
// Reports go out at the rate whatever the answers take (a slow hub gets a queue, as in real life).
loops.push(
  (async () => {
    while (Date.now() < endAt) {
      const p = report().finally(() => inFlight.delete(p));
      inFlight.add(p);
      await sleep(1000 / RATE);
    }
  })(),
);
every(TICKET_EVERY_S * 1000, ticket);
every(TICKET_EVERY_S * 1000, alarm);
every(5_000, commandCentre);
every(FAULT_EVERY_S * 1000, fault);
every(10_000, async () => {
  const mb = hub?.pid ? await rssMb(hub.pid) : undefined;
  if (mb) rssSeries.push({ at: Date.now() - t0, mb, start: hubStarts });
});
every(60_000, async () =>
  log(
    `load: ${JSON.stringify(counts)} acked ${acked.length}, RSS ${rssSeries.at(-1)?.mb ?? '?'} MB, load avg ${(await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')}`,
  ),
);
await Promise.all(loops);
await Promise.all(inFlight);
log('load stopped; every system up, waiting for the outbox to drain');

// --- settle and check -----------------------------------------------------------------------------------
hotline.up();
await video.http.setDown(false);
for (const u of utilities) await u.http.setDown(false);
if (!hub) await startHub();
const settleStart = Date.now();
while (Date.now() - settleStart < 300_000) {
  await commandCentre().catch(() => undefined);
  const pending = await db.prisma.outboxMessage.count({ where: { status: 'pending' } });
  const unstarted = await db.prisma.case.count({ where: { processInstanceKey: null } });
  const hotlineCases = await db.prisma.inboxEvent.count({
    where: { adapter: 'hotline', caseId: { not: null } },
  });
  if (pending === 0 && unstarted === 0 && hotlineCases >= hotline.tickets.length) break;
  await sleep(5_000);
}
const settleSeconds = (Date.now() - settleStart) / 1000;

const problems: string[] = [];
// 1. Every acknowledged report is a case with its procedure instance, which the engine knows.
const caseIds = [...new Set(acked.map((a) => a.caseId))];
const rows = await db.prisma.case.findMany({
  where: { id: { in: caseIds } },
  select: { id: true, processInstanceKey: true },
});
const byId = new Map(rows.map((r) => [r.id, r]));
let withoutCase = 0;
let withoutInstance = 0;
let unknownToEngine = 0;
for (const id of caseIds) {
  const row = byId.get(id);
  if (!row) withoutCase++;
  else if (!row.processInstanceKey) withoutInstance++;
}
for (const id of caseIds.filter((id) => byId.get(id)?.processInstanceKey)) {
  const res = await api('GET', `/api/cases/${id}/process`, 'administrator').catch(() => ({ status: 0 }));
  if (res.status !== 200) unknownToEngine++;
}
if (withoutCase) problems.push(`${withoutCase} acknowledged reports have no case`);
if (withoutInstance) problems.push(`${withoutInstance} acknowledged cases have no procedure instance`);
if (unknownToEngine) problems.push(`${unknownToEngine} cases' instances unknown to the engine`);
// Every ticket the hotline holds became a case (pushed, or polled after a lost push).
const ticketInbox = await db.prisma.inboxEvent.findMany({
  where: { adapter: 'hotline' },
  select: { sourceId: true, caseId: true, status: true },
});
const ticketCases = new Map(ticketInbox.map((e) => [e.sourceId, e]));
// The hotline adapter keeps a ticket's number as `ticket:<no>` (adapters/hotline/index.ts).
const ticketsWithoutCase = hotline.tickets.filter((t) => !ticketCases.get(`ticket:${t.ticketNo}`)?.caseId);
if (ticketsWithoutCase.length) problems.push(`${ticketsWithoutCase.length} hotline tickets have no case`);

// 2. The outbox: nothing pending or dead; every delivered hotline message received once (by its id).
const outbox = await db.prisma.outboxMessage.groupBy({ by: ['adapter', 'status'], _count: true });
const outboxFigures = Object.fromEntries(outbox.map((o) => [`${o.adapter}:${o.status}`, o._count]));
const notDelivered = outbox.filter((o) => o.status !== 'delivered').reduce((n, o) => n + o._count, 0);
if (notDelivered)
  problems.push(`${notDelivered} outbox messages not delivered: ${JSON.stringify(outboxFigures)}`);
const hotlineRows = await db.prisma.outboxMessage.findMany({
  where: { adapter: 'hotline', status: 'delivered' },
  select: { id: true },
});
const receivedIds = new Map<string, number>();
for (const r of hotline.received) receivedIds.set(r.id, (receivedIds.get(r.id) ?? 0) + 1);
const lost = hotlineRows.filter((r) => !receivedIds.has(r.id)).length;
const rowIds = new Set(hotlineRows.map((r) => r.id));
const phantom = [...receivedIds.keys()].filter((id) => !rowIds.has(id)).length;
if (lost) problems.push(`${lost} hotline messages marked delivered never reached the hotline`);
if (phantom) problems.push(`${phantom} messages reached the hotline with no delivered outbox row`);
// A work order is one per case and company: two orders of one case at one company is a double delivery.
const orders = utilities.flatMap((u) => u.orders.map((o) => `${u.company}:${o.caseNo}`));
const doubleOrders = orders.length - new Set(orders).size;
if (doubleOrders) problems.push(`${doubleOrders} work orders sent twice for the same case`);
const utilityRows = await db.prisma.outboxMessage.count({
  where: { adapter: 'utilities', kind: 'work_order', status: 'delivered' },
});
if (utilityRows !== orders.length)
  problems.push(`${utilityRows} delivered work-order rows, ${orders.length} orders at the companies`);

// 3. Memory: RSS per minute, and its growth within each hub process's life.
const perMinute = new Map<number, number[]>();
for (const s of rssSeries) {
  const m = Math.floor(s.at / 60_000);
  perMinute.set(m, [...(perMinute.get(m) ?? []), s.mb]);
}
const series = [...perMinute].map(([m, list]) => `${m}:${Math.max(...list)}`);
const lives = new Map<number, number[]>();
for (const s of rssSeries) lives.set(s.start, [...(lives.get(s.start) ?? []), s.mb]);
const longest = [...lives.values()].sort((a, b) => b.length - a.length)[0] ?? [];

const figures = {
  db: values.db,
  seed,
  minutes: MINUTES,
  rate: RATE,
  hubStarts,
  faults,
  counts,
  acknowledged: acked.length,
  cases: await db.prisma.case.count(),
  hotlineTickets: hotline.tickets.length,
  hotlineReceived: hotline.received.length,
  hotlineRedeliveries: hotline.redeliveries,
  workOrders: orders.length,
  outbox: outboxFigures,
  settleSeconds: Math.round(settleSeconds),
  rssMbPerMinute: series.join(' '),
  longestLife: {
    samples: longest.length,
    firstMb: longest[0],
    lastMb: longest.at(-1),
    maxMb: Math.max(...longest),
  },
  loadavg: (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' '),
  problems,
};
console.log(JSON.stringify(figures));
for (const p of problems) log(`PROBLEM ${p}`);

await killHub('SIGTERM');
await db.close();
await hotline.stop();
await video.close();
for (const u of utilities) await u.close();
await pg?.drop();
await rm(dataDir, { recursive: true, force: true });
process.exit(problems.length ? 1 : 0);
