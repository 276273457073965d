/**
 * Department administration: create, change, deactivate, delete (only when nothing refers to it).
 * Two levels of command: a street/town sub-centre (street_center) may have units under it; a unit
 * under a sub-centre has no units of its own, and a sub-centre never sits under another unit.
 */
import { bumpReferenceGeneration } from '../reference/generation.ts';
import { z } from 'zod';
import { defineRoute, type Route } from '../api/route.ts';
import type { Db } from '../db/index.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { conflict, notFound, validationError } from '../errors.ts';
import { ADMIN, idParams, logChange } from './admin.ts';

const kind = z.enum(['department', 'utility', 'street_center']);
const email = z.email('expected a mail address').max(320);
const optionalText = z.string().trim().min(1).max(200).nullable().optional();

export const adminDepartmentSchema = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  kind,
  parentId: z.string().nullable(),
  contactName: z.string().nullable(),
  contactPhone: z.string().nullable(),
  contactEmail: z.string().nullable(),
  active: z.boolean(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

const fields = {
  name: z.string().trim().min(1).max(200),
  kind,
  parentId: z.string().min(1).nullable().optional(),
  contactName: optionalText,
  contactPhone: z
    .string()
    .regex(/^[0-9+\-() ]{3,32}$/, 'expected a phone number')
    .nullable()
    .optional(),
  contactEmail: email.nullable().optional(),
};

type DepartmentRow = Omit<z.input<typeof adminDepartmentSchema>, 'createdAt' | 'updatedAt'> & {
  createdAt: Date;
  updatedAt: Date;
};

const view = (d: DepartmentRow): z.input<typeof adminDepartmentSchema> => ({
  id: d.id,
  code: d.code,
  name: d.name,
  kind: d.kind,
  parentId: d.parentId,
  contactName: d.contactName,
  contactPhone: d.contactPhone,
  contactEmail: d.contactEmail,
  active: d.active,
  createdAt: d.createdAt.toISOString(),
  updatedAt: d.updatedAt.toISOString(),
});

/** POST/PATCH/DELETE /api/departments and GET /api/departments/:id (contacts included). */
export function departmentRoutes({ db }: { db: Db }): Route[] {
  const { prisma } = db;

  async function load(id: string) {
    const row = await prisma.department.findUnique({ where: { id } });
    if (!row) throw notFound(`department ${id}`);
    return row;
  }

  /** The two-level rule, for a unit of `unitKind` placed under `parentId` (self = the unit's own id). */
  async function checkParent(parentId: string | null | undefined, unitKind: string, self?: string) {
    if (!parentId) return;
    const field = 'body.parentId';
    if (parentId === self)
      throw validationError('a unit cannot be its own parent', [{ field, message: 'is the unit itself' }]);
    const parent = await prisma.department.findUnique({ where: { id: parentId } });
    if (!parent) throw validationError('unknown parent', [{ field, message: `no department ${parentId}` }]);
    if (parent.kind !== 'street_center' || parent.parentId !== null) {
      throw validationError('two levels of command: only a street/town sub-centre has units under it', [
        { field, message: `${parent.code} is not a top-level street_center` },
      ]);
    }
    if (unitKind === 'street_center') {
      throw validationError('a street/town sub-centre is a top-level unit', [
        { field, message: 'a street_center has no parent' },
      ]);
    }
    if (self && (await prisma.department.count({ where: { parentId: self } })) > 0) {
      throw validationError('a unit with units under it cannot itself be placed under another', [
        { field, message: 'the unit has units under it' },
      ]);
    }
  }

  return [
    defineRoute({
      method: 'GET',
      path: '/api/departments/:id',
      summary: 'One department with its contacts',
      tags: ['admin'],
      access: 'authenticated',
      params: idParams,
      responses: { 200: { description: 'The department', schema: adminDepartmentSchema } },
      handler: async ({ params }) => view(await load(params.id)),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/departments',
      summary: 'Create a department, utility or street/town sub-centre',
      description:
        'A unit under a sub-centre gives `parentId` (two levels of command). 409 when the code is taken.',
      tags: ['admin'],
      access: ADMIN,
      body: z.object({
        code: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,32}$/, 'expected 1–32 letters, digits, dashes or underscores'),
        ...fields,
      }),
      responses: { 201: { description: 'Created', schema: adminDepartmentSchema } },
      handler: async ({ body, principal, log }) => {
        await checkParent(body.parentId, body.kind);
        try {
          const row = await prisma.department.create({
            data: {
              code: body.code,
              name: body.name,
              kind: body.kind,
              parentId: body.parentId ?? null,
              contactName: body.contactName ?? null,
              contactPhone: body.contactPhone ?? null,
              contactEmail: body.contactEmail ?? null,
            },
          });
          logChange(log, principal, 'department created', { departmentId: row.id, code: row.code });
          return view(row);
        } catch (err) {
          if (isUniqueViolation(err)) throw conflict(`department code ${body.code} is taken`);
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: '/api/departments/:id',
      summary: 'Change a department’s name, kind, parent, contacts or active flag',
      description:
        'Deactivating keeps the unit and its cases; a deactivated unit gets no new dispatches. A sub-centre with active units under it cannot be deactivated (409).',
      tags: ['admin'],
      access: ADMIN,
      params: idParams,
      body: z.object({
        ...fields,
        name: fields.name.optional(),
        kind: kind.optional(),
        active: z.boolean().optional(),
      }),
      responses: { 200: { description: 'The updated department', schema: adminDepartmentSchema } },
      handler: async ({ params, body, principal, log }) => {
        const row = await load(params.id);
        const nextKind = body.kind ?? row.kind;
        const nextParent = body.parentId === undefined ? row.parentId : body.parentId;
        if (body.parentId !== undefined || body.kind !== undefined)
          await checkParent(nextParent, nextKind, row.id);
        if (
          nextKind !== 'street_center' &&
          (await prisma.department.count({ where: { parentId: row.id } })) > 0
        ) {
          throw validationError('units are under this sub-centre', [
            { field: 'body.kind', message: 'a unit with units under it must stay a street_center' },
          ]);
        }
        if (body.active === false && row.active) {
          const children = await prisma.department.count({ where: { parentId: row.id, active: true } });
          if (children > 0)
            throw conflict(`${children} active unit(s) are under ${row.code}: deactivate them first`);
        }
        const [updated] = await prisma.$transaction([
          prisma.department.update({
            where: { id: row.id },
            data: {
              name: body.name,
              kind: body.kind,
              parentId: body.parentId,
              contactName: body.contactName,
              contactPhone: body.contactPhone,
              contactEmail: body.contactEmail,
              active: body.active,
            },
          }),
          // Dispatch checks read departments from memory (src/reference/lookup.ts).
          bumpReferenceGeneration(prisma),
        ]);
        logChange(log, principal, 'department updated', {
          departmentId: row.id,
          code: row.code,
          change: body,
        });
        return view(updated);
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/departments/:id',
      summary: 'Delete a department that nothing refers to',
      description:
        'A unit that cases, timeline entries, users, categories, components or other units refer to is never deleted (409): deactivate it instead.',
      tags: ['admin'],
      access: ADMIN,
      params: idParams,
      responses: { 204: { description: 'Deleted' } },
      handler: async ({ params, principal, log }) => {
        const row = await load(params.id);
        const id = row.id;
        const [cases, subCases, events, users, categories, components, children] = await Promise.all([
          prisma.case.count({ where: { departmentId: id } }),
          prisma.case.count({ where: { subCenterId: id } }),
          prisma.caseEvent.count({ where: { departmentId: id } }),
          prisma.user.count({ where: { departmentId: id } }),
          prisma.category.count({ where: { defaultDepartmentId: id } }),
          prisma.component.count({ where: { departmentId: id } }),
          prisma.department.count({ where: { parentId: id } }),
        ]);
        const refs = { cases: cases + subCases, events, users, categories, components, children };
        const used = Object.entries(refs).filter(([, n]) => n > 0);
        if (used.length) {
          throw conflict(
            `department ${row.code} is referred to (${used.map(([k, n]) => `${n} ${k}`).join(', ')}): deactivate it instead`,
            { references: refs },
          );
        }
        await prisma.$transaction([
          prisma.department.delete({ where: { id } }),
          bumpReferenceGeneration(prisma),
        ]);
        logChange(log, principal, 'department deleted', { departmentId: id, code: row.code });
      },
    }),
  ];
}
