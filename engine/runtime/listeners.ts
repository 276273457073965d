/**
 * Execution listeners at run time (Camunda 8 "Execution listeners"): an element's start listeners run
 * after its input mappings and before its own behaviour, its end listeners after its output mappings and
 * before it completes. Each listener is a job; they run one after another in declaration order and the
 * element goes on only when the last one's job is completed. While it waits the element stays
 * ACTIVATING (start) or COMPLETING (end); terminating it removes the pending listener job (bpmn.ts
 * removes every job of a terminated element).
 *
 * Where a listener stands is kept in the element instance's data (`listener`), so a command picks it up
 * after a restart like any other state.
 */
import { EngineError, type Variables } from '../api.ts';
import type { ExecutionListener, ListenerEvent } from '../model/listeners.ts';
import type { FlowNode } from '../model/types.ts';
import type { Bpmn } from './bpmn.ts';
import { IncidentSignal, type Run } from './run.ts';
import type { EiRow, JobRow, PiRow } from './state.ts';

/** Listener progress of an element instance: which event, the next listener, its job. */
export interface ListenerState {
  event: ListenerEvent;
  next: number;
  jobKey?: number;
}

/** Incident type of a listener job failed to zero retries (Zeebe's ErrorType). */
export const LISTENER_NO_RETRIES = 'EXECUTION_LISTENER_NO_RETRIES';

/** The listener event a job belongs to, or undefined when it is the element's own job. */
export function listenerOfJob(run: Run, job: JobRow): ListenerEvent | undefined {
  const state = run.uow.eis.get(job.elementInstanceKey)?.data.listener;
  return state?.jobKey === job.key ? state.event : undefined;
}

/**
 * Runs (or goes on with) the element's listeners of `event`. Returns true when a listener job is now
 * open and the element has to wait for it; false when every listener of the event has run.
 */
export async function listenersPending(
  run: Run,
  pi: PiRow,
  ei: EiRow,
  node: FlowNode,
  event: ListenerEvent,
): Promise<boolean> {
  const list = node.listeners?.[event] ?? [];
  if (!list.length) return false;
  let state = ei.data.listener;
  if (state?.event !== event) {
    state = ei.data.listener = { event, next: 0 };
    // Zeebe unsubscribes a completing element from its events before its end listeners run: a boundary
    // event (or an event sub-process of a completing scope) can no longer interrupt it
    if (event === 'end') closeOwnEvents(run, ei);
  }
  run.uow.eis.touch(ei);
  if (state.next >= list.length) return false;
  if (state.jobKey !== undefined && run.uow.jobs.get(state.jobKey)) return true; // already open
  await createListenerJob(run, pi, ei, list[state.next]!, state);
  return true;
}

function closeOwnEvents(run: Run, ei: EiRow) {
  for (const t of [...run.uow.timers.values()]) if (t.elementInstanceKey === ei.key) run.uow.timers.remove(t);
  for (const s of [...run.uow.subs.values()]) if (s.elementInstanceKey === ei.key) run.uow.subs.remove(s);
}

async function createListenerJob(
  run: Run,
  pi: PiRow,
  ei: EiRow,
  listener: ExecutionListener,
  state: ListenerState,
) {
  const vars = run.visibleVariables(ei.key);
  const type = run.evaluateAs(listener.type, 'STRING', vars) as string;
  const retries = run.evaluateAs(listener.retries, 'NUMBER', vars) as number;
  const key = await run.insertJob(pi, ei, { type, retries, headers: { ...listener.headers } });
  state.jobKey = key;
  run.uow.eis.touch(ei);
  run.event('JOB_CREATED', ei, pi, { type, retries, listenerEventType: state.event.toUpperCase() });
  run.effects.jobTypes.add(type);
}

/**
 * A listener job was completed: its variables become local variables of the element (for the process,
 * its root scope), then the next listener's job is created or the element goes on.
 */
export async function listenerJobCompleted(run: Run, bpmn: Bpmn, pi: PiRow, ei: EiRow, variables: Variables) {
  const state = ei.data.listener!;
  for (const [name, value] of Object.entries(variables)) run.setLocal(ei.key, pi.key, name, value);
  state.next++;
  delete state.jobKey;
  run.uow.eis.touch(ei);
  const node = await bpmn.nodeOf(pi, ei);
  try {
    if (await listenersPending(run, pi, ei, node, state.event)) return;
  } catch (e) {
    // e.g. a FEEL job type that fails: an incident on the element; resolving it tries this listener again
    if (!(e instanceof IncidentSignal)) throw e;
    run.raiseIncident(pi, ei, e.errorType, e.message);
    return;
  }
  if (state.event === 'start') await bpmn.resumeActivation(pi, ei, node);
  else await bpmn.finishCompletion(pi, ei, node);
  await bpmn.drain();
}

/** Zeebe rejects a BPMN error thrown from a listener job: the element is not ACTIVATED, nothing can catch it. */
export function refuseThrowError(run: Run, job: JobRow) {
  if (!listenerOfJob(run, job)) return;
  throw new EngineError(
    'FAILED_PRECONDITION',
    `Command 'THROW_ERROR' rejected with code 'FAILED_PRECONDITION': Cannot throw BPMN error from EXECUTION_LISTENER job with key '${job.key}', type '${job.type}' and processInstanceKey '${job.piKey}'. Throwing BPMN errors from execution listener jobs is not supported.`,
  );
}
