/**
 * The offline queue: every write the app makes (a report, a 核实/核查, a disposal, a message, patrol
 * positions) is first stored in IndexedDB with its photos and an idempotency key, then sent; what could
 * not be sent (no network, hub away, session expired) stays 待发送 and is sent when the network returns —
 * after a reload, an app restart or a hub restart. The hub's `Idempotency-Key` makes each item happen
 * exactly once even when an answer was lost and the item is sent again.
 *
 * States: pending (待发送) → sending → sent (已发送, with the server's answer) or failed (失败, the
 * server's reason: a 4xx other than 401/408/429, which writes nothing on the hub). A failed item can be
 * edited by its module and re-sent (`resubmit`, a new key) or removed.
 */
import { ApiError, describeError, loadSession } from '../../src/lib/api.ts';

export type QueueState = 'pending' | 'sending' | 'sent' | 'failed';

/** A file of a multipart request (a photo), kept as a Blob in IndexedDB. */
export interface QueuedFile {
  field: string;
  name: string;
  blob: Blob;
}

export interface QueuedRequest {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** JSON body, or the text fields of a multipart body when `files` is set. */
  body?: Record<string, unknown>;
  files?: QueuedFile[];
  /** Extra headers (市民通's X-Device-Token: a citizen has no session). */
  headers?: Record<string, string>;
}

export interface QueueItem {
  id: string;
  /** Sent as Idempotency-Key; a new one on `resubmit`. */
  key: string;
  /** The module that made it (its id) and what it is, shown in the list: e.g. 上报 · 暴露垃圾. */
  module: string;
  title: string;
  /** The module's hash to edit a failed item, e.g. #/supervisor/report/<id>; none when not editable. */
  editHash?: string;
  request: QueuedRequest;
  state: QueueState;
  createdAt: string;
  sentAt?: string;
  attempts: number;
  /** Why the last attempt did not go through (failed: the server's reason; pending: e.g. no network). */
  error?: string;
  /** The server's answer when sent. */
  result?: unknown;
  /** Anything the module wants back when editing (the form's values). */
  draft?: Record<string, unknown>;
  /** Routine (patrol positions): listed in 发送记录 only while waiting or failed. */
  quiet?: boolean;
}

const DB_NAME = 'hub-app';
const STORE = 'queue';
let dbp: Promise<IDBDatabase> | undefined;

function db(): Promise<IDBDatabase> {
  return (dbp ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'id' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB unavailable'));
  }));
}

async function tx<T>(mode: IDBTransactionMode, work: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const d = await db();
  return new Promise((resolve, reject) => {
    const t = d.transaction(STORE, mode);
    const req = work(t.objectStore(STORE));
    t.oncomplete = () => resolve(req.result);
    t.onerror = () => reject(t.error ?? new Error('IndexedDB write failed'));
    t.onabort = () => reject(t.error ?? new Error('IndexedDB write aborted'));
  });
}

const put = (item: QueueItem) => tx('readwrite', (s) => s.put(item));
export const getItem = (id: string) => tx<QueueItem | undefined>('readonly', (s) => s.get(id));
export async function listItems(): Promise<QueueItem[]> {
  const all = await tx<QueueItem[]>('readonly', (s) => s.getAll());
  return all.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}
export const removeItem = (id: string) => tx('readwrite', (s) => s.delete(id)).then(() => changed());

const listeners = new Set<() => void>();
/** Called whenever an item is added or changes state; returns the unsubscribe. */
export function onQueueChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
function changed() {
  for (const fn of listeners) fn();
}

/** What a module passes to `enqueue`. */
export interface NewItem {
  module: string;
  title: string;
  editHash?: string;
  request: QueuedRequest;
  draft?: Record<string, unknown>;
  quiet?: boolean;
}

/**
 * Stores the item (it survives anything from here on) and tries to send it at once. Resolves to the
 * stored item after the first attempt: `sent`, `failed`, or still `pending` when offline.
 */
export async function enqueue(item: NewItem): Promise<QueueItem> {
  const id = crypto.randomUUID();
  const stored: QueueItem = {
    ...item,
    id,
    key: `app-${id}`,
    state: 'pending',
    createdAt: new Date().toISOString(),
    attempts: 0,
  };
  await put(stored);
  changed();
  await flush();
  return (await getItem(id)) ?? stored;
}

/** Changes fields of a stored item other than its request and state (e.g. its edit link). */
export async function updateItem(
  id: string,
  patch: Pick<Partial<QueueItem>, 'editHash' | 'title'>,
): Promise<void> {
  const old = await getItem(id);
  if (old) await put({ ...old, ...patch });
  changed();
}

/** A failed item edited by its module: the new request, sent with a new key. */
export async function resubmit(id: string, item: NewItem): Promise<QueueItem | undefined> {
  const old = await getItem(id);
  if (!old) return undefined;
  await put({
    ...old,
    ...item,
    key: `app-${crypto.randomUUID()}`,
    state: 'pending',
    error: undefined,
    result: undefined,
  });
  changed();
  await flush();
  return getItem(id);
}

/** Headers and body of one attempt. */
function encode(item: QueueItem): { headers: Record<string, string>; body?: BodyInit } {
  // The phone's clock at sending: the hub corrects phone times by it (src/field/routes.ts).
  const headers: Record<string, string> = {
    accept: 'application/json',
    'idempotency-key': item.key,
    'x-client-sent-at': new Date().toISOString(),
  };
  const session = loadSession();
  if (session) headers.authorization = `Bearer ${session.token}`;
  Object.assign(headers, item.request.headers);
  const { body, files } = item.request;
  if (files) {
    const form = new FormData();
    for (const [k, v] of Object.entries(body ?? {})) {
      if (v !== undefined && v !== null && v !== '') form.append(k, String(v));
    }
    for (const f of files) form.append(f.field, f.blob, f.name);
    return { headers, body: form };
  }
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    return { headers, body: JSON.stringify(body) };
  }
  return { headers };
}

/** The server's answer counts as final (sent or failed), or the item waits for another try. */
const RETRY_STATUSES = new Set([401, 408, 425, 429]);

let flushing: Promise<void> | undefined;

/** Sends every pending item, oldest first, one at a time. Safe to call often. */
export function flush(): Promise<void> {
  return (flushing ??= (async () => {
    try {
      const items = (await listItems()).reverse();
      for (const item of items) {
        if (item.state !== 'pending' && item.state !== 'sending') continue;
        if (!navigator.onLine) {
          await put({ ...item, state: 'pending', error: undefined });
          continue;
        }
        await send(item);
      }
    } finally {
      flushing = undefined;
      changed();
    }
  })());
}

async function send(item: QueueItem): Promise<void> {
  await put({ ...item, state: 'sending', attempts: item.attempts + 1 });
  changed();
  const { headers, body } = encode(item);
  let res: Response;
  try {
    res = await fetch(item.request.path, { method: item.request.method, headers, body });
  } catch (err) {
    // No answer: maybe not even sent, maybe done and the answer lost; the same key makes a retry safe.
    await put({ ...item, state: 'pending', attempts: item.attempts + 1, error: describeError(err) });
    return;
  }
  const type = res.headers.get('content-type') ?? '';
  const data: unknown = type.includes('json') ? await res.json().catch(() => null) : await res.text();
  if (res.ok) {
    await put({
      ...item,
      state: 'sent',
      attempts: item.attempts + 1,
      sentAt: new Date().toISOString(),
      error: undefined,
      result: data,
      // The photos are on the hub now; the phone need not keep them.
      request: { ...item.request, files: item.request.files?.map((f) => ({ ...f, blob: new Blob() })) },
    });
    return;
  }
  const problem =
    typeof data === 'object' && data !== null ? data : { title: String(data), status: res.status };
  const reason = describeError(new ApiError(res.status, problem as never));
  const retry = res.status >= 500 || RETRY_STATUSES.has(res.status);
  await put({
    ...item,
    state: retry ? 'pending' : 'failed',
    attempts: item.attempts + 1,
    error: reason,
  });
}

let started = false;
/** Sends now and whenever the network returns, and every `everyMs` while anything waits. */
export function startQueue(everyMs = 15_000): void {
  if (started) return;
  started = true;
  window.addEventListener('online', () => void flush());
  setInterval(() => {
    if (navigator.onLine) void flush();
  }, everyMs);
  void flush();
}

/** Counts by state, for the badge. */
export async function counts(): Promise<Record<QueueState, number>> {
  const c: Record<QueueState, number> = { pending: 0, sending: 0, sent: 0, failed: 0 };
  for (const i of await listItems()) c[i.state]++;
  return c;
}
