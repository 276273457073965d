/**
 * The hub's one map (issue 19): MapLibre GL JS over the hub's own data, for the case detail, the
 * command-centre desk and the mobile app. This module is small and loads nothing heavy: `createMap`
 * imports MapLibre (≈ 300 KB gzipped + its worker) on first use, so a page or app entry that imports
 * this file stays within its budget until it actually shows a map.
 *
 *   const map = await createMap(el, {
 *     layers: ['grid', 'cases'],                  // shown at start; the others can be ticked on
 *     focus: { lng, lat, gridCode },              // a case's point and its cell, centred
 *     onCaseClick: (c) => (location.hash = `#/cases/${c.id}`),   // the default
 *     onPick: (p) => save(p.lng, p.lat),          // "pick a point" mode (location repair, mobile report)
 *   });
 *   map.setOverlay('supervisors', featureCollection, { title: '监督员', color: '#1d4ed8', label: 'name' });
 *   map.destroy();
 *
 * Base map: what GET /api/map/config says (MAP_STYLE_URL, MAP_TILE_URL), else the bundled style over
 * the hub's data, so the map works with no internet. Labels are drawn with the browser's fonts (no
 * glyph server). Every layer's data comes from the hub as GeoJSON for the viewport (GET /api/map/*).
 */
import type { FeatureCollection } from 'geojson';
import { api } from '../api.ts';

/**
 * The hub's layers. `supervisors`: the on-duty supervisors' latest positions (GET
 * /api/field/supervisors/latest, the roles allowed to watch them), refreshed every 30 s while shown.
 * The gazetteer's (`roads`, `communities` 社区, `estates` 小区, `pois` 兴趣点) come from
 * GET /api/geo/layers/:layer and are offered when the hub serves it.
 */
export type MapLayerId =
  | 'grid'
  | 'roads'
  | 'communities'
  | 'estates'
  | 'pois'
  | 'cases'
  | 'components'
  | 'adsigns'
  | 'pipelines'
  | 'heat'
  | 'supervisors';

export interface LngLat {
  lng: number;
  lat: number;
}

/**
 * An open case as the cases layer knows it (GET /api/map/cases): its id and light only, what the layer
 * draws; a page that needs more reads the case by its id.
 */
export interface MapCase {
  id: string;
  /** The running step's time-limit light (green/yellow/red), none when no timed step runs. */
  state: 'green' | 'yellow' | 'red' | 'none';
}

/** A component as the components layer knows it (a feature of GET /api/map/components). */
export interface MapComponent {
  id: string;
  code: string;
  name: string;
  categoryCode: string;
  status: string;
}

/** A sign or ad as the 广告店招 layer knows it (a feature of GET /api/map/ad-signs). */
export interface MapAdSign {
  id: string;
  code: string;
  name: string;
  kind: string;
  status: 'valid' | 'expiring' | 'expired' | 'unpermitted' | 'removed';
}

/** A point to show and centre on: a case's position, its grid cell outlined. */
export interface MapFocus extends LngLat {
  gridCode?: string | null;
}

/** A grid cell as the grid layer knows it (a feature of GET /api/map/grid-cells). */
export interface MapCell {
  code: string;
  street: string;
  community: string;
}

/** Grid cells filled in one colour (a class of a heat map): `codes` are the cells' codes. */
export interface CellClass {
  colour: string;
  codes: string[];
}

/** How an overlay (e.g. supervisors' positions) is drawn. */
export interface OverlayStyle {
  /** Its name in the layer list. */
  title: string;
  /** Circle colour (CSS). */
  color?: string;
  /** A feature property whose value is written beside the point. */
  label?: string;
}

export interface MapOptions {
  /**
   * Layers shown at start (default grid, roads, communities, cases; one the hub does not serve is left
   * out). The layer list lets the user tick the others.
   */
  layers?: MapLayerId[];
  /** Show the layer list (default true). */
  layerControl?: boolean;
  focus?: MapFocus | null;
  /** A case point was clicked (default: open its detail page, `#/cases/<id>`). */
  onCaseClick?: (c: MapCase) => void;
  /** The view stopped moving: its box (minLng, minLat, maxLng, maxLat). */
  onMoveEnd?: (bounds: [number, number, number, number]) => void;
  /** A component point was clicked (without it, component points are not clickable). */
  onComponentClick?: (c: MapComponent) => void;
  /** A sign of the 广告店招 layer was clicked (without it, its points are not clickable). */
  onAdSignClick?: (s: MapAdSign) => void;
  /**
   * "Pick a point" mode from the start: a click (or tap) places the marker there and calls this; the
   * marker can also be dragged. Case clicks are ignored while picking. See also `HubMap.setPick`.
   */
  onPick?: (p: LngLat) => void;
  /** Where the pick marker starts (e.g. the point to repair), else no marker until the first click. */
  pickAt?: LngLat | null;
  /** Initial view when there is no focus: centre and zoom, else the city's extent. */
  center?: LngLat;
  zoom?: number;
  /**
   * The zoom from which the grid cells are asked (default 12.5, where they start to be drawn): a map
   * whose subject is the cells (the statistics heat map) asks them at the city's zoom too.
   */
  gridFromZoom?: number;
  /**
   * The pointer is over a grid cell (hover), or a cell was tapped; null when it moved onto no cell
   * (leaving the map says nothing). Without it, cells do not answer the pointer.
   */
  onCellPoint?: (cell: MapCell | null) => void;
  /** Called after each load of a layer's data, with whether the hub cut it at its limit (zoom in). */
  onData?: (layer: MapLayerId, info: { count: number; truncated: boolean }) => void;
}

export interface HubMap {
  /** The view's box: minLng, minLat, maxLng, maxLat (WGS84). */
  bounds(): [number, number, number, number];
  /** Shows or hides a layer (and ticks its box in the layer list); loads its data if needed. */
  setLayerVisible(layer: MapLayerId | string, visible: boolean): void;
  /** The layers shown now (hub layers and overlays). */
  visibleLayers(): string[];
  /** Moves the focus point (null removes it) and centres on it. */
  setFocus(focus: MapFocus | null): void;
  /** Turns "pick a point" mode on (with the handler) or off (null); `at` places the marker. */
  setPick(onPick: ((p: LngLat) => void) | null, at?: LngLat | null): void;
  /**
   * A layer of points supplied by the page (vehicles, a route's stops, …): creates it on first call,
   * replaces its data on later ones; it joins the layer list under `style.title`. `id` must not be a
   * `MapLayerId` (the supervisors on duty are the hub layer `supervisors`).
   */
  setOverlay(id: string, data: FeatureCollection, style: OverlayStyle): void;
  removeOverlay(id: string): void;
  /** Fills grid cells by class (drawn under the grid's lines at every zoom); [] clears the fill. */
  setCellClasses(classes: CellClass[]): void;
  /** The codes of the cells drawn filled now (in the view, after the last frame: wait for `idle()`). */
  filledCells(): string[];
  /** Shows these grid cells whole (those the map has been sent; at most `maxZoom`, default 16). */
  fitCells(codes: string[], maxZoom?: number): void;
  /**
   * Reloads the hub layers' data for the current view (e.g. after the page learnt of new cases); the
   * geography (grid, roads, communities) is kept.
   */
  refresh(): Promise<void>;
  /** Centres on a point (zoom kept unless given). */
  flyTo(p: LngLat, zoom?: number): void;
  /** Resolves when the map has drawn everything it has data for. */
  idle(): Promise<void>;
  /** Call when the container changed size while the window did not (e.g. a panel opened). */
  resize(): void;
  /** Removes the map, its listeners and its requests. */
  destroy(): void;
}

/** GET /api/map/config. */
export interface MapConfig {
  base:
    | { kind: 'bundled' }
    | { kind: 'style'; url: string }
    | { kind: 'raster'; tiles: string[]; attribution: string | null };
  bounds: [number, number, number, number] | null;
}

let config: Promise<MapConfig> | undefined;
/** The base map and the city's extent, asked once per page load. */
export const getMapConfig = () => (config ??= api('/api/map/config'));

let engine: Promise<typeof import('./engine.ts')> | undefined;
/**
 * Starts fetching MapLibre and the map's configuration without showing anything: call it when a page
 * that will show a map mounts, so the code arrives while the page loads its own data.
 */
export function preloadMap(): void {
  engine ??= import('./engine.ts');
  void getMapConfig().catch(() => undefined);
}

/**
 * Creates a map in `container` (give it a height). Resolves once the style is loaded; layer data
 * follows as it arrives (`idle()` waits for it).
 */
export async function createMap(container: HTMLElement, options: MapOptions = {}): Promise<HubMap> {
  preloadMap();
  const [{ mountMap }, cfg] = await Promise.all([engine!, getMapConfig()]);
  return mountMap(container, options, cfg);
}
