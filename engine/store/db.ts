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

export type Row = Record<string, unknown>;
export type Param = string | number | null;

export interface Db {
  readonly dialect: 'sqlite' | 'postgres';
  all(sql: string, params?: Param[]): Promise<Row[]>;
  run(sql: string, params?: Param[]): Promise<void>;
  /** Runs a multi-statement script (DDL). */
  exec(script: string): Promise<void>;
  close(): Promise<void>;
}

/** Opens the database a URL names: `file:<path>` (SQLite) or `postgres://…`. */
export async function openDb(url: string): Promise<Db> {
  return url.startsWith('file:') ? openSqlite(url.slice('file:'.length)) : openPostgres(url);
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

async function openPostgres(url: string): Promise<Db> {
  const client = new pg.Client({ connectionString: url, types: engineTypes });
  await client.connect();
  /** Per SQL text, once: its statement name and `$n` text, or null for BEGIN/COMMIT and friends. */
  const prepared = new Map<string, { name: string; text: string } | null>();
  const toPg = (sql: string) => {
    let n = 0;
    return sql.replace(/\?/g, () => `$${++n}`);
  };
  const query = async (sql: string, params: Param[]) => {
    let p = prepared.get(sql);
    if (p === undefined) {
      // BEGIN/COMMIT and friends cannot be prepared.
      p =
        !params.length && /^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)/.test(sql)
          ? null
          : { name: `zb${prepared.size}`, text: toPg(sql) };
      prepared.set(sql, p);
    }
    if (!p) return client.query(sql);
    return client.query({ name: p.name, text: p.text, values: params });
  };
  return {
    dialect: 'postgres',
    async all(sql, params = []) {
      return (await query(sql, params)).rows as Row[];
    },
    async run(sql, params = []) {
      await query(sql, params);
    },
    async exec(script) {
      await client.query(script);
    },
    async close() {
      await client.end();
    },
  };
}
