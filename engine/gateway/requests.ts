/**
 * Validates gateway requests and converts them from their wire shape (proto-loader objects: int64 as
 * decimal strings, variables as JSON strings) to the engine's shapes (durations as numbers, variables as
 * objects). Messages follow Zeebe's "Expected …, but …" style so clients see familiar errors.
 */
import { DEFAULT_TENANT, type Variables } from '../api.ts';
import { invalidArgument } from './status.ts';

/** A request as proto-loader decodes it (defaults filled in). */
export type Wire = Record<string, unknown>;

const str = (req: Wire, field: string): string =>
  typeof req[field] === 'string' ? (req[field] as string) : '';

/** A repeated string field; empty entries (some clients send [""] for "no tenant") are dropped. */
const strList = (req: Wire, field: string): string[] =>
  Array.isArray(req[field])
    ? (req[field] as unknown[]).filter((v): v is string => typeof v === 'string' && v !== '')
    : [];

/** An int64 or int32 field as a number (int64 arrive as decimal strings). */
export function num(req: Wire, field: string): number {
  const value = req[field];
  if (value === undefined || value === null || value === '') return 0;
  const n = Number(value);
  if (!Number.isFinite(n))
    throw invalidArgument(`Expected '${field}' to be a number, but was '${String(value)}'`);
  return n;
}

/** An int64 key, as the decimal string the engine expects. */
export const key = (req: Wire, field: string): string => {
  const value = req[field];
  return value === undefined || value === null || value === '' ? '0' : String(value);
};

/** Parses a variables document: empty means none; anything but a JSON object is INVALID_ARGUMENT. */
export function variables(req: Wire, field = 'variables'): Variables {
  const text = str(req, field).trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw invalidArgument(
      `Property '${field}' is invalid: Expected document to be valid JSON, but it was not: ${(err as Error).message}`,
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    const kind = parsed === null ? 'NULL' : Array.isArray(parsed) ? 'ARRAY' : (typeof parsed).toUpperCase();
    throw invalidArgument(
      `Property '${field}' is invalid: Expected document to be a root level object, but was '${kind}'`,
    );
  }
  return parsed as Variables;
}

/** Multi-tenancy is disabled: only the default tenant (or none) may be named. */
export function tenant(req: Wire, rpc: string): string {
  const id = str(req, 'tenantId');
  if (id !== '' && id !== DEFAULT_TENANT) throw tenantError(rpc, id);
  return DEFAULT_TENANT;
}

function tenants(req: Wire, rpc: string): string[] {
  const ids = strList(req, 'tenantIds');
  const other = ids.find((id) => id !== DEFAULT_TENANT);
  if (other !== undefined) throw tenantError(rpc, other);
  return [DEFAULT_TENANT];
}

const tenantError = (rpc: string, id: string) =>
  invalidArgument(
    `Expected to handle gRPC request ${rpc} with tenant identifier '${id}', but multi-tenancy is disabled`,
  );

function nonBlank(req: Wire, field: string, what: string): string {
  const value = str(req, field);
  if (value.trim() === '') throw invalidArgument(`Expected ${what}, but '${field}' was blank`);
  return value;
}

/** ActivateJobs: type, worker, timeout ≥ 1, maxJobsToActivate ≥ 1 (as the proto documents). */
export function activateJobs(req: Wire) {
  const type = nonBlank(req, 'type', 'to activate jobs of a type');
  const worker = nonBlank(req, 'worker', 'to activate jobs for a named worker');
  const timeout = num(req, 'timeout');
  if (timeout < 1)
    throw invalidArgument(
      `Expected to activate jobs with a timeout of at least 1 ms, but it was '${timeout}'`,
    );
  const maxJobsToActivate = num(req, 'maxJobsToActivate');
  if (maxJobsToActivate < 1)
    throw invalidArgument(
      `Expected to activate job batch with max jobs to activate to be greater than zero, but it was '${maxJobsToActivate}'`,
    );
  return {
    request: {
      type,
      worker,
      timeout,
      maxJobsToActivate,
      fetchVariable: strList(req, 'fetchVariable'),
      tenantIds: tenants(req, 'ActivateJobs'),
    },
    requestTimeout: num(req, 'requestTimeout'),
  };
}

/** StreamActivatedJobs: type and timeout ≥ 1; the worker name is optional there. */
export function streamActivatedJobs(req: Wire) {
  const type = nonBlank(req, 'type', 'to stream jobs of a type');
  const timeout = num(req, 'timeout');
  if (timeout < 1)
    throw invalidArgument(`Expected to stream jobs with a timeout of at least 1 ms, but it was '${timeout}'`);
  return {
    type,
    worker: str(req, 'worker'),
    timeout,
    fetchVariable: strList(req, 'fetchVariable'),
    tenantIds: tenants(req, 'StreamActivatedJobs'),
  };
}

export function createProcessInstance(req: Wire, rpc = 'CreateProcessInstance') {
  const startInstructions = Array.isArray(req.startInstructions)
    ? (req.startInstructions as Wire[]).map((i) => ({ elementId: str(i, 'elementId') }))
    : [];
  return {
    processDefinitionKey: key(req, 'processDefinitionKey'),
    bpmnProcessId: str(req, 'bpmnProcessId'),
    version: num(req, 'version'),
    variables: variables(req),
    startInstructions,
    tenantId: tenant(req, rpc),
  };
}

export function createProcessInstanceWithResult(req: Wire) {
  const inner = (req.request ?? {}) as Wire;
  return {
    request: createProcessInstance(inner, 'CreateProcessInstanceWithResult'),
    requestTimeout: num(req, 'requestTimeout'),
    fetchVariables: strList(req, 'fetchVariables'),
  };
}

export function deployResource(req: Wire) {
  const resources = Array.isArray(req.resources) ? (req.resources as Wire[]) : [];
  if (resources.length === 0)
    throw invalidArgument('Expected to deploy at least one resource, but none given');
  return {
    resources: resources.map((r) => ({ name: str(r, 'name'), content: toBytes(r.content) })),
    tenantId: tenant(req, 'DeployResource'),
  };
}

/** The deprecated DeployProcess, served as DeployResource. */
export function deployProcess(req: Wire) {
  const processes = Array.isArray(req.processes) ? (req.processes as Wire[]) : [];
  if (processes.length === 0)
    throw invalidArgument('Expected to deploy at least one resource, but none given');
  return {
    resources: processes.map((p) => ({ name: str(p, 'name'), content: toBytes(p.definition) })),
    tenantId: DEFAULT_TENANT,
  };
}

const toBytes = (value: unknown): Uint8Array =>
  value instanceof Uint8Array ? value : Buffer.from(typeof value === 'string' ? value : '');

export const completeJob = (req: Wire) => ({ jobKey: key(req, 'jobKey'), variables: variables(req) });

export const failJob = (req: Wire) => {
  const retryBackOff = num(req, 'retryBackOff');
  if (retryBackOff < 0)
    throw invalidArgument(
      `Expected to fail job with a retry back off of at least 0 ms, but it was '${retryBackOff}'`,
    );
  return {
    jobKey: key(req, 'jobKey'),
    retries: num(req, 'retries'),
    errorMessage: str(req, 'errorMessage'),
    retryBackOff,
    variables: variables(req),
  };
};

export const throwError = (req: Wire) => ({
  jobKey: key(req, 'jobKey'),
  errorCode: nonBlank(req, 'errorCode', 'to throw an error with an error code'),
  errorMessage: str(req, 'errorMessage'),
  variables: variables(req),
});

export const updateJobRetries = (req: Wire) => {
  const retries = num(req, 'retries');
  if (retries < 1) throw invalidArgument(`Expected retries to be greater than zero, but it was '${retries}'`);
  return { jobKey: key(req, 'jobKey'), retries };
};

export const updateJobTimeout = (req: Wire) => {
  const timeout = num(req, 'timeout');
  if (timeout < 0) throw invalidArgument(`Expected timeout to be at least 0 ms, but it was '${timeout}'`);
  return { jobKey: key(req, 'jobKey'), timeout };
};

export const publishMessage = (req: Wire) => {
  const timeToLive = num(req, 'timeToLive');
  if (timeToLive < 0)
    throw invalidArgument(`Expected time to live to be at least 0 ms, but it was '${timeToLive}'`);
  return {
    name: nonBlank(req, 'name', 'to publish a message with a name'),
    correlationKey: str(req, 'correlationKey'),
    timeToLive,
    messageId: str(req, 'messageId'),
    variables: variables(req),
    tenantId: tenant(req, 'PublishMessage'),
  };
};

export const broadcastSignal = (req: Wire) => ({
  signalName: nonBlank(req, 'signalName', 'to broadcast a signal with a name'),
  variables: variables(req),
  tenantId: tenant(req, 'BroadcastSignal'),
});

export const setVariables = (req: Wire) => ({
  elementInstanceKey: key(req, 'elementInstanceKey'),
  variables: variables(req),
  local: req.local === true,
});

/** MigrateProcessInstance: a target definition and the mapping instructions (blank ids are refused). */
export const migrateProcessInstance = (req: Wire) => {
  const plan = (req.migrationPlan ?? {}) as Wire;
  const targetProcessDefinitionKey = key(plan, 'targetProcessDefinitionKey');
  if (targetProcessDefinitionKey === '0')
    throw invalidArgument(
      "Expected to migrate a process instance to a target process definition, but 'migrationPlan.targetProcessDefinitionKey' was not set",
    );
  const instructions = Array.isArray(plan.mappingInstructions) ? (plan.mappingInstructions as Wire[]) : [];
  return {
    processInstanceKey: key(req, 'processInstanceKey'),
    migrationPlan: {
      targetProcessDefinitionKey,
      mappingInstructions: instructions.map((m, i) => ({
        sourceElementId: nonBlank(
          m,
          'sourceElementId',
          `mapping instruction ${i} to name its source element`,
        ),
        targetElementId: nonBlank(
          m,
          'targetElementId',
          `mapping instruction ${i} to name its target element`,
        ),
      })),
    },
  };
};

export const modifyProcessInstance = (req: Wire) => ({
  processInstanceKey: key(req, 'processInstanceKey'),
  activateInstructions: (Array.isArray(req.activateInstructions)
    ? (req.activateInstructions as Wire[])
    : []
  ).map((a) => ({
    elementId: str(a, 'elementId'),
    ancestorElementInstanceKey: key(a, 'ancestorElementInstanceKey'),
    variableInstructions: (Array.isArray(a.variableInstructions)
      ? (a.variableInstructions as Wire[])
      : []
    ).map((v) => ({ variables: variables(v), scopeId: str(v, 'scopeId') })),
  })),
  terminateInstructions: (Array.isArray(req.terminateInstructions)
    ? (req.terminateInstructions as Wire[])
    : []
  ).map((t) => ({ elementInstanceKey: key(t, 'elementInstanceKey') })),
});

/**
 * EvaluateDecision: a decision id (its latest version) or a decision key — one of them, as the proto
 * documents ("both decision ID and decision KEY were provided, or are missing" is INVALID_ARGUMENT).
 */
export const evaluateDecision = (req: Wire) => {
  const decisionId = str(req, 'decisionId');
  const decisionKey = key(req, 'decisionKey');
  const hasKey = decisionKey !== '0' && decisionKey !== '-1';
  if (!decisionId && !hasKey)
    throw invalidArgument('Expected either a decision id or a valid decision key, but none provided');
  if (decisionId && hasKey)
    throw invalidArgument(
      `Expected either a decision id or a valid decision key, but both were provided (decisionId '${decisionId}', decisionKey '${decisionKey}')`,
    );
  if (hasKey && !/^\d+$/.test(decisionKey))
    throw invalidArgument(`Expected 'decisionKey' to be a positive key, but was '${decisionKey}'`);
  return {
    decisionId,
    decisionKey: hasKey ? decisionKey : '',
    variables: variables(req),
    tenantId: tenant(req, 'EvaluateDecision'),
  };
};

export const cancelProcessInstance = (req: Wire) => ({ processInstanceKey: key(req, 'processInstanceKey') });
export const resolveIncident = (req: Wire) => ({ incidentKey: key(req, 'incidentKey') });
export const deleteResource = (req: Wire) => ({ resourceKey: key(req, 'resourceKey') });
