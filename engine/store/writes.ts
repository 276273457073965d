/**
 * A command's writes gathered and sent together. On PostgreSQL every statement is a round trip to the
 * server, and a command's rows span up to a dozen tables (instance state, the feed, history): the writes
 * go as one statement of data-modifying WITH clauses, so a command pays one round trip for all of them.
 * SQLite runs each statement in-process, where combining would save nothing.
 *
 * Sound because a command's writes never touch one row twice (the unit of work writes each row once:
 * deleted, or upserted with its final values), which is what PostgreSQL asks of WITH clauses, whose
 * statements all see the snapshot from before the statement.
 */
import type { Db, Param, Row } from './db.ts';

/** Parameters per combined statement, well below PostgreSQL's 65,535; a bigger command sends several. */
const MAX_PARAMS = 20_000;

export class Writes implements Db {
  private readonly pending: { sql: string; params: Param[] }[] = [];
  constructor(private readonly db: Db) {}

  get dialect() {
    return this.db.dialect;
  }

  /** Queues a write (INSERT, UPDATE or DELETE without RETURNING). */
  run(sql: string, params: Param[] = []): Promise<void> {
    this.pending.push({ sql, params });
    return Promise.resolve();
  }

  runOnce(sql: string, params: Param[] = []): Promise<void> {
    return this.run(sql, params);
  }

  all(): Promise<Row[]> {
    return Promise.reject(new Error('Writes only gathers writes; read through the database itself'));
  }

  exec(): Promise<void> {
    return Promise.reject(new Error('Writes only gathers writes'));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Sends what was gathered, in order; empties the list. */
  async send(): Promise<void> {
    const writes = this.pending.splice(0);
    if (this.db.dialect !== 'postgres' || writes.length === 1) {
      for (const w of writes) await this.db.run(w.sql, w.params);
      return;
    }
    for (let i = 0; i < writes.length;) {
      const clauses: string[] = [];
      const params: Param[] = [];
      do {
        clauses.push(`w${clauses.length} AS (${writes[i]!.sql})`);
        params.push(...writes[i]!.params);
        i++;
      } while (i < writes.length && params.length + writes[i]!.params.length <= MAX_PARAMS);
      // (the text changes with every mix of tables and row counts: sent unnamed, not kept prepared)
      await this.db.runOnce(`WITH ${clauses.join(', ')} SELECT 1`, params);
    }
  }
}
