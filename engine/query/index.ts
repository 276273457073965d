/**
 * The engine's query side: what Camunda 8.8's Orchestration Cluster REST API (v2) answers for process
 * definitions, process instances, element instances, incidents and jobs, read from the engine's tables —
 * zb_process, the history tables zb_q_process_instance / zb_q_incident, the feed zb_event (an instance's
 * element instances) and the runtime zb_job / zb_incident. Item shapes follow the v2 API: keys as decimal
 * strings, dates as ISO 8601, tenant `<default>`. engine/rest serves these over HTTP.
 */
import type { Engine } from '../api.ts';
import type { Db, Param, Row } from '../store/db.ts';
import { VALUE_PREFIX } from '../store/history.ts';
import {
  filterConditions,
  invalid,
  isoDate,
  keyString,
  QueryProblem,
  search,
  TENANT,
  tenantField,
  type Field,
  type SearchResult,
  type SearchSpec,
} from './search.ts';

export { QueryProblem, type SearchResult } from './search.ts';

export interface ProcessDefinitionItem {
  processDefinitionKey: string;
  processDefinitionId: string;
  name?: string;
  version: number;
  /** zeebe:versionTag of the process, when it has one. */
  versionTag?: string;
  resourceName: string;
  tenantId: string;
}

export interface ProcessInstanceItem {
  processInstanceKey: string;
  processDefinitionKey: string;
  processDefinitionId: string;
  /** The process's name in the model, else its id (as Operate shows it). */
  processDefinitionName: string;
  processDefinitionVersion: number;
  parentProcessInstanceKey?: string;
  parentElementInstanceKey?: string;
  state: 'ACTIVE' | 'COMPLETED' | 'TERMINATED';
  startDate: string;
  endDate?: string;
  hasIncident: boolean;
  tenantId: string;
}

export interface ElementInstanceItem {
  elementInstanceKey: string;
  processInstanceKey: string;
  processDefinitionKey?: string;
  processDefinitionId: string;
  elementId: string;
  /** The element's name in the model, else its id. */
  elementName: string;
  type: string;
  state: 'ACTIVE' | 'COMPLETED' | 'TERMINATED';
  startDate: string;
  endDate?: string;
  hasIncident: boolean;
  incidentKey?: string;
  tenantId: string;
}

export interface IncidentItem {
  incidentKey: string;
  processDefinitionKey: string;
  processDefinitionId: string;
  processInstanceKey: string;
  errorType: string;
  errorMessage: string;
  elementId: string;
  elementInstanceKey: string;
  creationTime: string;
  state: 'ACTIVE' | 'RESOLVED';
  jobKey?: string;
  tenantId: string;
}

export interface JobItem {
  jobKey: string;
  type: string;
  worker: string;
  state: string;
  kind: 'BPMN_ELEMENT' | 'EXECUTION_LISTENER';
  listenerEventType: 'UNSPECIFIED' | 'START' | 'END';
  retries: number;
  hasFailedWithRetriesLeft: boolean;
  errorMessage?: string;
  deadline?: string;
  customHeaders: Record<string, string>;
  processInstanceKey: string;
  processDefinitionKey: string;
  processDefinitionId: string;
  elementId: string;
  elementInstanceKey: string;
  tenantId: string;
}

export interface ElementStatistics {
  elementId: string;
  active: number;
  canceled: number;
  incidents: number;
  completed: number;
}

export interface CallHierarchyEntry {
  processInstanceKey: string;
  processDefinitionKey: string;
  processDefinitionName: string;
}

/** The queries, each a consistent read between two engine commands. */
export interface EngineQueries {
  searchProcessDefinitions(body: unknown): Promise<SearchResult<ProcessDefinitionItem>>;
  getProcessDefinition(key: string): Promise<ProcessDefinitionItem>;
  getProcessDefinitionXml(key: string): Promise<string>;
  searchProcessInstances(body: unknown): Promise<SearchResult<ProcessInstanceItem>>;
  getProcessInstance(key: string): Promise<ProcessInstanceItem>;
  searchElementInstances(body: unknown): Promise<SearchResult<ElementInstanceItem>>;
  getElementInstance(key: string): Promise<ElementInstanceItem>;
  /** Element instances per element of one process instance, by state. */
  processInstanceStatistics(key: string): Promise<{ items: ElementStatistics[] }>;
  /** The same over the instances of one definition that match a process-instance `filter`. */
  processDefinitionStatistics(key: string, body: unknown): Promise<{ items: ElementStatistics[] }>;
  /** The instance's ancestry: its root first, the instance itself last. */
  callHierarchy(key: string): Promise<CallHierarchyEntry[]>;
  searchIncidents(body: unknown): Promise<SearchResult<IncidentItem>>;
  /** The incidents of a process instance and of the instances it called, however deep. */
  searchInstanceIncidents(key: string, body: unknown): Promise<SearchResult<IncidentItem>>;
  getIncident(key: string): Promise<IncidentItem>;
  searchJobs(body: unknown): Promise<SearchResult<JobItem>>;
}

const INSTANCE_STATES = ['ACTIVE', 'COMPLETED', 'TERMINATED'] as const;
const ELEMENT_TYPES = [
  'UNSPECIFIED',
  'PROCESS',
  'SUB_PROCESS',
  'EVENT_SUB_PROCESS',
  'AD_HOC_SUB_PROCESS',
  'START_EVENT',
  'INTERMEDIATE_CATCH_EVENT',
  'INTERMEDIATE_THROW_EVENT',
  'BOUNDARY_EVENT',
  'END_EVENT',
  'SERVICE_TASK',
  'RECEIVE_TASK',
  'USER_TASK',
  'MANUAL_TASK',
  'TASK',
  'EXCLUSIVE_GATEWAY',
  'INCLUSIVE_GATEWAY',
  'PARALLEL_GATEWAY',
  'EVENT_BASED_GATEWAY',
  'SEQUENCE_FLOW',
  'MULTI_INSTANCE_BODY',
  'CALL_ACTIVITY',
  'BUSINESS_RULE_TASK',
  'SCRIPT_TASK',
  'SEND_TASK',
  'UNKNOWN',
] as const;
const ERROR_TYPES = [
  'UNSPECIFIED',
  'UNKNOWN',
  'IO_MAPPING_ERROR',
  'JOB_NO_RETRIES',
  'EXECUTION_LISTENER_NO_RETRIES',
  'TASK_LISTENER_NO_RETRIES',
  'CONDITION_ERROR',
  'EXTRACT_VALUE_ERROR',
  'CALLED_ELEMENT_ERROR',
  'UNHANDLED_ERROR_EVENT',
  'MESSAGE_SIZE_EXCEEDED',
  'CALLED_DECISION_ERROR',
  'DECISION_EVALUATION_ERROR',
  'FORM_NOT_FOUND',
  'RESOURCE_NOT_FOUND',
] as const;
const JOB_STATES = ['CREATED', 'FAILED', 'ERROR_THROWN'] as const;

/** Decodes the five XML entities (attribute values of a process name). */
const unescapeXml = (s: string) =>
  s.replace(/&(lt|gt|quot|apos|amp);/g, (_m, e: string) =>
    e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : e === 'apos' ? "'" : '&',
  );

/**
 * The `name` of every element of a deployed BPMN document that has one, by id (the process's own name
 * under its process id). Ids are unique within a document, so one pass over the start tags is enough.
 */
export function elementNames(xml: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const m of xml.matchAll(/<[\w-]+(?::[\w-]+)?\s([^>]*)>/g)) {
    const attrs = m[1]!;
    const id = /(?:^|\s)id\s*=\s*(["'])(.*?)\1/.exec(attrs)?.[2];
    const name = /(?:^|\s)name\s*=\s*(["'])(.*?)\1/.exec(attrs)?.[2];
    if (id !== undefined && name !== undefined) names.set(unescapeXml(id), unescapeXml(name));
  }
  return names;
}

/** The `name` of the process element `processId` in a deployed BPMN document. */
export const processName = (xml: string, processId: string): string | undefined =>
  elementNames(xml).get(processId);

const definitionSpec: SearchSpec<ProcessDefinitionItem> = {
  from: 'zb_process d',
  where: ['d.deleted = 0'],
  fields: {
    processDefinitionKey: { sql: 'd.key', type: 'key' },
    processDefinitionId: { sql: 'd.bpmn_process_id', type: 'string' },
    version: { sql: 'd.version', type: 'int' },
    versionTag: { sql: 'd.version_tag', type: 'string' },
    resourceName: { sql: 'd.resource_name', type: 'string' },
    tenantId: tenantField,
  },
  keyField: 'processDefinitionKey',
  select: 'd.key, d.bpmn_process_id, d.version, d.version_tag, d.resource_name, d.xml',
  toItem: (r) => ({
    processDefinitionKey: String(r.key),
    processDefinitionId: String(r.bpmn_process_id),
    name: processName(String(r.xml), String(r.bpmn_process_id)),
    version: Number(r.version),
    versionTag: r.version_tag === null || r.version_tag === undefined ? undefined : String(r.version_tag),
    resourceName: String(r.resource_name),
    tenantId: TENANT,
  }),
};

const hasIncidentOfInstance = `(CASE WHEN EXISTS (SELECT 1 FROM zb_incident i WHERE i.pi_key = p.key) THEN 1 ELSE 0 END)`;

const instanceSpec: SearchSpec<ProcessInstanceItem & { _processKey: number }> = {
  from: 'zb_q_process_instance p',
  fields: {
    processInstanceKey: { sql: 'p.key', type: 'key' },
    processDefinitionKey: { sql: 'p.process_key', type: 'key' },
    processDefinitionId: { sql: 'p.bpmn_process_id', type: 'string' },
    processDefinitionVersion: { sql: 'p.version', type: 'int' },
    parentProcessInstanceKey: { sql: 'p.parent_pi_key', type: 'key' },
    parentElementInstanceKey: { sql: 'p.parent_ei_key', type: 'key' },
    state: { sql: 'p.state', type: 'string', values: INSTANCE_STATES },
    startDate: { sql: 'p.start_ts', type: 'date' },
    endDate: { sql: 'p.end_ts', type: 'date' },
    hasIncident: { sql: hasIncidentOfInstance, type: 'bool' },
    tenantId: tenantField,
  },
  keyField: 'processInstanceKey',
  select: `p.*, ${hasIncidentOfInstance} AS has_incident`,
  toItem: (r) => ({
    _processKey: Number(r.process_key),
    processInstanceKey: String(r.key),
    processDefinitionKey: String(r.process_key),
    processDefinitionId: String(r.bpmn_process_id),
    processDefinitionName: String(r.bpmn_process_id), // the model's name replaces it (withNames)
    processDefinitionVersion: Number(r.version),
    parentProcessInstanceKey: keyString(r.parent_pi_key),
    parentElementInstanceKey: keyString(r.parent_ei_key),
    state: r.state as ProcessInstanceItem['state'],
    startDate: isoDate(r.start_ts)!,
    endDate: isoDate(r.end_ts),
    hasIncident: Number(r.has_incident) === 1,
    tenantId: TENANT,
  }),
};

const EI_INTENTS = `('ELEMENT_ACTIVATED', 'ELEMENT_COMPLETED', 'ELEMENT_TERMINATED', 'INCIDENT_CREATED', 'ELEMENT_MIGRATED')`;
// One row per element instance of one process instance, folded from its feed events. An element whose
// activation raised an incident has no ELEMENT_ACTIVATED yet; its INCIDENT_CREATED makes it visible.
// Element id, type and process id come from the element's latest event: a migrated instance
// (ELEMENT_MIGRATED) shows its elements under the target definition's ids, as Operate does.
/** The folded element instances of the process instances `instances` selects (`= ?` or `IN (…)`). */
const elementsOf = (
  instances: string,
) => `(SELECT g.key AS key, g.pi_key AS pi_key, l.bpmn_process_id AS bpmn_process_id,
  l.element_id AS element_id, l.element_type AS element_type, g.start_ts AS start_ts, g.end_ts AS end_ts, g.ended AS ended
  FROM (SELECT e.key AS key, MIN(e.pi_key) AS pi_key, MAX(e.position) AS last_position, MIN(e.ts) AS start_ts,
  MAX(CASE WHEN e.intent IN ('ELEMENT_COMPLETED', 'ELEMENT_TERMINATED') THEN e.ts END) AS end_ts,
  MAX(CASE WHEN e.intent = 'ELEMENT_COMPLETED' THEN 'COMPLETED' WHEN e.intent = 'ELEMENT_TERMINATED' THEN 'TERMINATED' END) AS ended
  FROM zb_event e WHERE e.pi_key ${instances} AND e.intent IN ${EI_INTENTS} GROUP BY e.key) g
  JOIN zb_event l ON l.position = g.last_position) ei
  LEFT JOIN zb_q_process_instance p ON p.key = ei.pi_key`;
const ELEMENTS_OF_INSTANCE = elementsOf('= ?');
// Per element: its instances by state, and the active ones holding an incident (the process itself is
// not an element of its diagram).
const elementStatistics = (instances: string) => `SELECT ei.element_id AS element_id,
  SUM(CASE WHEN ei.ended IS NULL THEN 1 ELSE 0 END) AS active,
  SUM(CASE WHEN ei.ended = 'TERMINATED' THEN 1 ELSE 0 END) AS canceled,
  SUM(CASE WHEN ei.ended = 'COMPLETED' THEN 1 ELSE 0 END) AS completed,
  SUM(CASE WHEN ei.ended IS NULL AND EXISTS (SELECT 1 FROM zb_incident i WHERE i.pi_key = ei.pi_key
    AND i.element_instance_key = ei.key) THEN 1 ELSE 0 END) AS incidents
  FROM ${elementsOf(instances)} WHERE ei.element_type <> 'PROCESS' GROUP BY ei.element_id ORDER BY ei.element_id`;
const statisticsItem = (r: Row): ElementStatistics => ({
  elementId: String(r.element_id),
  active: Number(r.active),
  canceled: Number(r.canceled),
  incidents: Number(r.incidents),
  completed: Number(r.completed),
});

const incidentOfElement = `(SELECT MIN(i.key) FROM zb_incident i WHERE i.pi_key = ei.pi_key AND i.element_instance_key = ei.key)`;

const elementFields: Record<string, Field> = {
  elementInstanceKey: { sql: 'ei.key', type: 'key' },
  processInstanceKey: { sql: 'ei.pi_key', type: 'key' },
  processDefinitionKey: { sql: 'p.process_key', type: 'key' },
  processDefinitionId: { sql: 'ei.bpmn_process_id', type: 'string' },
  elementId: { sql: 'ei.element_id', type: 'string' },
  type: { sql: 'ei.element_type', type: 'string', values: ELEMENT_TYPES },
  state: { sql: `COALESCE(ei.ended, 'ACTIVE')`, type: 'string', values: INSTANCE_STATES },
  startDate: { sql: 'ei.start_ts', type: 'date' },
  endDate: { sql: 'ei.end_ts', type: 'date' },
  hasIncident: { sql: `(CASE WHEN ${incidentOfElement} IS NULL THEN 0 ELSE 1 END)`, type: 'bool' },
  incidentKey: { sql: incidentOfElement, type: 'key' },
  tenantId: tenantField,
};

const elementSpec = (piKey: number): SearchSpec<ElementInstanceItem & { _processKey?: number }> => ({
  from: ELEMENTS_OF_INSTANCE,
  fromParams: [piKey],
  fields: elementFields,
  keyField: 'elementInstanceKey',
  select: `ei.*, p.process_key, ${incidentOfElement} AS incident_key`,
  toItem: (r) => ({
    _processKey: r.process_key === null ? undefined : Number(r.process_key),
    elementInstanceKey: String(r.key),
    processInstanceKey: String(r.pi_key),
    processDefinitionKey: keyString(r.process_key),
    processDefinitionId: String(r.bpmn_process_id),
    elementId: String(r.element_id),
    elementName: String(r.element_id), // the model's name replaces it (withNames)
    type: String(r.element_type),
    state: (r.ended ?? 'ACTIVE') as ElementInstanceItem['state'],
    startDate: isoDate(r.start_ts)!,
    endDate: isoDate(r.end_ts),
    hasIncident: r.incident_key !== null && r.incident_key !== undefined,
    incidentKey: keyString(r.incident_key),
    tenantId: TENANT,
  }),
});

const incidentSpec: SearchSpec<IncidentItem> = {
  from: 'zb_q_incident n',
  fields: {
    incidentKey: { sql: 'n.key', type: 'key' },
    processDefinitionKey: { sql: 'n.process_key', type: 'key' },
    processDefinitionId: { sql: 'n.bpmn_process_id', type: 'string' },
    processInstanceKey: { sql: 'n.pi_key', type: 'key' },
    errorType: { sql: 'n.error_type', type: 'string', values: ERROR_TYPES },
    errorMessage: { sql: 'n.message', type: 'string' },
    elementId: { sql: 'n.element_id', type: 'string' },
    elementInstanceKey: { sql: 'n.element_instance_key', type: 'key' },
    creationTime: { sql: 'n.created_at', type: 'date' },
    state: { sql: 'n.state', type: 'string', values: ['ACTIVE', 'MIGRATED', 'RESOLVED', 'PENDING'] },
    jobKey: { sql: 'n.job_key', type: 'key' },
    tenantId: tenantField,
  },
  keyField: 'incidentKey',
  select: 'n.*',
  toItem: (r) => ({
    incidentKey: String(r.key),
    processDefinitionKey: String(r.process_key),
    processDefinitionId: String(r.bpmn_process_id),
    processInstanceKey: String(r.pi_key),
    errorType: String(r.error_type),
    errorMessage: String(r.message),
    elementId: String(r.element_id),
    elementInstanceKey: String(r.element_instance_key),
    creationTime: isoDate(r.created_at)!,
    state: r.state as IncidentItem['state'],
    jobKey: keyString(r.job_key),
    tenantId: TENANT,
  }),
};

// The runtime job row knows activatable / activated / back-off / failed / error thrown; the API's job
// states fold the first two into CREATED and the back-off into FAILED (a failure with retries left).
const jobState = `(CASE j.state WHEN 'ACTIVATABLE' THEN 'CREATED' WHEN 'ACTIVATED' THEN 'CREATED' WHEN 'BACKOFF' THEN 'FAILED' ELSE j.state END)`;
// A listener job is the one its element instance's listener state names (runtime/listeners.ts keeps
// {"event":…,"next":…,"jobKey":…} in the element's data); keys have a fixed width, so LIKE is exact.
const listenerOf = (event: string) =>
  `e.data LIKE ('%"listener":{"event":"${event}","next":%,"jobKey":' || j.key || '}%')`;
const jobListener = `(CASE WHEN ${listenerOf('start')} THEN 'START' WHEN ${listenerOf('end')} THEN 'END' ELSE 'UNSPECIFIED' END)`;
const jobSpec: SearchSpec<JobItem> = {
  from: 'zb_job j LEFT JOIN zb_element_instance e ON e.key = j.element_instance_key',
  fields: {
    jobKey: { sql: 'j.key', type: 'key' },
    type: { sql: 'j.type', type: 'string' },
    worker: { sql: 'j.worker', type: 'string' },
    state: { sql: jobState, type: 'string', values: JOB_STATES },
    retries: { sql: 'j.retries', type: 'int' },
    processInstanceKey: { sql: 'j.pi_key', type: 'key' },
    processDefinitionKey: { sql: 'j.process_key', type: 'key' },
    processDefinitionId: { sql: 'j.bpmn_process_id', type: 'string' },
    elementId: { sql: 'j.element_id', type: 'string' },
    elementInstanceKey: { sql: 'j.element_instance_key', type: 'key' },
    deadline: { sql: 'j.deadline', type: 'date' },
    errorMessage: { sql: 'j.error_message', type: 'string' },
    kind: {
      sql: `(CASE WHEN ${jobListener} = 'UNSPECIFIED' THEN 'BPMN_ELEMENT' ELSE 'EXECUTION_LISTENER' END)`,
      type: 'string',
      values: ['BPMN_ELEMENT', 'EXECUTION_LISTENER', 'TASK_LISTENER'],
    },
    listenerEventType: {
      sql: jobListener,
      type: 'string',
      values: ['UNSPECIFIED', 'START', 'END', 'CREATING', 'ASSIGNING', 'UPDATING', 'COMPLETING', 'CANCELING'],
    },
    tenantId: tenantField,
  },
  keyField: 'jobKey',
  select: `j.*, ${jobState} AS api_state, ${jobListener} AS listener_event`,
  toItem: (r) => ({
    jobKey: String(r.key),
    type: String(r.type),
    worker: String(r.worker),
    state: String(r.api_state),
    kind: r.listener_event === 'UNSPECIFIED' ? 'BPMN_ELEMENT' : 'EXECUTION_LISTENER',
    listenerEventType: r.listener_event as JobItem['listenerEventType'],
    retries: Number(r.retries),
    hasFailedWithRetriesLeft: r.error_message !== '' && Number(r.retries) > 0,
    errorMessage: r.error_message === '' ? undefined : String(r.error_message),
    deadline: r.state === 'ACTIVATED' || r.state === 'BACKOFF' ? isoDate(r.deadline) : undefined,
    customHeaders: JSON.parse(String(r.headers)) as Record<string, string>,
    processInstanceKey: String(r.pi_key),
    processDefinitionKey: String(r.process_key),
    processDefinitionId: String(r.bpmn_process_id),
    elementId: String(r.element_id),
    elementInstanceKey: String(r.element_instance_key),
    tenantId: TENANT,
  }),
};

/** A key from a URL path segment, or 400. */
function pathKey(value: string, what: string): number {
  if (!/^\d{1,16}$/.test(value))
    throw invalid(`${what} must be a key (a string of digits), but was '${value}'`);
  return Number(value);
}

/** Called instances nest at most this deep (the engine's limit, ENGINE_MAX_CALL_DEPTH, is lower). */
const MAX_CALL_HIERARCHY = 1000;

const notFound = (detail: string) => new QueryProblem(404, 'NOT_FOUND', detail);

/** The processInstanceKey an element-instance search is scoped to (this engine reads them per instance). */
function scopedInstance(body: unknown): number {
  const filter = (body as { filter?: Record<string, unknown> } | null)?.filter;
  let value = filter?.processInstanceKey;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const ops = Object.keys(value);
    value = ops.length === 1 && ops[0] === '$eq' ? (value as { $eq: unknown }).$eq : undefined;
  }
  if (typeof value === 'string' && /^\d{1,16}$/.test(value)) return Number(value);
  throw invalid(
    'filter.processInstanceKey is required: this engine searches the element instances of one process instance',
  );
}

/**
 * `filter.variables` of a process-instance search (Camunda 8.8: `[{name, value}]`, value a JSON text):
 * instances whose root scope holds each variable with that value. Taken out of the filter and turned
 * into EXISTS conditions on the running variables (zb_variable) or, for an instance that ended, the
 * ones it ended with (zb_q_variable), so an instance in any state is found by a business key such as
 * the hub's caseId, as on Camunda.
 */
function withVariableFilter(
  body: unknown,
): [SearchSpec<ProcessInstanceItem & { _processKey: number }>, unknown] {
  const filter = (body as { filter?: unknown } | null)?.filter;
  if (!filter || typeof filter !== 'object' || !('variables' in filter)) return [instanceSpec, body];
  const { variables, ...rest } = filter as { variables: unknown };
  if (!Array.isArray(variables)) throw invalid('filter.variables must be an array of {name, value}');
  const where: string[] = [];
  const params: Param[] = [];
  variables.forEach((v: unknown, i) => {
    const { name, value } = (v ?? {}) as { name?: unknown; value?: unknown };
    if (typeof name !== 'string' || typeof value !== 'string')
      throw invalid(`filter.variables[${i}] must be {name, value} with value a JSON text`);
    let normalized: string;
    try {
      normalized = JSON.stringify(JSON.parse(value));
    } catch {
      throw invalid(`filter.variables[${i}].value must be a JSON text, e.g. '"abc"' or '42'`);
    }
    // The instances are found from the variables, not the other way round: the history's by its index
    // on (name, value prefix) (store/history.ts), the running ones by a pass over the runtime variables
    // — so the cost does not grow with the ended instances kept. A root variable's scope is its instance.
    where.push(
      'p.key IN (SELECT v.scope_key FROM zb_variable v WHERE v.name = ? AND v.value = ?' +
        ` UNION ALL SELECT h.scope_key FROM zb_q_variable h WHERE h.name = ? AND ${VALUE_PREFIX('h.value')} = ${VALUE_PREFIX('?')} AND h.value = ?)`,
    );
    params.push(name, normalized, name, normalized, normalized);
  });
  return [
    {
      ...instanceSpec,
      where: [...(instanceSpec.where ?? []), ...where],
      fromParams: [...(instanceSpec.fromParams ?? []), ...params],
    },
    { ...(body as object), filter: rest },
  ];
}

/** Builds the queries over an engine's state. */
export function createEngineQueries(engine: Pick<Engine, 'readState'>): EngineQueries {
  // Element and process names come from the deployed XML, which never changes for a key.
  const names = new Map<number, Map<string, string>>();
  async function withNames<T extends { _processKey?: number }>(
    db: Db,
    items: T[],
    set: (item: T, names: Map<string, string>) => void,
  ): Promise<void> {
    const missing = [...new Set(items.map((i) => i._processKey))].filter(
      (k): k is number => k !== undefined && !names.has(k),
    );
    if (missing.length) {
      const rows: Row[] = await db.all(
        `SELECT key, xml FROM zb_process WHERE key IN (${missing.map(() => '?').join(', ')})`,
        missing,
      );
      for (const r of rows) names.set(Number(r.key), elementNames(String(r.xml)));
    }
    for (const item of items) {
      set(item, (item._processKey !== undefined && names.get(item._processKey)) || new Map());
      delete item._processKey;
    }
  }

  const instances = (db: Db, body: unknown) =>
    search(db, ...withVariableFilter(body)).then(async (result) => {
      await withNames(
        db,
        result.items,
        (item, n) =>
          (item.processDefinitionName = n.get(item.processDefinitionId) ?? item.processDefinitionId),
      );
      return result as SearchResult<ProcessInstanceItem>;
    });

  // Camunda answers an element's name, or its id when it has none.
  const elements = (db: Db, piKey: number, body: unknown) =>
    search(db, elementSpec(piKey), body).then(async (result) => {
      await withNames(
        db,
        result.items,
        (item, n) => (item.elementName = n.get(item.elementId) ?? item.elementId),
      );
      return result as SearchResult<ElementInstanceItem>;
    });

  const one = async <T>(result: Promise<SearchResult<T>>, what: string): Promise<T> => {
    const [item] = (await result).items;
    if (!item) throw notFound(what);
    return item;
  };

  return {
    searchProcessDefinitions: (body) => engine.readState((db) => search(db, definitionSpec, body)),
    getProcessDefinition: (key) => {
      const k = pathKey(key, 'processDefinitionKey');
      return one(
        engine.readState((db) => search(db, definitionSpec, { filter: { processDefinitionKey: k } })),
        `Process definition with key '${key}' not found`,
      );
    },
    async getProcessDefinitionXml(key) {
      const k = pathKey(key, 'processDefinitionKey');
      const [row] = await engine.readState((db) =>
        db.all(`SELECT xml FROM zb_process WHERE key = ? AND deleted = 0`, [k]),
      );
      if (!row) throw notFound(`Process definition with key '${key}' not found`);
      return String(row.xml);
    },
    searchProcessInstances: (body) => engine.readState((db) => instances(db, body)),
    getProcessInstance: (key) => {
      const k = pathKey(key, 'processInstanceKey');
      return one(
        engine.readState((db) => instances(db, { filter: { processInstanceKey: k } })),
        `Process instance with key '${key}' not found`,
      );
    },
    searchElementInstances(body) {
      const piKey = scopedInstance(body);
      return engine.readState((db) => elements(db, piKey, body));
    },
    getElementInstance(key) {
      const k = pathKey(key, 'elementInstanceKey');
      return one(
        engine.readState(async (db) => {
          // the feed row of any event of the element names its process instance
          const [row] = await db.all(`SELECT pi_key FROM zb_event WHERE key = ? LIMIT 1`, [k]);
          if (!row) return { items: [] } as unknown as SearchResult<ElementInstanceItem>;
          return elements(db, Number(row.pi_key), { filter: { elementInstanceKey: String(k) } });
        }),
        `Element instance with key '${key}' not found`,
      );
    },
    async processInstanceStatistics(key) {
      const k = pathKey(key, 'processInstanceKey');
      return engine.readState(async (db) => {
        const [pi] = await db.all(`SELECT key FROM zb_q_process_instance WHERE key = ?`, [k]);
        if (!pi) throw notFound(`Process instance with key '${key}' not found`);
        return { items: (await db.all(elementStatistics('= ?'), [k])).map(statisticsItem) };
      });
    },
    async processDefinitionStatistics(key, body) {
      const k = pathKey(key, 'processDefinitionKey');
      const request = (body ?? {}) as Record<string, unknown>;
      if (typeof request !== 'object' || Array.isArray(request))
        throw invalid('the request body must be a JSON object');
      for (const name of Object.keys(request))
        if (name !== 'filter') throw invalid(`${name} is not a known property of a statistics request`);
      const filter = filterConditions(instanceSpec as SearchSpec<unknown>, request.filter);
      const instances = `IN (SELECT p.key FROM zb_q_process_instance p WHERE ${['p.process_key = ?', ...filter.sql].join(' AND ')})`;
      return engine.readState(async (db) => {
        const [def] = await db.all(`SELECT key FROM zb_process WHERE key = ? AND deleted = 0`, [k]);
        if (!def) throw notFound(`Process definition with key '${key}' not found`);
        return {
          items: (await db.all(elementStatistics(instances), [k, ...filter.params])).map(statisticsItem),
        };
      });
    },
    callHierarchy(key) {
      const k = pathKey(key, 'processInstanceKey');
      return engine.readState(async (db) => {
        const chain: (ProcessInstanceItem & { _processKey?: number })[] = [];
        for (let at: number | undefined = k; at !== undefined && chain.length <= MAX_CALL_HIERARCHY;) {
          const [row] = await db.all(`SELECT * FROM zb_q_process_instance p WHERE p.key = ?`, [at]);
          if (!row) break;
          chain.unshift({ ...instanceSpec.toItem({ ...row, has_incident: 0 }) });
          at =
            row.parent_pi_key === null || row.parent_pi_key === undefined
              ? undefined
              : Number(row.parent_pi_key);
        }
        if (!chain.length) throw notFound(`Process instance with key '${key}' not found`);
        await withNames(
          db,
          chain,
          (item, n) =>
            (item.processDefinitionName = n.get(item.processDefinitionId) ?? item.processDefinitionId),
        );
        return chain.map((i) => ({
          processInstanceKey: i.processInstanceKey,
          processDefinitionKey: i.processDefinitionKey,
          processDefinitionName: i.processDefinitionName,
        }));
      });
    },
    searchIncidents: (body) => engine.readState((db) => search(db, incidentSpec, body)),
    searchInstanceIncidents(key, body) {
      const k = pathKey(key, 'processInstanceKey');
      return engine.readState(async (db) => {
        const [pi] = await db.all(`SELECT key FROM zb_q_process_instance WHERE key = ?`, [k]);
        if (!pi) throw notFound(`Process instance with key '${key}' not found`);
        const tree = `n.pi_key IN (WITH RECURSIVE tree(key) AS (SELECT CAST(? AS BIGINT) UNION ALL
          SELECT p.key FROM zb_q_process_instance p JOIN tree t ON p.parent_pi_key = t.key) SELECT key FROM tree)`;
        return search(db, { ...incidentSpec, where: [tree], fromParams: [k] }, body);
      });
    },
    getIncident: (key) => {
      const k = pathKey(key, 'incidentKey');
      return one(
        engine.readState((db) => search(db, incidentSpec, { filter: { incidentKey: k } })),
        `Incident with key '${key}' not found`,
      );
    },
    searchJobs: (body) => engine.readState((db) => search(db, jobSpec, body)),
  };
}
