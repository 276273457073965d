/**
 * The bundled style: the hub's own data (grid cells, communities, roads, cases, components) drawn over a
 * plain background, so the map needs nothing from the internet. No `glyphs` URL: MapLibre then draws
 * every label with the browser's fonts (TinySDF), which have the Chinese characters a glyph server
 * would have to ship as thousands of PBF ranges.
 */
import type { FeatureCollection } from 'geojson';
import type {
  LayerSpecification,
  SourceSpecification,
  StyleSpecification,
  ExpressionSpecification,
} from 'maplibre-gl';
import type { MapConfig } from './index.ts';

/** Font families for labels, tried in order (Noto CJK on Linux, PingFang on Apple, YaHei on Windows). */
export const LABEL_FONT = ['Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', 'sans-serif'];

export const FOCUS_COLOUR = '#111827';
export const SUPERVISOR_COLOUR = '#1d4ed8';
/** Community names: the only dark text of the map (grid codes, roads, 小区, POIs are lighter). */
export const COMMUNITY_COLOUR = '#0f172a';

export const STATE_COLOURS = {
  green: '#15803d',
  yellow: '#ca8a04',
  red: '#dc2626',
  none: '#64748b',
} as const;

/** 广告店招 by status (the page's legend uses the same): 有效 green, 即将到期 amber, 已过期 red, 未许可 purple, 已拆除 grey. */
export const AD_SIGN_COLOURS = {
  valid: '#15803d',
  expiring: '#d97706',
  expired: '#dc2626',
  unpermitted: '#7c3aed',
  removed: '#9ca3af',
} as const;

/** 地下管网 by what a line carries, in the colours of the usual pipeline maps (CJJ 61). */
export const PIPELINE_COLOURS = {
  water: '#0ea5e9',
  drainage: '#92400e',
  gas: '#db2777',
  power: '#dc2626',
  telecom: '#16a34a',
  heat: '#ea580c',
} as const;

const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };
const geojson = (extra: Record<string, unknown> = {}): SourceSpecification =>
  ({ type: 'geojson', data: EMPTY, ...extra }) as SourceSpecification;

const isState = (s: string): ExpressionSpecification => ['==', ['get', 'state'], s];
const count = (s: string): ExpressionSpecification => ['+', ['case', isState(s), 1, 0]];

/** The hub's sources: one per feed of GET /api/map/*, plus the focus point and the community labels. */
export const SOURCES: Record<string, SourceSpecification> = {
  grid: geojson(),
  'community-points': geojson(),
  communities: geojson(),
  'communities-points': geojson(),
  estates: geojson(),
  'estates-points': geojson(),
  roads: geojson(),
  pois: geojson(),
  components: geojson(),
  adsigns: geojson(),
  pipelines: geojson(),
  // The points from zoom 14, clustered where they crowd on screen; below, the hub's own clusters
  // (cases.ts) in `hub-cases`. The heat map reads the points unclustered.
  cases: geojson({
    cluster: true,
    clusterRadius: 48,
    clusterMaxZoom: 16,
    clusterProperties: {
      red: count('red'),
      yellow: count('yellow'),
      green: count('green'),
    },
  }),
  'hub-cases': geojson(),
  'cases-all': geojson(),
  supervisors: geojson(),
  focus: geojson(),
};

/** A cluster takes the colour of its worst case: one overdue case makes it red. */
const clusterColour: ExpressionSpecification = [
  'case',
  ['>', ['get', 'red'], 0],
  STATE_COLOURS.red,
  ['>', ['get', 'yellow'], 0],
  STATE_COLOURS.yellow,
  ['>', ['get', 'green'], 0],
  STATE_COLOURS.green,
  STATE_COLOURS.none,
];
const stateColour: ExpressionSpecification = [
  'match',
  ['get', 'state'],
  'red',
  STATE_COLOURS.red,
  'yellow',
  STATE_COLOURS.yellow,
  'green',
  STATE_COLOURS.green,
  STATE_COLOURS.none,
];

const halo = { 'text-halo-color': '#ffffff', 'text-halo-width': 1.5 };
/** A point's name written under it (text size px, gap below the point in ems). */
const nameBelow = (size: number, gap: number) => ({
  'text-field': ['get', 'name'] as ['get', string],
  'text-font': LABEL_FONT,
  'text-size': size,
  'text-offset': [0, gap] as [number, number],
  'text-anchor': 'top' as const,
});

/**
 * The open cases of one source: bubbles (clusters, with `point_count`) coloured by their worst case and
 * labelled with their count, and the cases alone in their light. The same for MapLibre's clusters and
 * the hub's (cases.ts gives them the same properties), so both zoom ranges look alike.
 */
function caseLayers(source: 'cases' | 'hub-cases'): { layer: string; spec: LayerSpecification }[] {
  return [
    {
      layer: 'cases',
      spec: {
        id: `${source}-cluster`,
        type: 'circle',
        source,
        filter: ['has', 'point_count'],
        paint: {
          'circle-color': clusterColour,
          'circle-opacity': 0.85,
          'circle-radius': ['step', ['get', 'point_count'], 13, 10, 17, 100, 22, 1000, 28],
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 2,
        },
      },
    },
    {
      layer: 'cases',
      spec: {
        id: `${source}-count`,
        type: 'symbol',
        source,
        filter: ['has', 'point_count'],
        layout: {
          'text-field': ['get', 'point_count_abbreviated'],
          'text-font': LABEL_FONT,
          'text-size': 12,
          'text-allow-overlap': true,
        },
        paint: { 'text-color': '#ffffff' },
      },
    },
    {
      layer: 'cases',
      spec: {
        id: `${source}-point`,
        type: 'circle',
        source,
        filter: ['!', ['has', 'point_count']],
        paint: {
          'circle-color': stateColour,
          'circle-radius': 7,
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 2,
        },
      },
    },
  ];
}

/** The hub's layers in drawing order, by the map layer (toggle) they belong to. */
export const LAYERS: { layer: string; spec: LayerSpecification }[] = [
  {
    layer: 'grid',
    spec: {
      id: 'grid-fill',
      type: 'fill',
      source: 'grid',
      minzoom: 13,
      paint: { 'fill-color': '#ffffff', 'fill-opacity': 0.55 },
    },
  },
  // A page's classes of cells (the statistics heat map: cases per cell); setCellClasses sets the filter
  // and colours. No minzoom: at the city's zoom the filled cells are the hot spots.
  {
    layer: 'grid',
    spec: {
      id: 'grid-class',
      type: 'fill',
      source: 'grid',
      filter: ['==', ['get', 'code'], ''],
      // Opaque: the cells show the legend's colours exactly (the grid's lines and the roads lie above).
      paint: { 'fill-color': 'rgba(0, 0, 0, 0)', 'fill-opacity': 1 },
    },
  },
  {
    layer: 'communities',
    spec: {
      id: 'communities-fill',
      type: 'fill',
      source: 'communities',
      // Communities cover the whole town: a faint tint, so cases and roads stay the strongest marks.
      paint: { 'fill-color': '#dcfce7', 'fill-opacity': 0.25 },
    },
  },
  {
    layer: 'communities',
    spec: {
      id: 'communities-line',
      type: 'line',
      source: 'communities',
      paint: { 'line-color': '#16a34a', 'line-width': 1.5, 'line-dasharray': [3, 2] },
    },
  },
  {
    layer: 'estates',
    spec: {
      id: 'estates-fill',
      type: 'fill',
      source: 'estates',
      minzoom: 13,
      paint: { 'fill-color': '#fef3c7', 'fill-opacity': 0.6 },
    },
  },
  {
    layer: 'estates',
    spec: {
      id: 'estates-line',
      type: 'line',
      source: 'estates',
      minzoom: 13,
      paint: { 'line-color': '#d97706', 'line-width': 1 },
    },
  },
  {
    layer: 'grid',
    spec: {
      id: 'grid-line',
      type: 'line',
      source: 'grid',
      // ≈100 m cells: a mesh of hairlines below zoom 13.
      minzoom: 13,
      paint: {
        'line-color': '#94a3b8',
        'line-width': ['interpolate', ['linear'], ['zoom'], 12, 0.4, 16, 1.2],
      },
    },
  },
  {
    layer: 'roads',
    spec: {
      id: 'roads-casing',
      type: 'line',
      source: 'roads',
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: {
        'line-color': '#94a3b8',
        'line-width': 1,
        'line-gap-width': ['interpolate', ['exponential', 1.6], ['zoom'], 11, 1.5, 17, 12],
      },
    },
  },
  {
    layer: 'roads',
    spec: {
      id: 'roads-line',
      type: 'line',
      source: 'roads',
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: {
        'line-color': '#ffffff',
        'line-width': ['interpolate', ['exponential', 1.6], ['zoom'], 11, 1.5, 17, 12],
      },
    },
  },
  // The focus cell sits above the grid and roads so its outline is never covered.
  {
    layer: 'grid',
    spec: {
      id: 'grid-focus',
      type: 'line',
      source: 'grid',
      filter: ['==', ['get', 'code'], ''],
      paint: { 'line-color': '#b45309', 'line-width': 3 },
    },
  },
  {
    layer: 'heat',
    spec: {
      id: 'heat',
      type: 'heatmap',
      source: 'cases-all',
      maxzoom: 18,
      paint: {
        // Thousands of open cases over a city: faint per case when zoomed out, so density still shows.
        'heatmap-radius': ['interpolate', ['linear'], ['zoom'], 10, 8, 16, 30],
        'heatmap-intensity': ['interpolate', ['linear'], ['zoom'], 10, 0.03, 13, 0.2, 16, 1],
        'heatmap-opacity': 0.75,
      },
    },
  },
  {
    layer: 'components',
    spec: {
      id: 'components-point',
      type: 'circle',
      source: 'components',
      minzoom: 14,
      paint: {
        'circle-radius': 4,
        // 完好 blue, 破损/丢失 red, 占用 orange, 废弃 grey
        'circle-color': [
          'match',
          ['get', 'status'],
          'normal',
          '#2563eb',
          'occupied',
          '#ea580c',
          'scrapped',
          '#6b7280',
          '#dc2626',
        ],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 1,
      },
    },
  },
  {
    layer: 'pipelines',
    spec: {
      id: 'pipelines-line',
      type: 'line',
      source: 'pipelines',
      minzoom: 13,
      paint: {
        'line-width': ['interpolate', ['linear'], ['zoom'], 13, 1.5, 18, 4],
        'line-dasharray': [3, 1.5],
        'line-color': [
          'match',
          ['get', 'kind'],
          'water',
          PIPELINE_COLOURS.water,
          'drainage',
          PIPELINE_COLOURS.drainage,
          'gas',
          PIPELINE_COLOURS.gas,
          'power',
          PIPELINE_COLOURS.power,
          'telecom',
          PIPELINE_COLOURS.telecom,
          PIPELINE_COLOURS.heat,
        ],
      },
    },
  },
  {
    layer: 'adsigns',
    spec: {
      id: 'adsigns-point',
      type: 'circle',
      source: 'adsigns',
      minzoom: 11,
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 11, 3, 17, 7],
        'circle-color': [
          'match',
          ['get', 'status'],
          'valid',
          AD_SIGN_COLOURS.valid,
          'expiring',
          AD_SIGN_COLOURS.expiring,
          'expired',
          AD_SIGN_COLOURS.expired,
          'unpermitted',
          AD_SIGN_COLOURS.unpermitted,
          AD_SIGN_COLOURS.removed,
        ],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 1.5,
      },
    },
  },
  {
    layer: 'adsigns',
    spec: {
      id: 'adsigns-label',
      type: 'symbol',
      source: 'adsigns',
      minzoom: 16,
      layout: nameBelow(11, 1),
      paint: { 'text-color': '#334155', ...halo },
    },
  },
  {
    layer: 'roads',
    spec: {
      id: 'roads-label',
      type: 'symbol',
      source: 'roads',
      minzoom: 13,
      layout: {
        'symbol-placement': 'line',
        'text-field': ['get', 'name'],
        'text-font': LABEL_FONT,
        'text-size': 12,
      },
      // Not as dark as the community names: the label test tells them apart by darkness.
      paint: { 'text-color': '#475569', ...halo },
    },
  },
  {
    layer: 'grid',
    spec: {
      id: 'grid-label',
      type: 'symbol',
      source: 'grid',
      minzoom: 16.5,
      layout: { 'text-field': ['get', 'code'], 'text-font': LABEL_FONT, 'text-size': 10 },
      paint: { 'text-color': '#64748b', ...halo },
    },
  },
  {
    layer: 'pois',
    spec: {
      id: 'pois-point',
      type: 'circle',
      source: 'pois',
      minzoom: 15,
      paint: {
        'circle-color': '#0d9488',
        'circle-radius': 3.5,
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 1,
      },
    },
  },
  {
    layer: 'pois',
    spec: {
      id: 'pois-label',
      type: 'symbol',
      source: 'pois',
      minzoom: 16,
      layout: { ...nameBelow(11, 0.9), 'text-optional': true },
      paint: { 'text-color': '#0f766e', ...halo },
    },
  },
  {
    layer: 'estates',
    spec: {
      id: 'estates-label',
      type: 'symbol',
      source: 'estates-points',
      minzoom: 15,
      layout: { 'text-field': ['get', 'name'], 'text-font': LABEL_FONT, 'text-size': 12 },
      paint: { 'text-color': '#b45309', ...halo },
    },
  },
  // Community names last among the names: the top symbol layer is placed first, so they win collisions.
  {
    layer: 'grid',
    spec: {
      id: 'community-label',
      type: 'symbol',
      source: 'community-points',
      minzoom: 12.5,
      maxzoom: 16.5,
      layout: { 'text-field': ['get', 'name'], 'text-font': LABEL_FONT, 'text-size': 13 },
      paint: { 'text-color': COMMUNITY_COLOUR, ...halo },
    },
  },
  {
    layer: 'communities',
    spec: {
      id: 'communities-label',
      type: 'symbol',
      source: 'communities-points',
      minzoom: 12.5,
      maxzoom: 17,
      layout: { 'text-field': ['get', 'name'], 'text-font': LABEL_FONT, 'text-size': 13 },
      paint: { 'text-color': COMMUNITY_COLOUR, ...halo },
    },
  },
  ...caseLayers('cases'),
  ...caseLayers('hub-cases'),
  {
    layer: 'supervisors',
    spec: {
      id: 'supervisors-point',
      type: 'circle',
      source: 'supervisors',
      paint: {
        'circle-color': SUPERVISOR_COLOUR,
        'circle-radius': 6,
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 2,
      },
    },
  },
  {
    layer: 'supervisors',
    spec: {
      id: 'supervisors-label',
      type: 'symbol',
      source: 'supervisors',
      layout: nameBelow(12, 1.1),
      paint: { 'text-color': '#1e40af', ...halo },
    },
  },
  // The page's point: a dark target, unlike any time-limit colour, case or overlay point.
  {
    layer: 'focus',
    spec: {
      id: 'focus-ring',
      type: 'circle',
      source: 'focus',
      paint: {
        'circle-color': 'rgba(255, 255, 255, 0.35)',
        'circle-radius': 12,
        'circle-stroke-color': FOCUS_COLOUR,
        'circle-stroke-width': 3,
      },
    },
  },
  {
    layer: 'focus',
    spec: {
      id: 'focus-point',
      type: 'circle',
      source: 'focus',
      paint: { 'circle-color': FOCUS_COLOUR, 'circle-radius': 4 },
    },
  },
];

/** Symbol layers whose texts are place names (listed for screen readers and checked by the tests). */
export const NAME_LABELS = [
  'adsigns-label',
  'community-label',
  'communities-label',
  'roads-label',
  'estates-label',
  'pois-label',
  'grid-label',
  'supervisors-label',
];

/** The starting style: the configured base map under the hub's layers, or the plain background. */
export function baseStyle(base: MapConfig['base']): StyleSpecification | string {
  if (base.kind === 'style') return base.url;
  const style: StyleSpecification = {
    version: 8,
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef3f0' } }],
  };
  if (base.kind === 'raster') {
    style.sources.base = {
      type: 'raster',
      tiles: base.tiles,
      tileSize: 256,
      ...(base.attribution ? { attribution: base.attribution } : {}),
    };
    style.layers.push({ id: 'base', type: 'raster', source: 'base' });
  }
  return style;
}
