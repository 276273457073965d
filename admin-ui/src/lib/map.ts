/**
 * The case's position on a map drawn from the grid cells' polygons (GET /api/grid-cells, GeoJSON WGS84):
 * plain SVG, no tile server, no WebGL — kept for the app's case view (admin-ui/app), which works offline
 * from its service worker's copy. The interactive map (layers, clusters, clicks, pick mode) is
 * `./map/index.ts`. Shows the cells of the case's street (all cells when the street is not
 * known), the case's own cell highlighted and its point marked.
 */
import { html, svg } from 'lit-html';
import { api, type Item } from './api.ts';
import { t } from './i18n.ts';

/** A grid cell of GET /api/grid-cells; its geometry is a GeoJSON polygon the API does not type. */
export type GridCell = Omit<Item<'/api/grid-cells'>, 'geometry'> & {
  geometry: { type: string; coordinates: number[][][] } | null;
};

let cells: Promise<GridCell[]> | undefined;
export const getGridCells = () => (cells ??= api('/api/grid-cells').then((r) => r.items as GridCell[]));

/**
 * A grid cell as the city says it: its street, its community and its number there (the code's last two
 * digits, domain.md §1), e.g. 城北街道长寿社区01号网格; the bare code only for a cell not in the list.
 */
export function cellName(all: readonly GridCell[], code: string): string {
  const cell = all.find((c) => c.code === code);
  return cell
    ? t('cell.name', { street: cell.street, community: cell.community, seq: code.slice(-2) })
    : t('cell.code', { code });
}

const WIDTH = 480;

export function caseMap(
  all: GridCell[],
  c: { gridCode: string | null; lng: number | null; lat: number | null },
) {
  const own = all.find((cell) => cell.code === c.gridCode);
  const shown = all.filter(
    (cell) => cell.geometry?.type === 'Polygon' && (!own || cell.street === own.street),
  );
  const rings = shown.map((cell) => ({ cell, ring: cell.geometry!.coordinates[0] ?? [] }));
  const points = rings.flatMap((r) => r.ring);
  if (c.lng !== null && c.lat !== null) points.push([c.lng, c.lat]);
  if (points.length === 0) return html`<p class="muted">${t('case.noLocation')}</p>`;
  const lngs = points.map((p) => p[0]!);
  const lats = points.map((p) => p[1]!);
  const [minLng, maxLng, minLat, maxLat] = [
    Math.min(...lngs),
    Math.max(...lngs),
    Math.min(...lats),
    Math.max(...lats),
  ];
  // Equirectangular, scaled by cos(latitude) so a cell keeps its shape at Rugao's 32°N.
  const kx = Math.cos(((minLat + maxLat) / 2) * (Math.PI / 180));
  const spanX = Math.max((maxLng - minLng) * kx, 1e-6);
  const spanY = Math.max(maxLat - minLat, 1e-6);
  const scale = (WIDTH - 20) / Math.max(spanX, spanY);
  const height = Math.round(spanY * scale + 20);
  const x = (lng: number) => 10 + (lng - minLng) * kx * scale;
  const y = (lat: number) => 10 + (maxLat - lat) * scale;
  const path = (ring: number[][]) =>
    ring.map((p, i) => `${i ? 'L' : 'M'}${x(p[0]!).toFixed(1)},${y(p[1]!).toFixed(1)}`).join('') + 'Z';
  const label = `${t('case.map')}: ${c.gridCode ? cellName(all, c.gridCode) : '—'}${c.lng !== null ? ` (${c.lng.toFixed(5)}, ${c.lat!.toFixed(5)})` : ''}`;
  return html`<svg viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label=${label} data-testid="case-map">
    ${rings.map(
      ({ cell, ring }) =>
        svg`<path d=${path(ring)} data-grid=${cell.code} fill=${cell.code === c.gridCode ? '#fde68a' : '#ffffff'}
          stroke=${cell.code === c.gridCode ? '#b45309' : '#94a3b8'} stroke-width=${cell.code === c.gridCode ? 2 : 1}><title>${cell.code} ${cell.community}</title></path>`,
    )}
    ${
      c.lng !== null && c.lat !== null
        ? svg`<circle data-testid="case-point" cx=${x(c.lng).toFixed(1)} cy=${y(c.lat).toFixed(1)} r="6" fill="#b3261e" stroke="#fff" stroke-width="2" />`
        : ''
    }
  </svg>`;
}
