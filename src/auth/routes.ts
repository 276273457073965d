/**
 * Session routes: log in, log out, who am I.
 */
import { z } from 'zod';
import { validationError } from '../errors.ts';
import { defineRoute, type Route } from '../api/route.ts';
import type { Auth } from './auth.ts';
import { ROLES, type Principal } from './roles.ts';

/** The caller as the API shows it. */
export const principalSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  kind: z.enum(['person', 'service']),
  roles: z.array(z.enum(ROLES)),
  departmentId: z.string().nullable(),
});

const principalView = (p: Principal): z.input<typeof principalSchema> => ({
  id: p.userId,
  username: p.username,
  displayName: p.displayName,
  kind: p.kind,
  roles: p.roles,
  departmentId: p.departmentId,
});

/** POST /api/auth/login, POST /api/auth/logout, GET /api/auth/me. */
export function authRoutes({ auth }: { auth: Auth }): Route[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/api/auth/login',
      summary: 'Log in with user name and password',
      description:
        'Returns a bearer token with its expiry. Failed logins are limited per user name and client ' +
        'address (429 with Retry-After); the answer never tells whether the user name exists.',
      tags: ['auth'],
      access: 'public',
      body: z.object({
        username: z.string().min(1).max(100),
        password: z.string().min(1).max(1000),
      }),
      responses: {
        200: {
          description: 'Logged in',
          schema: z.object({ token: z.string(), expiresAt: z.iso.datetime(), user: principalSchema }),
        },
      },
      handler: async ({ body, ctx }) => {
        const session = await auth.login({ ...body, ip: ctx.ip });
        return {
          token: session.token,
          expiresAt: session.expiresAt.toISOString(),
          user: principalView(session.principal),
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/auth/logout',
      summary: 'Log out: revoke the session token used for this request',
      tags: ['auth'],
      access: 'authenticated',
      responses: { 204: { description: 'The session is revoked' } },
      handler: async ({ principal }) => {
        if (principal.credential.type !== 'session') {
          throw validationError('API tokens are revoked by an administrator, not by logging out');
        }
        await auth.revokeSession(principal.credential.id);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/auth/me',
      summary: 'The authenticated caller: user, roles, department',
      tags: ['auth'],
      access: 'authenticated',
      responses: { 200: { description: 'The caller', schema: principalSchema } },
      handler: async ({ principal }) => principalView(principal),
    }),
  ];
}
