/**
 * History tables added after the numbered schema versions (schema.ts), created with IF NOT EXISTS on
 * every start as the user-task tables are: they are new and need no data migration.
 *
 * `zb_q_variable`: the variables of scopes that ended. A scope's runtime variables (zb_variable) go when
 * its element or process instance ends, as in Zeebe's state; Camunda's secondary storage keeps them, and
 * the REST API's variable search and the process-instance search by variable find them there. Written
 * in the command that ends the scope (runtime/history.ts), each with its Zeebe key and last value;
 * removed with the rest of an instance's history by retention (runtime/retention.ts). Instances that
 * ended before this table existed have no rows in it.
 */
import type { Db } from './db.ts';

const DDL = `
CREATE TABLE IF NOT EXISTS zb_q_variable (
  key BIGINT PRIMARY KEY, scope_key BIGINT NOT NULL, name TEXT NOT NULL, pi_key BIGINT NOT NULL,
  value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS zb_qvar_scope ON zb_q_variable (scope_key, name);
CREATE INDEX IF NOT EXISTS zb_qvar_pi ON zb_q_variable (pi_key);
`;

/** Creates the history tables if they are missing; idempotent. */
export async function migrateHistory(db: Db): Promise<void> {
  await db.exec(DDL);
}
