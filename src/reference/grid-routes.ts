/**
 * Grid administration (万米单元网格): create and change cells with their polygon (validated, bounding
 * box recomputed) and assign the field supervisor (监督员) responsible for a cell. The polygon passes the
 * checks of every geometry the hub stores (src/geography/geojson.ts, as the grid import): closed rings
 * that do not cross themselves, positions inside GEO_EXTENT.
 */
import { z } from 'zod';
import { defineRoute, type Route } from '../api/route.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/index.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { conflict, notFound, validationError, type FieldError } from '../errors.ts';
import { checkGeometry, type Extent } from '../geography/geojson.ts';
import { ADMIN, idParams, logChange } from './admin.ts';

export const adminGridCellSchema = z.object({
  id: z.string(),
  code: z.string(),
  street: z.string(),
  community: z.string(),
  areaClass: z.number().int(),
  geometry: z.unknown().describe('GeoJSON Polygon, WGS84 [lng, lat]'),
  bbox: z.object({ minLng: z.number(), minLat: z.number(), maxLng: z.number(), maxLat: z.number() }),
  supervisorUserId: z.string().nullable(),
  active: z.boolean(),
});

interface CellRow {
  id: string;
  code: string;
  street: string;
  community: string;
  areaClass: number;
  geometry: string;
  minLng: number;
  minLat: number;
  maxLng: number;
  maxLat: number;
  supervisorUserId: string | null;
  active: boolean;
}

const view = (c: CellRow): z.input<typeof adminGridCellSchema> => ({
  id: c.id,
  code: c.code,
  street: c.street,
  community: c.community,
  areaClass: c.areaClass,
  geometry: JSON.parse(c.geometry) as unknown,
  bbox: { minLng: c.minLng, minLat: c.minLat, maxLng: c.maxLng, maxLat: c.maxLat },
  supervisorUserId: c.supervisorUserId,
  active: c.active,
});

/** The cell's polygon checked, with its bounding box; a 400 naming each fault otherwise. */
function parsePolygon(value: unknown, extent: Extent) {
  const errors: FieldError[] = [];
  const shape = checkGeometry(value, 'body.geometry', ['Polygon'], extent, errors);
  if (!shape) throw validationError('invalid GeoJSON polygon', errors);
  return { polygon: shape.geometry, bbox: shape.bbox };
}

const areaClass = z.union([z.literal(1), z.literal(2)]).describe('区域 band: 1 = 一类, 2 = 二类');

/** GET/POST/PATCH /api/grid-cells/:id… (the list is GET /api/grid-cells in src/reference). */
export function gridRoutes({ db, config }: { db: Db; config: Pick<Config, 'GEO_EXTENT'> }): Route[] {
  const { prisma } = db;
  const extent = config.GEO_EXTENT;

  async function checkSupervisor(id: string | null | undefined) {
    if (!id) return;
    const user = await prisma.user.findUnique({ where: { id }, include: { roles: true } });
    const field = 'body.supervisorUserId';
    if (!user) throw validationError('unknown user', [{ field, message: `no user ${id}` }]);
    if (!user.active)
      throw validationError('inactive user', [{ field, message: `user ${user.username} is deactivated` }]);
    if (!user.roles.some((r) => r.role === 'field_supervisor')) {
      throw validationError('not a field supervisor', [
        { field, message: `user ${user.username} does not hold the field_supervisor role` },
      ]);
    }
  }

  async function load(id: string) {
    const row = await prisma.gridCell.findUnique({ where: { id } });
    if (!row) throw notFound(`grid cell ${id}`);
    return row;
  }

  return [
    defineRoute({
      method: 'GET',
      path: '/api/grid-cells/:id',
      summary: 'One grid cell with its polygon and bounding box',
      tags: ['admin'],
      access: 'authenticated',
      params: idParams,
      responses: { 200: { description: 'The cell', schema: adminGridCellSchema } },
      handler: async ({ params }) => view(await load(params.id)),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/grid-cells',
      summary: 'Create a grid cell',
      description:
        '`code`: 14 digits (county 6 + street 3 + community 3 + sequence 2). `geometry`: a GeoJSON Polygon whose rings are closed and do not cross themselves, inside GEO_EXTENT; the bounding box is computed. 409 when the code exists.',
      tags: ['admin'],
      access: ADMIN,
      body: z.object({
        code: z.string().regex(/^\d{14}$/, 'expected 14 digits'),
        street: z.string().trim().min(1).max(100),
        community: z.string().trim().min(1).max(100),
        areaClass: areaClass.default(1),
        geometry: z.unknown(),
        supervisorUserId: z.string().min(1).nullable().optional(),
      }),
      responses: { 201: { description: 'Created', schema: adminGridCellSchema } },
      handler: async ({ body, principal, log }) => {
        const { polygon, bbox } = parsePolygon(body.geometry, extent);
        await checkSupervisor(body.supervisorUserId);
        try {
          const row = await prisma.gridCell.create({
            data: {
              code: body.code,
              street: body.street,
              community: body.community,
              areaClass: body.areaClass,
              geometry: JSON.stringify(polygon),
              ...bbox,
              supervisorUserId: body.supervisorUserId ?? null,
            },
          });
          logChange(log, principal, 'grid cell created', { gridCellId: row.id, code: row.code, bbox });
          return view(row);
        } catch (err) {
          if (isUniqueViolation(err)) throw conflict(`grid cell ${body.code} exists`);
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: '/api/grid-cells/:id',
      summary: 'Change a grid cell: polygon, street/community, area class, supervisor, active flag',
      tags: ['admin'],
      access: ADMIN,
      params: idParams,
      body: z.object({
        street: z.string().trim().min(1).max(100).optional(),
        community: z.string().trim().min(1).max(100).optional(),
        areaClass: areaClass.optional(),
        geometry: z.unknown().optional(),
        supervisorUserId: z.string().min(1).nullable().optional(),
        active: z.boolean().optional(),
      }),
      responses: { 200: { description: 'The updated cell', schema: adminGridCellSchema } },
      handler: async ({ params, body, principal, log }) => {
        const row = await load(params.id);
        const shape = body.geometry === undefined ? undefined : parsePolygon(body.geometry, extent);
        await checkSupervisor(body.supervisorUserId);
        const updated = await prisma.gridCell.update({
          where: { id: row.id },
          data: {
            street: body.street,
            community: body.community,
            areaClass: body.areaClass,
            supervisorUserId: body.supervisorUserId,
            active: body.active,
            ...(shape ? { geometry: JSON.stringify(shape.polygon), ...shape.bbox } : {}),
          },
        });
        const { geometry: _g, ...change } = body;
        logChange(log, principal, 'grid cell updated', {
          gridCellId: row.id,
          code: row.code,
          change: { ...change, ...(shape ? { bbox: shape.bbox } : {}) },
        });
        return view(updated);
      },
    }),
  ];
}
