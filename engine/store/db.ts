/**
 * One small SQL interface over better-sqlite3 (synchronous, WAL, cached prepared statements) and `pg`
 * (one dedicated client, named prepared statements). SQL is written once with `?` placeholders; the
 * PostgreSQL side renumbers them to `$n`. Only the engine's single writer uses the connection, so an
 * open transaction is never interleaved with other statements.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { EngineLogger } from '../api.ts';

export type Row = Record<string, unknown>;
export type Param = string | number | null;

export interface Db {
  readonly dialect: 'sqlite' | 'postgres';
  all(sql: string, params?: Param[]): Promise<Row[]>;
  run(sql: string, params?: Param[]): Promise<void>;
  /** As run, for a text seldom seen twice: not kept prepared. */
  runOnce(sql: string, params?: Param[]): Promise<void>;
  /** Runs a multi-statement script (DDL). */
  exec(script: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * What a statement throws while the engine's PostgreSQL connection is away (lost, and not yet made
 * again). The store logs such an outage once at warn and its end at info, so the callers, which fail
 * or retry the work anyway, log this one at debug rather than at error on every attempt: at error it
 * drowned the real errors while the server was down. The driver's own error is the cause.
 */
export class DatabaseAwayError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'DatabaseAwayError';
  }
}

/** Whether `err`, or an error it was caused by (an EngineError wraps the store's), is DatabaseAwayError. */
export function isDatabaseAway(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; depth++) {
    if (e instanceof DatabaseAwayError) return true;
    e = e.cause;
  }
  return false;
}

/**
 * Opens the database a URL names: `file:<path>` (SQLite) or `postgres://…` (whose lost connections are
 * logged on `log` and replaced, see openPostgres).
 */
export async function openDb(url: string, log?: EngineLogger): Promise<Db> {
  return url.startsWith('file:') ? openSqlite(url.slice('file:'.length)) : openPostgres(url, log);
}

function openSqlite(path: string): Db {
  // Created private before SQLite opens it (folder 0700, file 0600, as src/private-files.ts makes the
  // hub's): SQLite keeps its mode and gives it to the -wal and -shm files. Written here because engine/
  // uses no code of src/.
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    closeSync(openSync(path, 'a', 0o600));
  }
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode keeps the database consistent after a crash; a power loss may lose the last
  // commits, which is the documented trade-off for throughput.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = OFF');
  db.pragma('temp_store = MEMORY');
  db.pragma('cache_size = -65536');
  const cache = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let st = cache.get(sql);
    if (!st) {
      st = db.prepare(sql);
      cache.set(sql, st);
    }
    return st;
  };
  return {
    dialect: 'sqlite',
    all(sql, params = []) {
      const st = prepare(sql);
      return Promise.resolve(st.reader ? (st.all(...params) as Row[]) : (st.run(...params), []));
    },
    run(sql, params = []) {
      prepare(sql).run(...params);
      return Promise.resolve();
    },
    runOnce(sql, params = []) {
      db.prepare(sql).run(...params);
      return Promise.resolve();
    },
    exec(script) {
      db.exec(script);
      return Promise.resolve();
    },
    close() {
      db.close();
      return Promise.resolve();
    },
  };
}

// int8 (BIGINT) columns come back as numbers: every engine key fits in 2^53 (partition bits included).
// Set on this client only: the hub's Prisma adapter shares the `pg` module in the same process.
const INT8_OID = 20;
const engineTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Statements that end a transaction (not `ROLLBACK TO SAVEPOINT`, which stays inside it). */
const ENDS_TRANSACTION = /^(COMMIT|ROLLBACK)$/;

/**
 * The engine's one PostgreSQL connection, replaced when the server ends it (a restart, a failover,
 * `pg_terminate_backend`). pg reports that as an 'error' event on the client; unlistened, it is thrown
 * and ends the engine's thread. Here it marks the connection lost, and the next statement outside a
 * transaction opens a new one. A transaction whose connection died cannot go on on another: its
 * statements fail until the caller's ROLLBACK ends it, so the processor fails that batch's commands
 * (UNAVAILABLE, nothing applied) and the next command starts clean. While the server is still away,
 * each statement fails with the connect error and the next one tries again.
 */
async function openPostgres(url: string, log?: EngineLogger): Promise<Db> {
  let client: pg.Client | undefined;
  let lost = false;
  let closed = false;
  let inTransaction = false;
  let reconnecting: Promise<pg.Client> | undefined;
  const connect = async () => {
    const c = new pg.Client({ connectionString: url, types: engineTypes, application_name: 'zeebe-engine' });
    const onLost = (err?: Error) => {
      if (c !== client || lost || closed) return;
      lost = true;
      log?.warn(
        { err: err ? err.message : 'connection ended' },
        'the engine lost its database connection; it connects again at the next command',
      );
    };
    c.on('error', onLost);
    c.on('end', () => onLost());
    try {
      await c.connect();
    } catch (err) {
      await c.end().catch(() => {});
      throw err;
    }
    return c;
  };
  client = await connect();
  /** A live connection: the current one, or a new one when it was lost (one attempt shared by callers). */
  const live = async (): Promise<pg.Client> => {
    if (!lost) return client!;
    reconnecting ??= (async () => {
      try {
        const fresh = await connect();
        void client!.end().catch(() => {});
        client = fresh;
        lost = false;
        log?.info({}, 'the engine is connected to its database again');
        return fresh;
      } finally {
        reconnecting = undefined;
      }
    })();
    return reconnecting;
  };
  /** Per SQL text, once: its statement name and `$n` text, or null for BEGIN/COMMIT and friends. */
  const prepared = new Map<string, { name: string; text: string } | null>();
  const toPg = (sql: string) => {
    let n = 0;
    return sql.replace(/\?/g, () => `$${++n}`);
  };
  /** The connection to send `sql` on, keeping track of the transaction it opens or ends. */
  const connectionFor = async (sql: string) => {
    if (lost && inTransaction) {
      if (ENDS_TRANSACTION.test(sql)) inTransaction = false;
      throw new Error('the connection to the database was lost during this transaction; it was not applied');
    }
    const c = await live();
    if (sql === 'BEGIN') inTransaction = true;
    else if (ENDS_TRANSACTION.test(sql)) inTransaction = false;
    return c;
  };
  /** `work`'s failure, marked when it happened because the connection is away. */
  const marked = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      throw lost && !(err instanceof DatabaseAwayError) ? new DatabaseAwayError(err) : err;
    }
  };
  const query = async (sql: string, params: Param[]) => {
    const c = await connectionFor(sql);
    let p = prepared.get(sql);
    if (p === undefined) {
      // BEGIN/COMMIT and friends cannot be prepared. A named statement is prepared again by pg on a new
      // connection (pg keeps what it parsed per connection).
      p =
        !params.length && /^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)/.test(sql)
          ? null
          : { name: `zb${prepared.size}`, text: toPg(sql) };
      prepared.set(sql, p);
    }
    if (!p) return c.query(sql);
    return c.query({ name: p.name, text: p.text, values: params });
  };
  return {
    dialect: 'postgres',
    async all(sql, params = []) {
      return (await marked(() => query(sql, params))).rows as Row[];
    },
    async run(sql, params = []) {
      await marked(() => query(sql, params));
    },
    async runOnce(sql, params = []) {
      // an unnamed statement: parsed for this call only, nothing left on the server
      await marked(async () => (await connectionFor(sql)).query({ text: toPg(sql), values: params }));
    },
    async exec(script) {
      await marked(async () => (await connectionFor(script)).query(script));
    },
    async close() {
      closed = true;
      await client!.end();
    },
  };
}
