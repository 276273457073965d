/**
 * User administration (administrators only): list, create, update roles/active/password/department, and
 * the API tokens of service accounts (created and shown once, listed without the secret, revoked).
 */
import { z } from 'zod';
import type { Db } from '../db/index.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { conflict, notFound, validationError } from '../errors.ts';
import { defineRoute, type Route } from '../api/route.ts';
import type { Auth } from './auth.ts';
import type { Config } from '../config.ts';
import { hashPassword } from './password.ts';
import { assertPasswordPolicy } from './password-policy.ts';
import { ROLES } from './roles.ts';

const ADMIN = ['administrator'] as const;

const userSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  kind: z.enum(['person', 'service']),
  roles: z.array(z.enum(ROLES)),
  departmentId: z.string().nullable(),
  email: z.string().nullable().describe('where the hub mails this person (督办, reports)'),
  active: z.boolean(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

const tokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime().nullable(),
  lastUsedAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
});

// Length, user name, common passwords and strength are checked in the handler (password-policy.ts),
// which knows the user name and answers in the administrator's words.
const password = z
  .string()
  .max(1000)
  .describe(
    'At least AUTH_PASSWORD_MIN_LENGTH (10) characters, not containing the user name, not a common password, strong enough (AUTH_PASSWORD_MIN_SCORE); a broken rule is 400 with `rule`: length, username, common or strength.',
  );
const roles = z.array(z.enum(ROLES)).refine((r) => new Set(r).size === r.length, 'roles repeat');
const idParams = z.object({ id: z.string().min(1) });
const email = z.email('expected a mail address').max(320).nullable().optional();

const iso = (d: Date | null) => (d ? d.toISOString() : null);

interface UserRow {
  id: string;
  username: string;
  displayName: string;
  kind: 'person' | 'service';
  departmentId: string | null;
  email: string | null;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
  roles: { role: string }[];
}

const userView = (u: UserRow): z.input<typeof userSchema> => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName,
  kind: u.kind,
  roles: u.roles.map((r) => r.role as (typeof ROLES)[number]).sort(),
  departmentId: u.departmentId,
  email: u.email,
  active: u.active,
  createdAt: u.createdAt.toISOString(),
  updatedAt: u.updatedAt.toISOString(),
});

const withRoles = { roles: { select: { role: true } } } as const;

/** The /api/users routes. */
export function userRoutes({ db, auth, config }: { db: Db; auth: Auth; config: Config }): Route[] {
  async function checkDepartment(departmentId: string | null | undefined) {
    if (!departmentId) return;
    const found = await db.prisma.department.findUnique({
      where: { id: departmentId },
      select: { id: true },
    });
    if (!found) {
      throw validationError('unknown department', [
        { field: 'body.departmentId', message: `no department ${departmentId}` },
      ]);
    }
  }

  async function loadUser(id: string) {
    const user = await db.prisma.user.findUnique({ where: { id }, include: withRoles });
    if (!user) throw notFound(`user ${id}`);
    return user;
  }

  return [
    defineRoute({
      method: 'GET',
      path: '/api/users',
      summary: 'List users and service accounts',
      tags: ['users'],
      access: ADMIN,
      responses: { 200: { description: 'All users', schema: z.object({ items: z.array(userSchema) }) } },
      handler: async () => {
        const users = await db.prisma.user.findMany({ include: withRoles, orderBy: { username: 'asc' } });
        return { items: users.map(userView) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/users/:id',
      summary: 'One user',
      tags: ['users'],
      access: ADMIN,
      params: idParams,
      responses: { 200: { description: 'The user', schema: userSchema } },
      handler: async ({ params }) => userView(await loadUser(params.id)),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/users',
      summary: 'Create a user (person with password) or a service account (API tokens only)',
      tags: ['users'],
      access: ADMIN,
      body: z
        .object({
          username: z
            .string()
            .regex(/^[A-Za-z0-9._-]{2,64}$/, 'expected 2–64 letters, digits, dots, dashes or underscores'),
          displayName: z.string().min(1).max(200),
          kind: z.enum(['person', 'service']).default('person'),
          password: password.optional(),
          roles: roles.default([]),
          departmentId: z.string().nullable().optional(),
          email,
        })
        .superRefine((b, ctx) => {
          if (b.kind === 'person' && b.password === undefined) {
            ctx.addIssue({ code: 'custom', path: ['password'], message: 'a person needs a password' });
          }
          if (b.kind === 'service' && b.password !== undefined) {
            ctx.addIssue({
              code: 'custom',
              path: ['password'],
              message: 'service accounts use API tokens, not passwords',
            });
          }
        }),
      responses: { 201: { description: 'Created', schema: userSchema } },
      handler: async ({ body, principal, log }) => {
        if (body.password !== undefined) assertPasswordPolicy(body.password, body, config);
        await checkDepartment(body.departmentId);
        try {
          const user = await db.prisma.user.create({
            data: {
              username: body.username,
              displayName: body.displayName,
              kind: body.kind,
              passwordHash: body.password ? await hashPassword(body.password) : null,
              departmentId: body.departmentId ?? null,
              email: body.email ?? null,
              roles: { create: body.roles.map((role) => ({ role })) },
            },
            include: withRoles,
          });
          log.info(
            { by: principal.username, userId: user.id, username: user.username, roles: body.roles },
            'user created',
          );
          return userView(user);
        } catch (err) {
          if (isUniqueViolation(err)) throw conflict(`user name ${body.username} is taken`);
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: '/api/users/:id',
      summary: 'Change a user’s name, roles, department, active flag or password',
      description: 'Deactivating a user or changing the password ends the user’s open sessions.',
      tags: ['users'],
      access: ADMIN,
      params: idParams,
      body: z.object({
        displayName: z.string().min(1).max(200).optional(),
        roles: roles.optional(),
        departmentId: z.string().nullable().optional(),
        email,
        active: z.boolean().optional(),
        password: password.optional(),
      }),
      responses: { 200: { description: 'The updated user', schema: userSchema } },
      handler: async ({ params, body, principal, log }) => {
        const user = await loadUser(params.id);
        if (body.password !== undefined && user.kind === 'service') {
          throw validationError('service accounts have no password', [
            { field: 'body.password', message: 'service accounts use API tokens, not passwords' },
          ]);
        }
        if (body.password !== undefined)
          assertPasswordPolicy(
            body.password,
            { ...user, displayName: body.displayName ?? user.displayName },
            config,
          );
        await checkDepartment(body.departmentId);
        const passwordHash = body.password === undefined ? undefined : await hashPassword(body.password);
        const updated = await db.prisma.$transaction(async (tx) => {
          if (body.roles) {
            await tx.userRole.deleteMany({ where: { userId: user.id } });
            await tx.userRole.createMany({ data: body.roles.map((role) => ({ userId: user.id, role })) });
          }
          return tx.user.update({
            where: { id: user.id },
            data: {
              displayName: body.displayName,
              departmentId: body.departmentId,
              email: body.email,
              active: body.active,
              passwordHash,
            },
            include: withRoles,
          });
        });
        auth.forgetUser(user.id);
        if (passwordHash !== undefined || body.active === false) await auth.revokeUserSessions(user.id);
        const { password: _secret, ...change } = body;
        log.info(
          {
            by: principal.username,
            userId: user.id,
            username: user.username,
            change,
            passwordReset: passwordHash !== undefined,
          },
          'user updated',
        );
        return userView(updated);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/users/:id/tokens',
      summary: 'List a service account’s API tokens (without the secrets)',
      tags: ['users'],
      access: ADMIN,
      params: idParams,
      responses: { 200: { description: 'The tokens', schema: z.object({ items: z.array(tokenSchema) }) } },
      handler: async ({ params }) => {
        await loadUser(params.id);
        const tokens = await db.prisma.apiToken.findMany({
          where: { userId: params.id },
          orderBy: { createdAt: 'asc' },
        });
        return {
          items: tokens.map((t) => ({
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            createdAt: t.createdAt.toISOString(),
            expiresAt: iso(t.expiresAt),
            lastUsedAt: iso(t.lastUsedAt),
            revokedAt: iso(t.revokedAt),
          })),
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/users/:id/tokens',
      summary: 'Create an API token for a service account; the token is shown only in this answer',
      tags: ['users'],
      access: ADMIN,
      params: idParams,
      body: z.object({
        name: z.string().min(1).max(200),
        expiresAt: z.iso.datetime({ offset: true }).optional(),
      }),
      responses: {
        201: {
          description: 'Created; `token` is the bearer secret',
          schema: tokenSchema
            .pick({ id: true, name: true, prefix: true, createdAt: true, expiresAt: true })
            .extend({ token: z.string() }),
        },
      },
      handler: async ({ params, body }) => {
        const expiresAt = body.expiresAt ? new Date(body.expiresAt) : undefined;
        if (expiresAt && expiresAt.getTime() <= Date.now()) {
          throw validationError('expiry in the past', [
            { field: 'body.expiresAt', message: 'expected a future time' },
          ]);
        }
        const created = await auth.createApiToken(params.id, { name: body.name, expiresAt });
        return {
          ...created,
          createdAt: created.createdAt.toISOString(),
          expiresAt: iso(created.expiresAt),
        };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/users/:id/tokens/:tokenId',
      summary: 'Revoke an API token',
      tags: ['users'],
      access: ADMIN,
      params: z.object({ id: z.string().min(1), tokenId: z.string().min(1) }),
      responses: { 204: { description: 'Revoked' } },
      handler: async ({ params }) => {
        await auth.revokeApiToken(params.id, params.tokenId);
      },
    }),
  ];
}
