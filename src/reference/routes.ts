/**
 * Read access to the reference data every screen needs: departments, categories with their time limits,
 * grid cells. Any authenticated caller may read; editing is an administrator's job (admin-routes.ts and the *-routes.ts beside it).
 */
import { z } from 'zod';
import type { Db } from '../db/index.ts';
import { defineRoute, type Route } from '../api/route.ts';

const flag = z.enum(['true', 'false']).optional().describe('filter by the active flag');
const asFlag = (value: 'true' | 'false' | undefined) =>
  value === undefined ? {} : { active: value === 'true' };

const departmentSchema = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  kind: z.enum(['department', 'utility', 'street_center']),
  parentId: z.string().nullable(),
  contactName: z.string().nullable(),
  contactPhone: z.string().nullable(),
  contactEmail: z.string().nullable().describe('where 催办 mails to the unit go'),
  active: z.boolean(),
});

const limitSchema = z.object({
  urgency: z.enum(['normal', 'urgent', 'critical']),
  step: z.enum(['accept', 'verify', 'register', 'dispatch', 'sign', 'dispose', 'check']),
  limitMinutes: z.number().int(),
  timeMode: z.enum(['working', 'natural']),
  source: z.string().nullable(),
});

const categorySchema = z.object({
  id: z.string(),
  kind: z.enum(['event', 'component']),
  code: z.string(),
  majorCode: z.string(),
  majorName: z.string(),
  name: z.string(),
  defaultDepartmentId: z.string().nullable(),
  active: z.boolean(),
  limits: z.array(limitSchema),
});

const gridCellSchema = z.object({
  id: z.string(),
  code: z.string(),
  street: z.string(),
  community: z.string(),
  areaClass: z.number().int(),
  geometry: z.unknown().describe('GeoJSON Polygon, WGS84'),
  supervisorUserId: z.string().nullable(),
  active: z.boolean(),
});

/** GET /api/departments, /api/categories, /api/grid-cells. */
export function referenceRoutes({ db }: { db: Db }): Route[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/departments',
      summary: 'Departments, utilities and street sub-centres that receive cases',
      tags: ['reference'],
      access: 'authenticated',
      query: z.object({ kind: departmentSchema.shape.kind.optional(), active: flag }),
      responses: {
        200: { description: 'Departments by code', schema: z.object({ items: z.array(departmentSchema) }) },
      },
      handler: async ({ query }) => {
        const items = await db.prisma.department.findMany({
          where: { ...(query.kind ? { kind: query.kind } : {}), ...asFlag(query.active) },
          orderBy: { code: 'asc' },
          select: {
            id: true,
            code: true,
            name: true,
            kind: true,
            parentId: true,
            contactName: true,
            contactPhone: true,
            contactEmail: true,
            active: true,
          },
        });
        return { items };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/categories',
      summary: 'Event and component categories with the time limit of each step and urgency',
      tags: ['reference'],
      access: 'authenticated',
      query: z.object({ kind: categorySchema.shape.kind.optional(), active: flag }),
      responses: {
        200: {
          description: 'Categories by kind and code',
          schema: z.object({ items: z.array(categorySchema) }),
        },
      },
      handler: async ({ query }) => {
        const rows = await db.prisma.category.findMany({
          where: { ...(query.kind ? { kind: query.kind } : {}), ...asFlag(query.active) },
          orderBy: [{ kind: 'asc' }, { code: 'asc' }],
          include: {
            limits: {
              orderBy: [{ step: 'asc' }, { urgency: 'asc' }],
              select: { urgency: true, step: true, limitMinutes: true, timeMode: true, source: true },
            },
          },
        });
        return {
          items: rows.map(({ createdAt: _c, updatedAt: _u, ...category }) => category),
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/grid-cells',
      summary: 'Grid cells (万米单元网格) with their polygons',
      tags: ['reference'],
      access: 'authenticated',
      query: z.object({
        street: z.string().min(1).optional(),
        community: z.string().min(1).optional(),
        active: flag,
      }),
      responses: {
        200: { description: 'Grid cells by code', schema: z.object({ items: z.array(gridCellSchema) }) },
      },
      handler: async ({ query }) => {
        const rows = await db.prisma.gridCell.findMany({
          where: {
            ...(query.street ? { street: query.street } : {}),
            ...(query.community ? { community: query.community } : {}),
            ...asFlag(query.active),
          },
          orderBy: { code: 'asc' },
          select: {
            id: true,
            code: true,
            street: true,
            community: true,
            areaClass: true,
            geometry: true,
            supervisorUserId: true,
            active: true,
          },
        });
        return { items: rows.map((cell) => ({ ...cell, geometry: JSON.parse(cell.geometry) as unknown })) };
      },
    }),
  ];
}
