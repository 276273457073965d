/**
 * Camunda user tasks (zeebe:userTask): created when their element activates (state CREATED, a key of
 * their own), completed, assigned and updated by commands of the REST API, canceled when their element
 * is terminated. The element waits in ACTIVATED while its task is open; completing the task completes
 * the element with the given variables (Zeebe's propagation, output mappings apply).
 *
 * Rows live in zb_user_task (kept after the task ends, for the search) and zb_user_task_candidate;
 * commands write them directly inside their savepoint, and the element instance remembers the key of
 * its open task (EiData.userTaskKey) so that termination needs no lookup.
 */
import {
  EngineError,
  type AssignUserTaskRequest,
  type CompleteUserTaskRequest,
  type UnassignUserTaskRequest,
  type UpdateUserTaskRequest,
} from '../api.ts';
import { parseTimerDate } from '../feel/index.ts';
import type { FlowNode } from '../model/types.ts';
import type { Bpmn } from './bpmn.ts';
import { feelType, IncidentSignal, type Run } from './run.ts';
import { insertRows, type EiRow, type PiRow } from './state.ts';

export type UserTaskState = 'CREATED' | 'COMPLETED' | 'CANCELED';

interface TaskRow {
  key: number;
  piKey: number;
  elementInstanceKey: number;
  state: UserTaskState;
  assignee: string | null;
}

const rejected = (
  command: string,
  code: 'NOT_FOUND' | 'FAILED_PRECONDITION' | 'INVALID_ARGUMENT',
  message: string,
) => new EngineError(code, `Command '${command}' rejected with code '${code}': ${message}`);

const COLUMNS = [
  'key',
  'pi_key',
  'element_instance_key',
  'element_id',
  'name',
  'process_key',
  'bpmn_process_id',
  'version',
  'state',
  'assignee',
  'candidate_groups',
  'candidate_users',
  'due_ts',
  'follow_up_ts',
  'form_key',
  'external_form_reference',
  'priority',
  'headers',
  'created_at',
  'completed_at',
];

/** A FEEL result that must be a list of strings (candidate groups / users). */
function stringList(value: unknown, expression: string): string[] {
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  throw new IncidentSignal(
    'EXTRACT_VALUE_ERROR',
    `Expected result of the expression '${expression}' to be 'ARRAY' of 'STRING', but was '${feelType(value)}'${Array.isArray(value) ? ' with other items' : ''}.`,
  );
}

/** A due / follow-up date: ISO 8601 text (static or FEEL), a FEEL date-time, or null (none). */
function dateOf(run: Run, e: NonNullable<FlowNode['userTask']>['dueDate'], vars: Record<string, unknown>) {
  if (!e) return null;
  const value = 'static' in e ? e.static : run.evaluate(e.feel, vars);
  if (value === null) return null;
  const parsed = typeof value === 'string' ? parseTimerDate(value) : undefined;
  if (parsed instanceof Date) return parsed.getTime();
  throw new IncidentSignal(
    'EXTRACT_VALUE_ERROR',
    `Expected result of the expression '${'feel' in e ? e.feel : e.static}' to be a valid date-time (ISO 8601), but was ${typeof value === 'string' ? `'${value}'` : `'${feelType(value)}'`}.`,
  );
}

/**
 * Evaluates a user task's attributes in the element's scope (input mappings applied). Failures are
 * IncidentSignals, so the element stays ACTIVATING with an incident; the returned function then writes
 * the task once the element is ACTIVATED.
 */
export async function prepareUserTask(
  run: Run,
  pi: PiRow,
  ei: EiRow,
  node: FlowNode,
): Promise<() => Promise<void>> {
  const spec = node.userTask!;
  const vars = run.visibleVariables(ei.key);
  const assignee = spec.assignee ? (run.evaluateAs(spec.assignee, 'STRING', vars) as string) : '';
  const list = (l: typeof spec.candidateGroups) =>
    !l ? [] : 'list' in l ? l.list : stringList(run.evaluate(l.feel, vars), l.feel);
  const candidateGroups = list(spec.candidateGroups);
  const candidateUsers = list(spec.candidateUsers);
  const dueTs = dateOf(run, spec.dueDate, vars);
  const followUpTs = dateOf(run, spec.followUpDate, vars);
  const priority = run.evaluateAs(spec.priority, 'NUMBER', vars) as number;
  if (!Number.isInteger(priority) || priority < 0 || priority > 100)
    throw new IncidentSignal(
      'EXTRACT_VALUE_ERROR',
      `Expected the priority of the user task to be an integer from 0 to 100, but was '${priority}'.`,
    );
  const externalReference = spec.externalReference
    ? (run.evaluateAs(spec.externalReference, 'STRING', vars) as string)
    : null;
  const process = await run.processOf(pi);
  let formKey: number | null = null;
  if (spec.form) {
    const byDeployment = spec.form.bindingType === 'deployment';
    const [row] = await run.uow.db.all(
      `SELECT key FROM zb_form WHERE form_id = ?${byDeployment ? ' AND deployment_key = ?' : ''} ORDER BY version DESC LIMIT 1`,
      byDeployment ? [spec.form.formId, process.deploymentKey] : [spec.form.formId],
    );
    if (!row)
      throw new IncidentSignal(
        'FORM_NOT_FOUND',
        `Expected to find a form with id '${spec.form.formId}'${byDeployment ? ' in the deployment of the process' : ''}, but no such form was deployed. Deploy the form, then resolve the incident.`,
      );
    formKey = Number(row.key);
  }

  return async () => {
    const key = run.keys.take();
    await insertRows(run.uow.db, 'zb_user_task', COLUMNS, [
      [
        key,
        pi.key,
        ei.key,
        ei.elementId,
        node.name ?? null,
        pi.processKey,
        pi.bpmnProcessId,
        process.version,
        'CREATED',
        assignee || null,
        JSON.stringify(candidateGroups),
        JSON.stringify(candidateUsers),
        dueTs,
        followUpTs,
        formKey,
        externalReference,
        priority,
        JSON.stringify(spec.headers),
        run.now,
        null,
      ],
    ]);
    await writeCandidates(run, key, candidateGroups, candidateUsers);
    ei.data.userTaskKey = key;
    run.uow.eis.touch(ei);
    run.event('USER_TASK_CREATED', ei, pi, {
      userTaskKey: String(key),
      assignee: assignee || null,
      candidateGroups,
      candidateUsers,
    });
  };
}

async function writeCandidates(run: Run, key: number, groups?: string[], users?: string[]) {
  const rows: (string | number)[][] = [];
  for (const [kind, values] of [
    ['group', groups],
    ['user', users],
  ] as const) {
    if (!values) continue;
    await run.uow.db.run(`DELETE FROM zb_user_task_candidate WHERE user_task_key = ? AND kind = ?`, [
      key,
      kind,
    ]);
    for (const v of new Set(values)) rows.push([key, kind, v]);
  }
  if (rows.length)
    await insertRows(run.uow.db, 'zb_user_task_candidate', ['user_task_key', 'kind', 'value'], rows);
}

/** The element of an open user task is terminated: the task is CANCELED. */
export async function cancelUserTask(run: Run, pi: PiRow, ei: EiRow) {
  const key = ei.data.userTaskKey!;
  delete ei.data.userTaskKey;
  await run.uow.db.run(
    `UPDATE zb_user_task SET state = 'CANCELED', completed_at = ? WHERE key = ? AND state = 'CREATED'`,
    [run.now, key],
  );
  run.event('USER_TASK_CANCELED', ei, pi, { userTaskKey: String(key) });
}

/** Loads an open user task with its instance and element, or refuses like Zeebe (404 / 409). */
async function openTask(
  run: Run,
  keyText: string,
  command: string,
  verb: string,
): Promise<{ task: TaskRow; pi: PiRow; ei: EiRow }> {
  const key = /^\d{1,16}$/.test(keyText) ? Number(keyText) : NaN;
  if (Number.isNaN(key))
    throw new EngineError(
      'INVALID_ARGUMENT',
      `userTaskKey must be a key (a string of digits), but was '${keyText}'`,
    );
  const [row] = await run.uow.db.all(
    `SELECT key, pi_key, element_instance_key, state, assignee FROM zb_user_task WHERE key = ?`,
    [key],
  );
  if (!row)
    throw rejected(
      command,
      'NOT_FOUND',
      `Expected to ${verb} user task with key '${key}', but no such user task was found`,
    );
  const task: TaskRow = {
    key,
    piKey: Number(row.pi_key),
    elementInstanceKey: Number(row.element_instance_key),
    state: row.state as UserTaskState,
    assignee: (row.assignee as string | null) ?? null,
  };
  const pi = task.state === 'CREATED' ? await run.uow.instance(task.piKey) : undefined;
  const ei = pi ? run.uow.eis.get(task.elementInstanceKey) : undefined;
  if (!pi || !ei || ei.data.userTaskKey !== key)
    throw rejected(
      command,
      'FAILED_PRECONDITION',
      task.state === 'CREATED'
        ? `Expected to ${verb} user task with key '${key}', but its element instance is no longer active`
        : `Expected to ${verb} user task with key '${key}', but it is in state '${task.state}'`,
    );
  return { task, pi, ei };
}

export async function completeUserTask(run: Run, bpmn: Bpmn, req: CompleteUserTaskRequest) {
  const { task, pi, ei } = await openTask(run, req.userTaskKey, 'COMPLETE', 'complete');
  await run.uow.db.run(`UPDATE zb_user_task SET state = 'COMPLETED', completed_at = ? WHERE key = ?`, [
    run.now,
    task.key,
  ]);
  delete ei.data.userTaskKey;
  run.uow.eis.touch(ei);
  run.event('USER_TASK_COMPLETED', ei, pi, {
    userTaskKey: String(task.key),
    action: req.action || 'complete',
  });
  const node = await bpmn.nodeOf(pi, ei);
  await bpmn.complete(pi, ei, node, req.variables ?? {});
  await bpmn.drain();
}

export async function assignUserTask(run: Run, req: AssignUserTaskRequest) {
  if (!req.assignee)
    throw new EngineError('INVALID_ARGUMENT', 'assignee must not be empty; to unassign, delete the assignee');
  const { task, pi, ei } = await openTask(run, req.userTaskKey, 'ASSIGN', 'assign');
  if (req.allowOverride === false && task.assignee !== null && task.assignee !== req.assignee)
    throw rejected(
      'CLAIM',
      'FAILED_PRECONDITION',
      `Expected to claim user task with key '${task.key}', but it has already been assigned`,
    );
  await setAssignee(run, task, pi, ei, req.assignee, req.action || 'assign');
}

export async function unassignUserTask(run: Run, req: UnassignUserTaskRequest) {
  const { task, pi, ei } = await openTask(run, req.userTaskKey, 'ASSIGN', 'unassign');
  await setAssignee(run, task, pi, ei, null, req.action || 'unassign');
}

async function setAssignee(
  run: Run,
  task: TaskRow,
  pi: PiRow,
  ei: EiRow,
  assignee: string | null,
  action: string,
) {
  await run.uow.db.run(`UPDATE zb_user_task SET assignee = ? WHERE key = ?`, [assignee, task.key]);
  run.event('USER_TASK_ASSIGNED', ei, pi, { userTaskKey: String(task.key), assignee, action });
}

export async function updateUserTask(run: Run, req: UpdateUserTaskRequest) {
  const { task, pi, ei } = await openTask(run, req.userTaskKey, 'UPDATE', 'update');
  const c = req.changeset;
  const sets: string[] = [];
  const params: (string | number | null)[] = [];
  const changed: string[] = [];
  const set = (column: string, attribute: string, value: string | number | null) => {
    sets.push(`${column} = ?`);
    params.push(value);
    changed.push(attribute);
  };
  // '' clears a date; the REST layer checked the text is an ISO 8601 date-time
  const ms = (d: string) => (d === '' ? null : Date.parse(d));
  if (c.dueDate !== undefined) set('due_ts', 'dueDate', ms(c.dueDate));
  if (c.followUpDate !== undefined) set('follow_up_ts', 'followUpDate', ms(c.followUpDate));
  if (c.candidateGroups !== undefined)
    set('candidate_groups', 'candidateGroups', JSON.stringify([...new Set(c.candidateGroups)]));
  if (c.candidateUsers !== undefined)
    set('candidate_users', 'candidateUsers', JSON.stringify([...new Set(c.candidateUsers)]));
  if (c.priority !== undefined) set('priority', 'priority', c.priority);
  if (sets.length)
    await run.uow.db.run(`UPDATE zb_user_task SET ${sets.join(', ')} WHERE key = ?`, [...params, task.key]);
  await writeCandidates(run, task.key, c.candidateGroups, c.candidateUsers);
  run.event('USER_TASK_UPDATED', ei, pi, {
    userTaskKey: String(task.key),
    changedAttributes: changed,
    action: req.action || 'update',
  });
}
