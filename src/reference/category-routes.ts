/**
 * Category administration: create and change categories (事件/部件) and replace their time limits
 * (CategoryLimit per urgency and step, working or natural time). The deadline worker reads the limits
 * from the case store each time it computes a deadline, so a change applies to the next deadline.
 */
import { z } from 'zod';
import { defineRoute, type Route } from '../api/route.ts';
import type { Db } from '../db/index.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { conflict, notFound, validationError, type FieldError } from '../errors.ts';
import { bumpReferenceGeneration } from './generation.ts';
import { ADMIN, idParams, logChange } from './admin.ts';

const URGENCIES = ['normal', 'urgent', 'critical'] as const;
const STEPS = ['accept', 'verify', 'register', 'dispatch', 'sign', 'dispose', 'check'] as const;
/** 90 natural days: longer limits are typos (minutes entered as seconds) rather than rules. */
const MAX_LIMIT_MINUTES = 90 * 24 * 60;

const limitSchema = z.object({
  urgency: z.enum(URGENCIES),
  step: z.enum(STEPS),
  limitMinutes: z
    .number()
    .int('expected whole minutes')
    .positive('expected more than 0 minutes')
    .max(MAX_LIMIT_MINUTES, `expected at most ${MAX_LIMIT_MINUTES} minutes (90 days)`),
  timeMode: z.enum(['working', 'natural']).default('working'),
  source: z.string().trim().max(500).nullable().optional(),
});

export const adminCategorySchema = z.object({
  id: z.string(),
  kind: z.enum(['event', 'component']),
  code: z.string(),
  majorCode: z.string(),
  majorName: z.string(),
  name: z.string(),
  defaultDepartmentId: z.string().nullable(),
  active: z.boolean(),
  limits: z.array(
    z.object({
      urgency: z.enum(URGENCIES),
      step: z.enum(STEPS),
      limitMinutes: z.number().int(),
      timeMode: z.enum(['working', 'natural']),
      source: z.string().nullable(),
    }),
  ),
});

const limitSelect = { urgency: true, step: true, limitMinutes: true, timeMode: true, source: true } as const;
const withLimits = {
  limits: { orderBy: [{ step: 'asc' as const }, { urgency: 'asc' as const }], select: limitSelect },
};

type CategoryRow = Omit<z.input<typeof adminCategorySchema>, never> & { createdAt?: Date; updatedAt?: Date };
/** Limits in the order of the steps, then urgencies (PostgreSQL sorts enums by declaration, SQLite by text). */
const view = ({ createdAt: _c, updatedAt: _u, ...c }: CategoryRow): z.input<typeof adminCategorySchema> => ({
  ...c,
  limits: [...c.limits].sort(
    (a, b) =>
      STEPS.indexOf(a.step) - STEPS.indexOf(b.step) ||
      URGENCIES.indexOf(a.urgency) - URGENCIES.indexOf(b.urgency),
  ),
});

/** One limit per (urgency, step): a second entry for the same pair names both positions. */
function checkUniqueLimits(limits: { urgency: string; step: string }[], base: string) {
  const seen = new Map<string, number>();
  const errors: FieldError[] = [];
  limits.forEach((l, i) => {
    const key = `${l.urgency}/${l.step}`;
    const first = seen.get(key);
    if (first !== undefined) {
      errors.push({
        field: `${base}.${i}`,
        message: `a second limit for ${key} (first at ${base}.${first})`,
      });
    } else seen.set(key, i);
  });
  if (errors.length) throw validationError('one limit per urgency and step', errors);
}

/** POST/PATCH /api/categories, PUT /api/categories/:id/limits. */
export function categoryRoutes({ db }: { db: Db }): Route[] {
  const { prisma } = db;

  async function checkDepartment(id: string | null | undefined) {
    if (!id) return;
    const found = await prisma.department.findUnique({ where: { id }, select: { active: true } });
    if (!found) {
      throw validationError('unknown department', [
        { field: 'body.defaultDepartmentId', message: `no department ${id}` },
      ]);
    }
    if (!found.active) {
      throw validationError('inactive department', [
        { field: 'body.defaultDepartmentId', message: `department ${id} is deactivated` },
      ]);
    }
  }

  async function load(id: string) {
    const row = await prisma.category.findUnique({ where: { id }, include: withLimits });
    if (!row) throw notFound(`category ${id}`);
    return row;
  }

  return [
    defineRoute({
      method: 'GET',
      path: '/api/categories/:id',
      summary: 'One category with its time limits',
      tags: ['admin'],
      access: 'authenticated',
      params: idParams,
      responses: { 200: { description: 'The category', schema: adminCategorySchema } },
      handler: async ({ params }) => view(await load(params.id)),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/categories',
      summary: 'Create a category with its time limits',
      description:
        '`code` is 4 digits: major (2) + minor (2); the major code is its first two digits. 409 when kind+code exists.',
      tags: ['admin'],
      access: ADMIN,
      body: z.object({
        kind: z.enum(['event', 'component']),
        code: z.string().regex(/^\d{4}$/, 'expected 4 digits (major + minor)'),
        majorName: z.string().trim().min(1).max(100),
        name: z.string().trim().min(1).max(200),
        defaultDepartmentId: z.string().min(1).nullable().optional(),
        limits: z.array(limitSchema).default([]),
      }),
      responses: { 201: { description: 'Created', schema: adminCategorySchema } },
      handler: async ({ body, principal, log }) => {
        checkUniqueLimits(body.limits, 'body.limits');
        await checkDepartment(body.defaultDepartmentId);
        try {
          const row = await prisma.category.create({
            data: {
              kind: body.kind,
              code: body.code,
              majorCode: body.code.slice(0, 2),
              majorName: body.majorName,
              name: body.name,
              defaultDepartmentId: body.defaultDepartmentId ?? null,
              limits: { create: body.limits.map((l) => ({ ...l, source: l.source ?? null })) },
            },
            include: withLimits,
          });
          logChange(log, principal, 'category created', {
            categoryId: row.id,
            kind: row.kind,
            code: row.code,
          });
          return view(row);
        } catch (err) {
          if (isUniqueViolation(err)) throw conflict(`${body.kind} category ${body.code} exists`);
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: '/api/categories/:id',
      summary: 'Change a category’s names, default department or active flag',
      tags: ['admin'],
      access: ADMIN,
      params: idParams,
      body: z.object({
        majorName: z.string().trim().min(1).max(100).optional(),
        name: z.string().trim().min(1).max(200).optional(),
        defaultDepartmentId: z.string().min(1).nullable().optional(),
        active: z.boolean().optional(),
      }),
      responses: { 200: { description: 'The updated category', schema: adminCategorySchema } },
      handler: async ({ params, body, principal, log }) => {
        const row = await load(params.id);
        await checkDepartment(body.defaultDepartmentId);
        const [updated] = await prisma.$transaction([
          prisma.category.update({
            where: { id: row.id },
            data: body,
            include: withLimits,
          }),
          bumpReferenceGeneration(prisma),
        ]);
        logChange(log, principal, 'category updated', { categoryId: row.id, code: row.code, change: body });
        return view(updated);
      },
    }),
    defineRoute({
      method: 'PUT',
      path: '/api/categories/:id/limits',
      summary: 'Replace a category’s time limits',
      description:
        'The whole table of the category: one entry per urgency and step; steps left out have no limit. Applies to deadlines computed from now on; running deadlines keep theirs.',
      tags: ['admin'],
      access: ADMIN,
      params: idParams,
      body: z.object({ limits: z.array(limitSchema) }),
      responses: { 200: { description: 'The category with its new limits', schema: adminCategorySchema } },
      handler: async ({ params, body, principal, log }) => {
        const row = await load(params.id);
        checkUniqueLimits(body.limits, 'body.limits');
        const updated = await prisma.$transaction(async (tx) => {
          await tx.categoryLimit.deleteMany({ where: { categoryId: row.id } });
          await tx.categoryLimit.createMany({
            data: body.limits.map((l) => ({ ...l, source: l.source ?? null, categoryId: row.id })),
          });
          await bumpReferenceGeneration(tx);
          return tx.category.findUniqueOrThrow({ where: { id: row.id }, include: withLimits });
        });
        logChange(log, principal, 'category limits replaced', {
          categoryId: row.id,
          code: row.code,
          before: row.limits,
          after: updated.limits,
        });
        return view(updated);
      },
    }),
  ];
}
