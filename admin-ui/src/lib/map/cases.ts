/**
 * The cases layer's answers (GET /api/map/cases) as the map's GeoJSON. Below zoom 14 the hub answers
 * clusters (`format=clusters`): drawn as they come, a bubble with its count, coloured by its worst case,
 * and a lone case as a point, so MapLibre's worker has no 10,000 points to cluster (bench/README.md, Map).
 * From zoom 14 the points (`format=points`, parallel arrays), which MapLibre clusters where they crowd
 * on screen: both look alike.
 */
import type { Feature, FeatureCollection } from 'geojson';
import type { Success } from '../api.ts';

type CasesAnswer = Success<'/api/map/cases'>;
type Points = Extract<CasesAnswer, { format: 'points' }>;
type Clusters = Extract<CasesAnswer, { format: 'clusters' }>;

export interface CaseLayerData extends FeatureCollection {
  /** The hub's clusters (for the `hub-cases` source, drawn as they are) or points (for `cases`). */
  clustered: boolean;
  /** The zooms this answer is drawn at: [from, below). */
  zooms: [number, number];
  /** Open cases it holds (a cluster counts its cases). */
  count: number;
  truncated: boolean;
}

const LIGHTS = { g: 'green', y: 'yellow', r: 'red', n: 'none' } as const;

/** Supercluster's abbreviation, which MapLibre's own clusters show: 1234 → 1.2k, 12345 → 12k. */
const abbreviated = (n: number) =>
  n >= 10_000 ? `${Math.round(n / 1000)}k` : n >= 1000 ? `${Math.round(n / 100) / 10}k` : String(n);

const point = (lng: number, lat: number, properties: Record<string, unknown>): Feature => ({
  type: 'Feature',
  geometry: { type: 'Point', coordinates: [lng, lat] },
  properties,
});

/** The points answer: one feature per case with only its id and light (what a click hands on). */
function fromPoints(p: Points): CaseLayerData {
  const features: Feature[] = new Array(p.ids.length);
  for (let i = 0; i < p.ids.length; i++) {
    features[i] = point(p.lng[i]!, p.lat[i]!, {
      id: p.ids[i]!,
      state: LIGHTS[p.states[i] as keyof typeof LIGHTS] ?? 'none',
    });
  }
  return {
    type: 'FeatureCollection',
    features,
    clustered: false,
    zooms: [p.pointsFromZoom ?? 0, Infinity],
    count: p.ids.length,
    truncated: p.truncated,
  };
}

/**
 * The clusters answer, with the properties MapLibre gives its own clusters (`point_count`,
 * `point_count_abbreviated`, the lights' counts) so one set of layer styles draws both; a cluster's box
 * as w/s/e/n (MapLibre hands a clicked feature's array properties back as JSON text).
 */
function fromClusters(c: Clusters): CaseLayerData {
  const features = c.clusters.map((k) =>
    k.id
      ? point(k.lng, k.lat, {
          id: k.id,
          state: k.red ? 'red' : k.yellow ? 'yellow' : k.green ? 'green' : 'none',
        })
      : point(k.lng, k.lat, {
          point_count: k.count,
          point_count_abbreviated: abbreviated(k.count),
          red: k.red,
          yellow: k.yellow,
          green: k.green,
          w: k.bounds[0],
          s: k.bounds[1],
          e: k.bounds[2],
          n: k.bounds[3],
        }),
  );
  return {
    type: 'FeatureCollection',
    features,
    clustered: true,
    zooms: [c.zoom, Math.min(c.zoom + 1, c.pointsFromZoom)],
    count: c.clusters.reduce((s, k) => s + k.count, 0),
    truncated: false,
  };
}

/** A GET /api/map/cases answer (format=points or format=clusters) as the layer's data. */
export const caseLayerData = (body: unknown): CaseLayerData => {
  const answer = body as Points | Clusters;
  return answer.format === 'clusters' ? fromClusters(answer) : fromPoints(answer);
};
