/**
 * The hub's API from the browser: bearer token from the login kept in sessionStorage (gone when the tab
 * closes), JSON in and out, RFC 9457 problems turned into ApiError with their field messages.
 */
const TOKEN_KEY = 'hub.session';

export interface User {
  id: string;
  username: string;
  displayName: string;
  kind: 'person' | 'service';
  roles: string[];
  departmentId: string | null;
}

export interface Session {
  token: string;
  expiresAt: string;
  user: User;
}

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: { field?: string; message: string; id?: string; rule?: string }[];
  [key: string]: unknown;
}

/** A failed API call: the HTTP status and the problem document the hub answered. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

let onUnauthenticated: () => void = () => {};
/** Where the session lives: the admin UI's tab (sessionStorage); the installable app keeps it in localStorage. */
let sessionStore: Storage = sessionStorage;

/**
 * The installable app (admin-ui/app) keeps its session across restarts so its offline queue can send
 * what was recorded before the phone was switched off.
 */
export function keepSessionIn(store: Storage): void {
  sessionStore = store;
}

/** What to do when the session is no longer accepted (back to the login page). */
export function setUnauthenticatedHandler(handler: () => void): void {
  onUnauthenticated = handler;
}

export function loadSession(): Session | null {
  const raw = sessionStore.getItem(TOKEN_KEY);
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as Session;
    return Date.parse(s.expiresAt) > Date.now() ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  if (session) sessionStore.setItem(TOKEN_KEY, JSON.stringify(session));
  else sessionStore.removeItem(TOKEN_KEY);
}

export interface CallOptions {
  method?: string;
  body?: unknown;
  /** Sent as multipart/form-data instead of JSON. */
  form?: FormData;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Calls the API; resolves to the parsed JSON (or text, or null for 204). */
export async function api<T = unknown>(path: string, options: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  const session = loadSession();
  if (session) headers.authorization = `Bearer ${session.token}`;
  let body: BodyInit | undefined;
  if (options.form) body = options.form;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(path, { method: options.method ?? 'GET', headers, body, signal: options.signal });
  const type = res.headers.get('content-type') ?? '';
  const data: unknown =
    res.status === 204 ? null : type.includes('json') ? await res.json() : await res.text();
  if (!res.ok) {
    const problem: Problem =
      typeof data === 'object' && data !== null
        ? (data as Problem)
        : { title: String(data), status: res.status };
    if (res.status === 401 && session) {
      saveSession(null);
      onUnauthenticated();
    }
    throw new ApiError(res.status, problem);
  }
  return data as T;
}

/** Fetches a protected binary (a photo) as an object URL for an <img>. */
export async function blobUrl(path: string): Promise<string> {
  const session = loadSession();
  const res = await fetch(path, { headers: session ? { authorization: `Bearer ${session.token}` } : {} });
  if (!res.ok) throw new ApiError(res.status, { title: res.statusText, status: res.status });
  return URL.createObjectURL(await res.blob());
}

interface OpenApiDoc {
  paths?: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
}
let openapi: Promise<OpenApiDoc> | undefined;
const doc = () =>
  (openapi ??= fetch('/openapi.json')
    .then((r) => r.json() as Promise<OpenApiDoc>)
    .catch(() => ({}) as OpenApiDoc));

/**
 * Whether the hub serves a route (OpenAPI path syntax, e.g. `/api/cases/{id}`): pages built against
 * APIs other engineers are still adding say so instead of failing.
 */
export async function hasRoute(path: string, method = 'get'): Promise<boolean> {
  return Boolean((await doc()).paths?.[path]?.[method]);
}

/** Whether a route takes a query parameter (e.g. `q` on GET /api/cases). */
export async function hasQueryParam(path: string, name: string): Promise<boolean> {
  const op = (await doc()).paths?.[path]?.get;
  return Boolean(op?.parameters?.some((p) => p.in === 'query' && p.name === name));
}

/** A problem as one line for the page: the detail and each field's message. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    const fields = (err.problem.errors ?? []).map((e) => (e.field ? `${e.field}: ${e.message}` : e.message));
    return [err.message, ...fields].join(' · ');
  }
  return err instanceof Error ? err.message : String(err);
}

/** The items of a list the hub answers as `{ items: [...] }`. */
export const listItems = <T>(path: string): Promise<T[]> => api<{ items: T[] }>(path).then((r) => r.items);

/** Runs `read` (a page loading its data): what went wrong, as describeError says it, or '' when it worked. */
export async function failureOf(read: () => Promise<unknown>): Promise<string> {
  try {
    await read();
    return '';
  } catch (err) {
    return describeError(err);
  }
}
