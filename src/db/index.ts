/**
 * The case store: a Prisma client on SQLite (file:…) or PostgreSQL (postgres://…), chosen by
 * DATABASE_URL. Prisma fixes the provider at generate time, so prisma/generate.ts builds one client per
 * database from the same model (src/generated/<db>, generated, git-ignored).
 *
 *   const db = createDb(config);
 *   await db.migrate();
 *   await db.prisma.case.findMany({ where: { status: 'dispatched' } });
 *   await db.close();
 */
import { PrismaPg } from '@prisma/adapter-pg';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { makePrivateFile } from '../private-files.ts';
import { CachingSqliteAdapter } from './sqlite-statements.ts';
import { PrismaClient as SqliteClient } from '../generated/sqlite/client.ts';
import { PrismaClient as PostgresClient } from '../generated/postgres/client.ts';
import {
  migrate,
  sqlitePath,
  type DatabaseProvider,
  type MigrateOptions,
  type MigrateResult,
} from './migrate.ts';

export { migrate, loadMigrations, defaultMigrationsDir } from './migrate.ts';
export { databaseOutage, isUniqueViolation } from './errors.ts';
export type { DatabaseProvider, Migration, MigrateOptions, MigrateResult } from './migrate.ts';
// Model types and enums come from the SQLite client; both clients are generated from one model.
export { Prisma } from '../generated/sqlite/client.ts';
export type {
  AdPermit,
  AdSign,
  ApiToken,
  AssessmentReport,
  Attachment,
  Case,
  CaseEvent,
  Category,
  CategoryLimit,
  Component,
  Counter,
  Cursor,
  Department,
  Escalation,
  GeoFeature,
  GridCell,
  InboxEvent,
  Instruction,
  CitizenDevice,
  CitizenReport,
  Lease,
  LoginAttempt,
  OutboxMessage,
  Pipeline,
  ProcessVersion,
  SentMail,
  Session,
  Setting,
  User,
  UserRole,
  WorkCalendarDay,
} from '../generated/sqlite/client.ts';
export * from '../generated/sqlite/enums.ts';

/**
 * The Prisma client type the hub codes against. It is the SQLite client's type: both generated clients
 * come from the same prisma/model.prisma, so their model APIs are identical and only the SQL dialect
 * inside differs.
 */
export type PrismaClient = SqliteClient;

/** An open case store. */
export interface Db {
  readonly prisma: PrismaClient;
  readonly provider: DatabaseProvider;
  /** Applies pending migrations (see migrate.ts); call before the first query. */
  migrate(options?: Omit<MigrateOptions, 'migrationsDir'>): Promise<MigrateResult>;
  /** Disconnects; the Db is unusable afterwards. */
  close(): Promise<void>;
}

export interface CreateDbOptions {
  log?: Logger;
}

/** Milliseconds a SQLite connection waits for another writer before failing with SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/**
 * How long a transaction may wait to start and then run, on either database. Prisma's defaults (2 s, 5 s)
 * failed sound work on a busy machine: transactions take turns on SQLite's one writing connection, and
 * PostgreSQL's pool was busy while the server recovered (the soak: P2028 "Unable to start a transaction
 * in the given time" and commits of expired transactions). A job that failed so waits for its back-off;
 * the API answers 503. As long as a writer waits for SQLite's lock.
 */
const TRANSACTION_OPTIONS = { maxWait: SQLITE_BUSY_TIMEOUT_MS, timeout: 15_000 };

/**
 * Prisma's error texts without a code frame of the caller. With any other format the client captures a
 * stack trace (`new Error()`) at every query, to point at its caller should the query fail: 1.6 % of
 * the hub's busy time per case in bench/cases-cpu.ts's profile, plus the capture. Prisma picks this
 * format by itself only under NODE_ENV=production, which `npm start` does not set. A failed query still
 * throws the same error classes and codes, with the cause in its message.
 */
const ERROR_FORMAT = 'minimal';

/**
 * Opens the case store named by `config.DATABASE_URL`; call `migrate()` before the first query. On
 * SQLite the file's folder is created if missing, the connection enforces foreign keys and waits up to
 * 10 s on locks (busy_timeout), and the file is switched to WAL so readers do not block the writer. On
 * PostgreSQL the client connects lazily through a pg pool.
 */
export function createDb(
  config: Pick<Config, 'DATABASE_URL' | 'databaseProvider'>,
  options: CreateDbOptions = {},
): Db {
  const url = config.DATABASE_URL;
  const provider = config.databaseProvider;
  let prisma: PrismaClient;
  let ready: Promise<unknown> = Promise.resolve();
  if (provider === 'sqlite') {
    const file = sqlitePath(url);
    // Created here, private, so that SQLite keeps its mode (and gives it to the -wal and -shm files).
    makePrivateFile(file);
    prisma = new SqliteClient({
      adapter: new CachingSqliteAdapter({ url: file, timeout: SQLITE_BUSY_TIMEOUT_MS }),
      transactionOptions: TRANSACTION_OPTIONS,
      errorFormat: ERROR_FORMAT,
    });
    // The adapter keeps one connection; these pragmas hold for its lifetime. better-sqlite3 enables
    // foreign keys by default, but we say so rather than rely on a build flag.
    ready = (async () => {
      await prisma.$queryRawUnsafe('PRAGMA journal_mode = WAL');
      await prisma.$queryRawUnsafe('PRAGMA foreign_keys = ON');
    })();
    // Handled here so that a bad path does not crash the process as an unhandled rejection before
    // migrate() reports it.
    ready.catch(() => {});
  } else {
    // Cast: the PostgreSQL client is generated from the same model, so it has the same API as the
    // SQLite client type we export; TypeScript cannot see that the two generated classes match.
    prisma = new PostgresClient({
      adapter: new PrismaPg({ connectionString: url }),
      transactionOptions: TRANSACTION_OPTIONS,
      errorFormat: ERROR_FORMAT,
    }) as unknown as PrismaClient;
  }
  return {
    prisma,
    provider,
    async migrate(migrateOptions = {}) {
      await ready;
      return migrate(url, provider, { log: options.log, ...migrateOptions });
    },
    async close() {
      await ready.catch(() => {});
      await prisma.$disconnect();
    },
  };
}
