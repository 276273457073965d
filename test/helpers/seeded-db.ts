/**
 * The demo data, seeded once per test run and password and copied into each test hub's database.
 *
 * Seeding is the costliest part of a test hub's start (eleven scrypt hashes and ~9,000 rows: about 4 s of
 * CPU of the ~9 s a hub start takes), and some 50 test files start a seeded hub on each database. The first
 * file of a run that needs the demo data for a password migrates and seeds a template (a SQLite file in the
 * temp folder, or a PostgreSQL database `hub_tpl_…`) with the hub's own migrate() and seedDemo(); every hub
 * after it starts on a copy (SQLite: a file copy; PostgreSQL: CREATE DATABASE … TEMPLATE, a file-level
 * copy). The hub then finds a migrated, seeded store, as on any restart. The seeding itself stays tested
 * where it is the subject: test/db-seed.test.ts, test/hub.test.ts (a hub's first start seeds).
 *
 * A template belongs to one run: its name carries the ava process's pid and start time (the test files
 * are its child processes), so a change to the migrations or the demo data between runs is always seen.
 * Templates of runs that have ended are removed when the next run makes its first.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, copyFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { seedDemo } from '../../src/app/seed.ts';
import { createDb, type DatabaseProvider } from '../../src/db/index.ts';

/**
 * The demo users' password in the test hubs (startDemoHub's callers, the browser and scenario hubs): one
 * password, so the whole run seeds one template per database.
 */
export const TEST_DEMO_PASSWORD = 'hub-test-password';

const TEMPLATE_FILE = /^hub-seed-(\d+)-\d+-[0-9a-f]+\.db$/;
const TEMPLATE_DB = /^hub_tpl_(\d+)_\d+_[0-9a-f]+$/;

/** `<pid>-<start time>` of the test run (ava's main process, whose children the test files are). */
function runKey(): string {
  // A worker whose ava process has gone (ppid 1, init) shares nothing: init never ends, so its templates
  // would never be removed.
  if (process.ppid <= 1) return `${process.pid}-${Date.now()}`;
  try {
    const stat = readFileSync(`/proc/${process.ppid}/stat`, 'utf8');
    // Fields after the parenthesised command name; starttime is field 22 of proc(5).
    const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    if (startTime) return `${process.ppid}-${startTime}`;
  } catch {
    // no /proc: a template for this process only
  }
  return `${process.pid}-${Date.now()}`;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const key = (password: string) =>
  `${runKey()}-${createHash('sha256').update(password).digest('hex').slice(0, 12)}`;

async function withPostgres<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const postgresBase = () => process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const postgresUrl = (name: string) => {
  const u = new URL(postgresBase());
  u.pathname = `/${name}`;
  return u.toString();
};

async function seed(url: string, provider: DatabaseProvider, password: string): Promise<void> {
  const db = createDb({ DATABASE_URL: url, databaseProvider: provider });
  try {
    await db.migrate();
    const result = await seedDemo(db, { password });
    if (!result.seeded) throw new Error(`the demo data template was not seeded: ${result.reason}`);
  } finally {
    await db.close();
  }
}

async function sqliteTemplate(password: string): Promise<string> {
  const file = join(tmpdir(), `hub-seed-${key(password)}.db`);
  if (
    await stat(file).then(
      () => true,
      () => false,
    )
  )
    return file;
  for (const name of await readdir(tmpdir())) {
    const m = TEMPLATE_FILE.exec(name);
    if (m && !alive(Number(m[1]))) await rm(join(tmpdir(), name), { force: true });
  }
  // Seeded under a name of its own, then renamed: two files of the run seeding at once both finish.
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await seed(`file:${temp}`, 'sqlite', password);
    // Closing the last connection checkpoints the WAL into the file; a WAL left over would hold rows.
    if ((await stat(`${temp}-wal`).catch(() => null))?.size) throw new Error(`${temp}-wal not checkpointed`);
    await rename(temp, file);
  } finally {
    for (const suffix of ['', '-wal', '-shm']) await rm(temp + suffix, { force: true });
  }
  return file;
}

async function postgresTemplate(password: string): Promise<string> {
  const name = `hub_tpl_${key(password).replaceAll('-', '_')}`;
  return withPostgres(postgresBase(), async (admin) => {
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'hub_tpl_%'`,
    );
    if (rows.some((r) => r.datname === name)) return name;
    for (const { datname } of rows) {
      const m = TEMPLATE_DB.exec(datname);
      if (m && !alive(Number(m[1]))) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
    const temp = `${name}_${randomBytes(4).toString('hex')}`.slice(0, 63);
    await admin.query(`CREATE DATABASE "${temp}"`);
    try {
      await seed(postgresUrl(temp), 'postgresql', password);
      await admin.query(`ALTER DATABASE "${temp}" RENAME TO "${name}"`);
    } catch (err) {
      await admin.query(`DROP DATABASE IF EXISTS "${temp}" WITH (FORCE)`);
      // Another file of the run made it first.
      if ((err as { code?: string }).code !== '42P04') throw err;
    }
    return name;
  });
}

const templates = new Map<string, Promise<string>>();

/** The run's template for `password` (made on first use). */
function template(provider: DatabaseProvider, password: string): Promise<string> {
  const id = `${provider} ${password}`;
  let made = templates.get(id);
  if (!made) {
    made = provider === 'sqlite' ? sqliteTemplate(password) : postgresTemplate(password);
    made.catch(() => templates.delete(id));
    templates.set(id, made);
  }
  return made;
}

/** Makes `file` a migrated SQLite case store with the demo data, its users' password `password`. */
export async function copySeededSqlite(password: string, file: string): Promise<void> {
  await copyFile(await template('sqlite', password), file);
  // As the hub creates its files (HUB_DATA_PERMISSIONS): private.
  await chmod(file, 0o600);
}

/** Creates the PostgreSQL database `name`, migrated, with the demo data, its users' password `password`. */
export async function createSeededPostgres(password: string, name: string): Promise<void> {
  const source = await template('postgresql', password);
  await withPostgres(postgresBase(), (admin) =>
    admin.query(`CREATE DATABASE "${name}" TEMPLATE "${source}"`),
  );
}
