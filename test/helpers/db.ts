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
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createDb, type Db, type DatabaseProvider } from '../../src/db/index.ts';

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

/** Creates an empty database on the database HUB_TEST_DB names, named `<prefix>_<random>`. */
export async function createTestDatabase(prefix = 'hub_t'): Promise<TestDatabase> {
  const provider = testProvider();
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  if (provider === 'postgresql') {
    const base = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    await withPostgres(base, (c) => c.query(`CREATE DATABASE "${name}"`));
    const u = new URL(base);
    u.pathname = `/${name}`;
    return {
      provider,
      url: u.toString(),
      drop: () => withPostgres(base, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
    };
  }
  const file = join(tmpdir(), `${name}.db`);
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
  const { provider, url, drop: remove } = await createTestDatabase();
  const db = createDb({ DATABASE_URL: url, databaseProvider: provider });
  try {
    if (options.migrate ?? true) await db.migrate();
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
