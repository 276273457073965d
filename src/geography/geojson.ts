/**
 * Validation of GeoJSON geometries entering the gazetteer or the grid (RFC 7946, WGS84 [lng, lat]).
 * Every problem is reported with where it is (`features.12.geometry.coordinates.0.3`) and what is wrong,
 * so an import's report can list them all at once. Checks beyond the RFC, because they are the usual
 * faults of exported city data:
 * - positions outside the city's extent (GEO_EXTENT) are refused, and when the position would be inside
 *   with latitude and longitude exchanged the message says so (a frequent export mistake);
 * - polygon rings must be closed and must not cross themselves;
 * - a LineString needs two distinct positions.
 */
import type { FieldError } from '../errors.ts';

export type Position = [number, number];
export type GeometryType = 'Point' | 'LineString' | 'MultiLineString' | 'Polygon' | 'MultiPolygon';

export interface Geometry {
  type: GeometryType;
  coordinates: unknown;
}

export interface BBox {
  minLng: number;
  minLat: number;
  maxLng: number;
  maxLat: number;
}

/** The area positions must fall in: the city with a margin (config GEO_EXTENT). */
export type Extent = BBox;

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

const inExtent = (e: Extent, lng: number, lat: number) =>
  lng >= e.minLng && lng <= e.maxLng && lat >= e.minLat && lat <= e.maxLat;

export const formatExtent = (e: Extent) => `${e.minLng}..${e.maxLng} E, ${e.minLat}..${e.maxLat} N`;

/** Checks one position; pushes errors, returns it when usable. */
function position(value: unknown, at: string, extent: Extent, errors: FieldError[]): Position | undefined {
  if (!Array.isArray(value) || value.length < 2 || value.length > 3 || !value.every(isNumber)) {
    errors.push({ field: at, message: 'expected [longitude, latitude] numbers' });
    return undefined;
  }
  const [lng, lat] = value as [number, number];
  if (!inExtent(extent, lng, lat)) {
    const swapped = inExtent(extent, lat, lng);
    const lngIn = lng >= extent.minLng && lng <= extent.maxLng;
    const latIn = lat >= extent.minLat && lat <= extent.maxLat;
    errors.push({
      // The one number that is off when the other is fine (a typo in an export), else the position.
      field: swapped || lngIn === latIn ? at : `${at}.${lngIn ? 1 : 0}`,
      message: swapped
        ? `[${lng}, ${lat}] looks like [latitude, longitude]: GeoJSON positions are [longitude, latitude]`
        : `[${lng}, ${lat}] lies outside the city's extent (${formatExtent(extent)}): wrong coordinate system or wrong place`,
    });
    return undefined;
  }
  return [lng, lat];
}

function positions(value: unknown, at: string, extent: Extent, errors: FieldError[], min: number) {
  if (!Array.isArray(value) || value.length < min) {
    errors.push({ field: at, message: `expected an array of at least ${min} positions` });
    return undefined;
  }
  const out: Position[] = [];
  const before = errors.length;
  value.forEach((p, i) => {
    const pos = position(p, `${at}.${i}`, extent, errors);
    if (pos) out.push(pos);
  });
  return errors.length === before ? out : undefined;
}

/** Segments (a, b) and (c, d) cross or touch at a point other than a shared end. */
function segmentsCross(a: Position, b: Position, c: Position, d: Position): boolean {
  const orient = (p: Position, q: Position, r: Position) =>
    Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  return o1 !== o2 && o3 !== o4 && o1 !== 0 && o2 !== 0 && o3 !== 0 && o4 !== 0;
}

/** Index of the first pair of non-adjacent edges that cross, or undefined. */
export function selfIntersection(ring: Position[]): [number, number] | undefined {
  const n = ring.length - 1;
  // Quadratic, but rings of grid cells and compounds have a handful of corners; large rings are rare.
  for (let i = 0; i < n; i++) {
    for (let j = i + 2; j < n; j++) {
      if (i === 0 && j === n - 1) continue;
      if (segmentsCross(ring[i]!, ring[i + 1]!, ring[j]!, ring[j + 1]!)) return [i, j];
    }
  }
  return undefined;
}

function ring(value: unknown, at: string, extent: Extent, errors: FieldError[]): Position[] | undefined {
  const pts = positions(value, at, extent, errors, 4);
  if (!pts) {
    if (Array.isArray(value) && value.length < 4)
      errors.splice(errors.length - 1, 1, {
        field: at,
        message: 'a linear ring needs at least 4 positions (3 corners and the first again)',
      });
    return undefined;
  }
  const first = pts[0]!;
  const last = pts[pts.length - 1]!;
  if (first[0] !== last[0] || first[1] !== last[1]) {
    errors.push({
      field: `${at}.${pts.length - 1}`,
      message: 'the ring is not closed: the last position must equal the first',
    });
    return undefined;
  }
  if (new Set(pts.slice(0, -1).map(([x, y]) => `${x},${y}`)).size < 3) {
    errors.push({ field: at, message: 'a ring needs at least 3 distinct corners' });
    return undefined;
  }
  const crossing = selfIntersection(pts);
  if (crossing) {
    errors.push({
      field: at,
      message: `the ring crosses itself: edge ${crossing[0]}–${crossing[0] + 1} crosses edge ${crossing[1]}–${crossing[1] + 1}`,
    });
    return undefined;
  }
  return pts;
}

const polygon = (value: unknown, at: string, extent: Extent, errors: FieldError[]) => {
  if (!Array.isArray(value) || value.length === 0) {
    errors.push({ field: at, message: 'expected at least one linear ring' });
    return undefined;
  }
  const before = errors.length;
  const rings = value.map((r, i) => ring(r, `${at}.${i}`, extent, errors));
  return errors.length === before ? (rings as Position[][]) : undefined;
};

/**
 * Checks `value` as a GeoJSON geometry of one of `allowed` types inside `extent`; `at` is where it sits.
 * Returns the cleaned geometry (positions reduced to [lng, lat]) and its bounding box, or pushes errors.
 */
export function checkGeometry(
  value: unknown,
  at: string,
  allowed: readonly GeometryType[],
  extent: Extent,
  errors: FieldError[],
): { geometry: Geometry; bbox: BBox } | undefined {
  const g = value as { type?: unknown; coordinates?: unknown; crs?: unknown } | null;
  if (typeof g !== 'object' || g === null || Array.isArray(g)) {
    errors.push({ field: at, message: `expected a GeoJSON geometry (${allowed.join(', ')})` });
    return undefined;
  }
  if (!allowed.includes(g.type as GeometryType)) {
    errors.push({
      field: `${at}.type`,
      message: `expected ${allowed.map((t) => `"${t}"`).join(' or ')}, got ${JSON.stringify(g.type)}`,
    });
    return undefined;
  }
  const type = g.type as GeometryType;
  const c = `${at}.coordinates`;
  let coordinates: unknown;
  let all: Position[];
  if (type === 'Point') {
    const p = position(g.coordinates, c, extent, errors);
    if (!p) return undefined;
    coordinates = p;
    all = [p];
  } else if (type === 'LineString') {
    const line = positions(g.coordinates, c, extent, errors, 2);
    if (!line) return undefined;
    if (new Set(line.map(([x, y]) => `${x},${y}`)).size < 2) {
      errors.push({ field: c, message: 'a line needs two distinct positions' });
      return undefined;
    }
    coordinates = line;
    all = line;
  } else if (type === 'MultiLineString') {
    if (!Array.isArray(g.coordinates) || g.coordinates.length === 0) {
      errors.push({ field: c, message: 'expected at least one line' });
      return undefined;
    }
    const before = errors.length;
    const lines = g.coordinates.map((l, i) => positions(l, `${c}.${i}`, extent, errors, 2));
    if (errors.length !== before) return undefined;
    coordinates = lines;
    all = (lines as Position[][]).flat();
  } else if (type === 'Polygon') {
    const rings = polygon(g.coordinates, c, extent, errors);
    if (!rings) return undefined;
    coordinates = rings;
    all = rings[0]!;
  } else {
    if (!Array.isArray(g.coordinates) || g.coordinates.length === 0) {
      errors.push({ field: c, message: 'expected at least one polygon' });
      return undefined;
    }
    const before = errors.length;
    const polys = g.coordinates.map((p, i) => polygon(p, `${c}.${i}`, extent, errors));
    if (errors.length !== before) return undefined;
    coordinates = polys;
    all = (polys as Position[][][]).flatMap((p) => p[0]!);
  }
  return { geometry: { type, coordinates }, bbox: bboxOf(all) };
}

export function bboxOf(points: Position[]): BBox {
  let minLng = Infinity;
  let minLat = Infinity;
  let maxLng = -Infinity;
  let maxLat = -Infinity;
  for (const [lng, lat] of points) {
    if (lng < minLng) minLng = lng;
    if (lng > maxLng) maxLng = lng;
    if (lat < minLat) minLat = lat;
    if (lat > maxLat) maxLat = lat;
  }
  return { minLng, minLat, maxLng, maxLat };
}

/**
 * The coordinate reference system a GeoJSON document names (the 2008 `crs` member that many Chinese GIS
 * exports still write), as an EPSG code, or undefined when it names none (RFC 7946: WGS84).
 */
export function declaredCrs(doc: unknown): string | undefined {
  const crs = (doc as { crs?: { properties?: { name?: unknown } } } | null)?.crs;
  const name = crs?.properties?.name;
  if (typeof name !== 'string') return undefined;
  const m = /EPSG:{1,2}(\d+)/i.exec(name);
  if (m) return `EPSG:${m[1]}`;
  if (/CRS84$/i.test(name)) return 'EPSG:4326';
  return name;
}

/** CRSs that are WGS84 longitude/latitude for the hub (CGCS2000 equals WGS84 within a metre at city scale). */
export const WGS84_LIKE = new Set(['EPSG:4326', 'EPSG:4490']);
