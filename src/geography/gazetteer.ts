/**
 * The gazetteer in memory, as the geocoder reads it: roads with their lines and door numbers by side,
 * areas (社区, 小区) with rings and centres, buildings by compound, points of interest. Loaded from the
 * GeoFeature rows once per `geography:generation` (features.ts), so an edit on any hub instance reaches
 * every geocoder before its next answer.
 */
import type { PrismaClient } from '../db/index.ts';
import { cachedByGeneration } from '../reference/generation.ts';
import { geographyGeneration, splitAliases } from './features.ts';
import type { Position } from './geojson.ts';

/** Metres per degree of latitude; a degree of longitude is this times cos(latitude). */
const M_PER_DEG = 111_320;

/** Planar metres between two WGS84 points (exact enough within a city). */
export function distanceM(a: Position, b: Position): number {
  const k = Math.cos((((a[1] + b[1]) / 2) * Math.PI) / 180);
  return Math.hypot((a[0] - b[0]) * M_PER_DEG * k, (a[1] - b[1]) * M_PER_DEG);
}

/** Moves a point by metres east and north. */
export function moveM([lng, lat]: Position, east: number, north: number): Position {
  const k = Math.cos((lat * Math.PI) / 180);
  return [lng + east / (M_PER_DEG * k), lat + north / M_PER_DEG];
}

export interface Door {
  number: number;
  point: Position;
}

export interface Road {
  id: string;
  name: string;
  aliases: string[];
  lines: Position[][];
  numberFrom: number | null;
  numberTo: number | null;
  /** stored door rows, by number */
  doors: Door[];
}

export interface Area {
  id: string;
  kind: 'community' | 'estate';
  name: string;
  aliases: string[];
  polygons: Position[][][];
  centre: Position;
  code: string | null;
  street: string | null;
  /** estate: buildings by number */
  buildings: Map<number, Position>;
}

export interface Poi {
  id: string;
  name: string;
  aliases: string[];
  category: string | null;
  point: Position;
}

export interface Gazetteer {
  roads: Road[];
  areas: Area[];
  pois: Poi[];
}

function linesOf(geometry: { type: string; coordinates: unknown }): Position[][] {
  if (geometry.type === 'LineString') return [geometry.coordinates as Position[]];
  if (geometry.type === 'MultiLineString') return geometry.coordinates as Position[][];
  return [];
}

function polygonsOf(geometry: { type: string; coordinates: unknown }): Position[][][] {
  if (geometry.type === 'Polygon') return [geometry.coordinates as Position[][]];
  if (geometry.type === 'MultiPolygon') return geometry.coordinates as Position[][][];
  return [];
}

/** Area-weighted centroid of the outer rings (what "somewhere in 福寿小区" is best answered with). */
function centreOf(polygons: Position[][][]): Position {
  let a = 0;
  let x = 0;
  let y = 0;
  for (const [ring] of polygons) {
    if (!ring) continue;
    for (let i = 0; i + 1 < ring.length; i++) {
      const [x0, y0] = ring[i]!;
      const [x1, y1] = ring[i + 1]!;
      const f = x0 * y1 - x1 * y0;
      a += f;
      x += (x0 + x1) * f;
      y += (y0 + y1) * f;
    }
  }
  if (a === 0) return polygons[0]?.[0]?.[0] ?? [0, 0];
  return [x / (3 * a), y / (3 * a)];
}

/** Reads the active rows into a Gazetteer. */
export async function loadGazetteer(prisma: Pick<PrismaClient, 'geoFeature'>): Promise<Gazetteer> {
  const rows = await prisma.geoFeature.findMany({ where: { active: true }, orderBy: { id: 'asc' } });
  const roads = new Map<string, Road>();
  const areas = new Map<string, Area>();
  const pois: Poi[] = [];
  for (const r of rows) {
    const geometry = JSON.parse(r.geometry) as { type: string; coordinates: unknown };
    if (r.kind === 'road') {
      roads.set(r.id, {
        id: r.id,
        name: r.name,
        aliases: splitAliases(r.aliases),
        lines: linesOf(geometry),
        numberFrom: r.numberFrom,
        numberTo: r.numberTo,
        doors: [],
      });
    } else if (r.kind === 'community' || r.kind === 'estate') {
      const polygons = polygonsOf(geometry);
      areas.set(r.id, {
        id: r.id,
        kind: r.kind,
        name: r.name,
        aliases: splitAliases(r.aliases),
        polygons,
        centre: centreOf(polygons),
        code: r.code,
        street: r.street,
        buildings: new Map(),
      });
    } else if (r.kind === 'poi') {
      pois.push({
        id: r.id,
        name: r.name,
        aliases: splitAliases(r.aliases),
        category: r.category,
        point: geometry.coordinates as Position,
      });
    }
  }
  for (const r of rows) {
    if (r.kind !== 'door' || r.number === null || !r.parentId) continue;
    const point = (JSON.parse(r.geometry) as { coordinates: Position }).coordinates;
    roads.get(r.parentId)?.doors.push({ number: r.number, point });
    areas.get(r.parentId)?.buildings.set(r.number, point);
  }
  for (const road of roads.values()) road.doors.sort((a, b) => a.number - b.number);
  return { roads: [...roads.values()], areas: [...areas.values()], pois };
}

/** The gazetteer, reloaded when the geography generation moved (one counter read per call). */
export function gazetteerCache(prisma: Pick<PrismaClient, 'geoFeature' | 'counter'>) {
  const cache = cachedByGeneration(() => loadGazetteer(prisma));
  return async () => cache.at(await geographyGeneration(prisma));
}
