/**
 * 运维管理 (administrators): the adapters (health, lag, backlog, failures, dead letters with replay),
 * the engine's incidents with their message and a retry, and the reference data the administrator keeps
 * (users, departments, categories with their time limits, the work calendar) and the geography imports
 * (gazetteer, grid, components), which administrators
 * create and change here (sections in ./ops, each loaded when first opened). Each section says so when
 * the API it needs is not there.
 */
import { html, nothing, render, type TemplateResult } from 'lit-html';
import { api, describeError, type Item } from '../lib/api.ts';
import { formatTime, label, t, type MessageKey } from '../lib/i18n.ts';
import { listProcedures, procedureName } from '../lib/procedures.ts';
import type { MountPage } from '../lib/pages.ts';
import type { MountSection } from './ops/section.ts';

type DeadLetter = Item<'/api/adapters/{name}/dead-letters'>;

const SECTIONS = [
  'adapters',
  'incidents',
  'users',
  'departments',
  'categories',
  'calendar',
  'geoImport',
] as const;
type Section = (typeof SECTIONS)[number];

/** The reference-data sections: each its own chunk, with edit controls for administrators. */
const EDITORS = {
  users: () => import('./ops/users.ts'),
  departments: () => import('./ops/departments.ts'),
  categories: () => import('./ops/categories.ts'),
  calendar: () => import('./ops/calendar.ts'),
  geoImport: () => import('./ops/geo-import.ts'),
} satisfies Partial<Record<Section, () => Promise<{ mount: MountSection }>>>;
type Editor = keyof typeof EDITORS;
const isEditor = (s: Section): s is Editor => s in EDITORS;

const secs = (s: number | null) =>
  s === null
    ? '—'
    : s < 120
      ? t('ops.seconds', { n: Math.round(s) })
      : t('ops.minutes', { n: Math.round(s / 60) });

/** An adapter by the name of the system it joins (never its code); the hub's title for one the UI does not know. */
const adapterName = (a: { name: string; title: string }) => label('adapter', a.name, a.title);

export const mount: MountPage = (el, { user }) => {
  // The page is offered to administrators only (pages.ts); the check here keeps edit controls away
  // from anyone else should the page ever be opened to more roles.
  const canEdit = user.roles.includes('administrator');
  let section: Section = 'adapters';
  let content: TemplateResult | null = null;
  let error = '';
  let notice = '';
  let seq = 0;

  async function show(next: Section) {
    section = next;
    const mine = ++seq;
    content = html`<p class="muted">${t('app.loading')}</p>`;
    error = '';
    draw();
    try {
      if (isEditor(next)) {
        await showEditor(next, mine);
        return;
      } else {
        const view = await views[next]();
        if (mine === seq) content = view;
      }
    } catch (err) {
      if (mine === seq) error = describeError(err);
    }
    draw();
  }

  async function act(call: () => Promise<unknown>, done: string) {
    try {
      await call();
      notice = done;
    } catch (err) {
      error = describeError(err);
    }
    await show(section);
  }

  const views: Record<Exclude<Section, Editor>, () => Promise<TemplateResult>> = {
    async adapters() {
      const { items } = await api('/api/adapters');
      const dead = await Promise.all(
        items.map((a) =>
          a.outbound.deadLetters
            ? api(`/api/adapters/${encodeURIComponent(a.name)}/dead-letters`).then((r) => r.items)
            : Promise.resolve([] as DeadLetter[]),
        ),
      );
      return html`<table>
          <thead>
            <tr>
              <th scope="col">${t('ops.adapters')}</th>
              <th scope="col">${t('ops.health')}</th>
              <th scope="col" class="num">${t('ops.lag')}</th>
              <th scope="col" class="num">${t('ops.backlog')}</th>
              <th scope="col" class="num">${t('ops.deadLetters')}</th>
              <th scope="col">${t('ops.message')}</th>
            </tr>
          </thead>
          <tbody>
            ${items.map(
              (a) =>
                html`<tr data-adapter=${a.name}>
                  <th scope="row">${adapterName(a)}</th>
                  <td>
                    <span
                      class="clock ${a.health.status === 'up' ? 'green' : a.health.status === 'down' ? 'red' : 'none'}"
                      >${label('adapterHealth', a.health.status)}</span
                    >
                  </td>
                  <td class="num">${secs(a.inbound.lagSeconds)} / ${secs(a.outbound.lagSeconds)}</td>
                  <td class="num">
                    ${t('ops.backlogCell', { n: a.outbound.backlog, retrying: a.outbound.retrying })}
                  </td>
                  <td class="num">${a.outbound.deadLetters}</td>
                  <td>${a.outbound.lastError ?? a.health.error ?? ''}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        ${items.map((a, i) =>
          dead[i]!.length
            ? html`<h2>${t('ops.deadLettersOf', { adapter: adapterName(a) })}</h2>
                <button
                  type="button"
                  @click=${() => act(() => api(`/api/adapters/${encodeURIComponent(a.name)}/dead-letters/replay`, { method: 'POST', body: {} }), t('common.done'))}
                >
                  ${t('ops.replay')} (${dead[i]!.length})
                </button>
                <ul>
                  ${dead[i]!.map(
                    (d) =>
                      html`<li>
                        ${d.kind} · ${formatTime(d.createdAt)} · ${d.attempts} · ${d.lastError ?? ''}
                        <button
                          type="button"
                          @click=${() => act(() => api(`/api/adapters/${encodeURIComponent(a.name)}/dead-letters/${encodeURIComponent(d.id)}/replay`, { method: 'POST', body: {} }), t('common.done'))}
                        >
                          ${t('ops.replay')}
                        </button>
                      </li>`,
                  )}
                </ul>`
            : nothing,
        )}`;
    },
    async incidents() {
      const [res, procedures] = await Promise.all([
        api('/api/engine/incidents', { query: { limit: '100' } }),
        listProcedures().catch(() => []),
      ]);
      if (!res.available)
        return html`<p class="muted" role="note">${t('app.apiMissing', { path: 'engine query API' })}</p>`;
      return res.items.length === 0
        ? html`<p class="muted">${t('common.none')}</p>`
        : html`<table data-testid="incidents">
            <thead>
              <tr>
                <th scope="col">${t('cases.caseNo')}</th>
                <th scope="col">${t('designer.process')}</th>
                <th scope="col">${t('ops.message')}</th>
                <th scope="col"></th>
              </tr>
            </thead>
            <tbody>
              ${res.items.map(
                (i) =>
                  html`<tr data-incident=${i.incidentKey}>
                    <td>${i.caseId ? html`<a href="#/cases/${i.caseId}">${i.caseNo}</a>` : '—'}</td>
                    <td>
                      ${procedureName(procedures, i.processDefinitionId)} ·
                      <strong>${i.elementName ?? t('desk.stepUnnamed')}</strong>
                    </td>
                    <td>
                      <strong>${label('incidentType', i.errorType)}</strong>：${i.errorMessage}<br /><span
                        class="muted"
                        >${formatTime(i.creationTime)}</span
                      >
                    </td>
                    <td>
                      <button
                        type="button"
                        class="nowrap"
                        @click=${() => act(() => api(`/api/engine/incidents/${i.incidentKey}/retry`, { method: 'POST', body: { retries: 1 } }), t('common.done'))}
                      >
                        ${t('ops.retry')}
                      </button>
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`;
    },
  };

  async function showEditor(next: Editor, mine: number) {
    const { mount: mountSection } = await EDITORS[next]();
    if (mine !== seq) return;
    // The section renders into its own element and redraws itself; the page's redraws keep that element.
    const host = document.createElement('div');
    content = html`${host}`;
    draw();
    mountSection(host, { canEdit });
  }

  function draw() {
    render(
      html`<h1>${t('ops.heading')}</h1>
        <div class="toolbar" role="tablist" aria-label=${t('ops.heading')}>
          ${SECTIONS.map(
            (s) =>
              html`<button
                type="button"
                role="tab"
                aria-selected=${s === section}
                class=${s === section ? 'primary' : ''}
                @click=${() => {
                  notice = '';
                  void show(s);
                }}
              >
                ${t(`ops.${s}` as MessageKey)}
              </button>`,
          )}
        </div>
        <p role="status" class="ok">${notice}</p>
        ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
        <div role="tabpanel">${content}</div>`,
      el,
    );
  }

  void show('adapters');
};
