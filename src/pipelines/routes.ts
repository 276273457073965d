/**
 * The 地下管网 API: the segments by viewport, kind, owner or text; one segment; the survey import (all or
 * nothing, a report naming each refused row) and the map's layer of lines for a viewport.
 */
import { z } from 'zod';
import { defineRoute, type Route } from '../api/route.ts';
import { queryNumber } from '../api/validate.ts';
import type { Config } from '../config.ts';
import type { Db, Prisma } from '../db/index.ts';
import { notFound } from '../errors.ts';
import { COORDINATE_SYSTEMS } from '../geography/coords.ts';
import { importRows } from '../geography/import/index.ts';
import { importRefused, rejectionsSchema } from '../geography/import/refusal.ts';
import { bboxQuery, boxesMeeting, featureCollection, layerAnswer, layerLimit } from '../map/layer.ts';
import { idParams, logChange } from '../reference/admin.ts';
import { importPipelines } from './import.ts';
import { PIPELINE_KIND_LABELS, PIPELINE_KINDS } from './pipeline.ts';

const kindEnum = z
  .enum(PIPELINE_KINDS as [string, ...string[]])
  .describe('给水 water, 排水 drainage, 燃气 gas, 电力 power, 通信 telecom, 热力 heat');
const lineGeometry = z
  .object({ type: z.enum(['LineString', 'MultiLineString']), coordinates: z.array(z.unknown()) })
  .describe('GeoJSON LineString or MultiLineString, WGS84');

const pipelineSchema = z.object({
  id: z.string(),
  code: z.string().describe('管线编号'),
  kind: kindEnum,
  kindName: z.string().describe('给水, 排水, …'),
  name: z.string().nullable(),
  ownerId: z.string().describe('权属单位 (a unit id)'),
  ownerName: z.string(),
  depthM: z.number().nullable().describe('埋深, m'),
  material: z.string().nullable(),
  diameterMm: z.number().int().nullable().describe('管径, mm'),
  year: z.number().int().nullable().describe('建设年份'),
  note: z.string().nullable(),
  geometry: lineGeometry,
  updatedAt: z.string(),
});

const reportSchema = z.object({
  format: z.enum(['geojson', 'csv']),
  crs: z.enum(COORDINATE_SYSTEMS),
  stored: z.boolean(),
  dryRun: z.boolean(),
  rowsRead: z.number().int(),
  added: z.number().int(),
  updated: z.number().int().describe('matched by 管线编号'),
  rejected: rejectionsSchema,
});

const layerSchema = featureCollection(
  z.object({
    id: z.string(),
    code: z.string(),
    kind: kindEnum,
    ownerName: z.string(),
    depthM: z.number().nullable(),
    diameterMm: z.number().int().nullable(),
    material: z.string().nullable(),
  }),
  lineGeometry,
  'segments',
);

type Row = Prisma.PipelineGetPayload<{ include: { owner: { select: { name: true } } } }>;
const withOwner = { owner: { select: { name: true } } } as const;

const view = (p: Row): z.infer<typeof pipelineSchema> => ({
  id: p.id,
  code: p.code,
  kind: p.kind,
  kindName: PIPELINE_KIND_LABELS[p.kind],
  name: p.name,
  ownerId: p.ownerId,
  ownerName: p.owner.name,
  depthM: p.depthM,
  material: p.material,
  diameterMm: p.diameterMm,
  year: p.year,
  note: p.note,
  geometry: JSON.parse(p.geometry) as z.infer<typeof lineGeometry>,
  updatedAt: p.updatedAt.toISOString(),
});

export function pipelineRoutes({
  db,
  config,
}: {
  db: Db;
  config: Pick<Config, 'GEO_EXTENT' | 'GEO_IMPORT_MAX_BYTES'>;
}): Route[] {
  const { prisma } = db;
  return [
    defineRoute({
      method: 'GET',
      path: '/api/pipelines',
      summary: 'The 地下管网 segments by viewport, kind, owner or text',
      description:
        '`bbox` keeps the segments whose line’s box meets it; `q` matches the start of the 管线编号 or a ' +
        'part of the name or material. Ordered by 管线编号.',
      tags: ['pipelines'],
      access: 'authenticated',
      query: z.object({
        bbox: z.string().optional(),
        kind: kindEnum.optional(),
        ownerId: z.string().optional(),
        q: z.string().trim().max(100).optional(),
        limit: queryNumber(z.coerce.number().int().min(1).max(1000)).default(50),
        offset: queryNumber(z.coerce.number().int().min(0)).default(0),
      }),
      responses: {
        200: {
          description: 'One page of segments and how many match',
          schema: z.object({ items: z.array(pipelineSchema), total: z.number().int() }),
        },
      },
      handler: async ({ query }) => {
        const and: Prisma.PipelineWhereInput[] = [];
        if (query.bbox) and.push(boxesMeeting(query.bbox));
        if (query.kind) and.push({ kind: query.kind as Row['kind'] });
        if (query.ownerId) and.push({ ownerId: query.ownerId });
        if (query.q)
          and.push({
            OR: [
              { code: { startsWith: query.q } },
              { name: { contains: query.q } },
              { material: { contains: query.q } },
            ],
          });
        const where = { AND: and };
        const [rows, total] = await Promise.all([
          prisma.pipeline.findMany({
            where,
            orderBy: { code: 'asc' },
            skip: query.offset,
            take: query.limit,
            include: withOwner,
          }),
          prisma.pipeline.count({ where }),
        ]);
        return { items: rows.map(view), total };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/pipelines/:id',
      summary: 'One 地下管网 segment',
      tags: ['pipelines'],
      access: 'authenticated',
      params: idParams,
      responses: { 200: { description: 'The segment', schema: pipelineSchema } },
      handler: async ({ params }) => {
        const row = await prisma.pipeline.findUnique({ where: { id: params.id }, include: withOwner });
        if (!row) throw notFound(`pipeline ${params.id}`);
        return view(row);
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/pipelines/imports',
      summary:
        'Import 地下管网 segments from GeoJSON or CSV: all or nothing, a report naming each refused row',
      description:
        'Every row is checked first — 管线编号, kind (给水/排水/燃气/电力/通信/热力), owner (an active unit’s ' +
        'code or name), a line inside the city, depth, diameter and year — and the same 管线编号 twice in ' +
        'the file; only a file without a refused row is stored, in one transaction. A stored 管线编号 is ' +
        'updated. 422 problem+json with `report` and one error per refused row: nothing is stored. ' +
        '`dryRun` checks only.',
      tags: ['pipelines'],
      access: ['administrator'],
      maxBodyBytes: config.GEO_IMPORT_MAX_BYTES,
      body: z.object({
        format: z.enum(['geojson', 'csv']),
        crs: z.enum(COORDINATE_SYSTEMS).default('wgs84'),
        content: z.string().min(1).describe('the file as text (UTF-8)'),
        fileName: z.string().max(200).optional(),
        dryRun: z.boolean().default(false),
      }),
      responses: { 200: { description: 'Stored (or checked, with dryRun)', schema: reportSchema } },
      handler: async ({ body, principal, log }) => {
        const report = await importRows({ prisma, extent: config.GEO_EXTENT }, importPipelines, {
          format: body.format,
          crs: body.crs,
          content: body.content,
          dryRun: body.dryRun,
        });
        const { changes: _c, unchanged: _u, ...plain } = report;
        logChange(log, principal, report.stored ? 'pipelines imported' : 'pipeline import not stored', {
          fileName: body.fileName,
          rowsRead: report.rowsRead,
          added: report.added,
          updated: report.updated,
          rejected: report.rejected.length,
          dryRun: report.dryRun,
        });
        if (report.rejected.length) throw importRefused('管网导入', report.rejected, plain);
        return plain;
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/map/pipelines',
      summary: '地下管网 segments meeting a box as GeoJSON lines',
      description: 'Ordered by 管线编号; `truncated` when more segments meet the box than `limit`.',
      tags: ['map', 'pipelines'],
      access: 'authenticated',
      query: z.object({ bbox: bboxQuery, limit: layerLimit(20_000, 5_000) }),
      responses: { 200: { description: 'Segments', schema: layerSchema } },
      handler: async ({ query }) => {
        const rows = await prisma.pipeline.findMany({
          where: boxesMeeting(query.bbox),
          orderBy: { code: 'asc' },
          take: query.limit + 1,
          include: withOwner,
        });
        return layerAnswer(rows, query.limit, (p) => ({
          geometry: JSON.parse(p.geometry) as z.infer<typeof lineGeometry>,
          properties: {
            id: p.id,
            code: p.code,
            kind: p.kind,
            ownerName: p.owner.name,
            depthM: p.depthM,
            diameterMm: p.diameterMm,
            material: p.material,
          },
        }));
      },
    }),
  ];
}
