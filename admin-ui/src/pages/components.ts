/**
 * 部件 registry: the list (filters by major class, type, status and text; the map's view narrows it when
 * "only what the map shows" is ticked), the map of components (a click opens one), and one component's
 * card: its type in words, owner unit, status, survey date, photos, its cases and its history. An
 * administrator changes its status and runs a survey import (部件普查) from here.
 */
import { html, nothing, render } from 'lit-html';
import { api, blobUrl, describeError } from '../lib/api.ts';
import { formatTime, label, t, type MessageKey } from '../lib/i18n.ts';
import { createMap, preloadMap, type HubMap } from '../lib/map/index.ts';
import type { MountPage } from '../lib/pages.ts';
import { getCategories } from '../lib/reference.ts';
import { filterSelect, pagerLine, revealMap, searchFilters } from '../lib/registry-list.ts';
import { columnHeads } from '../lib/table.ts';
import type { Success } from '../lib/api.ts';

type List = Success<'/api/components'>;
type Component = List['items'][number];
type Detail = Success<'/api/components/{id}'>;
type Report = Success<'/api/components/surveys', 'post'>;

const STATUSES = ['normal', 'damaged', 'missing', 'occupied', 'scrapped', 'removed'] as const;
const PAGE = 50;

/** A component's type in words: 公用设施 · 上水井盖 (never the bare code). */
const typeOf = (c: Pick<Component, 'majorName' | 'categoryName' | 'categoryCode'>) =>
  c.categoryName
    ? `${c.majorName ?? ''} · ${c.categoryName}`
    : t('components.unknownType', { code: c.categoryCode });

export const mount: MountPage = (el, ctx) => {
  const isAdmin = ctx.user.roles.includes('administrator');
  const state = {
    major: '',
    category: '',
    status: '',
    q: '',
    inView: false,
    offset: 0,
    list: null as List | null,
    error: '',
    selected: (ctx.params[0] ?? null) as string | null,
    detail: null as Detail | null,
    photos: new Map<string, string>(),
    report: null as Report | null,
    reportError: '',
    busy: false,
  };
  let categories: { code: string; name: string; majorCode: string; majorName: string; kind: string }[] = [];
  let map: HubMap | undefined;
  let stopped = false;
  let seq = 0;
  preloadMap();

  const majors = () => {
    const m = new Map<string, string>();
    for (const c of categories) if (c.kind === 'component') m.set(c.majorCode, c.majorName);
    return [...m].sort(([a], [b]) => a.localeCompare(b));
  };

  const viewBox = () =>
    map
      ?.bounds()
      .map((n) => n.toFixed(6))
      .join(',');

  async function load() {
    const mine = ++seq;
    try {
      const list = await api('/api/components', {
        query: {
          majorCode: state.major || undefined,
          categoryCode: state.category || undefined,
          status: (state.status || undefined) as Component['status'] | undefined,
          q: state.q || undefined,
          bbox: state.inView ? viewBox() : undefined,
          limit: String(PAGE),
          offset: String(state.offset),
        },
      });
      if (mine !== seq || stopped) return;
      state.list = list;
      state.error = '';
    } catch (err) {
      state.error = describeError(err);
    }
    draw();
  }

  /** Opens a component's card; from the list (`reveal`) the map and card are brought into view. */
  async function open(id: string | null, reveal = false) {
    state.selected = id;
    state.detail = null;
    if (ctx.params[0] !== id)
      history.replaceState(null, '', id ? `#/components/${encodeURIComponent(id)}` : '#/components');
    draw();
    if (!id) return;
    try {
      const detail = await api(`/api/components/${encodeURIComponent(id)}` as '/api/components/{id}');
      if (stopped || state.selected !== id) return;
      state.detail = detail;
      map?.setFocus({ lng: detail.lng, lat: detail.lat, gridCode: detail.gridCode });
      for (const p of detail.photos)
        if (!state.photos.has(p.id))
          void blobUrl(`/api/components/${encodeURIComponent(id)}/photos/${encodeURIComponent(p.id)}`).then(
            (u) => {
              state.photos.set(p.id, u);
              draw();
            },
          );
    } catch (err) {
      state.error = describeError(err);
    }
    draw();
    // once the card is drawn: before, the page could not yet scroll that far
    if (reveal && state.selected === id) revealMap(el.querySelector('#components-map'));
  }

  async function setStatus(status: string) {
    if (!state.detail) return;
    state.busy = true;
    draw();
    try {
      state.detail = await api(
        `/api/components/${encodeURIComponent(state.detail.id)}` as '/api/components/{id}',
        {
          method: 'patch',
          body: { status: status as Component['status'] },
        },
      );
      await map?.refresh();
      await load();
    } catch (err) {
      state.error = describeError(err);
    }
    state.busy = false;
    draw();
  }

  async function runSurvey(event: SubmitEvent) {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const file = form.get('file') as File | null;
    if (!file || !file.size) return;
    state.busy = true;
    state.report = null;
    state.reportError = '';
    draw();
    try {
      const content = await file.text();
      state.report = await api('/api/components/surveys', {
        method: 'post',
        body: {
          format: /\.csv$/i.test(file.name) ? 'csv' : 'geojson',
          crs: 'wgs84',
          content,
          fileName: file.name,
          dryRun: form.get('dryRun') === 'on',
        },
      });
      await map?.refresh();
      await load();
    } catch (err) {
      const report = (err as { problem?: { report?: Report } }).problem?.report;
      if (report) state.report = report;
      state.reportError = describeError(err);
    }
    state.busy = false;
    draw();
  }

  const filterChanged = (patch: Partial<typeof state>) => {
    Object.assign(state, patch, { offset: 0 });
    void load();
  };

  const statusBadge = (s: string) =>
    html`<span class="badge component-${s}">${label('componentStatus', s)}</span>`;

  const listView = () => {
    const items = state.list?.items ?? [];
    const total = state.list?.total ?? 0;
    // A phone shows code, name and status, the 1st, 3rd and 4th columns (style.css); the card the rest.
    return html`<table data-testid="components-list" class="components-list">
        ${columnHeads([t('components.code'), t('components.type'), t('components.name'), t('components.status'), t('components.owner')])}
        <tbody>
          ${items.map(
            (c) =>
              html`<tr class=${c.id === state.selected ? 'selected' : ''}>
                <td>
                  <button type="button" class="link mono" @click=${() => void open(c.id, true)}>
                    ${c.code}
                  </button>
                </td>
                <td>${typeOf(c)}</td>
                <td>${c.name}</td>
                <td>${statusBadge(c.status)}</td>
                <td>${c.departmentName ?? t('components.noOwner')}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${pagerLine(
        'components-count',
        { offset: state.offset, shown: items.length, total, page: PAGE },
        {
          count: (v) => t('components.count', v),
          none: t(
            state.major || state.category || state.status || state.q || state.inView
              ? 'components.noMatch'
              : 'components.empty',
          ),
          prev: t('components.prev'),
          next: t('components.next'),
        },
        (offset) => ((state.offset = offset), void load()),
      )}`;
  };

  // A field's value in words: status and type are stored as codes (damaged, 0101), the card shows 破损, 上水井盖.
  const fieldValue = (field: string, v: string | null) =>
    v == null
      ? '—'
      : field === 'status'
        ? label('componentStatus', v)
        : field === 'categoryCode'
          ? (categories.find((c) => c.kind === 'component' && c.code === v)?.name ?? v)
          : v;

  const historyLine = (h: Detail['history'][number]) => {
    const moved = !!h.fromStatus && !!h.toStatus && h.fromStatus !== h.toStatus;
    // the status move is already said in words after the event's name; don't repeat it among the fields
    const changes = h.changes.filter((c) => !(moved && c.field === 'status'));
    return html`<li>
      <time>${formatTime(h.at)}</time>
      ${label('componentEvent', h.type)}${
        moved ? `：${label('componentStatus', h.fromStatus!)} → ${label('componentStatus', h.toStatus!)}` : ''
      }
      ${h.caseNo && h.caseId ? html`（<a href="#/cases/${encodeURIComponent(h.caseId)}">${h.caseNo}</a>）` : nothing}
      ${
        changes.length
          ? html`<span class="muted">
              ${changes.map((c) => `${label('componentField', c.field)}：${fieldValue(c.field, c.from)} → ${fieldValue(c.field, c.to)}`).join('；')}</span
            >`
          : nothing
      }
      ${h.note ? html`<span class="muted">${h.note}</span>` : nothing}
      <span class="muted">${h.actorName}</span>
    </li>`;
  };

  const detailView = () => {
    const d = state.detail;
    if (!state.selected) return html`<p class="muted">${t('components.pick')}</p>`;
    if (!d) return html`<p class="muted">${t('app.loading')}</p>`;
    return html`<section
      class="component-card"
      data-testid="component-detail"
      aria-labelledby="component-title"
    >
      <h2 id="component-title">${d.name} <small class="mono">${d.code}</small></h2>
      <dl class="facts">
        <dt>${t('components.type')}</dt>
        <dd>${typeOf(d)}</dd>
        <dt>${t('components.status')}</dt>
        <dd data-testid="component-status">${statusBadge(d.status)}</dd>
        <dt>${t('components.owner')}</dt>
        <dd>${d.departmentName ?? t('components.noOwner')}</dd>
        <dt>${t('components.address')}</dt>
        <dd>${d.address ?? '—'}</dd>
        <dt>${t('components.surveyedAt')}</dt>
        <dd>${d.surveyedAt ?? '—'}</dd>
        ${
          d.pipeline
            ? html`<dt>${t('components.pipeline')}</dt>
                <dd data-testid="component-pipeline">
                  ${t('components.pipelineLine', {
                    kind: t(`map.pipeline.${d.pipeline.kind}` as MessageKey),
                    code: d.pipeline.code,
                    owner: d.pipeline.ownerName,
                    distance: d.pipeline.distanceM,
                  })}
                </dd>`
            : nothing
        }
        ${
          d.note
            ? html`<dt>${t('components.note')}</dt>
                <dd>${d.note}</dd>`
            : nothing
        }
      </dl>
      ${
        isAdmin
          ? html`<label
              >${t('components.setStatus')}
              <select
                ?disabled=${state.busy}
                @change=${(e: Event) => void setStatus((e.target as HTMLSelectElement).value)}
              >
                ${STATUSES.map((s) => html`<option value=${s} ?selected=${s === d.status}>${label('componentStatus', s)}</option>`)}
              </select></label
            >`
          : nothing
      }
      ${
        d.photos.length
          ? html`<div class="photos">
              ${d.photos.map((p) =>
                state.photos.has(p.id)
                  ? html`<img src=${state.photos.get(p.id)!} alt=${p.fileName} />`
                  : nothing,
              )}
            </div>`
          : nothing
      }
      <h3>${t('components.cases')}</h3>
      ${
        d.cases.length
          ? html`<ul data-testid="component-cases">
              ${d.cases.map(
                (c) =>
                  html`<li>
                    <a href="#/cases/${encodeURIComponent(c.id)}">${c.caseNo}</a> ${label('status', c.status)}
                    · ${c.description}
                    <span class="muted"
                      >${formatTime(c.reportedAt)}${c.departmentName ? ` · ${c.departmentName}` : ''}</span
                    >
                  </li>`,
              )}
            </ul>`
          : html`<p class="muted">${t('components.noCases')}</p>`
      }
      <h3>${t('components.history')}</h3>
      ${
        d.history.length
          ? html`<ol class="history" data-testid="component-history">
              ${d.history.map(historyLine)}
            </ol>`
          : html`<p class="muted" data-testid="component-history">${t('components.noHistory')}</p>`
      }
    </section>`;
  };

  const surveyView = () =>
    isAdmin
      ? html`<details class="survey">
          <summary>${t('components.survey')}</summary>
          <form @submit=${runSurvey}>
            <label
              >${t('components.surveyFile')}
              <input type="file" name="file" accept=".csv,.geojson,.json" required
            /></label>
            <label><input type="checkbox" name="dryRun" /> ${t('components.dryRun')}</label>
            <button type="submit" class="primary" ?disabled=${state.busy}>
              ${t('components.surveyRun')}
            </button>
          </form>
          ${state.reportError ? html`<p class="error" role="alert">${state.reportError}</p>` : nothing}
          ${
            state.report
              ? html`<div data-testid="survey-report" role="status">
                  <p>
                    ${t(state.report.stored ? 'components.surveyStored' : 'components.surveyNotStored', {
                      read: state.report.rowsRead,
                      added: state.report.added,
                      updated: state.report.updated,
                      unchanged: state.report.unchanged,
                      rejected: state.report.rejected.length,
                    })}
                  </p>
                  ${
                    state.report.rejected.length
                      ? html`<ul>
                          ${state.report.rejected.map((r) => html`<li>${r.at}：${r.reason}</li>`)}
                        </ul>`
                      : nothing
                  }
                  ${
                    state.report.changes.length
                      ? html`<ul>
                          ${state.report.changes.map(
                            (c) =>
                              html`<li>
                                ${c.name} <span class="mono">${c.code}</span>：${c.changes
                                  .map((f) => `${f.label} ${f.from ?? '—'} → ${f.to ?? '—'}`)
                                  .join('；')}
                              </li>`,
                          )}
                        </ul>`
                      : nothing
                  }
                </div>`
              : nothing
          }
        </details>`
      : nothing;

  function draw() {
    if (stopped) return;
    const ms = majors();
    const minors = categories.filter(
      (c) => c.kind === 'component' && (!state.major || c.majorCode === state.major),
    );
    render(
      html`<h1>${t('nav.components')}</h1>
        <form class="filters" @submit=${(e: Event) => e.preventDefault()}>
          ${filterSelect(
            t('components.major'),
            t('components.all'),
            ms.map(([value, name]) => ({ value, label: name })),
            state.major,
            (major) => filterChanged({ major, category: '' }),
          )}
          ${filterSelect(
            t('components.type'),
            t('components.all'),
            minors.map((c) => ({ value: c.code, label: c.name })),
            state.category,
            (category) => filterChanged({ category }),
          )}
          ${filterSelect(
            t('components.status'),
            t('components.all'),
            STATUSES.map((s) => ({ value: s, label: label('componentStatus', s) })),
            state.status,
            (status) => filterChanged({ status }),
          )}
          ${searchFilters({ search: t('components.search'), inView: t('components.inView') }, state, filterChanged)}
        </form>
        ${state.error ? html`<p class="error" role="alert">${state.error}</p>` : nothing} ${surveyView()}
        <div class="components-layout">
          <div class="components-left">${listView()}</div>
          <div class="components-right">
            <div id="components-map" class="map-box" role="region" aria-label=${t('components.map')}></div>
            ${detailView()}
          </div>
        </div>`,
      el,
    );
  }

  draw();
  void getCategories()
    .then((c) => {
      categories = c as typeof categories;
      draw();
    })
    .catch(() => undefined);
  void load();
  if (state.selected) void open(state.selected);
  const box = el.querySelector<HTMLElement>('#components-map')!;
  createMap(box, {
    layers: ['grid', 'roads', 'components'],
    zoom: 15,
    onComponentClick: (c) => void open(c.id),
    onMoveEnd: () => {
      if (state.inView) {
        state.offset = 0;
        void load();
      }
    },
  })
    .then((m) => {
      if (stopped) return m.destroy();
      map = m;
      if (state.detail)
        m.setFocus({ lng: state.detail.lng, lat: state.detail.lat, gridCode: state.detail.gridCode });
    })
    .catch((err: unknown) => {
      state.error = t('map.unavailable', { message: describeError(err) });
      draw();
    });
  return () => {
    stopped = true;
    map?.destroy();
    for (const u of state.photos.values()) URL.revokeObjectURL(u);
  };
};
