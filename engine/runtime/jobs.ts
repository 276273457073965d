/**
 * Job commands: activation (polling and streams), complete, fail, throw error, retries, timeout, and
 * the time-driven transitions (activation timeout, retry back-off). Zeebe's rejection texts.
 */
import { EngineError, type ActivatedJob, type Variables } from '../api.ts';
import type { Bpmn } from './bpmn.ts';
import { LISTENER_NO_RETRIES, listenerJobCompleted, listenerOfJob, refuseThrowError } from './listeners.ts';
import type { Run } from './run.ts';
import type { JobRow, PiRow } from './state.ts';

const rejected = (
  command: string,
  code: 'NOT_FOUND' | 'FAILED_PRECONDITION' | 'INVALID_ARGUMENT',
  message: string,
) => new EngineError(code, `Command '${command}' rejected with code '${code}': ${message}`);

/** Loads the job and its process instance, or rejects with NOT_FOUND. */
export async function loadJob(
  run: Run,
  key: number,
  command: string,
  verb: string,
): Promise<{ job: JobRow; pi: PiRow }> {
  const pi = await run.uow.instanceOfJob(key);
  const job = pi ? run.uow.jobs.get(key) : undefined;
  if (!pi || !job)
    throw rejected(
      command,
      'NOT_FOUND',
      `Expected to ${verb} job with key '${key}', but no such job was found`,
    );
  return { job, pi };
}

function jobStateText(job: JobRow) {
  return job.state === 'FAILED' ? 'FAILED' : job.state === 'ERROR_THROWN' ? 'ERROR_THROWN' : job.state;
}

/**
 * Activates up to `max` activatable jobs of a type for a worker, with the variables visible at each
 * job's element (restricted to `fetchVariable` when given). Three queries regardless of `max`.
 */
export async function activateJobs(
  run: Run,
  req: { type: string; worker: string; timeout: number; max: number; fetchVariable?: string[] },
): Promise<ActivatedJob[]> {
  const db = run.uow.db;
  const rows = await db.all(
    `SELECT * FROM zb_job WHERE type = ? AND state = 'ACTIVATABLE' ORDER BY key LIMIT ?`,
    [req.type, req.max],
  );
  if (!rows.length) return [];
  const jobs = rows.map((r) => run.uow.jobs.load(r)).filter((j): j is JobRow => j?.state === 'ACTIVATABLE');
  const piKeys = [...new Set(jobs.map((j) => j.piKey))];
  const marks = piKeys.map(() => '?').join(', ');
  const parents = new Map<number, number | null>();
  for (const r of await db.all(
    `SELECT key, flow_scope_key FROM zb_element_instance WHERE pi_key IN (${marks})`,
    piKeys,
  ))
    parents.set(Number(r.key), r.flow_scope_key === null ? null : Number(r.flow_scope_key));
  const scopes = new Map<number, Record<string, string>>();
  for (const r of await db.all(
    `SELECT scope_key, name, value FROM zb_variable WHERE pi_key IN (${marks})`,
    piKeys,
  )) {
    const k = Number(r.scope_key);
    let m = scopes.get(k);
    if (!m) scopes.set(k, (m = {}));
    m[String(r.name)] = String(r.value);
  }
  const deadline = run.now + req.timeout;
  const fetch = req.fetchVariable?.length ? new Set(req.fetchVariable) : undefined;
  return jobs.map((job) => {
    const chain: number[] = [];
    for (
      let k: number | null | undefined = job.elementInstanceKey;
      k !== null && k !== undefined;
      k = parents.get(k)
    )
      chain.push(k);
    const variables: Variables = {};
    for (let i = chain.length - 1; i >= 0; i--)
      for (const [name, text] of Object.entries(scopes.get(chain[i]!) ?? {}))
        if (!fetch || fetch.has(name)) variables[name] = JSON.parse(text);
    job.state = 'ACTIVATED';
    job.worker = req.worker;
    job.deadline = deadline;
    run.uow.jobs.touch(job);
    run.noteDue(deadline);
    return toActivatedJob(job, variables);
  });
}

export function toActivatedJob(job: JobRow, variables: Variables): ActivatedJob {
  return {
    key: String(job.key),
    type: job.type,
    processInstanceKey: String(job.piKey),
    bpmnProcessId: job.bpmnProcessId,
    processDefinitionVersion: job.version,
    processDefinitionKey: String(job.processKey),
    elementId: job.elementId,
    elementInstanceKey: String(job.elementInstanceKey),
    customHeaders: job.headers,
    worker: job.worker,
    retries: job.retries,
    deadline: job.deadline ?? 0,
    variables,
    tenantId: '<default>',
  };
}

export async function completeJob(run: Run, bpmn: Bpmn, key: number, variables: Variables) {
  const { job, pi } = await loadJob(run, key, 'COMPLETE', 'complete');
  if (job.state !== 'ACTIVATABLE' && job.state !== 'ACTIVATED')
    throw rejected(
      'COMPLETE',
      'FAILED_PRECONDITION',
      `Expected to complete job with key '${key}', but it is in state '${jobStateText(job)}'`,
    );
  const ei = run.uow.eis.get(job.elementInstanceKey);
  const listener = listenerOfJob(run, job);
  run.uow.jobs.remove(job);
  if (!ei) return;
  run.event('JOB_COMPLETED', ei, pi, { jobKey: String(job.key) });
  if (listener) return listenerJobCompleted(run, bpmn, pi, ei, variables);
  const node = await bpmn.nodeOf(pi, ei);
  await bpmn.complete(pi, ei, node, variables);
  await bpmn.drain();
}

export async function failJob(
  run: Run,
  key: number,
  retries: number,
  errorMessage: string,
  backOff: number,
  variables: Variables,
) {
  const { job, pi } = await loadJob(run, key, 'FAIL', 'fail');
  if (job.state !== 'ACTIVATABLE' && job.state !== 'ACTIVATED')
    throw rejected(
      'FAIL',
      'FAILED_PRECONDITION',
      `Expected to fail job with key '${key}', but it is in state '${jobStateText(job)}'`,
    );
  const ei = run.uow.eis.get(job.elementInstanceKey)!;
  for (const [name, value] of Object.entries(variables)) run.setLocal(ei.key, pi.key, name, value);
  job.retries = retries;
  job.errorMessage = errorMessage;
  job.worker = '';
  if (retries > 0 && backOff > 0) {
    job.state = 'BACKOFF';
    job.deadline = run.now + backOff;
    run.noteDue(job.deadline);
  } else if (retries > 0) {
    job.state = 'ACTIVATABLE';
    job.deadline = null;
    run.effects.jobTypes.add(job.type);
  } else {
    job.state = 'FAILED';
    job.deadline = null;
    const type = listenerOfJob(run, job) ? LISTENER_NO_RETRIES : 'JOB_NO_RETRIES';
    run.raiseIncident(pi, ei, type, errorMessage || 'No more retries left.', job.key);
  }
  run.uow.jobs.touch(job);
}

export async function throwError(
  run: Run,
  bpmn: Bpmn,
  key: number,
  errorCode: string,
  errorMessage: string,
  variables: Variables,
) {
  const { job, pi } = await loadJob(run, key, 'THROW_ERROR', 'throw an error for');
  if (job.state !== 'ACTIVATABLE' && job.state !== 'ACTIVATED')
    throw rejected(
      'THROW_ERROR',
      'FAILED_PRECONDITION',
      `Expected to throw an error for job with key '${key}', but it is in state '${jobStateText(job)}'`,
    );
  refuseThrowError(run, job);
  const ei = run.uow.eis.get(job.elementInstanceKey)!;
  job.state = 'ERROR_THROWN';
  job.errorMessage = errorMessage;
  job.deadline = null;
  run.uow.jobs.touch(job);
  await bpmn.throwError(pi, ei, errorCode, errorMessage, variables, job.key);
  await bpmn.drain();
}

export async function updateRetries(run: Run, key: number, retries: number) {
  if (retries < 1)
    throw rejected(
      'UPDATE_RETRIES',
      'INVALID_ARGUMENT',
      `Expected retries to be greater than zero, but it was '${retries}'`,
    );
  const { job } = await loadJob(run, key, 'UPDATE_RETRIES', 'update retries of');
  job.retries = retries;
  run.uow.jobs.touch(job);
}

export async function updateTimeout(run: Run, key: number, timeout: number) {
  const { job } = await loadJob(run, key, 'UPDATE_TIMEOUT', 'update the timeout of');
  if (job.state !== 'ACTIVATED')
    throw rejected(
      'UPDATE_TIMEOUT',
      'FAILED_PRECONDITION',
      `Expected to update the timeout of job with key '${key}', but it is not activated`,
    );
  job.deadline = run.now + timeout;
  run.uow.jobs.touch(job);
  run.noteDue(job.deadline);
}

/** Makes a job activatable again (activation timed out, back-off elapsed, stream could not deliver). */
export async function reactivate(
  run: Run,
  key: number,
  from: 'ACTIVATED' | 'BACKOFF',
  onlyIfDue: boolean,
  announce = true,
) {
  const [row] = await run.uow.db.all(`SELECT * FROM zb_job WHERE key = ?`, [key]);
  const job = row ? run.uow.jobs.load(row) : undefined;
  if (!job || job.state !== from || (onlyIfDue && (job.deadline ?? Infinity) > run.now)) return;
  job.state = 'ACTIVATABLE';
  job.deadline = null;
  job.worker = '';
  run.uow.jobs.touch(job);
  if (announce) run.effects.jobTypes.add(job.type);
}
