/**
 * The hub's one error family. Every error the hub raises on purpose is a HubError with a stable `type`
 * (a short slug, rendered as the problem `type` URI), an HTTP status, whether retrying can help, and the
 * cause. The API renders them as RFC 9457 problem+json; workers map `retryable` to fail-with-backoff and
 * the rest to incidents or BPMN errors.
 */

/** One field-level message, e.g. `{ field: 'body.categoryCode', message: 'unknown category 9999' }`. */
export interface FieldError {
  field: string;
  message: string;
}

export interface HubErrorOptions {
  status?: number;
  retryable?: boolean;
  cause?: unknown;
  errors?: FieldError[];
  /** Extra members of the problem document (RFC 9457 extension members). */
  extensions?: Record<string, unknown>;
}

export class HubError extends Error {
  readonly type: string;
  readonly status: number;
  readonly retryable: boolean;
  readonly errors: FieldError[];
  readonly extensions: Record<string, unknown>;

  constructor(type: string, message: string, options: HubErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'HubError';
    this.type = type;
    this.status = options.status ?? 500;
    this.retryable = options.retryable ?? false;
    this.errors = options.errors ?? [];
    this.extensions = options.extensions ?? {};
  }
}

/** 400: the request (or job input) is malformed; `errors` names each bad field. */
export const validationError = (message: string, errors: FieldError[] = [], cause?: unknown) =>
  new HubError('validation', message, { status: 400, errors, cause });

/** 401: no or bad credentials. */
export const unauthenticated = (message = 'authentication required') =>
  new HubError('unauthenticated', message, { status: 401 });

/** 403: authenticated, but the role (or department) may not do this. */
export const forbidden = (message: string) => new HubError('forbidden', message, { status: 403 });

/** 404: the named thing does not exist. */
export const notFound = (what: string) => new HubError('not-found', `${what} not found`, { status: 404 });

/** 409: the request conflicts with the current state (wrong case status, duplicate, stale version). */
export const conflict = (message: string, extensions?: Record<string, unknown>) =>
  new HubError('conflict', message, { status: 409, extensions });

/** 429: too many requests (login rate limit). */
export const tooManyRequests = (message: string, retryAfterSeconds: number) =>
  new HubError('too-many-requests', message, { status: 429, extensions: { retryAfter: retryAfterSeconds } });

/**
 * 503: a dependency (database, engine, legacy system) is unreachable; retrying later may help. With
 * `retryAfterSeconds` the answer carries Retry-After (and `retryAfter` in the problem).
 */
export const unavailable = (message: string, cause?: unknown, retryAfterSeconds?: number) =>
  new HubError('unavailable', message, {
    status: 503,
    retryable: true,
    cause,
    extensions: retryAfterSeconds === undefined ? {} : { retryAfter: retryAfterSeconds },
  });

/**
 * An error a route answers in its own protocol's format (Open311's error list in XML or JSON) instead of
 * problem+json; the error middleware sends `body` as it is.
 */
export class ProtocolError extends HubError {
  constructor(
    status: number,
    message: string,
    readonly body: string,
    readonly contentType: string,
  ) {
    super('protocol', message, { status });
  }
}

/** RFC 9457 problem document. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Base of the problem `type` URIs; the slugs are documented in the OpenAPI description. */
export const PROBLEM_TYPE_BASE = 'https://chengguan-hub.dev/problems/';

/**
 * Renders any thrown value as a problem document. Unknown errors become a 500 whose detail does not leak
 * internals (the error sink logs the original).
 */
export function toProblem(err: unknown, instance?: string): Problem {
  if (err instanceof HubError) {
    return {
      ...err.extensions,
      type: PROBLEM_TYPE_BASE + err.type,
      title: titles[err.status] ?? 'Error',
      status: err.status,
      detail: err.message,
      ...(instance ? { instance } : {}),
      ...(err.errors.length ? { errors: err.errors } : {}),
    };
  }
  return {
    type: PROBLEM_TYPE_BASE + 'internal',
    title: titles[500]!,
    status: 500,
    detail: 'internal error',
    ...(instance ? { instance } : {}),
  };
}
