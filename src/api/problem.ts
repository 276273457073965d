/**
 * The one error middleware. Every error becomes an RFC 9457 problem+json response (via toProblem); the
 * requests no route answered become 404 or 405 problems. Unexpected errors (anything but a HubError
 * below 500) are logged here, once, with the request's logger — the error sink — and the client only
 * sees a generic 500 with the request id to quote.
 */
import type { Middleware } from 'koa';
import { HubError, toProblem } from '../errors.ts';
import type { ApiState } from './route.ts';

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
      const hubError = err instanceof HubError ? err : undefined;
      // The error sink: bugs and unknown failures at error level, expected outages (503) at warn.
      if (!hubError || hubError.status === 500) ctx.state.log.error({ err }, 'request failed');
      else if (hubError.status > 500) ctx.state.log.warn({ err }, 'request failed');
      const problem = { ...toProblem(err, ctx.path), requestId: ctx.state.requestId };
      if (hubError?.status === 429 && typeof hubError.extensions.retryAfter === 'number') {
        ctx.set('Retry-After', String(hubError.extensions.retryAfter));
      }
      if (problem.status === 401) ctx.set('WWW-Authenticate', 'Bearer');
      ctx.status = problem.status;
      ctx.type = 'application/problem+json';
      ctx.body = problem;
    }
  };
}
