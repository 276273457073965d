/**
 * A registry's map layer asked as the admin map asks it, for the 部件 and 地下管网 benches: viewports spread
 * over the city's grid (golden-ratio steps), each the box a 1440×900 map requests at `zoom` (Web Mercator,
 * 512-pixel tiles, grown by half on each side as src/lib/map does). Prints p50/p95/max per zoom.
 */
import { loadavg } from 'node:os';
import { call } from '../test/helpers/api.ts';

export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
export const loadAverage = () =>
  `load ${loadavg()
    .map((n) => n.toFixed(1))
    .join(' ')}`;

interface Box {
  minLng: number;
  maxLng: number;
  minLat: number;
  maxLat: number;
}

export async function measureMapLayer(opts: {
  base: string;
  token: string;
  /** e.g. /api/map/components */
  path: string;
  cells: Box[];
  zooms: number[];
  requests: number;
}) {
  const minLng = Math.min(...opts.cells.map((c) => c.minLng));
  const maxLng = Math.max(...opts.cells.map((c) => c.maxLng));
  const minLat = Math.min(...opts.cells.map((c) => c.minLat));
  const maxLat = Math.max(...opts.cells.map((c) => c.maxLat));
  const box = (zoom: number, cx: number, cy: number) => {
    const w = (1440 / (512 * 2 ** zoom)) * 360;
    const h = w * (900 / 1440) * Math.cos((cy * Math.PI) / 180);
    return [cx - w, cy - h, cx + w, cy + h].map((n) => n.toFixed(6)).join(',');
  };
  for (const zoom of opts.zooms) {
    const times: number[] = [];
    let features = 0;
    let truncated = 0;
    for (let i = 0; i < opts.requests; i++) {
      const cx = minLng + (maxLng - minLng) * ((i * 0.618) % 1);
      const cy = minLat + (maxLat - minLat) * ((i * 0.382) % 1);
      const s = performance.now();
      const res = await call(opts.base, 'GET', `${opts.path}?bbox=${box(zoom, cx, cy)}`, {
        token: opts.token,
      });
      times.push(performance.now() - s);
      if (res.status !== 200) throw new Error(`map layer: ${res.status}`);
      features += res.body.features.length;
      if (res.body.truncated) truncated++;
    }
    times.sort((a, b) => a - b);
    console.log(
      `map layer at zoom ${zoom} (the map's padded 1440×900 box): ${opts.requests} viewports, ` +
        `${Math.round(features / opts.requests)} features on average, ${truncated} cut at the limit; ` +
        `p50 ${percentile(times, 0.5).toFixed(1)} ms, p95 ${percentile(times, 0.95).toFixed(1)} ms, ` +
        `max ${times.at(-1)!.toFixed(1)} ms (${loadAverage()})`,
    );
  }
}
