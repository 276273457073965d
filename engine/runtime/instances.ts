/**
 * Process-instance commands: create, cancel, set variables, resolve incident, modify; and the
 * event-driven ones: publish message, timer due.
 */
import {
  EngineError,
  type CreateProcessInstanceRequest,
  type CreateProcessInstanceResponse,
  type ModifyProcessInstanceRequest,
  type PublishMessageRequest,
  type Variables,
} from '../api.ts';
import { Bpmn } from './bpmn.ts';
import type { ProcessRecord } from './models.ts';
import type { Run } from './run.ts';
import type { PiRow, SubRow, TimerRow } from './state.ts';

const rejected = (
  command: string,
  code: 'NOT_FOUND' | 'FAILED_PRECONDITION' | 'INVALID_ARGUMENT' | 'ALREADY_EXISTS',
  message: string,
) => new EngineError(code, `Command '${command}' rejected with code '${code}': ${message}`);

const isSet = (key: string | undefined) => key !== undefined && key !== '' && key !== '0';

async function findProcess(run: Run, req: CreateProcessInstanceRequest): Promise<ProcessRecord> {
  const db = run.uow.db;
  if (isSet(req.processDefinitionKey)) {
    const p = await run.models.byKey(db, Number(req.processDefinitionKey));
    if (!p || p.deleted)
      throw rejected(
        'CREATE',
        'NOT_FOUND',
        `Expected to find process definition with key '${req.processDefinitionKey}', but none found`,
      );
    return p;
  }
  const id = req.bpmnProcessId ?? '';
  if (!id)
    throw rejected(
      'CREATE',
      'INVALID_ARGUMENT',
      'Expected either a process definition key or a BPMN process id, but none given',
    );
  // proto3 sends 0 for an unset version; versions start at 1, so anything below means "latest"
  const version = req.version ?? -1;
  const p = version < 1 ? await run.models.latest(db, id) : await run.models.byVersion(db, id, version);
  if (!p)
    throw rejected(
      'CREATE',
      'NOT_FOUND',
      version < 1
        ? `Expected to find process definition with process ID '${id}', but none found`
        : `Expected to find process definition with process ID '${id}' and version '${version}', but none found`,
    );
  return p;
}

export async function createInstance(
  run: Run,
  bpmn: Bpmn,
  req: CreateProcessInstanceRequest,
): Promise<CreateProcessInstanceResponse> {
  const process = await findProcess(run, req);
  const instructions = req.startInstructions?.map((i) => i.elementId) ?? [];
  for (const id of instructions) {
    const node = process.model.nodes.get(id);
    if (!node)
      throw rejected(
        'CREATE',
        'INVALID_ARGUMENT',
        `Expected to create instance of process with start instructions but no element found with id '${id}'.`,
      );
    if (node.scopeId !== process.bpmnProcessId)
      throw rejected(
        'CREATE',
        'INVALID_ARGUMENT',
        `Expected to create instance of process with start instructions but the element with id '${id}' is inside a sub-process; only elements of the process itself are supported.`,
      );
  }
  if (
    !instructions.length &&
    !process.model.root.children.some((c) => c.kind === 'START_EVENT' && c.event?.kind === 'none')
  )
    throw rejected(
      'CREATE',
      'FAILED_PRECONDITION',
      `Expected to create instance of process with none start event, but there is no such event`,
    );
  const pi = await bpmn.createInstance(
    process,
    req.variables ?? {},
    instructions.length ? { startAt: instructions } : {},
  );
  await bpmn.drain();
  return {
    processDefinitionKey: String(process.key),
    bpmnProcessId: process.bpmnProcessId,
    version: process.version,
    processInstanceKey: String(pi.key),
    tenantId: '<default>',
  };
}

export async function cancelInstance(run: Run, bpmn: Bpmn, key: number) {
  const pi = await run.uow.instance(key);
  if (!pi)
    throw rejected(
      'CANCEL',
      'NOT_FOUND',
      `Expected to cancel a process instance with key '${key}', but no such process was found`,
    );
  if (pi.parentPiKey !== null)
    throw rejected(
      'CANCEL',
      'INVALID_ARGUMENT',
      `Expected to cancel a process instance with key '${key}', but it is created by a parent process instance. Cancel the root process instance '${pi.parentPiKey}' instead.`,
    );
  await bpmn.cancelInstance(pi);
}

async function instanceOfElement(run: Run, eiKey: number) {
  const [row] = await run.uow.db.all(`SELECT pi_key FROM zb_element_instance WHERE key = ?`, [eiKey]);
  const pi = row ? await run.uow.instance(Number(row.pi_key)) : undefined;
  const ei = pi ? run.uow.eis.get(eiKey) : undefined;
  return pi && ei ? { pi, ei } : undefined;
}

export async function setVariables(
  run: Run,
  eiKey: number,
  variables: Variables,
  local: boolean,
): Promise<number> {
  const found = await instanceOfElement(run, eiKey);
  if (!found)
    throw rejected(
      'UPDATE',
      'NOT_FOUND',
      `Expected to update variables for element with key '${eiKey}', but no such element was found`,
    );
  if (local) for (const [k, v] of Object.entries(variables)) run.setLocal(eiKey, found.pi.key, k, v);
  else run.propagate(eiKey, found.pi.key, variables);
  return run.keys.take();
}

export async function resolveIncident(run: Run, bpmn: Bpmn, key: number) {
  const [row] = await run.uow.db.all(`SELECT pi_key FROM zb_incident WHERE key = ?`, [key]);
  const pi = row ? await run.uow.instance(Number(row.pi_key)) : undefined;
  const incident = pi ? run.uow.incidents.get(key) : undefined;
  if (!pi || !incident)
    throw rejected(
      'RESOLVE',
      'NOT_FOUND',
      `Expected to resolve incident with key '${key}', but no such incident was found`,
    );
  const ei = run.uow.eis.get(incident.elementInstanceKey);
  run.uow.incidents.remove(incident);
  if (ei) run.event('INCIDENT_RESOLVED', ei, pi, { incidentKey: String(incident.key) });
  if (!ei) return;
  if (incident.jobKey !== null) {
    const job = run.uow.jobs.get(incident.jobKey);
    if (!job) return;
    if (job.state === 'FAILED' && job.retries <= 0) {
      // Zeebe: resolving without new retries fails the job again, with a new incident
      run.raiseIncident(pi, ei, incident.errorType, incident.message, job.key);
      return;
    }
    job.state = 'ACTIVATABLE';
    job.deadline = null;
    run.uow.jobs.touch(job);
    run.effects.jobTypes.add(job.type);
    return;
  }
  await bpmn.retry(pi, ei);
}

/** PublishMessage: correlate to waiting subscriptions (one per instance), start instances, buffer for TTL. */
export async function publishMessage(run: Run, bpmn: Bpmn, req: PublishMessageRequest): Promise<number> {
  const db = run.uow.db;
  const name = req.name;
  const correlationKey = req.correlationKey ?? '';
  const messageId = req.messageId ?? '';
  const ttl = Math.max(0, req.timeToLive ?? 0);
  const variables = req.variables ?? {};
  if (messageId) {
    const [dup] = await db.all(
      `SELECT key FROM zb_message WHERE name = ? AND message_id = ? AND deadline > ?`,
      [name, messageId, run.now],
    );
    if (dup)
      throw rejected(
        'PUBLISH',
        'ALREADY_EXISTS',
        `Expected to publish a new message with id '${messageId}', but a message with that id was already published`,
      );
  }
  const key = run.keys.take();
  const { correlatedTo } = await deliverMessage(run, bpmn, name, correlationKey, variables);

  if (ttl > 0) {
    await db.run(
      `INSERT INTO zb_message (key, name, correlation_key, message_id, variables, deadline) VALUES (?, ?, ?, ?, ?, ?)`,
      [key, name, correlationKey, messageId, JSON.stringify(variables), run.now + ttl],
    );
    for (const c of correlatedTo)
      await db.run(`INSERT INTO zb_message_correlation (message_key, bpmn_process_id) VALUES (?, ?)`, [
        key,
        c,
      ]);
    run.noteDue(run.now + ttl);
  }
  return key;
}

/**
 * Hands a message to what waits for it now: each instance with a matching subscription (once per
 * instance), then each message start event that may start. Returns the instances reached, in that
 * order, and the correlation marks a buffered copy must carry (so it never reaches them again).
 */
async function deliverMessage(
  run: Run,
  bpmn: Bpmn,
  name: string,
  correlationKey: string,
  variables: Variables,
): Promise<{ instances: number[]; correlatedTo: string[] }> {
  const db = run.uow.db;
  const correlatedTo: string[] = [];
  const instances: number[] = [];

  const rows = await db.all(
    `SELECT * FROM zb_subscription WHERE kind = 'message' AND name = ? AND correlation_key = ? ORDER BY key`,
    [name, correlationKey],
  );
  const done = new Set<number>();
  for (const r of rows) {
    const sub = run.uow.subs.load(r);
    if (!sub || done.has(sub.piKey!)) continue;
    const pi = await run.uow.instance(sub.piKey!);
    const owner = pi && run.uow.eis.get(sub.elementInstanceKey!);
    if (!pi || !owner || !run.uow.subs.get(sub.key)) continue;
    done.add(pi.key);
    correlatedTo.push(`pi:${pi.key}`);
    instances.push(pi.key);
    await bpmn.trigger(pi, owner, sub.elementId, variables);
    await bpmn.drain();
  }

  const starts = await db.all(
    `SELECT * FROM zb_subscription WHERE kind = 'message-start' AND name = ? ORDER BY key`,
    [name],
  );
  for (const r of starts) {
    const sub = run.uow.subs.load(r);
    if (!sub) continue;
    if (await startBlocked(run, sub, correlationKey)) continue;
    const process = await run.models.byKey(db, sub.processKey);
    if (!process) continue;
    const pi = await bpmn.createInstance(process, variables, {
      startAt: [sub.elementId],
      startCorrelationKey: correlationKey || undefined,
    });
    await bpmn.drain();
    correlatedTo.push(sub.bpmnProcessId, `pi:${pi.key}`);
    instances.push(pi.key);
  }
  return { instances, correlatedTo };
}

/**
 * CorrelateMessage (REST `POST /v2/messages/correlation`): delivers the message as a publish with no
 * time to live does, and answers the first instance it reached; none reached is NOT_FOUND (nothing is
 * buffered, so the command changes nothing).
 */
export async function correlateMessage(
  run: Run,
  bpmn: Bpmn,
  req: { name: string; correlationKey?: string; variables?: Variables },
): Promise<{ messageKey: number; processInstanceKey: number }> {
  const messageKey = run.keys.take();
  const correlationKey = req.correlationKey ?? '';
  const { instances } = await deliverMessage(run, bpmn, req.name, correlationKey, req.variables ?? {});
  if (!instances.length)
    throw rejected(
      'CORRELATE',
      'NOT_FOUND',
      `Expected to find a subscription for the message with name '${req.name}' and correlation key '${correlationKey}', but none was found`,
    );
  return { messageKey, processInstanceKey: instances[0]! };
}

/** Zeebe: one active instance per correlation key for message start events; a message starts a process once. */
async function startBlocked(run: Run, sub: SubRow, correlationKey: string): Promise<boolean> {
  if (!correlationKey) return false;
  const [active] = await run.uow.db.all(
    `SELECT key FROM zb_process_instance WHERE bpmn_process_id = ? AND start_correlation_key = ? LIMIT 1`,
    [sub.bpmnProcessId, correlationKey],
  );
  if (!active) return false;
  // the instance may have completed within this command
  return !!(await run.uow.instance(Number(active.key)));
}

/** A timer is due: trigger its event, re-arm cycles. */
export async function timerDue(run: Run, bpmn: Bpmn, key: number) {
  const db = run.uow.db;
  const [row] = await db.all(`SELECT * FROM zb_timer WHERE key = ?`, [key]);
  if (!row || Number(row.due) > run.now) return;
  if (row.pi_key === null) return startTimer(run, bpmn, row);
  const pi = await run.uow.instance(Number(row.pi_key));
  const timer = pi ? run.uow.timers.get(key) : undefined;
  const owner = timer && run.uow.eis.get(timer.elementInstanceKey!);
  if (!pi || !timer || !owner) return;
  const model = await bpmn.model(pi);
  const node = run.nodeOf(model, timer.elementId);
  const interrupting =
    node.kind === 'BOUNDARY_EVENT'
      ? node.cancelActivity !== false
      : node.kind === 'START_EVENT'
        ? node.interrupting !== false
        : true;
  if (!interrupting && timer.spec.startsWith('cycle:') && timer.repetitions !== 1) rearm(run, bpmn, timer);
  else run.uow.timers.remove(timer);
  await bpmn.trigger(pi, owner, timer.elementId, {});
  await bpmn.drain();
}

function rearm(run: Run, bpmn: Bpmn, timer: TimerRow) {
  const text = timer.spec.slice('cycle:'.length);
  const base = { kind: 'timer' as const, timerType: 'cycle' as const, expression: { static: text } };
  // Next occurrence after the one that fired. A cycle deployed before the minimum was raised is not
  // refused here (that would leave it due for ever) but held to the minimum interval.
  const minimum = run.limits.timerMinCycleMs;
  let next = bpmn.timerSchedule(base, {}, timer.due, false).due;
  next = Math.max(next, timer.due + minimum);
  // After downtime (or a backlog) the cycle does not catch up occurrence by occurrence: what lies more
  // than timerMaxCycleLagMs in the past is skipped, the next firing is the next occurrence after now.
  if (next < run.now - run.limits.timerMaxCycleLagMs)
    next = Math.max(bpmn.timerSchedule(base, {}, run.now, false).due, run.now + 1);
  timer.due = next;
  if (timer.repetitions > 0) timer.repetitions -= 1;
  run.uow.timers.touch(timer);
  run.noteDue(timer.due);
}

async function startTimer(run: Run, bpmn: Bpmn, row: Record<string, unknown>) {
  const timer = run.uow.timers.load(row)!;
  const process = await run.models.byKey(run.uow.db, timer.processKey);
  if (!process) return;
  if (timer.spec.startsWith('cycle:') && timer.repetitions !== 1) {
    rearm(run, bpmn, timer);
  } else run.uow.timers.remove(timer);
  await bpmn.createInstance(process, {}, { startAt: [timer.elementId] });
  await bpmn.drain();
}

/** ModifyProcessInstance: terminate element instances, activate elements of the process' root scope. */
export async function modifyInstance(run: Run, bpmn: Bpmn, req: ModifyProcessInstanceRequest) {
  const key = Number(req.processInstanceKey);
  const pi: PiRow | undefined = await run.uow.instance(key);
  if (!pi)
    throw rejected(
      'MODIFY',
      'NOT_FOUND',
      `Expected to modify process instance but no process instance found with key '${key}'`,
    );
  const model = await bpmn.model(pi);
  for (const a of req.activateInstructions ?? []) {
    const node = model.nodes.get(a.elementId);
    if (!node)
      throw rejected(
        'MODIFY',
        'INVALID_ARGUMENT',
        `Expected to modify instance of process '${pi.bpmnProcessId}' but it contains one or more activate instructions with an element that could not be found: '${a.elementId}'`,
      );
    const ancestor =
      a.ancestorElementInstanceKey && Number(a.ancestorElementInstanceKey) > 0
        ? Number(a.ancestorElementInstanceKey)
        : undefined;
    const candidates = [...run.uow.eis.values()].filter(
      (e) =>
        e.piKey === pi.key && e.elementId === node.scopeId && (ancestor === undefined || e.key === ancestor),
    );
    if (ancestor !== undefined && !candidates.length)
      throw rejected(
        'MODIFY',
        'INVALID_ARGUMENT',
        `Expected to modify instance of process '${pi.bpmnProcessId}' but it contains one or more activate instructions with an ancestor scope key that is not the active flow scope of element '${a.elementId}': '${ancestor}' (creating intermediate scopes is not supported)`,
      );
    if (candidates.length > 1)
      throw rejected(
        'MODIFY',
        'INVALID_ARGUMENT',
        `Expected to modify instance of process '${pi.bpmnProcessId}' but it contains one or more activate instructions for element '${a.elementId}' whose flow scope has more than one active instance; set ancestorElementInstanceKey`,
      );
    const scope = candidates[0];
    if (!scope)
      throw rejected(
        'MODIFY',
        'INVALID_ARGUMENT',
        `Expected to modify instance of process '${pi.bpmnProcessId}' but the flow scope of element '${a.elementId}' is not active`,
      );
    for (const v of a.variableInstructions ?? []) {
      const target = v.scopeId
        ? [...run.uow.eis.values()].find((e) => e.piKey === pi.key && e.elementId === v.scopeId)
        : run.uow.eis.get(pi.key);
      if (!target)
        throw rejected(
          'MODIFY',
          'INVALID_ARGUMENT',
          `Expected to modify instance of process '${pi.bpmnProcessId}' but it contains one or more variable instructions with a scope element id that could not be found: '${v.scopeId}'`,
        );
      for (const [k, val] of Object.entries(v.variables)) run.setLocal(target.key, pi.key, k, val);
    }
    await bpmn.activateByModification(pi, node, scope.key);
  }
  for (const t of req.terminateInstructions ?? []) {
    const ei = run.uow.eis.get(Number(t.elementInstanceKey));
    if (!ei || ei.piKey !== pi.key)
      throw rejected(
        'MODIFY',
        'INVALID_ARGUMENT',
        `Expected to modify instance of process '${pi.bpmnProcessId}' but it contains one or more terminate instructions with an element instance that could not be found: '${t.elementInstanceKey}'`,
      );
    await bpmn.terminateByModification(pi, ei);
  }
  await bpmn.drain();
}
