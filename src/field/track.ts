/**
 * Patrol track arithmetic: distances on the WGS84 sphere, and the patrolled length of a track (巡查里程)
 * counting only fixes accurate enough and skipping GPS jumps no walker or e-bike makes.
 */

const EARTH_RADIUS_M = 6_371_008.8;
/** Faster than this between two fixes is a GPS jump (≈ 108 km/h), not patrol. */
export const MAX_SPEED_MPS = 30;

/** Great-circle distance in metres (haversine). */
export function distanceM(a: { lng: number; lat: number }, b: { lng: number; lat: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

export interface TrackPoint {
  lng: number;
  lat: number;
  accuracy: number;
  at: Date;
}

/**
 * The length of a track in metres: points in time order, those less accurate than `maxAccuracyM` left
 * out, and a step implying more than MAX_SPEED_MPS skipped (the next step starts from the point before).
 */
export function trackLength(points: readonly TrackPoint[], maxAccuracyM: number): number {
  const good = points.filter((p) => p.accuracy <= maxAccuracyM).sort((a, b) => +a.at - +b.at);
  let total = 0;
  let prev: TrackPoint | undefined;
  for (const p of good) {
    if (prev) {
      const d = distanceM(prev, p);
      const seconds = (+p.at - +prev.at) / 1000;
      if (seconds > 0 && d / seconds > MAX_SPEED_MPS) continue;
      total += d;
    }
    prev = p;
  }
  return Math.round(total * 10) / 10;
}
