/**
 * The executable form of a BPMN process: the flow nodes the runtime walks, with the zeebe: extensions
 * already read and every expression split into FEEL (`=…`) or a static value.
 */
import type { ExecutionListeners } from './listeners.ts';
import type { UserTaskSpec } from './user-task.ts';

/** Zeebe's BpmnElementType names (they appear in the event feed). */
export type ElementKind =
  | 'PROCESS'
  | 'SUB_PROCESS'
  | 'EVENT_SUB_PROCESS'
  | 'START_EVENT'
  | 'END_EVENT'
  | 'INTERMEDIATE_CATCH_EVENT'
  | 'INTERMEDIATE_THROW_EVENT'
  | 'BOUNDARY_EVENT'
  | 'SERVICE_TASK'
  | 'SEND_TASK'
  | 'SCRIPT_TASK'
  | 'BUSINESS_RULE_TASK'
  | 'USER_TASK'
  | 'RECEIVE_TASK'
  | 'MANUAL_TASK'
  | 'TASK'
  | 'EXCLUSIVE_GATEWAY'
  | 'PARALLEL_GATEWAY'
  | 'INCLUSIVE_GATEWAY'
  | 'EVENT_BASED_GATEWAY'
  | 'CALL_ACTIVITY'
  | 'MULTI_INSTANCE_BODY'
  | 'SEQUENCE_FLOW';

/** A zeebe: attribute value: `=expr` is FEEL (stored without the `=`), anything else a static string. */
export type Expr = { feel: string } | { static: string };

export type EventDefinition =
  | { kind: 'none' }
  | { kind: 'timer'; timerType: 'date' | 'duration' | 'cycle'; expression: Expr }
  | { kind: 'message'; name: Expr; correlationKey?: Expr }
  | { kind: 'error'; errorCode?: string }
  | { kind: 'escalation'; escalationCode?: string }
  | { kind: 'signal'; name: Expr }
  | { kind: 'terminate' }
  | { kind: 'link'; name: string };

export interface Mapping {
  source: Expr;
  target: string;
}

export interface Flow {
  id: string;
  sourceId: string;
  targetId: string;
  /** FEEL condition without the leading `=`. */
  condition?: string;
}

export interface MultiInstance {
  sequential: boolean;
  inputCollection: string;
  inputElement?: string;
  outputCollection?: string;
  outputElement?: string;
  completionCondition?: string;
}

export interface FlowNode {
  id: string;
  name?: string;
  kind: ElementKind;
  /** Id of the enclosing flow scope: the process or a (event) sub-process. */
  scopeId: string;
  incoming: Flow[];
  outgoing: Flow[];
  defaultFlowId?: string;
  event?: EventDefinition;
  /** Boundary events: the activity they are attached to, and whether they interrupt it. */
  attachedToId?: string;
  cancelActivity?: boolean;
  /** Event sub-process start events: whether they interrupt the enclosing scope. */
  interrupting?: boolean;
  boundaries: FlowNode[];
  job?: { type: Expr; retries: Expr; headers: Record<string, string> };
  script?: { expression: string; resultVariable?: string };
  /** Camunda user task (zeebe:userTask): a user task of the engine's own instead of a job. */
  userTask?: UserTaskSpec;
  inputs: Mapping[];
  outputs: Mapping[];
  /** zeebe:executionListeners: jobs run before the element's behaviour (start) and before it completes (end). */
  listeners?: ExecutionListeners;
  /** Sub-processes (and the process root): the nodes directly inside. */
  children: FlowNode[];
  multiInstance?: MultiInstance;
  /** Business-rule tasks with zeebe:calledDecision: the engine evaluates the decision itself. */
  decision?: {
    decisionId: Expr;
    resultVariable: string;
    bindingType: 'latest' | 'deployment' | 'versionTag';
    versionTag?: string;
  };
  call?: {
    processId: Expr;
    propagateAllChildVariables: boolean;
    propagateAllParentVariables: boolean;
    /** Which version of the called process: latest, the one of the caller's deployment, or by version tag. */
    bindingType: 'latest' | 'deployment' | 'versionTag';
    versionTag?: string;
  };
}

export interface ProcessModel {
  bpmnProcessId: string;
  name?: string;
  /** zeebe:versionTag of the process (a user-given label, unlike the numeric version). */
  versionTag?: string;
  /** The process itself as the root scope (kind PROCESS). */
  root: FlowNode;
  nodes: Map<string, FlowNode>;
}
