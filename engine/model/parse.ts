/**
 * Reads a BPMN resource into executable process models and validates it the way Zeebe's deployment
 * does: every problem names its element, and one problem rejects the whole deployment. Elements the
 * runtime does not execute are refused here, never ignored.
 */
import { BpmnModdle } from 'bpmn-moddle';
import zeebeSchema from 'zeebe-bpmn-moddle/resources/zeebe.json' with { type: 'json' };
import type { Feel } from '../feel/index.ts';
import type { ElementKind, EventDefinition, Expr, Flow, FlowNode, Mapping, ProcessModel } from './types.ts';
import { readExecutionListeners } from './listeners.ts';
import { readUserTask } from './user-task.ts';

/** Largest BPMN resource accepted, in bytes (well above any hand-drawn procedure). */
export const MAX_RESOURCE_BYTES = 4 * 1024 * 1024;

/** A loosely typed moddle element (moddle's own typings are generic). */
interface El {
  $type: string;
  id?: string;
  name?: string;
  [key: string]: unknown;
}

/** Problems found in one resource, by element id ('' for resource-level problems). */
export class ResourceProblems {
  readonly items: { elementId: string; message: string }[] = [];
  add(elementId: string, message: string) {
    this.items.push({ elementId, message });
  }
  /** Zeebe's layout: `- Element: <id>` then `    - ERROR: <message>`. */
  render(): string {
    return this.items
      .map((i) => (i.elementId ? `- Element: ${i.elementId}\n    - ERROR: ${i.message}` : i.message))
      .join('\n');
  }
}

const moddle = new BpmnModdle({ zeebe: zeebeSchema });

const KINDS: Record<string, ElementKind> = {
  'bpmn:StartEvent': 'START_EVENT',
  'bpmn:EndEvent': 'END_EVENT',
  'bpmn:IntermediateCatchEvent': 'INTERMEDIATE_CATCH_EVENT',
  'bpmn:IntermediateThrowEvent': 'INTERMEDIATE_THROW_EVENT',
  'bpmn:BoundaryEvent': 'BOUNDARY_EVENT',
  'bpmn:ServiceTask': 'SERVICE_TASK',
  'bpmn:SendTask': 'SEND_TASK',
  'bpmn:ScriptTask': 'SCRIPT_TASK',
  'bpmn:BusinessRuleTask': 'BUSINESS_RULE_TASK',
  'bpmn:UserTask': 'USER_TASK',
  'bpmn:ReceiveTask': 'RECEIVE_TASK',
  'bpmn:ManualTask': 'MANUAL_TASK',
  'bpmn:Task': 'TASK',
  'bpmn:ExclusiveGateway': 'EXCLUSIVE_GATEWAY',
  'bpmn:ParallelGateway': 'PARALLEL_GATEWAY',
  'bpmn:InclusiveGateway': 'INCLUSIVE_GATEWAY',
  'bpmn:EventBasedGateway': 'EVENT_BASED_GATEWAY',
  'bpmn:SubProcess': 'SUB_PROCESS',
  'bpmn:CallActivity': 'CALL_ACTIVITY',
};

const IGNORED = new Set([
  'bpmn:SequenceFlow',
  'bpmn:DataObject',
  'bpmn:DataObjectReference',
  'bpmn:DataStoreReference',
]);

/** Job-based task kinds (a zeebe:taskDefinition makes them jobs). */
const JOB_KINDS = new Set<ElementKind>(['SERVICE_TASK', 'SEND_TASK', 'SCRIPT_TASK', 'BUSINESS_RULE_TASK']);

const ACTIVITY_KINDS = new Set<ElementKind>([
  ...JOB_KINDS,
  'USER_TASK',
  'RECEIVE_TASK',
  'MANUAL_TASK',
  'TASK',
  'SUB_PROCESS',
  'CALL_ACTIVITY',
]);

/** Type of the job-based user task (Zeebe 8.x without zeebe:userTask). */
export const USER_TASK_JOB_TYPE = 'io.camunda.zeebe:userTask';

export function expr(value: string): Expr {
  return value.startsWith('=') ? { feel: value.slice(1) } : { static: value };
}

/** Rejects DTDs (XXE, entity-expansion bombs) and oversized input before any XML parser sees it. */
export function screenXml(content: string): string | undefined {
  if (Buffer.byteLength(content, 'utf8') > MAX_RESOURCE_BYTES)
    return `Resource is larger than the allowed ${MAX_RESOURCE_BYTES} bytes`;
  if (/<!DOCTYPE|<!ENTITY/i.test(content))
    return 'DOCTYPE and ENTITY declarations are not allowed in BPMN resources';
  return undefined;
}

/**
 * Parses and validates one BPMN resource. Returns its processes, or problems to report (the deployment
 * is then rejected as a whole).
 */
export async function parseBpmn(
  content: string,
  feel: Feel,
): Promise<{ processes: ProcessModel[] } | { problems: ResourceProblems }> {
  const problems = new ResourceProblems();
  const screened = screenXml(content);
  if (screened) {
    problems.add('', screened);
    return { problems };
  }
  let root: El;
  try {
    const result = await moddle.fromXML(content);
    root = result.rootElement as unknown as El;
    for (const w of result.warnings) problems.add('', `Invalid BPMN: ${w.message.split('\n')[0]}`);
  } catch (e) {
    problems.add('', `Failed to parse BPMN: ${(e as Error).message.split('\n')[0]}`);
    return { problems };
  }
  if (root?.$type !== 'bpmn:Definitions') {
    problems.add('', 'Expected a BPMN definitions document');
    return { problems };
  }
  const processes: ProcessModel[] = [];
  const rootElements = (root.rootElements as El[] | undefined) ?? [];
  for (const p of rootElements.filter((e) => e.$type === 'bpmn:Process')) {
    if (p.isExecutable === false) continue;
    processes.push(buildProcess(p, problems, feel));
  }
  if (rootElements.some((e) => e.$type === 'bpmn:Collaboration') && !processes.length)
    problems.add('', 'Expected at least one executable process');
  if (!processes.length && !problems.items.length)
    problems.add('', 'Expected at least one executable process');
  return problems.items.length ? { problems } : { processes };
}

function extensions(el: El): El[] {
  const ext = el.extensionElements as { values?: El[] } | undefined;
  return ext?.values ?? [];
}

function ext(el: El, type: string): El | undefined {
  return extensions(el).find((v) => v.$type === type);
}

function buildProcess(p: El, problems: ResourceProblems, feel: Feel): ProcessModel {
  const id = p.id ?? '';
  const nodes = new Map<string, FlowNode>();
  const checkFeel = (elementId: string, text: string | undefined, what: string) => {
    if (text === undefined) return;
    const r = feel.check(text);
    if (!r.ok) problems.add(elementId, `${what}: failed to parse expression '${text}': ${r.message}`);
  };
  const checkExpr = (elementId: string, e: Expr | undefined, what: string) => {
    if (e && 'feel' in e) checkFeel(elementId, e.feel, what);
  };

  const root: FlowNode = newNode(id, p.name as string | undefined, 'PROCESS', '');
  root.listeners = listenersOf(p, root);
  readScope(p, root);
  if (!root.children.some((c) => c.kind === 'START_EVENT'))
    problems.add(id, 'Must have at least one start event');
  const versionTag = ext(p, 'zeebe:VersionTag')?.value;
  return {
    bpmnProcessId: id,
    name: p.name as string | undefined,
    versionTag: typeof versionTag === 'string' && versionTag !== '' ? versionTag : undefined,
    root,
    nodes,
  };

  function newNode(nodeId: string, name: string | undefined, kind: ElementKind, scopeId: string): FlowNode {
    return {
      id: nodeId,
      name,
      kind,
      scopeId,
      incoming: [],
      outgoing: [],
      boundaries: [],
      inputs: [],
      outputs: [],
      children: [],
    };
  }

  function listenersOf(el: El, node: FlowNode) {
    return readExecutionListeners(
      ext(el, 'zeebe:ExecutionListeners'),
      node.kind,
      node.event,
      (message) => problems.add(node.id, message),
      (text, what) => checkFeel(node.id, text, what),
    );
  }

  function readScope(container: El, scope: FlowNode) {
    const elements = (container.flowElements as El[] | undefined) ?? [];
    const flows: Flow[] = [];
    for (const el of elements) {
      if (el.$type === 'bpmn:SequenceFlow') {
        const cond = el.conditionExpression as { body?: string } | undefined;
        const flow: Flow = {
          id: el.id ?? '',
          sourceId: (el.sourceRef as El | undefined)?.id ?? '',
          targetId: (el.targetRef as El | undefined)?.id ?? '',
        };
        if (cond?.body !== undefined) {
          const body = cond.body.trim();
          if (!body.startsWith('='))
            problems.add(flow.id, `Condition expression must start with '=': '${body}'`);
          else {
            flow.condition = body.slice(1);
            checkFeel(flow.id, flow.condition, 'condition');
          }
        }
        flows.push(flow);
        continue;
      }
      if (IGNORED.has(el.$type)) continue;
      let kind = KINDS[el.$type];
      if (!kind) {
        problems.add(el.id ?? '', `Elements of type '${el.$type.replace('bpmn:', '')}' are not supported`);
        continue;
      }
      if (kind === 'SUB_PROCESS' && el.triggeredByEvent) kind = 'EVENT_SUB_PROCESS';
      const node = newNode(el.id ?? '', el.name as string | undefined, kind, scope.id);
      nodes.set(node.id, node);
      scope.children.push(node);
      readNode(el, node);
      if (kind === 'SUB_PROCESS' || kind === 'EVENT_SUB_PROCESS') readScope(el, node);
    }
    for (const flow of flows) {
      const source = nodes.get(flow.sourceId);
      const target = nodes.get(flow.targetId);
      if (!source || !target) {
        problems.add(flow.id, 'Sequence flow must connect two flow nodes of the same scope');
        continue;
      }
      source.outgoing.push(flow);
      target.incoming.push(flow);
    }
    validateScope(scope);
  }

  function readNode(el: El, node: FlowNode) {
    // Task listener jobs change the user task lifecycle; refused rather than silently skipped.
    if (ext(el, 'zeebe:TaskListeners'))
      problems.add(node.id, 'Task listeners (zeebe:taskListeners) are not supported');
    const defs = (el.eventDefinitions as El[] | undefined) ?? [];
    if (defs.length > 1) problems.add(node.id, 'Multiple event definitions are not supported');
    if (defs.length) node.event = readEventDefinition(defs[0]!, node);
    else if (node.kind.endsWith('EVENT')) node.event = { kind: 'none' };
    // A receive task waits like a message catch event for the message it references.
    if (node.kind === 'RECEIVE_TASK')
      node.event = readEventDefinition(
        { $type: 'bpmn:MessageEventDefinition', messageRef: el.messageRef },
        node,
      );

    node.listeners = listenersOf(el, node);
    if (node.kind === 'BOUNDARY_EVENT') {
      node.attachedToId = (el.attachedToRef as El | undefined)?.id;
      node.cancelActivity = el.cancelActivity !== false;
    }
    if (node.kind === 'START_EVENT') node.interrupting = el.isInterrupting !== false;
    if (el.default) node.defaultFlowId = (el.default as El).id;

    const io = ext(el, 'zeebe:IoMapping');
    if (io) {
      node.inputs = readMappings(node.id, io.inputParameters as El[] | undefined);
      node.outputs = readMappings(node.id, io.outputParameters as El[] | undefined);
    }

    const td = ext(el, 'zeebe:TaskDefinition');
    const headers: Record<string, string> = {};
    for (const h of (ext(el, 'zeebe:TaskHeaders')?.values as El[] | undefined) ?? [])
      headers[String(h.key)] = String(h.value ?? '');

    if (node.kind === 'SCRIPT_TASK' && ext(el, 'zeebe:Script')) {
      const script = ext(el, 'zeebe:Script')!;
      const expression = String(script.expression ?? '');
      if (!expression.startsWith('='))
        problems.add(node.id, "Attribute 'expression' must be an expression starting with '='");
      else {
        node.script = {
          expression: expression.slice(1),
          resultVariable: script.resultVariable as string | undefined,
        };
        checkFeel(node.id, node.script.expression, 'script');
      }
      if (!script.resultVariable) problems.add(node.id, "Missing required attribute 'resultVariable'");
    } else if (node.kind === 'BUSINESS_RULE_TASK' && ext(el, 'zeebe:CalledDecision')) {
      readCalledDecision(ext(el, 'zeebe:CalledDecision')!, node);
      if (td)
        problems.add(
          node.id,
          "Must have either one 'zeebe:calledDecision' or one 'zeebe:taskDefinition' extension element",
        );
    } else if (
      JOB_KINDS.has(node.kind) ||
      ((node.kind === 'END_EVENT' || node.kind === 'INTERMEDIATE_THROW_EVENT') &&
        node.event?.kind === 'message')
    ) {
      if (!td || !td.type)
        problems.add(node.id, "Must have exactly one 'zeebe:taskDefinition' extension element");
      else node.job = { type: expr(String(td.type)), retries: expr(String(td.retries ?? '3')), headers };
    } else if (node.kind === 'USER_TASK' && ext(el, 'zeebe:UserTask')) {
      node.userTask = readUserTask(
        (type) => ext(el, type),
        headers,
        (message) => problems.add(node.id, message),
        (text, what) => checkFeel(node.id, text, what),
      );
    } else if (node.kind === 'USER_TASK') {
      const assignment = ext(el, 'zeebe:AssignmentDefinition');
      const schedule = ext(el, 'zeebe:TaskSchedule');
      const form = ext(el, 'zeebe:FormDefinition');
      const userHeaders = { ...headers };
      const put = (key: string, v: unknown) => {
        if (typeof v === 'string' && v !== '') userHeaders[key] = v;
      };
      put('io.camunda.zeebe:assignee', assignment?.assignee);
      // candidate lists reach the worker as JSON arrays; a static "a, b" is such a list
      const list = (v: unknown) =>
        typeof v === 'string' && v !== '' && !v.startsWith('=')
          ? JSON.stringify(
              v
                .split(',')
                .map((x) => x.trim())
                .filter(Boolean),
            )
          : v;
      put('io.camunda.zeebe:candidateGroups', list(assignment?.candidateGroups));
      put('io.camunda.zeebe:candidateUsers', list(assignment?.candidateUsers));
      put('io.camunda.zeebe:dueDate', schedule?.dueDate);
      put('io.camunda.zeebe:followUpDate', schedule?.followUpDate);
      put(
        'io.camunda.zeebe:formKey',
        form?.formKey ?? (form?.formId ? `camunda-forms:bpmn:${String(form.formId)}` : undefined),
      );
      node.job = { type: { static: USER_TASK_JOB_TYPE }, retries: { static: '1' }, headers: userHeaders };
    }
    if (node.job) {
      checkExpr(node.id, node.job.type, 'job type');
      checkExpr(node.id, node.job.retries, 'job retries');
      for (const [k, v] of Object.entries(node.job.headers))
        if (
          k.startsWith('io.camunda.zeebe:') &&
          (k.endsWith('assignee') || k.endsWith('Groups') || k.endsWith('Users') || k.endsWith('Date')) &&
          v.startsWith('=')
        )
          checkFeel(node.id, v.slice(1), k);
    }

    const loop = el.loopCharacteristics as El | undefined;
    if (loop) {
      if (loop.$type !== 'bpmn:MultiInstanceLoopCharacteristics')
        problems.add(node.id, 'Standard loop characteristics are not supported');
      else {
        const lc = ext(loop, 'zeebe:LoopCharacteristics');
        const input = lc?.inputCollection as string | undefined;
        if (!input) problems.add(node.id, "Must have an 'inputCollection' (zeebe:loopCharacteristics)");
        else {
          const cc = (loop.completionCondition as { body?: string } | undefined)?.body?.trim();
          node.multiInstance = {
            sequential: loop.isSequential === true,
            inputCollection: input.replace(/^=/, ''),
            inputElement: lc?.inputElement as string | undefined,
            outputCollection: lc?.outputCollection as string | undefined,
            outputElement: (lc?.outputElement as string | undefined)?.replace(/^=/, ''),
            completionCondition: cc ? cc.replace(/^=/, '') : undefined,
          };
          checkFeel(node.id, node.multiInstance.inputCollection, 'inputCollection');
          checkFeel(node.id, node.multiInstance.outputElement, 'outputElement');
          checkFeel(node.id, node.multiInstance.completionCondition, 'completionCondition');
          if (node.multiInstance.outputCollection && !node.multiInstance.outputElement)
            problems.add(node.id, "Must have an 'outputElement' when 'outputCollection' is set");
        }
      }
    }

    if (node.kind === 'CALL_ACTIVITY') {
      const ce = ext(el, 'zeebe:CalledElement');
      if (!ce?.processId)
        problems.add(
          node.id,
          "Must have exactly one 'zeebe:calledElement' extension element with a processId",
        );
      else {
        const bindingType = String(ce.bindingType ?? 'latest');
        const versionTag = typeof ce.versionTag === 'string' ? ce.versionTag : undefined;
        if (bindingType !== 'latest' && bindingType !== 'deployment' && bindingType !== 'versionTag')
          problems.add(
            node.id,
            `Attribute 'bindingType' must be one of 'latest', 'deployment' or 'versionTag', but was '${bindingType}'`,
          );
        else if (bindingType === 'versionTag' && !versionTag?.trim())
          problems.add(
            node.id,
            "Attribute 'versionTag' must be present and not empty if 'bindingType' is 'versionTag'",
          );
        node.call = {
          processId: expr(String(ce.processId)),
          propagateAllChildVariables: ce.propagateAllChildVariables !== false,
          propagateAllParentVariables: ce.propagateAllParentVariables !== false,
          bindingType: bindingType as 'latest' | 'deployment' | 'versionTag',
          versionTag: bindingType === 'versionTag' ? versionTag : undefined,
        };
        checkExpr(node.id, node.call.processId, 'processId');
      }
    }
  }

  /** A business-rule task the engine evaluates itself (engine/runtime/decisions.ts). */
  function readCalledDecision(cd: El, node: FlowNode) {
    // bindingType and versionTag are newer than the moddle schema: moddle keeps them in $attrs
    const attrs = (cd.$attrs ?? {}) as Record<string, string>;
    const decisionId = String(cd.decisionId ?? '');
    const resultVariable = String(cd.resultVariable ?? '');
    const bindingType = String(cd.bindingType ?? attrs.bindingType ?? 'latest');
    const versionTag = (cd.versionTag ?? attrs.versionTag) as string | undefined;
    if (!decisionId) problems.add(node.id, "Missing required attribute 'decisionId' (zeebe:calledDecision)");
    if (!resultVariable)
      problems.add(node.id, "Missing required attribute 'resultVariable' (zeebe:calledDecision)");
    if (bindingType !== 'latest' && bindingType !== 'deployment' && bindingType !== 'versionTag')
      problems.add(
        node.id,
        `Called decision binding type '${bindingType}' is not supported; 'latest', 'deployment' or 'versionTag'`,
      );
    if (bindingType === 'versionTag' && !versionTag)
      problems.add(node.id, "Must have a 'versionTag' when the binding type is 'versionTag'");
    node.decision = {
      decisionId: expr(decisionId),
      resultVariable,
      bindingType: bindingType as 'latest' | 'deployment' | 'versionTag',
      ...(versionTag ? { versionTag } : {}),
    };
    checkExpr(node.id, node.decision.decisionId, 'decisionId');
  }

  function readMappings(elementId: string, params: El[] | undefined): Mapping[] {
    return (params ?? []).map((m) => {
      const source = expr(String(m.source ?? ''));
      const target = String(m.target ?? '');
      if (!target) problems.add(elementId, 'Mapping must have a target');
      checkExpr(elementId, source, `mapping '${target}'`);
      return { source, target };
    });
  }

  function readEventDefinition(def: El, node: FlowNode): EventDefinition {
    switch (def.$type) {
      case 'bpmn:TimerEventDefinition': {
        const pick = (['timeDate', 'timeDuration', 'timeCycle'] as const).find((k) => def[k]);
        const body = pick ? String((def[pick] as { body?: string }).body ?? '').trim() : '';
        if (!pick || !body) {
          problems.add(node.id, 'Must have a timer definition (timeDate, timeDuration or timeCycle)');
          return { kind: 'none' };
        }
        const e = expr(body);
        checkExpr(node.id, e, 'timer');
        const timerType = pick === 'timeDate' ? 'date' : pick === 'timeDuration' ? 'duration' : 'cycle';
        return { kind: 'timer', timerType, expression: e };
      }
      case 'bpmn:MessageEventDefinition': {
        const msg = def.messageRef as El | undefined;
        if (!msg?.name && node.kind !== 'END_EVENT' && node.kind !== 'INTERMEDIATE_THROW_EVENT') {
          problems.add(node.id, 'Must reference a message with a name');
          return { kind: 'none' };
        }
        const sub = msg ? ext(msg, 'zeebe:Subscription') : undefined;
        const ck = sub?.correlationKey as string | undefined;
        const name = expr(String(msg?.name ?? ''));
        checkExpr(node.id, name, 'message name');
        const correlationKey = ck ? expr(ck) : undefined;
        checkExpr(node.id, correlationKey, 'correlation key');
        return { kind: 'message', name, correlationKey };
      }
      case 'bpmn:ErrorEventDefinition': {
        const err = def.errorRef as El | undefined;
        const errorCode = (err?.errorCode as string | undefined) || undefined;
        if (errorCode?.startsWith('=')) {
          if (node.kind !== 'END_EVENT')
            problems.add(node.id, 'The errorCode of an error catch event must be a static value');
          checkFeel(node.id, errorCode.slice(1), 'errorCode');
        }
        return { kind: 'error', errorCode };
      }
      case 'bpmn:EscalationEventDefinition': {
        const esc = def.escalationRef as El | undefined;
        return {
          kind: 'escalation',
          escalationCode: (esc?.escalationCode as string | undefined) || undefined,
        };
      }
      case 'bpmn:SignalEventDefinition': {
        const sig = def.signalRef as El | undefined;
        if (!sig?.name) {
          problems.add(node.id, 'Must reference a signal with a name');
          return { kind: 'none' };
        }
        const name = expr(String(sig.name));
        checkExpr(node.id, name, 'signal name');
        return { kind: 'signal', name };
      }
      case 'bpmn:TerminateEventDefinition':
        return { kind: 'terminate' };
      case 'bpmn:LinkEventDefinition':
        return { kind: 'link', name: String(def.name ?? '') };
      default:
        problems.add(node.id, `Event definition '${def.$type.replace('bpmn:', '')}' is not supported`);
        return { kind: 'none' };
    }
  }

  function validateScope(scope: FlowNode) {
    for (const node of scope.children) {
      const ev = node.event?.kind;
      const where = `${node.kind}${ev && ev !== 'none' ? ` with ${ev} event definition` : ''}`;
      const unsupported = () => problems.add(node.id, `Elements of type ${where} are not supported`);
      switch (node.kind) {
        case 'START_EVENT': {
          const allowed =
            scope.kind === 'PROCESS'
              ? ['none', 'timer', 'message', 'signal']
              : scope.kind === 'SUB_PROCESS'
                ? ['none']
                : ['timer', 'message', 'signal', 'error', 'escalation'];
          if (!allowed.includes(ev ?? 'none')) unsupported();
          if (node.incoming.length)
            problems.add(node.id, 'Start events must not have incoming sequence flows');
          break;
        }
        case 'END_EVENT':
          if (!['none', 'error', 'terminate', 'escalation', 'signal', 'message'].includes(ev ?? 'none'))
            unsupported();
          if (node.outgoing.length) problems.add(node.id, 'End events must not have outgoing sequence flows');
          if (ev === 'error' && !(node.event as { errorCode?: string }).errorCode)
            problems.add(node.id, 'Must reference an error with an errorCode');
          break;
        case 'INTERMEDIATE_CATCH_EVENT':
          if (!['timer', 'message', 'signal', 'link'].includes(ev ?? 'none')) unsupported();
          break;
        case 'INTERMEDIATE_THROW_EVENT':
          if (!['none', 'link', 'signal', 'escalation', 'message'].includes(ev ?? 'none')) unsupported();
          break;
        case 'BOUNDARY_EVENT': {
          if (!['timer', 'message', 'error', 'signal', 'escalation'].includes(ev ?? 'none')) unsupported();
          const host = scope.children.find((c) => c.id === node.attachedToId);
          if (!host || !ACTIVITY_KINDS.has(host.kind))
            problems.add(node.id, 'Must be attached to an activity');
          else host.boundaries.push(node);
          if (ev === 'error' && !node.cancelActivity)
            problems.add(node.id, 'Error boundary events must be interrupting');
          if (node.incoming.length)
            problems.add(node.id, 'Boundary events must not have incoming sequence flows');
          if (!node.outgoing.length)
            problems.add(node.id, 'Boundary events must have an outgoing sequence flow');
          break;
        }
        case 'EXCLUSIVE_GATEWAY':
        case 'INCLUSIVE_GATEWAY':
          if (node.outgoing.length > 1)
            for (const f of node.outgoing)
              if (!f.condition && f.id !== node.defaultFlowId)
                problems.add(
                  node.id,
                  `Outgoing sequence flow '${f.id}' must have a condition or be the default flow`,
                );
          break;
        case 'EVENT_BASED_GATEWAY': {
          if (node.outgoing.length < 2)
            problems.add(node.id, 'Event-based gateway must have at least 2 outgoing sequence flows');
          for (const f of node.outgoing) {
            const t = nodes.get(f.targetId);
            const tev = t?.event?.kind;
            if (
              !(
                t?.kind === 'INTERMEDIATE_CATCH_EVENT' &&
                (tev === 'timer' || tev === 'message' || tev === 'signal')
              ) &&
              t?.kind !== 'RECEIVE_TASK'
            )
              problems.add(
                node.id,
                'Event-based gateway must not have an outgoing sequence flow to other elements than message/timer/signal intermediate catch events',
              );
          }
          break;
        }
        case 'EVENT_SUB_PROCESS': {
          const starts = node.children.filter((c) => c.kind === 'START_EVENT');
          if (starts.length !== 1) problems.add(node.id, 'Must have exactly one start event');
          if (node.incoming.length || node.outgoing.length)
            problems.add(node.id, 'Event sub-processes must not have sequence flows');
          break;
        }
        case 'SUB_PROCESS': {
          const starts = node.children.filter((c) => c.kind === 'START_EVENT');
          if (starts.length !== 1) problems.add(node.id, 'Must have exactly one none start event');
          break;
        }
        default:
          break;
      }
      // Elements without incoming flows are allowed (Zeebe deploys them; modification can start them).
      if (node.event?.kind === 'message' && !node.job) {
        const e = node.event;
        const needsKey = node.kind !== 'START_EVENT' || scope.kind === 'EVENT_SUB_PROCESS';
        if (needsKey && !e.correlationKey)
          problems.add(node.id, 'Must have a correlation key (zeebe:subscription)');
      }
      if (node.defaultFlowId && !node.outgoing.some((f) => f.id === node.defaultFlowId))
        problems.add(node.id, 'Default flow must be an outgoing sequence flow');
      // Conditions are evaluated only at exclusive and inclusive gateways; elsewhere they would be ignored.
      if (node.kind !== 'EXCLUSIVE_GATEWAY' && node.kind !== 'INCLUSIVE_GATEWAY')
        for (const f of node.outgoing.filter((o) => o.condition !== undefined))
          problems.add(
            f.id,
            'Conditional sequence flows are only supported as outgoing flows of exclusive and inclusive gateways',
          );
      const timer = node.event?.kind === 'timer' ? node.event.timerType : undefined;
      if (
        timer === 'cycle' &&
        (node.kind === 'INTERMEDIATE_CATCH_EVENT' ||
          (node.kind === 'BOUNDARY_EVENT' && node.cancelActivity !== false))
      )
        problems.add(
          node.id,
          `Timer cycles are not supported on ${node.kind === 'BOUNDARY_EVENT' ? 'interrupting boundary' : 'intermediate catch'} events; use a duration or date`,
        );
    }
    // Link events: every throw names an existing catch in the same scope.
    const catches = new Map(
      scope.children
        .filter((c) => c.kind === 'INTERMEDIATE_CATCH_EVENT' && c.event?.kind === 'link')
        .map((c) => [(c.event as { name: string }).name, c]),
    );
    for (const t of scope.children.filter(
      (c) => c.kind === 'INTERMEDIATE_THROW_EVENT' && c.event?.kind === 'link',
    ))
      if (!catches.has((t.event as { name: string }).name))
        problems.add(
          t.id,
          `Can't find a catch link event with the name '${(t.event as { name: string }).name}'`,
        );
  }
}
