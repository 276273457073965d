import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Writable } from 'node:stream';
import { loadConfig } from '../src/config.ts';
import { createHub } from '../src/hub.ts';
import { createLogger } from '../src/log.ts';
import { call } from './helpers/api.ts';
import { createTestDb } from './helpers/db.ts';
import { limitsFor } from '../src/db/demo-data.ts';
import { demoCells } from '../src/db/demo-geography.ts';

const run = promisify(execFile);

/** The embedded engine on free ports with its state in the test's data dir. */
const embeddedEngineOn = (dataDir: string) => ({
  ENGINE_DATABASE_URL: `file:${join(dataDir, 'engine.db')}`,
  ZEEBE_ADDRESS: '127.0.0.1:0',
  ENGINE_MANAGEMENT_PORT: '0',
});
const root = new URL('..', import.meta.url).pathname;

test('createHub on a fresh data dir migrates, seeds, serves; the demo user logs in; restart keeps data', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'hub-start-'));
  // The database: a file in the fresh data dir (SQLite) or an empty PostgreSQL database of our own.
  const pg = process.env.HUB_TEST_DB === 'postgres' ? await createTestDb({ migrate: false }) : undefined;
  t.teardown(async () => {
    await pg?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });
  const lines: { msg?: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  const config = loadConfig({
    DATA_DIR: dataDir,
    // A folder that does not exist yet: the hub creates it.
    DATABASE_URL: pg ? pg.url : `file:${join(dataDir, 'db', 'hub.db')}`,
    HUB_PORT: '0',
    HUB_SEED_DEMO: 'true',
    ...embeddedEngineOn(dataDir),
  });
  const hub = createHub({ config, logger: createLogger('info', sink) });
  const { url } = await hub.start();
  t.teardown(() => hub.stop());
  t.regex(url, /^http:\/\/127\.0\.0\.1:\d+$/);

  t.deepEqual((await call(url, 'GET', '/healthz')).body, { status: 'ok' });
  t.is((await call(url, 'GET', '/readyz')).status, 200);
  // The generated demo password is in DATA_DIR/demo-password, readable by this user only, and not in the log.
  const passwordFile = join(dataDir, 'demo-password');
  const seeded = lines.find((l) => /demo data seeded/.test(l.msg ?? ''));
  t.is(
    seeded?.msg,
    `demo data seeded; every demo user (user name = role name) has the password written to ${passwordFile}`,
  );
  t.is((await stat(passwordFile)).mode & 0o777, 0o600);
  const password = (await readFile(passwordFile, 'utf8')).trim();
  t.regex(password, /^[\w-]{12}$/);
  t.false(
    lines.some((l) => JSON.stringify(l).includes(password)),
    'the password is in no log line',
  );
  t.truthy(lines.find((l) => l.msg === `hub listening on ${url}`));

  const login = await call(url, 'POST', '/api/auth/login', { body: { username: 'administrator', password } });
  t.is(login.status, 200);
  t.deepEqual(login.body.user.roles, ['administrator']);
  const users = await call(url, 'GET', '/api/users', { token: login.body.token });
  t.is(users.status, 200);
  t.true(users.body.items.length >= 7);
  const departments = await call(url, 'GET', '/api/departments', { token: login.body.token });
  t.true(departments.body.items.length >= 23);

  // Reference data as seeded: categories with every step's limit, grid cells with their polygons.
  const leader = await call(url, 'POST', '/api/auth/login', { body: { username: 'leader', password } });
  const token = leader.body.token;
  const categories = await call(url, 'GET', '/api/categories?kind=event', { token });
  t.is(categories.status, 200);
  t.true(categories.body.items.every((c: { kind: string }) => c.kind === 'event'));
  const water = categories.body.items.find((c: { code: string }) => c.code === '0402');
  t.like(water, { name: '自来水管破裂', majorName: '突发事件', active: true });
  const waterCompany = departments.body.items.find((d: { code: string }) => d.code === 'U-WATER');
  t.is(water.defaultDepartmentId, waterCompany.id);
  t.deepEqual(
    water.limits
      .map((l: { urgency: string; step: string; limitMinutes: number; timeMode: string }) =>
        [l.urgency, l.step, l.limitMinutes, l.timeMode].join('/'),
      )
      .sort(),
    limitsFor({ kind: 'event', code: '0402' })
      .map((l) => [l.urgency, l.step, l.minutes, l.mode].join('/'))
      .sort(),
  );
  const cells = await call(url, 'GET', '/api/grid-cells', { token });
  t.is(cells.body.items.length, demoCells().length);
  t.is(cells.body.items[0].geometry.type, 'Polygon');
  const street = cells.body.items[0].street;
  const oneStreet = await call(url, 'GET', `/api/grid-cells?street=${encodeURIComponent(street)}`, { token });
  t.true(oneStreet.body.items.length > 0);
  t.true(oneStreet.body.items.every((c: { street: string }) => c.street === street));
  const badKind = await call(url, 'GET', '/api/categories?kind=animal', { token });
  t.is(badKind.status, 400);
  t.is(badKind.body.errors[0].field, 'query.kind');

  const secret = await stat(join(dataDir, 'secret'));
  t.is(secret.mode & 0o777, 0o600);

  // The procedures were deployed to the embedded engine and recorded with the engine's keys.
  const versions = await hub.db.prisma.processVersion.findMany({ orderBy: { bpmnProcessId: 'asc' } });
  t.deepEqual(
    versions.map((v) => [v.bpmnProcessId, v.version, v.resourceName]),
    [
      ['ad-permit', 1, 'ad-permit.bpmn'],
      ['assessment', 1, 'assessment.bpmn'],
      ['case-disposal', 1, 'case-disposal.bpmn'],
      ['case-escalation', 1, 'case-escalation.bpmn'],
      ['enforcement', 1, 'enforcement.bpmn'],
    ],
  );
  t.true(versions.every((v) => /^22517998136\d+$/.test(v.engineKey ?? '')));
  const topology = await hub.zeebe.topology();
  t.is(String(topology.brokers[0]?.partitions[0]?.role), 'LEADER');

  // A second start over the same data: no reseeding, the same signing key (the session survives).
  await hub.stop();
  const again = createHub({ config, logger: createLogger('silent') });
  const second = await again.start();
  t.teardown(() => again.stop());
  const me = await call(second.url, 'GET', '/api/auth/me', { token: login.body.token });
  t.is(me.status, 200);
  t.is(me.body.username, 'administrator');
  t.is(
    (await call(second.url, 'POST', '/api/auth/login', { body: { username: 'administrator', password } }))
      .status,
    200,
  );
  // Unchanged procedures are not deployed again on restart.
  t.is(await again.db.prisma.processVersion.count(), 5);
});

test('npm start path: a bad HUB_PORT prints the variable and exits 1 without a stack trace', async (t) => {
  const err = await t.throwsAsync(
    run('npx', ['tsx', 'src/main.ts'], {
      cwd: root,
      env: { ...process.env, HUB_PORT: 'eighty', LOG_LEVEL: 'silent' },
    }),
  );
  const failure = err as unknown as { code: number; stderr: string; stdout: string };
  t.is(failure.code, 1);
  t.is(failure.stderr, 'Invalid configuration:\n  HUB_PORT: expected a TCP port number\n');
  t.is(failure.stdout, '');
});

test('stop() lets an in-flight request finish, then refuses new connections', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'hub-stop-'));
  const pg = process.env.HUB_TEST_DB === 'postgres' ? await createTestDb({ migrate: false }) : undefined;
  t.teardown(async () => {
    await pg?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });
  let entered: () => void = () => {};
  const inside = new Promise<void>((resolve) => (entered = resolve));
  const config = loadConfig({
    DATA_DIR: dataDir,
    DATABASE_URL: pg ? pg.url : `file:${join(dataDir, 'hub.db')}`,
    HUB_PORT: '0',
    HUB_SEED_DEMO: 'false',
    ...embeddedEngineOn(dataDir),
  });
  const hub = createHub({
    config,
    logger: createLogger('silent'),
    // A dependency that answers slowly keeps a /readyz request in flight while the hub stops.
    readinessChecks: [{ name: 'slow', check: () => (entered(), setTimeout(800).then(() => 'ok')) }],
  });
  const { url } = await hub.start();
  const inFlight = call(url, 'GET', '/readyz');
  await inside;
  const stopped = hub.stop();
  const res = await inFlight;
  t.is(res.status, 200);
  t.deepEqual(res.body.checks, { database: 'ok', engine: 'ok', slow: 'ok' });
  await stopped;
  await t.throwsAsync(fetch(url + '/healthz'));
});
