/**
 * The engine's bearer token (ENGINE_AUTH_TOKEN, issue 18): with it set, the gateway answers only calls that
 * carry it (the real Zeebe client with CAMUNDA_AUTH_STRATEGY=BEARER, as the hub sends it), the REST API and
 * the clock endpoints only requests with it, health stays open for probes; without a token the engine
 * refuses to listen on an address other machines can reach.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { startStandaloneEngine } from '../engine/standalone.ts';
import { createLogger } from '../src/log.ts';
import { createZeebeClient } from '../src/zeebe.ts';
import { startTestEngine, type TestEngine } from './helpers/engine.ts';

const TOKEN = 'f'.repeat(24) + '0123456789abcdef';
const bearer = { CAMUNDA_AUTH_STRATEGY: 'BEARER', CAMUNDA_OAUTH_TOKEN: TOKEN };
let te: TestEngine;

test.before(async () => {
  te = await startTestEngine({ authToken: TOKEN, clientConfig: bearer });
});
test.after.always(async () => {
  await te?.close();
});

test('a client with the token works; without it or with another one the gateway answers UNAUTHENTICATED', async (t) => {
  const topology = await te.zbc.topology();
  t.is(topology.brokers.length, 1);
  for (const settings of [
    { CAMUNDA_AUTH_STRATEGY: 'NONE' },
    { ...bearer, CAMUNDA_OAUTH_TOKEN: 'x'.repeat(40) },
  ]) {
    const err = await t.throwsAsync(te.newClient(settings).topology());
    t.is((err as { code?: number }).code, 16, (err as Error).message);
    t.regex((err as Error).message, /bearer token/);
  }
});

test("the hub's own client sends the token it is configured with", async (t) => {
  const config = {
    ZEEBE_ADDRESS: te.address,
    ZEEBE_SECURE: false,
    ZEEBE_CLIENT_ID: undefined,
    ZEEBE_CLIENT_SECRET: undefined,
    ZEEBE_AUTHORIZATION_SERVER_URL: undefined,
    ZEEBE_TOKEN_AUDIENCE: undefined,
  };
  const withToken = createZeebeClient({ ...config, ENGINE_AUTH_TOKEN: TOKEN });
  const without = createZeebeClient({ ...config, ENGINE_AUTH_TOKEN: undefined });
  try {
    t.is((await withToken.topology()).brokers.length, 1);
    t.is(((await t.throwsAsync(without.topology())) as { code?: number }).code, 16);
  } finally {
    await Promise.all([withToken.close(), without.close()]);
  }
});

test('REST and the clock need the token; health does not', async (t) => {
  const get = (path: string, token?: string) =>
    fetch(`${te.managementUrl}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  for (const path of ['/v2/topology', '/actuator/clock']) {
    const refused = await get(path);
    t.is(refused.status, 401, path);
    t.regex(refused.headers.get('content-type') ?? '', /^application\/problem\+json/);
    t.is(refused.headers.get('www-authenticate'), 'Bearer');
    t.like(await refused.json(), { status: 401, title: 'UNAUTHORIZED' });
    t.is((await get(path, 'y'.repeat(40))).status, 401, path);
    t.is((await get(path, TOKEN)).status, 200, path);
  }
  t.is((await get('/ready')).status, 200);
});

test('without a token the engine will not listen beyond loopback; with one it does', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'engine-auth-'));
  const options = {
    databaseUrl: `file:${join(dir, 'engine.db')}`,
    address: '0.0.0.0:0',
    managementPort: 0,
    clockControl: false,
    maxMessageBytes: 4 * 1024 * 1024,
    logger: createLogger('silent'),
  };
  try {
    const err = await t.throwsAsync(startStandaloneEngine(options));
    t.is(
      err.message,
      'the engine would listen on 0.0.0.0, which other machines can reach, without a token: set ENGINE_AUTH_TOKEN (clients send it as a bearer token) or listen on 127.0.0.1',
    );
    t.deepEqual(readdirSync(dir), []); // refused before a database was made
    const node = await startStandaloneEngine({ ...options, authToken: TOKEN });
    t.is(node.gateway.host, '0.0.0.0');
    await node.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
