/**
 * The contract between the embedded engine and its gRPC gateway (engine/gateway). One async method per
 * Zeebe gateway RPC, taking and returning plain objects shaped like the proto messages of
 * node_modules/@camunda8/sdk/dist/proto/zeebe.proto (camelCase field names, as @grpc/proto-loader
 * produces with keepCase:false).
 *
 * Conventions:
 * - int64 KEYS (process definition, instance, element instance, job, incident, deployment, message,
 *   signal keys) are decimal strings, in requests and in responses.
 * - int64 DURATIONS and TIMESTAMPS (timeout, requestTimeout, retryBackOff, timeToLive, deadline) are
 *   numbers of milliseconds (epoch milliseconds for `deadline`).
 * - Variables and custom headers are parsed JSON objects; the gateway parses/serialises the JSON strings
 *   of the proto and rejects non-object JSON itself with INVALID_ARGUMENT.
 * - Errors are {@link EngineError}s whose `code` is the gRPC status name to answer with.
 */

import type { Db } from './store/db.ts';
import type { FeelLimits } from './feel/budget.ts';

/** gRPC status names the engine answers with. */
export type EngineErrorCode =
  | 'NOT_FOUND'
  | 'INVALID_ARGUMENT'
  | 'FAILED_PRECONDITION'
  | 'ALREADY_EXISTS'
  | 'RESOURCE_EXHAUSTED'
  | 'UNIMPLEMENTED'
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED'
  | 'INTERNAL';

/** A refused command, with the gRPC status the gateway answers with and a Zeebe-like message. */
export class EngineError extends Error {
  readonly code: EngineErrorCode;
  constructor(code: EngineErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineError';
    this.code = code;
  }
}

/** A JSON object of variables. */
export type Variables = Record<string, unknown>;

/** The only tenant of the embedded engine (multi-tenancy disabled, as in a default Zeebe). */
export const DEFAULT_TENANT = '<default>';

// --- topology -------------------------------------------------------------------------------------

export interface TopologyResponse {
  brokers: {
    nodeId: number;
    host: string;
    port: number;
    partitions: { partitionId: number; role: 'LEADER'; health: 'HEALTHY' }[];
    version: string;
  }[];
  clusterSize: number;
  partitionsCount: number;
  replicationFactor: number;
  gatewayVersion: string;
}

// --- deployment -----------------------------------------------------------------------------------

export interface DeployResourceRequest {
  resources: { name: string; content: Uint8Array | string }[];
  tenantId?: string;
}

export interface ProcessMetadata {
  bpmnProcessId: string;
  version: number;
  processDefinitionKey: string;
  resourceName: string;
  tenantId: string;
}

export interface DecisionRequirementsMetadata {
  dmnDecisionRequirementsId: string;
  dmnDecisionRequirementsName: string;
  version: number;
  decisionRequirementsKey: string;
  resourceName: string;
  tenantId: string;
}

export interface DecisionMetadata {
  dmnDecisionId: string;
  dmnDecisionName: string;
  version: number;
  decisionKey: string;
  dmnDecisionRequirementsId: string;
  decisionRequirementsKey: string;
  tenantId: string;
}

export interface FormMetadata {
  formId: string;
  version: number;
  formKey: string;
  resourceName: string;
  tenantId: string;
}

export interface DeployResourceResponse {
  key: string;
  /** The processes deployed (the gateway lists the other kinds after them in the same `deployments`). */
  deployments: { process: ProcessMetadata }[];
  /** DMN resources: stored and versioned, not evaluated. */
  decisionRequirements?: DecisionRequirementsMetadata[];
  decisions?: DecisionMetadata[];
  /** Camunda forms: stored and versioned. */
  forms?: FormMetadata[];
  tenantId: string;
}

export interface DeleteResourceRequest {
  resourceKey: string;
}

// --- process instances ----------------------------------------------------------------------------

export interface CreateProcessInstanceRequest {
  /** Either a definition key ("0"/"" when unset) or bpmnProcessId + version (-1 = latest). */
  processDefinitionKey?: string;
  bpmnProcessId?: string;
  version?: number;
  variables?: Variables;
  startInstructions?: { elementId: string }[];
  tenantId?: string;
}

export interface CreateProcessInstanceResponse {
  processDefinitionKey: string;
  bpmnProcessId: string;
  version: number;
  processInstanceKey: string;
  tenantId: string;
}

export interface CreateProcessInstanceWithResultRequest {
  request: CreateProcessInstanceRequest;
  /** ms; 0 (or absent) uses the engine default of 15 s. On expiry: EngineError DEADLINE_EXCEEDED. */
  requestTimeout?: number;
  /** Names of root-scope variables to return; empty = all root-scope variables. */
  fetchVariables?: string[];
}

export interface CreateProcessInstanceWithResultResponse extends CreateProcessInstanceResponse {
  variables: Variables;
}

export interface CancelProcessInstanceRequest {
  processInstanceKey: string;
}

export interface SetVariablesRequest {
  elementInstanceKey: string;
  variables: Variables;
  local?: boolean;
}

export interface SetVariablesResponse {
  key: string;
}

export interface ModifyProcessInstanceRequest {
  processInstanceKey: string;
  activateInstructions?: {
    elementId: string;
    /** "-1" / "0" / absent = the flow scope's existing instance. */
    ancestorElementInstanceKey?: string;
    variableInstructions?: { variables: Variables; scopeId?: string }[];
  }[];
  terminateInstructions?: { elementInstanceKey: string }[];
}

export interface MigrateProcessInstanceRequest {
  processInstanceKey: string;
  migrationPlan: {
    targetProcessDefinitionKey: string;
    /** Active elements (and catch events) of the instance's definition → elements of the target. */
    mappingInstructions: { sourceElementId: string; targetElementId: string }[];
  };
}

// --- jobs -----------------------------------------------------------------------------------------

export interface ActivatedJob {
  key: string;
  type: string;
  processInstanceKey: string;
  bpmnProcessId: string;
  processDefinitionVersion: number;
  processDefinitionKey: string;
  elementId: string;
  elementInstanceKey: string;
  /** zeebe:taskHeaders (and user-task headers); serialise to JSON for the wire. */
  customHeaders: Record<string, string>;
  worker: string;
  retries: number;
  /** Epoch ms at which the job becomes activatable again. */
  deadline: number;
  variables: Variables;
  tenantId: string;
}

export interface ActivateJobsRequest {
  type: string;
  worker: string;
  /** ms the job stays reserved for this worker. */
  timeout: number;
  maxJobsToActivate: number;
  fetchVariable?: string[];
  tenantIds?: string[];
}

export interface ActivateJobsResponse {
  jobs: ActivatedJob[];
}

export interface JobStreamRequest {
  type: string;
  worker: string;
  timeout: number;
  fetchVariable?: string[];
  tenantIds?: string[];
}

/**
 * Receives jobs the engine activated for a stream. Return false when the job could not be delivered
 * (client gone); the engine then yields the job back (activatable again for others).
 */
export type JobStreamConsumer = (job: ActivatedJob) => boolean;

export interface CompleteJobRequest {
  jobKey: string;
  variables?: Variables;
}

export interface FailJobRequest {
  jobKey: string;
  retries: number;
  errorMessage?: string;
  /** ms before the job becomes activatable again. */
  retryBackOff?: number;
  variables?: Variables;
}

export interface ThrowErrorRequest {
  jobKey: string;
  errorCode: string;
  errorMessage?: string;
  variables?: Variables;
}

export interface UpdateJobRetriesRequest {
  jobKey: string;
  retries: number;
}

export interface UpdateJobTimeoutRequest {
  jobKey: string;
  /** ms from now. */
  timeout: number;
}

// --- messages, signals, incidents -----------------------------------------------------------------

export interface PublishMessageRequest {
  name: string;
  correlationKey?: string;
  /** ms to buffer the message; 0 = correlate only to waiting subscriptions. */
  timeToLive?: number;
  messageId?: string;
  variables?: Variables;
  tenantId?: string;
}

export interface PublishMessageResponse {
  key: string;
  tenantId: string;
}

/** A message delivered to what waits for it now, never buffered (REST `POST /v2/messages/correlation`). */
export interface CorrelateMessageRequest {
  name: string;
  correlationKey?: string;
  variables?: Variables;
  tenantId?: string;
}

export interface CorrelateMessageResponse {
  messageKey: string;
  tenantId: string;
  /** The first process instance the message reached (a waiting one, else one it started). */
  processInstanceKey: string;
}

export interface BroadcastSignalRequest {
  signalName: string;
  variables?: Variables;
  tenantId?: string;
}

export interface BroadcastSignalResponse {
  key: string;
  tenantId: string;
}

export interface ResolveIncidentRequest {
  incidentKey: string;
}

// --- decisions ------------------------------------------------------------------------------------

export interface EvaluateDecisionRequest {
  /** Exactly one of decisionKey ("0"/"" when unset) and decisionId (the latest version). */
  decisionKey?: string;
  decisionId?: string;
  variables?: Variables;
  tenantId?: string;
}

/** JSON documents (decisionOutput, inputValue, outputValue) are carried as JSON text, as on the wire. */
export interface EvaluatedDecision {
  decisionKey: string;
  decisionId: string;
  decisionName: string;
  decisionVersion: number;
  /** DECISION_TABLE or LITERAL_EXPRESSION. */
  decisionType: string;
  decisionOutput: string;
  matchedRules: {
    ruleId: string;
    ruleIndex: number;
    evaluatedOutputs: { outputId: string; outputName: string; outputValue: string }[];
  }[];
  evaluatedInputs: { inputId: string; inputName: string; inputValue: string }[];
  tenantId: string;
  /** The decision instance recorded for it (REST `GET /v2/decision-instances/{key}`; not in the gRPC answer). */
  decisionEvaluationInstanceKey?: string;
}

/**
 * The answer to EvaluateDecision. A decision that exists but fails to evaluate is still an answer, as
 * in Zeebe: failedDecisionId and failureMessage are set and decisionOutput is "null".
 */
export interface EvaluateDecisionResponse {
  decisionKey: string;
  decisionId: string;
  decisionName: string;
  decisionVersion: number;
  decisionRequirementsId: string;
  decisionRequirementsKey: string;
  decisionOutput: string;
  evaluatedDecisions: EvaluatedDecision[];
  failedDecisionId: string;
  failureMessage: string;
  tenantId: string;
  decisionInstanceKey: string;
}

// --- clock and feed -------------------------------------------------------------------------------

/** The engine's clock; every time the engine reads goes through it. Pin/add like Zeebe's clock actuator. */
export interface EngineClock {
  /** Current engine time, epoch ms. */
  now(): number;
  /** Pins the clock to an epoch ms instant. Throws FAILED_PRECONDITION when clock control is off. */
  pin(epochMs: number): void;
  /** Moves the clock forward by ms (from the current engine time, pinned stays pinned). */
  add(ms: number): void;
  /** Back to system time. */
  reset(): void;
  /** Pinned instant (undefined when running) and offset from system time: to mirror it in another thread. */
  state?(): { pinned: number | undefined; offset: number };
}

/** One row of the engine's event feed (what the hub may follow). */
export interface EngineEvent {
  /** Monotonic position, a decimal string. */
  position: string;
  /** e.g. ELEMENT_ACTIVATED, ELEMENT_COMPLETED, ELEMENT_TERMINATED, JOB_CREATED, INCIDENT_CREATED, INCIDENT_RESOLVED. */
  intent: string;
  key: string;
  processInstanceKey: string;
  bpmnProcessId: string;
  elementId: string;
  /** BPMN element type, e.g. SERVICE_TASK, PROCESS, START_EVENT. */
  elementType: string;
  timestamp: number;
  payload: Record<string, unknown>;
}

// --- the API --------------------------------------------------------------------------------------

/** One async method per gateway RPC. Replies only after the command's transaction committed. */
export interface EngineApi {
  topology(): Promise<TopologyResponse>;
  deployResource(req: DeployResourceRequest): Promise<DeployResourceResponse>;
  deleteResource(req: DeleteResourceRequest): Promise<Record<string, never>>;
  createProcessInstance(req: CreateProcessInstanceRequest): Promise<CreateProcessInstanceResponse>;
  createProcessInstanceWithResult(
    req: CreateProcessInstanceWithResultRequest,
  ): Promise<CreateProcessInstanceWithResultResponse>;
  cancelProcessInstance(req: CancelProcessInstanceRequest): Promise<Record<string, never>>;
  setVariables(req: SetVariablesRequest): Promise<SetVariablesResponse>;
  modifyProcessInstance(req: ModifyProcessInstanceRequest): Promise<Record<string, never>>;
  /** Moves a running instance to another definition (see runtime/migrate.ts for what is supported). */
  migrateProcessInstance(req: MigrateProcessInstanceRequest): Promise<Record<string, never>>;
  /** Activates up to maxJobsToActivate jobs now (no waiting; long polling is the gateway's job). */
  activateJobs(req: ActivateJobsRequest): Promise<ActivateJobsResponse>;
  completeJob(req: CompleteJobRequest): Promise<Record<string, never>>;
  failJob(req: FailJobRequest): Promise<Record<string, never>>;
  throwError(req: ThrowErrorRequest): Promise<Record<string, never>>;
  updateJobRetries(req: UpdateJobRetriesRequest): Promise<Record<string, never>>;
  updateJobTimeout(req: UpdateJobTimeoutRequest): Promise<Record<string, never>>;
  publishMessage(req: PublishMessageRequest): Promise<PublishMessageResponse>;
  /** NOT_FOUND when nothing waits for the message (no instance subscribed, no start event may start). */
  correlateMessage(req: CorrelateMessageRequest): Promise<CorrelateMessageResponse>;
  broadcastSignal(req: BroadcastSignalRequest): Promise<BroadcastSignalResponse>;
  resolveIncident(req: ResolveIncidentRequest): Promise<Record<string, never>>;
  /** NOT_FOUND for an unknown decision; a failed evaluation is an answer with failureMessage set. */
  evaluateDecision(req: EvaluateDecisionRequest): Promise<EvaluateDecisionResponse>;

  /**
   * Calls `listener` (after commit) whenever jobs of `type` may have become activatable: created, failed
   * with retries left, back-off elapsed, timed out, retries updated. Returns the unsubscribe function.
   */
  onJobsAvailable(type: string, listener: () => void): () => void;
  /**
   * Registers a job stream (StreamActivatedJobs): newly activatable jobs of the type are activated for
   * the stream's worker and pushed to `consumer` (round-robin between streams of the same type).
   * Returns the function that closes the stream.
   */
  openJobStream(req: JobStreamRequest, consumer: JobStreamConsumer): () => void;

  /** The engine clock (pin/add throw FAILED_PRECONDITION unless created with clockControl). */
  readonly clock: EngineClock;
}

/** Logger shape the engine uses (pino's Logger satisfies it). */
export interface EngineLogger {
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
}

/** Limits that keep one procedure from exhausting the engine (README "Limits"). */
export interface EngineLimits {
  /**
   * Shortest interval of a timer cycle, in ms (ENGINE_TIMER_MIN_CYCLE_SECONDS): a static cycle below it
   * is refused at deploy time, one computed by FEEL raises an incident.
   */
  timerMinCycleMs: number;
  /**
   * How far a timer cycle may run behind, in ms (ENGINE_TIMER_MAX_CYCLE_LAG_SECONDS): when it is re-armed
   * and its next occurrence is older than this, the missed occurrences are skipped (no catch-up storm
   * after downtime).
   */
  timerMaxCycleLagMs: number;
  /**
   * Crashes after which a command the process died applying is quarantined (ENGINE_CRASH_QUARANTINE_AFTER):
   * at the next start it raises an incident instead of being applied again.
   */
  crashQuarantineAfter: number;
  /** Elements of a multi-instance input collection (ENGINE_MAX_MULTI_INSTANCE); more is an incident. */
  maxMultiInstance: number;
  /** Nesting of called instances (ENGINE_MAX_CALL_DEPTH); a deeper call is an incident. */
  maxCallDepth: number;
  /**
   * Elements one command may activate (ENGINE_MAX_ACTIVATIONS_PER_COMMAND): past it, each further
   * activation is held with an incident, so a loop without a wait state cannot run for ever.
   */
  maxActivationsPerCommand: number;
}

export const DEFAULT_ENGINE_LIMITS: EngineLimits = {
  timerMinCycleMs: 10_000,
  timerMaxCycleLagMs: 60_000,
  crashQuarantineAfter: 2,
  maxMultiInstance: 10_000,
  maxCallDepth: 64,
  maxActivationsPerCommand: 50_000,
};

export interface EngineOptions {
  /** file:<path> (SQLite) or postgres://… (PostgreSQL). */
  databaseUrl: string;
  logger?: EngineLogger;
  /** Allow clock.pin/add (tests and demos). */
  clockControl?: boolean;
  /**
   * Days the history of an ended process instance (feed events, element instances, incidents, the
   * instance itself, with its called instances) is kept; the scheduler then deletes it in small batches.
   * Undefined or 0 keeps everything.
   */
  historyRetentionDays?: number;
  /** Budget of every FEEL evaluation (feel/budget.ts); unset fields keep DEFAULT_FEEL_LIMITS. */
  feelLimits?: Partial<FeelLimits>;
  /** Limits that keep one procedure from exhausting the engine; unset fields keep DEFAULT_ENGINE_LIMITS. */
  limits?: Partial<EngineLimits>;
  partitionId?: 1;
}

// --- Camunda user tasks (the REST API's; Zeebe's gRPC API has no user-task commands) ---------------

export interface CompleteUserTaskRequest {
  userTaskKey: string;
  variables?: Variables;
  /** Recorded on the feed event; default "complete". */
  action?: string;
}

export interface AssignUserTaskRequest {
  userTaskKey: string;
  assignee: string;
  /** false: refuse (FAILED_PRECONDITION) when the task is assigned to someone else. Default true. */
  allowOverride?: boolean;
  action?: string;
}

export interface UnassignUserTaskRequest {
  userTaskKey: string;
  action?: string;
}

/** Attributes to change; absent ones keep their value, '' (dates) or [] (lists) clears one. */
export interface UserTaskChangeset {
  dueDate?: string;
  followUpDate?: string;
  candidateGroups?: string[];
  candidateUsers?: string[];
  priority?: number;
}

export interface UpdateUserTaskRequest {
  userTaskKey: string;
  changeset: UserTaskChangeset;
  action?: string;
}

/** The engine: the API plus lifecycle and the event feed. */
export interface Engine extends EngineApi {
  /** Completes a Camunda user task (NOT_FOUND unknown key, FAILED_PRECONDITION not CREATED). */
  completeUserTask(req: CompleteUserTaskRequest): Promise<void>;
  assignUserTask(req: AssignUserTaskRequest): Promise<void>;
  unassignUserTask(req: UnassignUserTaskRequest): Promise<void>;
  updateUserTask(req: UpdateUserTaskRequest): Promise<void>;
  /** Starts the timer scheduler and job-timeout sweeper (createEngine already migrated the schema). */
  start(): Promise<void>;
  /** Stops scheduling, waits for the command in flight, closes the database. */
  close(): Promise<void>;
  /** Reads the event feed after a position ("0" = from the start), oldest first. */
  readEvents(afterPosition: string, limit: number): Promise<EngineEvent[]>;
  /**
   * Runs read-only SQL between two commands of the single writer (engine/query builds the REST search
   * API on it), so a read sees every committed command and never a half-applied one.
   */
  readState<T>(read: (db: Db) => Promise<T>): Promise<T>;
}
