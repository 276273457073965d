/**
 * 统计分析 (leaders, administrators, shift leaders, dispatchers): the cases reported in a period grouped
 * by category, street, grid, unit, source, urgency or by day/week/month, each row beside the period
 * before; 处置率, 结案率 and 平均处置时长 green when they meet the targets and red when not; the repeat
 * problems, the longest overdue cases and the units holding them; the cases per grid cell on a map
 * (statistics-heat.ts); the whole as an Excel workbook.
 * All figures come from GET /api/statistics… (src/statistics), whose rows the hub's statistics job
 * keeps: the page says when they were made, or that the first build is still running.
 */
import { saveAs } from '../lib/download.ts';
import { html, nothing, render } from 'lit-html';
import { api, ApiError, describeError, loadSession, type Problem, type Query } from '../lib/api.ts';
import { formatTime, label, t, type MessageKey } from '../lib/i18n.ts';
import type { MountPage } from '../lib/pages.ts';
import { statisticsHeat } from './statistics-heat.ts';

type By = NonNullable<Query<'/api/statistics'>['by']>;
type Table = Awaited<ReturnType<typeof loadTable>>;
type Figures = Table['total']['current'];
type Repeats = Awaited<ReturnType<typeof loadRepeats>>;
type Overdue = Awaited<ReturnType<typeof loadOverdue>>;

const GROUPS: By[] = [
  'category',
  'street',
  'grid',
  'department',
  'source',
  'urgency',
  'day',
  'week',
  'month',
];
const COLUMNS = [
  'reported',
  'registered',
  'disposalRate',
  'onTimeDisposalRate',
  'closureRate',
  'onTimeClosureRate',
  'reworkRate',
  'satisfactionRate',
  'avgHandlingHours',
] as const;
type Column = (typeof COLUMNS)[number];
/** The figures held against a target (领导通's settings): rates at or above, hours at or below. */
const TARGETED: Partial<Record<Column, 'atLeast' | 'atMost'>> = {
  disposalRate: 'atLeast',
  closureRate: 'atLeast',
  avgHandlingHours: 'atMost',
};

const loadTable = (from: string, to: string, by: By) => api('/api/statistics', { query: { from, to, by } });
const loadRepeats = (from: string, to: string) =>
  api('/api/statistics/repeats', { query: { from, to, min: 2 } });
const loadOverdue = () => api('/api/statistics/overdue', { query: { limit: 10 } });

/** A city date as YYYY-MM-DD in the browser's zone (the hub's users are in the city). */
const isoDay = (d: Date) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

const show = (key: Column, v: number | null) =>
  v === null
    ? '—'
    : key === 'avgHandlingHours'
      ? t('stats.hours', { h: v.toFixed(2) })
      : key.endsWith('Rate')
        ? `${(v * 100).toFixed(1)}%`
        : String(v);

/**
 * A row's name in the UI's language: sources, urgencies and time buckets from its own tables; the city's
 * own names (categories, streets, cells, units) as the hub gives them.
 */
function rowName(by: By, r: { key: string; label: string }): string {
  if (by === 'source' || by === 'urgency') return label(by, r.key, r.label);
  const [year, month, day] = r.key.split('-');
  if (by === 'week') return t('stats.weekOf', { day: r.key });
  if (by === 'month') return t('stats.monthOf', { year: year!, month: Number(month) });
  if (by === 'day') return `${year}-${month}-${day}`;
  return r.label;
}

/** How often the page asks again while the hub's first build runs (it says so: stats.building). */
const BUILDING_REFRESH_MS = 20_000;

export const mount: MountPage = (el) => {
  const today = new Date();
  let from = isoDay(new Date(today.getFullYear(), today.getMonth(), 1));
  let to = isoDay(today);
  let by: By = 'category';
  let table: Table | null = null;
  let repeats: Repeats | null = null;
  let overdue: Overdue | null = null;
  let error = '';
  let loading = true;
  const heat = statisticsHeat(
    (message) => {
      error = message;
      draw();
    },
    () => draw(),
  );

  /** While the hub makes its figures for the first time, the page asks again by itself. */
  let again: ReturnType<typeof setTimeout> | undefined;
  let gone = false;

  async function load() {
    clearTimeout(again);
    loading = true;
    error = '';
    draw();
    try {
      let grid;
      // The heat map counts the period by grid: the table's own answer when it is grouped by grid.
      [table, repeats, overdue, grid] = await Promise.all([
        loadTable(from, to, by),
        loadRepeats(from, to),
        loadOverdue(),
        by === 'grid' ? null : loadTable(from, to, 'grid'),
      ]);
      heat.setTable(grid ?? table);
    } catch (err) {
      error = describeError(err);
    }
    loading = false;
    if (gone) return;
    if (table?.asOf === null) again = setTimeout(() => void load(), BUILDING_REFRESH_MS);
    draw();
  }

  function preset(kind: 'today' | 'week' | 'month') {
    const d = new Date();
    const start =
      kind === 'today'
        ? d
        : kind === 'week'
          ? new Date(d.getFullYear(), d.getMonth(), d.getDate() - ((d.getDay() + 6) % 7))
          : new Date(d.getFullYear(), d.getMonth(), 1);
    from = isoDay(start);
    to = isoDay(d);
    void load();
  }

  async function download() {
    try {
      const res = await fetch(`/api/statistics/xlsx?${new URLSearchParams({ from, to, by }).toString()}`, {
        headers: { authorization: `Bearer ${loadSession()?.token ?? ''}` },
      });
      if (!res.ok) throw new ApiError(res.status, (await res.json().catch(() => ({}))) as Problem);
      saveAs(await res.blob(), `统计分析-${from}至${to}.xlsx`);
    } catch (err) {
      error = describeError(err);
      draw();
    }
  }

  /** A figure's cell: green or red against its target, the change from the period before beside it. */
  function cell(key: Column, now: Figures, before: Figures | null) {
    const v = now[key];
    const goal = TARGETED[key];
    const target = goal && table ? table.targets[key as keyof Table['targets']] : undefined;
    const met = v === null || target === undefined ? null : goal === 'atLeast' ? v >= target : v <= target;
    const prev = before ? before[key] : null;
    let delta = '';
    if (v !== null && prev !== null && before) {
      const d = v - prev;
      const sign = d > 0 ? '+' : d < 0 ? '−' : '±';
      const abs = Math.abs(d);
      delta =
        key === 'avgHandlingHours'
          ? `${sign}${abs.toFixed(2)}`
          : key.endsWith('Rate')
            ? `${sign}${(abs * 100).toFixed(1)}`
            : `${sign}${abs}`;
    }
    return html`<td
      class="num ${met === null ? '' : met ? 'target-met' : 'target-missed'}"
      data-figure=${key}
      title=${met === null ? '' : `${t('stats.target', { value: show(key, target!) })} · ${t(met ? 'stats.met' : 'stats.missed')}`}
    >
      ${show(key, v)}${met === null ? nothing : html`<span class="sr-only">${t(met ? 'stats.met' : 'stats.missed')}</span>`}
      ${delta ? html`<small class="delta" aria-label=${`${t('stats.change')} ${delta}`}>${delta}</small>` : nothing}
    </td>`;
  }

  function statsTable(tb: Table) {
    return html`<div class="table-scroll" tabindex="0" role="region" aria-label=${t('stats.heading')}>
      <table data-testid="statistics-table">
        <thead>
          <tr>
            <th scope="col">${t(`stats.head.${tb.by}` as MessageKey)}</th>
            ${COLUMNS.map((c) => html`<th scope="col" class="num">${t(`stats.f.${c}` as MessageKey)}</th>`)}
          </tr>
        </thead>
        <tbody>
          <tr class="total" data-row="合计">
            <th scope="row">${t('stats.total')}</th>
            ${COLUMNS.map((c) => cell(c, tb.total.current, tb.total.previous))}
          </tr>
          ${tb.rows.map(
            (r) =>
              html`<tr data-row=${r.label}>
                <th scope="row">${rowName(tb.by, r)}</th>
                ${COLUMNS.map((c) => cell(c, r.current, r.previous))}
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }

  function draw() {
    render(
      html`<h1>${t('stats.heading')}</h1>
        <form
          class="toolbar stats-toolbar"
          @submit=${(e: Event) => {
            e.preventDefault();
            void load();
          }}
        >
          <label
            >${t('stats.from')}
            <input
              type="date"
              id="stats-from"
              .value=${from}
              required
              @change=${(e: Event) => (from = (e.target as HTMLInputElement).value)}
          /></label>
          <label
            >${t('stats.to')}
            <input
              type="date"
              id="stats-to"
              .value=${to}
              required
              @change=${(e: Event) => (to = (e.target as HTMLInputElement).value)}
          /></label>
          <label
            >${t('stats.by')}
            <select
              id="stats-by"
              @change=${(e: Event) => {
                by = (e.target as HTMLSelectElement).value as By;
                void load();
              }}
            >
              ${GROUPS.map((g) => html`<option value=${g} ?selected=${g === by}>${t(`stats.by.${g}` as MessageKey)}</option>`)}
            </select></label
          >
          <button type="submit">${t('stats.show')}</button>
          <button type="button" @click=${() => preset('today')}>${t('stats.today')}</button>
          <button type="button" @click=${() => preset('week')}>${t('stats.week')}</button>
          <button type="button" @click=${() => preset('month')}>${t('stats.month')}</button>
          <button type="button" @click=${() => void download()} ?disabled=${!table}>
            ${t('stats.exportXlsx')}
          </button>
        </form>
        ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
        ${loading ? html`<p class="muted">${t('app.loading')}</p>` : nothing}
        ${
          table
            ? html`${table.asOf === null ? html`<p class="warning" role="status">${t('stats.building')}</p>` : nothing}
                <p class="muted">
                  ${table.asOf === null ? nothing : html`${t('stats.asOf', { time: formatTime(table.asOf) })} ·`}
                  ${t('stats.period', { from: table.period.from, to: table.period.to })} ·
                  ${t('stats.previous', { from: table.previous.from, to: table.previous.to })} ·
                  ${t('stats.target', {
                    value: t('stats.targets', {
                      disposal: (table.targets.disposalRate * 100).toFixed(0),
                      closure: (table.targets.closureRate * 100).toFixed(0),
                      hours: table.targets.avgHandlingHours.toFixed(2),
                    }),
                  })}
                </p>
                ${statsTable(table)}`
            : nothing
        }
        ${heat.view()}
        <div class="stats-lists">
          ${
            repeats
              ? html`<section>
                  <h2>${t('stats.repeats')}</h2>
                  ${
                    repeats.spots.length
                      ? html`<div
                          class="table-scroll"
                          tabindex="0"
                          role="region"
                          aria-label=${t('stats.repeats')}
                        >
                          <table data-testid="repeats-table">
                            <thead>
                              <tr>
                                <th scope="col">${t('stats.place')}</th>
                                <th scope="col">${t('stats.category')}</th>
                                <th scope="col" class="num">${t('stats.times')}</th>
                                <th scope="col" class="num">${t('stats.open')}</th>
                              </tr>
                            </thead>
                            <tbody>
                              ${repeats.spots.slice(0, 20).map(
                                (s) =>
                                  html`<tr>
                                    <td>${s.place}</td>
                                    <td>${s.categoryName}</td>
                                    <td class="num">${s.reported}</td>
                                    <td class="num">${s.open}</td>
                                  </tr>`,
                              )}
                            </tbody>
                          </table>
                        </div>`
                      : html`<p class="muted">${t('stats.none')}</p>`
                  }
                </section>`
              : nothing
          }
          ${
            overdue
              ? html`<section>
                  <h2>${t('stats.overdue', { count: overdue.total })}</h2>
                  ${
                    overdue.cases.length
                      ? html`<div
                            class="table-scroll"
                            tabindex="0"
                            role="region"
                            aria-label=${t('stats.overdue', { count: overdue.total })}
                          >
                            <table data-testid="overdue-table">
                              <thead>
                                <tr>
                                  <th scope="col">${t('stats.caseNo')}</th>
                                  <th scope="col">${t('stats.category')}</th>
                                  <th scope="col">${t('stats.unit')}</th>
                                  <th scope="col">${t('stats.due')}</th>
                                  <th scope="col" class="num">${t('stats.overdueHours')}</th>
                                </tr>
                              </thead>
                              <tbody>
                                ${overdue.cases.map(
                                  (c) =>
                                    html`<tr>
                                      <td>
                                        <a href=${`#/cases/${encodeURIComponent(c.id)}`}>${c.caseNo}</a>
                                      </td>
                                      <td>${c.categoryName} · ${label('status', c.status, c.statusLabel)}</td>
                                      <td>${c.departmentName ?? t('stats.centre')}</td>
                                      <td>${formatTime(c.dueAt)}</td>
                                      <td class="num target-missed">${c.overdueHours.toFixed(1)}</td>
                                    </tr>`,
                                )}
                              </tbody>
                            </table>
                          </div>
                          <h3>${t('stats.overdueUnits')}</h3>
                          <table data-testid="overdue-units">
                            <thead>
                              <tr>
                                <th scope="col">${t('stats.unit')}</th>
                                <th scope="col" class="num">${t('stats.count')}</th>
                              </tr>
                            </thead>
                            <tbody>
                              ${overdue.units.map(
                                (u) =>
                                  html`<tr>
                                    <td>
                                      ${u.departmentId === null ? t('stats.centreUndispatched') : u.departmentName}
                                    </td>
                                    <td class="num">${u.count}</td>
                                  </tr>`,
                              )}
                            </tbody>
                          </table>`
                      : html`<p class="muted">${t('stats.none')}</p>`
                  }
                </section>`
              : nothing
          }
        </div>`,
      el,
    );
    heat.sync(el);
  }

  void load();
  return () => {
    gone = true;
    clearTimeout(again);
    heat.destroy();
  };
};
