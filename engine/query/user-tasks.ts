/**
 * The user-task searches of Camunda 8.8's REST API (v2): POST /v2/user-tasks/search and
 * GET /v2/user-tasks/{key}, read from zb_user_task (open and finished Camunda user tasks) with
 * candidateGroup / candidateUser matched against zb_user_task_candidate.
 */
import type { Engine } from '../api.ts';
import {
  invalid,
  isoDate,
  keyString,
  QueryProblem,
  search,
  TENANT,
  tenantField,
  type SearchResult,
  type SearchSpec,
} from './search.ts';

export interface UserTaskItem {
  userTaskKey: string;
  name?: string;
  state: 'CREATED' | 'COMPLETED' | 'CANCELED';
  assignee?: string;
  elementId: string;
  elementInstanceKey: string;
  candidateGroups: string[];
  candidateUsers: string[];
  processDefinitionId: string;
  processDefinitionKey: string;
  processDefinitionVersion: number;
  processInstanceKey: string;
  formKey?: string;
  externalFormReference?: string;
  creationDate: string;
  completionDate?: string;
  dueDate?: string;
  followUpDate?: string;
  customHeaders: Record<string, string>;
  priority: number;
  tenantId: string;
}

/** Camunda's user task states; this engine's tasks are CREATED, COMPLETED or CANCELED. */
const STATES = [
  'CREATING',
  'CREATED',
  'ASSIGNING',
  'UPDATING',
  'COMPLETING',
  'COMPLETED',
  'CANCELING',
  'CANCELED',
  'FAILED',
] as const;

const candidate = (kind: 'group' | 'user') => (condition: string) =>
  `EXISTS (SELECT 1 FROM zb_user_task_candidate c WHERE c.user_task_key = u.key AND c.kind = '${kind}' AND ${condition})`;

const userTaskSpec: SearchSpec<UserTaskItem> = {
  from: 'zb_user_task u',
  fields: {
    userTaskKey: { sql: 'u.key', type: 'key' },
    state: { sql: 'u.state', type: 'string', values: STATES },
    assignee: { sql: 'u.assignee', type: 'string' },
    candidateGroup: { sql: 'c.value', type: 'string', within: candidate('group') },
    candidateUser: { sql: 'c.value', type: 'string', within: candidate('user') },
    name: { sql: 'u.name', type: 'string' },
    elementId: { sql: 'u.element_id', type: 'string' },
    elementInstanceKey: { sql: 'u.element_instance_key', type: 'key' },
    processInstanceKey: { sql: 'u.pi_key', type: 'key' },
    processDefinitionKey: { sql: 'u.process_key', type: 'key' },
    processDefinitionId: { sql: 'u.bpmn_process_id', type: 'string' },
    priority: { sql: 'u.priority', type: 'int' },
    creationDate: { sql: 'u.created_at', type: 'date' },
    completionDate: { sql: 'u.completed_at', type: 'date' },
    dueDate: { sql: 'u.due_ts', type: 'date' },
    followUpDate: { sql: 'u.follow_up_ts', type: 'date' },
    tenantId: tenantField,
  },
  keyField: 'userTaskKey',
  select: 'u.*',
  toItem: (r) => ({
    userTaskKey: String(r.key),
    name: r.name === null ? undefined : String(r.name),
    state: r.state as UserTaskItem['state'],
    assignee: r.assignee === null ? undefined : String(r.assignee),
    elementId: String(r.element_id),
    elementInstanceKey: String(r.element_instance_key),
    candidateGroups: JSON.parse(String(r.candidate_groups)) as string[],
    candidateUsers: JSON.parse(String(r.candidate_users)) as string[],
    processDefinitionId: String(r.bpmn_process_id),
    processDefinitionKey: String(r.process_key),
    processDefinitionVersion: Number(r.version),
    processInstanceKey: String(r.pi_key),
    formKey: keyString(r.form_key),
    externalFormReference: r.external_form_reference === null ? undefined : String(r.external_form_reference),
    creationDate: isoDate(r.created_at)!,
    completionDate: isoDate(r.completed_at),
    dueDate: isoDate(r.due_ts),
    followUpDate: isoDate(r.follow_up_ts),
    customHeaders: JSON.parse(String(r.headers)) as Record<string, string>,
    priority: Number(r.priority),
    tenantId: TENANT,
  }),
};

export interface UserTaskQueries {
  searchUserTasks(body: unknown): Promise<SearchResult<UserTaskItem>>;
  getUserTask(key: string): Promise<UserTaskItem>;
}

export function createUserTaskQueries(engine: Pick<Engine, 'readState'>): UserTaskQueries {
  return {
    searchUserTasks: (body) => engine.readState((db) => search(db, userTaskSpec, body)),
    async getUserTask(key) {
      if (!/^\d{1,16}$/.test(key))
        throw invalid(`userTaskKey must be a key (a string of digits), but was '${key}'`);
      const { items } = await engine.readState((db) =>
        search(db, userTaskSpec, { filter: { userTaskKey: key } }),
      );
      if (!items[0]) throw new QueryProblem(404, 'NOT_FOUND', `User task with key '${key}' not found`);
      return items[0];
    },
  };
}
