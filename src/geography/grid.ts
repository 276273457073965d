/**
 * Point → 万米单元网格 cell, the lookup every located case makes. The active cells are held in memory in a
 * static R-tree (flatbush) of their bounding boxes; a point's candidates are then tested exactly
 * (point-in-polygon with holes). The index is rebuilt when the table changed: at most once a second a
 * lookup reads one aggregate (number of cells, latest updatedAt), so an edit through the admin API, an
 * import or a row written by hand reaches every hub instance within a second.
 */
import Flatbush from 'flatbush';
import type { GridCell, PrismaClient } from '../db/index.ts';
import type { Position } from './geojson.ts';

type Ring = Position[];

function inRing(lng: number, lat: number, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > lat !== yj > lat && lng < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function inPolygon(lng: number, lat: number, rings: Ring[]): boolean {
  if (rings.length === 0 || !inRing(lng, lat, rings[0]!)) return false;
  return !rings.slice(1).some((hole) => inRing(lng, lat, hole));
}

/** The polygons of a cell's GeoJSON text; throws naming the cell when it is not a (Multi)Polygon. */
export function cellPolygons(geometryText: string, what: string): Ring[][] {
  let g: { type?: unknown; coordinates?: unknown };
  try {
    g = JSON.parse(geometryText) as typeof g;
  } catch {
    throw new Error(`${what}: geometry is not JSON`);
  }
  if (g.type === 'Polygon' && Array.isArray(g.coordinates)) return [g.coordinates as Ring[]];
  if (g.type === 'MultiPolygon' && Array.isArray(g.coordinates)) return g.coordinates as Ring[][];
  throw new Error(`${what}: geometry must be a GeoJSON Polygon or MultiPolygon`);
}

export interface GridIndex {
  /** The active cell containing the point (the first by code when cells overlap), or null. */
  at(lng: number, lat: number): GridCell | null;
  readonly size: number;
}

/** Builds the in-memory index of `cells` (active ones only). */
export function buildGridIndex(cells: GridCell[]): GridIndex {
  const active = cells
    .filter((c) => c.active)
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  const polygons = active.map((c) => cellPolygons(c.geometry, `grid cell ${c.code}`));
  if (active.length === 0) return { at: () => null, size: 0 };
  const tree = new Flatbush(active.length);
  for (const c of active) tree.add(c.minLng, c.minLat, c.maxLng, c.maxLat);
  tree.finish();
  return {
    size: active.length,
    at(lng, lat) {
      const hits = tree.search(lng, lat, lng, lat).sort((a, b) => a - b);
      for (const i of hits) if (polygons[i]!.some((p) => inPolygon(lng, lat, p))) return active[i]!;
      return null;
    },
  };
}

type GridPrisma = Pick<PrismaClient, 'gridCell'>;

/**
 * How long a checked index is used without asking the table again: the check (an aggregate over every
 * cell) costs more than the lookup, and a grid edit reaching locate within a second is soon enough.
 */
const RECHECK_MS = 1000;

/**
 * The index of the case store's cells, rebuilt when their count or latest change moved. One instance per
 * database client: the workers and the API each keep one.
 */
export function gridIndexCache(prisma: GridPrisma, recheckMs = RECHECK_MS): () => Promise<GridIndex> {
  let cached: { key: string; index: Promise<GridIndex> } | undefined;
  let checkedAt = 0;
  return async () => {
    if (cached && Date.now() - checkedAt < recheckMs) return cached.index;
    checkedAt = Date.now();
    const agg = await prisma.gridCell.aggregate({ _count: { _all: true }, _max: { updatedAt: true } });
    const key = `${agg._count._all}:${agg._max.updatedAt?.getTime() ?? 0}`;
    if (cached?.key !== key) {
      const entry = { key, index: prisma.gridCell.findMany().then(buildGridIndex) };
      cached = entry;
      entry.index.catch(() => {
        if (cached === entry) cached = undefined;
      });
    }
    return cached.index;
  };
}

const caches = new WeakMap<GridPrisma, () => Promise<GridIndex>>();

/** The active cell containing (lng, lat), or null; the index is shared per Prisma client. */
export async function cellAt(prisma: GridPrisma, lng: number, lat: number): Promise<GridCell | null> {
  let cache = caches.get(prisma);
  if (!cache) caches.set(prisma, (cache = gridIndexCache(prisma)));
  return (await cache()).at(lng, lat);
}
