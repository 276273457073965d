/**
 * 案卷 list: filters (status, source, overdue, search when the API offers `q`), the time-limit colour of
 * each case, live updates by polling the first page every few seconds (a new report appears without a
 * reload), cursor paging. A click on a case number opens its detail page (#/cases/<id>).
 */
import { html, nothing, render } from 'lit-html';
import { api, describeError, type Query } from '../lib/api.ts';
import { clockBadge, type CaseClock } from '../lib/clock.ts';
import { formatTime, label, t } from '../lib/i18n.ts';
import type { MountPage } from '../lib/pages.ts';
import { categoryNames, departmentNames } from '../lib/reference.ts';
import { columnHeads } from '../lib/table.ts';

export interface CaseView {
  id: string;
  caseNo: string;
  source: string;
  categoryKind: string;
  categoryCode: string;
  urgency: string;
  status: string;
  description: string;
  address: string | null;
  departmentId: string | null;
  reportedAt: string;
  /** Given by the API when it computes the remaining working time of the current step. */
  clock?: CaseClock | null;
}

const STATUSES = [
  'reported',
  'accepted',
  'verifying',
  'registered',
  'dispatched',
  'signed',
  'disposed',
  'checking',
  'closed',
  'voided',
  'suspended',
];
const SOURCES = ['supervisor', 'hotline', 'public', 'video', 'sanitation', 'utility', 'open311', 'other'];
const POLL_MS = 5000;
const PAGE = 50;

export const mount: MountPage = (el, ctx) => {
  if (ctx.params[0]) return mountDetail(el, ctx);
  return mountList(el);
};

/** #/cases/<id>: its own chunk (it loads the BPMN viewer). */
function mountDetail(el: HTMLElement, ctx: Parameters<MountPage>[1]) {
  let cleanup: (() => void) | void;
  let stopped = false;
  void import('./case-detail.ts').then((m) => {
    if (!stopped) cleanup = m.mountCaseDetail(el, ctx);
  });
  return () => {
    stopped = true;
    if (cleanup) cleanup();
  };
}

function mountList(el: HTMLElement) {
  const filters = { status: '', source: '', overdue: false, q: '' };
  let items: CaseView[] = [];
  let nextCursor: string | null = null;
  let error = '';
  let loading = true;
  let fresh = 0;
  let cats = new Map<string, string>();
  let depts = new Map<string, string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let seq = 0;

  const query = (cursor?: string): Query<'/api/cases'> => ({
    limit: String(PAGE),
    status: (filters.status || undefined) as Query<'/api/cases'>['status'],
    source: (filters.source || undefined) as Query<'/api/cases'>['source'],
    overdue: filters.overdue ? 'true' : undefined,
    q: filters.q || undefined,
    cursor,
  });

  async function load(reset: boolean) {
    const mine = ++seq;
    try {
      const page = await api('/api/cases', { query: query() });
      if (mine !== seq || stopped) return;
      if (reset) {
        items = page.items;
        nextCursor = page.nextCursor;
        fresh = 0;
      } else {
        // A poll: new cases go on top; pages loaded further down stay.
        const known = new Set(items.map((c) => c.id));
        const added = page.items.filter((c) => !known.has(c.id));
        const byId = new Map(page.items.map((c) => [c.id, c]));
        items = [...added, ...items.map((c) => byId.get(c.id) ?? c)];
        fresh += added.length;
      }
      error = '';
    } catch (err) {
      error = describeError(err);
    }
    loading = false;
    draw();
  }

  async function more() {
    if (!nextCursor) return;
    try {
      const page = await api('/api/cases', { query: query(nextCursor) });
      const known = new Set(items.map((c) => c.id));
      items = [...items, ...page.items.filter((c) => !known.has(c.id))];
      nextCursor = page.nextCursor;
    } catch (err) {
      error = describeError(err);
    }
    draw();
  }

  const poll = () => {
    timer = setTimeout(async () => {
      if (stopped) return;
      if (!document.hidden) await load(false);
      if (!stopped) poll();
    }, POLL_MS);
  };

  const onFilter = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    filters.status = String(form.get('status') ?? '');
    filters.source = String(form.get('source') ?? '');
    filters.overdue = form.get('overdue') === 'on';
    filters.q = String(form.get('q') ?? '').trim();
    loading = true;
    draw();
    void load(true);
  };

  function draw() {
    const showClock = items.some((c) => c.clock !== undefined);
    render(
      html`<h1>${t('cases.heading')}</h1>
        <form class="toolbar" role="search" @submit=${onFilter} @change=${onFilter}>
          ${html`<label
            >${t('common.search')}
            <input
              type="search"
              name="q"
              .value=${filters.q}
              placeholder=${t('cases.search')}
              aria-label=${t('cases.search')}
          /></label>`}
          <label
            >${t('cases.status')}
            <select name="status">
              <option value="">${t('common.all')}</option>
              ${STATUSES.map((s) => html`<option value=${s} ?selected=${filters.status === s}>${label('status', s)}</option>`)}
            </select></label
          >
          <label
            >${t('cases.source')}
            <select name="source">
              <option value="">${t('common.all')}</option>
              ${SOURCES.map((s) => html`<option value=${s} ?selected=${filters.source === s}>${label('source', s)}</option>`)}
            </select></label
          >
          <label class="inline"
            ><span>${t('cases.overdueOnly')}</span
            ><input type="checkbox" name="overdue" ?checked=${filters.overdue}
          /></label>
          <button type="submit">${t('common.filter')}</button>
          <span class="muted" aria-live="polite"
            >${t('cases.live')} ·
            ${t('cases.count', { n: items.length })}${
              fresh ? html` · <strong>${t('cases.new', { n: fresh })}</strong>` : nothing
            }</span
          >
        </form>
        ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
        ${
          loading
            ? html`<p class="muted">${t('app.loading')}</p>`
            : html`<table class="responsive" data-testid="cases">
                  ${columnHeads([
                    t('cases.caseNo'),
                    t('cases.reportedAt'),
                    t('cases.category'),
                    t('cases.description'),
                    t('cases.status'),
                    t('cases.urgency'),
                    t('cases.department'),
                    ...(showClock ? [t('cases.clock')] : []),
                  ])}
                  <tbody>
                    ${
                      items.length === 0
                        ? html`<tr>
                            <td colspan="8">${t('common.none')}</td>
                          </tr>`
                        : items.map(
                            (c) =>
                              html`<tr data-case=${c.caseNo}>
                                <td><a href="#/cases/${c.id}">${c.caseNo}</a></td>
                                <td>${formatTime(c.reportedAt)}</td>
                                <td>${cats.get(`${c.categoryKind}:${c.categoryCode}`) ?? c.categoryCode}</td>
                                <td>
                                  ${c.description}${c.address ? html`<br /><span class="muted">${c.address}</span>` : nothing}
                                </td>
                                <td>${label('status', c.status)}</td>
                                <td>${label('urgency', c.urgency)}</td>
                                <td>${c.departmentId ? (depts.get(c.departmentId) ?? '') : '—'}</td>
                                ${showClock ? html`<td>${clockBadge(c.clock)}</td>` : nothing}
                              </tr>`,
                          )
                    }
                  </tbody>
                </table>
                ${nextCursor ? html`<p><button type="button" @click=${more}>${t('common.more')}</button></p>` : nothing}`
        }`,
      el,
    );
  }

  draw();
  // The first page is fetched at once; names and the search box follow when their answers arrive, so
  // the first screen waits for one request only.
  void categoryNames().then(
    (m) => {
      cats = m;
      draw();
    },
    () => undefined,
  );
  void departmentNames().then(
    (m) => {
      depts = m;
      draw();
    },
    () => undefined,
  );
  void load(true).then(poll);

  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
