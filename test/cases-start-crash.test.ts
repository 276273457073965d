// A case start survives a crash (src/cases/start.ts): a real hub process (src/main.ts, as `npm start`
// runs it, with the embedded engine) is killed with SIGKILL at a random moment of a burst of reports
// and started again on the same databases. Every report the client saw acknowledged, and every
// report it retries with its Idempotency-Key, ends as a case with exactly one case-disposal instance,
// and no case is left without one (the start intent committed with the case; the reconciler and the
// retry's look-up by caseId create each instance once). Runs on the database HUB_TEST_DB names.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { createTestDb } from './helpers/db.ts';
import { createDb } from '../src/db/index.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const PASSWORD = 'crash-test-Pa55';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Answer {
  status: number;
  body: { id?: string; processInstanceKey?: string | null } & Record<string, unknown>;
}

async function post(url: string, token: string, key: string, body: unknown): Promise<Answer> {
  const res = await fetch(`${url}/api/cases`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': key },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

test('SIGKILL during a burst of reports: every acknowledged case ends with exactly one instance, none without', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'hub-crash-'));
  const pg = process.env.HUB_TEST_DB === 'postgres' ? await createTestDb({ migrate: false }) : undefined;
  const [httpPort, gatewayPort, managementPort] = [await freePort(), await freePort(), await freePort()];
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    DATABASE_URL: pg ? pg.url : `file:${join(dataDir, 'hub.db')}`,
    ENGINE_DATABASE_URL: `file:${join(dataDir, 'engine.db')}`,
    HUB_PORT: String(httpPort),
    ZEEBE_ADDRESS: `127.0.0.1:${gatewayPort}`,
    ENGINE_MANAGEMENT_PORT: String(managementPort),
    HUB_SEED_DEMO: 'true',
    HUB_DEMO_PASSWORD: PASSWORD,
    SIMULATORS: 'false',
    LOG_LEVEL: 'error',
    // A crashed attempt's intent is taken over after 2 s (default 15 s), looked for every 300 ms.
    CASE_START_CLAIM_MS: '2000',
    CASE_OUTBOX_RETRY_MS: '300',
  };
  const url = `http://127.0.0.1:${httpPort}`;
  const engineRest = `http://127.0.0.1:${managementPort}`;
  let child: ChildProcess | undefined;
  let stderr = '';
  t.teardown(async () => {
    child?.kill('SIGKILL');
    await pg?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function startHub(): Promise<string> {
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString('utf8')).slice(-4000)));
    const end = Date.now() + 60_000;
    for (;;) {
      const ready = await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (child.exitCode !== null || Date.now() > end) throw new Error(`the hub did not start: ${stderr}`);
      await sleep(100);
    }
    const login = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'acceptor', password: PASSWORD }),
    });
    if (!login.ok) throw new Error(`login: ${login.status} ${await login.text()}`);
    return ((await login.json()) as { token: string }).token;
  }

  async function kill() {
    const c = child!;
    const exited = new Promise((resolve) => c.once('exit', resolve));
    c.kill('SIGKILL');
    await exited;
  }

  const report = (i: number) => ({
    source: 'supervisor',
    categoryKind: 'event',
    categoryCode: '0102',
    urgency: 'normal',
    description: `暴露垃圾 ${i}`,
    address: '如皋市海阳路',
  });
  /** What the client saw per Idempotency-Key: the acknowledged case, or nothing (the hub died first). */
  const acknowledged = new Map<string, string>();
  const sent = new Set<string>();
  let next = 0;

  /** Eight clients report until the hub dies at a random moment (after at least a few answers). */
  async function burst(token: string, round: number) {
    let dead = false;
    const client = async () => {
      while (!dead) {
        const i = next++;
        const key = `crash-${round}-${i}`;
        sent.add(key);
        try {
          const res = await post(url, token, key, report(i));
          if (res.status === 201 || res.status === 200) acknowledged.set(key, res.body.id!);
          else if (res.status !== 503)
            throw new Error(`report ${key}: ${res.status} ${JSON.stringify(res.body)}`);
        } catch (err) {
          if (!dead) throw err;
        }
      }
    };
    const clients = Array.from({ length: 8 }, client);
    const before = acknowledged.size;
    while (acknowledged.size < before + 3) await sleep(20);
    await sleep(Math.floor(Math.random() * 1200));
    dead = true;
    await kill();
    await Promise.allSettled(clients);
  }

  const started = Date.now();
  const lap = (what: string) => t.log(`${what}: ${Date.now() - started} ms`);
  let token = await startHub();
  lap('started');
  await burst(token, 1);
  const answeredBeforeKill = acknowledged.size;
  token = await startHub();
  lap('killed and started again');

  // The client retries what it never saw answered: each answer names a case whose procedure runs.
  for (const key of sent) {
    if (acknowledged.has(key)) continue;
    const res = await post(url, token, key, report(0));
    t.true(res.status === 200 || res.status === 201, `${key}: ${res.status} ${JSON.stringify(res.body)}`);
    t.truthy(res.body.processInstanceKey, `${key} answered without its procedure`);
    acknowledged.set(key, res.body.id!);
  }
  const config = loadConfig({ ...env });
  const db = createDb(config, { log: createLogger('silent') });
  t.teardown(() => db.prisma.$disconnect());
  const ours = await db.prisma.case.findMany({
    where: { idempotencyKey: { contains: ':crash-' } },
    select: { id: true, idempotencyKey: true, processInstanceKey: true },
  });
  t.is(ours.length, acknowledged.size, 'one case per Idempotency-Key');
  t.deepEqual(
    ours.map((c) => c.id).sort(),
    [...acknowledged.values()].sort(),
    'the acknowledged cases are the cases',
  );
  t.deepEqual(
    ours.filter((c) => !c.processInstanceKey).map((c) => c.idempotencyKey),
    [],
    'no case without its procedure',
  );
  // Exactly one case-disposal instance per case, and it is the one the case records.
  for (const c of ours) {
    const res = await fetch(`${engineRest}/v2/process-instances/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        filter: {
          processDefinitionId: 'case-disposal',
          variables: [{ name: 'caseId', value: JSON.stringify(c.id) }],
        },
      }),
    });
    const found = (await res.json()) as { items: { processInstanceKey: string }[] };
    t.deepEqual(
      found.items.map((i) => i.processInstanceKey),
      [c.processInstanceKey],
      `instances of case ${c.idempotencyKey}`,
    );
  }
  const all = (await (
    await fetch(`${engineRest}/v2/process-instances/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ filter: { processDefinitionId: 'case-disposal' }, page: { limit: 10000 } }),
    })
  ).json()) as { page: { totalItems: number } };
  const withInstance = await db.prisma.case.count({ where: { processInstanceKey: { not: null } } });
  t.is(all.page.totalItems, withInstance, 'no instance without a case');
  t.log({ reports: sent.size, answeredBeforeKill, cases: ours.length });
});
