/**
 * Camunda user tasks (`bpmn:userTask` with `zeebe:userTask`, Modeler's default implementation since
 * 8.7): the engine creates a user task of its own instead of a job. This reads their zeebe: extensions
 * (assignment, schedule, form, priority, headers) and checks them the way a deployment does.
 */
import type { Expr } from './types.ts';

const expr = (v: string): Expr => (v.startsWith('=') ? { feel: v.slice(1) } : { static: v });

export interface UserTaskSpec {
  assignee?: Expr;
  /** Static lists are split at commas; FEEL must give a list of strings. */
  candidateGroups?: { list: string[] } | { feel: string };
  candidateUsers?: { list: string[] } | { feel: string };
  dueDate?: Expr;
  followUpDate?: Expr;
  /** A linked Camunda form, resolved to its deployed key when the task is created. */
  form?: { formId: string; bindingType: 'latest' | 'deployment' };
  /** A custom form (externalReference, or a formKey given to a Camunda user task). */
  externalReference?: Expr;
  priority: Expr;
  headers: Record<string, string>;
}

interface El {
  $type: string;
  [key: string]: unknown;
}

type Problem = (message: string) => void;
type CheckFeel = (text: string, what: string) => void;

/** The default priority of a user task (Camunda: 0–100, default 50). */
export const DEFAULT_PRIORITY = 50;

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

/** Whether a static due / follow-up date is an ISO 8601 date-time with an offset, as Zeebe requires. */
export function isIsoDateTime(text: string): boolean {
  return ISO_DATE_TIME.test(text) && !Number.isNaN(Date.parse(text));
}

const split = (v: string) =>
  v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** Reads the extensions of a Camunda user task; problems name the attribute. */
export function readUserTask(
  find: (type: string) => El | undefined,
  headers: Record<string, string>,
  problem: Problem,
  checkFeel: CheckFeel,
): UserTaskSpec {
  const attr = (el: El | undefined, name: string): string | undefined => {
    const v = el?.[name];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  };
  const feelOrStatic = (v: string | undefined, what: string): Expr | undefined => {
    if (v === undefined) return undefined;
    const e = expr(v);
    if ('feel' in e) checkFeel(e.feel, what);
    return e;
  };
  const list = (v: string | undefined, what: string) => {
    if (v === undefined) return undefined;
    if (!v.startsWith('=')) return { list: split(v) };
    checkFeel(v.slice(1), what);
    return { feel: v.slice(1) };
  };
  const date = (v: string | undefined, what: string) => {
    const e = feelOrStatic(v, what);
    if (e && 'static' in e && !isIsoDateTime(e.static))
      problem(
        `Attribute '${what}' must be an ISO 8601 date-time with an offset (like 2026-05-01T09:00:00+08:00) or an expression, but was '${e.static}'`,
      );
    return e;
  };

  const assignment = find('zeebe:AssignmentDefinition');
  const schedule = find('zeebe:TaskSchedule');
  const formDef = find('zeebe:FormDefinition');
  const priorityDef = find('zeebe:PriorityDefinition');
  const spec: UserTaskSpec = {
    assignee: feelOrStatic(attr(assignment, 'assignee'), 'assignee'),
    candidateGroups: list(attr(assignment, 'candidateGroups'), 'candidateGroups'),
    candidateUsers: list(attr(assignment, 'candidateUsers'), 'candidateUsers'),
    dueDate: date(attr(schedule, 'dueDate'), 'dueDate'),
    followUpDate: date(attr(schedule, 'followUpDate'), 'followUpDate'),
    priority: feelOrStatic(attr(priorityDef, 'priority'), 'priority') ?? {
      static: String(DEFAULT_PRIORITY),
    },
    headers,
  };
  if ('static' in spec.priority) {
    const p = Number(spec.priority.static);
    if (!Number.isInteger(p) || p < 0 || p > 100)
      problem(
        `Attribute 'priority' must be an integer from 0 to 100 or an expression, but was '${spec.priority.static}'`,
      );
  }

  const formId = attr(formDef, 'formId');
  const externalReference = attr(formDef, 'externalReference');
  const formKey = attr(formDef, 'formKey');
  const given = [formId, externalReference, formKey].filter((v) => v !== undefined);
  if (given.length > 1)
    problem(
      "Form definition must have exactly one of the attributes 'formId', 'externalReference' and 'formKey'",
    );
  if (formId !== undefined) {
    const bindingType = attr(formDef, 'bindingType') ?? 'latest';
    if (formId.startsWith('=')) problem("Attribute 'formId' must be a static value, not an expression");
    else if (bindingType !== 'latest' && bindingType !== 'deployment')
      problem(
        `Form binding type '${bindingType}' is not supported; use 'latest' or 'deployment' (form version tags are not stored)`,
      );
    else spec.form = { formId, bindingType };
  } else spec.externalReference = feelOrStatic(externalReference ?? formKey, 'externalReference');
  return spec;
}
