/**
 * Test harness for the API: a real HTTP server on a free port over the test file's own database, a
 * logger whose lines the test can read, and helpers to create users and call the API.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createHubAdapters } from '../../adapters/index.ts';
import { createApi, type Api, type ReadinessCheck } from '../../src/app/api.ts';
import { createAuth, type Auth } from '../../src/auth/index.ts';
import { hashPassword } from '../../src/auth/password.ts';
import type { Role } from '../../src/auth/roles.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import type { Db } from '../../src/db/index.ts';
import { createCasePublisher } from '../../src/cases/index.ts';
import { createLogger } from '../../src/log.ts';
import type { ZeebeClient } from '../../src/zeebe.ts';
import type { EngineQuery } from '../../src/incidents/engine-query.ts';
import { createTestDb } from './db.ts';

export interface TestApi {
  base: string;
  db: Db;
  /** The test database's URL, for a second client on it (a second hub process). */
  dbUrl: string;
  auth: Auth;
  api: Api;
  config: Config;
  /** Every log line written so far, parsed. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/** Starts the API over a fresh database; `env` overrides configuration variables. */
export async function startTestApi(
  options: {
    env?: Record<string, string>;
    readinessChecks?: ReadinessCheck[];
    zeebe?: ZeebeClient;
    /** the engine's search (process instances…); default none */
    engineQuery?: EngineQuery;
    /** Actions publish their messages through `zeebe` (a case publisher without its relay); default not. */
    publishMessages?: boolean;
    /** the API's clock (ApiDeps.now); default the system clock */
    now?: () => Date;
    /** The demo data in the store (a copy of the run's seeded template), the demo users' password this. */
    demoPassword?: string;
  } = {},
): Promise<TestApi> {
  const testDb = await createTestDb({ demoPassword: options.demoPassword });
  const config = loadConfig({ LOG_LEVEL: 'info', ...options.env });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line));
      done();
    },
  });
  const logger = createLogger(config.LOG_LEVEL, sink);
  const auth = createAuth({ db: testDb.db, config, key: randomBytes(32) });
  // The adapters' routes (webhooks, Open311, monitoring) join the API as in the hub; nothing of theirs runs.
  const adapters = createHubAdapters({
    config,
    logger,
    db: testDb.db,
    now: options.now ?? (() => new Date()),
    authenticate: auth.authenticate,
  });
  const api = createApi({
    config,
    logger,
    db: testDb.db,
    auth,
    readinessChecks: options.readinessChecks,
    zeebe: options.zeebe,
    engineQuery: options.engineQuery,
    casePublisher:
      options.publishMessages && options.zeebe
        ? createCasePublisher({
            db: testDb.db,
            zeebe: options.zeebe,
            logger,
            ttlMs: config.CASE_MESSAGE_TTL_SECONDS * 1000,
            retryMs: config.CASE_OUTBOX_RETRY_MS,
            timeoutMs: config.CASE_PUBLISH_TIMEOUT_MS,
          })
        : undefined,
    now: options.now,
    extraRoutes: adapters.routes(),
  });
  const server = createServer(api.app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    db: testDb.db,
    dbUrl: testDb.url,
    auth,
    api,
    config,
    logs,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await testDb.drop();
    },
  };
}

/** Inserts a user directly (the admin API has its own tests); a person gets the given password. */
export async function createUser(
  db: Db,
  user: { username: string; roles: Role[]; kind?: 'person' | 'service'; password?: string; active?: boolean },
): Promise<string> {
  const kind = user.kind ?? 'person';
  const row = await db.prisma.user.create({
    data: {
      username: user.username,
      displayName: user.username,
      kind,
      active: user.active ?? true,
      passwordHash: kind === 'person' ? await hashPassword(user.password ?? 'correct horse battery') : null,
      roles: { create: user.roles.map((role) => ({ role })) },
    },
  });
  return row.id;
}

export interface Reply {
  status: number;
  headers: Headers;
  /** Parsed JSON body (problem+json included), or the raw text when it is not JSON, or null when empty. */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary fields
}

/** One HTTP call; `body` is sent as JSON unless `raw` is given. */
export async function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; raw?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | Buffer | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(base + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text === '' ? null : text;
  if (/json/.test(res.headers.get('content-type') ?? '')) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed };
}
