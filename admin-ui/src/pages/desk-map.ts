/**
 * The MapLibre map in the desk's case panel (src/lib/map): the case's point and grid cell, its
 * duplicate candidates as an overlay, and "pick a point" while the case waits for location repair.
 * The panel is redrawn often; `sync` is called after each draw and only tells the map what changed.
 * A new container (the panel was rebuilt) gets a new map.
 */
import type { FeatureCollection } from 'geojson';
import { describeError } from '../lib/api.ts';
import { t } from '../lib/i18n.ts';
import { createMap, type HubMap, type LngLat, type MapFocus } from '../lib/map/index.ts';

export interface DeskMapState {
  /** The case shown (its id keys the pick mode). */
  caseId: string;
  focus: MapFocus | null;
  /** Pick mode while the case waits for location repair (a click places the marker); null otherwise. */
  pick: ((p: LngLat) => void) | null;
  /** Duplicate candidates with coordinates (drawn as their own layer, labelled by case number). */
  nearby: { caseNo: string; lng: number; lat: number }[];
  /** Show the supervisors on duty (their last positions), e.g. while choosing who goes to 核实. */
  supervisors: boolean;
}

export function deskMap(root: HTMLElement, onError: (message: string) => void) {
  let container: HTMLElement | null = null;
  let map: HubMap | undefined;
  let want: DeskMapState | null = null;
  let shown = { focus: '', pick: '', nearby: '', supervisors: false };
  let generation = 0;
  // No preloadMap() at mount, unlike other map pages: MapLibre (≈1.1 MB) downloading and compiling while
  // the queue and the first case's panel load delayed the desk's first screen by up to a second on a busy
  // machine (bench:ui). The map loads when the panel first shows a case.

  function apply() {
    if (!map || !want) return;
    const focus = JSON.stringify(want.focus);
    if (focus !== shown.focus) {
      map.setFocus(want.focus);
      shown.focus = focus;
    }
    const pick = want.pick ? want.caseId : '';
    if (pick !== shown.pick) {
      map.setPick(want.pick, null);
      shown.pick = pick;
    }
    const nearby = JSON.stringify(want.nearby);
    if (nearby !== shown.nearby) {
      const data: FeatureCollection = {
        type: 'FeatureCollection',
        features: want.nearby.map((d) => ({
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [d.lng, d.lat] },
          properties: { caseNo: d.caseNo },
        })),
      };
      map.setOverlay('duplicates', data, {
        title: t('desk.mapDuplicates'),
        color: '#7c3aed',
        label: 'caseNo',
      });
      shown.nearby = nearby;
    }
    if (want.supervisors !== shown.supervisors) {
      map.setLayerVisible('supervisors', want.supervisors);
      shown.supervisors = want.supervisors;
    }
  }

  return {
    /** After each draw: the map follows the panel's case. */
    sync(state: DeskMapState | null) {
      want = state;
      const box = root.querySelector<HTMLElement>('#desk-map');
      if (box !== container) {
        map?.destroy();
        map = undefined;
        shown = { focus: '', pick: '', nearby: '', supervisors: false };
        container = box;
        if (!box || !state) return;
        const mine = ++generation;
        createMap(box, { focus: state.focus, layers: ['grid', 'roads', 'communities', 'cases'] })
          .then((m) => {
            if (mine !== generation || container !== box) return m.destroy();
            map = m;
            shown.focus = JSON.stringify(state.focus);
            apply();
          })
          .catch((err: unknown) => onError(t('map.unavailable', { message: describeError(err) })));
        return;
      }
      apply();
    },
    /** The page chose a point (an address's reading): the pick marker goes there and the map follows. */
    placePick(p: LngLat) {
      if (!map || !want?.pick) return;
      map.setPick(want.pick, p);
      map.flyTo(p, 17);
    },
    destroy() {
      generation++;
      map?.destroy();
      map = undefined;
      container = null;
    },
  };
}
