/**
 * The pipelines within a distance of a point: the boxes that could reach it are read by index (each
 * segment's stored bounding box grown by the distance), then the true distance from the point to each
 * line, in metres on a local plane (at a city's scale — a few kilometres — the error is far below a
 * metre).
 */
import type { Pipeline, PrismaClient } from '../db/index.ts';
import type { Position } from '../geography/geojson.ts';

const EARTH_M = 6_371_008.8;
const RAD = Math.PI / 180;

/** Metres per degree of longitude and latitude at `lat`. */
const scaleAt = (lat: number) => ({ x: EARTH_M * RAD * Math.cos(lat * RAD), y: EARTH_M * RAD });

/** The lines of a stored geometry (LineString or MultiLineString). */
export function linesOf(geometry: string): Position[][] {
  const g = JSON.parse(geometry) as { type: string; coordinates: unknown };
  if (g.type === 'LineString') return [g.coordinates as Position[]];
  if (g.type === 'MultiLineString') return g.coordinates as Position[][];
  return [];
}

/** The distance in metres from a point to a polyline. */
export function distanceToLine(p: { lng: number; lat: number }, line: Position[]): number {
  const s = scaleAt(p.lat);
  let best = Infinity;
  for (let i = 1; i < line.length; i++) {
    const ax = (line[i - 1]![0] - p.lng) * s.x;
    const ay = (line[i - 1]![1] - p.lat) * s.y;
    const bx = (line[i]![0] - p.lng) * s.x;
    const by = (line[i]![1] - p.lat) * s.y;
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    // the point (the origin) projected onto the segment, kept within it
    const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2));
    best = Math.min(best, Math.hypot(ax + t * dx, ay + t * dy));
  }
  return best;
}

export interface NearbyPipeline {
  pipeline: Pipeline;
  /** metres, rounded to 0.1 */
  distanceM: number;
}

/** The pipelines whose line passes within `distanceM` of the point, nearest first. */
export async function pipelinesNear(
  prisma: PrismaClient,
  p: { lng: number; lat: number },
  distanceM: number,
): Promise<NearbyPipeline[]> {
  const s = scaleAt(p.lat);
  const dLng = distanceM / s.x;
  const dLat = distanceM / s.y;
  const candidates = await prisma.pipeline.findMany({
    where: {
      minLng: { lte: p.lng + dLng },
      maxLng: { gte: p.lng - dLng },
      minLat: { lte: p.lat + dLat },
      maxLat: { gte: p.lat - dLat },
    },
  });
  return candidates
    .map((pipeline) => ({
      pipeline,
      distanceM:
        Math.round(Math.min(...linesOf(pipeline.geometry).map((l) => distanceToLine(p, l))) * 10) / 10,
    }))
    .filter((n) => n.distanceM <= distanceM)
    .sort((a, b) => a.distanceM - b.distanceM || a.pipeline.code.localeCompare(b.pipeline.code));
}
