/**
 * Point-in-polygon over GeoJSON Polygon / MultiPolygon geometries (WGS84 lng/lat, planar math: cells
 * are ~100 m across, so the earth's curvature does not matter). Ray casting with the even-odd rule, so
 * holes (inner rings) are excluded.
 */

type Ring = [number, number][];

/** True when (lng, lat) lies inside the ring (points exactly on an edge may fall either way). */
function inRing(lng: number, lat: number, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > lat !== yj > lat && lng < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** True when the point is inside the polygon's outer ring and outside its holes. */
function inPolygon(lng: number, lat: number, rings: Ring[]): boolean {
  if (rings.length === 0 || !inRing(lng, lat, rings[0]!)) return false;
  return !rings.slice(1).some((hole) => inRing(lng, lat, hole));
}

/**
 * True when (lng, lat) lies in the GeoJSON geometry (text). Throws on text that is not a Polygon or
 * MultiPolygon, naming `what` (the grid cell), so a broken cell raises an incident rather than hiding.
 */
export function geometryContains(geometryText: string, lng: number, lat: number, what: string): boolean {
  let geometry: { type?: unknown; coordinates?: unknown };
  try {
    geometry = JSON.parse(geometryText) as typeof geometry;
  } catch {
    throw new Error(`${what}: geometry is not JSON`);
  }
  if (geometry.type === 'Polygon' && Array.isArray(geometry.coordinates))
    return inPolygon(lng, lat, geometry.coordinates as Ring[]);
  if (geometry.type === 'MultiPolygon' && Array.isArray(geometry.coordinates))
    return (geometry.coordinates as Ring[][]).some((polygon) => inPolygon(lng, lat, polygon));
  throw new Error(`${what}: geometry must be a GeoJSON Polygon or MultiPolygon`);
}
