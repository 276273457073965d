/**
 * MigrateProcessInstance: moves a running process instance to another process definition, keeping its
 * keys, variables, jobs and incidents, as Zeebe's process instance migration does
 * (docs.camunda.io, components/concepts/process-instance-migration). Every active element instance needs
 * a mapping instruction to an element of the same type in the same (mapped) flow scope; jobs keep their
 * type, headers and retries but now name the target element and definition; catch events follow the
 * documented rules (a mapped catch event keeps its subscription, e.g. the timer's due time; an unmapped
 * one is closed; a catch event of the target nobody maps to is opened). The whole plan is validated
 * before anything changes, and the command is all-or-nothing like every command.
 *
 * The supported subset (anything else is refused with FAILED_PRECONDITION naming the element):
 * active service, send, script and business-rule tasks, user tasks (job-based, or Camunda user tasks, which
 * keep their key, assignee and dates), receive tasks, embedded and event
 * sub-processes, call activities (the called instance is not migrated), intermediate catch events, and
 * exclusive gateways held by an incident. Not migrated: multi-instance bodies and their inner instances, event-based
 * gateways, joining parallel/inclusive gateways that hold taken flows, a user task whose implementation
 * (job worker / Camunda user task) would change, and elements whose flow scope would change.
 */
import { EngineError, type MigrateProcessInstanceRequest } from '../api.ts';
import type { FlowNode, ProcessModel } from '../model/types.ts';
import type { Bpmn } from './bpmn.ts';
import { IncidentSignal, type Run } from './run.ts';
import type { EiRow, PiRow } from './state.ts';

type Code = 'NOT_FOUND' | 'INVALID_ARGUMENT' | 'FAILED_PRECONDITION';
const rejected = (code: Code, message: string) =>
  new EngineError(code, `Command 'MIGRATE' rejected with code '${code}': ${message}`);

/** Element types whose active instances this engine migrates. */
const SUPPORTED = new Set([
  'PROCESS',
  'SERVICE_TASK',
  'SEND_TASK',
  'SCRIPT_TASK',
  'BUSINESS_RULE_TASK',
  'USER_TASK',
  'RECEIVE_TASK',
  'SUB_PROCESS',
  'EVENT_SUB_PROCESS',
  'CALL_ACTIVITY',
  'INTERMEDIATE_CATCH_EVENT',
  // only active while an incident holds it (a condition failed)
  'EXCLUSIVE_GATEWAY',
]);

/** Zeebe's names of the two user-task implementations. */
const implementation = (n: FlowNode) => (n.userTask ? 'zeebe user task' : 'job worker');

/** Ids of the sequence flows of a model (mapping instructions may name them, as Zeebe's do). */
function flowIds(model: ProcessModel): Set<string> {
  const ids = new Set<string>();
  for (const n of model.nodes.values()) for (const f of n.outgoing) ids.add(f.id);
  return ids;
}

/** A catch event's owner after migration keeps (or gets) these subscriptions. */
interface Plan {
  ei: EiRow;
  node: FlowNode;
  target: FlowNode;
  /** target catch-event ids of the subscriptions kept, by subscription/timer key */
  kept: Map<number, string>;
}

export async function migrateInstance(run: Run, bpmn: Bpmn, req: MigrateProcessInstanceRequest) {
  const db = run.uow.db;
  const piKey = Number(req.processInstanceKey);
  const pi: PiRow | undefined = await run.uow.instance(piKey);
  if (!pi)
    throw rejected(
      'NOT_FOUND',
      `Expected to migrate process instance but no process instance found with key '${piKey}'`,
    );
  const targetKey = Number(req.migrationPlan.targetProcessDefinitionKey);
  const target = await run.models.byKey(db, targetKey);
  if (!target || target.deleted)
    throw rejected(
      'NOT_FOUND',
      `Expected to migrate process instance to process definition but no process definition found with key '${targetKey}'`,
    );
  const source = await run.processOf(pi);
  const sm = source.model;
  const tm = target.model;

  // --- the mapping instructions themselves (INVALID_ARGUMENT) ---------------------------------------
  const instructions = req.migrationPlan.mappingInstructions;
  const counts = new Map<string, number>();
  for (const m of instructions) counts.set(m.sourceElementId, (counts.get(m.sourceElementId) ?? 0) + 1);
  const duplicates = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  if (duplicates.length)
    throw rejected(
      'INVALID_ARGUMENT',
      `Expected to migrate process instance '${piKey}' but the mapping instructions contain duplicate source element ids '[${duplicates.join(', ')}]'.`,
    );
  const sourceFlows = flowIds(sm);
  const targetFlows = flowIds(tm);
  const mapping = new Map<string, string>();
  for (const m of instructions) {
    if (!sm.nodes.has(m.sourceElementId) && !sourceFlows.has(m.sourceElementId))
      throw rejected(
        'INVALID_ARGUMENT',
        `Expected to migrate process instance '${piKey}' but mapping instructions contain a non-existing source element id '${m.sourceElementId}'. Elements provided in mapping instructions must exist in the source process definition.`,
      );
    if (!tm.nodes.has(m.targetElementId) && !targetFlows.has(m.targetElementId))
      throw rejected(
        'INVALID_ARGUMENT',
        `Expected to migrate process instance '${piKey}' but mapping instructions contain a non-existing target element id '${m.targetElementId}'. Elements provided in mapping instructions must exist in the target process definition.`,
      );
    mapping.set(m.sourceElementId, m.targetElementId);
  }
  // the process itself needs no instruction (the docs: "You do not have to provide a mapping …")
  mapping.set(sm.bpmnProcessId, tm.bpmnProcessId);

  // --- every active element instance (FAILED_PRECONDITION) -----------------------------------------
  const refuse = (message: string) =>
    rejected('FAILED_PRECONDITION', `Expected to migrate process instance '${piKey}' ${message}`);
  const active = [...run.uow.eis.values()].filter((e) => e.piKey === pi.key);
  const plans: Plan[] = [];
  for (const ei of active) {
    const node = run.nodeOf(sm, ei.elementId);
    const parent = ei.flowScopeKey === null ? undefined : run.uow.eis.get(ei.flowScopeKey);
    const kind = ei.elementType;
    if (kind === 'MULTI_INSTANCE_BODY' || parent?.elementType === 'MULTI_INSTANCE_BODY')
      throw refuse(
        `but active element with id '${ei.elementId}' has an unsupported type. The migration of a MULTI_INSTANCE_BODY is not supported.`,
      );
    if (!SUPPORTED.has(kind))
      throw refuse(
        `but active element with id '${ei.elementId}' has an unsupported type. The migration of a ${kind} is not supported.`,
      );
    if (ei.data.tokens && Object.keys(ei.data.tokens).length)
      throw refuse(
        `but element with id '${ei.elementId}' holds taken sequence flows of a joining parallel or inclusive gateway. The embedded engine does not migrate joining gateways.`,
      );
    const targetId = mapping.get(ei.elementId);
    if (targetId === undefined || (!tm.nodes.has(targetId) && targetId !== tm.bpmnProcessId))
      throw refuse(
        `but no mapping instruction defined for active element with id '${ei.elementId}'. Elements cannot be migrated without a mapping.`,
      );
    const tNode = run.nodeOf(tm, targetId);
    const tKind = tNode.multiInstance ? 'MULTI_INSTANCE_BODY' : tNode.kind;
    if (tKind !== kind)
      throw refuse(
        `but active element with id '${ei.elementId}' and type '${kind}' is mapped to an element with id '${targetId}' and different type '${tKind}'. Elements must be mapped to elements of the same type.`,
      );
    if (kind === 'USER_TASK' && implementation(node) !== implementation(tNode))
      throw refuse(
        `but active user task with id '${ei.elementId}' and implementation '${implementation(node)}' is mapped to an user task with id '${targetId}' and different implementation '${implementation(tNode)}'. Elements must be mapped to elements of the same implementation.`,
      );
    if (kind === 'INTERMEDIATE_CATCH_EVENT' && node.event?.kind !== tNode.event?.kind)
      throw refuse(
        `but active element with id '${ei.elementId}' is mapped to an element with id '${targetId}' that has a different event type. Having different event types for source and target elements is not supported.`,
      );
    if (parent) {
      const expected = mapping.get(parent.elementId);
      if (expected !== tNode.scopeId)
        throw refuse(
          `but the flow scope of active element with id '${ei.elementId}' is changed. The flow scope of the active element is expected to be '${expected ?? parent.elementId}' but was '${tNode.scopeId}'. The flow scope of an element cannot be changed during migration yet.`,
        );
    }
    plans.push({
      ei,
      node,
      target: tNode,
      kept: keptCatchEvents(run, sm, tm, mapping, ei, node, tNode, refuse),
    });
  }

  // --- apply -----------------------------------------------------------------------------------------
  pi.processKey = target.key;
  pi.bpmnProcessId = target.bpmnProcessId;
  pi.version = target.version;
  run.uow.pis.touch(pi);
  for (const p of plans) {
    p.ei.elementId = p.target.id;
    run.uow.eis.touch(p.ei);
    run.event('ELEMENT_MIGRATED', p.ei, pi, {
      processDefinitionKey: String(target.key),
      sourceElementId: p.node.id,
    });
  }
  const newId = (elementInstanceKey: number) => run.uow.eis.get(elementInstanceKey)?.elementId;
  for (const job of run.uow.jobs.values()) {
    if (job.piKey !== pi.key) continue;
    // Zeebe keeps the job as it was (type, headers, retries, worker) but it now belongs to the target
    job.processKey = target.key;
    job.bpmnProcessId = target.bpmnProcessId;
    job.version = target.version;
    job.elementId = newId(job.elementInstanceKey) ?? job.elementId;
    run.uow.jobs.touch(job);
  }
  for (const inc of run.uow.incidents.values()) {
    if (inc.piKey !== pi.key) continue;
    inc.elementId = newId(inc.elementInstanceKey) ?? inc.elementId;
    run.uow.incidents.touch(inc);
    await db.run(
      `UPDATE zb_q_incident SET process_key = ?, bpmn_process_id = ?, element_id = ? WHERE key = ?`,
      [target.key, target.bpmnProcessId, inc.elementId, inc.key],
    );
  }
  // an open Camunda user task keeps its key, assignee and dates; it now names the target element
  for (const p of plans)
    if (p.ei.data.userTaskKey !== undefined)
      await db.run(
        `UPDATE zb_user_task SET element_id = ?, process_key = ?, bpmn_process_id = ?, version = ? WHERE key = ?`,
        [p.target.id, target.key, target.bpmnProcessId, target.version, p.ei.data.userTaskKey],
      );
  await db.run(
    `UPDATE zb_q_process_instance SET process_key = ?, bpmn_process_id = ?, version = ? WHERE key = ?`,
    [target.key, target.bpmnProcessId, target.version, pi.key],
  );
  for (const p of plans) {
    for (const t of [...run.uow.timers.values()])
      if (t.elementInstanceKey === p.ei.key) {
        const to = p.kept.get(t.key);
        if (to === undefined) run.uow.timers.remove(t);
        else {
          t.elementId = to;
          t.processKey = target.key;
          run.uow.timers.touch(t);
        }
      }
    for (const s of [...run.uow.subs.values()])
      if (s.elementInstanceKey === p.ei.key) {
        const to = p.kept.get(s.key);
        if (to === undefined) run.uow.subs.remove(s);
        else {
          s.elementId = to;
          s.processKey = target.key;
          s.bpmnProcessId = target.bpmnProcessId;
          run.uow.subs.touch(s);
        }
      }
  }
  // catch events of the target that no kept subscription covers are opened now
  for (const p of plans) {
    if (p.ei.state !== 'ACTIVATED') continue; // opened when the activation is retried
    const covered = new Set(p.kept.values());
    const open = expectedCatchEvents(run, p, tm).filter((n) => !covered.has(n.id));
    try {
      await bpmn.openCatchEvents(pi, p.ei, open);
    } catch (e) {
      if (!(e instanceof IncidentSignal)) throw e;
      throw refuse(
        `but a catch event of element '${p.target.id}' in the target process could not be subscribed: ${e.message}`,
      );
    }
  }
  await bpmn.drain();
}

/** The catch events an active instance of `target` waits for in the target process. */
function expectedCatchEvents(run: Run, p: Plan, tm: ProcessModel): FlowNode[] {
  const out: FlowNode[] = [];
  const t = p.target;
  if (t.kind === 'INTERMEDIATE_CATCH_EVENT' || t.kind === 'RECEIVE_TASK') out.push(t);
  out.push(...t.boundaries);
  if (t.kind === 'PROCESS' || t.kind === 'SUB_PROCESS') {
    // an interrupting event sub-process that runs has closed the others of its scope
    const interrupted = run
      .children(p.ei.key)
      .some((c) => c.elementType === 'EVENT_SUB_PROCESS' && isInterruptingEsp(tm, c.elementId));
    if (!interrupted)
      for (const esp of t.children.filter((c) => c.kind === 'EVENT_SUB_PROCESS')) {
        const start = esp.children.find((c) => c.kind === 'START_EVENT');
        if (start && start.event?.kind !== 'error' && start.event?.kind !== 'escalation') out.push(start);
      }
  }
  return out.filter((n) => ['timer', 'message', 'signal'].includes(n.event?.kind ?? ''));
}

function isInterruptingEsp(model: ProcessModel, espId: string) {
  const esp = model.nodes.get(espId);
  return esp?.children.find((c) => c.kind === 'START_EVENT')?.interrupting !== false;
}

/**
 * The timers and subscriptions `ei` owns that a mapping instruction carries over, with the target
 * catch event each moves to; refuses mappings that detach a boundary event or change an event type.
 */
function keptCatchEvents(
  run: Run,
  sm: ProcessModel,
  tm: ProcessModel,
  mapping: Map<string, string>,
  ei: EiRow,
  node: FlowNode,
  tNode: FlowNode,
  refuse: (message: string) => EngineError,
): Map<number, string> {
  const kept = new Map<number, string>();
  const owned = [
    ...[...run.uow.timers.values()].filter((t) => t.elementInstanceKey === ei.key),
    ...[...run.uow.subs.values()].filter((s) => s.elementInstanceKey === ei.key),
  ];
  const targets = new Map<string, string>();
  for (const row of owned) {
    // the element's own wait (intermediate catch event, receive task) moves with the element
    const to = row.elementId === ei.elementId ? tNode.id : mapping.get(row.elementId);
    if (to === undefined) continue;
    const from = run.nodeOf(sm, row.elementId);
    const toNode = tm.nodes.get(to);
    const attachedOk =
      row.elementId === ei.elementId ||
      (from.kind === 'BOUNDARY_EVENT' &&
        toNode?.kind === 'BOUNDARY_EVENT' &&
        toNode.attachedToId === tNode.id) ||
      (from.kind === 'START_EVENT' &&
        toNode?.kind === 'START_EVENT' &&
        tm.nodes.get(toNode.scopeId)?.scopeId === tNode.id);
    if (!attachedOk)
      throw refuse(
        `but active element with id '${node.id}' is mapped to an element with id '${tNode.id}' and has a boundary event with id '${row.elementId}' that is mapped to an element with id '${to}'. These mappings detach the boundary event from the element in the target process. Boundary events must stay attached to the same element instance.`,
      );
    if (from.event?.kind !== toNode?.event?.kind && row.elementId !== ei.elementId)
      throw refuse(
        `but active element with id '${node.id}' has a catch event with id '${row.elementId}' that is mapped to a catch event with id '${to}' of a different event type. Catch events must be mapped to catch events of the same type.`,
      );
    const other = targets.get(to);
    if (other !== undefined && other !== row.elementId)
      throw refuse(
        `but the catch events with ids '${other}' and '${row.elementId}' are both mapped to the catch event with id '${to}'. Each catch event can only be the target of one mapping instruction.`,
      );
    targets.set(to, row.elementId);
    kept.set(row.key, to);
  }
  return kept;
}
