/**
 * Soak: the demo hub (`npm start`'s src/main.ts, in a child process of its own) under a steady report
 * load for `--minutes`, while the hub process (API, engine thread, workers, adapters) is killed with
 * SIGKILL and started again, each legacy system goes down and comes back, and — with `--db postgres` —
 * the database server itself is killed (every process of it, SIGKILL) and started again, at random. The
 * legacy systems are the simulators `npm start` composes (adapters/city.ts, adapters/index.ts), run here
 * in the soak's own process so that their received logs outlive the hub's restarts; the hub reaches them
 * by the same settings a real deployment uses (HOTLINE_URL, VIDEO_PLATFORM_URL, UTILITY_*_URL,
 * SANITATION_ENGINE_URL, SANITATION_MQTT_URL).
 *
 * With `--db postgres` the soak runs a PostgreSQL server of its own (initdb into a temp folder, `--pg-port`,
 * default 55432, as the postgres user when run as root) holding the hub's database and, unless
 * `--engine-db sqlite`, the engine's: it never touches another server. The sanitation platform's MQTT
 * broker is a Mosquitto of the soak's own too (`--mqtt-port`, default 18830, persistence on), so it can be
 * stopped and started like the other systems.
 *
 * Load: `--rate` reports/s through POST /api/cases (as the acceptor); a 12319 ticket pushed by the
 * hotline simulator and a video alarm pushed by the video simulator every `--ticket-every` s each; a bin
 * of the sanitation platform over its threshold every `--device-every` s (two readings `--debounce`
 * apart by the device's clock, one in three followed by an emptied reading with a photo: 建议结案); a
 * command-centre bot that registers (立案) and dispatches (派遣) every accepted case — to a random unit,
 * the sanitation department (D19: a work order on the platform) or a utility company (its work-order
 * API); the companies' and the platform's crews sign for and dispose of every work order (change feeds,
 * the power company's daily CSV, the platform's external tasks).
 *
 * Afterwards, with every system up again and the load stopped, it waits for the outbox to drain (up to
 * 300 s; every wait from here on is bounded and what did not settle is named, see within()) and checks,
 * printing exact counts: every acknowledged report (201 from the API, 200 `processed` from a
 * webhook, every ticket the hotline holds, every reading the broker acknowledged) is a case with one
 * procedure instance the engine knows; no outbox message is pending, dead, missing at its receiver or
 * received twice; one work order per case at each company and on the platform, every crew change and
 * task recorded; no job other than user tasks left in the engine, no incident. Memory: each hub
 * thread's RSS and V8 heap (bench/soak-memory.mjs, loaded with --import) every 10 s; hub kills stop
 * `--hub-calm-after` minutes into the load (counted from the first hub's ready) so that the last hub
 * process lives long, and its heap's growth over that life is a check. Prints the figures and one JSON line; exit 1 when a check fails.
 *
 *   npx tsx bench/soak.ts [--minutes 30] [--rate 1] [--fault-every 45] [--ticket-every 20]
 *     [--device-every 15] [--db sqlite|postgres] [--engine-db sqlite|postgres] [--kill-db-every 180]
 *     [--hub-calm-after 10] [--seed N]
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import pg from 'pg';
import { createHotlineSimulator } from '../adapters/hotline/simulator/index.ts';
import { startSanitationSimulator } from '../adapters/sanitation/simulator/index.ts';
import { startUtilitySimulator, type UtilitySimulator } from '../adapters/utilities/simulator/index.ts';
import { startVideoSimulator, type Camera } from '../adapters/video/simulator/index.ts';
import { openDb } from '../engine/store/db.ts';
import { createDb } from '../src/db/index.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    rate: { type: 'string', default: '1' },
    'fault-every': { type: 'string', default: '45' },
    'ticket-every': { type: 'string', default: '20' },
    'device-every': { type: 'string', default: '15' },
    debounce: { type: 'string', default: '3' },
    db: { type: 'string', default: 'sqlite' },
    'engine-db': { type: 'string' },
    'kill-db-every': { type: 'string', default: '180' },
    'hub-calm-after': { type: 'string' },
    'pg-port': { type: 'string', default: '55432' },
    'pg-bin': { type: 'string', default: '/usr/lib/postgresql/15/bin' },
    'mqtt-port': { type: 'string', default: '18830' },
    'heap-growth-limit': { type: 'string', default: '1.5' },
    seed: { type: 'string' },
    'log-dir': { type: 'string', default: join(tmpdir(), 'hub-soak-logs') },
  },
});
const MINUTES = Number(values.minutes);
const RATE = Number(values.rate);
const FAULT_EVERY_S = Number(values['fault-every']);
const TICKET_EVERY_S = Number(values['ticket-every']);
const DEVICE_EVERY_S = Number(values['device-every']);
const DEBOUNCE_S = Number(values.debounce);
const POSTGRES = values.db === 'postgres';
const ENGINE_POSTGRES = (values['engine-db'] ?? values.db) === 'postgres';
const KILL_DB_EVERY_S = Number(values['kill-db-every']);
// Hub kills stop here, so that the last hub process lives long enough to say whether memory is flat.
const HUB_CALM_AFTER_MIN = Number(values['hub-calm-after'] ?? Math.ceil(MINUTES / 3));
const HEAP_GROWTH_LIMIT = Number(values['heap-growth-limit']);
if (ENGINE_POSTGRES && !POSTGRES)
  throw new Error('--engine-db postgres needs --db postgres (the soak runs one PostgreSQL server)');
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
const loadavg = async () => (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');

/**
 * `p`, or an error naming `what` once it has not answered within `ms`. The call goes on (a Prisma query or
 * an MQTT publish cannot be cancelled), but the soak does not wait for it: a hung database or simulator
 * ends the run with the name of what hung instead of holding it for ever.
 */
async function within<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
/** An error with its cause: fetch says only "fetch failed", the cause says refused, reset or timed out. */
const described = (err: unknown) =>
  err instanceof Error && err.cause ? `${String(err)} (${message(err.cause)})` : String(err);
/** The bound of one call while settling and checking (a count, a page of the API, a simulator's switch). */
const CALL_MS = 30_000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Runs a program to its end (its own process, not through a shell); throws on a non-zero exit. */
async function run(cmd: string, args: string[], user?: { uid: number; gid: number }): Promise<void> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], ...user });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${code}: ${err.slice(0, 500)}`);
}

const userIds = (name: string) =>
  process.getuid?.() === 0
    ? {
        uid: Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim()),
        gid: Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim()),
      }
    : undefined;

const pidAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Processes whose parent is `pid` (from /proc). */
async function childrenOf(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid …; comm may hold spaces, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid) out.push(Number(name));
  }
  return out;
}

// --- the soak's own PostgreSQL server -------------------------------------------------------------------
/** A throwaway cluster on `port`: started, killed (SIGKILL to every process of it) and started again. */
async function ownPostgres(port: number) {
  const dir = await mkdtemp(join(tmpdir(), 'hub-soak-pg-'));
  const data = join(dir, 'data');
  const user = userIds('postgres');
  if (user) await chown(dir, user.uid, user.gid);
  const bin = (name: string) => join(values['pg-bin']!, name);
  if (await portOpen(port)) throw new Error(`port ${port} is taken: pick another with --pg-port`);
  await run(bin('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale'], user);
  let downs = 0;
  const start = async () => {
    const started = Date.now();
    // pg_ctl leaves the server running in the background; its log goes to a file (no pipe kept open).
    await run(
      bin('pg_ctl'),
      [
        '-D',
        data,
        '-l',
        join(dir, 'server.log'),
        '-w',
        '-t',
        '300',
        '-o',
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200`,
        'start',
      ],
      user,
    );
    return Date.now() - started;
  };
  await start();
  const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
  await admin.connect();
  await admin.query('CREATE DATABASE hub');
  await admin.query('CREATE DATABASE engine');
  await admin.end();
  return {
    url: (db: string) => `postgres://postgres@127.0.0.1:${port}/${db}`,
    get downs() {
      return downs;
    },
    start,
    /** SIGKILL to the postmaster and every backend at once, as a crash of the server would. */
    async kill() {
      const pid = Number((await readFile(join(data, 'postmaster.pid'), 'utf8')).split('\n')[0]);
      const all = [...(await childrenOf(pid)), pid];
      for (const p of all) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      while (all.some(pidAlive)) await sleep(50);
      downs++;
      return all.length;
    },
    async stop() {
      await run(bin('pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], user).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// --- the soak's own MQTT broker -------------------------------------------------------------------------
async function ownMosquitto(port: number) {
  const dir = await mkdtemp(join(tmpdir(), 'hub-soak-mqtt-'));
  const user = userIds('mosquitto');
  if (user) await chown(dir, user.uid, user.gid);
  const conf = join(dir, 'mosquitto.conf');
  // Persistence on, so the hub's persistent session and the QoS 1 messages waiting for it outlive a
  // stop (SIGTERM saves them), as on the platform's broker.
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${dir}/`,
      'autosave_interval 5',
      `log_dest file ${dir}/mosquitto.log`,
      '',
    ].join('\n'),
  );
  if (await portOpen(port)) throw new Error(`port ${port} is taken: pick another with --mqtt-port`);
  let broker: ChildProcess | undefined;
  const start = async () => {
    if (broker && broker.exitCode === null) return; // running
    broker = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
    const child = broker;
    const started = Date.now();
    while (!(await portOpen(port))) {
      if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}`);
      if (Date.now() - started > 30_000) throw new Error('mosquitto did not listen within 30 s');
      await sleep(100);
    }
  };
  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    start,
    async stop() {
      const child = broker;
      broker = undefined;
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await within('mosquitto ending on SIGTERM', CALL_MS, exited).catch(() => {
        child.kill('SIGKILL');
        return exited;
      });
    },
    async close() {
      await this.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
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
const broker = await ownMosquitto(Number(values['mqtt-port']));
const topicPrefix = `soak-${randomBytes(4).toString('hex')}/sanitation`;
// The simulator's own MQTT client is not used (the soak publishes the readings itself, through a client
// that reconnects after the broker's restarts); it connects to the soak's broker once at start.
const sanitation = await startSanitationSimulator({ mqttUrl: broker.url, topicPrefix });

// --- the hub, a child process -------------------------------------------------------------------------
const dataDir = await mkdtemp(join(tmpdir(), 'hub-soak-'));
const csvDir = join(dataDir, 'power-csv');
await mkdir(csvDir, { recursive: true });
const memoryFile = join(dataDir, 'memory.jsonl');
const pgServer = POSTGRES ? await ownPostgres(Number(values['pg-port'])) : undefined;
const databaseUrl = pgServer ? pgServer.url('hub') : `file:${join(dataDir, 'hub.db')}`;
const engineDatabaseUrl =
  pgServer && ENGINE_POSTGRES ? pgServer.url('engine') : `file:${join(dataDir, 'engine.db')}`;
const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  LOG_LEVEL: 'warn',
  DATA_DIR: dataDir,
  DATABASE_URL: databaseUrl,
  ENGINE_DATABASE_URL: engineDatabaseUrl,
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
  UTILITY_POWER_CSV_DIR: csvDir,
  UTILITY_POLL_INTERVAL_MS: '10000',
  SANITATION_MQTT_URL: broker.url,
  SANITATION_TOPIC_PREFIX: topicPrefix,
  SANITATION_MQTT_CLIENT_ID: `soak-hub-${randomBytes(4).toString('hex')}`,
  SANITATION_ENGINE_URL: sanitation.engineUrl,
  SANITATION_DEBOUNCE_SECONDS: String(DEBOUNCE_S),
  ADAPTER_FETCH_ALLOW_PRIVATE: 'true',
  SOAK_MEMORY_FILE: memoryFile,
};

let hub: ChildProcess | undefined;
let hubStarts = 0;
let failedStarts = 0;
const startSeconds: number[] = [];
const hubErrors: Record<string, number> = {};
const hubDied: { at: string; code: number | null; signal: string | null; start: number; tail: string }[] = [];
const logDir = values['log-dir']!;
await mkdir(logDir, { recursive: true });
// Interrupted: the hub, the broker and the database server are the soak's own children; end them.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    log(`${signal}: stopping the hub, the broker and the database server`);
    void (async () => {
      await killHub('SIGKILL');
      await broker.close().catch(() => undefined);
      await pgServer?.stop();
      await rm(dataDir, { recursive: true, force: true });
      process.exit(130);
    })();
  });

async function startHub(): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await startHubOnce();
      return;
    } catch (err) {
      // The database may be down at this moment (a fault of its own): the hub refuses to start
      // without it, and an operator's supervisor would start it again.
      failedStarts++;
      log(`hub start failed (${String(err).slice(0, 1600)}); again in 5 s`);
      await killHub('SIGKILL');
      if (attempt >= 20) throw err;
      await sleep(5_000);
    }
  }
}

async function startHubOnce(): Promise<void> {
  hubStarts++;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', './bench/soak-memory.mjs', 'src/main.ts'],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // The hub's last log lines (warn and above, pino JSON on stdout), to say why it ended.
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      tail.push(line);
      if (tail.length > 30) tail.shift();
      // Errors while a system is down are expected and many: counted by message, printed only when fatal.
      const level = /"level":(\d+)/.exec(line)?.[1];
      if (level === '50' || level === '60') {
        const msg = /"msg":"([^"]*)"/.exec(line)?.[1] ?? '?';
        const component = /"component":"([^"]*)"/.exec(line)?.[1] ?? 'http';
        const key = `${component}: ${msg}`.slice(0, 120);
        hubErrors[key] = (hubErrors[key] ?? 0) + 1;
      }
      if (level === '60' || (!level && /fatal|uncaught/i.test(line))) log(`hub: ${line.slice(0, 600)}`);
    }
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  // Everything the hub wrote, per start, kept after the run (--log-dir).
  const file = createWriteStream(join(logDir, `hub-${hubStarts}.log`));
  child.stdout!.pipe(file);
  child.stderr!.pipe(file);
  // A hub that ends by itself (not a fault of the soak's) is a finding; started again, as a supervisor would.
  let ready = false;
  child.once('exit', (code, signal) => {
    if (hub !== child || !ready) return;
    hub = undefined;
    hubDied.push({
      at: stamp(),
      code,
      signal,
      start: hubStarts,
      tail: tail.slice(-8).join(' | ').slice(0, 3000),
    });
    log(
      `hub ended by itself (code ${code}, signal ${signal}); its last lines: ${tail.slice(-8).join(' | ').slice(0, 3000)}`,
    );
    if (Date.now() < endAt) void startHub().catch((err: unknown) => log(`restart: ${String(err)}`));
  });
  hub = child;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(
        `the hub exited with ${child.exitCode} while starting: ${tail.slice(-5).join(' | ').slice(0, 1500)}`,
      );
    // Bounded: a hub that accepts the connection and never answers must not hold the start for ever.
    const ready = await fetch(`${hubUrl}/readyz`, { signal: AbortSignal.timeout(10_000) }).then(
      (r) => r.status,
      () => 0,
    );
    if (ready === 200) break;
    // A first start on an empty PostgreSQL database (migrations, the demo seed, the deployment) took over
    // 180 s at load 30 on 2 cores.
    if (Date.now() - started > 600_000) throw new Error('the hub did not become ready within 600 s');
    await sleep(250);
  }
  ready = true;
  startSeconds.push((Date.now() - started) / 1000);
  log(`hub ready (start ${hubStarts}, pid ${child.pid}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Ends the running hub with `signal` (SIGKILL after 60 s when it is still there); false when none ran. */
async function killHub(signal: NodeJS.Signals): Promise<boolean> {
  const child = hub;
  if (!child || child.exitCode !== null) return false;
  hub = undefined;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await within(`the hub ending on ${signal}`, 60_000, exited).catch((err: unknown) => {
    log(`${String(err)}; SIGKILL`);
    child.kill('SIGKILL');
    return exited;
  });
  return true;
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
  apiRefusedBy: {} as Record<number, number>,
  apiNoAnswer: 0,
  tickets: 0,
  alarmsSent: 0,
  alarmsAcked: 0,
  devices: 0,
  readingsSent: 0,
  readingsAcked: 0,
  registered: 0,
  dispatched: 0,
  dispatchedTo: {} as Record<string, number>,
  utilityChanges: 0,
  csvFiles: 0,
  crewTasks: 0,
};
const tokens = new Map<string, string>();

/** A request to the hub and its answer's text, within CALL_MS; a failure names the request. */
async function hubFetch(method: string, path: string, init: RequestInit = {}) {
  try {
    const res = await fetch(hubUrl + path, { ...init, method, signal: AbortSignal.timeout(CALL_MS) });
    return { status: res.status, text: await res.text() };
  } catch (err) {
    const why =
      err instanceof Error && err.name === 'TimeoutError'
        ? `no answer within ${CALL_MS / 1000} s`
        : described(err);
    throw new Error(`${method} ${path}: ${why}`, { cause: err });
  }
}

async function token(username: string): Promise<string> {
  let t = tokens.get(username);
  if (t) return t;
  const res = await hubFetch('POST', '/api/auth/login', {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status}`);
  t = (JSON.parse(res.text) as { token: string }).token;
  tokens.set(username, t);
  return t;
}

async function api(method: string, path: string, user: string, body?: unknown) {
  const res = await hubFetch(method, path, {
    headers: { authorization: `Bearer ${await token(user)}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: res.text ? (JSON.parse(res.text) as Record<string, any>) : {} }; // eslint-disable-line @typescript-eslint/no-explicit-any
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
const unitIds = new Map<string, string>();
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
    else {
      counts.apiRefused++;
      counts.apiRefusedBy[res.status] = (counts.apiRefusedBy[res.status] ?? 0) + 1;
    }
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

// The platform's bins: each over its threshold once (a device of its own, so the expected case is known
// whatever the order the hub sees devices in); one in three emptied afterwards with a photo (建议结案).
interface Device {
  deviceId: string;
  episodeStart: string;
  msgIds: string[];
  acked: number;
  closes: boolean;
}
const devices: Device[] = [];
const publisher = mqtt.connect(broker.url, {
  clientId: `soak-devices-${randomBytes(4).toString('hex')}`,
  // A session of its own on the broker, so QoS 1 publishes in flight when the broker stops are sent again.
  clean: false,
  reconnectPeriod: 1000,
});
publisher.on('error', () => undefined);
/** Reports and bins' readings still under way, by what they are (`report 12`, `soak-bin-4's readings`). */
const inFlight = new Map<Promise<void>, string>();

async function device(): Promise<void> {
  counts.devices++;
  const n = counts.devices;
  const t = Date.now();
  const d: Device = {
    deviceId: `soak-bin-${n}`,
    episodeStart: new Date(t).toISOString(),
    msgIds: [],
    acked: 0,
    closes: n % 3 === 0,
  };
  devices.push(d);
  const base = {
    deviceId: d.deviceId,
    kind: 'bin',
    metric: 'fill',
    lng: 120.56,
    lat: 32.38,
    address: '如皋市益寿路',
  };
  const readings = [
    { ...base, msgId: `${d.deviceId}-1`, value: 95, at: new Date(t).toISOString() },
    { ...base, msgId: `${d.deviceId}-2`, value: 97, at: new Date(t + DEBOUNCE_S * 1000).toISOString() },
    ...(d.closes
      ? [
          {
            ...base,
            msgId: `${d.deviceId}-3`,
            value: 5,
            at: new Date(t + 60_000).toISOString(),
            photoUrl: sanitation.photoUrl(`emptied-${n}`),
          },
        ]
      : []),
  ];
  // In order, each after the broker's PUBACK; a publish during a broker stop waits for the reconnect.
  const p = (async () => {
    for (const r of readings) {
      d.msgIds.push(r.msgId);
      counts.readingsSent++;
      await publisher.publishAsync(`${topicPrefix}/devices/${d.deviceId}/telemetry`, JSON.stringify(r), {
        qos: 1,
      });
      d.acked++;
      counts.readingsAcked++;
    }
  })().catch((err: unknown) => log(`device ${d.deviceId}: ${String(err).slice(0, 200)}`));
  const tracked = p.finally(() => inFlight.delete(tracked));
  inFlight.set(tracked, `${d.deviceId}'s readings`);
}

/** The command centre: 立案 every accepted case, 派遣 every registered one to a unit. */
async function commandCentre(): Promise<void> {
  const accepted = await api('GET', '/api/cases?status=accepted&limit=20', 'dispatcher');
  for (const c of (accepted.body.items ?? []) as { id: string }[]) {
    const r = await api('POST', `/api/cases/${c.id}/actions/register`, 'dispatcher', {});
    if (r.status < 300) counts.registered++;
  }
  const registered = await api('GET', '/api/cases?status=registered&limit=20', 'dispatcher');
  for (const c of (registered.body.items ?? []) as { id: string }[]) {
    // Four in ten to a unit working in the hub's pages, two to sanitation (a work order on the platform),
    // four to a utility company (its work-order API).
    const x = random();
    const code = x < 0.4 ? null : x < 0.6 ? 'D19' : pick(['U-WATER', 'U-GAS', 'U-POWER']);
    const assigneeId = code ? unitIds.get(code)! : pick(departmentIds);
    const r = await api('POST', `/api/cases/${c.id}/actions/dispatch`, 'dispatcher', {
      assigneeType: 'department',
      assigneeId,
    });
    if (r.status < 300) {
      counts.dispatched++;
      const key = code ?? 'other';
      counts.dispatchedTo[key] = (counts.dispatchedTo[key] ?? 0) + 1;
    } else if (r.status !== 409)
      log(`dispatch to ${code ?? 'a unit'}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
  }
}

// The companies' and the platform's crews: sign for every work order, then dispose of it with a photo.
const UTILITY_CODES: Record<string, { signed: string; disposed: string }> = {
  water: { signed: '10', disposed: '30' },
  gas: { signed: 'ACCEPTED', disposed: 'DONE' },
  power: { signed: '签收', disposed: '已处理' },
};
const crewStage = new Map<string, 'signed' | 'disposed'>();
const crewTaskOf = new Map<string, string>();
async function crews(): Promise<void> {
  for (const u of utilities) {
    for (const o of u.orders) {
      const key = `${u.company}:${o.orderNo}`;
      const stage = crewStage.get(key);
      if (stage === 'disposed') continue;
      const codes = UTILITY_CODES[u.company]!;
      if (!stage) u.advance(o.orderNo, codes.signed, { note: '已派员' });
      else u.advance(o.orderNo, codes.disposed, { note: '已修复', photo: `fixed-${o.seq}` });
      crewStage.set(key, stage ? 'disposed' : 'signed');
      counts.utilityChanges++;
    }
  }
  const power = utilities.find((u) => u.company === 'power')!;
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  // A new file each time (the company drops one per day; the soak's day is short).
  await power.writeDailyCsv(csvDir, `${day}-${++counts.csvFiles}`);
  for (const order of sanitation.engine.instances) {
    const key = `sanitation:${order.businessKey}`;
    const stage = crewStage.get(key);
    if (stage === 'disposed') continue;
    if (stage === 'signed') {
      // Disposed only once the hub completed the signing, as a crew works: one step after the other.
      const signTask = sanitation.engine.tasks.find((t) => t.id === crewTaskOf.get(key));
      if (signTask?.state !== 'completed') continue;
      sanitation.crewDisposes(order.businessKey, '已清运', `cleared-${order.id}`);
      crewStage.set(key, 'disposed');
    } else {
      crewTaskOf.set(key, sanitation.crewSigns(order.businessKey).id);
      crewStage.set(key, 'signed');
    }
    counts.crewTasks++;
  }
}

// --- faults ---------------------------------------------------------------------------------------------
const faults: Record<string, number> = {};
// The load's start (set when the first hub is ready): the hub-kill window counts from here. Counted from
// the soak's own start it lost the set-up and the first hub start (1–2 min at load 30), so a 10-minute
// window held 2 hub kills in the 30-minute run.
let loadStart = Number.POSITIVE_INFINITY;
let endAt = Number.POSITIVE_INFINITY;
async function fault(): Promise<void> {
  const hubKills =
    Date.now() - loadStart < HUB_CALM_AFTER_MIN * 60_000 ? ['hub-kill', 'hub-kill', 'hub-term'] : [];
  const what = pick([...hubKills, 'hotline', 'video', 'water', 'gas', 'power', 'sanitation', 'mqtt']);
  const downMs = 5_000 + Math.floor(random() * 25_000);
  if (what === 'hub-kill' || what === 'hub-term') {
    // Counted when a hub was there to kill (not while one is still starting after an earlier fault).
    if (!(await killHub(what === 'hub-kill' ? 'SIGKILL' : 'SIGTERM'))) return;
    faults[what] = (faults[what] ?? 0) + 1;
    log(`fault: ${what === 'hub-kill' ? 'SIGKILL' : 'SIGTERM'} the hub`);
    await sleep(Math.floor(random() * 3_000));
    await startHub();
    return;
  }
  faults[what] = (faults[what] ?? 0) + 1;
  log(`fault: ${what} down for ${Math.round(downMs / 1000)} s`);
  if (what === 'hotline') {
    hotline.down(downMs);
    return;
  }
  if (what === 'mqtt') {
    await broker.stop();
    setTimeout(
      () => void broker.start().catch((err: unknown) => log(`mosquitto: ${String(err)}`)),
      downMs,
    ).unref();
    return;
  }
  if (what === 'sanitation') {
    await sanitation.setFaults({ down: true });
    setTimeout(() => void sanitation.setFaults({ down: false }), downMs).unref();
    return;
  }
  const sim = what === 'video' ? video.http : utilities.find((u) => u.company === what)!.http;
  await sim.setDown(true);
  setTimeout(() => void sim.setDown(false), downMs).unref();
}

const dbRestarts: { killed: number; downS: number; recoveryS: number }[] = [];
let dbDown: Promise<void> | undefined;
async function killDb(): Promise<void> {
  if (!pgServer) return;
  const downMs = 3_000 + Math.floor(random() * 17_000);
  const killed = await pgServer.kill();
  log(`fault: PostgreSQL killed (${killed} processes, SIGKILL), down for ${Math.round(downMs / 1000)} s`);
  let done!: () => void;
  dbDown = new Promise((r) => (done = r));
  try {
    await sleep(downMs);
    const ms = await pgServer.start();
    dbRestarts.push({ killed, downS: Math.round(downMs / 1000), recoveryS: Math.round(ms / 100) / 10 });
    log(`PostgreSQL up again (recovery and start ${(ms / 1000).toFixed(1)} s)`);
  } finally {
    dbDown = undefined;
    done();
  }
}

// --- the run --------------------------------------------------------------------------------------------
log(
  `soak: seed ${seed}, ${MINUTES} min, db ${values.db}, engine db ${ENGINE_POSTGRES ? 'postgres' : 'sqlite'}, hub kills until minute ${HUB_CALM_AFTER_MIN}, load avg ${await loadavg()}`,
);
await startHub();
const db = createDb({ DATABASE_URL: databaseUrl, databaseProvider: pgServer ? 'postgresql' : 'sqlite' });
categoryCodes = (
  await db.prisma.category.findMany({ where: { kind: 'event', active: true }, select: { code: true } })
).map((c) => c.code);
departmentIds = (
  await db.prisma.department.findMany({ where: { kind: 'department', active: true }, select: { id: true } })
).map((d) => d.id);
for (const d of await db.prisma.department.findMany({
  where: { code: { in: ['D19', 'U-WATER', 'U-GAS', 'U-POWER'] } },
  select: { id: true, code: true },
}))
  unitIds.set(d.code, d.id);

loadStart = Date.now();
endAt = loadStart + MINUTES * 60_000;
const loops: Promise<void>[] = [];
const every = (ms: number, fn: () => Promise<void>) =>
  loops.push(
    (async () => {
      while (Date.now() < endAt) {
        const next = Date.now() + ms * (0.5 + random());
        await fn().catch((err: unknown) => log(`load: ${described(err).slice(0, 300)}`));
        // Not past the load's end: a --kill-db-every 180 loop slept up to 270 s into the settle.
        await sleep(Math.max(0, Math.min(next, endAt) - Date.now()));
      }
    })(),
  );
// Reports go out at the rate whatever the answers take (a slow hub gets a queue, as in real life).
loops.push(
  (async () => {
    while (Date.now() < endAt) {
      const p = report().finally(() => inFlight.delete(p));
      inFlight.set(p, `report ${reportNo}`);
      await sleep(1000 / RATE);
    }
  })(),
);
every(TICKET_EVERY_S * 1000, ticket);
every(TICKET_EVERY_S * 1000, alarm);
every(DEVICE_EVERY_S * 1000, device);
every(5_000, commandCentre);
every(10_000, crews);
every(FAULT_EVERY_S * 1000, fault);
if (pgServer && KILL_DB_EVERY_S > 0) every(KILL_DB_EVERY_S * 1000, killDb);
const loadSamples: number[] = [];
every(60_000, async () => {
  const l = await loadavg();
  loadSamples.push(Number(l.split(' ')[0]));
  const last = (await readMemory()).filter((m) => m.thread === 0).at(-1);
  log(
    `load: ${JSON.stringify(counts)} acked ${acked.length}, hub RSS ${last ? mb(last.rss) : '?'} MB heap ${last ? mb(last.heapUsed) : '?'} MB, load avg ${l}`,
  );
});
await Promise.all(loops);
log('load stopped; bringing every system up');

// --- settle and check -----------------------------------------------------------------------------------
// Every wait from here on is bounded (within(), the checks' steps): what did not come up, answer or drain
// is named in the log and among the problems, and the run ends.
const SETTLE_MS = 300_000;
/** What did not settle: a system that did not come up, work still under way, a count not reached. */
const unsettled: string[] = [];
const settleStep = (what: string, ms: number, p: Promise<unknown>) =>
  within(what, ms, p).catch((err: unknown) => {
    unsettled.push(message(err));
    log(`settle: ${message(err)}`);
  });
hotline.up();
await settleStep('the video platform coming up', CALL_MS, video.http.setDown(false));
for (const u of utilities)
  await settleStep(`the ${u.company} company coming up`, CALL_MS, u.http.setDown(false));
await settleStep('the sanitation platform coming up', CALL_MS, sanitation.setFaults({ down: false }));
await settleStep('mosquitto starting', CALL_MS, broker.start()); // when still stopped
// A database fault under way: up to 20 s down, then pg_ctl waits up to 300 s for recovery.
if (dbDown) await settleStep('PostgreSQL starting again', 360_000, dbDown);
// 20 tries of up to 600 s each on its own; a hub that is not up in 30 min will not settle anything.
if (!hub) await settleStep('the hub starting again', 1_800_000, startHub());
// Reports under way, and readings published before a broker stop (they wait for its return).
const underWay = within('work under way', 120_000, Promise.all(inFlight.keys())).catch(() => {
  const left = [...inFlight.values()];
  unsettled.push(`${left.length} still under way after 120 s: ${left.slice(0, 10).join(', ')}`);
  log(`settle: ${unsettled.at(-1)}`);
});
await underWay;
log('every system up, waiting for the outbox to drain');
const engineDb = await within('opening the engine database', CALL_MS, openDb(engineDatabaseUrl));
const stuckJobs = async () =>
  (await engineDb.all(
    `SELECT type, state, COUNT(*) AS n FROM zb_job WHERE type <> 'io.camunda.zeebe:userTask' GROUP BY type, state`,
  )) as { type: string; state: string; n: number | string }[];

/** What the hub has still to do, each in words ([] once it has caught up); each read bounded. */
async function stillToDo(): Promise<string[]> {
  const read = <T>(what: string, p: Promise<T>) => within(what, CALL_MS, p);
  const left: string[] = [];
  const pending = await read(
    'the count of pending outbox messages',
    db.prisma.outboxMessage.count({ where: { status: 'pending' } }),
  );
  if (pending) left.push(`${pending} outbox messages pending`);
  const unstarted = await read(
    'the count of cases without an instance',
    db.prisma.case.count({ where: { processInstanceKey: null } }),
  );
  if (unstarted) left.push(`${unstarted} cases without a procedure instance`);
  const hotlineCases = await read(
    'the count of hotline tickets with a case',
    db.prisma.inboxEvent.count({ where: { adapter: 'hotline', caseId: { not: null } } }),
  );
  if (hotlineCases < hotline.tickets.length)
    left.push(
      `${hotline.tickets.length - hotlineCases} of ${hotline.tickets.length} hotline tickets without a case`,
    );
  const readings = await read(
    'the count of bin readings in the inbox',
    db.prisma.inboxEvent.count({ where: { adapter: 'sanitation', sourceId: { startsWith: 'soak-bin-' } } }),
  );
  if (readings < counts.readingsAcked)
    left.push(
      `${counts.readingsAcked - readings} of ${counts.readingsAcked} acknowledged readings not in the inbox`,
    );
  const openTasks = sanitation.engine.tasks.filter((t) => t.state === 'open').length;
  if (openTasks) left.push(`${openTasks} crew tasks open on the sanitation platform`);
  // A FAILED job (an incident) waits for a person: nothing more to wait for.
  const jobs = (await read('the engine jobs left', stuckJobs())).filter((j) => j.state !== 'FAILED');
  if (jobs.length) left.push(`engine jobs left: ${JSON.stringify(jobs)}`);
  return left;
}

const settleStart = Date.now();
let waiting = ['nothing read yet'];
let settled = false;
while (!settled && Date.now() - settleStart < SETTLE_MS) {
  // The bot's and the crews' own errors (a 503 while the hub catches up) are tried again next round.
  const notes: string[] = [];
  await within('the command centre (立案, 派遣)', 60_000, commandCentre()).catch((err: unknown) =>
    notes.push(message(err)),
  );
  await within('the crews', CALL_MS, crews()).catch((err: unknown) => notes.push(message(err)));
  const left = await stillToDo().catch((err: unknown) => [message(err)]);
  waiting = [...left, ...notes];
  settled = left.length === 0;
  if (!settled) await sleep(5_000);
}
const settleSeconds = (Date.now() - settleStart) / 1000;
if (!settled) {
  unsettled.push(`not settled within ${SETTLE_MS / 1000} s: ${waiting.join('; ')}`);
  log(`settle: ${unsettled.at(-1)}`);
}

const problems: string[] = unsettled.map((u) => `did not settle: ${u}`);
// The checks read the store, the engine and the API once more; a step that does not end in 10 min ends
// the run, naming it.
let checkTimer: NodeJS.Timeout | undefined;
/** The end under way (finish()), declared before anything can call it. */
let finishing: Promise<never> | undefined;
function checkStep(what: string) {
  clearTimeout(checkTimer);
  checkTimer = setTimeout(() => {
    log(`checks: ${what} did not end within 10 min; stopping`);
    // The hung step may still use the stores: they close with the process.
    void finish(1, { closeStores: false });
  }, 600_000);
}
checkStep('reading the cases');
if (hubDied.length)
  problems.push(`the hub ended by itself ${hubDied.length} times: ${JSON.stringify(hubDied)}`);
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
// Every case in the store (acknowledged through any door) has one procedure instance: no two cases share
// one, and the engine holds exactly one instance of the case procedure per case.
const allCases = await db.prisma.case.findMany({
  select: { id: true, processInstanceKey: true, source: true, sourceRef: true },
});
const instanceKeys = allCases.map((c) => c.processInstanceKey).filter((k): k is string => !!k);
const sharedInstances = instanceKeys.length - new Set(instanceKeys).size;
if (sharedInstances) problems.push(`${sharedInstances} procedure instances shared by two cases`);
const caseWithoutInstance = allCases.filter((c) => !c.processInstanceKey).length;
if (caseWithoutInstance)
  problems.push(`${caseWithoutInstance} cases (all doors) without a procedure instance`);
checkStep(`asking the API for each case's instance`);
for (const id of caseIds.filter((id) => byId.get(id)?.processInstanceKey)) {
  const res = await api('GET', `/api/cases/${id}/process`, 'administrator').catch(() => ({ status: 0 }));
  if (res.status !== 200) unknownToEngine++;
}
checkStep('reading the engine instances');
// Root instances in the engine, by process: one per case is the whole story (a second instance started
// for a case that already had one would be an orphan the store does not name). Counted in the engine's
// history (zb_q_process_instance: every instance, running or ended, until ENGINE_HISTORY_RETENTION_DAYS,
// which the soak leaves unset), not in zb_process_instance, whose row goes when the instance ends: that
// count missed every case whose procedure had finished.
const rootInstances = (await engineDb.all(
  `SELECT bpmn_process_id AS id, COUNT(*) AS n FROM zb_q_process_instance WHERE parent_pi_key IS NULL GROUP BY bpmn_process_id`,
)) as { id: string; n: number | string }[];
const engineInstances = Object.fromEntries(rootInstances.map((r) => [r.id, Number(r.n)]));
const rootTotal = rootInstances.reduce((n, r) => n + Number(r.n), 0);
if (rootTotal !== allCases.length)
  problems.push(`${rootTotal} root process instances in the engine for ${allCases.length} cases`);
// The instances no case names: whose case they carry (the running variables, or for an ended instance
// the ones it ended with), when they began (to tell a second start from an instance of a case that was
// never committed), and their state with its time: a second instance the case starter cancelled is
// TERMINATED seconds after its start.
const recorded = new Set(instanceKeys);
const roots = (await engineDb.all(
  `SELECT p.key AS key, p.start_ts AS at, p.state AS state, p.end_ts AS "endTs", v.value AS "caseId"
     FROM zb_q_process_instance p
     LEFT JOIN (SELECT scope_key, name, value FROM zb_variable
                UNION ALL SELECT scope_key, name, value FROM zb_q_variable) v
       ON v.scope_key = p.key AND v.name = 'caseId'
    WHERE p.parent_pi_key IS NULL AND p.bpmn_process_id = 'case-disposal'`,
)) as {
  key: string | number;
  at: string | number;
  state: string;
  endTs: string | number | null;
  caseId: string | null;
}[];
const orphans = roots
  .filter((r) => !recorded.has(String(r.key)))
  .map((r) => {
    const caseId = r.caseId ? (JSON.parse(r.caseId) as string) : null;
    const c = allCases.find((x) => x.id === caseId);
    const other = roots.find((x) => c && String(x.key) === c.processInstanceKey);
    return {
      key: String(r.key),
      createdAt: new Date(Number(r.at)).toISOString(),
      state: r.state,
      endedAt: r.endTs === null ? null : new Date(Number(r.endTs)).toISOString(),
      caseId,
      caseExists: !!c,
      caseSource: c?.source,
      recordedKey: c?.processInstanceKey ?? null,
      recordedCreatedAt: other ? new Date(Number(other.at)).toISOString() : null,
    };
  });
if (orphans.length)
  problems.push(
    `${orphans.length} case-disposal instances no case names: ${JSON.stringify(orphans.slice(0, 10))}`,
  );
if (withoutCase) problems.push(`${withoutCase} acknowledged reports have no case`);
if (withoutInstance) problems.push(`${withoutInstance} acknowledged cases have no procedure instance`);
if (unknownToEngine) problems.push(`${unknownToEngine} cases' instances unknown to the engine`);
checkStep('reading the inbox');
// Every ticket the hotline holds became a case (pushed, or polled after a lost push).
const ticketInbox = await db.prisma.inboxEvent.findMany({
  where: { adapter: 'hotline' },
  select: { sourceId: true, caseId: true, status: true },
});
const ticketCases = new Map(ticketInbox.map((e) => [e.sourceId, e]));
// The hotline adapter keeps a ticket's number as `ticket:<no>` (adapters/hotline/index.ts).
const ticketsWithoutCase = hotline.tickets.filter((t) => !ticketCases.get(`ticket:${t.ticketNo}`)?.caseId);
if (ticketsWithoutCase.length) problems.push(`${ticketsWithoutCase.length} hotline tickets have no case`);

// Every reading the broker acknowledged is in the inbox; every device over its threshold is one case.
const readingRows = await db.prisma.inboxEvent.findMany({
  where: { adapter: 'sanitation', sourceId: { startsWith: 'soak-bin-' } },
  select: { sourceId: true, status: true },
});
const readingIds = new Set(readingRows.map((r) => r.sourceId));
const ackedReadings = devices.flatMap((d) => d.msgIds.slice(0, d.acked));
const readingsLost = ackedReadings.filter((id) => !readingIds.has(id)).length;
if (readingsLost) problems.push(`${readingsLost} readings the broker acknowledged never reached the inbox`);
const sanitationCases = allCases.filter((c) => c.source === 'sanitation');
const casesByRef = new Map<string, number>();
for (const c of sanitationCases)
  casesByRef.set(c.sourceRef ?? '', (casesByRef.get(c.sourceRef ?? '') ?? 0) + 1);
const overThreshold = devices.filter((d) => d.acked >= 2);
const devicesWithoutCase = overThreshold.filter(
  (d) => !casesByRef.get(`${d.deviceId}@${d.episodeStart}`),
).length;
const devicesWithTwo = [...casesByRef.values()].filter((n) => n > 1).length;
if (devicesWithoutCase) problems.push(`${devicesWithoutCase} bins over their threshold without a case`);
if (devicesWithTwo) problems.push(`${devicesWithTwo} bin episodes with more than one case`);
const closeProposed = await db.prisma.caseEvent.count({ where: { type: 'close_proposed' } });
const closing = overThreshold.filter((d) => d.closes && d.acked === 3).length;
if (closeProposed !== closing)
  problems.push(`${closeProposed} 建议结案 recorded for ${closing} emptied bins`);

checkStep('reading the outbox');
// 2. The outbox: nothing pending or dead; every delivered hotline message received once (by its id).
const outbox = await db.prisma.outboxMessage.groupBy({ by: ['adapter', 'kind', 'status'], _count: true });
const outboxFigures = Object.fromEntries(outbox.map((o) => [`${o.adapter}/${o.kind}:${o.status}`, o._count]));
const outboxTotal = outbox.reduce((n, o) => n + o._count, 0);
const notDelivered = outbox.filter((o) => o.status !== 'delivered').reduce((n, o) => n + o._count, 0);
if (notDelivered) problems.push(`${notDelivered} outbox messages not delivered`);
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
// Every status change of the companies (feed or CSV row) is in the inbox, none failed.
const changeIds = utilities.flatMap((u) => u.changes.map((c) => `${u.company}:${c.eventId}`));
const changeRows = await db.prisma.inboxEvent.findMany({
  where: { adapter: 'utilities' },
  select: { sourceId: true, status: true },
});
const changeStatus = new Map(changeRows.map((r) => [r.sourceId, r.status]));
const changesMissing = changeIds.filter((id) => !changeStatus.has(id)).length;
const changeFigures: Record<string, number> = {};
for (const r of changeRows) changeFigures[r.status] = (changeFigures[r.status] ?? 0) + 1;
if (changesMissing)
  problems.push(`${changesMissing} of ${changeIds.length} company status changes not in the inbox`);
if (changeFigures.failed) problems.push(`${changeFigures.failed} company status changes failed`);
// The platform: one work order per case, as many as delivered rows; every crew task answered.
const platformKeys = sanitation.engine.instances.map((i) => i.businessKey);
const doublePlatform = platformKeys.length - new Set(platformKeys).size;
if (doublePlatform) problems.push(`${doublePlatform} work orders started twice on the sanitation platform`);
const platformRows = await db.prisma.outboxMessage.count({
  where: { adapter: 'sanitation', kind: 'work_order', status: 'delivered' },
});
if (platformRows !== platformKeys.length)
  problems.push(
    `${platformRows} delivered sanitation work-order rows, ${platformKeys.length} on the platform`,
  );
const taskStates: Record<string, number> = {};
for (const t of sanitation.engine.tasks) taskStates[t.state] = (taskStates[t.state] ?? 0) + 1;
const unanswered = sanitation.engine.tasks.length - (taskStates.completed ?? 0);
if (unanswered) problems.push(`${unanswered} crew tasks not completed: ${JSON.stringify(taskStates)}`);

checkStep('reading the engine jobs and incidents');
// 3. The engine: no job left but user tasks, no incident.
const jobs = await stuckJobs();
const stuck = jobs.reduce((n, j) => n + Number(j.n), 0);
if (stuck) problems.push(`${stuck} jobs left in the engine: ${JSON.stringify(jobs)}`);
const incidents = Number(
  ((await engineDb.all('SELECT COUNT(*) AS n FROM zb_incident')) as { n: number }[])[0]!.n,
);
if (incidents) problems.push(`${incidents} incidents in the engine`);

checkStep('reading the memory samples');
// 4. Memory: RSS and heap per thread, over each hub process's life.
interface Sample {
  pid: number;
  thread: number;
  at: number;
  rss: number;
  heapUsed: number;
}
function mb(bytes: number) {
  return Math.round(bytes / 1048576);
}
async function readMemory(): Promise<Sample[]> {
  const text = await readFile(memoryFile, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Sample);
}
const memory = await readMemory();
const byPid = new Map<number, Sample[]>();
for (const s of memory.filter((s) => s.thread === 0)) byPid.set(s.pid, [...(byPid.get(s.pid) ?? []), s]);
const [longPid, longLife] = [...byPid].sort((a, b) => b[1].length - a[1].length)[0] ?? [0, []];
const engineLife = memory.filter((s) => s.pid === longPid && s.thread !== 0);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
/** Mean of a series over [from, to) minutes of the life. */
const window = (list: Sample[], from: number, to: number, f: (s: Sample) => number) => {
  const start = list[0]?.at ?? 0;
  return mean(list.filter((s) => s.at - start >= from * 60_000 && s.at - start < to * 60_000).map(f));
};
const lifeMinutes = longLife.length ? (longLife.at(-1)!.at - longLife[0]!.at) / 60_000 : 0;
const perMinute = (list: Sample[], f: (s: Sample) => number) => {
  const start = list[0]?.at ?? 0;
  const m = new Map<number, number>();
  for (const s of list) {
    const k = Math.floor((s.at - start) / 60_000);
    m.set(k, Math.max(m.get(k) ?? 0, f(s)));
  }
  return [...m.values()].map(mb).join(' ');
};
// Warm-up: the first 3 minutes of a life (modules, caches, the first sweep of every adapter).
const early = { from: 3, to: 8 };
const late = { from: Math.max(8, lifeMinutes - 5), to: lifeMinutes + 1 };
const heapEarly = window(longLife, early.from, early.to, (s) => s.heapUsed);
const heapLate = window(longLife, late.from, late.to, (s) => s.heapUsed);
const engineHeapEarly = window(engineLife, early.from, early.to, (s) => s.heapUsed);
const engineHeapLate = window(engineLife, late.from, late.to, (s) => s.heapUsed);
const rssEarly = window(longLife, early.from, early.to, (s) => s.rss);
const rssLate = window(longLife, late.from, late.to, (s) => s.rss);
if (lifeMinutes >= 12) {
  if (heapLate > heapEarly * HEAP_GROWTH_LIMIT)
    problems.push(`main heap grew ${mb(heapEarly)} → ${mb(heapLate)} MB over one hub life`);
  if (engineHeapLate > engineHeapEarly * HEAP_GROWTH_LIMIT)
    problems.push(`engine heap grew ${mb(engineHeapEarly)} → ${mb(engineHeapLate)} MB over one hub life`);
}

const figures = {
  db: values.db,
  engineDb: ENGINE_POSTGRES ? 'postgres' : 'sqlite',
  seed,
  minutes: MINUTES,
  rate: RATE,
  hubStarts,
  failedStarts,
  hubStartSeconds: {
    min: Math.min(...startSeconds),
    max: Math.max(...startSeconds),
    median: [...startSeconds].sort((a, b) => a - b)[Math.floor(startSeconds.length / 2)],
  },
  faults,
  hubErrors,
  hubDied: hubDied.length,
  dbRestarts: dbRestarts.length,
  dbRestartDetail: dbRestarts,
  counts,
  acknowledged: acked.length,
  cases: allCases.length,
  casesBySource: Object.fromEntries(
    [...new Set(allCases.map((c) => c.source))].map((s) => [
      s,
      allCases.filter((c) => c.source === s).length,
    ]),
  ),
  engineRootInstances: engineInstances,
  hotlineTickets: hotline.tickets.length,
  hotlineReceived: hotline.received.length,
  hotlineRedeliveries: hotline.redeliveries,
  readings: { sent: counts.readingsSent, acked: ackedReadings.length, inInbox: readingRows.length },
  bins: { overThreshold: overThreshold.length, cases: sanitationCases.length, closeProposed },
  workOrders: { utilities: orders.length, sanitationPlatform: platformKeys.length },
  companyChanges: { sent: changeIds.length, inbox: changeFigures },
  crewTasks: taskStates,
  outboxTotal,
  outbox: outboxFigures,
  engineJobsLeft: jobs,
  incidents,
  settleSeconds: Math.round(settleSeconds),
  longestLife: {
    minutes: Math.round(lifeMinutes * 10) / 10,
    rssMbPerMinute: perMinute(longLife, (s) => s.rss),
    heapMbPerMinute: perMinute(longLife, (s) => s.heapUsed),
    engineHeapMbPerMinute: perMinute(engineLife, (s) => s.heapUsed),
    rssMb: {
      first: mb(longLife[0]?.rss ?? 0),
      last: mb(longLife.at(-1)?.rss ?? 0),
      max: mb(Math.max(0, ...longLife.map((s) => s.rss))),
    },
    meanMb: {
      window: `${early.from}-${early.to} vs ${Math.round(late.from)}-${Math.round(late.to)} min`,
      rss: [mb(rssEarly), mb(rssLate)],
      heap: [mb(heapEarly), mb(heapLate)],
      engineHeap: [mb(engineHeapEarly), mb(engineHeapLate)],
    },
  },
  loadavg: { perMinute1: loadSamples.join(' '), end: await loadavg() },
  problems,
};
clearTimeout(checkTimer);
console.log(JSON.stringify(figures));
for (const p of problems) log(`PROBLEM ${p}`);
log(problems.length ? `${problems.length} checks failed` : 'every check passed');
await finish(problems.length ? 1 : 0);

/**
 * Ends the hub, the simulators, the broker and the database server, each bounded, then the process.
 * Once: the checks' watchdog may call it while the checks go on, which then end here too.
 */
function finish(code: number, { closeStores = true } = {}): Promise<never> {
  return (finishing ??= endAll(code, closeStores));
}
async function endAll(code: number, closeStores: boolean): Promise<never> {
  const end = (what: string, p: () => Promise<unknown>, ms = CALL_MS) =>
    within(what, ms, p()).catch((err: unknown) => log(`end: ${message(err)}`));
  await killHub('SIGTERM'); // SIGKILL after 60 s
  if (closeStores) {
    await end('closing the hub database', () => db.close());
    await end('closing the engine database', () => engineDb.close());
  }
  publisher.end(true);
  await end('the hotline simulator stopping', () => hotline.stop());
  await end('the video simulator closing', () => video.close());
  for (const u of utilities) await end(`the ${u.company} simulator closing`, () => u.close());
  await end('the sanitation simulator closing', () => sanitation.close());
  await end('mosquitto stopping', () => broker.close());
  // pg_ctl stop -w waits 60 s at most on its own.
  await end('PostgreSQL stopping', async () => pgServer?.stop(), 90_000);
  await rm(dataDir, { recursive: true, force: true });
  process.exit(code);
}
