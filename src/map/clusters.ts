/**
 * The cases layer's clusters, made by the hub below zoom 14 (GET /api/map/cases?format=clusters): a
 * city's 10,000 open cases became ≈ 3 s of MapLibre's worker clustering them in the browser and 0.6 MB
 * on the wire; a few hundred counted bubbles are neither (bench/README.md, Map).
 *
 * Two passes, linear in the cases: each case goes into a square bucket of CELL_PX screen pixels of Web
 * Mercator at the zoom level; then, biggest first, a bucket takes in its neighbour buckets whose centre
 * lies within MERGE_PX of its own — else two bubbles of cases either side of a bucket edge would sit on
 * top of each other. What the user sees is MapLibre's clusters' look: a bubble at its cases' mean
 * position, with their count and their lights' counts; a lone case stays a point.
 */
import type { CaseClockState } from '../cases/clock.ts';

/** Bucket side, in screen pixels at the level (MapLibre's 512-pixel world). */
export const CELL_PX = 64;
/** Neighbour buckets whose centres are this close (pixels) join: about the biggest bubble's size. */
export const MERGE_PX = 48;

export interface ClusterCase {
  id: string;
  lng: number;
  lat: number;
  light: CaseClockState | null;
}

export interface CaseCluster {
  /** The mean position of its cases (WGS84). */
  lng: number;
  lat: number;
  count: number;
  /** Its cases by light; the rest (count − red − yellow − green) run no timed step. */
  red: number;
  yellow: number;
  green: number;
  /** The box of its cases, minLng, minLat, maxLng, maxLat: a click zooms the map to it. */
  bounds: [number, number, number, number];
  /** The case's id, when the cluster is one case (drawn as a point; its light is the one count of 1). */
  id?: string;
}

interface Bucket extends Required<CaseCluster> {
  bx: number;
  by: number;
  /** Web Mercator position of the bucket's mean, in [0, 1] (for the merge distance). */
  x: number;
  y: number;
  taken: boolean;
}

/** Web Mercator of a point, both in [0, 1] of the world. */
const mercator = (lng: number, lat: number) => {
  const sin = Math.sin((lat * Math.PI) / 180);
  return { x: lng / 360 + 0.5, y: 0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI) };
};

/** The clusters of `cases` at integer zoom `level`, biggest first (then west to east). */
export function clusterCases(cases: ClusterCase[], level: number): CaseCluster[] {
  const worldPx = 512 * 2 ** level;
  const cell = CELL_PX / worldPx;
  const buckets = new Map<string, Bucket>();
  for (const c of cases) {
    const { x, y } = mercator(c.lng, c.lat);
    const bx = Math.floor(x / cell);
    const by = Math.floor(y / cell);
    const key = `${bx}:${by}`;
    let b = buckets.get(key);
    if (!b) {
      b = {
        bx,
        by,
        x: 0,
        y: 0,
        taken: false,
        lng: 0,
        lat: 0,
        count: 0,
        red: 0,
        yellow: 0,
        green: 0,
        bounds: [c.lng, c.lat, c.lng, c.lat],
        id: c.id,
      };
      buckets.set(key, b);
    }
    b.x += x;
    b.y += y;
    b.lng += c.lng;
    b.lat += c.lat;
    b.count++;
    if (c.light) b[c.light]++;
    const box = b.bounds;
    box[0] = Math.min(box[0], c.lng);
    box[1] = Math.min(box[1], c.lat);
    box[2] = Math.max(box[2], c.lng);
    box[3] = Math.max(box[3], c.lat);
  }
  const order = [...buckets.values()].sort((a, b) => b.count - a.count || a.bx - b.bx || a.by - b.by);
  const clusters: CaseCluster[] = [];
  const within = MERGE_PX / worldPx;
  for (const seed of order) {
    if (seed.taken) continue;
    seed.taken = true;
    const [sx, sy] = [seed.x / seed.count, seed.y / seed.count];
    const merged = { ...seed };
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        const n = buckets.get(`${seed.bx + dx}:${seed.by + dy}`);
        if (!n || n.taken || Math.hypot(n.x / n.count - sx, n.y / n.count - sy) > within) continue;
        n.taken = true;
        merge(merged, n);
      }
    }
    clusters.push({
      lng: merged.lng / merged.count,
      lat: merged.lat / merged.count,
      count: merged.count,
      red: merged.red,
      yellow: merged.yellow,
      green: merged.green,
      bounds: merged.bounds,
      ...(merged.count === 1 ? { id: merged.id } : {}),
    });
  }
  return clusters.sort((a, b) => b.count - a.count || a.lng - b.lng);
}

/** Sums `from` into `into` (positions as sums, so means weigh every case alike). */
function merge(
  into: Omit<Bucket, 'bx' | 'by' | 'taken' | 'id'>,
  from: Pick<Bucket, 'x' | 'y' | 'lng' | 'lat' | 'count' | 'red' | 'yellow' | 'green' | 'bounds'>,
) {
  into.x += from.x;
  into.y += from.y;
  into.lng += from.lng;
  into.lat += from.lat;
  into.count += from.count;
  into.red += from.red;
  into.yellow += from.yellow;
  into.green += from.green;
  into.bounds = [
    Math.min(into.bounds[0], from.bounds[0]),
    Math.min(into.bounds[1], from.bounds[1]),
    Math.max(into.bounds[2], from.bounds[2]),
    Math.max(into.bounds[3], from.bounds[3]),
  ];
}
