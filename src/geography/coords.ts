/**
 * Coordinate systems at the hub's edges. The hub stores WGS84 (GPS); CGCS2000 (surveying, 天地图, the
 * national grid data) equals WGS84 within a metre at city scale and is taken as is. Chinese web maps and
 * phones' map SDKs send GCJ-02 (Amap, Tencent) or BD-09 (Baidu): those are converted on the way in and,
 * for a caller that asks, on the way out. The conversions are gcoord's (maintained, pinned in
 * package.json); each adapter's configuration names what its source sends.
 */
import gcoordModule from 'gcoord';
import type { Position } from './geojson.ts';

// gcoord's types declare an ES default export, its CommonJS build sets module.exports itself: under
// NodeNext the default import is module.exports at run time, which the types call `.default`.
type Gcoord = typeof gcoordModule.default;
const gcoord: Gcoord =
  (gcoordModule as unknown as { default?: Gcoord }).default ?? (gcoordModule as unknown as Gcoord);

export const COORDINATE_SYSTEMS = ['wgs84', 'cgcs2000', 'gcj02', 'bd09'] as const;
export type CoordinateSystem = (typeof COORDINATE_SYSTEMS)[number];

const CRS = {
  wgs84: gcoord.WGS84,
  cgcs2000: gcoord.WGS84,
  gcj02: gcoord.GCJ02,
  bd09: gcoord.BD09,
} as const;

/** A [lng, lat] point in `from` as WGS84. */
export function toWgs84(point: Position, from: CoordinateSystem): Position {
  if (from === 'wgs84' || from === 'cgcs2000') return point;
  const [lng, lat] = gcoord.transform([point[0], point[1]], CRS[from], gcoord.WGS84) as [number, number];
  return [lng, lat];
}

/** A WGS84 [lng, lat] point in `to`. */
export function fromWgs84(point: Position, to: CoordinateSystem): Position {
  if (to === 'wgs84' || to === 'cgcs2000') return point;
  const [lng, lat] = gcoord.transform([point[0], point[1]], gcoord.WGS84, CRS[to]) as [number, number];
  return [lng, lat];
}
