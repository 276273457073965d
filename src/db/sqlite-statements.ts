/**
 * Prisma's better-sqlite3 adapter prepares every statement anew (`client.prepare(sql).bind(args)`),
 * though the hub runs the same few hundred SQL texts over and over: compiling them was ≈ 6 % of the hub's
 * CPU in bench/cases-cpu.ts. This factory gives the adapter's connection a `prepare` that keeps the last
 * `max` compiled statements by SQL text. better-sqlite3 binds parameters to a statement for good, so the
 * cache hands out a light wrapper that passes the arguments at each execution instead.
 */
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import type Database from 'better-sqlite3';
import { oneTransactionAtATime } from './sqlite-one-writer.ts';

/** How many compiled statements one connection keeps; the hub's working set is a few hundred texts. */
const DEFAULT_MAX_STATEMENTS = 500;

interface Compiled {
  statement: Database.Statement;
  columns?: Database.ColumnDefinition[];
}

/**
 * What the adapter does with a prepared statement (see its performIO/executeIO/startTransaction):
 * optionally `bind(args)` once, then `reader`, `run()`, `columns()`, `raw().all()`.
 */
class CachedStatement {
  #raw = false;
  constructor(
    private readonly compiled: Compiled,
    private readonly args: readonly unknown[] = [],
  ) {}
  private get statement() {
    return this.compiled.statement;
  }
  get reader(): boolean {
    return this.statement.reader;
  }
  bind(args: readonly unknown[]): CachedStatement {
    return new CachedStatement(this.compiled, args);
  }
  /** The result's columns, asked of SQLite once per compiled statement (they do not change). */
  columns() {
    return (this.compiled.columns ??= this.statement.columns());
  }
  raw(toggle = true): this {
    this.#raw = toggle;
    return this;
  }
  run() {
    return this.statement.run(this.args);
  }
  all() {
    // The shared statement's mode is set at each use: another caller may have left it either way.
    return this.statement.raw(this.#raw).all(this.args);
  }
  get() {
    return this.statement.raw(this.#raw).get(this.args);
  }
}

/** Replaces `client.prepare` by one that reuses compiled statements (least recently used evicted). */
export function cachePreparedStatements(client: Database.Database, max = DEFAULT_MAX_STATEMENTS): void {
  const prepare = client.prepare.bind(client);
  const cache = new Map<string, Compiled>();
  (client as { prepare: unknown }).prepare = (sql: string) => {
    let compiled = cache.get(sql);
    if (compiled) {
      // Re-inserted so that the Map's order is the order of last use.
      cache.delete(sql);
    } else {
      compiled = { statement: prepare(sql) };
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
    }
    cache.set(sql, compiled);
    return new CachedStatement(compiled);
  };
}

/**
 * `PrismaBetterSqlite3` whose connections reuse their compiled statements and run statements outside
 * transactions only while no transaction is open, reads on a connection of their own (see
 * sqlite-one-writer.ts).
 */
export class CachingSqliteAdapter extends PrismaBetterSqlite3 {
  override async connect() {
    // Two connections to the file: one for transactions and writes, one for reads outside them.
    const [adapter, reader] = [await super.connect(), await super.connect()];
    for (const a of [adapter, reader]) {
      const client = (a as unknown as { client?: Database.Database }).client;
      // The adapter's connection is not public API: if a release renames it, fail here rather than run
      // uncached without anyone noticing (test/db-statements.test.ts checks that the cache serves).
      if (!client || typeof client.prepare !== 'function') {
        throw new Error('the SQLite adapter no longer exposes its connection as `client`');
      }
      cachePreparedStatements(client);
    }
    return oneTransactionAtATime(adapter, reader);
  }
}
