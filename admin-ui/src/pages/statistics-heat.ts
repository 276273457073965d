/**
 * 统计分析's heat map (issue 13, 热点): each grid cell filled by its cases reported in the page's period,
 * in the classes heatClasses chooses from the data, a legend, and the cell under the pointer (or tapped)
 * named with its count. The counts are the by-grid table's `reported` (one answer of GET /api/statistics
 * ?by=grid), so the map and the table never disagree; the cells' polygons are the map's own grid layer.
 * The page draws often; `sync` after each draw starts the map once and gives it the period's classes.
 */
import { html, nothing } from 'lit-html';
import { describeError, type Success } from '../lib/api.ts';
import { classOf, HEAT_COLOURS, heatClasses, type HeatClass } from '../lib/heat-classes.ts';
import { t } from '../lib/i18n.ts';
import { createMap, preloadMap, type HubMap, type MapCell } from '../lib/map/index.ts';

type GridTable = Success<'/api/statistics'>;

export function statisticsHeat(onError: (message: string) => void, redraw: () => void) {
  let map: HubMap | null = null;
  let starting = false;
  let stopped = false;
  let table: GridTable | null = null;
  /** Cases per cell code of the table shown. */
  let counts = new Map<string, number>();
  let classes: HeatClass[] = [];
  /** The classes the map was given: a redraw with the same table does not repaint it. */
  let applied: GridTable | null = null;
  let pointed = '';
  preloadMap();

  function pointAt(cell: MapCell | null) {
    pointed = cell
      ? t('stats.heat.cell', {
          // The map's own cell in the UI's words (the table's row names it the same way in zh-CN); a cell
          // without cases in either period is no row of the table.
          place: t('cell.name', { street: cell.street, community: cell.community, seq: cell.code.slice(-2) }),
          count: counts.get(cell.code) ?? 0,
        })
      : '';
    redraw();
  }

  /** Gives the map the table's classes; once drawn, the container lists the filled cells and classes. */
  async function apply(container: HTMLElement) {
    if (!map || !table || applied === table) return;
    applied = table;
    map.setCellClasses(
      classes.map((c, i) => ({
        colour: HEAT_COLOURS[i]!,
        codes: [...counts].filter(([, n]) => classOf(classes, n) === i).map(([code]) => code),
      })),
    );
    await map.idle();
    if (applied !== table || !map) return;
    // The period's hot spots fill the view: at the city's zoom a 100 m cell is a few pixels.
    map.fitCells([...counts].filter(([, n]) => n > 0).map(([code]) => code));
    await map.idle();
    if (applied !== table || !map) return;
    // For tests and the curious: what MapLibre drew, by class (the legend's words).
    const drawn = Object.fromEntries(
      map.filledCells().map((code) => [code, classes[classOf(classes, counts.get(code) ?? 0)]?.label]),
    );
    container.dataset.cells = JSON.stringify(drawn);
  }

  return {
    /** A new by-grid table (the page's period changed): new classes for the map. */
    setTable(next: GridTable) {
      table = next;
      const rows = next.rows.filter((r) => r.key !== '');
      counts = new Map(rows.map((r) => [r.key, r.current.reported]));
      classes = heatClasses([...counts.values()]);
    },

    view() {
      if (!table) return nothing;
      const unlocated = table.rows.find((r) => r.key === '')?.current.reported ?? 0;
      return html`<section class="stats-heat">
        <h2>${t('stats.heat.heading', { from: table.period.from, to: table.period.to })}</h2>
        <div
          id="stats-heat-map"
          class="hub-map"
          data-testid="heat-map"
          role="region"
          aria-label=${t('stats.heat.map')}
        ></div>
        <ul class="heat-legend" data-testid="heat-legend" aria-label=${t('stats.heat.legend')}>
          <li>${t('stats.heat.legend')}</li>
          <li><span class="heat-swatch heat-none"></span>0</li>
          ${classes.map(
            (c, i) =>
              html`<li>
                <span class="heat-swatch" style=${`background:${HEAT_COLOURS[i]}`}></span>${c.label}
              </li>`,
          )}
        </ul>
        <p class="heat-pointed" role="status" data-testid="heat-pointed">
          ${pointed || t('stats.heat.hint')}
        </p>
        ${unlocated ? html`<p class="muted">${t('stats.heat.unlocated', { count: unlocated })}</p>` : nothing}
      </section>`;
    },

    /** After each draw: the map starts once its box is there, then follows the table. */
    sync(root: HTMLElement) {
      const container = root.querySelector<HTMLElement>('#stats-heat-map');
      if (!container) return;
      if (map) {
        void apply(container);
        return;
      }
      if (starting) return;
      starting = true;
      // The cells are the subject: asked at the city's zoom too, where the filled ones are the hot spots.
      createMap(container, { layers: ['grid', 'roads'], gridFromZoom: 0, onCellPoint: pointAt })
        .then((m) => {
          if (stopped) return m.destroy();
          map = m;
          void apply(container);
        })
        .catch((err: unknown) => onError(t('map.unavailable', { message: describeError(err) })));
    },

    destroy() {
      stopped = true;
      map?.destroy();
      map = null;
    },
  };
}
