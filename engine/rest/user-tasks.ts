/**
 * The user-task endpoints of Camunda 8.8's REST API (v2), for Camunda user tasks (zeebe:userTask):
 *
 *   POST   /v2/user-tasks/search                  GET   /v2/user-tasks/{key}
 *   POST   /v2/user-tasks/{key}/completion        {variables?, action?}                    → 204
 *   POST   /v2/user-tasks/{key}/assignment        {assignee, allowOverride?, action?}      → 204
 *   DELETE /v2/user-tasks/{key}/assignee                                                   → 204
 *   PATCH  /v2/user-tasks/{key}                   {changeset?, action?}                    → 204
 *
 * Bodies are checked here (400 naming the property; null means absent, as in Camunda); the engine
 * answers 404 for an unknown key and 409 for a task that is no longer CREATED (completed or canceled)
 * or, with allowOverride false, already assigned to someone else.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Engine, UserTaskChangeset } from '../api.ts';
import { isIsoDateTime } from '../model/user-task.ts';
import { invalid } from '../query/search.ts';
import { createUserTaskQueries } from '../query/user-tasks.ts';

/** A completion carries the form's variables: up to Zeebe's default message size, not a search's 64 KiB. */
const MAX_COMPLETION_BYTES = 4 * 1024 * 1024;

type Handler = (match: string[], req: IncomingMessage, res: ServerResponse) => Promise<void>;
type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The body as an object with only the known properties (null ones dropped), or 400. */
function bodyOf(body: unknown, known: string[], what: string): Json {
  if (!isObject(body)) throw invalid(`the request body must be a JSON object`);
  const out: Json = {};
  for (const [k, v] of Object.entries(body)) {
    if (!known.includes(k))
      throw invalid(`${k} is not a known property of ${what}; known: ${known.join(', ')}`);
    if (v !== null) out[k] = v;
  }
  return out;
}

function optionalString(body: Json, name: string): string | undefined {
  const v = body[name];
  if (v !== undefined && typeof v !== 'string') throw invalid(`${name} must be a string`);
  return v as string | undefined;
}

function changesetOf(value: unknown): UserTaskChangeset {
  if (value === undefined) return {};
  const c = bodyOf(
    value,
    ['dueDate', 'followUpDate', 'candidateGroups', 'candidateUsers', 'priority'],
    'changeset',
  );
  const out: UserTaskChangeset = {};
  for (const name of ['dueDate', 'followUpDate'] as const) {
    const v = c[name];
    if (v === undefined) continue;
    if (typeof v !== 'string' || (v !== '' && !isIsoDateTime(v)))
      throw invalid(
        `changeset.${name} must be an ISO 8601 date-time with an offset (or '' to clear it), but was ${JSON.stringify(v)}`,
      );
    out[name] = v;
  }
  for (const name of ['candidateGroups', 'candidateUsers'] as const) {
    const v = c[name];
    if (v === undefined) continue;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x !== ''))
      throw invalid(`changeset.${name} must be an array of non-empty strings ([] clears it)`);
    out[name] = v as string[];
  }
  if (c.priority !== undefined) {
    if (!Number.isInteger(c.priority) || (c.priority as number) < 0 || (c.priority as number) > 100)
      throw invalid(
        `changeset.priority must be an integer from 0 to 100, but was ${JSON.stringify(c.priority)}`,
      );
    out.priority = c.priority as number;
  }
  return out;
}

/** Routes for engine/rest's router, in the order they are tried. */
export function userTaskRoutes(
  engine: Engine,
  io: {
    readJson(req: IncomingMessage, maxBytes?: number): Promise<unknown>;
    send(res: ServerResponse, status: number, body?: unknown): void;
  },
): [method: string, pattern: RegExp, handler: Handler][] {
  const q = createUserTaskQueries(engine);
  const key = (k: string) => {
    if (!/^\d{1,16}$/.test(k))
      throw invalid(`userTaskKey must be a key (a string of digits), but was '${k}'`);
    return k;
  };
  return [
    [
      'POST',
      /^\/v2\/user-tasks\/search$/,
      async (_m, req, res) => io.send(res, 200, await q.searchUserTasks(await io.readJson(req))),
    ],
    [
      'POST',
      /^\/v2\/user-tasks\/([^/]+)\/completion$/,
      async ([k], req, res) => {
        const userTaskKey = key(k!);
        const body = bodyOf(
          await io.readJson(req, MAX_COMPLETION_BYTES),
          ['variables', 'action'],
          'a user task completion',
        );
        if (body.variables !== undefined && !isObject(body.variables))
          throw invalid('variables must be a JSON object');
        await engine.completeUserTask({
          userTaskKey,
          variables: body.variables as Json | undefined,
          action: optionalString(body, 'action'),
        });
        io.send(res, 204);
      },
    ],
    [
      'POST',
      /^\/v2\/user-tasks\/([^/]+)\/assignment$/,
      async ([k], req, res) => {
        const userTaskKey = key(k!);
        const body = bodyOf(
          await io.readJson(req),
          ['assignee', 'allowOverride', 'action'],
          'a user task assignment',
        );
        const assignee = optionalString(body, 'assignee');
        if (!assignee?.trim()) throw invalid('assignee is required and must not be empty');
        if (body.allowOverride !== undefined && typeof body.allowOverride !== 'boolean')
          throw invalid('allowOverride must be true or false');
        await engine.assignUserTask({
          userTaskKey,
          assignee,
          allowOverride: body.allowOverride as boolean | undefined,
          action: optionalString(body, 'action'),
        });
        io.send(res, 204);
      },
    ],
    [
      'DELETE',
      /^\/v2\/user-tasks\/([^/]+)\/assignee$/,
      async ([k], req, res) => {
        const userTaskKey = key(k!);
        bodyOf(await io.readJson(req), [], 'a user task unassignment');
        await engine.unassignUserTask({ userTaskKey });
        io.send(res, 204);
      },
    ],
    [
      'GET',
      /^\/v2\/user-tasks\/([^/]+)$/,
      async ([k], _req, res) => io.send(res, 200, await q.getUserTask(k!)),
    ],
    [
      'PATCH',
      /^\/v2\/user-tasks\/([^/]+)$/,
      async ([k], req, res) => {
        const userTaskKey = key(k!);
        const body = bodyOf(await io.readJson(req), ['changeset', 'action'], 'a user task update');
        const changeset = changesetOf(body.changeset);
        const action = optionalString(body, 'action');
        if (!Object.keys(changeset).length && !action)
          throw invalid(
            'changeset must change at least one of dueDate, followUpDate, candidateGroups, candidateUsers, priority (or give an action)',
          );
        await engine.updateUserTask({ userTaskKey, changeset, action });
        io.send(res, 204);
      },
    ],
  ];
}
