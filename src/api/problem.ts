/**
 * The one error middleware. Every error becomes an RFC 9457 problem+json response (via toProblem); the
 * requests no route answered become 404 or 405 problems. Unexpected errors (anything but a HubError
 * below 500) are logged here, once, with the request's logger — the error sink — and the client only
 * sees a generic 500 with the request id to quote.
 */
import type { Middleware } from 'koa';
import { databaseOutage } from '../db/errors.ts';
import { HubError, ProtocolError, toProblem, unavailable } from '../errors.ts';
import type { ApiState } from './route.ts';

const slugs: Record<number, string> = {
  400: 'validation',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  409: 'conflict',
  413: 'content-too-large',
  415: 'unsupported-media-type',
  429: 'too-many-requests',
};

/**
 * Seconds a client is asked to wait when the database is away. A PostgreSQL restart took 7–14 s in the
 * soak (bench/README.md) and a busy pool frees within seconds: 5 s spreads the retries without making a
 * person wait long for an answer that would then succeed.
 */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * HubErrors as they are; the database unreachable, its connection lost or out of time is a 503 naming
 * that in words (src/db/errors.ts); client errors from Koa or its libraries (`ctx.throw(409, …)`,
 * http-errors with `expose`) keep their status and message; anything else is unexpected.
 */
function asHubError(err: unknown): HubError | undefined {
  if (err instanceof HubError) return err;
  const outage = databaseOutage(err);
  if (outage) return unavailable(`${outage}; try again shortly`, err, DATABASE_RETRY_AFTER_SECONDS);
  const e = err as { status?: unknown; expose?: unknown; message?: unknown } | null;
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.expose === true) {
    return new HubError(slugs[e.status] ?? 'client-error', String(e.message), {
      status: e.status,
      cause: err,
    });
  }
  return undefined;
}

/** Creates the error-rendering middleware; it must run inside requestContext. */
export function problemRenderer(): Middleware<ApiState> {
  return async (ctx, next) => {
    try {
      await next();
      // Nothing answered: the router leaves 404 (no path matched) or 405/501 (path matched, method not).
      if ((ctx.body === undefined || ctx.body === null) && [404, 405, 501].includes(ctx.status)) {
        const allow = String(ctx.response.get('Allow') ?? '')
          .split(/,\s*/)
          .filter(Boolean);
        if (ctx.status === 404 || allow.length === 0) {
          throw new HubError('not-found', `no route for ${ctx.method} ${ctx.path}`, { status: 404 });
        }
        throw new HubError('method-not-allowed', `${ctx.method} is not allowed on ${ctx.path}`, {
          status: 405,
          extensions: { allow },
        });
      }
    } catch (err) {
      if (err instanceof ProtocolError) {
        ctx.status = err.status;
        ctx.type = err.contentType;
        ctx.body = err.body;
        return;
      }
      const hubError = asHubError(err);
      // The error sink: bugs and unknown failures at error level, expected outages (503) at warn.
      if (!hubError || hubError.status === 500) ctx.state.log.error({ err }, 'request failed');
      else if (hubError.status > 500) ctx.state.log.warn({ err }, 'request failed');
      const problem = { ...toProblem(hubError ?? err, ctx.path), requestId: ctx.state.requestId };
      if (typeof hubError?.extensions.retryAfter === 'number') {
        ctx.set('Retry-After', String(hubError.extensions.retryAfter));
      }
      if (problem.status === 401) ctx.set('WWW-Authenticate', 'Bearer');
      ctx.status = problem.status;
      ctx.type = 'application/problem+json';
      ctx.body = problem;
    }
  };
}
