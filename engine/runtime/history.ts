/**
 * The history the query API reads (engine/query): one row per process instance and per incident, kept
 * after the runtime rows are gone. Written from the command's feed events in the command's own savepoint,
 * so a search after a gRPC answer already sees what that command did. Only process-level and incident
 * events touch these tables (two rows per instance), so the cost on the hot path stays small; element
 * instances are read from zb_event itself. The variables of a scope that ended go to zb_q_variable
 * (store/history.ts) in the same savepoint, so a variable is always in exactly one of the two tables.
 */
import type { Db, Param } from '../store/db.ts';
import type { FeedEvent } from './run.ts';
import { insertRows, type VarRow } from './state.ts';

const PI_COLUMNS = [
  'key',
  'process_key',
  'bpmn_process_id',
  'version',
  'parent_pi_key',
  'parent_ei_key',
  'state',
  'start_ts',
  'end_ts',
];
const INCIDENT_COLUMNS = [
  'key',
  'pi_key',
  'process_key',
  'bpmn_process_id',
  'element_id',
  'element_instance_key',
  'job_key',
  'error_type',
  'message',
  'state',
  'created_at',
  'resolved_at',
];

const ENDED: Record<string, string> = { ELEMENT_COMPLETED: 'COMPLETED', ELEMENT_TERMINATED: 'TERMINATED' };

const VARIABLE_COLUMNS = ['key', 'scope_key', 'name', 'pi_key', 'value'];

/**
 * Writes the history rows for the events of one command, all stamped `now`, and the variables of the
 * scopes it ended (one multi-row insert; most commands end none).
 */
export async function recordHistory(
  db: Db,
  events: readonly FeedEvent[],
  now: number,
  endedVariables: readonly VarRow[] = [],
): Promise<void> {
  const newInstances = new Map<number, Param[]>();
  const endedInstances: [state: string, key: number][] = [];
  const newIncidents = new Map<number, Param[]>();
  const resolvedIncidents: number[] = [];
  for (const e of events) {
    if (e.elementType === 'PROCESS' && e.intent === 'ELEMENT_ACTIVATED') {
      const { pi } = e;
      newInstances.set(e.key, [
        e.key,
        pi.processKey,
        pi.bpmnProcessId,
        pi.version,
        pi.parentPiKey,
        pi.parentElementInstanceKey,
        'ACTIVE',
        now,
        null,
      ]);
    } else if (e.elementType === 'PROCESS' && ENDED[e.intent]) {
      const row = newInstances.get(e.key);
      if (row) {
        row[6] = ENDED[e.intent]!;
        row[8] = now;
      } else endedInstances.push([ENDED[e.intent]!, e.key]);
    } else if (e.intent === 'INCIDENT_CREATED') {
      const key = Number(e.payload.incidentKey);
      const jobKey = e.payload.jobKey;
      newIncidents.set(key, [
        key,
        e.piKey,
        e.pi.processKey,
        e.bpmnProcessId,
        e.elementId,
        e.key,
        typeof jobKey === 'string' ? Number(jobKey) : null,
        String(e.payload.errorType),
        String(e.payload.errorMessage),
        'ACTIVE',
        now,
        null,
      ]);
    } else if (e.intent === 'INCIDENT_RESOLVED') {
      const key = Number(e.payload.incidentKey);
      const row = newIncidents.get(key);
      if (row) {
        row[9] = 'RESOLVED';
        row[11] = now;
      } else resolvedIncidents.push(key);
    }
  }
  if (endedVariables.length)
    await insertRows(
      db,
      'zb_q_variable',
      VARIABLE_COLUMNS,
      endedVariables.map((v) => [v.key, v.scopeKey, v.name, v.piKey, JSON.stringify(v.value)]),
    );
  if (newInstances.size)
    await insertRows(db, 'zb_q_process_instance', PI_COLUMNS, [...newInstances.values()]);
  for (const [state, key] of endedInstances)
    await db.run(`UPDATE zb_q_process_instance SET state = ?, end_ts = ? WHERE key = ?`, [state, now, key]);
  if (newIncidents.size) await insertRows(db, 'zb_q_incident', INCIDENT_COLUMNS, [...newIncidents.values()]);
  for (const key of resolvedIncidents)
    await db.run(`UPDATE zb_q_incident SET state = 'RESOLVED', resolved_at = ? WHERE key = ?`, [now, key]);
}
