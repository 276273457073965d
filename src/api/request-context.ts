/**
 * The outermost middleware: gives each request an id (a sane incoming X-Request-Id, else a fresh UUID),
 * echoes it in the response, binds a child logger carrying it, and writes one access-log line when the
 * request ends.
 */
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../log.ts';
import type { ApiState } from './route.ts';

// Long enough for UUIDs and trace ids, short and plain enough that a client cannot inject into logs.
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Creates the request-id and access-log middleware. */
export function requestContext(logger: Logger): Middleware<ApiState> {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    const incoming = ctx.get('X-Request-Id');
    const requestId = SANE_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = logger.child({ reqId: requestId });
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      ctx.state.log.info(
        {
          method: ctx.method,
          path: ctx.path,
          status: ctx.status,
          ms: Math.round(ms * 10) / 10,
          user: ctx.state.principal?.username,
        },
        'request',
      );
    }
  };
}
