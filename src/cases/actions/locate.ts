import { z } from 'zod';
import type { PrismaClient } from '../../db/index.ts';
import { validationError } from '../../errors.ts';
import { cellAt as gridCellAt } from '../../geography/grid.ts';
import { COORDINATE_SYSTEMS, geocoderFor, toWgs84 } from '../../geography/index.ts';
import { action, COMMAND, note, notAllowed, text } from './common.ts';

/** Where the desk placed the case (locateAction's `prepare`). */
interface Located {
  lng: number;
  lat: number;
  gridCode: string;
  /** The address given and geocoded, which replaces the case's; null for a point. */
  address: string | null;
  geocode: { geocodeConfidence: number | null; geocodeMatch: string | null };
}

const locateBody = z
  .object({
    lng: z.number().min(-180).max(180).optional(),
    lat: z.number().min(-90).max(90).optional(),
    crs: z.enum(COORDINATE_SYSTEMS).default('wgs84'),
    address: text(200).optional().describe('an address chosen at the desk, geocoded'),
    note,
  })
  .strict();

/**
 * 定位修复: a person places a case the procedure could not locate (rt_locate_repair). An address is
 * trusted from `minConfidence` (GEOCODE_MIN_CONFIDENCE), the same bar the locate worker sets, so the desk
 * cannot place a case on a reading the procedure itself refused. The gazetteer and the grid are read
 * through `prisma`, the hub's client, before the action's transaction: their in-memory indexes are kept
 * per client, and a transaction's client is new each time (it would load both tables on every action).
 */
export const locateAction = (minConfidence: number, prisma: PrismaClient) =>
  action<typeof locateBody, Located>({
    name: 'locate',
    events: ['location_repaired'],
    waitsAt: ['rt_locate_repair'],
    summary:
      'Place a case the procedure could not locate (定位修复): a point, or an address that geocodes well',
    description:
      'Allowed while the procedure waits for location repair (the case has locationRepairAt). Either `lng`/`lat` ' +
      '(in `crs`, default WGS84; GCJ-02 and BD-09 are converted) or `address` (geocoded; confidence ≥ ' +
      `${minConfidence} (GEOCODE_MIN_CONFIDENCE); ` +
      'replaces the case address). The point must lie in an active grid cell. Publishes case.located: the ' +
      'procedure locates the case again and goes on.',
    access: COMMAND,
    holder: 'none',
    body: locateBody,
    // The point, from the body or the gazetteer, and its cell: read before the action's transaction.
    prepare: async (body) => {
      let point: [number, number];
      let address: string | null = null;
      let geocode: Located['geocode'] = { geocodeConfidence: null, geocodeMatch: null };
      if (body.lng !== undefined && body.lat !== undefined) {
        point = toWgs84([body.lng, body.lat], body.crs);
      } else if (body.address && body.lng === undefined && body.lat === undefined) {
        const reading = await geocoderFor(prisma).geocode(body.address);
        if (!reading || reading.confidence < minConfidence)
          throw validationError('address not placed', [
            {
              field: 'body.address',
              message: reading
                ? `“${body.address}” reads as ${reading.matched} with confidence ${reading.confidence} < ${minConfidence}: give a point`
                : `“${body.address}” names no known road, door, compound or place: give a point`,
            },
          ]);
        point = reading.point;
        address = body.address;
        geocode = { geocodeConfidence: reading.confidence, geocodeMatch: reading.matched };
      } else {
        throw validationError('no location', [
          { field: 'body', message: 'give lng and lat together, or an address (not both)' },
        ]);
      }
      const [lng, lat] = [Math.round(point[0] * 1e6) / 1e6, Math.round(point[1] * 1e6) / 1e6];
      const cell = await gridCellAt(prisma, lng, lat);
      if (!cell)
        throw validationError('outside the grid', [
          { field: 'body', message: `(${lng}, ${lat}) lies outside every active grid cell of the city` },
        ]);
      return { lng, lat, gridCode: cell.code, address, geocode };
    },
    plan: ({ row, body, prepared: { lng, lat, gridCode, address, geocode } }) => {
      if (!row.locationRepairAt)
        throw notAllowed(row, '定位修复 (locate)', 'the procedure is not waiting for location repair');
      return {
        type: 'location_repaired',
        note: body.note,
        data: { lng, lat, gridCode, crs: body.crs, address: body.address ?? null },
        caseUpdate: {
          lng,
          lat,
          address: address ?? row.address,
          locationRepairAt: null,
          locationRepairNote: null,
          ...geocode,
        },
        message: { name: 'case.located' },
      };
    },
  });
