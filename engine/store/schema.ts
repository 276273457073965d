/**
 * The engine's tables (prefix `zb_`, so the engine may share a PostgreSQL database with other schemas).
 * Rows mirror Zeebe's state model; a waiting instance is a process-instance row, its element-instance
 * rows, its variables and the job/timer/subscription it waits on. Indexes serve the hot lookups: jobs by
 * (type, state), due timers and deadlines, subscriptions and messages by (name, correlation key).
 */
import type { Db } from './db.ts';

const V1 = `
CREATE TABLE IF NOT EXISTS zb_meta (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS zb_deployment (key BIGINT PRIMARY KEY, created_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS zb_process (
  key BIGINT PRIMARY KEY, bpmn_process_id TEXT NOT NULL, version INTEGER NOT NULL,
  resource_name TEXT NOT NULL, checksum TEXT NOT NULL, deployment_key BIGINT NOT NULL,
  xml TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX IF NOT EXISTS zb_process_id_version ON zb_process (bpmn_process_id, version);
CREATE TABLE IF NOT EXISTS zb_process_instance (
  key BIGINT PRIMARY KEY, process_key BIGINT NOT NULL, bpmn_process_id TEXT NOT NULL, version INTEGER NOT NULL,
  parent_pi_key BIGINT, parent_element_instance_key BIGINT, start_correlation_key TEXT,
  created_at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS zb_pi_process ON zb_process_instance (process_key);
CREATE INDEX IF NOT EXISTS zb_pi_start_corr ON zb_process_instance (bpmn_process_id, start_correlation_key);
CREATE TABLE IF NOT EXISTS zb_element_instance (
  key BIGINT PRIMARY KEY, pi_key BIGINT NOT NULL, element_id TEXT NOT NULL, element_type TEXT NOT NULL,
  flow_scope_key BIGINT, state TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS zb_ei_pi ON zb_element_instance (pi_key);
CREATE TABLE IF NOT EXISTS zb_variable (
  scope_key BIGINT NOT NULL, name TEXT NOT NULL, pi_key BIGINT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (scope_key, name));
CREATE INDEX IF NOT EXISTS zb_var_pi ON zb_variable (pi_key);
CREATE TABLE IF NOT EXISTS zb_job (
  key BIGINT PRIMARY KEY, pi_key BIGINT NOT NULL, element_instance_key BIGINT NOT NULL,
  element_id TEXT NOT NULL, process_key BIGINT NOT NULL, bpmn_process_id TEXT NOT NULL, version INTEGER NOT NULL,
  type TEXT NOT NULL, state TEXT NOT NULL, retries INTEGER NOT NULL, worker TEXT NOT NULL,
  deadline BIGINT, headers TEXT NOT NULL, error_message TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS zb_job_activatable ON zb_job (type, state, key);
CREATE INDEX IF NOT EXISTS zb_job_deadline ON zb_job (state, deadline);
CREATE INDEX IF NOT EXISTS zb_job_pi ON zb_job (pi_key);
CREATE TABLE IF NOT EXISTS zb_timer (
  key BIGINT PRIMARY KEY, pi_key BIGINT, element_instance_key BIGINT, process_key BIGINT NOT NULL,
  element_id TEXT NOT NULL, due BIGINT NOT NULL, repetitions INTEGER NOT NULL, spec TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS zb_timer_due ON zb_timer (due);
CREATE INDEX IF NOT EXISTS zb_timer_pi ON zb_timer (pi_key);
CREATE INDEX IF NOT EXISTS zb_timer_process ON zb_timer (process_key);
CREATE TABLE IF NOT EXISTS zb_subscription (
  key BIGINT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, correlation_key TEXT NOT NULL,
  pi_key BIGINT, element_instance_key BIGINT, process_key BIGINT NOT NULL, bpmn_process_id TEXT NOT NULL,
  element_id TEXT NOT NULL, interrupting INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS zb_sub_name ON zb_subscription (kind, name, correlation_key);
CREATE INDEX IF NOT EXISTS zb_sub_pi ON zb_subscription (pi_key);
CREATE INDEX IF NOT EXISTS zb_sub_process ON zb_subscription (process_key);
CREATE TABLE IF NOT EXISTS zb_message (
  key BIGINT PRIMARY KEY, name TEXT NOT NULL, correlation_key TEXT NOT NULL, message_id TEXT NOT NULL,
  variables TEXT NOT NULL, deadline BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS zb_msg_name ON zb_message (name, correlation_key);
CREATE INDEX IF NOT EXISTS zb_msg_id ON zb_message (name, message_id);
CREATE INDEX IF NOT EXISTS zb_msg_deadline ON zb_message (deadline);
CREATE TABLE IF NOT EXISTS zb_message_correlation (
  message_key BIGINT NOT NULL, bpmn_process_id TEXT NOT NULL, PRIMARY KEY (message_key, bpmn_process_id));
CREATE TABLE IF NOT EXISTS zb_incident (
  key BIGINT PRIMARY KEY, pi_key BIGINT NOT NULL, element_instance_key BIGINT NOT NULL, element_id TEXT NOT NULL,
  job_key BIGINT, error_type TEXT NOT NULL, message TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS zb_incident_pi ON zb_incident (pi_key);
`;

const EVENTS = {
  sqlite: `CREATE TABLE IF NOT EXISTS zb_event (position INTEGER PRIMARY KEY AUTOINCREMENT,`,
  postgres: `CREATE TABLE IF NOT EXISTS zb_event (position BIGSERIAL PRIMARY KEY,`,
};
const EVENT_COLUMNS = ` intent TEXT NOT NULL, key BIGINT NOT NULL, pi_key BIGINT NOT NULL,
  bpmn_process_id TEXT NOT NULL, element_id TEXT NOT NULL, element_type TEXT NOT NULL, ts BIGINT NOT NULL,
  payload TEXT NOT NULL);`;

/**
 * Version 2: history for the query API (engine/query). Runtime rows disappear when an instance or an
 * incident ends, as in Zeebe's state; these keep what Operate would show: every process instance with its
 * state and dates, every incident with its state. Element instances are read from zb_event by instance.
 */
const V2 = `
CREATE TABLE IF NOT EXISTS zb_q_process_instance (
  key BIGINT PRIMARY KEY, process_key BIGINT NOT NULL, bpmn_process_id TEXT NOT NULL, version INTEGER NOT NULL,
  parent_pi_key BIGINT, parent_ei_key BIGINT, state TEXT NOT NULL, start_ts BIGINT NOT NULL, end_ts BIGINT);
CREATE INDEX IF NOT EXISTS zb_qpi_process ON zb_q_process_instance (bpmn_process_id, key);
CREATE TABLE IF NOT EXISTS zb_q_incident (
  key BIGINT PRIMARY KEY, pi_key BIGINT NOT NULL, process_key BIGINT NOT NULL, bpmn_process_id TEXT NOT NULL,
  element_id TEXT NOT NULL, element_instance_key BIGINT NOT NULL, job_key BIGINT, error_type TEXT NOT NULL,
  message TEXT NOT NULL, state TEXT NOT NULL, created_at BIGINT NOT NULL, resolved_at BIGINT);
CREATE INDEX IF NOT EXISTS zb_qinc_state ON zb_q_incident (state, key);
CREATE INDEX IF NOT EXISTS zb_qinc_pi ON zb_q_incident (pi_key);
CREATE INDEX IF NOT EXISTS zb_event_pi ON zb_event (pi_key);
`;

/** Rows the engine had before version 2: its running instances and open incidents (finished ones are gone). */
const V2_BACKFILL = [
  `INSERT INTO zb_q_process_instance (key, process_key, bpmn_process_id, version, parent_pi_key, parent_ei_key, state, start_ts, end_ts)
   SELECT key, process_key, bpmn_process_id, version, parent_pi_key, parent_element_instance_key, 'ACTIVE', created_at, NULL
   FROM zb_process_instance WHERE true ON CONFLICT (key) DO NOTHING`,
  `INSERT INTO zb_q_incident (key, pi_key, process_key, bpmn_process_id, element_id, element_instance_key, job_key, error_type, message, state, created_at, resolved_at)
   SELECT i.key, i.pi_key, p.process_key, p.bpmn_process_id, i.element_id, i.element_instance_key, i.job_key, i.error_type, i.message, 'ACTIVE', i.created_at, NULL
   FROM zb_incident i JOIN zb_process_instance p ON p.key = i.pi_key WHERE true ON CONFLICT (key) DO NOTHING`,
];

/** Version 3: DMN decision requirements graphs, their decisions, and forms, as DeployResource stores them. */
const V3 = `
CREATE TABLE IF NOT EXISTS zb_drg (
  key BIGINT PRIMARY KEY, drg_id TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL,
  resource_name TEXT NOT NULL, checksum TEXT NOT NULL, deployment_key BIGINT NOT NULL, xml TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS zb_drg_id_version ON zb_drg (drg_id, version);
CREATE TABLE IF NOT EXISTS zb_decision (
  key BIGINT PRIMARY KEY, decision_id TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL,
  drg_key BIGINT NOT NULL, drg_id TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS zb_decision_id_version ON zb_decision (decision_id, version);
CREATE INDEX IF NOT EXISTS zb_decision_drg ON zb_decision (drg_key);
CREATE TABLE IF NOT EXISTS zb_form (
  key BIGINT PRIMARY KEY, form_id TEXT NOT NULL, version INTEGER NOT NULL, resource_name TEXT NOT NULL,
  checksum TEXT NOT NULL, deployment_key BIGINT NOT NULL, content TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS zb_form_id_version ON zb_form (form_id, version);
DROP INDEX IF EXISTS zb_qpi_state;
DROP INDEX IF EXISTS zb_qpi_parent;
`;

/**
 * Version 4: the zeebe:versionTag of each process definition (call activities bind to it; the REST API
 * returns it). Definitions deployed before are backfilled from their stored XML.
 */
const V4 = `ALTER TABLE zb_process ADD COLUMN version_tag TEXT`;

/** The zeebe:versionTag value inside the process element `processId` of a BPMN document, if any. */
export function versionTagOf(xml: string, processId: string): string | undefined {
  for (const m of xml.matchAll(/<((?:[\w-]+:)?)process\b([^>]*)>/g)) {
    const id = /\bid\s*=\s*(["'])(.*?)\1/.exec(m[2]!)?.[2];
    if (id !== processId) continue;
    const from = m.index + m[0].length;
    const close = xml.indexOf(`</${m[1]}process>`, from);
    const body = xml.slice(from, close < 0 ? undefined : close);
    return /<[\w-]+:versionTag\b[^>]*\bvalue\s*=\s*(["'])(.*?)\1/.exec(body)?.[2] || undefined;
  }
  return undefined;
}

async function hasColumn(db: Db, table: string, column: string): Promise<boolean> {
  const rows =
    db.dialect === 'sqlite'
      ? await db.all(`SELECT name FROM pragma_table_info('${table}') WHERE name = ?`, [column])
      : await db.all(
          `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?`,
          [table, column],
        );
  return rows.length > 0;
}

/**
 * Version 5: what history retention (runtime/retention.ts) reads — ended root instances by end time, and
 * the called instances of an instance. Partial indexes: only those rows are in them.
 */
const V5 = `
CREATE INDEX IF NOT EXISTS zb_qpi_ended ON zb_q_process_instance (end_ts) WHERE parent_pi_key IS NULL;
CREATE INDEX IF NOT EXISTS zb_qpi_children ON zb_q_process_instance (parent_pi_key) WHERE parent_pi_key IS NOT NULL;
`;

/**
 * Version 6: the crash guard (runtime/processor.ts). `zb_inflight` holds the labels of the commands being
 * applied (written and committed before their transaction, deleted in it); rows found there at start
 * are commands the process died applying, counted in `zb_crash` until one succeeds.
 */
const V6 = `
CREATE TABLE IF NOT EXISTS zb_inflight (label TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS zb_crash (label TEXT PRIMARY KEY, crashes INTEGER NOT NULL, last_at BIGINT NOT NULL);
`;

/**
 * Version 7: what the REST API reads by key. Variables get the key Zeebe gives each one (taken when the
 * variable is created, kept when it changes; GET /v2/variables/{key}); existing variables are given keys
 * from the key counter. Feed rows are indexed by key so one element instance is found without its
 * process instance (GET /v2/element-instances/{key}).
 */
const V7_INDEXES = `
CREATE UNIQUE INDEX IF NOT EXISTS zb_var_key ON zb_variable (key);
CREATE INDEX IF NOT EXISTS zb_event_key ON zb_event (key);
`;

/** Creates or upgrades the engine tables; idempotent. */
export async function migrate(db: Db): Promise<void> {
  await db.exec(V1 + EVENTS[db.dialect] + EVENT_COLUMNS);
  await db.run(
    `INSERT INTO zb_meta (name, value) VALUES ('schema_version', 1), ('next_key', 1) ON CONFLICT (name) DO NOTHING`,
  );
  const [row] = await db.all(`SELECT value FROM zb_meta WHERE name = 'schema_version'`);
  if (Number(row?.value) < 2) {
    await db.run('BEGIN');
    try {
      await db.exec(V2);
      for (const sql of V2_BACKFILL) await db.run(sql);
      await db.run(`UPDATE zb_meta SET value = 2 WHERE name = 'schema_version'`);
      await db.run('COMMIT');
    } catch (err) {
      await db.run('ROLLBACK');
      throw err;
    }
  }
  if (Number(row?.value) < 3) {
    await db.exec(V3);
    await db.run(`UPDATE zb_meta SET value = 3 WHERE name = 'schema_version'`);
  }
  if (Number(row?.value) < 4) {
    await db.run('BEGIN');
    try {
      // a database set back to an older schema_version (the upgrade test) may have the column already
      if (!(await hasColumn(db, 'zb_process', 'version_tag'))) await db.exec(V4);
      for (const r of await db.all(`SELECT key, bpmn_process_id, xml FROM zb_process`)) {
        const tag = versionTagOf(String(r.xml), String(r.bpmn_process_id));
        if (tag !== undefined)
          await db.run(`UPDATE zb_process SET version_tag = ? WHERE key = ?`, [tag, Number(r.key)]);
      }
      await db.run(`UPDATE zb_meta SET value = 4 WHERE name = 'schema_version'`);
      await db.run('COMMIT');
    } catch (err) {
      await db.run('ROLLBACK');
      throw err;
    }
  }
  if (Number(row?.value) < 5) {
    await db.exec(V5);
    await db.run(`UPDATE zb_meta SET value = 5 WHERE name = 'schema_version'`);
  }
  if (Number(row?.value) < 6) {
    await db.exec(V6);
    await db.run(`UPDATE zb_meta SET value = 6 WHERE name = 'schema_version'`);
  }
  if (Number(row?.value) < 7) {
    await db.run('BEGIN');
    try {
      if (!(await hasColumn(db, 'zb_variable', 'key')))
        await db.exec(`ALTER TABLE zb_variable ADD COLUMN key BIGINT`);
      const [next] = await db.all(`SELECT value FROM zb_meta WHERE name = 'next_key'`);
      let counter = Number(next?.value ?? 1);
      for (const r of await db.all(`SELECT scope_key, name FROM zb_variable WHERE key IS NULL`))
        await db.run(`UPDATE zb_variable SET key = ? WHERE scope_key = ? AND name = ?`, [
          KEY_PARTITION + counter++,
          Number(r.scope_key),
          String(r.name),
        ]);
      await db.run(`UPDATE zb_meta SET value = ? WHERE name = 'next_key'`, [counter]);
      await db.exec(V7_INDEXES);
      await db.run(`UPDATE zb_meta SET value = 7 WHERE name = 'schema_version'`);
      await db.run('COMMIT');
    } catch (err) {
      await db.run('ROLLBACK');
      throw err;
    }
  }
}

/** Partition 1's bits of a key (runtime/run.ts KeyGenerator). */
const KEY_PARTITION = 2 ** 51;
