/**
 * What every map layer of a registry (grid cells, 部件, 广告店招, 地下管网) and every list filtered by the
 * viewport share: the `bbox` parameter and its parsing, the `limit`, the filter of the rows in the box
 * (points in it, or stored bounding boxes meeting it) and the answer — a GeoJSON FeatureCollection
 * that says `truncated` when more rows met the box than the limit, so the map tells the user to zoom in
 * instead of silently showing part of the data.
 */
import { z } from 'zod';
import { queryNumber } from '../api/validate.ts';
import { validationError } from '../errors.ts';
import type { Bbox } from './open-cases.ts';

export const bboxQuery = z
  .string()
  .describe('minLng,minLat,maxLng,maxLat in WGS84 degrees (the viewport, usually padded a little)');

/** A layer's `limit` parameter. */
export const layerLimit = (max: number, dflt: number) =>
  queryNumber(z.coerce.number().int().min(1).max(max)).default(dflt);

/** Parses `bbox`; a swapped or out-of-range box is a 400 naming the field. */
export function parseBbox(raw: string): Bbox {
  const parts = raw.split(',').map((p) => Number(p.trim()));
  const bad = (message: string) => validationError('invalid bbox', [{ field: 'query.bbox', message }]);
  if (parts.length !== 4 || parts.some((n) => !Number.isFinite(n))) {
    throw bad('four numbers: minLng,minLat,maxLng,maxLat');
  }
  const [minLng, minLat, maxLng, maxLat] = parts as [number, number, number, number];
  if (minLng < -180 || maxLng > 180 || minLat < -90 || maxLat > 90) throw bad('outside WGS84 degrees');
  if (minLng > maxLng || minLat > maxLat) throw bad('min above max (longitude first, then latitude)');
  return { minLng, minLat, maxLng, maxLat };
}

/** The rows whose point (`lng`, `lat`) lies in `bbox`. */
export function pointsIn(bbox: string) {
  const b = parseBbox(bbox);
  return { lng: { gte: b.minLng, lte: b.maxLng }, lat: { gte: b.minLat, lte: b.maxLat } };
}

/**
 * The rows whose stored bounding box (`minLng` … `maxLat`) meets `bbox`: a line or polygon crossing the
 * view with no vertex in it too.
 */
export function boxesMeeting(bbox: string) {
  const b = parseBbox(bbox);
  return {
    minLng: { lte: b.maxLng },
    maxLng: { gte: b.minLng },
    minLat: { lte: b.maxLat },
    maxLat: { gte: b.minLat },
  };
}

export const pointGeometry = z.object({
  type: z.literal('Point'),
  coordinates: z.tuple([z.number(), z.number()]),
});

/** A layer's answer schema: its features' properties and geometry; `what` names its rows. */
export const featureCollection = <P extends z.ZodType>(properties: P, geometry: z.ZodType, what: string) =>
  z.object({
    type: z.literal('FeatureCollection'),
    features: z.array(z.object({ type: z.literal('Feature'), geometry, properties })),
    truncated: z.boolean().describe(`more ${what} lie in the box than the limit: zoom in`),
  });

/**
 * A layer's answer from rows read with `take: limit + 1`: the first `limit` as features, and whether
 * there were more.
 */
export function layerAnswer<R, G, P>(
  rows: R[],
  limit: number,
  feature: (row: R) => { geometry: G; properties: P },
) {
  return {
    type: 'FeatureCollection' as const,
    features: rows.slice(0, limit).map((r) => ({ type: 'Feature' as const, ...feature(r) })),
    truncated: rows.length > limit,
  };
}

/** A stored point as GeoJSON. */
export const pointOf = (r: { lng: number; lat: number }) => ({
  type: 'Point' as const,
  coordinates: [r.lng, r.lat] as [number, number],
});
