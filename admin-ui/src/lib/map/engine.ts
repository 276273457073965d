/**
 * The map itself (loaded by `createMap` on first use, with MapLibre): sources and layers of style.ts,
 * data of GET /api/map/* for the viewport, the layer list, case clicks, pick mode, overlays and a list of
 * the place names drawn (for screen readers: the canvas itself says nothing).
 */
import type { FeatureCollection, Point } from 'geojson';
import { Map as MapLibre, Marker, NavigationControl, prewarm, ScaleControl, setWorkerUrl } from 'maplibre-gl';
import type {
  ExpressionSpecification,
  GeoJSONSource,
  MapMouseEvent,
  MapSourceDataEvent,
  StyleSpecification,
} from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { ApiError, request } from '../api.ts';
import { t, type MessageKey } from '../i18n.ts';
import type {
  CellClass,
  HubMap,
  LngLat,
  MapAdSign,
  MapCase,
  MapCell,
  MapComponent,
  MapConfig,
  MapFocus,
  MapLayerId,
  MapOptions,
  OverlayStyle,
} from './index.ts';
import { caseLayerData, type CaseLayerData } from './cases.ts';
import {
  baseStyle,
  LABEL_FONT,
  LAYERS,
  NAME_LABELS,
  PIPELINE_COLOURS,
  SOURCES,
  STATE_COLOURS,
} from './style.ts';

// Vite hashes the worker as an asset; MapLibre would otherwise look for it beside its own module.
setWorkerUrl(workerUrl);
// This module loads when a page that will show a map mounts (preloadMap): start MapLibre's worker now,
// so its script is fetched and started while the page reads its own data, not after the map's data
// arrived (bench/README.md, Map: the worker script came 50-700 ms after the cases).
prewarm();

interface Bbox {
  minLng: number;
  minLat: number;
  maxLng: number;
  maxLat: number;
}

/** One GET endpoint and the sources it fills. */
interface Feed {
  path: string;
  /** Asked for the view's box (`?bbox=`); without, the whole answer once (and on refresh). */
  bbox?: false;
  /** More of the query string, after the box, for the view's zoom level (its integer part). */
  params?: (level: number) => string;
  /** Not asked below this zoom (its layers are not drawn there). */
  minzoom?: number;
  /**
   * The city's geography (grid, gazetteer), which no page changes while it is open: `refresh` does not
   * ask it again (a wall refreshing every few seconds re-sent the roads each time).
   */
  fixed?: true;
  /** The answer as GeoJSON, when it is not already. */
  toGeoJson?: (body: unknown) => FeedData;
  /** Map layers that need it: the feed loads while one of them is shown. */
  layers: MapLayerId[];
  fill(data: FeatureCollection): void;
  available: boolean;
  loaded: Bbox | null;
  /** The zooms the loaded answer is drawn at (an answer for a zoom level: asked again at another). */
  zooms?: [number, number];
  truncated: boolean;
  abort?: AbortController;
}

/** A feed's answer as GeoJSON, with what the hub says of it. */
type FeedData = FeatureCollection & {
  truncated?: boolean;
  zooms?: [number, number];
  /** What it holds, when that is not one thing per feature (clusters). */
  count?: number;
};

const LAYER_NAMES: Record<MapLayerId, MessageKey> = {
  grid: 'map.layer.grid',
  roads: 'map.layer.roads',
  communities: 'map.layer.communities',
  estates: 'map.layer.estates',
  pois: 'map.layer.pois',
  cases: 'map.layer.cases',
  components: 'map.layer.components',
  adsigns: 'map.layer.adsigns',
  pipelines: 'map.layer.pipelines',
  heat: 'map.layer.heat',
  supervisors: 'map.layer.supervisors',
};
const ORDER: MapLayerId[] = [
  'grid',
  'roads',
  'communities',
  'estates',
  'pois',
  'cases',
  'heat',
  'components',
  'adsigns',
  'pipelines',
  'supervisors',
];

/** An on-duty supervisor as GET /api/field/supervisors/latest lists them. */
interface SupervisorOnDuty {
  userId: string;
  displayName: string;
  last: { lng: number; lat: number; at: string } | null;
}

/** The layers a click on a case or cluster hits: MapLibre's clusters from zoom 14, the hub's below. */
const CASE_LAYERS = ['cases-point', 'cases-cluster', 'hub-cases-point', 'hub-cases-cluster'];

const contains = (outer: Bbox, inner: Bbox) =>
  outer.minLng <= inner.minLng &&
  outer.minLat <= inner.minLat &&
  outer.maxLng >= inner.maxLng &&
  outer.maxLat >= inner.maxLat;
const area = (b: Bbox) => (b.maxLng - b.minLng) * (b.maxLat - b.minLat);

/**
 * One label point per name: the middle of the outline corners of its polygons (a community's cells, or
 * the gazetteer's polygon), so the name sits inside a compact area and tests can tell where it goes.
 */
function labelPoints(
  polygons: FeatureCollection,
  nameOf: (p: Record<string, unknown>) => unknown,
): FeatureCollection {
  const sums = new Map<string, { lng: number; lat: number; n: number }>();
  for (const f of polygons.features) {
    const name = nameOf(f.properties ?? {});
    if (typeof name !== 'string' || !name || f.geometry.type !== 'Polygon') continue;
    const ring = f.geometry.coordinates[0] ?? [];
    const s = sums.get(name) ?? { lng: 0, lat: 0, n: 0 };
    // The corners without the closing one, which repeats the first.
    for (const p of ring.slice(0, -1)) {
      s.lng += p[0]!;
      s.lat += p[1]!;
      s.n++;
    }
    sums.set(name, s);
  }
  return {
    type: 'FeatureCollection',
    features: [...sums].map(([name, s]) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [s.lng / s.n, s.lat / s.n] },
      properties: { name },
    })),
  };
}

export async function mountMap(container: HTMLElement, options: MapOptions, cfg: MapConfig): Promise<HubMap> {
  // Marks for bench/map.ts: where the first render's time goes.
  performance.mark('map:mount');
  container.classList.add('hub-map');
  const canvasBox = document.createElement('div');
  canvasBox.className = 'hub-map-canvas';
  // A disclosure, closed on a phone-sized map so it does not cover the point the page is about.
  const panel = document.createElement('details');
  panel.className = 'hub-map-layers';
  panel.open = container.clientWidth >= 560;
  const labelList = document.createElement('ul');
  labelList.className = 'sr-only';
  labelList.dataset.testid = 'map-labels';
  labelList.setAttribute('aria-label', t('map.labels'));
  const noteBox = document.createElement('div');
  noteBox.className = 'hub-map-notes';
  container.replaceChildren(canvasBox, panel, noteBox, labelList);

  const focusCenter = options.focus ? [options.focus.lng, options.focus.lat] : null;
  const map = new MapLibre({
    container: canvasBox,
    style: baseStyle(cfg.base),
    ...(focusCenter
      ? { center: focusCenter as [number, number], zoom: options.zoom ?? 15 }
      : options.center
        ? { center: [options.center.lng, options.center.lat], zoom: options.zoom ?? 14 }
        : cfg.bounds
          ? { bounds: cfg.bounds, fitBoundsOptions: { padding: 20 } }
          : { center: [120.57, 32.38], zoom: 12 }),
    maxZoom: 19,
    attributionControl: cfg.base.kind === 'bundled' ? false : { compact: true },
    localIdeographFontFamily: LABEL_FONT.join(', '),
    locale: {
      'NavigationControl.ZoomIn': t('map.zoomIn'),
      'NavigationControl.ZoomOut': t('map.zoomOut'),
      'NavigationControl.ResetBearing': t('map.resetBearing'),
      'Map.Title': t('map.title'),
      'Marker.Title': t('map.pickMarker'),
    },
    // No label fade-in: the first render is done (idle) as soon as the labels are placed.
    fadeDuration: 0,
  });
  map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-left');

  let destroyed = false;
  const visible = new Set<string>(options.layers ?? ['grid', 'roads', 'communities', 'cases']);
  const overlays = new Map<string, OverlayStyle>();
  const onCaseClick: (c: MapCase) => void =
    options.onCaseClick ?? ((c) => (location.hash = `#/cases/${encodeURIComponent(c.id)}`));
  let pick: ((p: LngLat) => void) | null = options.onPick ?? null;
  let pickMarker: Marker | null = null;
  let focus: MapFocus | null = options.focus ?? null;

  const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };
  const setData = (source: string, data: FeatureCollection) =>
    (map.getSource(source) as GeoJSONSource | undefined)?.setData(data);

  /**
   * Every grid cell's box the map has been sent, by code: `fitCells` shows cells outside the loaded view
   * too (a map whose cells are asked at any zoom gets the whole city's with its first view).
   */
  const cellBoxes = new Map<string, [number, number, number, number]>();
  function rememberCells(d: FeatureCollection) {
    for (const f of d.features) {
      if (f.geometry.type !== 'Polygon') continue;
      const ring = f.geometry.coordinates[0] ?? [];
      const lngs = ring.map((p) => p[0]!);
      const lats = ring.map((p) => p[1]!);
      cellBoxes.set(String(f.properties?.code), [
        Math.min(...lngs),
        Math.min(...lats),
        Math.max(...lngs),
        Math.max(...lats),
      ]);
    }
  }

  const feeds: Feed[] = [
    {
      path: '/api/map/grid-cells',
      layers: ['grid'],
      // ≈100 m cells are drawn from zoom 13; the whole city's 3,500 would be asked for nothing.
      // (Without the gazetteer, the community names from the cells then show from zoom 13 too.)
      minzoom: options.gridFromZoom ?? 12.5,
      fixed: true,
      available: true,
      fill: (d) => {
        setData('grid', d);
        rememberCells(d);
        // Community names from the cells until the gazetteer's communities are served.
        if (!communitiesFeed.available)
          setData(
            'community-points',
            labelPoints(d, (p) => p.community),
          );
      },
      loaded: null,
      truncated: false,
    },
    {
      path: '/api/map/cases',
      // Counted by the hub below zoom 14, the points from 14 (cases.ts).
      params: (level) => `format=clusters&zoom=${level}`,
      toGeoJson: caseLayerData,
      layers: ['cases'],
      available: true,
      fill: (d) => {
        const { clustered } = d as CaseLayerData;
        setData(clustered ? 'hub-cases' : 'cases', d);
        setData(clustered ? 'cases' : 'hub-cases', EMPTY);
      },
      loaded: null,
      truncated: false,
    },
    {
      path: '/api/map/cases',
      // The heat map needs every case, at any zoom; asked only while it is shown.
      params: () => 'format=points',
      toGeoJson: caseLayerData,
      layers: ['heat'],
      available: true,
      fill: (d) => setData('cases-all', d),
      loaded: null,
      truncated: false,
    },
    {
      path: '/api/map/components',
      layers: ['components'],
      available: true,
      fill: (d) => setData('components', d),
      loaded: null,
      truncated: false,
    },
    {
      path: '/api/map/pipelines',
      layers: ['pipelines'],
      // segments of ≈ 100 m: a whole city's would be asked for nothing below a district's view
      minzoom: 13,
      available: true,
      fill: (d) => {
        setData('pipelines', d);
        pipelinesInView = d.features.length;
      },
      loaded: null,
      truncated: false,
    },
    {
      path: '/api/map/ad-signs',
      layers: ['adsigns'],
      available: true,
      fill: (d) => setData('adsigns', d),
      loaded: null,
      truncated: false,
    },
    ...(['roads', 'communities', 'estates', 'pois'] as const).map((layer): Feed => ({
      path: `/api/geo/layers/${layer}`,
      layers: [layer],
      fixed: true,
      available: false,
      fill: (d) => {
        setData(layer, d);
        if (layer === 'communities' || layer === 'estates') {
          setData(
            `${layer}-points`,
            labelPoints(d, (p) => p.name),
          );
        }
      },
      loaded: null,
      truncated: false,
    })),
  ];
  const supervisorsFeed: Feed = {
    path: '/api/field/supervisors/latest',
    layers: ['supervisors'],
    bbox: false,
    available: false,
    toGeoJson: (body) => ({
      type: 'FeatureCollection',
      features: (body as { items: SupervisorOnDuty[] }).items.flatMap((s) =>
        s.last
          ? [
              {
                type: 'Feature' as const,
                geometry: { type: 'Point' as const, coordinates: [s.last.lng, s.last.lat] },
                properties: { userId: s.userId, name: s.displayName, at: s.last.at },
              },
            ]
          : [],
      ),
    }),
    fill: (d) => setData('supervisors', d),
    loaded: null,
    truncated: false,
  };
  feeds.push(supervisorsFeed);
  const gazetteerFeeds = feeds.filter((f) => f.path.startsWith('/api/geo/layers/'));
  const communitiesFeed = gazetteerFeeds.find((f) => f.layers.includes('communities'))!;
  let offered: MapLayerId[] = [];
  const pending = new Set<Promise<unknown>>();

  /** The viewport grown by half its size on each side: small pans need no new request. */
  function wanted(): { view: Bbox; padded: Bbox } {
    const b = map.getBounds();
    const view = { minLng: b.getWest(), minLat: b.getSouth(), maxLng: b.getEast(), maxLat: b.getNorth() };
    const w = (view.maxLng - view.minLng) / 2;
    const h = (view.maxLat - view.minLat) / 2;
    const padded = {
      minLng: Math.max(-180, view.minLng - w),
      minLat: Math.max(-85, view.minLat - h),
      maxLng: Math.min(180, view.maxLng + w),
      maxLat: Math.min(85, view.maxLat + h),
    };
    return { view, padded };
  }

  async function load(feed: Feed, force = false) {
    const { view, padded } = wanted();
    const zoom = map.getZoom();
    if (feed.bbox === false && feed.loaded && !force) return;
    if (feed.minzoom !== undefined && zoom < feed.minzoom) return;
    if (
      !force &&
      feed.loaded &&
      contains(feed.loaded, view) &&
      (!feed.zooms || (feed.zooms[0] <= zoom && zoom < feed.zooms[1])) &&
      !(feed.truncated && area(padded) < area(feed.loaded) / 2)
    ) {
      return;
    }
    feed.abort?.abort();
    const abort = new AbortController();
    feed.abort = abort;
    const bbox = [padded.minLng, padded.minLat, padded.maxLng, padded.maxLat]
      .map((n) => n.toFixed(6))
      .join(',');
    try {
      // The feeds are GeoJSON of several routes (one loader for all), typed by their FeatureCollection.
      const url = feed.bbox === false ? feed.path : `${feed.path}?bbox=${bbox}`;
      const params = feed.params?.(Math.floor(zoom));
      const body = await request(params ? `${url}&${params}` : url, { signal: abort.signal });
      const data = feed.toGeoJson ? feed.toGeoJson(body) : (body as FeedData);
      if (destroyed || abort.signal.aborted) return;
      performance.mark(`map:data ${feed.path}`);
      // Asked while MapLibre still set up its style: the sources exist once it has.
      await styled;
      if (destroyed || abort.signal.aborted) return;
      feed.loaded = padded;
      feed.zooms = data.zooms;
      feed.truncated = data.truncated === true;
      feed.fill(data);
      const source = feed.path.split('/').at(-1)!;
      const processed = (e: MapSourceDataEvent) => {
        if (!e.isSourceLoaded) return;
        map.off('sourcedata', processed);
        performance.mark(`map:processed ${source}`);
      };
      map.on('sourcedata', processed);
      for (const l of feed.layers) {
        options.onData?.(l, { count: data.count ?? data.features.length, truncated: feed.truncated });
      }
      drawPanel();
    } catch (err) {
      if (abort.signal.aborted || destroyed) return;
      feed.loaded = null;
      if (err instanceof ApiError && err.status === 403) {
        // Not this user's to see (e.g. positions for a department handler): drop it from the list.
        feed.available = false;
        for (const l of feed.layers) visible.delete(l);
        offered = offered.filter((l) => !feed.layers.includes(l));
        drawPanel();
        return;
      }
      status = t('map.loadFailed');
      drawPanel();
      console.warn(`map: ${feed.path}`, err);
    }
  }

  function loadVisible(force = false) {
    const jobs = feeds
      .filter((f) => f.available && f.layers.some((l) => visible.has(l)))
      .map((f) => {
        const job = load(f, force && !f.fixed);
        pending.add(job);
        void job.finally(() => pending.delete(job));
        return job;
      });
    return Promise.all(jobs).then(() => undefined);
  }

  function applyVisibility() {
    for (const { layer, spec } of LAYERS) {
      if (layer === 'focus' || !map.getLayer(spec.id)) continue;
      map.setLayoutProperty(spec.id, 'visibility', visible.has(layer) ? 'visible' : 'none');
    }
    for (const id of overlays.keys()) {
      for (const suffix of ['point', 'label']) {
        if (map.getLayer(`ov-${id}-${suffix}`)) {
          map.setLayoutProperty(`ov-${id}-${suffix}`, 'visibility', visible.has(id) ? 'visible' : 'none');
        }
      }
    }
  }

  let status = '';
  /** Lines in the 地下管网 layer's last answer: its colour key shows only when there are some. */
  let pipelinesInView = 0;
  /** The 地下管网 line last clicked, in words (what a dispatcher tells the digging crew), or ''. */
  let pointedLine = '';
  function drawPanel() {
    const truncated = feeds.some((f) => f.truncated && f.layers.some((l) => visible.has(l)));
    const rows: { id: string; name: string; legend?: string }[] = [
      ...offered.map((l) => ({ id: l, name: t(LAYER_NAMES[l]) })),
      ...[...overlays].map(([id, s]) => ({ id, name: s.title, legend: s.color })),
    ];
    if (options.layerControl === false) {
      panel.hidden = true;
      return;
    }
    const summary = document.createElement('summary');
    summary.textContent = t('map.layers');
    const list = document.createElement('fieldset');
    const legend = document.createElement('legend');
    legend.className = 'sr-only';
    legend.textContent = t('map.layers');
    const items = rows.map((r) => {
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.checked = visible.has(r.id);
      box.dataset.layer = r.id;
      box.addEventListener('change', () => api_.setLayerVisible(r.id, box.checked));
      label.append(box, ` ${r.name}`);
      return label;
    });
    const key = document.createElement('p');
    key.className = 'hub-map-key';
    key.hidden = !visible.has('cases');
    for (const s of ['green', 'yellow', 'red'] as const) {
      const dot = document.createElement('span');
      dot.className = 'dot';
      dot.style.background = STATE_COLOURS[s];
      key.append(dot, ` ${t(`clock.${s}` as MessageKey)} `);
    }
    // 地下管网's colours say what a line carries: its key shows while the layer does.
    const pipeKey = document.createElement('p');
    pipeKey.className = 'hub-map-key';
    pipeKey.dataset.testid = 'map-pipeline-key';
    pipeKey.hidden = !visible.has('pipelines') || pipelinesInView === 0;
    for (const k of Object.keys(PIPELINE_COLOURS) as (keyof typeof PIPELINE_COLOURS)[]) {
      const item = document.createElement('span');
      item.className = 'item';
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.borderColor = PIPELINE_COLOURS[k];
      item.append(bar, ` ${t(`map.pipeline.${k}` as MessageKey)}`);
      pipeKey.append(item, ' ');
    }
    const note = document.createElement('p');
    note.className = 'hub-map-note';
    note.setAttribute('role', 'status');
    note.textContent = [truncated ? t('map.truncated') : '', status, pick ? t('map.pickHint') : '']
      .filter(Boolean)
      .join(' ');
    list.replaceChildren(legend, ...items, key, pipeKey);
    panel.replaceChildren(summary, list);
    const line = document.createElement('p');
    line.className = 'hub-map-note';
    line.dataset.testid = 'map-pipeline';
    line.setAttribute('role', 'status');
    line.textContent = pointedLine;
    // The notes stay visible with the list closed: they say what the map does not show.
    noteBox.replaceChildren(note, ...(pointedLine ? [line] : []));
  }

  function showFocus() {
    setData('focus', {
      type: 'FeatureCollection',
      features: focus
        ? [
            {
              type: 'Feature',
              geometry: { type: 'Point', coordinates: [focus.lng, focus.lat] },
              properties: {},
            },
          ]
        : [],
    });
    if (map.getLayer('grid-focus'))
      map.setFilter('grid-focus', ['==', ['get', 'code'], focus?.gridCode ?? '']);
  }

  function placePick(at: LngLat | null) {
    if (!at) {
      pickMarker?.remove();
      pickMarker = null;
      return;
    }
    if (!pickMarker) {
      pickMarker = new Marker({ draggable: true, color: '#1d4ed8' }).setLngLat([at.lng, at.lat]).addTo(map);
      pickMarker.getElement().dataset.testid = 'map-pick';
      pickMarker.on('dragend', () => {
        const p = pickMarker!.getLngLat();
        pick?.({ lng: p.lng, lat: p.lat });
      });
    } else pickMarker.setLngLat([at.lng, at.lat]);
  }

  /**
   * A click on one of the hub's clusters: its cases fill the view, at least one zoom level deeper (the
   * next answer splits it) and at most 17, where MapLibre draws every point apart (clusterMaxZoom 16).
   */
  function zoomToCluster({ w, s, e, n }: { w: number; s: number; e: number; n: number }) {
    const camera = map.cameraForBounds(
      [
        [w, s],
        [e, n],
      ],
      { padding: 40 },
    );
    const fit = camera?.zoom ?? map.getZoom() + 2;
    const zoom = Math.min(Math.max(fit, Math.floor(map.getZoom()) + 1), 17);
    map.easeTo({ center: [(w + e) / 2, (s + n) / 2], zoom });
  }

  /** The place names drawn now, with where: read by screen readers and by the browser tests. */
  function listLabels() {
    const layers = [...NAME_LABELS, ...[...overlays.keys()].map((id) => `ov-${id}-label`)].filter((id) =>
      map.getLayer(id),
    );
    const seen = new Set<string>();
    const items: HTMLLIElement[] = [];
    const canvas = map.getCanvas();
    for (const f of map.queryRenderedFeatures({ layers })) {
      const field = f.layer.id.startsWith('ov-') ? overlays.get(f.source.slice(3))?.label : undefined;
      const name = String(
        (field ? f.properties[field] : undefined) ?? f.properties.name ?? f.properties.code ?? '',
      );
      if (!name || seen.has(name) || f.geometry.type !== 'Point') continue;
      seen.add(name);
      const p = map.project(f.geometry.coordinates as [number, number]);
      // A label whose anchor is outside the canvas shows only in part (or not at all).
      if (p.x < 0 || p.y < 0 || p.x > canvas.clientWidth || p.y > canvas.clientHeight) continue;
      const li = document.createElement('li');
      li.textContent = name;
      li.dataset.x = p.x.toFixed(0);
      li.dataset.y = p.y.toFixed(0);
      items.push(li);
    }
    labelList.replaceChildren(...items);
  }

  for (const f of gazetteerFeeds) f.available = true;
  supervisorsFeed.available = true;
  offered = ORDER.filter((l) => feeds.some((f) => f.available && f.layers.includes(l)));
  let sourcesAdded: () => void = () => undefined;
  const styled = new Promise<void>((resolve) => (sourcesAdded = resolve));
  // The layers' data is asked now, for the view the map was created with, so the hub answers while
  // MapLibre loads its style and starts its workers instead of after (load() waits for `styled`).
  const first = loadVisible();
  let styleLoaded = false;
  await new Promise<void>((resolve, reject) => {
    // The style, not 'load': that comes after a first frame drawn without the hub's layers, a frame
    // that costs 0.1-0.3 s in a software renderer and shows nothing of the hub.
    map.once('style.load', () => {
      styleLoaded = true;
      resolve();
    });
    map.once('error', (e) => (styleLoaded ? undefined : reject(e.error)));
  });
  if (destroyed) throw new Error('map destroyed while loading');
  performance.mark('map:style');
  for (const [id, spec] of Object.entries(SOURCES)) map.addSource(id, spec);
  for (const { spec } of LAYERS) map.addLayer(spec);
  sourcesAdded();
  applyVisibility();
  showFocus();
  if (pick && options.pickAt) placePick(options.pickAt);
  canvasBox.classList.toggle('picking', Boolean(pick));
  drawPanel();

  map.on('moveend', () => {
    void loadVisible();
    if (options.onMoveEnd) {
      const { view } = wanted();
      options.onMoveEnd([view.minLng, view.minLat, view.maxLng, view.maxLat]);
    }
  });
  // Positions move: asked again every 30 s while the layer is shown.
  const positionsTimer = setInterval(() => {
    if (supervisorsFeed.available && visible.has('supervisors') && !document.hidden) {
      void load(supervisorsFeed, true);
    }
  }, 30_000);
  map.on('idle', listLabels);

  /** The grid cell under a point, filled or not (`grid-fill` is drawn from zoom 13 only). */
  const cellAt = (e: MapMouseEvent): MapCell | null => {
    const layers = ['grid-class', 'grid-fill'].filter((l) => map.getLayer(l));
    const [hit] = visible.has('grid') ? map.queryRenderedFeatures(e.point, { layers }) : [];
    return hit ? (hit.properties as MapCell) : null;
  };
  if (options.onCellPoint) {
    const onCellPoint = options.onCellPoint;
    let last = '';
    // Hover on a desktop; a tap on a phone arrives as a click (below), which names the cell too. Leaving
    // the map keeps the last cell named: Chrome sends a mouseout right after a tap, which would unsay it.
    map.on('mousemove', (e: MapMouseEvent) => {
      const cell = cellAt(e);
      if ((cell?.code ?? '') === last) return;
      last = cell?.code ?? '';
      onCellPoint(cell);
    });
    map.on('click', (e: MapMouseEvent) => {
      const cell = cellAt(e);
      last = cell?.code ?? '';
      onCellPoint(cell);
    });
  }
  map.on('click', (e: MapMouseEvent) => {
    if (pick) {
      const p = { lng: e.lngLat.lng, lat: e.lngLat.lat };
      placePick(p);
      pick(p);
      return;
    }
    const [hit] = map.queryRenderedFeatures(e.point, {
      layers: [
        ...CASE_LAYERS,
        ...(options.onComponentClick ? ['components-point'] : []),
        ...(options.onAdSignClick ? ['adsigns-point'] : []),
      ].filter((l) => map.getLayer(l)),
    });
    // A point wins over a line under it; a line is a few pixels wide, so a click near it counts.
    const line = hit ? null : pipelineNear(e.point);
    if (pointedLine || line) {
      pointedLine = line ? pipelineWords(line) : '';
      drawPanel();
    }
    if (!hit) return;
    if (hit.layer.id === 'components-point') {
      options.onComponentClick?.(hit.properties as MapComponent);
      return;
    }
    if (hit.layer.id === 'adsigns-point') {
      options.onAdSignClick?.(hit.properties as MapAdSign);
      return;
    }
    if (hit.layer.id === 'cases-cluster') {
      const source = map.getSource('cases') as GeoJSONSource;
      void source.getClusterExpansionZoom(hit.properties.cluster_id as number).then((zoom) => {
        map.easeTo({ center: (hit.geometry as Point).coordinates as [number, number], zoom });
      });
      return;
    }
    if (hit.layer.id === 'hub-cases-cluster') {
      zoomToCluster(hit.properties as { w: number; s: number; e: number; n: number });
      return;
    }
    onCaseClick(hit.properties as MapCase);
  });
  function pipelineNear(p: { x: number; y: number }): MapPipeline | null {
    if (!visible.has('pipelines') || !map.getLayer('pipelines-line')) return null;
    const [line] = map.queryRenderedFeatures(
      [
        [p.x - 5, p.y - 5],
        [p.x + 5, p.y + 5],
      ],
      { layers: ['pipelines-line'] },
    );
    return line ? (line.properties as MapPipeline) : null;
  }
  for (const layer of [...CASE_LAYERS, 'components-point', 'adsigns-point', 'pipelines-line']) {
    map.on('mouseenter', layer, () => {
      if (!pick) map.getCanvas().style.cursor = 'pointer';
    });
    map.on('mouseleave', layer, () => (map.getCanvas().style.cursor = ''));
  }
  void first;

  const api_: HubMap = {
    bounds() {
      const { view } = wanted();
      return [view.minLng, view.minLat, view.maxLng, view.maxLat];
    },
    setLayerVisible(layer, on) {
      if (on) visible.add(layer);
      else visible.delete(layer);
      applyVisibility();
      drawPanel();
      if (on) void loadVisible();
    },
    visibleLayers: () => [...visible],
    setFocus(next) {
      focus = next;
      showFocus();
      if (next) map.easeTo({ center: [next.lng, next.lat] });
    },
    setPick(handler, at) {
      pick = handler;
      canvasBox.classList.toggle('picking', Boolean(handler));
      placePick(handler ? (at ?? (pickMarker ? pickMarker.getLngLat() : null)) : null);
      drawPanel();
    },
    setOverlay(id, data, style) {
      // Overlays and hub layers share the layer list's keys.
      if ((ORDER as string[]).includes(id)) throw new Error(`overlay id "${id}" is a hub layer's`);
      if (!overlays.has(id)) {
        overlays.set(id, style);
        visible.add(id);
        map.addSource(`ov-${id}`, { type: 'geojson', data });
        map.addLayer(
          {
            id: `ov-${id}-point`,
            type: 'circle',
            source: `ov-${id}`,
            paint: {
              'circle-color': style.color ?? '#1d4ed8',
              'circle-radius': 6,
              'circle-stroke-color': '#ffffff',
              'circle-stroke-width': 2,
            },
          },
          'focus-ring',
        );
        if (style.label) {
          map.addLayer(
            {
              id: `ov-${id}-label`,
              type: 'symbol',
              source: `ov-${id}`,
              layout: {
                'text-field': ['get', style.label],
                'text-font': LABEL_FONT,
                'text-size': 12,
                'text-offset': [0, 1.2],
                'text-anchor': 'top',
              },
              paint: { 'text-color': '#1e293b', 'text-halo-color': '#ffffff', 'text-halo-width': 1.5 },
            },
            'focus-ring',
          );
        }
      } else {
        overlays.set(id, style);
        setData(`ov-${id}`, data);
      }
      applyVisibility();
      drawPanel();
    },
    removeOverlay(id) {
      if (!overlays.delete(id)) return;
      visible.delete(id);
      for (const l of [`ov-${id}-label`, `ov-${id}-point`]) if (map.getLayer(l)) map.removeLayer(l);
      map.removeSource(`ov-${id}`);
      drawPanel();
    },
    setCellClasses(classes: CellClass[]) {
      const filled = classes.filter((c) => c.codes.length);
      const codes = filled.flatMap((c) => c.codes);
      map.setFilter('grid-class', ['in', ['get', 'code'], ['literal', codes]]);
      // One branch per class (a match label may be a list of codes), transparent for any other cell.
      // Cast: MapLibre's type wants the branches as a fixed tuple, which a spread of classes is not.
      map.setPaintProperty(
        'grid-class',
        'fill-color',
        filled.length
          ? ([
              'match',
              ['get', 'code'],
              ...filled.flatMap((c) => [c.codes, c.colour]),
              'rgba(0, 0, 0, 0)',
            ] as unknown as ExpressionSpecification)
          : 'rgba(0, 0, 0, 0)',
      );
    },
    filledCells() {
      // A cell that crosses a tile's edge comes back once per tile.
      const codes = map
        .queryRenderedFeatures({ layers: ['grid-class'] })
        .map((f) => String(f.properties.code));
      return [...new Set(codes)].sort();
    },
    fitCells(codes, maxZoom = 16) {
      let [w, s, e, n] = [180, 90, -180, -90];
      for (const code of codes) {
        const box = cellBoxes.get(code);
        if (box)
          [w, s, e, n] = [Math.min(w, box[0]), Math.min(s, box[1]), Math.max(e, box[2]), Math.max(n, box[3])];
      }
      if (w > e) return;
      map.fitBounds(
        [
          [w, s],
          [e, n],
        ],
        { padding: 40, maxZoom, animate: false },
      );
    },
    refresh: () => loadVisible(true),
    flyTo(p, zoom) {
      map.easeTo({ center: [p.lng, p.lat], ...(zoom !== undefined ? { zoom } : {}) });
    },
    async idle() {
      while (pending.size) await Promise.all([...pending]);
      // The data just set is drawn in a later frame: wait for the frame after which nothing is pending.
      const done = map.once('idle');
      map.triggerRepaint();
      await done;
    },
    resize: () => map.resize(),
    destroy() {
      destroyed = true;
      clearInterval(positionsTimer);
      for (const f of feeds) f.abort?.abort();
      map.remove();
      container.replaceChildren();
      delete (container as HTMLElement & { hubMap?: HubMap }).hubMap;
      delete container.dataset.rendered;
    },
  };
  // The browser tests (and the console) reach the map through its element.
  (container as HTMLElement & { hubMap?: HubMap }).hubMap = api_;
  // When the first data is on screen (page time, ms): the benchmark's and the browser tests' signal.
  void api_.idle().then(() => {
    if (destroyed) return;
    performance.mark('map:rendered');
    container.dataset.rendered = String(Math.round(performance.now()));
  });
  return api_;
}

export type { StyleSpecification };

/** A segment as the 地下管网 layer knows it (a feature of GET /api/map/pipelines; MapLibre drops nulls). */
interface MapPipeline {
  code: string;
  kind: keyof typeof PIPELINE_COLOURS;
  ownerName: string;
  depthM?: number | null;
  diameterMm?: number | null;
  material?: string | null;
}

/** A clicked line in words: kind, 管线编号, owner, then depth, diameter and material where known. */
function pipelineWords(p: MapPipeline): string {
  return [
    t('map.pipeline.named', { kind: t(`map.pipeline.${p.kind}`), code: p.code, owner: p.ownerName }),
    p.depthM != null ? t('map.pipeline.depth', { depth: p.depthM }) : '',
    p.diameterMm != null ? t('map.pipeline.diameter', { diameter: p.diameterMm }) : '',
    p.material ?? '',
  ]
    .filter(Boolean)
    .join(' · ');
}
