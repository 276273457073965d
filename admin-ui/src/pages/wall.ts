/**
 * 指挥大屏 (#/wall): the command hall's wall at 1920×1080, read from across the room. The live map of open
 * cases by time-limit light, today's 处置率 / 结案率 / 平均处置时长 against their targets (GET
 * /api/leader/dashboard), cases by source today and in the last hour, 督办 waiting by level and the
 * street sub-centres' load (GET /api/wall/activity). Everything refreshes every WALL_POLL_MS without a
 * reload; the top bar is hidden while the wall is up (Esc or the exit link brings it back).
 */
import { html, nothing, render } from 'lit-html';
import { api, describeError } from '../lib/api.ts';
import { formatTime, label, t } from '../lib/i18n.ts';
import { createMap, preloadMap, type HubMap } from '../lib/map/index.ts';
import type { MountPage } from '../lib/pages.ts';

interface Figure {
  key: string;
  label: string;
  value: number | null;
  target: number;
  met: boolean | null;
  unit: 'rate' | 'hours';
}
interface Dashboard {
  figures: Figure[];
  registered: number;
  overdueCount: number;
  escalatedCount: number;
}
interface Activity {
  asOf: string;
  today: { source: string; count: number }[];
  lastHour: { source: string; count: number }[];
  escalations: { level: number; count: number }[];
  subCentres: { id: string; name: string; open: number; overdue: number }[];
}

/** How often the wall asks again; `#/wall/<ms>` sets another interval (tests, a demo). */
const WALL_POLL_MS = 15_000;

const show = (f: Figure) =>
  f.value === null ? '—' : f.unit === 'rate' ? `${(f.value * 100).toFixed(1)}%` : f.value.toFixed(2);
const showTarget = (f: Figure) =>
  f.unit === 'rate' ? `≥ ${(f.target * 100).toFixed(0)}%` : `≤ ${f.target.toFixed(2)} ${t('wall.hours')}`;

export const mount: MountPage = (el, ctx) => {
  const poll = Math.max(500, Number(ctx.params[0]) || WALL_POLL_MS);
  let dashboard: Dashboard | null = null;
  let activity: Activity | null = null;
  let error = '';
  let map: HubMap | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  document.body.classList.add('wall-mode');
  preloadMap();

  const exit = () => {
    location.hash = '#/';
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') exit();
  };
  document.addEventListener('keydown', onKey);

  async function refresh() {
    try {
      [dashboard, activity] = await Promise.all([
        api('/api/leader/dashboard', { query: { period: 'day' } }),
        api('/api/wall/activity'),
      ]);
      error = '';
    } catch (err) {
      error = describeError(err);
    }
    if (stopped) return;
    // The figures first: the map's new cases take longer to draw and must not hold them back (the map
    // says itself when its data did not come).
    draw();
    await map?.refresh();
    if (stopped) return;
    timer = setTimeout(() => void refresh(), poll);
  }

  const sourceList = (rows: { source: string; count: number }[], id: string) =>
    rows.length
      ? html`<ul class="wall-bars" data-testid=${id}>
          ${rows.map((r) => {
            const max = Math.max(...rows.map((x) => x.count));
            return html`<li>
              <span class="wall-bar-label">${label('source', r.source)}</span>
              <span class="wall-bar" style="width:${Math.max(4, (r.count / max) * 100)}%"></span>
              <span class="wall-bar-count">${r.count}</span>
            </li>`;
          })}
        </ul>`
      : html`<p class="wall-none" data-testid=${id}>${t('wall.none')}</p>`;

  function draw() {
    const d = dashboard;
    const a = activity;
    render(
      html`<div class="wall">
        <header class="wall-head">
          <h1>${t('wall.title')}</h1>
          <p class="wall-time">${a ? t('wall.asOf', { time: formatTime(a.asOf) }) : ''}</p>
          <a href="#/" class="wall-exit" @click=${exit}>${t('wall.exit')}</a>
        </header>
        ${error ? html`<p class="wall-error" role="alert">${error}</p>` : nothing}
        <div class="wall-body">
          <section class="wall-map" aria-label=${t('wall.map')}>
            <div id="wall-map"></div>
          </section>
          <aside class="wall-side">
            <section aria-labelledby="wall-today">
              <h2 id="wall-today">${t('wall.today')}</h2>
              <div class="wall-figures" data-testid="wall-figures">
                ${
                  d?.figures.map(
                    (f) =>
                      html`<div class="wall-figure ${f.met === null ? '' : f.met ? 'met' : 'missed'}">
                        <span class="wall-figure-label">${label('stats.f', f.key, f.label)}</span>
                        <span class="wall-figure-value">${show(f)}</span>
                        <span class="wall-figure-target"
                          >${t('wall.target')} ${showTarget(f)}
                          ${f.met === null ? '' : f.met ? t('wall.met') : t('wall.missed')}</span
                        >
                      </div>`,
                  ) ?? nothing
                }
              </div>
              <div class="wall-counters" data-testid="wall-counters">
                <div><span>${t('wall.registered')}</span><strong>${d?.registered ?? '—'}</strong></div>
                <div class=${d?.overdueCount ? 'missed' : ''}>
                  <span>${t('wall.overdue')}</span><strong>${d?.overdueCount ?? '—'}</strong>
                </div>
                <div class=${d?.escalatedCount ? 'missed' : ''}>
                  <span>${t('wall.escalated')}</span><strong>${d?.escalatedCount ?? '—'}</strong>
                </div>
              </div>
            </section>
            <section aria-labelledby="wall-hour">
              <h2 id="wall-hour">${t('wall.lastHour')}</h2>
              ${a ? sourceList(a.lastHour, 'wall-last-hour') : nothing}
              <h2>${t('wall.todayBySource')}</h2>
              ${a ? sourceList(a.today, 'wall-today-sources') : nothing}
            </section>
            <section aria-labelledby="wall-esc">
              <h2 id="wall-esc">${t('wall.escalations')}</h2>
              <p class="wall-escalations" data-testid="wall-escalations">
                ${
                  a?.escalations.length
                    ? a.escalations.map(
                        (e) =>
                          html`<span
                            >${t('wall.level', { level: e.level })} <strong>${e.count}</strong></span
                          >`,
                      )
                    : t('wall.none')
                }
              </p>
            </section>
            <section aria-labelledby="wall-centres">
              <h2 id="wall-centres">${t('wall.subCentres')}</h2>
              <table class="wall-table" data-testid="wall-subcentres">
                <thead>
                  <tr>
                    <th scope="col">${t('wall.subCentre')}</th>
                    <th scope="col">${t('wall.open')}</th>
                    <th scope="col">${t('wall.overdue')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${
                    a?.subCentres.map(
                      (c) =>
                        html`<tr>
                          <th scope="row">${c.name}</th>
                          <td>${c.open}</td>
                          <td class=${c.overdue ? 'missed' : ''}>${c.overdue}</td>
                        </tr>`,
                    ) ?? nothing
                  }
                </tbody>
              </table>
            </section>
          </aside>
        </div>
      </div>`,
      el,
    );
  }

  draw();
  const container = el.querySelector<HTMLElement>('#wall-map')!;
  void createMap(container, { layers: ['grid', 'roads', 'cases'], layerControl: false })
    .then((m) => {
      if (stopped) m.destroy();
      else map = m;
    })
    .catch((err: unknown) => {
      error = describeError(err);
      draw();
    });
  void refresh();

  return () => {
    stopped = true;
    clearTimeout(timer);
    map?.destroy();
    document.removeEventListener('keydown', onKey);
    document.body.classList.remove('wall-mode');
  };
};
