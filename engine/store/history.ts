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
 *
 * `zb_q_decision_instance`: one row per decision evaluated — by a business-rule task (linked to its
 * process instance and element instance) or by EvaluateDecision (standalone) — with its result or
 * failure, inputs and matched rules: the REST API's decision-instance search and GET. Written in the
 * command that evaluated; retention removes a process instance's with it, standalone ones by their age.
 */
import type { Db } from './db.ts';

/**
 * The indexed part of an ended variable's value (the process-instance search by variable looks values
 * up by it): a prefix, as a whole value may be far longer than a PostgreSQL index entry can hold.
 */
export const VALUE_PREFIX = (sql: string) => `substr(${sql}, 1, 64)`;

const DDL = `
CREATE TABLE IF NOT EXISTS zb_q_variable (
  key BIGINT PRIMARY KEY, scope_key BIGINT NOT NULL, name TEXT NOT NULL, pi_key BIGINT NOT NULL,
  value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS zb_qvar_scope ON zb_q_variable (scope_key, name);
CREATE INDEX IF NOT EXISTS zb_qvar_pi ON zb_q_variable (pi_key);
CREATE INDEX IF NOT EXISTS zb_qvar_value ON zb_q_variable (name, ${VALUE_PREFIX('value')});
CREATE TABLE IF NOT EXISTS zb_q_decision_instance (
  key BIGINT PRIMARY KEY, evaluation_key BIGINT NOT NULL, state TEXT NOT NULL, evaluated_at BIGINT NOT NULL,
  failure TEXT, decision_key BIGINT NOT NULL, decision_id TEXT NOT NULL, decision_name TEXT NOT NULL,
  decision_version INTEGER NOT NULL, decision_type TEXT NOT NULL, result TEXT NOT NULL, pi_key BIGINT,
  process_key BIGINT, ei_key BIGINT, inputs TEXT NOT NULL, rules TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS zb_qdi_pi ON zb_q_decision_instance (pi_key);
CREATE INDEX IF NOT EXISTS zb_qdi_standalone ON zb_q_decision_instance (evaluated_at) WHERE pi_key IS NULL;
`;

/** Creates the history tables if they are missing; idempotent. */
export async function migrateHistory(db: Db): Promise<void> {
  await db.exec(DDL);
}
