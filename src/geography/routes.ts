/**
 * Geography over HTTP: the map's layers as GeoJSON, the gazetteer's rows (read by anyone signed in,
 * changed by the administrator), its import, and forward/reverse geocoding for the UI.
 */
import { z } from 'zod';
import { ADMIN, idParams, logChange } from '../reference/admin.ts';
import { defineRoute, type Route } from '../api/route.ts';
import type { Config } from '../config.ts';
import type { Db, GeoFeatureKind, Prisma } from '../db/index.ts';
import { notFound, validationError, type FieldError } from '../errors.ts';
import { cellAt } from './grid.ts';
import { COORDINATE_SYSTEMS, fromWgs84, geocoderFor, toWgs84 } from './index.ts';
import {
  bumpGeographyGeneration,
  checkFeature,
  FEATURE_KINDS,
  featureInputSchema,
  geoFeatureSchema,
  splitAliases,
  viewFeature,
} from './features.ts';
import { queryNumber } from '../api/validate.ts';

export interface GeographyRouteDeps {
  db: Db;
  config: Pick<Config, 'GEO_EXTENT' | 'GEOCODE_MIN_CONFIDENCE'>;
}

const position = z.tuple([z.number(), z.number()]).describe('[lng, lat]');

const geocodeAnswer = z.object({
  result: z
    .object({
      point: position,
      confidence: z.number(),
      kind: z.enum(['building', 'door', 'intersection', 'poi', 'estate', 'community', 'road']),
      matched: z.string(),
      doubts: z.array(z.string()),
      normalized: z.string(),
      /** at or above GEOCODE_MIN_CONFIDENCE: a case would be located there without asking anyone */
      trusted: z.boolean(),
      gridCode: z.string().nullable(),
    })
    .nullable(),
  threshold: z.number(),
  crs: z.enum(COORDINATE_SYSTEMS),
});

const named = z.object({ name: z.string(), distance: z.number() }).nullable();
const reverseAnswer = z.object({
  text: z.string(),
  community: z
    .object({ name: z.string(), code: z.string().nullable(), street: z.string().nullable() })
    .nullable(),
  estate: z.object({ name: z.string() }).nullable(),
  door: named,
  road: named,
  poi: named,
  gridCode: z.string().nullable(),
});

const crsQuery = z
  .enum(COORDINATE_SYSTEMS)
  .default('wgs84')
  .describe('coordinate system of the points in the request and the answer (the hub stores WGS84)');

const LAYERS = ['roads', 'communities', 'estates', 'pois', 'doors', 'grid'] as const;
const KIND_OF_LAYER: Record<Exclude<(typeof LAYERS)[number], 'grid'>, GeoFeatureKind> = {
  roads: 'road',
  communities: 'community',
  estates: 'estate',
  pois: 'poi',
  doors: 'door',
};

const bboxQuery = z
  .string()
  .regex(/^-?\d+(\.\d+)?(,-?\d+(\.\d+)?){3}$/, 'expected minLng,minLat,maxLng,maxLat')
  .transform((v) => v.split(',').map(Number) as [number, number, number, number])
  .optional()
  .describe('only what intersects this box: minLng,minLat,maxLng,maxLat (WGS84)');

const featureCollection = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      id: z.string(),
      geometry: z.unknown(),
      properties: z.record(z.string(), z.unknown()),
    }),
  ),
});

const overlaps = (b: [number, number, number, number] | undefined) =>
  b ? { minLng: { lte: b[2] }, maxLng: { gte: b[0] }, minLat: { lte: b[3] }, maxLat: { gte: b[1] } } : {};

export function geographyRoutes({ db, config }: GeographyRouteDeps): Route[] {
  const { prisma } = db;
  const extent = config.GEO_EXTENT;
  const geocoder = geocoderFor(prisma);

  async function parentKind(parentId: string | null | undefined, field: string) {
    if (!parentId) return undefined;
    const parent = await prisma.geoFeature.findUnique({ where: { id: parentId }, select: { kind: true } });
    if (!parent)
      throw validationError('unknown parent', [{ field, message: `no gazetteer row ${parentId}` }]);
    return parent.kind;
  }

  return [
    defineRoute({
      method: 'GET',
      path: '/api/geocode',
      summary: 'Forward geocoding: a Chinese free-text address → a point, a confidence and what matched',
      description:
        'Normalises the administrative prefix (江苏省/南通市/如皋市/如城街道 …), then matches buildings of compounds (福寿小区3栋), house numbers (宁海路88号, interpolated), crossings (海阳南路与宁海路交叉口), points of interest, compounds, communities and roads, tolerating typos, 路/街/大道 and missing 南/北. `trusted` = confidence ≥ GEOCODE_MIN_CONFIDENCE. `result` is null when nothing known is named.',
      tags: ['geography'],
      access: 'authenticated',
      query: z.object({ q: z.string().trim().min(1).max(200), crs: crsQuery }),
      responses: { 200: { description: 'The best reading', schema: geocodeAnswer } },
      handler: async ({ query }) => {
        const found = await geocoder.geocode(query.q);
        const cell = found ? await cellAt(prisma, found.point[0], found.point[1]) : null;
        return {
          result: found
            ? {
                ...found,
                point: fromWgs84(found.point, query.crs),
                trusted: found.confidence >= config.GEOCODE_MIN_CONFIDENCE,
                gridCode: cell?.code ?? null,
              }
            : null,
          threshold: config.GEOCODE_MIN_CONFIDENCE,
          crs: query.crs,
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/reverse-geocode',
      summary: 'Reverse geocoding: a point → the nearest door address, road, compound and community in words',
      tags: ['geography'],
      access: 'authenticated',
      query: z.object({
        lat: queryNumber(z.coerce.number().min(-90).max(90)),
        lng: queryNumber(z.coerce.number().min(-180).max(180)),
        crs: crsQuery,
      }),
      responses: { 200: { description: 'Where the point is', schema: reverseAnswer } },
      handler: async ({ query }) => {
        const point = toWgs84([query.lng, query.lat], query.crs);
        const answer = await geocoder.reverse(point);
        const cell = await cellAt(prisma, point[0], point[1]);
        return { ...answer, gridCode: cell?.code ?? null };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/geo/layers/:layer',
      summary:
        'One map layer as a GeoJSON FeatureCollection (roads, communities, estates, pois, doors, grid)',
      description:
        'What the map draws: the gazetteer by kind (properties: name, category, code, street, number, parentName) or the grid cells (properties: code, street, community, areaClass). Active rows only.',
      tags: ['geography'],
      access: 'authenticated',
      params: z.object({ layer: z.enum(LAYERS) }),
      query: z.object({ bbox: bboxQuery }),
      responses: { 200: { description: 'GeoJSON FeatureCollection (WGS84)', schema: featureCollection } },
      handler: async ({ params, query }) => {
        if (params.layer === 'grid') {
          const cells = await prisma.gridCell.findMany({
            where: { active: true, ...overlaps(query.bbox) },
            orderBy: { code: 'asc' },
            select: { id: true, code: true, street: true, community: true, areaClass: true, geometry: true },
          });
          return {
            type: 'FeatureCollection' as const,
            features: cells.map((c) => ({
              type: 'Feature' as const,
              id: c.id,
              geometry: JSON.parse(c.geometry) as unknown,
              properties: { code: c.code, street: c.street, community: c.community, areaClass: c.areaClass },
            })),
          };
        }
        const rows = await prisma.geoFeature.findMany({
          where: { kind: KIND_OF_LAYER[params.layer], active: true, ...overlaps(query.bbox) },
          orderBy: [{ name: 'asc' }, { id: 'asc' }],
          include: { parent: { select: { name: true } } },
        });
        return {
          type: 'FeatureCollection' as const,
          features: rows.map((f) => ({
            type: 'Feature' as const,
            id: f.id,
            geometry: JSON.parse(f.geometry) as unknown,
            properties: {
              kind: f.kind,
              name: f.name,
              aliases: splitAliases(f.aliases),
              category: f.category,
              code: f.code,
              street: f.street,
              number: f.number,
              parentName: f.parent?.name ?? null,
            },
          })),
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/geo/features',
      summary: 'Gazetteer rows (道路, 社区, 小区, 兴趣点, 门牌), filtered and paged',
      tags: ['geography'],
      access: 'authenticated',
      query: z.object({
        kind: z.enum(FEATURE_KINDS).optional(),
        q: z.string().trim().min(1).max(100).optional().describe('part of the name or an alias'),
        parentId: z.string().min(1).optional(),
        bbox: bboxQuery,
        limit: queryNumber(z.coerce.number().int().min(1).max(1000)).default(100),
        offset: queryNumber(z.coerce.number().int().min(0)).default(0),
      }),
      responses: {
        200: {
          description: 'Rows by kind and name',
          schema: z.object({ items: z.array(geoFeatureSchema), total: z.number().int() }),
        },
      },
      handler: async ({ query }) => {
        const where: Prisma.GeoFeatureWhereInput = {
          ...(query.kind ? { kind: query.kind } : {}),
          ...(query.parentId ? { parentId: query.parentId } : {}),
          ...(query.q ? { OR: [{ name: { contains: query.q } }, { aliases: { contains: query.q } }] } : {}),
          ...overlaps(query.bbox),
        };
        const [rows, total] = await Promise.all([
          prisma.geoFeature.findMany({
            where,
            orderBy: [{ kind: 'asc' }, { name: 'asc' }, { id: 'asc' }],
            take: query.limit,
            skip: query.offset,
          }),
          prisma.geoFeature.count({ where }),
        ]);
        return { items: rows.map(viewFeature), total };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/geo/features/:id',
      summary: 'One gazetteer row',
      tags: ['geography'],
      access: 'authenticated',
      params: idParams,
      responses: { 200: { description: 'The row', schema: geoFeatureSchema } },
      handler: async ({ params }) => {
        const row = await prisma.geoFeature.findUnique({ where: { id: params.id } });
        if (!row) throw notFound(`gazetteer row ${params.id}`);
        return viewFeature(row);
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/geo/features',
      summary: 'Add a gazetteer row',
      description:
        'Geometry by kind: road LineString/MultiLineString; community, estate Polygon/MultiPolygon; poi, door Point — WGS84 [lng, lat] inside GEO_EXTENT, rings closed and not crossing themselves. A door needs `number` and a road or estate as `parentId`; a community its 12-digit `code`.',
      tags: ['geography'],
      access: ADMIN,
      body: featureInputSchema,
      responses: { 201: { description: 'Created', schema: geoFeatureSchema } },
      handler: async ({ body, principal, log }) => {
        const errors: FieldError[] = [];
        const kind = await parentKind(body.parentId, 'body.parentId');
        const data = checkFeature(body, 'body', extent, errors, kind);
        if (!data) throw validationError('invalid gazetteer row', errors);
        const [row] = await prisma.$transaction([
          prisma.geoFeature.create({ data }),
          bumpGeographyGeneration(prisma),
        ]);
        logChange(log, principal, 'gazetteer row created', {
          geoFeatureId: row.id,
          kind: row.kind,
          name: row.name,
        });
        return viewFeature(row);
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: '/api/geo/features/:id',
      summary: 'Change a gazetteer row (fields given replace the old ones)',
      tags: ['geography'],
      access: ADMIN,
      params: idParams,
      body: featureInputSchema.omit({ kind: true }).partial(),
      responses: { 200: { description: 'The updated row', schema: geoFeatureSchema } },
      handler: async ({ params, body, principal, log }) => {
        const row = await prisma.geoFeature.findUnique({ where: { id: params.id } });
        if (!row) throw notFound(`gazetteer row ${params.id}`);
        const merged = featureInputSchema.parse({
          ...viewFeature(row),
          ...Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)),
        });
        if (merged.parentId === row.id)
          throw validationError('invalid gazetteer row', [
            { field: 'body.parentId', message: 'a row cannot be its own parent' },
          ]);
        const errors: FieldError[] = [];
        const data = checkFeature(
          merged,
          'body',
          extent,
          errors,
          await parentKind(merged.parentId, 'body.parentId'),
        );
        if (!data) throw validationError('invalid gazetteer row', errors);
        const [updated] = await prisma.$transaction([
          prisma.geoFeature.update({ where: { id: row.id }, data }),
          bumpGeographyGeneration(prisma),
        ]);
        const { geometry: _g, ...change } = body;
        logChange(log, principal, 'gazetteer row updated', { geoFeatureId: row.id, name: row.name, change });
        return viewFeature(updated);
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/geo/features/:id',
      summary: 'Delete a gazetteer row (a road or compound takes its door rows with it)',
      tags: ['geography'],
      access: ADMIN,
      params: idParams,
      responses: { 204: { description: 'Deleted' } },
      handler: async ({ params, principal, log }) => {
        const row = await prisma.geoFeature.findUnique({ where: { id: params.id } });
        if (!row) throw notFound(`gazetteer row ${params.id}`);
        await prisma.$transaction([
          prisma.geoFeature.delete({ where: { id: row.id } }),
          bumpGeographyGeneration(prisma),
        ]);
        logChange(log, principal, 'gazetteer row deleted', {
          geoFeatureId: row.id,
          kind: row.kind,
          name: row.name,
        });
      },
    }),
  ];
}
