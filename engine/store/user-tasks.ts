/**
 * Tables of Camunda user tasks (zeebe:userTask). A task row stays after the task ends (state COMPLETED
 * or CANCELED, with its completion time), so the REST search lists finished tasks as Camunda does; its
 * candidate groups and users are also rows of their own, so a search by one candidate is an indexed
 * lookup. Created with IF NOT EXISTS on every start: the tables are new and need no data migration.
 */
import type { Db } from './db.ts';

const DDL = `
CREATE TABLE IF NOT EXISTS zb_user_task (
  key BIGINT PRIMARY KEY, pi_key BIGINT NOT NULL, element_instance_key BIGINT NOT NULL,
  element_id TEXT NOT NULL, name TEXT, process_key BIGINT NOT NULL, bpmn_process_id TEXT NOT NULL,
  version INTEGER NOT NULL, state TEXT NOT NULL, assignee TEXT, candidate_groups TEXT NOT NULL,
  candidate_users TEXT NOT NULL, due_ts BIGINT, follow_up_ts BIGINT, form_key BIGINT,
  external_form_reference TEXT, priority INTEGER NOT NULL, headers TEXT NOT NULL,
  created_at BIGINT NOT NULL, completed_at BIGINT);
CREATE INDEX IF NOT EXISTS zb_ut_state ON zb_user_task (state, key);
CREATE INDEX IF NOT EXISTS zb_ut_pi ON zb_user_task (pi_key);
CREATE INDEX IF NOT EXISTS zb_ut_ei ON zb_user_task (element_instance_key);
CREATE TABLE IF NOT EXISTS zb_user_task_candidate (
  user_task_key BIGINT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (user_task_key, kind, value));
CREATE INDEX IF NOT EXISTS zb_utc_value ON zb_user_task_candidate (kind, value);
`;

/** Creates the user-task tables if they are missing; idempotent. */
export async function migrateUserTasks(db: Db): Promise<void> {
  await db.exec(DDL);
}
