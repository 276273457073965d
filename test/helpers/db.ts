/**
 * A case store of its own for one test file, on the database HUB_TEST_DB names (sqlite by default):
 * a temp SQLite file, or a fresh PostgreSQL database `hub_t_<random>` created through TEST_POSTGRES_URL
 * (default postgres://postgres@127.0.0.1:5432/test). Migrated unless asked not to; drop() closes the
 * client and deletes the database.
 *
 *   const t = await createTestDb();
 *   test.after.always(() => t.drop());
 *   await t.db.prisma.user.create({ data: { … } });
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createDb, type Db, type DatabaseProvider } from '../../src/db/index.ts';
import { copySeededSqlite, createSeededPostgres } from './seeded-db.ts';

export interface TestDb {
  /** file:<path> or postgres://…/hub_t_<random> */
  readonly url: string;
  readonly provider: DatabaseProvider;
  /** Open client on the database (from createDb), migrated unless `{ migrate: false }`. */
  readonly db: Db;
  /** Closes `db` and deletes the database. */
  drop(): Promise<void>;
}

export interface CreateTestDbOptions {
  /** Apply the migrations before returning (default true). */
  migrate?: boolean;
  /**
   * Migrated and holding the demo data (seedDemo), the demo users' password this: a copy of a template
   * seeded once per test run (helpers/seeded-db.ts), so `migrate` has nothing left to do.
   */
  demoPassword?: string;
}

/** Which database the tests run on: HUB_TEST_DB=sqlite (default) or postgres. */
export function testProvider(): DatabaseProvider {
  const value = process.env.HUB_TEST_DB ?? 'sqlite';
  if (value === 'sqlite') return 'sqlite';
  if (value === 'postgres' || value === 'postgresql') return 'postgresql';
  throw new Error(`HUB_TEST_DB must be sqlite or postgres, not "${value}"`);
}

async function withPostgres(url: string, fn: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}

/** An empty database of its own (no client open on it): a SQLite temp file or a fresh PostgreSQL database. */
export interface TestDatabase {
  readonly provider: DatabaseProvider;
  /** file:<path> or postgres://…/<prefix>_<random>. */
  readonly url: string;
  /** Deletes the database (PostgreSQL: also when clients are still connected). */
  drop(): Promise<void>;
}

/**
 * Creates an empty database on the database HUB_TEST_DB names, named `<prefix>_<random>`; with
 * `demoPassword`, a migrated one holding the demo data (see CreateTestDbOptions). `file`: the SQLite file
 * to use instead of one in the temp folder.
 */
export async function createTestDatabase(
  prefix = 'hub_t',
  options: { demoPassword?: string; file?: string } = {},
): Promise<TestDatabase> {
  const provider = testProvider();
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  if (provider === 'postgresql') {
    const base = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    if (options.demoPassword !== undefined) await createSeededPostgres(options.demoPassword, name);
    else await withPostgres(base, (c) => c.query(`CREATE DATABASE "${name}"`));
    const u = new URL(base);
    u.pathname = `/${name}`;
    return {
      provider,
      url: u.toString(),
      drop: () => withPostgres(base, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
    };
  }
  const file = options.file ?? join(tmpdir(), `${name}.db`);
  if (options.demoPassword !== undefined) await copySeededSqlite(options.demoPassword, file);
  return {
    provider,
    url: `file:${file}`,
    async drop() {
      for (const suffix of ['', '-wal', '-shm', '-journal']) await rm(file + suffix, { force: true });
    },
  };
}

/** Creates an empty database, opens it with createDb and (by default) migrates it. */
export async function createTestDb(options: CreateTestDbOptions = {}): Promise<TestDb> {
  const { demoPassword } = options;
  const { provider, url, drop: remove } = await createTestDatabase('hub_t', { demoPassword });
  const db = createDb({ DATABASE_URL: url, databaseProvider: provider });
  try {
    if ((options.migrate ?? true) && demoPassword === undefined) await db.migrate();
  } catch (err) {
    await db.close();
    await remove();
    throw err;
  }
  return {
    url,
    provider,
    db,
    async drop() {
      await db.close();
      await remove();
    },
  };
}

/**
 * A client on PostgreSQL at a localhost port where nothing listens (free when picked): what the hub meets
 * while its database server restarts. Its queries fail with "Can't reach database server". The caller
 * disconnects `db.prisma`.
 */
export async function unreachablePostgres(): Promise<{ db: Db; port: number }> {
  const s = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  const db = createDb({
    DATABASE_URL: `postgres://hub:secret@127.0.0.1:${port}/hub`,
    databaseProvider: 'postgresql',
  });
  return { db, port };
}
