/**
 * A whole hub for API tests: createHub over a database of its own (a fresh PostgreSQL database with
 * HUB_TEST_DB=postgres, else a SQLite file in its data folder), the demo data seeded with the given
 * password, the embedded engine and HTTP on free ports. `env` adds or overrides settings.
 *
 *   const demo = await startDemoHub(PASSWORD);
 *   test.after.always(() => demo.close());
 *   const token = await demo.login('dispatcher');
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config.ts';
import { createHub, type Hub } from '../../src/hub.ts';
import { createLogger } from '../../src/log.ts';
import { call } from './api.ts';
import { createTestDatabase } from './db.ts';

export { TEST_DEMO_PASSWORD } from './seeded-db.ts';

export interface DemoHubSetup {
  config: Config;
  dataDir: string;
  /** Drops the database and deletes the data folder (stop the hub first). */
  remove(): Promise<void>;
}

/** The configuration of a demo hub and the storage it runs on, for tests that start (and restart) it themselves. */
export async function demoHubConfig(
  password: string,
  env: Record<string, string> = {},
): Promise<DemoHubSetup> {
  const dataDir = await mkdtemp(join(tmpdir(), 'hub-demo-'));
  // The demo data comes seeded (a copy of the run's template, helpers/seeded-db.ts) unless the test
  // turns seeding off; the hub then starts as on a restart of a seeded store.
  const seeded = (env.HUB_SEED_DEMO ?? 'true') === 'true';
  const database = await createTestDatabase('hub_t', {
    demoPassword: seeded ? (env.HUB_DEMO_PASSWORD ?? password) : undefined,
    file: join(dataDir, 'hub.db'),
  });
  const config = loadConfig({
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    HUB_PORT: '0',
    HUB_SEED_DEMO: 'true',
    HUB_DEMO_PASSWORD: password,
    ENGINE_DATABASE_URL: `file:${join(dataDir, 'engine.db')}`,
    ZEEBE_ADDRESS: '127.0.0.1:0',
    ENGINE_MANAGEMENT_PORT: '0',
    // In-process, so tests can read the engine's feed directly (hub.engine.engine).
    ENGINE_THREAD: 'false',
    ...env,
  });
  return {
    config,
    dataDir,
    async remove() {
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface DemoHub extends DemoHubSetup {
  hub: Hub;
  url: string;
  /** A session token of a demo user, logged in through the API once. */
  login(username: string): Promise<string>;
  /** Stops the hub, then removes its storage. */
  close(): Promise<void>;
}

export async function startDemoHub(password: string, env: Record<string, string> = {}): Promise<DemoHub> {
  const setup = await demoHubConfig(password, env);
  const hub = createHub({ config: setup.config, logger: createLogger('silent') });
  const close = async () => {
    await hub.stop();
    await setup.remove();
  };
  let url: string;
  try {
    ({ url } = await hub.start());
  } catch (err) {
    await close();
    throw err;
  }
  const tokens = new Map<string, Promise<string>>();
  const login = async (username: string) => {
    const res = await call(url, 'POST', '/api/auth/login', { body: { username, password } });
    if (res.status !== 200)
      throw new Error(`login ${username}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.token as string;
  };
  return {
    ...setup,
    hub,
    url,
    login(username) {
      let token = tokens.get(username);
      if (!token) tokens.set(username, (token = login(username)));
      return token;
    },
    close,
  };
}
