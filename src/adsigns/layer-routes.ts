/**
 * The 广告店招 map layer: the signs whose point lies in the viewport, each with its status on the city's
 * date (the map colours them by it), as the components layer answers its points. A removed sign is kept
 * (grey on the map): the archive shows where it stood.
 */
import { z } from 'zod';
import { defineRoute, type Route } from '../api/route.ts';
import { queryNumber } from '../api/validate.ts';
import { cityClock } from '../city-clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/index.ts';
import { parseBbox } from '../map/routes.ts';
import { AD_SIGN_READERS } from './access.ts';
import { AD_SIGN_STATUSES, dayOf, signStatus } from './status.ts';

const featuresSchema = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      geometry: z.object({ type: z.literal('Point'), coordinates: z.tuple([z.number(), z.number()]) }),
      properties: z.object({
        id: z.string(),
        code: z.string(),
        name: z.string(),
        kind: z.string(),
        status: z.enum(AD_SIGN_STATUSES),
      }),
    }),
  ),
  truncated: z.boolean().describe('more signs lie in the box than the limit: zoom in'),
});

export function adSignLayerRoutes({
  db,
  config,
  now = () => new Date(),
}: {
  db: Db;
  config: Pick<Config, 'CALENDAR_TIMEZONE'>;
  now?: () => Date;
}): Route[] {
  const { prisma } = db;
  const clock = cityClock(config);
  return [
    defineRoute({
      method: 'GET',
      path: '/api/map/ad-signs',
      summary: 'Signs and ads (广告店招) in a box as GeoJSON points, with their status',
      description:
        '`bbox` minLng,minLat,maxLng,maxLat (WGS84); ordered by 档案号; `truncated` when more lie in the ' +
        'box than `limit`. The status is judged on the city’s date (有效, 即将到期, 已过期, 未许可, 已拆除).',
      tags: ['map', 'ad-signs'],
      access: [...AD_SIGN_READERS],
      query: z.object({
        bbox: z.string().describe('minLng,minLat,maxLng,maxLat in WGS84 degrees'),
        limit: queryNumber(z.coerce.number().int().min(1).max(20_000)).default(5_000),
      }),
      responses: { 200: { description: 'Signs', schema: featuresSchema } },
      handler: async ({ query }) => {
        const b = parseBbox(query.bbox);
        const today = dayOf(now(), clock);
        const rows = await prisma.adSign.findMany({
          where: { lng: { gte: b.minLng, lte: b.maxLng }, lat: { gte: b.minLat, lte: b.maxLat } },
          orderBy: { code: 'asc' },
          take: query.limit + 1,
          select: {
            id: true,
            code: true,
            name: true,
            kind: true,
            lng: true,
            lat: true,
            permitNo: true,
            permitEnd: true,
            removedAt: true,
          },
        });
        const page = rows.slice(0, query.limit);
        return {
          type: 'FeatureCollection' as const,
          features: page.map((s) => ({
            type: 'Feature' as const,
            geometry: { type: 'Point' as const, coordinates: [s.lng, s.lat] as [number, number] },
            properties: { id: s.id, code: s.code, name: s.name, kind: s.kind, status: signStatus(s, today) },
          })),
          truncated: rows.length > query.limit,
        };
      },
    }),
  ];
}
