import test from 'ava';
import { randomBytes } from 'node:crypto';
import { createAuth } from '../src/auth/index.ts';
import { createDb } from '../src/db/index.ts';
import { call, createUser, startTestApi, type Reply, type TestApi } from './helpers/api.ts';

// Issue 18 finding 2: the limit was checked before the ~50 ms scrypt and the failure recorded after it,
// so parallel guesses all got hashed. These run the guesses in parallel and count the answers.

const PASSWORD = 'correct horse battery';
const LIMIT = 5;

let hub: TestApi;
test.before(async () => {
  hub = await startTestApi({
    env: {
      AUTH_LOGIN_MAX_ATTEMPTS: String(LIMIT),
      AUTH_LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: '8',
      AUTH_LOGIN_MAX_ATTEMPTS_PER_ADDRESS: '12',
      AUTH_LOGIN_WINDOW_SECONDS: '600',
      HUB_TRUST_PROXY: 'true',
    },
  });
});
test.after.always(async () => hub?.close());

const login = (username: string, password: string, ip: string) =>
  call(hub.base, 'POST', '/api/auth/login', {
    body: { username, password },
    headers: { 'x-forwarded-for': ip },
  });

const tally = (answers: Reply[]) => {
  const by: Record<number, number> = {};
  for (const a of answers) by[a.status] = (by[a.status] ?? 0) + 1;
  return by;
};

test.serial('60 parallel wrong passwords: exactly the limit is hashed, the rest get 429', async (t) => {
  await createUser(hub.db, { username: 'par-a', roles: ['leader'] });
  const answers = await Promise.all(
    Array.from({ length: 60 }, () => login('par-a', 'wrong guess', '10.1.0.1')),
  );
  t.deepEqual(tally(answers), { 401: LIMIT, 429: 60 - LIMIT });
  for (const a of answers.filter((x) => x.status === 429)) {
    t.is(a.body.type, 'https://chengguan-hub.dev/problems/too-many-requests');
    const retryAfter = Number(a.headers.get('retry-after'));
    t.true(retryAfter > 590 && retryAfter <= 600, `Retry-After ${retryAfter}`);
  }
  // Only the admitted attempts reached the hash (the audit trail has one row for each).
  t.is(await hub.db.prisma.loginAttempt.count({ where: { username: 'par-a' } }), LIMIT);
});

test.serial('40 wrong passwords and the right one in parallel: no login beyond the limit', async (t) => {
  await createUser(hub.db, { username: 'par-b', roles: ['leader'] });
  const guesses = Array.from({ length: 40 }, () => login('par-b', 'wrong guess', '10.2.0.1'));
  const right = login('par-b', PASSWORD, '10.2.0.1');
  const answers = await Promise.all([...guesses, right]);
  const by = tally(answers);
  // Exactly LIMIT attempts were admitted (wrong ones 401, the right one 200 only if it was among them).
  t.is((by[401] ?? 0) + (by[200] ?? 0), LIMIT, JSON.stringify(by));
  t.is(by[429], 41 - LIMIT);
  const rows = await hub.db.prisma.loginAttempt.findMany({ where: { username: 'par-b' } });
  t.is(rows.length, LIMIT);
  t.is(rows.filter((r) => r.success).length, answers.at(-1)!.status === 200 ? 1 : 0);
});

test.serial('the per-account limit holds across client addresses', async (t) => {
  await createUser(hub.db, { username: 'par-c', roles: ['leader'] });
  // 20 addresses, 2 guesses each: under the per-address-and-user limit, over the account's 8.
  const answers = await Promise.all(
    Array.from({ length: 40 }, (_, i) => login('par-c', 'wrong guess', `10.3.0.${i % 20}`)),
  );
  t.deepEqual(tally(answers), { 401: 8, 429: 32 });
  // The right password from a fresh address waits too.
  t.is((await login('par-c', PASSWORD, '10.3.1.1')).status, 429);
});

test.serial('the per-address limit holds across user names', async (t) => {
  // 24 different (unknown) user names from one address: 12 hashed, 12 refused.
  const answers = await Promise.all(
    Array.from({ length: 24 }, (_, i) => login(`nobody-${i}`, 'wrong guess', '10.4.0.1')),
  );
  t.deepEqual(tally(answers), { 401: 12, 429: 12 });
  // Another address is not affected.
  await createUser(hub.db, { username: 'par-d', roles: ['leader'] });
  t.is((await login('par-d', PASSWORD, '10.4.0.2')).status, 200);
});

test.serial(
  'behind one trusted proxy, a client rotating its own X-Forwarded-For is still limited',
  async (t) => {
    await createUser(hub.db, { username: 'par-f', roles: ['leader'] });
    // The proxy appends the address it saw (10.6.0.1) to whatever the client sent.
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => login('par-f', 'wrong guess', `203.0.113.${i}, 10.6.0.1`)),
    );
    t.deepEqual(tally(answers), { 401: LIMIT, 429: 12 - LIMIT });
    const ips = await hub.db.prisma.loginAttempt.findMany({ where: { username: 'par-f' }, distinct: ['ip'] });
    t.deepEqual(
      ips.map((a) => a.ip),
      ['10.6.0.1'],
    );
  },
);

test.serial('two hub processes on one database share the count', async (t) => {
  await createUser(hub.db, { username: 'par-e', roles: ['leader'] });
  // A second process: its own database client and auth service over the same database.
  const db2 = createDb({ DATABASE_URL: hub.dbUrl, databaseProvider: hub.db.provider });
  t.teardown(() => db2.close());
  const auth2 = createAuth({ db: db2, config: hub.config, key: randomBytes(32) });
  const viaHttp = Array.from({ length: 15 }, () => login('par-e', 'wrong guess', '10.5.0.1'));
  const direct = Array.from({ length: 15 }, () =>
    auth2.login({ username: 'par-e', password: 'wrong guess', ip: '10.5.0.1' }).then(
      () => 200,
      (err: { status: number }) => err.status,
    ),
  );
  const statuses = [...(await Promise.all(viaHttp)).map((r) => r.status), ...(await Promise.all(direct))];
  t.is(statuses.filter((s) => s === 401).length, LIMIT);
  t.is(statuses.filter((s) => s === 429).length, 30 - LIMIT);
});
