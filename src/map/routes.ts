/**
 * The map's data (admin-ui/src/lib/map): the base map to draw and one GeoJSON FeatureCollection per
 * layer for a viewport. Every layer endpoint takes `bbox=minLng,minLat,maxLng,maxLat` (WGS84) and a
 * `limit`; an answer that hit the limit says `truncated: true` so the map can tell the user to zoom in
 * instead of silently showing part of the data. Open cases carry the green/yellow/red of their running
 * step's clock (`caseLights` of src/cases/clock.ts), so the map colours them as the case list does; below
 * zoom 14 the map asks for them counted in clusters (clusters.ts) instead of one by one.
 */
import { z } from 'zod';
import { defineRoute, type Route } from '../api/route.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/index.ts';
import { validationError } from '../errors.ts';
import { queryNumber } from '../api/validate.ts';
import { clusterCases } from './clusters.ts';
import {
  bboxQuery,
  boxesMeeting,
  featureCollection,
  layerAnswer,
  layerLimit,
  parseBbox,
  pointGeometry,
  pointOf,
  pointsIn,
} from './layer.ts';
import { openCasesInBox } from './open-cases.ts';

/**
 * From this zoom the map gets the cases one by one (and MapLibre clusters what is close on screen);
 * below, the hub's clusters. At 14 a 1440-pixel-wide view is ≈ 6 km: a part of the city.
 */
export const CASE_POINTS_FROM_ZOOM = 14 as const;

const caseFeatures = featureCollection(
  z.object({
    id: z.string(),
    caseNo: z.string(),
    status: z.string(),
    urgency: z.string(),
    categoryCode: z.string(),
    state: z
      .enum(['green', 'yellow', 'red', 'none'])
      .describe('the running step’s time-limit light; none when no timed step runs'),
  }),
  pointGeometry,
  'open cases',
);
const pointsFromZoom = z
  .literal(CASE_POINTS_FROM_ZOOM)
  .describe('format=clusters: from this zoom the answer is points, below it clusters');
/**
 * The cases layer's own answer (`format=points`): the same open cases as parallel arrays, without the
 * GeoJSON wrapping and the fields the map does not draw. 10,000 cases are ≈ 0.6 MB of JSON instead of
 * ≈ 2.6 MB, and the page builds the layer's features from them without parsing 10,000 objects.
 */
const casePoints = z.object({
  format: z.literal('points'),
  ids: z.array(z.string()).describe('case ids, the most recently reported first'),
  lng: z.array(z.number()).describe('longitude of ids[i] (WGS84, 6 decimals)'),
  lat: z.array(z.number()).describe('latitude of ids[i]'),
  states: z
    .string()
    .describe('one letter per case, the time-limit light of ids[i]: g green, y yellow, r red, n none'),
  truncated: z.boolean().describe('more open cases lie in the box than the limit: zoom in'),
  pointsFromZoom: pointsFromZoom.optional(),
});
const caseClusters = z.object({
  format: z.literal('clusters'),
  zoom: z.number().int().describe('the zoom level the clusters were made for: the view’s zoom, rounded down'),
  pointsFromZoom,
  clusters: z.array(
    z.object({
      lng: z.number().describe('the mean position of its cases (WGS84, 6 decimals)'),
      lat: z.number(),
      count: z.number().int(),
      red: z.number().int().describe('its overdue cases'),
      yellow: z.number().int().describe('its cases past the warning share of their limit'),
      green: z.number().int().describe('its other cases in a timed step; the rest run none'),
      bounds: z
        .tuple([z.number(), z.number(), z.number(), z.number()])
        .describe('minLng,minLat,maxLng,maxLat of its cases: a click zooms to it'),
      id: z.string().optional().describe('the case, when the cluster is one case (drawn as a point)'),
    }),
  ),
  truncated: z.literal(false).describe('clusters count every open case in the box'),
});
const STATE_LETTER = { green: 'g', yellow: 'y', red: 'r' } as const;
/** 6 decimals: ≈ 0.1 m, below a pixel at the map's deepest zoom. */
const micro = (n: number) => Math.round(n * 1e6) / 1e6;

const cellFeatures = featureCollection(
  z.object({ code: z.string(), street: z.string(), community: z.string() }),
  z.unknown().describe('GeoJSON Polygon'),
  'grid cells',
);
const componentFeatures = featureCollection(
  z.object({
    id: z.string(),
    code: z.string(),
    name: z.string(),
    categoryCode: z.string(),
    status: z.string(),
  }),
  pointGeometry,
  'components',
);

const baseSchema = z.object({
  base: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('bundled') }),
      z.object({ kind: z.literal('style'), url: z.string() }),
      z.object({ kind: z.literal('raster'), tiles: z.array(z.string()), attribution: z.string().nullable() }),
    ])
    .describe(
      'bundled: the hub’s own vector data drawn with the style in the UI (works with no internet); ' +
        'style: a MapLibre style document (MAP_STYLE_URL); raster: tiles of MAP_TILE_URL under the hub’s data',
    ),
  bounds: z
    .tuple([z.number(), z.number(), z.number(), z.number()])
    .nullable()
    .describe('minLng,minLat,maxLng,maxLat of the active grid cells (the city), null without cells'),
});

/** GET /api/map/config, /api/map/cases, /api/map/grid-cells, /api/map/components. */
export function mapRoutes({
  db,
  config,
  now: clock = () => new Date(),
}: {
  db: Pick<Db, 'prisma' | 'provider'>;
  config: Pick<
    Config,
    'CALENDAR_TIMEZONE' | 'DEADLINE_WARN_FRACTION' | 'MAP_STYLE_URL' | 'MAP_TILE_URL' | 'MAP_TILE_ATTRIBUTION'
  >;
  now?: () => Date;
}): Route[] {
  const { prisma } = db;
  return [
    defineRoute({
      method: 'GET',
      path: '/api/map/config',
      summary: 'What the map draws under the hub’s layers, and the city’s extent',
      tags: ['map'],
      // Public: 市民通 (no account) picks its report's point on the map; nothing here is about cases.
      access: 'public',
      responses: { 200: { description: 'Base map and extent', schema: baseSchema } },
      handler: async () => {
        const extent = await prisma.gridCell.aggregate({
          where: { active: true },
          _min: { minLng: true, minLat: true },
          _max: { maxLng: true, maxLat: true },
        });
        const { minLng, minLat } = extent._min;
        const { maxLng, maxLat } = extent._max;
        const bounds =
          minLng !== null && minLat !== null && maxLng !== null && maxLat !== null
            ? ([minLng, minLat, maxLng, maxLat] as [number, number, number, number])
            : null;
        const base = config.MAP_STYLE_URL
          ? { kind: 'style' as const, url: config.MAP_STYLE_URL }
          : config.MAP_TILE_URL
            ? {
                kind: 'raster' as const,
                tiles: [config.MAP_TILE_URL],
                attribution: config.MAP_TILE_ATTRIBUTION ?? null,
              }
            : { kind: 'bundled' as const };
        return { base, bounds };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/map/cases',
      summary: 'Open cases in a box as GeoJSON points, with their time-limit light, or counted in clusters',
      description:
        'Cases not closed or voided whose point lies in `bbox`, the most recently reported first; the ' +
        'caller’s case scope applies (a department handler gets its department’s cases only). ' +
        '`format=points` answers the ids, positions and lights as parallel arrays (the map’s layer). ' +
        `\`format=clusters\` with the view’s \`zoom\`: below zoom ${CASE_POINTS_FROM_ZOOM} every open case ` +
        'in the box counted in clusters of about 64 screen pixels, each with its lights’ counts (no ' +
        `limit); from zoom ${CASE_POINTS_FROM_ZOOM} the points answer.`,
      tags: ['map'],
      access: 'authenticated',
      query: z.object({
        bbox: bboxQuery,
        limit: layerLimit(20_000, 10_000),
        format: z
          .enum(['geojson', 'points', 'clusters'])
          .default('geojson')
          .describe(
            'geojson: a FeatureCollection with each case’s fields; points: parallel arrays; ' +
              'clusters: clusters or points by `zoom`',
          ),
        zoom: queryNumber(z.coerce.number().min(0).max(24))
          .optional()
          .describe('the view’s zoom (MapLibre’s), required with format=clusters'),
      }),
      responses: {
        200: { description: 'Open cases', schema: z.union([caseFeatures, casePoints, caseClusters]) },
      },
      handler: async ({ query, principal }) => {
        const box = parseBbox(query.bbox);
        const { format, zoom } = query;
        const now = clock();
        if (format === 'clusters' && zoom === undefined) {
          throw validationError('format=clusters needs the view’s zoom', [
            { field: 'query.zoom', message: 'required with format=clusters' },
          ]);
        }
        if (format === 'clusters' && zoom !== undefined && zoom < CASE_POINTS_FROM_ZOOM) {
          const level = Math.floor(zoom);
          const { cases } = await openCasesInBox(db, config, now, { box, principal });
          return {
            format: 'clusters' as const,
            zoom: level,
            pointsFromZoom: CASE_POINTS_FROM_ZOOM,
            clusters: clusterCases(cases, level).map((c) => ({
              ...c,
              lng: micro(c.lng),
              lat: micro(c.lat),
              bounds: c.bounds.map(micro) as [number, number, number, number],
            })),
            truncated: false as const,
          };
        }
        const { cases, truncated } = await openCasesInBox(db, config, now, {
          box,
          principal,
          limit: query.limit,
        });
        if (format !== 'geojson') {
          return {
            format: 'points' as const,
            ids: cases.map((c) => c.id),
            lng: cases.map((c) => micro(c.lng)),
            lat: cases.map((c) => micro(c.lat)),
            states: cases.map((c) => (c.light ? STATE_LETTER[c.light] : 'n')).join(''),
            truncated,
            ...(format === 'clusters' ? { pointsFromZoom: CASE_POINTS_FROM_ZOOM } : {}),
          };
        }
        return {
          type: 'FeatureCollection' as const,
          features: cases.map((c) => ({
            type: 'Feature' as const,
            geometry: pointOf(c),
            properties: {
              id: c.id,
              caseNo: c.caseNo,
              status: c.status,
              urgency: c.urgency,
              categoryCode: c.categoryCode,
              state: c.light ?? ('none' as const),
            },
          })),
          truncated,
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/map/grid-cells',
      summary: 'Active grid cells whose box meets `bbox`, as GeoJSON polygons',
      tags: ['map'],
      access: 'authenticated',
      query: z.object({ bbox: bboxQuery, limit: layerLimit(20_000, 5_000) }),
      responses: { 200: { description: 'Grid cells', schema: cellFeatures } },
      handler: async ({ query }) => {
        const rows = await prisma.gridCell.findMany({
          where: { active: true, ...boxesMeeting(query.bbox) },
          orderBy: { code: 'asc' },
          take: query.limit + 1,
          select: { code: true, street: true, community: true, geometry: true },
        });
        return layerAnswer(rows, query.limit, (c) => ({
          geometry: JSON.parse(c.geometry) as unknown,
          properties: { code: c.code, street: c.street, community: c.community },
        }));
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/map/components',
      summary: 'Components (部件) in a box as GeoJSON points',
      tags: ['map'],
      access: 'authenticated',
      query: z.object({ bbox: bboxQuery, limit: layerLimit(20_000, 5_000) }),
      responses: { 200: { description: 'Components', schema: componentFeatures } },
      handler: async ({ query }) => {
        const rows = await prisma.component.findMany({
          where: { ...pointsIn(query.bbox), status: { not: 'removed' } },
          orderBy: { code: 'asc' },
          take: query.limit + 1,
          select: {
            id: true,
            code: true,
            name: true,
            categoryCode: true,
            status: true,
            lng: true,
            lat: true,
          },
        });
        return layerAnswer(rows, query.limit, (c) => ({
          geometry: pointOf(c),
          properties: {
            id: c.id,
            code: c.code,
            name: c.name,
            categoryCode: c.categoryCode,
            status: c.status,
          },
        }));
      },
    }),
  ];
}
