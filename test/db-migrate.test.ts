import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import pg from 'pg';
import Database from 'better-sqlite3';
import { HubError } from '../src/errors.ts';
import { createDb, defaultMigrationsDir, loadMigrations, migrate } from '../src/db/index.ts';
import { createTestDb, type TestDb } from './helpers/db.ts';

/** Names of the tables in the database, without the migration bookkeeping. */
async function tableNames(t: TestDb): Promise<string[]> {
  if (t.provider === 'sqlite') {
    const db = new Database(t.url.replace(/^file:/, ''), { readonly: true });
    try {
      const rows = db
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
        .all() as { name: string }[];
      return rows.map((r) => r.name).sort();
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: t.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'`,
    );
    return rows.map((r) => r.name).sort();
  } finally {
    await client.end();
  }
}

const MODEL = fileURLToPath(new URL('../prisma/model.prisma', import.meta.url));

async function appliedRows(t: TestDb): Promise<{ name: string; checksum: string }[]> {
  return t.db.prisma.$queryRawUnsafe<{ name: string; checksum: string }[]>(
    'SELECT "name", "checksum" FROM "_hub_migrations" ORDER BY "name"',
  );
}

test('migrations apply on an empty database, record name and checksum, and are idempotent', async (t) => {
  const tdb = await createTestDb({ migrate: false });
  t.teardown(() => tdb.drop());
  const files = loadMigrations(defaultMigrationsDir(tdb.provider));
  t.true(files.length >= 1);

  const first = await tdb.db.migrate();
  t.deepEqual(
    first.applied,
    files.map((f) => f.name),
  );
  // Every model of prisma/model.prisma has its table, and nothing else is there.
  const models = [...(await readFile(MODEL, 'utf8')).matchAll(/^model (\w+) \{/gm)].map((m) => m[1]!);
  t.true(models.includes('Case') && models.includes('InboxEvent'));
  t.deepEqual(await tableNames(tdb), ['_hub_migrations', ...models].sort());
  t.deepEqual(
    await appliedRows(tdb),
    files.map((f) => ({ name: f.name, checksum: f.checksum })),
  );

  // A restart finds everything applied and changes nothing.
  const second = await tdb.db.migrate();
  t.deepEqual(second.applied, []);
  t.is((await appliedRows(tdb)).length, files.length);

  // The schema works through the client.
  const user = await tdb.db.prisma.user.create({ data: { username: 'u1', displayName: 'U 1' } });
  t.is((await tdb.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).username, 'u1');
});

/** A copy of the checked-in migrations that a test may alter. */
async function copyMigrations(provider: TestDb['provider']): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hub-migrations-'));
  await cp(defaultMigrationsDir(provider), dir, { recursive: true });
  return dir;
}

test('a migration file changed after it was applied is refused with a clear error', async (t) => {
  const tdb = await createTestDb({ migrate: false });
  t.teardown(() => tdb.drop());
  const dir = await copyMigrations(tdb.provider);
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await migrate(tdb.url, tdb.provider, { migrationsDir: dir });

  const [firstName] = loadMigrations(dir).map((m) => m.name);
  const file = join(dir, firstName!, 'migration.sql');
  await writeFile(file, (await readFile(file, 'utf8')) + '\n-- edited\n');
  const err = await t.throwsAsync(migrate(tdb.url, tdb.provider, { migrationsDir: dir }), {
    instanceOf: HubError,
  });
  t.is(err.type, 'migration-changed');
  t.regex(err.message, new RegExp(`migration ${firstName} was changed after it was applied`));
});

test('a database migrated by a newer build (unknown migration) is refused', async (t) => {
  const tdb = await createTestDb({ migrate: false });
  t.teardown(() => tdb.drop());
  const dir = await copyMigrations(tdb.provider);
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await cp(join(dir, loadMigrations(dir)[0]!.name), join(dir, '99990101000000_future'), { recursive: true });
  await writeFile(join(dir, '99990101000000_future', 'migration.sql'), 'SELECT 1;');
  await migrate(tdb.url, tdb.provider, { migrationsDir: dir });
  const err = await t.throwsAsync(migrate(tdb.url, tdb.provider), { instanceOf: HubError });
  t.is(err.type, 'migration-unknown');
  t.regex(err.message, /99990101000000_future/);
});

test('a failing migration rolls back and is not recorded', async (t) => {
  const tdb = await createTestDb({ migrate: false });
  t.teardown(() => tdb.drop());
  const dir = await copyMigrations(tdb.provider);
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await migrate(tdb.url, tdb.provider, { migrationsDir: dir });
  await cp(join(dir, loadMigrations(dir)[0]!.name), join(dir, '99990101000000_broken'), { recursive: true });
  await writeFile(
    join(dir, '99990101000000_broken', 'migration.sql'),
    'CREATE TABLE "Half" ("id" TEXT PRIMARY KEY);\nINSERT INTO "NoSuchTable" VALUES (1);\n',
  );
  const err = await t.throwsAsync(migrate(tdb.url, tdb.provider, { migrationsDir: dir }), {
    instanceOf: HubError,
  });
  t.is(err.type, 'migration-failed');
  t.regex(err.message, /99990101000000_broken/);
  t.false((await tableNames(tdb)).includes('Half'), 'the first statement was rolled back');
  t.false((await appliedRows(tdb)).some((r) => r.name === '99990101000000_broken'));
});

const runMigrate = promisify(execFile);
const MIGRATE_MODULE = fileURLToPath(new URL('../src/db/migrate.ts', import.meta.url));

test('two hub processes migrating at once apply each migration exactly once', async (t) => {
  const tdb = await createTestDb({ migrate: false });
  t.teardown(() => tdb.drop());
  // Real processes, so SQLite's file locks and PostgreSQL's advisory lock are what keeps them apart.
  const script =
    `import { migrate } from ${JSON.stringify(MIGRATE_MODULE)};\n` +
    `const r = await migrate(${JSON.stringify(tdb.url)}, ${JSON.stringify(tdb.provider)});\n` +
    `console.log(JSON.stringify(r.applied));`;
  const args = ['--import', 'tsx', '--input-type=module', '-e', script];
  const outputs = await Promise.all([runMigrate(process.execPath, args), runMigrate(process.execPath, args)]);
  const applied = outputs.map((o) => JSON.parse(o.stdout) as string[]);
  const files = loadMigrations(defaultMigrationsDir(tdb.provider)).map((f) => f.name);
  t.deepEqual(applied.flat().sort(), [...files].sort());
  t.is((await appliedRows(tdb)).length, files.length);
});

test('createDb opens the database with foreign keys enforced (and WAL, busy_timeout on SQLite)', async (t) => {
  const tdb = await createTestDb();
  t.teardown(() => tdb.drop());
  const prisma = tdb.db.prisma;
  const err = await t.throwsAsync(
    prisma.user.create({ data: { username: 'x', displayName: 'X', departmentId: 'no-such-department' } }),
  );
  t.regex(err.message, /Foreign key constraint/i);
  t.is(await prisma.user.count(), 0);
  if (tdb.provider === 'sqlite') {
    const pragma = async (name: string) =>
      Object.values((await prisma.$queryRawUnsafe<Record<string, unknown>[]>(`PRAGMA ${name}`))[0]!)[0];
    t.is(await pragma('journal_mode'), 'wal');
    t.is(Number(await pragma('foreign_keys')), 1);
    t.is(Number(await pragma('busy_timeout')), 10_000);
  } else {
    const [row] = await prisma.$queryRawUnsafe<{ db: string }[]>('SELECT current_database() AS db');
    t.is(row!.db, new URL(tdb.url).pathname.slice(1));
  }
});

test('createDb creates the folder of a new SQLite file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hub-newdir-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const db = createDb({ DATABASE_URL: `file:${join(dir, 'a', 'b', 'hub.db')}`, databaseProvider: 'sqlite' });
  t.teardown(() => db.close());
  t.true((await db.migrate()).applied.length >= 2);
  t.is(await db.prisma.department.count(), 0);
});
