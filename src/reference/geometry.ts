/**
 * Validation of a grid cell's GeoJSON Polygon (RFC 7946 §3.1.6): rings of at least four positions,
 * each ring closed (last position = first), WGS84 [lng, lat] within range, no two consecutive equal
 * positions. Returns the polygon and the bounding box of its outer ring (what the locate worker's
 * prefilter reads). Errors name the offending position, e.g. `body.geometry.coordinates.0.3` (the
 * notation of the other validation errors).
 */
import { validationError, type FieldError } from '../errors.ts';

export interface Polygon {
  type: 'Polygon';
  coordinates: [number, number][][];
}

export interface BBox {
  minLng: number;
  minLat: number;
  maxLng: number;
  maxLat: number;
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Checks `value` as a GeoJSON Polygon; `field` is where it sits in the request. */
export function parsePolygon(value: unknown, field: string): { polygon: Polygon; bbox: BBox } {
  const fail = (errors: FieldError[]): never => {
    throw validationError('invalid GeoJSON polygon', errors);
  };
  const g = value as { type?: unknown; coordinates?: unknown } | null;
  if (typeof g !== 'object' || g === null || Array.isArray(g))
    fail([{ field, message: 'expected a GeoJSON Polygon object' }]);
  if (g!.type !== 'Polygon') fail([{ field: `${field}.type`, message: 'expected "Polygon"' }]);
  const rings = g!.coordinates;
  if (!Array.isArray(rings) || rings.length === 0) {
    fail([{ field: `${field}.coordinates`, message: 'expected at least one linear ring' }]);
  }
  const errors: FieldError[] = [];
  const out: [number, number][][] = [];
  (rings as unknown[]).forEach((ring, r) => {
    const at = `${field}.coordinates.${r}`;
    if (!Array.isArray(ring) || ring.length < 4) {
      errors.push({
        field: at,
        message: 'a linear ring needs at least 4 positions (3 corners and the first again)',
      });
      return;
    }
    const positions: [number, number][] = [];
    ring.forEach((p: unknown, i) => {
      const pos = p as unknown[];
      if (!Array.isArray(pos) || pos.length < 2 || pos.length > 3 || !pos.every(isNumber)) {
        errors.push({ field: `${at}.${i}`, message: 'expected [longitude, latitude] numbers' });
        return;
      }
      const [lng, lat] = pos as [number, number];
      if (lng < -180 || lng > 180)
        errors.push({ field: `${at}.${i}.0`, message: 'longitude must be within -180..180' });
      if (lat < -90 || lat > 90)
        errors.push({ field: `${at}.${i}.1`, message: 'latitude must be within -90..90' });
      positions.push([lng, lat]);
    });
    if (positions.length !== ring.length) return;
    const first = positions[0]!;
    const last = positions[positions.length - 1]!;
    if (first[0] !== last[0] || first[1] !== last[1]) {
      errors.push({
        field: `${at}.${ring.length - 1}`,
        message: 'the ring is not closed: the last position must equal the first',
      });
    }
    const corners = new Set(positions.slice(0, -1).map(([x, y]) => `${x},${y}`));
    if (corners.size < 3) errors.push({ field: at, message: 'a ring needs at least 3 distinct corners' });
    out.push(positions);
  });
  if (errors.length) fail(errors);
  const outer = out[0]!;
  const lngs = outer.map((p) => p[0]);
  const lats = outer.map((p) => p[1]);
  return {
    polygon: { type: 'Polygon', coordinates: out },
    bbox: {
      minLng: Math.min(...lngs),
      minLat: Math.min(...lats),
      maxLng: Math.max(...lngs),
      maxLat: Math.max(...lats),
    },
  };
}
