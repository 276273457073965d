import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { call, createUser, startTestApi, type TestApi } from './helpers/api.ts';

const PASSWORD = 'correct horse battery';
// How long the hub remembers a session it has read (AUTH_SESSION_CACHE_MS).
const SESSION_CACHE_MS = 1000;

let hub: TestApi;
test.before(async () => {
  hub = await startTestApi({
    env: {
      AUTH_LOGIN_MAX_ATTEMPTS: '3',
      AUTH_LOGIN_WINDOW_SECONDS: '60',
      AUTH_SESSION_CACHE_MS: String(SESSION_CACHE_MS),
    },
  });
  await createUser(hub.db, { username: 'alice', roles: ['dispatcher', 'acceptor'] });
  await createUser(hub.db, { username: 'admin', roles: ['administrator'] });
  await createUser(hub.db, { username: 'gone', roles: ['leader'], active: false });
});
test.after.always(async () => hub?.close());

const login = (username: string, password: string) =>
  call(hub.base, 'POST', '/api/auth/login', { body: { username, password } });

// Logins are counted before the password is checked, so the tests running at once share one
// administrator session rather than all logging in at the same moment against a limit of 3.
let adminSession: Promise<string> | undefined;
const adminToken = () => (adminSession ??= login('admin', PASSWORD).then((res) => res.body.token as string));

test('login returns a bearer token that /api/auth/me accepts', async (t) => {
  const res = await login('alice', PASSWORD);
  t.is(res.status, 200);
  t.regex(res.body.token, /^s1\.[^.]+\.\d+\.[A-Za-z0-9_-]{43}$/);
  const ttl = Date.parse(res.body.expiresAt) - Date.now();
  t.true(ttl > 8 * 3600 * 1000 - 60_000 && ttl <= 8 * 3600 * 1000, `ttl ${ttl}`);
  t.deepEqual([...res.body.user.roles].sort(), ['acceptor', 'dispatcher']);
  const me = await call(hub.base, 'GET', '/api/auth/me', { token: res.body.token });
  t.is(me.status, 200);
  t.is(me.body.username, 'alice');
  t.is(me.body.kind, 'person');
  t.deepEqual([...me.body.roles].sort(), ['acceptor', 'dispatcher']);
  t.is(me.body.departmentId, null);
});

test('wrong password, unknown user and inactive user get the same 401', async (t) => {
  const answers = await Promise.all([
    login('admin', 'wrong password'),
    login('nobody-here', PASSWORD),
    login('gone', PASSWORD),
  ]);
  for (const res of answers) {
    t.is(res.status, 401);
    t.is(res.headers.get('content-type'), 'application/problem+json');
    t.is(res.body.type, 'https://chengguan-hub.dev/problems/unauthenticated');
    t.is(res.body.detail, 'invalid username or password');
    t.is(res.headers.get('www-authenticate'), 'Bearer');
  }
});

test('failed logins are limited per user name and address, with Retry-After, and recorded as rows', async (t) => {
  await createUser(hub.db, { username: 'bob', roles: ['leader'] });
  const firstFailure = Date.now();
  for (let i = 0; i < 3; i++) t.is((await login('bob', 'nope')).status, 401);
  const limited = await login('bob', PASSWORD); // even the right password waits
  t.is(limited.status, 429);
  t.is(limited.body.type, 'https://chengguan-hub.dev/problems/too-many-requests');
  const retryAfter = Number(limited.headers.get('retry-after'));
  // The wait ends when the first failure leaves the 60 s window.
  const remaining = 60 - (Date.now() - firstFailure) / 1000;
  t.true(retryAfter >= Math.floor(remaining) && retryAfter <= 60, `Retry-After ${retryAfter}`);
  t.is(limited.body.retryAfter, retryAfter);
  // Another user from the same address is not affected.
  t.is((await login('alice', PASSWORD)).status, 200);
  const rows = await hub.db.prisma.loginAttempt.findMany({ where: { username: 'bob' } });
  t.deepEqual(
    rows.map((r) => r.success),
    [false, false, false],
  );
  t.is(rows[0]!.ip, '127.0.0.1');
});

test('a successful login resets the failure count', async (t) => {
  await createUser(hub.db, { username: 'carol', roles: ['leader'] });
  t.is((await login('carol', 'nope')).status, 401);
  t.is((await login('carol', 'nope')).status, 401);
  t.is((await login('carol', PASSWORD)).status, 200);
  t.is((await login('carol', 'nope')).status, 401);
  t.is((await login('carol', 'nope')).status, 401);
  t.is((await login('carol', PASSWORD)).status, 200);
});

test('logout revokes the session: the same token then gets 401', async (t) => {
  await createUser(hub.db, { username: 'lou', roles: ['leader'] });
  const { body } = await login('lou', PASSWORD);
  t.is((await call(hub.base, 'POST', '/api/auth/logout', { token: body.token })).status, 204);
  const after = await call(hub.base, 'GET', '/api/auth/me', { token: body.token });
  t.is(after.status, 401);
  t.is(after.body.detail, 'invalid, expired or revoked token');
  const session = await hub.db.prisma.session.findFirst({ where: { revokedAt: { not: null } } });
  t.truthy(session);
});

test('a tampered, forged or garbage token gets 401; a missing header gets 401', async (t) => {
  const [v, id, exp, mac] = (await adminToken()).split('.');
  const later = `${v}.${id}.${Number(exp) + 3600}.${mac}`; // extend the expiry without the key
  for (const token of [later, `${v}.${id}.${exp}.${'A'.repeat(43)}`, 'garbage', 'cgh_nottoken']) {
    const res = await call(hub.base, 'GET', '/api/auth/me', { token });
    t.is(res.status, 401, token);
  }
  const none = await call(hub.base, 'GET', '/api/auth/me');
  t.is(none.status, 401);
  t.is(none.body.detail, 'authentication required');
  const basic = await call(hub.base, 'GET', '/api/auth/me', {
    headers: { authorization: 'Basic YWxpY2U6eA==' },
  });
  t.is(basic.status, 401);
});

test('an expired session token gets 401', async (t) => {
  const short = await startTestApi({ env: { AUTH_TOKEN_TTL_SECONDS: '5' } });
  t.teardown(() => short.close());
  await createUser(short.db, { username: 'dave', roles: ['leader'] });
  const { body } = await call(short.base, 'POST', '/api/auth/login', {
    body: { username: 'dave', password: PASSWORD },
  });
  t.is((await call(short.base, 'GET', '/api/auth/me', { token: body.token })).status, 200);
  await sleep(Date.parse(body.expiresAt) - Date.now() + 200);
  const res = await call(short.base, 'GET', '/api/auth/me', { token: body.token });
  t.is(res.status, 401);
  t.is(res.body.detail, 'invalid or expired token');
});

test('deactivating a user ends their sessions; a password change too', async (t) => {
  const admin = await adminToken();
  const id = await createUser(hub.db, { username: 'erin', roles: ['field_supervisor'] });
  const first = (await login('erin', PASSWORD)).body.token;
  const pw = await call(hub.base, 'PATCH', `/api/users/${id}`, {
    token: admin,
    body: { password: 'new password 1' },
  });
  t.is(pw.status, 200);
  t.is((await call(hub.base, 'GET', '/api/auth/me', { token: first })).status, 401);
  t.is((await login('erin', PASSWORD)).status, 401);
  const second = (await login('erin', 'new password 1')).body.token;
  t.is((await call(hub.base, 'GET', '/api/auth/me', { token: second })).status, 200);
  const off = await call(hub.base, 'PATCH', `/api/users/${id}`, { token: admin, body: { active: false } });
  t.is(off.status, 200);
  t.false(off.body.active);
  t.is((await call(hub.base, 'GET', '/api/auth/me', { token: second })).status, 401);
});

test('administrators create users with roles, change roles; duplicates and bad fields are refused', async (t) => {
  const admin = await adminToken();
  const created = await call(hub.base, 'POST', '/api/users', {
    token: admin,
    body: { username: 'frank', displayName: '张三', password: 'cobalt ferry 83', roles: ['dispatcher'] },
  });
  t.is(created.status, 201);
  t.like(created.body, {
    username: 'frank',
    displayName: '张三',
    kind: 'person',
    roles: ['dispatcher'],
    active: true,
  });
  t.false('passwordHash' in created.body);
  const frank = (await login('frank', 'cobalt ferry 83')).body.token;
  t.is((await call(hub.base, 'GET', '/api/users', { token: frank })).status, 403);

  const changed = await call(hub.base, 'PATCH', `/api/users/${created.body.id}`, {
    token: admin,
    body: { roles: ['shift_leader', 'leader'] },
  });
  t.deepEqual(changed.body.roles, ['leader', 'shift_leader']);
  t.deepEqual((await call(hub.base, 'GET', '/api/auth/me', { token: frank })).body.roles.sort(), [
    'leader',
    'shift_leader',
  ]);

  const dup = await call(hub.base, 'POST', '/api/users', {
    token: admin,
    body: { username: 'frank', displayName: 'x', password: 'lamp tide 47 river', roles: [] },
  });
  t.is(dup.status, 409);
  const bad = await call(hub.base, 'POST', '/api/users', {
    token: admin,
    body: { username: 'g', displayName: '', roles: ['emperor'], departmentId: 'nope' },
  });
  t.is(bad.status, 400);
  t.deepEqual(bad.body.errors.map((e: { field: string }) => e.field).sort(), [
    'body.displayName',
    'body.roles.0',
    'body.username',
  ]);
  const noPassword = await call(hub.base, 'POST', '/api/users', {
    token: admin,
    body: { username: 'gina', displayName: 'G' },
  });
  t.deepEqual(noPassword.body.errors, [{ field: 'body.password', message: 'a person needs a password' }]);
  const dept = await call(hub.base, 'POST', '/api/users', {
    token: admin,
    body: { username: 'gina', displayName: 'G', password: 'Rugao-bridge-47', departmentId: 'no-such-dept' },
  });
  t.is(dept.status, 400);
  t.deepEqual(dept.body.errors, [{ field: 'body.departmentId', message: 'no department no-such-dept' }]);
  const list = await call(hub.base, 'GET', '/api/users', { token: admin });
  t.true(list.body.items.some((u: { username: string }) => u.username === 'frank'));
  t.is((await call(hub.base, 'GET', '/api/users/nope', { token: admin })).status, 404);
});

test('password policy: too short, containing the user name, common or weak is refused naming the rule (zh-CN); nothing stored', async (t) => {
  const admin = await adminToken();
  const create = (username: string, password: string) =>
    call(hub.base, 'POST', '/api/users', {
      token: admin,
      body: { username, displayName: '李四', password, roles: ['acceptor'] },
    });
  const cases: [string, string, string, string][] = [
    ['ivan', 'short pw', 'length', '密码至少 10 个字符，现在只有 8 个'],
    ['ivan', 'IVAN-river-2026', 'username', '密码不能是用户名，也不能包含用户名'],
    ['ivan', 'iloveyou12', 'common', '这是常见密码，很容易被猜中，请换一个'],
    ['ivan', 'Password1!', 'strength', '密码太容易被猜中（强度 1/4，至少要 3）'],
  ];
  for (const [username, password, rule, message] of cases) {
    const res = await create(username, password);
    t.is(res.status, 400, password);
    t.is(res.headers.get('content-type'), 'application/problem+json');
    t.is(res.body.rule, rule, password);
    t.is(res.body.errors.length, 1);
    t.is(res.body.errors[0].field, 'body.password');
    t.true(res.body.errors[0].message.startsWith(message), res.body.errors[0].message);
    t.is(res.body.detail, `密码不符合要求：${res.body.errors[0].message}`);
  }
  t.is(await hub.db.prisma.user.count({ where: { username: 'ivan' } }), 0);

  // The same rules for a new password given to an existing user; the old one keeps working.
  const ivan = await create('ivan', 'cobalt ferry 83');
  t.is(ivan.status, 201);
  const weak = await call(hub.base, 'PATCH', `/api/users/${ivan.body.id}`, {
    token: admin,
    body: { password: 'ivan12345678' },
  });
  t.is(weak.status, 400);
  t.is(weak.body.rule, 'username');
  t.is((await login('ivan', 'cobalt ferry 83')).status, 200);
});

test('API tokens: created for a service account, shown once, stored hashed, used as Bearer, revoked', async (t) => {
  const admin = await adminToken();
  const svc = await call(hub.base, 'POST', '/api/users', {
    token: admin,
    body: { username: 'hotline-adapter', displayName: '12319 adapter', kind: 'service', roles: ['service'] },
  });
  t.is(svc.status, 201);
  t.is((await login('hotline-adapter', 'anything at all')).status, 401); // no password login

  const created = await call(hub.base, 'POST', `/api/users/${svc.body.id}/tokens`, {
    token: admin,
    body: { name: 'production' },
  });
  t.is(created.status, 201);
  const token: string = created.body.token;
  t.regex(token, /^cgh_[A-Za-z0-9_-]{43}$/);
  t.is(created.body.prefix, token.slice(0, 10));
  const row = await hub.db.prisma.apiToken.findUniqueOrThrow({ where: { id: created.body.id } });
  t.not(row.tokenHash, token);
  t.regex(row.tokenHash, /^[0-9a-f]{64}$/);

  const me = await call(hub.base, 'GET', '/api/auth/me', { token });
  t.is(me.status, 200);
  t.like(me.body, { username: 'hotline-adapter', kind: 'service', roles: ['service'] });
  t.is((await call(hub.base, 'GET', '/api/users', { token })).status, 403);
  t.is((await call(hub.base, 'POST', '/api/auth/logout', { token })).status, 400);

  const listed = await call(hub.base, 'GET', `/api/users/${svc.body.id}/tokens`, { token: admin });
  t.is(listed.body.items.length, 1);
  t.false('token' in listed.body.items[0]);
  t.not(listed.body.items[0].lastUsedAt, null);

  const revoked = await call(hub.base, 'DELETE', `/api/users/${svc.body.id}/tokens/${created.body.id}`, {
    token: admin,
  });
  t.is(revoked.status, 204);
  t.is((await call(hub.base, 'GET', '/api/auth/me', { token })).status, 401);
  t.is(
    (await call(hub.base, 'DELETE', `/api/users/${svc.body.id}/tokens/nope`, { token: admin })).status,
    404,
  );
  // People log in; they get no API tokens.
  const alice = await hub.db.prisma.user.findUniqueOrThrow({ where: { username: 'alice' } });
  const refused = await call(hub.base, 'POST', `/api/users/${alice.id}/tokens`, {
    token: admin,
    body: { name: 'x' },
  });
  t.is(refused.status, 400);
});

test('an expired API token gets 401', async (t) => {
  const id = await createUser(hub.db, {
    username: 'sanitation-adapter',
    kind: 'service',
    roles: ['service'],
  });
  const { id: tokenId, token } = await hub.auth.createApiToken(id, {
    name: 'short',
    expiresAt: new Date(Date.now() + 3600_000),
  });
  t.is((await call(hub.base, 'GET', '/api/auth/me', { token })).status, 200);
  // Time passes: the expiry is now a second ago.
  await hub.db.prisma.apiToken.update({
    where: { id: tokenId },
    data: { expiresAt: new Date(Date.now() - 1000) },
  });
  t.is((await call(hub.base, 'GET', '/api/auth/me', { token })).status, 401);
});

test('a session expired in the database (by another instance) gets 401 within AUTH_SESSION_CACHE_MS', async (t) => {
  const id = await createUser(hub.db, { username: 'kate', roles: ['leader'] });
  const { sessionId, token } = await hub.auth.issueSession(id);
  t.is((await call(hub.base, 'GET', '/api/auth/me', { token })).status, 200);
  const changed = Date.now();
  await hub.db.prisma.session.update({
    where: { id: sessionId },
    data: { expiresAt: new Date(Date.now() - 1000) },
  });
  // The hub may answer from the session it remembers until the cache time is over, not after.
  let status = 200;
  while (status === 200 && Date.now() - changed < 10_000) {
    status = (await call(hub.base, 'GET', '/api/auth/me', { token })).status;
    if (status === 200) await sleep(50);
  }
  t.is(status, 401);
  const took = Date.now() - changed;
  t.true(took <= SESSION_CACHE_MS + 2000, `401 after ${took} ms`);
});

test('behind a trusted proxy the rate limit keys on X-Forwarded-For; untrusted, the header is ignored', async (t) => {
  const proxied = await startTestApi({
    env: { HUB_TRUST_PROXY: 'true', AUTH_LOGIN_MAX_ATTEMPTS: '2' },
  });
  t.teardown(() => proxied.close());
  await createUser(proxied.db, { username: 'ivan', roles: ['leader'] });
  const from = (ip: string, password: string) =>
    call(proxied.base, 'POST', '/api/auth/login', {
      body: { username: 'ivan', password },
      headers: { 'x-forwarded-for': ip },
    });
  t.is((await from('10.0.0.1', 'nope')).status, 401);
  t.is((await from('10.0.0.1', 'nope')).status, 401);
  t.is((await from('10.0.0.1', PASSWORD)).status, 429);
  t.is((await from('10.0.0.2', PASSWORD)).status, 200);
  const ips = await proxied.db.prisma.loginAttempt.findMany({
    where: { username: 'ivan' },
    orderBy: { at: 'asc' },
  });
  t.deepEqual(
    ips.map((a) => a.ip),
    ['10.0.0.1', '10.0.0.1', '10.0.0.2'],
  );

  // The shared harness does not trust proxies: a forged header changes nothing.
  await createUser(hub.db, { username: 'judy', roles: ['leader'] });
  await call(hub.base, 'POST', '/api/auth/login', {
    body: { username: 'judy', password: 'nope' },
    headers: { 'x-forwarded-for': '10.9.9.9' },
  });
  const row = await hub.db.prisma.loginAttempt.findFirstOrThrow({ where: { username: 'judy' } });
  t.is(row.ip, '127.0.0.1');
});
