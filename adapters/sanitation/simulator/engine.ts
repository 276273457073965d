/**
 * The sanitation platform's own Camunda 7-style engine, as far as the hub sees it: work-order process
 * instances started by business key, and external tasks the hub fetches and locks, completes, fails,
 * answers with a BPMN error or extends the lock of. Built from Camunda 7's REST reference (External
 * Task: Fetch and Lock, Complete, Handle Failure, Handle BPMN Error, Extend Lock; Process Definition:
 * Start Instance; Process Instance: Get List) — status codes and the `{type, message}` error body as
 * documented there. State lives in memory: it is a simulator.
 */
import { randomUUID } from 'node:crypto';
import type { SimReply, SimRequest } from '../../sim-http.ts';

/** A Camunda 7 typed variable value as the REST API carries it. */
export interface TypedValue {
  type: string;
  value: unknown;
  valueInfo?: Record<string, unknown>;
}

export interface ExternalTask {
  id: string;
  topicName: string;
  businessKey: string;
  processInstanceId: string;
  activityId: string;
  variables: Record<string, TypedValue>;
  createdAt: number;
  priority: number;
  retries: number | null;
  workerId: string | null;
  lockExpiration: number | null;
  /** not fetchable before this time (a failure's retryTimeout) */
  notBefore: number;
  errorMessage: string | null;
  /** open: waiting or locked; completed; bpmnError; incident (failed with retries 0) */
  state: 'open' | 'completed' | 'bpmnError' | 'incident';
  completedWith?: Record<string, TypedValue>;
  bpmnError?: { errorCode: string; errorMessage: string | null };
  /** every call the hub made on this task, for tests */
  calls: { op: string; workerId: string | null; at: number }[];
}

export interface ProcessInstance {
  id: string;
  definitionKey: string;
  businessKey: string;
  variables: Record<string, TypedValue>;
  startedAt: number;
}

const invalid = (message: string, status = 400): SimReply => ({
  status,
  body: { type: status === 404 ? 'RestException' : 'InvalidRequestException', message },
});

/** Plain JS value → Camunda 7 typed value (the types Camunda's REST API documents). */
export function typed(value: unknown): TypedValue {
  if (value === null || value === undefined) return { type: 'Null', value: null, valueInfo: {} };
  if (typeof value === 'boolean') return { type: 'Boolean', value, valueInfo: {} };
  if (typeof value === 'number')
    return { type: Number.isInteger(value) ? 'Integer' : 'Double', value, valueInfo: {} };
  if (typeof value === 'string') return { type: 'String', value, valueInfo: {} };
  return {
    type: 'Json',
    value: JSON.stringify(value),
    valueInfo: {},
  };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

interface Waiter {
  workerId: string;
  maxTasks: number;
  topics: { topicName: string; lockDuration: number; variables?: string[] }[];
  resolve: (tasks: ExternalTask[]) => void;
  timer: NodeJS.Timeout;
}

export interface ExternalTaskEngine {
  readonly tasks: ExternalTask[];
  readonly instances: ProcessInstance[];
  /** true: fetchAndLock answers tasks newest first (the out-of-order fault). */
  outOfOrder: boolean;
  /** Creates an external task in the work order of `businessKey`; wakes waiting long polls. */
  createTask(topicName: string, businessKey: string, variables: Record<string, unknown>): ExternalTask;
  handle(req: SimRequest): Promise<SimReply | null>;
  /** Answers every waiting long poll with no tasks (shutdown). */
  close(): void;
}

export function createExternalTaskEngine(options: {
  definitionKeys: string[];
  now?: () => number;
}): ExternalTaskEngine {
  const now = options.now ?? Date.now;
  const tasks: ExternalTask[] = [];
  const instances: ProcessInstance[] = [];
  const waiters = new Set<Waiter>();
  const engine = { outOfOrder: false };

  const fetchable = (t: ExternalTask, topic: string, at: number) =>
    t.state === 'open' &&
    t.topicName === topic &&
    (t.retries === null || t.retries > 0) &&
    t.notBefore <= at &&
    (t.lockExpiration === null || t.lockExpiration <= at);

  function lockFor(w: Pick<Waiter, 'workerId' | 'maxTasks' | 'topics'>): ExternalTask[] {
    const at = now();
    const locked: ExternalTask[] = [];
    const ordered = [...tasks].sort((a, b) =>
      engine.outOfOrder ? b.createdAt - a.createdAt : a.createdAt - b.createdAt,
    );
    for (const t of ordered) {
      if (locked.length >= w.maxTasks) break;
      const topic = w.topics.find((tp) => fetchable(t, tp.topicName, at));
      if (!topic) continue;
      t.workerId = w.workerId;
      t.lockExpiration = at + topic.lockDuration;
      t.calls.push({ op: 'fetchAndLock', workerId: w.workerId, at });
      locked.push(t);
    }
    return locked;
  }

  function view(t: ExternalTask, names?: string[]) {
    const variables = Object.fromEntries(
      Object.entries(t.variables).filter(([k]) => !names || names.includes(k)),
    );
    return {
      activityId: t.activityId,
      activityInstanceId: `${t.activityId}:${t.id}`,
      errorMessage: t.errorMessage,
      errorDetails: null,
      executionId: t.id,
      id: t.id,
      lockExpirationTime: t.lockExpiration === null ? null : new Date(t.lockExpiration).toISOString(),
      processDefinitionId: `sanitation-work-order:1:${t.processInstanceId}`,
      processDefinitionKey: 'sanitation-work-order',
      processDefinitionVersionTag: null,
      processInstanceId: t.processInstanceId,
      tenantId: null,
      retries: t.retries,
      workerId: t.workerId,
      priority: t.priority,
      topicName: t.topicName,
      businessKey: t.businessKey,
      variables,
    };
  }

  function wake() {
    for (const w of [...waiters]) {
      const locked = lockFor(w);
      if (locked.length) {
        waiters.delete(w);
        clearTimeout(w.timer);
        w.resolve(locked);
      }
    }
  }

  /** The task, checked to be locked by `workerId` (Camunda 7: 404 when gone, 400 when not locked by it). */
  function lockedTask(id: string, workerId: unknown): ExternalTask | SimReply {
    const t = tasks.find((x) => x.id === id);
    if (!t || t.state !== 'open') return invalid(`External task with id ${id} does not exist`, 404);
    if (typeof workerId !== 'string' || t.workerId !== workerId || t.lockExpiration === null)
      return invalid(
        `External Task ${id} cannot be completed by worker '${String(workerId)}'. It is locked by worker '${t.workerId}'.`,
      );
    return t;
  }

  function parseVariables(v: unknown): Record<string, TypedValue> | SimReply {
    if (v === undefined || v === null) return {};
    if (!isObject(v)) return invalid('variables must be an object of typed values');
    for (const [k, tv] of Object.entries(v)) {
      if (!isObject(tv) || typeof tv.type !== 'string')
        return invalid(`Cannot set variable ${k}: a typed value needs a type`);
    }
    return v as Record<string, TypedValue>;
  }

  async function fetchAndLock(body: unknown): Promise<SimReply> {
    if (!isObject(body)) return invalid('a JSON body is required');
    const { workerId, maxTasks, asyncResponseTimeout, topics } = body;
    if (typeof workerId !== 'string' || !workerId) return invalid('workerId is mandatory');
    if (typeof maxTasks !== 'number' || maxTasks < 0) return invalid('maxTasks is mandatory');
    if (
      asyncResponseTimeout !== undefined &&
      (typeof asyncResponseTimeout !== 'number' || asyncResponseTimeout > 1_800_000)
    )
      return invalid(
        'The asynchronous response timeout cannot be set to a value greater than 1800000 milliseconds',
      );
    const list: Waiter['topics'] = [];
    for (const t of Array.isArray(topics) ? topics : []) {
      if (!isObject(t) || typeof t.topicName !== 'string') return invalid('topicName is mandatory');
      if (typeof t.lockDuration !== 'number' || t.lockDuration <= 0)
        return invalid(`lockDuration for topic ${t.topicName} must be greater than zero`);
      list.push({
        topicName: t.topicName,
        lockDuration: t.lockDuration,
        variables: Array.isArray(t.variables) ? (t.variables as string[]) : undefined,
      });
    }
    const request = { workerId, maxTasks, topics: list };
    const names = (t: ExternalTask) => list.find((x) => x.topicName === t.topicName)?.variables;
    const immediate = lockFor(request);
    if (immediate.length || !asyncResponseTimeout)
      return { status: 200, body: immediate.map((t) => view(t, names(t))) };
    const found = await new Promise<ExternalTask[]>((resolve) => {
      const w: Waiter = {
        ...request,
        resolve,
        timer: setTimeout(() => {
          waiters.delete(w);
          resolve([]);
        }, asyncResponseTimeout),
      };
      waiters.add(w);
    });
    return { status: 200, body: found.map((t) => view(t, names(t))) };
  }

  async function handle(req: SimRequest): Promise<SimReply | null> {
    const body = req.json;
    if (req.method === 'POST' && req.path === '/engine-rest/external-task/fetchAndLock')
      return fetchAndLock(body);

    const op = /^\/engine-rest\/external-task\/([^/]+)\/(complete|failure|bpmnError|extendLock)$/.exec(
      req.path,
    );
    if (req.method === 'POST' && op) {
      const [, id, action] = op as unknown as [string, string, string];
      const b = isObject(body) ? body : {};
      const found = lockedTask(id, b.workerId);
      if (!('calls' in found)) return found;
      const t = found;
      const at = now();
      t.calls.push({ op: action, workerId: String(b.workerId), at });
      if (action === 'complete') {
        const vars = parseVariables(b.variables);
        if ('status' in vars && typeof vars.status === 'number') return vars as SimReply;
        t.state = 'completed';
        t.completedWith = vars as Record<string, TypedValue>;
        return { status: 204 };
      }
      if (action === 'failure') {
        const retries = b.retries;
        if (retries !== undefined && (typeof retries !== 'number' || retries < 0))
          return invalid('retries must be a non-negative number');
        t.errorMessage = typeof b.errorMessage === 'string' ? b.errorMessage : null;
        t.retries = typeof retries === 'number' ? retries : t.retries;
        t.workerId = null;
        t.lockExpiration = null;
        t.notBefore = at + (typeof b.retryTimeout === 'number' ? b.retryTimeout : 0);
        if (t.retries === 0) t.state = 'incident';
        else setTimeout(wake, Math.max(0, t.notBefore - now()) + 5).unref();
        return { status: 204 };
      }
      if (action === 'bpmnError') {
        if (typeof b.errorCode !== 'string' || !b.errorCode) return invalid('errorCode is mandatory');
        t.state = 'bpmnError';
        t.bpmnError = {
          errorCode: b.errorCode,
          errorMessage: typeof b.errorMessage === 'string' ? b.errorMessage : null,
        };
        return { status: 204 };
      }
      // extendLock: a new lock of newDuration from now (Camunda 7.9+ wording).
      if (typeof b.newDuration !== 'number' || b.newDuration <= 0)
        return invalid('The new lock duration must be greater than zero');
      if (t.lockExpiration !== null && t.lockExpiration < at)
        return invalid(`The lock of external task ${id} has already expired`);
      t.lockExpiration = at + b.newDuration;
      return { status: 204 };
    }

    const start = /^\/engine-rest\/process-definition\/key\/([^/]+)\/start$/.exec(req.path);
    if (req.method === 'POST' && start) {
      const key = decodeURIComponent(start[1]!);
      if (!options.definitionKeys.includes(key))
        return invalid(`No matching process definition with key: ${key}`, 404);
      const b = isObject(body) ? body : {};
      const vars = parseVariables(b.variables);
      if ('status' in vars && typeof vars.status === 'number') return vars as SimReply;
      if (typeof b.businessKey !== 'string' || !b.businessKey)
        return invalid('businessKey is required by this platform');
      const instance: ProcessInstance = {
        id: randomUUID(),
        definitionKey: key,
        businessKey: b.businessKey,
        variables: vars as Record<string, TypedValue>,
        startedAt: now(),
      };
      instances.push(instance);
      return {
        status: 200,
        body: {
          id: instance.id,
          definitionId: `${key}:1:${instance.id}`,
          businessKey: instance.businessKey,
          caseInstanceId: null,
          ended: false,
          suspended: false,
          tenantId: null,
          links: [{ method: 'GET', href: `/process-instance/${instance.id}`, rel: 'self' }],
        },
      };
    }

    if (req.method === 'GET' && req.path === '/engine-rest/process-instance') {
      const businessKey = req.query.get('businessKey');
      const list = instances.filter((i) => businessKey === null || i.businessKey === businessKey);
      return {
        status: 200,
        body: list.map((i) => ({
          id: i.id,
          definitionId: `${i.definitionKey}:1:${i.id}`,
          businessKey: i.businessKey,
          ended: false,
          suspended: false,
          tenantId: null,
        })),
      };
    }
    return null;
  }

  return {
    tasks,
    instances,
    get outOfOrder() {
      return engine.outOfOrder;
    },
    set outOfOrder(v: boolean) {
      engine.outOfOrder = v;
    },
    createTask(topicName, businessKey, variables) {
      const instance = instances.find((i) => i.businessKey === businessKey);
      const t: ExternalTask = {
        id: randomUUID(),
        topicName,
        businessKey,
        processInstanceId: instance?.id ?? randomUUID(),
        activityId: topicName.replace(/[^A-Za-z0-9]/g, '_'),
        variables: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, typed(v)])),
        // strictly increasing, so order is well defined even within one millisecond
        createdAt: Math.max(now(), (tasks.at(-1)?.createdAt ?? 0) + 1),
        priority: 0,
        retries: null,
        workerId: null,
        lockExpiration: null,
        notBefore: 0,
        errorMessage: null,
        state: 'open',
        calls: [],
      };
      tasks.push(t);
      wake();
      return t;
    },
    handle,
    close() {
      for (const w of waiters) {
        clearTimeout(w.timer);
        w.resolve([]);
      }
      waiters.clear();
    },
  };
}
