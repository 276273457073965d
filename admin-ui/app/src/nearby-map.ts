/**
 * The map of 附近的上报 (城管通) and 附近的反映 (市民通): the phone's position and the reports around it,
 * numbered as in the list beside it. MapLibre is loaded on the first call (its own chunk), so a screen
 * that never shows the map never downloads it.
 */
import type { HubMap, MapLayerId } from '../../src/lib/map/index.ts';

export interface NearbyMapOptions {
  /** The layer's title and the phone's label, e.g. 附近的反映 and 我的位置. */
  title: string;
  me: string;
  /** The hub's layers under the points: the grid for staff; none for the public, who may not read them. */
  layers: MapLayerId[];
}

/** Keeps one map in `host`, centred on `here`, with the points numbered 1…n in their order. */
export function nearbyMap(words: NearbyMapOptions) {
  let map: HubMap | null = null;
  let stopped = false;
  return {
    async show(
      host: HTMLElement | null,
      here: { lng: number; lat: number },
      points: { lng: number; lat: number }[],
      zoom: number,
    ): Promise<void> {
      if (stopped || !host) return;
      if (!map) {
        const { createMap } = await import('../../src/lib/map/index.ts');
        if (stopped) return;
        map = await createMap(host, { layers: words.layers, layerControl: false, center: here, zoom });
        if (stopped) return map.destroy();
      }
      map.flyTo(here, zoom);
      const point = (p: { lng: number; lat: number }, name: string) => ({
        type: 'Feature' as const,
        geometry: { type: 'Point' as const, coordinates: [p.lng, p.lat] },
        properties: { name },
      });
      map.setOverlay(
        'me',
        { type: 'FeatureCollection', features: [point(here, words.me)] },
        { title: words.me, color: '#1d4ed8', label: 'name' },
      );
      map.setOverlay(
        'nearby',
        { type: 'FeatureCollection', features: points.map((p, i) => point(p, String(i + 1))) },
        { title: words.title, color: '#c2410c', label: 'name' },
      );
      host.dataset.points = String(points.length);
    },
    destroy(): void {
      stopped = true;
      map?.destroy();
    },
  };
}
