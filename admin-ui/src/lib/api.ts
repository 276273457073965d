/**
 * The hub's API from the browser: bearer token from the login kept in sessionStorage (gone when the tab
 * closes), JSON in and out, RFC 9457 problems turned into ApiError with their field messages.
 *
 * `api(path, options)` is typed by the hub's routes (api-schema.gen.ts, generated from its OpenAPI
 * document): the path is a route's path with its `{param}`s filled in (`/api/cases/${id}`), the method
 * one the route has, the body its request body, the query its query parameters, and the answer its
 * success response. A path or method the hub does not serve is a type error, not a run-time probe.
 */
import type { paths } from './api-schema.gen.ts';
import { label, t } from './i18n.ts';

type Paths = keyof paths & string;
/** `/api/cases/{id}/attachments` → `/api/cases/${string}/attachments`. */
type Filled<P extends string> = P extends `${infer A}{${string}}${infer B}` ? `${A}${string}${Filled<B>}` : P;
/** Every path the hub serves, as the browser writes it. */
export type ApiPath = { [K in Paths]: Filled<K> }[Paths];
type Split<S extends string> = S extends `${infer H}/${infer T}` ? [H, ...Split<T>] : [S];
/** A route's segment against the path's: `{param}` takes any one segment, a word only itself. */
type SegmentFits<K, P> = K extends `${string}{${string}}${string}`
  ? P extends `${string}?${string}`
    ? false
    : P extends Filled<K>
      ? true
      : false
  : [P] extends [K]
    ? [K] extends [P]
      ? true
      : false
    : false;
type Fits<K extends unknown[], P extends unknown[]> = K extends [infer KH, ...infer KT]
  ? P extends [infer PH, ...infer PT]
    ? SegmentFits<KH, PH> extends true
      ? Fits<KT, PT>
      : false
    : false
  : P extends []
    ? true
    : false;
/** The route of a filled-in path, segment by segment (`/api/cases/${id}/actions/${'sign' | 'dispose'}` → both). */
type RouteOf<P extends string> = P extends Paths
  ? P // a fixed path wins over a `{param}` one it also fits (/api/inbox/events, not /api/inbox/{id})
  : P extends string
    ? { [K in Paths]: Fits<Split<K>, Split<P>> extends true ? K : never }[Paths]
    : never;
type LowerMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** HTTP method, either case. */
export type Method = LowerMethod | Uppercase<LowerMethod>;
type Operation<P extends string, M extends Method> = NonNullable<paths[RouteOf<P>][Lowercase<M>]>;
type JsonBody<R> = R extends { content: { 'application/json': infer J } }
  ? J
  : R extends { content: Record<string, infer X> }
    ? X
    : null;
type SuccessOf<O> = O extends { responses: infer R }
  ? JsonBody<R[Extract<keyof R, 200 | 201 | 202 | 204>]>
  : never;
type BodyOf<O> = O extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
type QueryOf<O> = O extends { parameters: { query?: infer Q } } ? Q : never;

/** The answer of a route (its OpenAPI path, e.g. `/api/cases/{id}`) to a method. */
export type Success<K extends Paths, M extends LowerMethod = 'get'> = SuccessOf<NonNullable<paths[K][M]>>;
/** The JSON body a route takes. */
export type RequestBody<K extends Paths, M extends LowerMethod> = BodyOf<NonNullable<paths[K][M]>>;
/** One element of a list answer `{ items: [...] }`. */
export type Item<K extends Paths> = Success<K> extends { items: (infer I)[] } ? I : never;

const TOKEN_KEY = 'hub.session';

/** A signed-in user as the hub describes one (POST /api/auth/login, GET /api/auth/me). */
export type User = Success<'/api/auth/me', 'get'>;

/** A session from POST /api/auth/login, kept in the session store. */
export type Session = Success<'/api/auth/login', 'post'>;

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

export interface CallOptions<M extends Method = Method, B = unknown, Q = unknown> {
  /** GET unless said. */
  method?: M;
  body?: B;
  /** Query parameters; undefined ones are left out. */
  query?: Q;
  /** Sent as multipart/form-data instead of JSON (the route's fields and its files). */
  form?: FormData;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** A path the hub serves with that method, else a type error naming the problem. */
type Served<P extends string, M extends Method> = [RouteOf<P>] extends [never]
  ? 'the hub serves no such path'
  : [paths[RouteOf<P>][Lowercase<M>]] extends [undefined]
    ? `the hub does not serve ${Uppercase<M>} here`
    : P;

/** `path?query` from the query object (arrays repeat the name). */
export function withQuery(path: string, query: unknown): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query as Record<string, unknown>)) {
    if (value === undefined || value === null) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(name, String(v));
  }
  const q = params.toString();
  return q ? `${path}?${q}` : path;
}

/** Calls the API; resolves to the route's success body (null for 204, text for a non-JSON answer). */
export function api<P extends ApiPath, M extends Method = 'get'>(
  path: Served<P, M>,
  options: CallOptions<M, BodyOf<Operation<P, M>>, QueryOf<Operation<P, M>>> = {},
): Promise<SuccessOf<Operation<P, M>>> {
  return request(path, options) as Promise<SuccessOf<Operation<P, M>>>;
}

/** The untyped call under api(), for helpers that type their answer themselves (the app's getWithCache). */
export async function request(path: string, options: CallOptions = {}): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  const session = loadSession();
  if (session) headers.authorization = `Bearer ${session.token}`;
  let body: BodyInit | undefined;
  if (options.form) body = options.form;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const method = (options.method ?? 'get').toUpperCase();
  const res = await fetch(withQuery(path, options.query), { method, headers, body, signal: options.signal });
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
  return data;
}

/** Fetches a protected binary (a photo) as an object URL for an <img>. */
export async function blobUrl(path: string): Promise<string> {
  const session = loadSession();
  const res = await fetch(path, { headers: session ? { authorization: `Bearer ${session.token}` } : {} });
  if (!res.ok) throw new ApiError(res.status, { title: res.statusText, status: res.status });
  return URL.createObjectURL(await res.blob());
}

/**
 * Refusals whose problem names a field or a business rule ("a false report needs a reason", "case … kept
 * changing; reload it and retry"): the hub's message tells the user what to change, so it is shown.
 */
const REFUSALS_IN_HUB_WORDS = new Set([400, 409, 413, 415, 422]);

/** Whether the hub's own message of a failed call is meant for the user (a refused input or rule). */
export const speaksForUser = (err: unknown): err is ApiError =>
  err instanceof ApiError && REFUSALS_IN_HUB_WORDS.has(err.status);

/**
 * A failed call as one line for the page, the one rule of every page and the app: a refused input or
 * business rule (400, 409, 413, 415, 422) keeps the hub's detail and each field's message; any other
 * answer — a server failure (5xx), no answer at all, 401/403/404/429 — reads in words of the UI's language
 * saying what the reader can do, since the hub's detail there is English for the log and the operators
 * ("internal error"). An error that is no API call's (a file that cannot be read) keeps its message.
 */
/**
 * The 403s that say why (src/errors.ts forbidden(...) across the hub), each in the UI's words: the detail
 * is English for the log, but the reason is what the reader needs ("held by another unit", "now the
 * leader's to decide"). A refusal not listed here reads as the generic error.forbidden.
 */
const FORBIDDEN_REASONS: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^case (\S+) is held by another unit/, (m) => t('error.forbidden.otherUnit', { no: m[1]! })],
  [
    /^case (\S+) was not dispatched through your sub-centre/,
    (m) => t('error.forbidden.otherSubCentre', { no: m[1]! }),
  ],
  [
    /^inbox item \S+ is at \S+ level (\d+)/,
    (m) =>
      t('error.forbidden.inboxLevel', {
        level: m[1]!,
        who: label('role', Number(m[1]) >= 2 ? 'leader' : 'shift_leader'),
      }),
  ],
  [
    /requires one of: (.+)$/,
    (m) =>
      t('error.forbidden.roles', {
        roles: m[1]!
          .split(', ')
          .map((r) => label('role', r))
          .join(t('app.listSep')),
      }),
  ],
  [/^a department handler without a department/, () => t('error.forbidden.noDepartment')],
  [/^a department sees only its own/, () => t('error.forbidden.ownDepartment')],
  [/was sent to another unit$/, () => t('error.forbidden.instructionElsewhere')],
  [/^only the phone that reported it may rate it/, () => t('error.forbidden.otherPhone')],
  [/^广告店招档案只能由/, () => t('error.forbidden.adSignUnit')],
];

/** A 403 in words: its reason when the hub gave a known one, else that the role may not. */
function forbiddenReason(detail: string | undefined): string {
  for (const [pattern, words] of FORBIDDEN_REASONS) {
    const m = detail ? pattern.exec(detail) : null;
    if (m) return words(m);
  }
  return t('error.forbidden');
}

export function describeError(err: unknown): string {
  if (speaksForUser(err)) {
    const fields = (err.problem.errors ?? []).map((e) => (e.field ? `${e.field}: ${e.message}` : e.message));
    return [err.message, ...fields].join(' · ');
  }
  if (err instanceof ApiError) {
    const { status } = err;
    if (status === 401) return t('error.unauthenticated');
    if (status === 403) return forbiddenReason(err.problem.detail);
    if (status === 404) return t('error.notFound');
    if (status === 429) return t('error.busy');
    if (status === 503) return t('error.unavailable');
    return t('error.server');
  }
  // fetch rejects with a TypeError when no answer came (offline, server down, connection reset).
  if (err instanceof TypeError) return t('error.network');
  return err instanceof Error ? err.message : String(err);
}

/** The items of a list the hub answers as `{ items: [...] }`. */
/** What a GET of a filled-in path answers. */
export type ApiGet<P extends string> = SuccessOf<Operation<P, 'get'>>;
/** The query parameters a GET of a filled-in path takes. */
export type ApiQuery<P extends string> = QueryOf<Operation<P, 'get'>>;

/** The names of the role actions on a case: POST /api/cases/{id}/actions/<name>. */
export type CaseActionName = Paths extends infer K
  ? K extends `/api/cases/{id}/actions/${infer N}`
    ? N
    : never
  : never;
/** What every case action answers (the status after it and the recorded event). */
export type CaseActionResult = Success<'/api/cases/{id}/actions/accept', 'post'>;

/**
 * A role action on a case chosen at run time (the desk's and 处置通's buttons), with a JSON body or a
 * multipart form (the photos of 处置完成); the hub validates the body against that action's schema.
 */
export function caseAction(
  caseId: string,
  name: CaseActionName,
  payload: Record<string, unknown> | FormData,
  headers?: Record<string, string>,
): Promise<CaseActionResult> {
  return request(`/api/cases/${encodeURIComponent(caseId)}/actions/${name}`, {
    method: 'POST',
    headers,
    ...(payload instanceof FormData ? { form: payload } : { body: payload }),
  }) as Promise<CaseActionResult>;
}

/** The query parameters of a route's GET (to build them before the call). */
export type Query<K extends Paths> = QueryOf<NonNullable<paths[K]['get']>>;

export function listItems<P extends ApiPath>(
  path: Served<P, 'get'>,
  options: CallOptions<'get', never, QueryOf<Operation<P, 'get'>>> = {},
): Promise<SuccessOf<Operation<P, 'get'>> extends { items: infer I } ? I : never> {
  return request(path, options).then((r) => (r as { items: never }).items);
}

/** Runs `read` (a page loading its data): what went wrong, as describeError says it, or '' when it worked. */
export async function failureOf(read: () => Promise<unknown>): Promise<string> {
  try {
    await read();
    return '';
  } catch (err) {
    return describeError(err);
  }
}
