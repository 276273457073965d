/**
 * BPMN element behaviour: how each element is activated, waits, completes or is terminated, how
 * tokens flow, how events (timers, messages, signals, errors, escalations) are caught. Everything runs
 * inside one command on its unit of work; new element activations go through an agenda (FIFO) so
 * parallel branches interleave in the feed the way a Zeebe partition writes them.
 */
import { addDuration, cycleMinGapMs, parseCycle, parseTimerDate, type Cycle } from '../feel/index.ts';
import type { EventDefinition, FlowNode, Mapping, ProcessModel } from '../model/types.ts';
import { evaluateCalledDecision } from './decisions.ts';
import type { ProcessRecord } from './models.ts';
import { listenersPending } from './listeners.ts';
import { IncidentSignal, type Run } from './run.ts';
import type { EiRow, PiRow, SubRow } from './state.ts';
import { cancelUserTask, prepareUserTask } from './user-tasks.ts';

type Vars = Record<string, unknown>;

/** Where a thrown error or escalation is caught. */
interface Catcher {
  /** Boundary: the activity instance it is attached to; event sub-process: the scope instance. */
  owner: EiRow;
  ownerPi: PiRow;
  node: FlowNode;
}

export class Bpmn {
  private readonly agenda: (() => Promise<void>)[] = [];

  constructor(readonly run: Run) {}

  private get uow() {
    return this.run.uow;
  }

  /** Runs queued activations until the instance(s) wait. */
  async drain() {
    for (;;) {
      for (let step = this.agenda.shift(); step; step = this.agenda.shift()) await step();
      // Joining inclusive gateways are decided once nothing else moves (see joinInclusive).
      const scopes = [...this.inclusiveScopes];
      this.inclusiveScopes.clear();
      for (const key of scopes) await this.joinInclusive(key);
      if (!this.agenda.length) return;
    }
  }

  /** Scopes holding tokens at a joining inclusive gateway whose content changed in this command. */
  private readonly inclusiveScopes = new Set<number>();

  /**
   * A joining inclusive gateway activates when at least one incoming flow was taken and no active
   * element of the scope can still reach an incoming flow that was not taken.
   */
  private async joinInclusive(scopeKey: number) {
    const scope = this.uow.eis.get(scopeKey);
    const tokens = scope?.data.tokens;
    if (!scope || scope.state !== 'ACTIVATED' || !tokens) return;
    const pi = this.uow.pis.get(scope.piKey)!;
    const model = await this.model(pi);
    const active = this.run.children(scope.key).map((c) => c.elementId);
    const gateways = new Set(
      Object.keys(tokens)
        .map((flowId) => [...model.nodes.values()].find((n) => n.incoming.some((i) => i.id === flowId)))
        .filter((n): n is FlowNode => n?.kind === 'INCLUSIVE_GATEWAY'),
    );
    for (const gw of gateways) {
      const pending = gw.incoming.filter((i) => !tokens[i.id]);
      const reachable = (from: string) =>
        this.reaches(model, from, gw.id, new Set(pending.map((f) => f.sourceId)));
      if (pending.length && active.some(reachable)) continue;
      for (const i of gw.incoming) if (tokens[i.id] && --tokens[i.id]! === 0) delete tokens[i.id];
      this.uow.eis.touch(scope);
      this.schedule(pi, gw, scope.key, {});
    }
  }

  /** Whether a path leads from node `from` to one of `targets` without passing through `stop`. */
  private reaches(model: ProcessModel, from: string, stop: string, targets: Set<string>): boolean {
    const seen = new Set<string>();
    const todo = [from];
    for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
      if (targets.has(id)) return true;
      if (seen.has(id) || id === stop) continue;
      seen.add(id);
      const node = model.nodes.get(id);
      if (!node) continue;
      for (const f of node.outgoing) todo.push(f.targetId);
      for (const b of node.boundaries) todo.push(b.id);
    }
    return false;
  }

  async model(pi: PiRow): Promise<ProcessModel> {
    return (await this.run.processOf(pi)).model;
  }

  async nodeOf(pi: PiRow, ei: EiRow): Promise<FlowNode> {
    return this.run.nodeOf(await this.model(pi), ei.elementId);
  }

  private isBody(ei: EiRow) {
    return ei.elementType === 'MULTI_INSTANCE_BODY';
  }

  // --- process instances ---------------------------------------------------------------------------

  /** Creates a process instance and starts it at its none start event, a given start event, or start instructions. */
  async createInstance(
    process: ProcessRecord,
    variables: Vars,
    opts: { startAt?: string[]; parent?: { pi: PiRow; ei: EiRow }; startCorrelationKey?: string } = {},
  ): Promise<PiRow> {
    const key = this.run.keys.take();
    const pi: PiRow = {
      key,
      processKey: process.key,
      bpmnProcessId: process.bpmnProcessId,
      version: process.version,
      parentPiKey: opts.parent?.pi.key ?? null,
      parentElementInstanceKey: opts.parent?.ei.key ?? null,
      startCorrelationKey: opts.startCorrelationKey ?? null,
      createdAt: this.run.now,
    };
    this.uow.created(pi);
    const ei: EiRow = {
      key,
      piKey: key,
      elementId: process.bpmnProcessId,
      elementType: 'PROCESS',
      flowScopeKey: null,
      state: 'ACTIVATING',
      data: {},
    };
    this.uow.eis.insert(ei);
    for (const [name, value] of Object.entries(variables)) this.run.setLocal(key, key, name, value);
    const root = process.model.root;
    // kept with the instance: the process may wait for its start listeners first
    ei.data.startAt = opts.startAt ?? [
      root.children.find((c) => c.kind === 'START_EVENT' && c.event?.kind === 'none')!.id,
    ];
    await this.runActivation(pi, ei, root);
    return pi;
  }

  /**
   * The process instance's own activation: its event sub-processes, then its start events. The start
   * events stay in the instance's data until then, so an incident here can be resolved and retried.
   */
  private async beginProcess(pi: PiRow, ei: EiRow, root: FlowNode) {
    const model = await this.model(pi);
    await this.openScopeEvents(pi, ei, root);
    this.activated(pi, ei);
    for (const id of ei.data.startAt ?? []) this.schedule(pi, model.nodes.get(id)!, ei.key, {});
    delete ei.data.startAt;
  }

  /** Cancels a process instance: terminates everything in it (and in called instances). */
  async cancelInstance(pi: PiRow) {
    const root = this.uow.eis.get(pi.key);
    if (root) await this.terminate(pi, root);
    this.uow.pis.remove(pi);
    this.run.effects.terminated.add(pi.key);
    await this.startNextBuffered(pi);
  }

  /**
   * Zeebe allows one active instance per correlation key for message start events; when it ends, the
   * oldest live buffered message for that key starts the next one.
   */
  private async startNextBuffered(pi: PiRow) {
    if (pi.startCorrelationKey === null || pi.parentPiKey !== null) return;
    const db = this.uow.db;
    const [row] = await db.all(
      `SELECT s.element_id, s.process_key, m.key AS message_key, m.variables FROM zb_subscription s
         JOIN zb_message m ON m.name = s.name
       WHERE s.kind = 'message-start' AND s.bpmn_process_id = ? AND m.correlation_key = ? AND m.deadline > ?
         AND NOT EXISTS (SELECT 1 FROM zb_message_correlation c WHERE c.message_key = m.key AND c.bpmn_process_id = ?)
       ORDER BY m.key LIMIT 1`,
      [pi.bpmnProcessId, pi.startCorrelationKey, this.run.now, pi.bpmnProcessId],
    );
    if (!row) return;
    await db.run(`INSERT INTO zb_message_correlation (message_key, bpmn_process_id) VALUES (?, ?)`, [
      Number(row.message_key),
      pi.bpmnProcessId,
    ]);
    const process = await this.run.models.byKey(db, Number(row.process_key));
    if (!process) return;
    const variables = JSON.parse(String(row.variables)) as Vars;
    await this.createInstance(process, variables, {
      startAt: [String(row.element_id)],
      startCorrelationKey: pi.startCorrelationKey,
    });
  }

  // --- activation ------------------------------------------------------------------------------------

  /** Queues the activation of `node` in a scope; the scope does not complete while activations are queued. */
  private schedule(
    pi: PiRow,
    node: FlowNode,
    scopeKey: number,
    opts: { eventVariables?: Vars; loopIndex?: number; inner?: boolean },
  ) {
    const generation = this.generation.get(scopeKey) ?? 0;
    this.queued.set(scopeKey, (this.queued.get(scopeKey) ?? 0) + 1);
    this.agenda.push(async () => {
      if ((this.generation.get(scopeKey) ?? 0) !== generation) return; // dropped by a terminate end event or interruption
      this.queued.set(scopeKey, this.queued.get(scopeKey)! - 1);
      await this.activate(pi, node, scopeKey, opts);
    });
  }

  /** Forgets activations queued into a scope whose content was just terminated. */
  private dropQueued(scopeKey: number) {
    this.generation.set(scopeKey, (this.generation.get(scopeKey) ?? 0) + 1);
    this.queued.set(scopeKey, 0);
  }

  private readonly queued = new Map<number, number>();
  private readonly generation = new Map<number, number>();

  private async activate(
    pi: PiRow,
    node: FlowNode,
    scopeKey: number,
    opts: { eventVariables?: Vars; loopIndex?: number; inner?: boolean },
  ) {
    const scope = this.uow.eis.get(scopeKey);
    if (!scope || scope.state === 'TERMINATING') return; // the scope ended meanwhile
    const body = !!node.multiInstance && !opts.inner;
    const ei: EiRow = {
      key: this.run.keys.take(),
      piKey: pi.key,
      elementId: node.id,
      elementType: body ? 'MULTI_INSTANCE_BODY' : node.kind,
      flowScopeKey: scopeKey,
      state: 'ACTIVATING',
      data: {},
    };
    if (opts.eventVariables) ei.data.eventVariables = opts.eventVariables;
    if (opts.loopIndex !== undefined) ei.data.loopIndex = opts.loopIndex;
    this.uow.eis.insert(ei);
    if (opts.inner && node.multiInstance) {
      const parent = this.uow.eis.get(scopeKey)!;
      const item = parent.data.mi!.items[opts.loopIndex!];
      const mi = node.multiInstance;
      if (mi.inputElement) this.run.setLocal(ei.key, pi.key, mi.inputElement, item ?? null);
      this.run.setLocal(ei.key, pi.key, 'loopCounter', opts.loopIndex! + 1);
      if (mi.outputElement && /^[A-Za-z_][\w]*$/.test(mi.outputElement))
        this.run.setLocal(ei.key, pi.key, mi.outputElement, null);
    }
    await this.runActivation(pi, ei, node);
  }

  /** The activation phase; an evaluation failure leaves the element ACTIVATING with an incident. */
  async runActivation(pi: PiRow, ei: EiRow, node: FlowNode, afterListeners = false) {
    const quarantine = this.run.quarantine;
    if (quarantine !== undefined) {
      // The process died applying this command before: hold it here; resolving the incident goes on.
      this.run.quarantine = undefined;
      this.run.raiseIncident(pi, ei, 'UNKNOWN', quarantine);
      return;
    }
    const limit = this.run.limits.maxActivationsPerCommand;
    if (++this.run.activations > limit) {
      // A loop without a wait state (or a flood of elements) would run this command for ever.
      this.run.raiseIncident(
        pi,
        ei,
        'UNKNOWN',
        `Expected to activate at most ${limit} elements in one step (ENGINE_MAX_ACTIVATIONS_PER_COMMAND), but the flow went on: a loop without a wait state? The element is held here; resolve this incident to go on.`,
      );
      return;
    }
    try {
      await this.activationBehaviour(pi, ei, node, afterListeners);
    } catch (e) {
      if (!(e instanceof IncidentSignal)) throw e;
      this.run.raiseIncident(pi, ei, e.errorType, e.message);
    }
  }

  private activated(pi: PiRow, ei: EiRow) {
    ei.state = 'ACTIVATED';
    this.uow.eis.touch(ei);
    this.run.event('ELEMENT_ACTIVATED', ei, pi);
  }

  /** Execution listeners: the start listeners' jobs are done, the element's own behaviour follows. */
  async resumeActivation(pi: PiRow, ei: EiRow, node: FlowNode) {
    await this.runActivation(pi, ei, node, true);
  }

  private async activationBehaviour(pi: PiRow, ei: EiRow, node: FlowNode, afterListeners: boolean) {
    if (this.isBody(ei)) return this.activateBody(pi, ei, node);
    if (!afterListeners) {
      if (node.inputs.length) this.applyInputs(pi, ei, node.inputs);
      // start listeners run after the input mappings, before anything of the element's own
      if (await listenersPending(this.run, pi, ei, node, 'start')) return;
    }
    if (node.kind === 'PROCESS') return this.beginProcess(pi, ei, node);
    const vars = () => this.run.visibleVariables(ei.key);
    const ev = node.event?.kind;

    // An event that was triggered before it was activated (event-based gateway, boundary, start of
    // an event sub-process) completes right away with the event's variables.
    if (ei.data.eventVariables && (node.kind.endsWith('EVENT') || node.kind === 'RECEIVE_TASK')) {
      const v = ei.data.eventVariables;
      delete ei.data.eventVariables;
      this.activated(pi, ei);
      return this.complete(pi, ei, node, v);
    }

    switch (node.kind) {
      case 'SUB_PROCESS': {
        this.activated(pi, ei);
        await this.openBoundaries(pi, ei, node);
        await this.openScopeEvents(pi, ei, node);
        const start = node.children.find((c) => c.kind === 'START_EVENT')!;
        this.schedule(pi, start, ei.key, {});
        return;
      }
      case 'EVENT_SUB_PROCESS': {
        const eventVariables = ei.data.eventVariables ?? {};
        delete ei.data.eventVariables;
        this.activated(pi, ei);
        const start = node.children.find((c) => c.kind === 'START_EVENT')!;
        this.schedule(pi, start, ei.key, { eventVariables });
        return;
      }
      case 'CALL_ACTIVITY':
        return this.activateCallActivity(pi, ei, node);
      case 'EXCLUSIVE_GATEWAY':
      case 'INCLUSIVE_GATEWAY': {
        const flows = this.chooseFlows(node, vars());
        this.activated(pi, ei);
        return this.complete(pi, ei, node, undefined, flows);
      }
      case 'EVENT_BASED_GATEWAY': {
        this.activated(pi, ei);
        for (const f of node.outgoing) {
          const target = (await this.model(pi)).nodes.get(f.targetId)!;
          await this.openEvent(pi, ei, target, true);
        }
        return;
      }
      default:
        break;
    }

    if (node.job) return this.createJob(pi, ei, node);
    if (node.decision) {
      // evaluated before the element is ACTIVATED: a failure leaves it ACTIVATING with an incident
      const result = await evaluateCalledDecision(this.run, pi, ei, node);
      this.activated(pi, ei);
      return this.complete(pi, ei, node, result);
    }
    if (node.userTask) {
      const create = await prepareUserTask(this.run, pi, ei, node);
      this.activated(pi, ei);
      await create();
      return this.openBoundaries(pi, ei, node);
    }
    if (node.script) {
      const value = this.run.evaluate(node.script.expression, vars());
      this.activated(pi, ei);
      return this.complete(
        pi,
        ei,
        node,
        node.script.resultVariable ? { [node.script.resultVariable]: value } : undefined,
      );
    }
    if (node.kind === 'INTERMEDIATE_CATCH_EVENT' && ev !== 'link') {
      this.activated(pi, ei);
      await this.openEvent(pi, ei, node, true);
      return;
    }
    if (node.kind === 'RECEIVE_TASK') {
      this.activated(pi, ei);
      await this.openBoundaries(pi, ei, node);
      await this.openEvent(pi, ei, node, true);
      return;
    }
    if (node.kind === 'END_EVENT' || node.kind === 'INTERMEDIATE_THROW_EVENT')
      return this.activateThrowEvent(pi, ei, node);
    // start events, none events, manual and undefined tasks, parallel gateways: pass through
    this.activated(pi, ei);
    return this.complete(pi, ei, node);
  }

  private async activateThrowEvent(pi: PiRow, ei: EiRow, node: FlowNode) {
    const def = node.event!;
    if (def.kind === 'error') {
      const code = this.errorCodeOf(def, ei);
      this.activated(pi, ei);
      return this.throwError(pi, ei, code, '', {}, null);
    }
    if (def.kind === 'terminate') {
      this.activated(pi, ei);
      this.leave(pi, ei);
      const scope = this.uow.eis.get(ei.flowScopeKey!)!;
      for (const child of this.run.children(scope.key)) await this.terminate(pi, child);
      scope.data.tokens = undefined;
      this.dropQueued(scope.key);
      this.uow.eis.touch(scope);
      return this.scopeCheck(pi, scope.key);
    }
    if (def.kind === 'signal') {
      const name = this.run.evaluateText(def.name, this.run.visibleVariables(ei.key), 'signal name');
      this.activated(pi, ei);
      await this.broadcastSignal(name, {});
      if (!this.uow.eis.get(ei.key)) return;
      return this.complete(pi, ei, node);
    }
    if (def.kind === 'escalation') {
      this.activated(pi, ei);
      const interrupted = await this.throwEscalation(pi, ei, def.escalationCode ?? '');
      if (interrupted || !this.uow.eis.get(ei.key)) return;
      return this.complete(pi, ei, node);
    }
    this.activated(pi, ei);
    return this.complete(pi, ei, node);
  }

  /** The code an error throw event throws: static, or a FEEL expression evaluated when reached. */
  private errorCodeOf(def: EventDefinition & { kind: 'error' }, ei: EiRow): string {
    const code = def.errorCode ?? '';
    if (!code.startsWith('=')) return code;
    return this.run.evaluateAs(
      { feel: code.slice(1) },
      'STRING',
      this.run.visibleVariables(ei.key),
    ) as string;
  }

  private applyInputs(pi: PiRow, ei: EiRow, inputs: Mapping[]) {
    const values = this.evaluateMappings(inputs, this.run.visibleVariables(ei.flowScopeKey ?? ei.key));
    for (const [name, value] of Object.entries(values)) this.run.setLocal(ei.key, pi.key, name, value);
  }

  /** Evaluates mappings into a document; a later mapping sees the targets of the earlier ones. */
  private evaluateMappings(mappings: Mapping[], variables: Vars): Vars {
    const context: Vars = { ...variables };
    const out: Vars = {};
    for (const m of mappings) {
      const value = 'static' in m.source ? m.source.static : this.run.evaluate(m.source.feel, context);
      const path = m.target.split('.');
      const head = path[0]!;
      if (path.length === 1) out[head] = value;
      else {
        const base = structuredClone(out[head] ?? context[head]);
        const rootObj: Vars = base && typeof base === 'object' && !Array.isArray(base) ? (base as Vars) : {};
        let cur = rootObj;
        for (const part of path.slice(1, -1)) {
          const next = cur[part];
          cur = cur[part] = next && typeof next === 'object' && !Array.isArray(next) ? (next as Vars) : {};
        }
        cur[path[path.length - 1]!] = value;
        out[head] = rootObj;
      }
      context[head] = out[head];
    }
    return out;
  }

  private chooseFlows(node: FlowNode, vars: Vars): string[] {
    if (node.outgoing.length === 1 && !node.outgoing[0]!.condition) return [node.outgoing[0]!.id];
    const chosen: string[] = [];
    for (const f of node.outgoing) {
      if (!f.condition || f.id === node.defaultFlowId) continue;
      const r = this.run.feel.evaluate(f.condition, vars);
      if (!r.ok) throw new IncidentSignal('CONDITION_ERROR', r.message);
      if (r.value !== true && r.value !== false && r.value !== null)
        throw new IncidentSignal(
          'CONDITION_ERROR',
          `Expected result of the expression '${f.condition}' to be 'BOOLEAN', but was '${typeof r.value === 'string' ? 'STRING' : typeof r.value === 'number' ? 'NUMBER' : 'CONTEXT'}'.`,
        );
      if (r.value === true) {
        chosen.push(f.id);
        if (node.kind === 'EXCLUSIVE_GATEWAY') return chosen;
      }
    }
    if (chosen.length) return chosen;
    if (node.defaultFlowId) return [node.defaultFlowId];
    throw new IncidentSignal(
      'CONDITION_ERROR',
      'Expected at least one condition to evaluate to true, or to have a default flow',
    );
  }

  private async createJob(pi: PiRow, ei: EiRow, node: FlowNode) {
    const vars = this.run.visibleVariables(ei.key);
    const job = node.job!;
    const type = this.run.evaluateAs(job.type, 'STRING', vars) as string;
    const retries = this.run.evaluateAs(job.retries, 'NUMBER', vars) as number;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(job.headers)) {
      if (!k.startsWith('io.camunda.zeebe:') || !v.startsWith('=')) {
        headers[k] = v;
        continue;
      }
      const value = this.run.evaluate(v.slice(1), vars);
      headers[k] = typeof value === 'string' ? value : JSON.stringify(value);
    }
    await this.run.insertJob(pi, ei, { type, retries, headers });
    this.activated(pi, ei);
    this.run.event('JOB_CREATED', ei, pi, { type, retries });
    this.run.effects.jobTypes.add(type);
    await this.openBoundaries(pi, ei, node);
  }

  private async activateCallActivity(pi: PiRow, ei: EiRow, node: FlowNode) {
    const vars = this.run.visibleVariables(ei.key);
    const processId = this.run.evaluateAs(node.call!.processId, 'STRING', vars) as string;
    const process = await this.calledProcess(pi, node.call!, processId);
    if (!process.model.root.children.some((c) => c.kind === 'START_EVENT' && c.event?.kind === 'none'))
      throw new IncidentSignal(
        'CALLED_ELEMENT_ERROR',
        `Expected process with BPMN process id '${processId}' to have a none start event, but not found.`,
      );
    this.activated(pi, ei);
    await this.openBoundaries(pi, ei, node);
    // A process that calls itself (directly or not) would nest without end.
    let depth = 1;
    for (let p: PiRow | undefined = pi; p?.parentPiKey != null; depth++)
      p = await this.uow.instance(p.parentPiKey);
    if (depth > this.run.limits.maxCallDepth)
      throw new IncidentSignal(
        'CALLED_ELEMENT_ERROR',
        `Expected to call process with BPMN process id '${processId}', but the call would nest ${depth} called instances, more than the maximum of ${this.run.limits.maxCallDepth} (ENGINE_MAX_CALL_DEPTH).`,
      );
    const childVars = node.call!.propagateAllParentVariables ? vars : this.run.localVariables(ei.key);
    const child = await this.createInstance(process, childVars, { parent: { pi, ei } });
    ei.data.childPiKey = child.key;
    this.uow.eis.touch(ei);
  }

  /** The version of the called process the call activity's binding type names, or an incident. */
  private async calledProcess(pi: PiRow, call: NonNullable<FlowNode['call']>, processId: string) {
    const db = this.uow.db;
    if (call.bindingType === 'deployment') {
      const caller = await this.run.processOf(pi);
      const found = await this.run.models.inDeployment(db, processId, caller.deploymentKey);
      if (!found)
        throw new IncidentSignal(
          'CALLED_ELEMENT_ERROR',
          `Expected to call process with BPMN process id '${processId}' with binding type 'deployment', but no such process found in the deployment with key ${caller.deploymentKey} which contained the current process. To resolve this incident, migrate the process instance to a process definition that is deployed together with the intended process definition to call.`,
        );
      return found;
    }
    if (call.bindingType === 'versionTag') {
      const found = await this.run.models.byVersionTag(db, processId, call.versionTag!);
      if (!found)
        throw new IncidentSignal(
          'CALLED_ELEMENT_ERROR',
          `Expected to call process with BPMN process id '${processId}' and version tag '${call.versionTag}', but no such process found. To resolve this incident, deploy a process with the given process id and version tag.`,
        );
      return found;
    }
    const found = await this.run.models.latest(db, processId);
    if (!found)
      throw new IncidentSignal(
        'CALLED_ELEMENT_ERROR',
        `Expected process with BPMN process id '${processId}' to be deployed, but not found.`,
      );
    return found;
  }

  private async activateBody(pi: PiRow, ei: EiRow, node: FlowNode) {
    const mi = node.multiInstance!;
    const items = this.run.evaluateAs(
      { feel: mi.inputCollection },
      'ARRAY',
      this.run.visibleVariables(ei.flowScopeKey!),
    ) as unknown[];
    if (items.length > this.run.limits.maxMultiInstance)
      throw new IncidentSignal(
        'EXTRACT_VALUE_ERROR',
        `Expected the input collection '${mi.inputCollection}' to have at most ${this.run.limits.maxMultiInstance} elements (ENGINE_MAX_MULTI_INSTANCE), but it has ${items.length}.`,
      );
    ei.data.mi = {
      items,
      next: 0,
      completed: 0,
      output: mi.outputCollection ? items.map(() => null) : undefined,
    };
    if (mi.outputCollection) this.run.setLocal(ei.key, pi.key, mi.outputCollection, ei.data.mi.output);
    this.activated(pi, ei);
    await this.openBoundaries(pi, ei, node);
    if (!items.length) return this.complete(pi, ei, node);
    const count = mi.sequential ? 1 : items.length;
    for (let i = 0; i < count; i++) this.schedule(pi, node, ei.key, { inner: true, loopIndex: i });
    ei.data.mi.next = count;
    this.uow.eis.touch(ei);
  }

  // --- events to wait for --------------------------------------------------------------------------

  private async openBoundaries(pi: PiRow, ei: EiRow, node: FlowNode) {
    if (node.multiInstance && !this.isBody(ei)) return; // boundaries belong to the body
    for (const b of node.boundaries) await this.openEvent(pi, ei, b, b.cancelActivity !== false);
  }

  /** Subscriptions of the event sub-processes of a scope (process or sub-process). */
  private async openScopeEvents(pi: PiRow, ei: EiRow, scope: FlowNode) {
    for (const esp of scope.children.filter((c) => c.kind === 'EVENT_SUB_PROCESS')) {
      const start = esp.children.find((c) => c.kind === 'START_EVENT');
      if (start) await this.openEvent(pi, ei, start, start.interrupting !== false);
    }
  }

  /** Opens the timer / message / signal subscription of `node`, owned by element instance `owner`. */
  private async openEvent(pi: PiRow, owner: EiRow, node: FlowNode, interrupting: boolean) {
    const def = node.event;
    if (!def) return;
    const vars = this.run.visibleVariables(owner.key);
    if (def.kind === 'timer') {
      const { due, repetitions, spec } = this.timerSchedule(def, vars, this.run.now);
      this.uow.timers.insert({
        key: this.run.keys.take(),
        piKey: pi.key,
        elementInstanceKey: owner.key,
        processKey: pi.processKey,
        elementId: node.id,
        due,
        repetitions,
        spec,
      });
      this.run.noteDue(due);
    } else if (def.kind === 'message') {
      const name = this.run.evaluateText(def.name, vars, 'message name');
      const correlationKey = def.correlationKey
        ? this.run.evaluateText(def.correlationKey, vars, 'correlation key')
        : '';
      const sub: SubRow = {
        key: this.run.keys.take(),
        kind: 'message',
        name,
        correlationKey,
        piKey: pi.key,
        elementInstanceKey: owner.key,
        processKey: pi.processKey,
        bpmnProcessId: pi.bpmnProcessId,
        elementId: node.id,
        interrupting,
      };
      this.uow.subs.insert(sub);
      await this.correlateBuffered(pi, sub);
    } else if (def.kind === 'signal') {
      const name = this.run.evaluateText(def.name, vars, 'signal name');
      this.uow.subs.insert({
        key: this.run.keys.take(),
        kind: 'signal',
        name,
        correlationKey: '',
        piKey: pi.key,
        elementInstanceKey: owner.key,
        processKey: pi.processKey,
        bpmnProcessId: pi.bpmnProcessId,
        elementId: node.id,
        interrupting,
      });
    }
  }

  /** MigrateProcessInstance: opens catch events of a migrated element that the migration did not carry over. */
  async openCatchEvents(pi: PiRow, owner: EiRow, nodes: FlowNode[]) {
    for (const n of nodes)
      await this.openEvent(
        pi,
        owner,
        n,
        n.kind === 'BOUNDARY_EVENT'
          ? n.cancelActivity !== false
          : n.kind === 'START_EVENT'
            ? n.interrupting !== false
            : true,
      );
  }

  /** Computes a timer's first due time; errors become EXTRACT_VALUE_ERROR incidents. */
  timerSchedule(
    def: EventDefinition & { kind: 'timer' },
    vars: Vars,
    now: number,
    checkMinimum = true,
  ): { due: number; repetitions: number; spec: string } {
    const text = this.run.evaluateText(def.expression, vars, 'timer');
    const fail = (error: string) => {
      throw new IncidentSignal(
        'EXTRACT_VALUE_ERROR',
        `Expected a valid timer ${def.timerType} '${text}', but ${error}`,
      );
    };
    if (def.timerType === 'date') {
      const d = parseTimerDate(text);
      if (!(d instanceof Date)) return fail(d.error);
      return { due: (d as Date).getTime(), repetitions: 1, spec: `date:${text}` };
    }
    if (def.timerType === 'duration') {
      const d = addDuration(new Date(now), text);
      if (!(d instanceof Date)) return fail(d.error);
      return { due: (d as Date).getTime(), repetitions: 1, spec: `duration:${text}` };
    }
    const c = parseCycle(text, new Date(now));
    if ('error' in c) return fail(c.error);
    const cycle = c as Exclude<typeof c, { error: string }>;
    const tooShort = cycleTooShort(cycle, now, this.run.limits.timerMinCycleMs);
    if (tooShort && checkMinimum) return fail(tooShort);
    const next = cycle.next(new Date(now));
    if (!next) return fail('it has no next occurrence');
    return {
      due: next!.getTime(),
      repetitions: Number.isFinite(cycle.repetitions) ? cycle.repetitions : -1,
      spec: `cycle:${text}`,
    };
  }

  /** A new message subscription takes the oldest live buffered message not yet correlated to this instance. */
  private async correlateBuffered(pi: PiRow, sub: SubRow) {
    const rows = await this.uow.db.all(
      `SELECT m.key, m.variables FROM zb_message m WHERE m.name = ? AND m.correlation_key = ? AND m.deadline > ?
         AND NOT EXISTS (SELECT 1 FROM zb_message_correlation c WHERE c.message_key = m.key AND c.bpmn_process_id = ?)
       ORDER BY m.key LIMIT 1`,
      [sub.name, sub.correlationKey, this.run.now, `pi:${pi.key}`],
    );
    const m = rows[0];
    if (!m) return;
    await this.uow.db.run(`INSERT INTO zb_message_correlation (message_key, bpmn_process_id) VALUES (?, ?)`, [
      Number(m.key),
      `pi:${pi.key}`,
    ]);
    const variables = JSON.parse(String(m.variables)) as Vars;
    this.agenda.push(async () => {
      const owner = this.uow.eis.get(sub.elementInstanceKey!);
      if (owner && this.uow.subs.get(sub.key)) await this.trigger(pi, owner, sub.elementId, variables);
    });
  }

  /** Closes every timer and subscription an element instance owns (optionally only some elements). */
  private closeEvents(ei: EiRow, only?: (elementId: string) => boolean) {
    for (const t of [...this.uow.timers.values()])
      if (t.elementInstanceKey === ei.key && (!only || only(t.elementId))) this.uow.timers.remove(t);
    for (const s of [...this.uow.subs.values()])
      if (s.elementInstanceKey === ei.key && (!only || only(s.elementId))) this.uow.subs.remove(s);
  }

  /**
   * An awaited event happened for `owner` (the waiting element, the activity of a boundary event, an
   * event-based gateway, or the scope of an event sub-process).
   */
  async trigger(pi: PiRow, owner: EiRow, catchId: string, variables: Vars) {
    const model = await this.model(pi);
    const node = this.run.nodeOf(model, catchId);
    if (owner.elementId === catchId && !this.isBody(owner)) {
      this.closeEvents(owner);
      return this.complete(pi, owner, node, variables);
    }
    if (node.kind === 'BOUNDARY_EVENT') {
      const scopeKey = owner.flowScopeKey!;
      // a non-interrupting boundary keeps its subscription: the activity may trigger it again
      if (node.cancelActivity !== false) await this.terminate(pi, owner);
      this.schedule(pi, node, scopeKey, { eventVariables: variables });
      return;
    }
    if (owner.elementType === 'EVENT_BASED_GATEWAY') {
      this.closeEvents(owner);
      this.leave(pi, owner);
      this.schedule(pi, node, owner.flowScopeKey!, { eventVariables: variables });
      return;
    }
    // start event of an event sub-process; owner is the enclosing scope
    const esp = this.run.nodeOf(model, node.scopeId);
    if (node.interrupting !== false) {
      const scopeNode = this.run.nodeOf(model, owner.elementId);
      const espStarts = new Set(
        scopeNode.children
          .filter((c) => c.kind === 'EVENT_SUB_PROCESS')
          .map((c) => c.children.find((s) => s.kind === 'START_EVENT')?.id),
      );
      this.closeEvents(owner, (id) => espStarts.has(id));
      for (const child of this.run.children(owner.key)) await this.terminate(pi, child);
      owner.data.tokens = undefined;
      this.dropQueued(owner.key);
      this.uow.eis.touch(owner);
    }
    // the start event inside the event sub-process receives the event's variables
    this.schedule(pi, esp, owner.key, { eventVariables: variables });
  }

  // --- completion ----------------------------------------------------------------------------------

  /**
   * Completes an element: merges the variables it produced (job, message, script result) the Zeebe
   * way, applies output mappings, then leaves it and continues the flow.
   */
  async complete(pi: PiRow, ei: EiRow, node: FlowNode, variables?: Vars, flows?: string[]) {
    ei.state = 'COMPLETING';
    this.uow.eis.touch(ei);
    try {
      if (variables && Object.keys(variables).length) {
        if (node.outputs.length && !this.isBody(ei))
          for (const [k, v] of Object.entries(variables)) this.run.setLocal(ei.key, pi.key, k, v);
        else this.run.propagate(ei.key, pi.key, variables);
      }
      if (node.outputs.length && !this.isBody(ei)) {
        const values = this.evaluateMappings(node.outputs, this.run.visibleVariables(ei.key));
        this.run.propagate(ei.flowScopeKey ?? pi.key, pi.key, values);
      }
      const parent = ei.flowScopeKey !== null ? this.uow.eis.get(ei.flowScopeKey) : undefined;
      if (parent && this.isBody(parent) && node.multiInstance && !this.isBody(ei))
        this.collectOutput(pi, parent, ei, node);
      if (this.isBody(ei) && node.multiInstance?.outputCollection && ei.data.mi)
        this.run.propagate(ei.flowScopeKey!, pi.key, {
          [node.multiInstance.outputCollection]: ei.data.mi.output,
        });
    } catch (e) {
      if (!(e instanceof IncidentSignal)) throw e;
      this.run.raiseIncident(
        pi,
        ei,
        e.errorType === 'EXTRACT_VALUE_ERROR' ? 'IO_MAPPING_ERROR' : e.errorType,
        e.message,
      );
      return;
    }
    // end listeners run after the output mappings; the element completes when the last one is done
    try {
      if (!this.isBody(ei) && (await listenersPending(this.run, pi, ei, node, 'end'))) return;
    } catch (e) {
      if (!(e instanceof IncidentSignal)) throw e;
      this.run.raiseIncident(pi, ei, e.errorType, e.message);
      return;
    }
    await this.finishCompletion(pi, ei, node, flows);
  }

  /** Leaves a completing element and continues the flow (after its end listeners, if any). */
  async finishCompletion(pi: PiRow, ei: EiRow, node: FlowNode, flows?: string[]) {
    this.leave(pi, ei);
    await this.continueAfter(pi, ei, node, flows);
  }

  /** Re-runs the phase an incident stopped (activation or completion). */
  async retry(pi: PiRow, ei: EiRow) {
    const node = await this.nodeOf(pi, ei);
    if (ei.state === 'ACTIVATING') await this.runActivation(pi, ei, node);
    else if (ei.state === 'COMPLETING') await this.complete(pi, ei, node);
    else if (ei.state === 'ACTIVATED' && node.kind === 'END_EVENT' && node.event?.kind === 'error')
      await this.throwError(pi, ei, this.errorCodeOf(node.event, ei), '', {}, null);
    await this.drain();
  }

  /** Removes a finished element instance and what it owned. */
  private leave(pi: PiRow, ei: EiRow) {
    this.closeEvents(ei);
    const scope = ei.flowScopeKey !== null ? this.uow.eis.get(ei.flowScopeKey) : undefined;
    if (scope?.data.tokens && Object.keys(scope.data.tokens).length) this.inclusiveScopes.add(scope.key);
    if (ei.elementType === 'PROCESS') {
      this.run.effects.completed.set(pi.key, this.run.localVariables(ei.key));
    }
    this.run.deleteScopeVariables(ei.key);
    this.uow.eis.remove(ei);
    this.run.event('ELEMENT_COMPLETED', ei, pi);
  }

  /**
   * Before an inner instance's variables go: its output element into the output collection, and the
   * completion condition evaluated in its scope (with Zeebe's numberOf… variables).
   */
  private collectOutput(pi: PiRow, body: EiRow, inner: EiRow, node: FlowNode) {
    const mi = node.multiInstance!;
    const state = body.data.mi!;
    const vars = this.run.visibleVariables(inner.key);
    if (mi.outputElement && state.output) {
      const value = this.run.evaluate(mi.outputElement, vars);
      state.output[inner.data.loopIndex ?? 0] = value ?? null;
      this.run.setLocal(body.key, pi.key, mi.outputCollection!, state.output);
    }
    if (mi.completionCondition) {
      const r = this.run.feel.evaluate(mi.completionCondition, {
        ...vars,
        numberOfInstances: state.items.length,
        numberOfCompletedInstances: state.completed + 1,
        numberOfActiveInstances: this.run.children(body.key).length - 1,
        numberOfTerminatedInstances: 0,
      });
      if (r.ok && r.value === true) state.stop = true;
    }
    this.uow.eis.touch(body);
  }

  private async continueAfter(pi: PiRow, ei: EiRow, node: FlowNode, flows?: string[]) {
    if (ei.elementType === 'PROCESS') return this.processCompleted(pi);
    const scope = this.uow.eis.get(ei.flowScopeKey!);
    if (!scope) return;
    if (this.isBody(scope) && node.multiInstance) return this.innerCompleted(pi, scope, ei, node);
    if (node.kind === 'INTERMEDIATE_THROW_EVENT' && node.event?.kind === 'link') {
      const model = await this.model(pi);
      const scopeNode = this.run.nodeOf(model, node.scopeId);
      const target = scopeNode.children.find(
        (c) =>
          c.kind === 'INTERMEDIATE_CATCH_EVENT' &&
          c.event?.kind === 'link' &&
          c.event.name === (node.event as { name: string }).name,
      )!;
      this.schedule(pi, target, scope.key, {});
      return;
    }
    const taken = flows ? node.outgoing.filter((f) => flows.includes(f.id)) : node.outgoing;
    if (!taken.length) return this.scopeCheck(pi, scope.key);
    const model = await this.model(pi);
    for (const f of taken) {
      const target = model.nodes.get(f.targetId)!;
      if (target.kind === 'PARALLEL_GATEWAY' && target.incoming.length > 1) {
        const tokens = (scope.data.tokens ??= {});
        tokens[f.id] = (tokens[f.id] ?? 0) + 1;
        if (target.incoming.every((i) => (tokens[i.id] ?? 0) > 0)) {
          for (const i of target.incoming) if (--tokens[i.id]! === 0) delete tokens[i.id];
          this.schedule(pi, target, scope.key, {});
        }
        this.uow.eis.touch(scope);
      } else if (target.kind === 'INCLUSIVE_GATEWAY' && target.incoming.length > 1) {
        const tokens = (scope.data.tokens ??= {});
        tokens[f.id] = (tokens[f.id] ?? 0) + 1;
        this.uow.eis.touch(scope);
        this.inclusiveScopes.add(scope.key);
      } else this.schedule(pi, target, scope.key, {});
    }
  }

  private async innerCompleted(pi: PiRow, body: EiRow, inner: EiRow, node: FlowNode) {
    const mi = body.data.mi!;
    mi.completed++;
    this.uow.eis.touch(body);
    const spec = node.multiInstance!;
    if (mi.stop) {
      for (const child of this.run.children(body.key)) await this.terminate(pi, child);
      return this.complete(pi, body, node);
    }
    if (spec.sequential && mi.next < mi.items.length) {
      this.schedule(pi, node, body.key, { inner: true, loopIndex: mi.next });
      mi.next++;
      return;
    }
    if (mi.completed >= mi.items.length && this.run.children(body.key).length === 0)
      return this.complete(pi, body, node);
  }

  /** A child of a scope ended without taking a flow: the scope completes when nothing is left in it. */
  private async scopeCheck(pi: PiRow, scopeKey: number) {
    const scope = this.uow.eis.get(scopeKey);
    if (!scope || scope.state !== 'ACTIVATED') return;
    if (this.run.children(scopeKey).length) return;
    if (scope.data.tokens && Object.keys(scope.data.tokens).length) return;
    if ((this.queued.get(scopeKey) ?? 0) > 0) return;
    const node = await this.nodeOf(pi, scope);
    await this.complete(pi, scope, node);
  }

  private async processCompleted(pi: PiRow) {
    const vars = this.run.effects.completed.get(pi.key) ?? {};
    this.uow.pis.remove(pi);
    if (pi.parentPiKey === null) return this.startNextBuffered(pi);
    const parentPi = await this.uow.instance(pi.parentPiKey);
    const callEi = parentPi && this.uow.eis.get(pi.parentElementInstanceKey!);
    if (!parentPi || !callEi) return;
    const callNode = await this.nodeOf(parentPi, callEi);
    // output mappings see the child's variables; without them all or none propagate
    const propagated = callNode.call!.propagateAllChildVariables || callNode.outputs.length ? vars : {};
    await this.complete(parentPi, callEi, callNode, propagated);
  }

  // --- termination ---------------------------------------------------------------------------------

  /** Terminates an element instance and everything inside it (children first). */
  async terminate(pi: PiRow, ei: EiRow) {
    ei.state = 'TERMINATING';
    this.uow.eis.touch(ei);
    for (const child of this.run.children(ei.key)) await this.terminate(pi, child);
    if (ei.data.childPiKey !== undefined) {
      const child = await this.uow.instance(ei.data.childPiKey);
      if (child) await this.cancelInstance(child);
    }
    for (const job of [...this.uow.jobs.values()])
      if (job.elementInstanceKey === ei.key) this.uow.jobs.remove(job);
    if (ei.data.userTaskKey !== undefined) await cancelUserTask(this.run, pi, ei);
    for (const inc of [...this.uow.incidents.values()])
      if (inc.elementInstanceKey === ei.key) {
        this.uow.incidents.remove(inc);
        this.run.event('INCIDENT_RESOLVED', ei, pi, { incidentKey: String(inc.key) });
      }
    this.closeEvents(ei);
    this.run.deleteScopeVariables(ei.key);
    this.uow.eis.remove(ei);
    this.run.event('ELEMENT_TERMINATED', ei, pi);
    const scope = ei.flowScopeKey !== null ? this.uow.eis.get(ei.flowScopeKey) : undefined;
    if (scope?.data.tokens && Object.keys(scope.data.tokens).length) this.inclusiveScopes.add(scope.key);
  }

  /** ModifyProcessInstance: activates an element in an active flow scope instance. */
  async activateByModification(pi: PiRow, node: FlowNode, scopeKey: number) {
    this.schedule(pi, node, scopeKey, {});
    await this.drain();
  }

  /**
   * ModifyProcessInstance: terminates an element instance; a flow scope left empty is terminated too
   * (the process instance included), as Zeebe does.
   */
  async terminateByModification(pi: PiRow, ei: EiRow) {
    let scopeKey = ei.flowScopeKey;
    await this.terminate(pi, ei);
    while (scopeKey !== null) {
      const scope = this.uow.eis.get(scopeKey);
      if (!scope || this.run.children(scope.key).length || (this.queued.get(scope.key) ?? 0) > 0) return;
      const next = scope.flowScopeKey;
      await this.terminate(pi, scope);
      if (scope.elementType === 'PROCESS') {
        this.uow.pis.remove(pi);
        this.run.effects.terminated.add(pi.key);
      }
      scopeKey = next;
    }
  }

  // --- errors, escalations, signals ----------------------------------------------------------------

  /**
   * Throws a BPMN error from an element instance (a job's task or an error end event). Caught by the
   * nearest error boundary event or error event sub-process (crossing call activities); otherwise an
   * UNHANDLED_ERROR_EVENT incident.
   */
  async throwError(
    pi: PiRow,
    from: EiRow,
    code: string,
    message: string,
    variables: Vars,
    jobKey: number | null,
  ) {
    const catcher = await this.findCatcher(pi, from, 'error', code);
    if (!catcher) {
      const text = `Expected to throw an error event with the code '${code}'${message ? ` with message '${message}'` : ''}, but it was not caught. No error events are available in the scope.`;
      this.run.raiseIncident(pi, from, 'UNHANDLED_ERROR_EVENT', text, jobKey);
      return;
    }
    await this.catchThrown(catcher, variables, true);
  }

  /** Returns true when the throwing element was interrupted. */
  async throwEscalation(pi: PiRow, from: EiRow, code: string): Promise<boolean> {
    const catcher = await this.findCatcher(pi, from, 'escalation', code);
    if (!catcher) return false;
    const interrupting =
      catcher.node.kind === 'BOUNDARY_EVENT'
        ? catcher.node.cancelActivity !== false
        : catcher.node.interrupting !== false;
    await this.catchThrown(catcher, {}, interrupting);
    return interrupting;
  }

  private async catchThrown(c: Catcher, variables: Vars, interrupting: boolean) {
    if (c.node.kind === 'BOUNDARY_EVENT') {
      const scopeKey = c.owner.flowScopeKey!;
      if (interrupting) await this.terminate(c.ownerPi, c.owner);
      this.schedule(c.ownerPi, c.node, scopeKey, { eventVariables: variables });
    } else await this.trigger(c.ownerPi, c.owner, c.node.id, variables);
    await this.drain();
  }

  private async findCatcher(
    pi: PiRow,
    from: EiRow,
    kind: 'error' | 'escalation',
    code: string,
  ): Promise<Catcher | undefined> {
    let cur: EiRow | undefined = from;
    let curPi = pi;
    const codeOf = (n: FlowNode) =>
      n.event?.kind === 'error'
        ? n.event.errorCode
        : n.event?.kind === 'escalation'
          ? n.event.escalationCode
          : undefined;
    while (cur) {
      const model = await this.model(curPi);
      const node = this.run.nodeOf(model, cur.elementId);
      const candidates: FlowNode[] = [];
      const innerOfMi = !!node.multiInstance && !this.isBody(cur);
      if (cur !== from || node.kind !== 'END_EVENT')
        if (!innerOfMi) candidates.push(...node.boundaries.filter((b) => b.event?.kind === kind));
      if (node.kind === 'PROCESS' || node.kind === 'SUB_PROCESS' || node.kind === 'EVENT_SUB_PROCESS')
        for (const esp of node.children.filter((c) => c.kind === 'EVENT_SUB_PROCESS')) {
          const start = esp.children.find((c) => c.kind === 'START_EVENT');
          if (start?.event?.kind === kind) candidates.push(start);
        }
      const exact = candidates.find((c) => codeOf(c) === code);
      const any = candidates.find((c) => !codeOf(c));
      const hit = exact ?? any;
      if (hit) return { owner: cur, ownerPi: curPi, node: hit };
      if (cur.flowScopeKey !== null) cur = this.uow.eis.get(cur.flowScopeKey);
      else if (curPi.parentPiKey !== null) {
        // crossing into the calling process: continue at the call activity
        const parentPi = await this.uow.instance(curPi.parentPiKey);
        if (!parentPi) return undefined;
        cur = this.uow.eis.get(curPi.parentElementInstanceKey!);
        curPi = parentPi;
      } else cur = undefined;
    }
    return undefined;
  }

  /** Broadcasts a signal to every signal subscription (catch events, boundaries, start events). */
  async broadcastSignal(name: string, variables: Vars): Promise<void> {
    const rows = await this.uow.db.all(
      `SELECT * FROM zb_subscription WHERE kind IN ('signal', 'signal-start') AND name = ? AND correlation_key = '' ORDER BY key`,
      [name],
    );
    const subs = new Map<number, SubRow>();
    for (const r of rows) {
      const s = this.uow.subs.load(r);
      if (s) subs.set(s.key, s);
    }
    for (const s of this.uow.subs.values())
      if ((s.kind === 'signal' || s.kind === 'signal-start') && s.name === name) subs.set(s.key, s);
    for (const s of [...subs.values()].sort((a, b) => a.key - b.key)) {
      if (s.kind === 'signal-start') {
        const process = await this.run.models.byKey(this.uow.db, s.processKey);
        if (process) await this.createInstance(process, variables, { startAt: [s.elementId] });
        continue;
      }
      const pi = await this.uow.instance(s.piKey!);
      const owner = pi && this.uow.eis.get(s.elementInstanceKey!);
      if (!pi || !owner || !this.uow.subs.get(s.key)) continue;
      await this.trigger(pi, owner, s.elementId, variables);
    }
    await this.drain();
  }
}

/** Why `cycle` repeats too often for `minMs` (ENGINE_TIMER_MIN_CYCLE_SECONDS), or undefined. */
export function cycleTooShort(cycle: Cycle, now: number, minMs: number): string | undefined {
  const gap = cycleMinGapMs(cycle, new Date(now));
  if (gap >= minMs) return undefined;
  return `it repeats every ${gap / 1000} s, more often than the minimum interval of ${minMs / 1000} s (ENGINE_TIMER_MIN_CYCLE_SECONDS)`;
}
