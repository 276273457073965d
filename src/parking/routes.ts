/**
 * Parking lots' administration (create, change, import) and the statistics view's figures; the public
 * guidance is guidance-routes.ts.
 */
import { z } from 'zod';
import { defineRoute, type Route } from '../api/route.ts';
import type { Config } from '../config.ts';
import { isUniqueViolation, type Db } from '../db/index.ts';
import { conflict, notFound, validationError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { boardSettings, parkingBoardFor, type GuidanceLot, type LotState } from './board.ts';
import { guidanceLotSchema } from './guidance-routes.ts';
import { occupancyStats } from './history.ts';
import { checkPosition, importLots, lotInputSchema } from './lots.ts';

const READERS = ['administrator', 'leader', 'shift_leader', 'dispatcher'] as const;

const lotViewSchema = guidanceLotSchema.extend({
  id: z.string(),
  active: z.boolean(),
  occupied: z.number().int().describe('vehicles inside as the hub counts them'),
  reportedAt: z.string().nullable().describe('when the lot’s system was last heard from'),
});

const adminView = ({ lot, view }: { lot: LotState; view: GuidanceLot }) => ({
  ...view,
  id: lot.id,
  active: lot.active,
  occupied: lot.occupied,
  reportedAt: lot.feedAt?.toISOString() ?? null,
});

const reportSchema = z.object({
  created: z.array(z.string()),
  updated: z.array(z.string()),
  unchanged: z.array(z.string()),
});

const statsSchema = z.object({
  from: z.string(),
  to: z.string(),
  stepMinutes: z.number().int(),
  bucketMinutes: z
    .number()
    .int()
    .describe('the history’s bucket (PARKING_HISTORY_MINUTES): unknownBuckets × this = minutes unknown'),
  series: z.array(
    z.object({
      at: z.string(),
      capacity: z.number().int().describe('spaces of the lots whose count was known'),
      free: z.number().int().nullable(),
      entries: z.number().int(),
      exits: z.number().int(),
      unknownLots: z.number().int(),
    }),
  ),
  lots: z.array(
    z.object({
      code: z.string(),
      name: z.string(),
      area: z.string(),
      capacity: z.number().int(),
      meanOccupancyPercent: z.number().nullable(),
      peakOccupancyPercent: z.number().nullable(),
      entries: z.number().int(),
      exits: z.number().int(),
      unknownBuckets: z.number().int(),
    }),
  ),
});

export function parkingRoutes(deps: {
  db: Db;
  config: Pick<
    Config,
    | 'PARKING_SILENCE_SECONDS'
    | 'PARKING_REFRESH_SECONDS'
    | 'PARKING_GUIDANCE_MAX_AGE_SECONDS'
    | 'PARKING_FEW_PERCENT'
    | 'PARKING_HISTORY_MINUTES'
    | 'GEO_EXTENT'
  >;
  logger: Logger;
}): Route[] {
  const { db, config } = deps;
  const board = parkingBoardFor(db, boardSettings(config), deps.logger);
  const extent = config.GEO_EXTENT;

  async function viewOf(code: string) {
    const found = (await board.lots()).find((l) => l.lot.code === code);
    if (!found) throw notFound(`parking lot ${code}`);
    return adminView(found);
  }
  const positionChecked = <T extends { lng: number; lat: number }>(lot: T) => {
    const errors = checkPosition(lot, extent, 'body.');
    if (errors.length) throw validationError('position outside the city', errors);
    return lot;
  };

  return [
    defineRoute({
      method: 'GET',
      path: '/api/parking/lots',
      summary: 'Parking lots with their live count',
      tags: ['parking'],
      access: [...READERS],
      responses: {
        200: {
          description: 'Every lot, inactive ones too',
          schema: z.object({ items: z.array(lotViewSchema) }),
        },
      },
      handler: async () => ({
        items: (await board.lots()).map(adminView).sort((a, b) => a.code.localeCompare(b.code)),
      }),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/parking/lots',
      summary: 'Add a parking lot',
      tags: ['parking'],
      access: ['administrator'],
      body: lotInputSchema,
      responses: { 201: { description: 'The lot', schema: lotViewSchema } },
      handler: async ({ body }) => {
        const lot = positionChecked(body);
        try {
          await db.prisma.parkingLot.create({
            data: { ...lot, street: lot.street ?? null, active: lot.active ?? true },
          });
        } catch (err) {
          if (isUniqueViolation(err)) throw conflict(`parking lot ${lot.code} exists`);
          throw err;
        }
        board.invalidate();
        return viewOf(lot.code);
      },
    }),
    defineRoute({
      method: 'PUT',
      path: '/api/parking/lots/:code',
      summary: 'Change a parking lot (name, area, position, capacity, active)',
      tags: ['parking'],
      access: ['administrator'],
      params: z.object({ code: z.string() }),
      body: lotInputSchema.omit({ code: true }),
      responses: { 200: { description: 'The lot', schema: lotViewSchema } },
      handler: async ({ params, body }) => {
        const lot = positionChecked(body);
        const old = await db.prisma.parkingLot.findUnique({ where: { code: params.code } });
        if (!old) throw notFound(`parking lot ${params.code}`);
        await db.prisma.parkingLot.update({
          where: { id: old.id },
          data: {
            ...lot,
            street: lot.street ?? null,
            // A smaller lot keeps its count within its new capacity.
            occupied: Math.min(old.occupied, lot.capacity),
          },
        });
        board.invalidate();
        return viewOf(params.code);
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/parking/lots/import',
      summary: 'Import parking lots (CSV or a JSON list), all or nothing',
      description:
        'CSV with the header code,name,area,street,lng,lat,capacity (UTF-8), or `lots` as a JSON list of ' +
        'lots. Every row is checked first: one refused row refuses the file (400, each problem named ' +
        '`rows.<row>.<field>`, row = CSV line or list index) and nothing is written. Lots are created or ' +
        'updated by code; the report lists which.',
      tags: ['parking'],
      access: ['administrator'],
      body: z
        .object({ csv: z.string().optional(), lots: z.array(z.unknown()).max(10_000).optional() })
        .refine((b) => (b.csv === undefined) !== (b.lots === undefined), 'either csv or lots'),
      responses: { 200: { description: 'What the import did', schema: reportSchema } },
      handler: async ({ body, log }) => {
        const report = await importLots(db, body, extent);
        board.invalidate();
        log.info(
          {
            created: report.created.length,
            updated: report.updated.length,
            unchanged: report.unchanged.length,
          },
          'parking lots imported',
        );
        return report;
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/parking/stats',
      summary: 'Occupancy statistics of the parking lots over a period',
      description:
        'From the occupancy history (one row per lot per PARKING_HISTORY_MINUTES): the city’s (or one ' +
        'area’s) free spaces, entries and exits per `step` minutes, and per lot the mean and peak share ' +
        'taken and the buckets in which its feed was silent. Default: the last 24 hours per hour.',
      tags: ['parking'],
      access: [...READERS],
      query: z.object({
        from: z.iso.datetime({ offset: true }).optional(),
        to: z.iso.datetime({ offset: true }).optional(),
        step: z.coerce.number().int().positive().max(1440).optional().describe('minutes, default 60'),
        area: z.string().min(1).optional(),
      }),
      responses: { 200: { description: 'Series and per-lot summary', schema: statsSchema } },
      handler: async ({ query }) => {
        const to = query.to ? new Date(query.to) : new Date();
        const from = query.from ? new Date(query.from) : new Date(to.getTime() - 86_400_000);
        if (from >= to)
          throw validationError('from must be before to', [{ field: 'query.from', message: 'after to' }]);
        if (to.getTime() - from.getTime() > 92 * 86_400_000)
          throw validationError('at most 92 days at once', [
            { field: 'query.from', message: 'more than 92 days before to' },
          ]);
        const stepMinutes = Math.max(query.step ?? 60, config.PARKING_HISTORY_MINUTES);
        const stats = await occupancyStats(db, { from, to, stepMinutes, area: query.area });
        return {
          from: from.toISOString(),
          to: to.toISOString(),
          stepMinutes,
          bucketMinutes: config.PARKING_HISTORY_MINUTES,
          ...stats,
        };
      },
    }),
  ];
}
