/**
 * The one JSON HTTP client of the adapters' transports (hotline, utilities, the sanitation platform's
 * Camunda 7 REST), so every legacy system is called with the same rule for what a failure means:
 * - 2xx: the parsed JSON body (null when empty);
 * - 4xx other than 408 and 429: PermanentDeliveryError — the system refused this message, sending it
 *   again gives the same answer, so the outbox dead-letters it at once;
 * - 5xx, 408, 429, a network error or no answer within the timeout: RetryableHttpError — try again
 *   later; when the answer carried Retry-After (seconds or an HTTP date) `retryAfterMs` says how long the
 *   system asked to be left alone, and the outbox waits at least that long.
 * A protocol whose "not yet" is a 4xx (a utility company answers 409 to a note on an order it has not
 * created yet) names that status in `alsoRetry`; the rule stays in this one place.
 */
import { PermanentDeliveryError } from './types.ts';

/** A failure worth retrying; `retryAfterMs` when the system said when to come back. */
export class RetryableHttpError extends Error {
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: { status?: number; retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'RetryableHttpError';
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export interface JsonClientOptions {
  /** Named in error messages and logs: `hotline GET /api/tickets: HTTP 503 …`. */
  name: string;
  /** The system's base URL, or a function giving it (a simulator's port is known late). */
  baseUrl: string | (() => string);
  /** Headers of every call (authorization); a function is read per call. */
  headers?: Record<string, string> | (() => Record<string, string>);
  /** Milliseconds until a call without an answer counts as failed (retryable); default 10 s. */
  timeoutMs?: number;
  /** 4xx statuses this protocol uses for "not yet, try again" (retryable instead of permanent). */
  alsoRetry?: readonly number[];
}

export interface JsonClient {
  /** One call: JSON body out (when given), JSON back; throws PermanentDeliveryError or RetryableHttpError. */
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
}

/** Whether an HTTP status means success, a permanent refusal or a failure worth retrying. */
export function classifyStatus(
  status: number,
  alsoRetry: readonly number[] = [],
): 'ok' | 'permanent' | 'retryable' {
  if (status >= 200 && status < 300) return 'ok';
  if (status >= 400 && status < 500 && status !== 408 && status !== 429 && !alsoRetry.includes(status))
    return 'permanent';
  return 'retryable';
}

/** Retry-After (RFC 9110 §10.2.3: delay-seconds or an HTTP date) in ms from `now`; undefined if absent or bad. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function createJsonClient(options: JsonClientOptions): JsonClient {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const baseOf = () =>
    (typeof options.baseUrl === 'function' ? options.baseUrl() : options.baseUrl).replace(/\/$/, '');
  const headersOf = () =>
    typeof options.headers === 'function' ? options.headers() : (options.headers ?? {});
  return {
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      const what = `${options.name} ${method} ${path}`;
      let res: Response;
      let text: string;
      try {
        res = await fetch(baseOf() + path, {
          method,
          headers: { ...headersOf(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
        text = await res.text();
      } catch (err) {
        // Refused connection, reset, DNS, or the timeout (the body counts: a stalled answer is no answer).
        const timedOut = (err as Error)?.name === 'TimeoutError';
        const reason = timedOut ? `no answer within ${timeoutMs} ms` : (err as Error).message;
        throw new RetryableHttpError(`${what}: ${reason}`, { cause: err });
      }
      const verdict = classifyStatus(res.status, options.alsoRetry);
      const message = `${what}: HTTP ${res.status} ${text.slice(0, 300)}`;
      if (verdict === 'permanent') throw new PermanentDeliveryError(message);
      if (verdict === 'retryable')
        throw new RetryableHttpError(message, {
          status: res.status,
          retryAfterMs: retryAfterMs(res.headers.get('retry-after')),
        });
      if (!text) return null as T;
      try {
        return JSON.parse(text) as T;
      } catch (cause) {
        // A 2xx that is not JSON: a proxy's page or a half-deployed system; it may answer right later.
        throw new RetryableHttpError(`${what}: answer is not JSON: ${text.slice(0, 100)}`, { cause });
      }
    },
  };
}
