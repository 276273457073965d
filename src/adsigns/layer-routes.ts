/**
 * The 广告店招 map layer: the signs whose point lies in the viewport, each with its status on the city's
 * date (the map colours them by it), as the components layer answers its points. A removed sign is kept
 * (grey on the map): the archive shows where it stood.
 */
import { z } from 'zod';
import { defineRoute, type Route } from '../api/route.ts';
import { cityClock } from '../city-clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/index.ts';
import {
  bboxQuery,
  featureCollection,
  layerAnswer,
  layerLimit,
  pointGeometry,
  pointOf,
  pointsIn,
} from '../map/layer.ts';
import { AD_SIGN_READERS } from './access.ts';
import { AD_SIGN_STATUSES, dayOf, signStatus } from './status.ts';

const featuresSchema = featureCollection(
  z.object({
    id: z.string(),
    code: z.string(),
    name: z.string(),
    kind: z.string(),
    status: z.enum(AD_SIGN_STATUSES),
  }),
  pointGeometry,
  'signs',
);

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
      query: z.object({ bbox: bboxQuery, limit: layerLimit(20_000, 5_000) }),
      responses: { 200: { description: 'Signs', schema: featuresSchema } },
      handler: async ({ query }) => {
        const today = dayOf(now(), clock);
        const rows = await prisma.adSign.findMany({
          where: pointsIn(query.bbox),
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
        return layerAnswer(rows, query.limit, (s) => ({
          geometry: pointOf(s),
          properties: { id: s.id, code: s.code, name: s.name, kind: s.kind, status: signStatus(s, today) },
        }));
      },
    }),
  ];
}
