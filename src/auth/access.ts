/**
 * The one access middleware. Every non-public route goes through it with its declared access: no or bad
 * credentials → 401, none of the allowed roles → 403, otherwise the principal is put on ctx.state.
 */
import type { Middleware } from 'koa';
import { forbidden, unauthenticated } from '../errors.ts';
import { allows, type Access, type Principal } from './roles.ts';

/** Resolves the caller from a bearer token; rejects with a 401 HubError when it is not valid. */
export type Authenticate = (token: string) => Promise<Principal>;

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** Creates the access middleware for one route's declaration. */
export function requireAccess(
  access: Access,
  authenticate: Authenticate,
): Middleware<{ principal?: Principal }> {
  return async (ctx, next) => {
    if (access !== 'public') {
      const header = ctx.get('Authorization');
      if (!header) throw unauthenticated();
      const token = BEARER.exec(header)?.[1];
      if (!token) throw unauthenticated('expected Authorization: Bearer <token>');
      const principal = await authenticate(token);
      ctx.state.principal = principal;
      if (!allows(access, principal)) {
        const allowed = access === 'authenticated' ? 'any role' : access.join(', ');
        throw forbidden(`${ctx.method} ${ctx.path} requires one of: ${allowed}`);
      }
    }
    await next();
  };
}
