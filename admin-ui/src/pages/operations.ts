/**
 * 运维管理 (administrators): the adapters (health, lag, backlog, failures, dead letters with replay),
 * the engine's incidents with their message and a retry, and the reference data the administrator keeps
 * (users, departments, categories with their time limits, the work calendar) as read from the API.
 * Each section says so when the API it needs is not there.
 */
import { html, nothing, render, type TemplateResult } from 'lit-html';
import { api, describeError, hasRoute } from '../lib/api.ts';
import { formatTime, label, t, type MessageKey } from '../lib/i18n.ts';
import type { MountPage } from '../lib/pages.ts';

interface Adapter {
  name: string;
  title: string;
  health: { status: 'up' | 'down' | 'unknown'; detail?: string | null };
  inbound: { received: number; failed: number; lagSeconds: number | null };
  outbound: {
    backlog: number;
    retrying: number;
    deadLetters: number;
    lagSeconds: number | null;
    lastError: string | null;
  };
}
interface DeadLetter {
  id: string;
  kind: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
}
interface Incident {
  incidentKey: string;
  processDefinitionId: string;
  elementId: string;
  errorType: string;
  errorMessage: string;
  creationTime: string;
  caseId: string | null;
  caseNo: string | null;
}

const SECTIONS = ['adapters', 'incidents', 'users', 'departments', 'categories', 'calendar'] as const;
type Section = (typeof SECTIONS)[number];
const ROUTES: Record<Section, string> = {
  adapters: '/api/adapters',
  incidents: '/api/engine/incidents',
  users: '/api/users',
  departments: '/api/departments',
  categories: '/api/categories',
  calendar: '/api/calendar/{year}',
};

const secs = (s: number | null) =>
  s === null ? '—' : s < 120 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`;

export const mount: MountPage = (el) => {
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
      const view = (await hasRoute(ROUTES[next]))
        ? await views[next]()
        : html`<p class="muted" role="note">${t('app.apiMissing', { path: ROUTES[next] })}</p>`;
      if (mine === seq) content = view;
    } catch (err) {
      if (mine === seq) error = describeError(err);
    }
    draw();
  }

  async function act(path: string, done: string, body: unknown = {}) {
    try {
      await api(path, { method: 'POST', body });
      notice = done;
    } catch (err) {
      error = describeError(err);
    }
    await show(section);
  }

  const views: Record<Section, () => Promise<TemplateResult>> = {
    async adapters() {
      const { items } = await api<{ items: Adapter[] }>('/api/adapters');
      const dead = await Promise.all(
        items.map((a) =>
          a.outbound.deadLetters
            ? api<{ items: DeadLetter[] }>(`/api/adapters/${encodeURIComponent(a.name)}/dead-letters`).then(
                (r) => r.items,
              )
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
                  <th scope="row">${a.title} <span class="muted">(${a.name})</span></th>
                  <td>
                    <span
                      class="clock ${a.health.status === 'up' ? 'green' : a.health.status === 'down' ? 'red' : 'none'}"
                      >${a.health.status}</span
                    >
                  </td>
                  <td class="num">${secs(a.inbound.lagSeconds)} / ${secs(a.outbound.lagSeconds)}</td>
                  <td class="num">${a.outbound.backlog} (${a.outbound.retrying})</td>
                  <td class="num">${a.outbound.deadLetters}</td>
                  <td>${a.outbound.lastError ?? a.health.detail ?? ''}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        ${items.map((a, i) =>
          dead[i]!.length
            ? html`<h2>${a.title}: ${t('ops.deadLetters')}</h2>
                <button
                  type="button"
                  @click=${() => act(`/api/adapters/${encodeURIComponent(a.name)}/dead-letters/replay`, t('common.done'))}
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
                          @click=${() => act(`/api/adapters/${encodeURIComponent(a.name)}/dead-letters/${encodeURIComponent(d.id)}/replay`, t('common.done'))}
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
      const res = await api<{ items: Incident[]; total: number; available: boolean }>(
        '/api/engine/incidents?limit=100',
      );
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
                    <td>${i.processDefinitionId} · ${i.elementId}</td>
                    <td>
                      <strong>${i.errorType}</strong>: ${i.errorMessage}<br /><span class="muted"
                        >${formatTime(i.creationTime)}</span
                      >
                    </td>
                    <td>
                      <button
                        type="button"
                        @click=${() => act(`/api/engine/incidents/${i.incidentKey}/retry`, t('common.done'), { retries: 1 })}
                      >
                        ${t('ops.retry')}
                      </button>
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`;
    },
    async users() {
      const { items } = await api<{
        items: { id: string; username: string; displayName: string; roles: string[]; active: boolean }[];
      }>('/api/users');
      return html`<table>
        <tbody>
          ${items.map(
            (u) =>
              html`<tr>
                <th scope="row">${u.displayName}</th>
                <td>${u.username}</td>
                <td>${u.roles.map((r) => label('role', r)).join('、')}</td>
                <td>${u.active ? '' : '✕'}</td>
              </tr>`,
          )}
        </tbody>
      </table>`;
    },
    async departments() {
      const { items } = await api<{ items: { code: string; name: string; kind: string; active: boolean }[] }>(
        '/api/departments',
      );
      return html`<table>
        <tbody>
          ${items.map(
            (d) =>
              html`<tr>
                <td>${d.code}</td>
                <th scope="row">${d.name}</th>
                <td>${d.kind}</td>
                <td>${d.active ? '' : '✕'}</td>
              </tr>`,
          )}
        </tbody>
      </table>`;
    },
    async categories() {
      const { items } = await api<{
        items: {
          kind: string;
          code: string;
          name: string;
          majorName: string;
          limits: { urgency: string; step: string; limitMinutes: number; timeMode: string }[];
        }[];
      }>('/api/categories');
      return html`<table>
        <tbody>
          ${items.map(
            (c) =>
              html`<tr>
                <td>${c.kind} ${c.code}</td>
                <th scope="row">${c.majorName} / ${c.name}</th>
                <td>
                  ${c.limits
                    .filter((l) => l.step === 'dispose')
                    .map((l) => `${label('urgency', l.urgency)} ${l.limitMinutes} min (${l.timeMode})`)
                    .join(' · ')}
                </td>
              </tr>`,
          )}
        </tbody>
      </table>`;
    },
    async calendar() {
      const year = new Date().getFullYear();
      const res = await api<{
        year: number;
        days: { date: string; working: boolean; source: string; name: string | null; note: string | null }[];
      }>(`/api/calendar/${year}`);
      // Ordinary weekdays and weekends follow the week; the list shows the days that differ.
      const special = res.days.filter((d) => d.source !== 'weekday');
      return html`<h2>${res.year}</h2>
        <ul data-testid="calendar">
          ${special.map(
            (d) => html`<li>${d.date} · ${d.working ? '班' : '休'} ${d.name ?? ''} ${d.note ?? ''}</li>`,
          )}
        </ul>`;
    },
  };

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
