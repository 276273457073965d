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

/** One evaluated decision (a decision instance, as Camunda lists them). */
export interface DecisionInstanceRow {
  key: number;
  /** The evaluation it was part of (EvaluateDecision's decisionInstanceKey). */
  evaluationKey: number;
  state: 'EVALUATED' | 'FAILED';
  failure: string | null;
  decisionKey: number;
  decisionId: string;
  decisionName: string;
  decisionVersion: number;
  decisionType: string;
  /** The decision's output as JSON text ("null" when it failed). */
  result: string;
  piKey: number | null;
  processKey: number | null;
  elementInstanceKey: number | null;
  inputs: unknown[];
  rules: unknown[];
}

const DECISION_COLUMNS = [
  'key',
  'evaluation_key',
  'state',
  'evaluated_at',
  'failure',
  'decision_key',
  'decision_id',
  'decision_name',
  'decision_version',
  'decision_type',
  'result',
  'pi_key',
  'process_key',
  'ei_key',
  'inputs',
  'rules',
];

/** What one command leaves for the history besides its feed events. */
export interface CommandHistory {
  events: readonly FeedEvent[];
  now: number;
  /** Variables of the scopes it ended, with their last values. */
  endedVariables: readonly VarRow[];
  /** Decisions it evaluated. */
  decisionInstances: readonly DecisionInstanceRow[];
}

/**
 * Writes the history rows of one command, all stamped `now`: from its feed events, the variables of the
 * scopes it ended and the decisions it evaluated (a multi-row insert each; most commands have neither).
 */
export async function recordHistory(db: Db, run: CommandHistory): Promise<void> {
  const { events, now, endedVariables, decisionInstances } = run;
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
  if (decisionInstances.length)
    await insertRows(
      db,
      'zb_q_decision_instance',
      DECISION_COLUMNS,
      decisionInstances.map((d) => [
        d.key,
        d.evaluationKey,
        d.state,
        now,
        d.failure,
        d.decisionKey,
        d.decisionId,
        d.decisionName,
        d.decisionVersion,
        d.decisionType,
        d.result,
        d.piKey,
        d.processKey,
        d.elementInstanceKey,
        JSON.stringify(d.inputs),
        JSON.stringify(d.rules),
      ]),
    );
  if (newInstances.size)
    await insertRows(db, 'zb_q_process_instance', PI_COLUMNS, [...newInstances.values()]);
  for (const [state, key] of endedInstances)
    await db.run(`UPDATE zb_q_process_instance SET state = ?, end_ts = ? WHERE key = ?`, [state, now, key]);
  if (newIncidents.size) await insertRows(db, 'zb_q_incident', INCIDENT_COLUMNS, [...newIncidents.values()]);
  for (const key of resolvedIncidents)
    await db.run(`UPDATE zb_q_incident SET state = 'RESOLVED', resolved_at = ? WHERE key = ?`, [now, key]);
}
