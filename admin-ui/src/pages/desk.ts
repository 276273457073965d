/**
 * 受理派遣台 (acceptors, dispatchers, shift leaders): the queues of what waits for the command centre
 * (GET /api/desk/queues: 新上报, 待定位, 核实回来, 待派遣, 待审批, 待回访, most urgent first, with counts), read again
 * when the change feed (GET /api/desk/changes, a long poll) says a case changed, so new reports appear
 * without a reload; a case panel beside the queue (photos, map,
 * timeline, the reporter's contact, duplicate candidates with one-click 合并, suggestions); every desk
 * action with the API's own rules and messages; telephone intake (电话受理) as a hotline case.
 *
 * Keyboard (outside form fields): j / ↓ next, k / ↑ previous, Enter opens the actions of the selected
 * case, a runs its usual action (受理, 立案, 派遣 to the suggested unit, …), 1-6 switch queues, n opens
 * telephone intake.
 */
import { html, nothing, render, type TemplateResult } from 'lit-html';
import {
  api,
  blobUrl,
  caseAction,
  describeError,
  ApiError,
  type CaseActionName,
  type Success,
} from '../lib/api.ts';
import { actorOf } from '../lib/actor.ts';
import { formatTime, label, t, type MessageKey } from '../lib/i18n.ts';
import { cellName, getGridCells, type GridCell } from '../lib/map.ts';
import type { MountPage } from '../lib/pages.ts';
import { getCategories, getDepartments, type Category, type Department } from '../lib/reference.ts';
import { cityInputToIso, isoToCityInput } from '../lib/time.ts';
import { locateRepair } from './desk-locate.ts';
import { deskMap } from './desk-map.ts';
import { timelineList } from './timeline.ts';

const QUEUES = ['new', 'locate', 'verified', 'dispatch', 'approval', 'callback'] as const;
type Queue = (typeof QUEUES)[number];
/** A full read of the queue now and then even without a change (ages; a change the feed could miss). */
const REFRESH_MS = 60_000;
/** After the change feed failed (hub restarting, network): wait this long before asking again. */
const RETRY_MS = 3000;
/** Sources whose reports are verified on site (核实) before 立案 (workers/intake.ts). */
const NEEDS_VERIFY = new Set(['hotline', 'public', 'video', 'open311', 'other']);

type Queues = Success<'/api/desk/queues'>;
export interface TimelineEvent {
  id: string;
  at: string;
  type: string;
  actorName: string | null;
  fromStatus: string | null;
  toStatus: string | null;
  departmentId: string | null;
  note: string | null;
  data: unknown;
}
interface CaseDetail {
  id: string;
  caseNo: string;
  source: string;
  status: string;
  categoryKind: string;
  categoryCode: string;
  urgency: string;
  description: string;
  address: string | null;
  lng: number | null;
  lat: number | null;
  gridCode: string | null;
  departmentId: string | null;
  reportedAt: string;
  mergedInto: { id: string; caseNo: string | null } | null;
  voidReason: string | null;
  locationRepair: { since: string; note: string | null } | null;
  reporter: { name: string | null; phone: string | null; email?: string | null } | null;
  timeline: TimelineEvent[];
}
interface Candidate {
  id: string;
  caseNo: string;
  status: string;
  description: string;
  address: string | null;
  reportedAt: string;
  distanceMeters: number | null;
  lng?: number | null;
  lat?: number | null;
}
/** GET /api/cases/:id/step: where the procedure is, in the BPMN's words. */
interface Step {
  state: string;
  steps: { elementId: string; name: string | null }[];
  incident: { elementId: string; name: string | null; message: string } | null;
}
interface Suggestions {
  dispatch: { assigneeType: 'department' | 'subcenter'; assigneeId: string; name: string; why: string }[];
  verify: {
    userId: string;
    name: string;
    why: 'nearest' | 'grid' | 'onDuty';
    inGrid: boolean;
    onDuty: boolean;
    distanceMeters: number | null;
    lastAt: string | null;
  }[];
}
interface Photo {
  id: string;
  kind: string;
  fileName: string;
  contentType: string;
  url: string;
  src?: string;
}

type Form =
  'verify' | 'register' | 'void' | 'dispatch' | 'redispatch' | 'decide' | 'callback' | 'intake' | null;

const has = (roles: readonly string[], ...any: string[]) => any.some((r) => roles.includes(r));
const age = (since: string, now: number) => {
  const min = Math.max(0, Math.round((now - Date.parse(since)) / 60_000));
  return min < 60
    ? t('desk.ageMin', { n: min })
    : min < 2880
      ? t('desk.ageHour', { n: Math.round(min / 60) })
      : t('desk.ageDay', { n: Math.round(min / 1440) });
};

export const mount: MountPage = (el, ctx) => {
  const roles = ctx.user.roles;
  const dispatcher = has(roles, 'dispatcher', 'shift_leader', 'administrator');
  const acceptor = has(roles, 'acceptor', 'dispatcher', 'shift_leader', 'administrator');
  let queue: Queue = roles.includes('dispatcher') && !roles.includes('acceptor') ? 'dispatch' : 'new';
  let data: Queues | null = null;
  let selected = 0;
  let detail: CaseDetail | null = null;
  let photos: Photo[] = [];
  let candidates: Candidate[] = [];
  let suggestions: Suggestions = { dispatch: [], verify: [] };
  let form: Form = null;
  let busy = false;
  /**
   * After an action, until the next panel is drawn: the change feed's answer (the action's own event)
   * does not read the queue a second time beside the panel's requests.
   */
  let settling = false;
  let error = '';
  let notice = '';
  /** The case the notice is about (a link to it: e.g. to watch its procedure go on after 定位修复). */
  let noticeCase: { id: string; caseNo: string } | null = null;
  let step: Step | null = null;
  let loadError = '';
  let cells: GridCell[] = [];
  let departments: Department[] = [];
  let categories: Category[] = [];
  let stopped = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  const feed = new AbortController();
  let shownId = '';
  let serverSkew = 0;

  /**
   * The grid cells (1.3 MB with their outlines) name a cell (街道 社区 NN号网格) and fill the telephone
   * intake's list: read once something shows a cell or the intake opens, not for the first screen; until
   * then a cell reads as its code.
   */
  let cellsAsked = false;
  function needCells() {
    if (cellsAsked) return;
    cellsAsked = true;
    void getGridCells()
      .then((c) => {
        cells = c;
        draw();
      })
      .catch(() => (cellsAsked = false));
  }
  const nameOfCell = (code: string) => {
    needCells();
    return cellName(cells, code);
  };

  const fix = locateRepair({
    redraw: () => draw(),
    place: (p) => map.placePick(p),
    confirm: (body) => void act('locate', body, 'desk.done.locate'),
    cellName: nameOfCell,
  });
  const map = deskMap(el, (message) => {
    error = message;
    draw();
  });

  const items = () => data?.items ?? [];
  const current = () => items()[selected];
  const deptName = (id: string | null) => departments.find((d) => d.id === id)?.name ?? '';
  const catName = (kind: string, code: string) =>
    categories.find((c) => c.kind === kind && c.code === code)?.name ?? code;

  async function loadQueue() {
    try {
      const next = await api('/api/desk/queues', { query: { queue, limit: '100' } });
      serverSkew = Date.parse(next.at) - Date.now();
      const keep = current()?.id;
      data = next;
      const at = keep ? next.items.findIndex((i) => i.id === keep) : -1;
      selected = at >= 0 ? at : Math.min(selected, Math.max(0, next.items.length - 1));
      loadError = '';
    } catch (err) {
      loadError = describeError(err);
    }
    draw();
    await loadPanel();
  }

  async function loadPanel(force = false) {
    const item = current();
    if (!item) {
      detail = null;
      shownId = '';
      draw();
      return;
    }
    if (item.id === shownId && !force) return;
    const id = item.id;
    if (id !== shownId) fix.reset();
    shownId = id;
    const enc = encodeURIComponent(id);
    try {
      const [d, dup, sug, att, st] = await Promise.all([
        api(`/api/cases/${enc}`),
        api(`/api/cases/${enc}/duplicates`).catch(() => ({ items: [] })),
        api(`/api/cases/${enc}/suggestions`).catch(() => ({ dispatch: [], verify: [] })),
        api(`/api/cases/${enc}/attachments`).catch(() => ({ items: [] as Photo[] })),
        api(`/api/cases/${enc}/step`).catch(() => null),
      ]);
      if (shownId !== id) return;
      detail = d;
      step = st;
      candidates = dup.items;
      suggestions = sug;
      for (const p of photos) if (p.src) URL.revokeObjectURL(p.src);
      photos = att.items;
      draw();
      for (const p of photos)
        if (p.contentType.startsWith('image/')) p.src = await blobUrl(p.url).catch(() => undefined);
    } catch (err) {
      error = describeError(err);
    }
    draw();
  }

  /**
   * Follows GET /api/desk/changes (a long poll): the queue is read again when a case changed, and the
   * panel too when its case is among them (someone else acted on it). No reading while nothing changes.
   */
  async function follow() {
    let cursor: string | null = null;
    while (!stopped) {
      try {
        const r: Success<'/api/desk/changes'> = await api('/api/desk/changes', {
          query: { since: cursor ?? undefined },
          signal: feed.signal,
        });
        const first = cursor === null;
        cursor = r.cursor;
        // While an action settles it reads the queue itself once the next panel is drawn.
        if (first || !r.cases.length || stopped || busy || settling) continue;
        const mine = r.cases.includes(shownId);
        await loadQueue();
        if (mine) await loadPanel(true);
      } catch {
        if (stopped) return;
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }

  /** Runs an action; on success the queue and the panel are read again, on a refusal the API's message shows. */
  async function act(action: CaseActionName, body: Record<string, unknown>, done: MessageKey) {
    const c = detail;
    if (!c || busy) return;
    busy = true;
    error = '';
    notice = '';
    noticeCase = null;
    draw();
    let moved = false;
    try {
      await caseAction(c.id, action, body);
      notice = t(done, { no: c.caseNo });
      noticeCase = { id: c.id, caseNo: c.caseNo };
      form = null;
      // Every desk action but 受理 takes the case out of this queue: drop it at once and show the next
      // case; the queue is read again behind it.
      moved = action !== 'accept' && data !== null;
      if (moved && data) {
        const left = data.items.filter((i) => i.id !== c.id);
        data = {
          ...data,
          items: left,
          counts: { ...data.counts, [queue]: Math.max(0, (data.counts[queue] ?? 0) - 1) },
        };
        selected = Math.min(selected, Math.max(0, left.length - 1));
      }
    } catch (err) {
      error = staleMessage(err) ?? describeError(err);
    } finally {
      busy = false;
    }
    draw();
    settling = true;
    try {
      if (moved) {
        await loadPanel();
        void loadQueue();
      } else {
        await loadQueue();
        await loadPanel(true);
      }
    } finally {
      settling = false;
    }
    el.querySelector<HTMLElement>('#desk-queue [aria-selected="true"]')?.focus();
  }

  /** A 409 because someone else acted first: who, what and when, in the reader's words. */
  function staleMessage(err: unknown): string | null {
    if (!(err instanceof ApiError) || err.status !== 409) return null;
    const waiting = err.problem.waitingAt as { name: string; incident: string | null } | undefined;
    if (waiting) return t(waiting.incident ? 'desk.waitsAtIncident' : 'desk.waitsAt', { step: waiting.name });
    const last = err.problem.lastAction as { type: string; actorName: string | null; at: string } | null;
    if (!last) return null;
    return t('desk.stale', {
      who: actorOf(last.actorName),
      what: label('event', last.type),
      at: formatTime(last.at),
    });
  }

  /** What `a` does for a case: the step the queue waits for. */
  function primary(): { label: MessageKey; run: () => void } | null {
    const c = detail;
    const item = current();
    if (!c || !item) return null;
    if (c.locationRepair && acceptor)
      return {
        label: 'fix.heading',
        run: () => el.querySelector<HTMLElement>('input[name=fixAddress]')?.focus(),
      };
    if (c.status === 'reported' && acceptor)
      return { label: 'desk.accept', run: () => void act('accept', {}, 'desk.done.accept') };
    if (c.status === 'accepted' && acceptor) {
      const verified = c.timeline.some((e) => e.type === 'verified');
      if (NEEDS_VERIFY.has(c.source) && !verified)
        return { label: 'desk.requestVerify', run: () => open('verify') };
      return { label: 'desk.register', run: () => open('register') };
    }
    if (c.status === 'registered' && dispatcher)
      return { label: 'desk.dispatch', run: () => open('dispatch') };
    if (item.queue === 'approval' && dispatcher) return { label: 'desk.decide', run: () => open('decide') };
    if (item.queue === 'callback' && has(roles, 'acceptor'))
      return { label: 'desk.callback', run: () => open('callback') };
    return null;
  }

  function open(f: Form) {
    form = f;
    if (f === 'intake') needCells();
    error = '';
    draw();
    el.querySelector<HTMLElement>('#desk-form select, #desk-form input, #desk-form textarea')?.focus();
  }

  function move(delta: number) {
    if (!items().length) return;
    selected = Math.max(0, Math.min(items().length - 1, selected + delta));
    form = null;
    error = '';
    draw();
    el.querySelector<HTMLElement>('#desk-queue [aria-selected="true"]')?.focus();
    void loadPanel();
  }

  function switchQueue(q: Queue) {
    if (q === queue) return;
    queue = q;
    selected = 0;
    form = null;
    data = data && { ...data, items: [] };
    draw();
    void loadQueue();
  }

  const onKey = (e: KeyboardEvent) => {
    const target = e.target as HTMLElement;
    if (e.ctrlKey || e.metaKey || e.altKey || target.closest('input, textarea, select, dialog')) {
      if (e.key === 'Escape' && form) {
        form = null;
        draw();
        el.querySelector<HTMLElement>('#desk-queue [aria-selected="true"]')?.focus();
      }
      return;
    }
    if (e.key === 'j' || e.key === 'ArrowDown') move(1);
    else if (e.key === 'k' || e.key === 'ArrowUp') move(-1);
    else if (e.key === 'a') primary()?.run();
    else if (e.key === 'n' && acceptor) open('intake');
    else if (/^[1-6]$/.test(e.key)) switchQueue(QUEUES[Number(e.key) - 1]!);
    else if (e.key === 'Enter' && target.closest('#desk-queue'))
      el.querySelector<HTMLElement>('#desk-actions button')?.focus();
    else return;
    e.preventDefault();
  };
  document.addEventListener('keydown', onKey);

  // --- forms --------------------------------------------------------------------------------------------

  const submit = (fn: (f: FormData) => void) => (e: SubmitEvent) => {
    e.preventDefault();
    fn(new FormData(e.target as HTMLFormElement));
  };
  const text = (f: FormData, name: string) => {
    const v = String(f.get(name) ?? '').trim();
    return v === '' ? undefined : v;
  };
  const formButtons = (go: MessageKey) =>
    html`<div class="toolbar">
      <button class="primary" ?disabled=${busy}>${t(go)}</button>
      <button type="button" @click=${() => open(null)}>${t('desk.cancel')}</button>
    </div>`;

  /** Why a supervisor is offered for 核实, in words: 最近 · 本网格 · 在岗 · 相距 … 米 · … 定位. */
  const verifierWhy = (s: Suggestions['verify'][number]) =>
    [
      s.why === 'nearest' ? t('desk.why.nearest') : null,
      s.inGrid ? t('desk.why.grid') : null,
      t(s.onDuty ? 'desk.why.onDuty' : 'desk.why.offDuty'),
      s.distanceMeters !== null ? t('desk.metres', { n: s.distanceMeters }) : null,
      s.lastAt ? t('desk.why.seen', { at: formatTime(s.lastAt) }) : null,
    ]
      .filter(Boolean)
      .join(' · ');

  function formOf(c: CaseDetail): TemplateResult | typeof nothing {
    switch (form) {
      case 'verify':
        return html`<form
          class="stack"
          @submit=${submit((f) => void act('request-verify', { supervisorId: text(f, 'supervisorId'), note: text(f, 'note') }, 'desk.done.verify'))}
        >
          <label
            >${t('desk.supervisor')}
            <select name="supervisorId">
              ${suggestions.verify.map((s) => html`<option value=${s.userId}>${s.name}（${verifierWhy(s)}）</option>`)}
              <option value="">${t('desk.gridSupervisor')}</option>
            </select></label
          >
          <label>${t('desk.note')}<textarea name="note" rows="2"></textarea></label>
          ${formButtons('desk.requestVerify')}
        </form>`;
      case 'register':
        return html`<form
          class="stack"
          @submit=${submit((f) => void act('register', { categoryCode: text(f, 'categoryCode'), urgency: text(f, 'urgency'), note: text(f, 'note') }, 'desk.done.register'))}
        >
          <label
            >${t('desk.category')}
            <select name="categoryCode">
              ${categories.filter((x) => x.kind === c.categoryKind).map((x) => html`<option value=${x.code} ?selected=${x.code === c.categoryCode}>${x.code} ${x.majorName} / ${x.name}</option>`)}
            </select></label
          >
          <label
            >${t('desk.urgency')}
            <select name="urgency">
              ${['normal', 'urgent', 'critical'].map((u) => html`<option value=${u} ?selected=${u === c.urgency}>${label('urgency', u)}</option>`)}
            </select></label
          >
          <label>${t('desk.note')}<textarea name="note" rows="2"></textarea></label>
          ${formButtons('desk.register')}
        </form>`;
      case 'void':
        return html`<form
          class="stack"
          @submit=${submit((f) => void act('void', { reason: text(f, 'reason'), note: text(f, 'note') }, 'desk.done.void'))}
        >
          <label>${t('desk.voidReason')}<input name="reason" required maxlength="1000" /></label>
          ${formButtons('desk.void')}
        </form>`;
      case 'dispatch': {
        const units = departments.filter((d) => d.active);
        const suggested = new Set(suggestions.dispatch.map((s) => s.assigneeId));
        return html`<form
          class="stack"
          @submit=${submit((f) => {
            const id = String(f.get('assigneeId'));
            const unit = departments.find((d) => d.id === id);
            void act(
              'dispatch',
              {
                assigneeType: unit?.kind === 'street_center' ? 'subcenter' : 'department',
                assigneeId: id,
                note: text(f, 'note'),
              },
              'desk.done.dispatch',
            );
          })}
        >
          <label
            >${t('desk.assignee')}
            <select name="assigneeId">
              ${suggestions.dispatch.map((s) => html`<option value=${s.assigneeId}>${s.name}（${t(s.why === 'grid' ? 'desk.why.gridUnit' : s.why === 'owner' ? 'desk.why.owner' : 'desk.why.category')}）</option>`)}
              ${units.filter((d) => !suggested.has(d.id)).map((d) => html`<option value=${d.id}>${d.name}${d.kind === 'street_center' ? `（${t('desk.subcenter')}）` : ''}</option>`)}
            </select></label
          >
          <label>${t('desk.note')}<textarea name="note" rows="2"></textarea></label>
          ${formButtons('desk.dispatch')}
        </form>`;
      }
      case 'redispatch': {
        const own = departments.filter((d) => d.active && d.parentId === c.departmentId);
        return html`<form
          class="stack"
          @submit=${submit((f) => void act('redispatch', { assigneeId: String(f.get('assigneeId')), note: text(f, 'note') }, 'desk.done.redispatch'))}
        >
          <label
            >${t('desk.assignee')}
            <select name="assigneeId">
              ${own.map((d) => html`<option value=${d.id}>${d.name}</option>`)}
            </select></label
          >
          <label>${t('desk.note')}<textarea name="note" rows="2"></textarea></label>
          ${formButtons('desk.redispatch')}
        </form>`;
      }
      case 'decide': {
        const req = current()?.request;
        if (!req) return nothing;
        const action = `decide-${req.kind}` as const;
        const decide = (approved: boolean) => (e: Event) => {
          const f = new FormData((e.target as HTMLElement).closest('form')!);
          const deadline = text(f, 'newDeadline');
          void act(
            action,
            {
              approved,
              reason: text(f, 'reason'),
              ...(approved && deadline ? { newDeadline: cityInputToIso(deadline) } : {}),
            },
            approved ? 'desk.done.approved' : 'desk.done.rejected',
          );
        };
        return html`<form class="stack" @submit=${(e: Event) => e.preventDefault()}>
          <p>
            ${t(`desk.request.${req.kind}` as MessageKey)} · ${req.actorName ?? ''}：${req.reason ?? ''}
            ${req.requestedDeadline ? html`<br />${t('desk.requestedDeadline')} ${formatTime(req.requestedDeadline)}` : nothing}
          </p>
          ${
            req.kind === 'extension' && req.requestedDeadline
              ? html`<label
                  >${t('desk.newDeadline')}<input
                    type="datetime-local"
                    name="newDeadline"
                    .value=${isoToCityInput(req.requestedDeadline)}
                /></label>`
              : nothing
          }
          <label>${t('desk.decisionReason')}<input name="reason" maxlength="1000" /></label>
          <div class="toolbar">
            <button type="button" class="primary" ?disabled=${busy} @click=${decide(true)}>
              ${t('desk.approve')}
            </button>
            <button type="button" class="danger" ?disabled=${busy} @click=${decide(false)}>
              ${t('desk.reject')}
            </button>
            <button type="button" @click=${() => open(null)}>${t('desk.cancel')}</button>
          </div>
        </form>`;
      }
      case 'callback':
        return html`<form
          class="stack"
          @submit=${submit((f) => void act('callback', { satisfaction: String(f.get('satisfaction')), note: text(f, 'note') }, 'desk.done.callback'))}
        >
          <fieldset>
            <legend>${t('desk.satisfaction')}</legend>
            ${['satisfied', 'basic', 'unsatisfied', 'unreachable'].map((s, i) => html`<label class="inline"><input type="radio" name="satisfaction" value=${s} ?checked=${i === 0} /> ${t(`sat.${s}` as MessageKey)}</label>`)}
          </fieldset>
          <label>${t('desk.callbackNote')}<textarea name="note" rows="2"></textarea></label>
          ${formButtons('desk.callback')}
        </form>`;
      default:
        return nothing;
    }
  }

  // --- telephone intake -----------------------------------------------------------------------------------

  async function intake(e: SubmitEvent) {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    const body = new FormData();
    body.set('source', 'hotline');
    for (const name of [
      'reporterName',
      'reporterPhone',
      'address',
      'categoryCode',
      'urgency',
      'description',
    ]) {
      const v = String(f.get(name) ?? '').trim();
      if (v) body.set(name, v);
    }
    // Until the address is geocoded by the hub, the acceptor places the call in its grid cell (its centre).
    const cell = cells.find((x) => x.code === f.get('gridCode'));
    const ring = cell?.geometry?.coordinates[0];
    if (ring?.length) {
      const lngs = ring.map((p) => p[0]!);
      const lats = ring.map((p) => p[1]!);
      body.set('lng', String((Math.min(...lngs) + Math.max(...lngs)) / 2));
      body.set('lat', String((Math.min(...lats) + Math.max(...lats)) / 2));
    }
    for (const file of f.getAll('photos')) if (file instanceof File && file.size) body.append('photos', file);
    busy = true;
    error = '';
    draw();
    try {
      const c = await api('/api/cases', { method: 'POST', form: body });
      notice = t('desk.done.intake', { no: c.caseNo });
      form = null;
    } catch (err) {
      error = describeError(err);
    } finally {
      busy = false;
    }
    await loadQueue();
  }

  const intakeForm = () =>
    html`<section class="card" id="desk-form" aria-labelledby="intake-h">
      <h2 id="intake-h">${t('desk.intake')}</h2>
      <form class="stack" @submit=${intake}>
        <label>${t('desk.caller')}<input name="reporterName" maxlength="100" autocomplete="off" /></label>
        <label
          >${t('desk.phone')}<input name="reporterPhone" type="tel" maxlength="40" autocomplete="off"
        /></label>
        <label>${t('desk.address')}<input name="address" required maxlength="500" /></label>
        <label
          >${t('desk.cell')}
          <select name="gridCode">
            <option value="">${t('desk.cellUnknown')}</option>
            ${cells.map((x) => html`<option value=${x.code}>${cellName([x], x.code)}</option>`)}
          </select></label
        >
        <label
          >${t('desk.category')}
          <select name="categoryCode" required>
            ${categories.filter((x) => x.kind === 'event').map((x) => html`<option value=${x.code}>${x.code} ${x.majorName} / ${x.name}</option>`)}
          </select></label
        >
        <label
          >${t('desk.urgency')}
          <select name="urgency">
            ${['normal', 'urgent', 'critical'].map((u) => html`<option value=${u}>${label('urgency', u)}</option>`)}
          </select></label
        >
        <label
          >${t('desk.description')}<textarea name="description" required rows="3" maxlength="4000"></textarea>
        </label>
        <label>${t('desk.photos')}<input type="file" name="photos" accept="image/*" multiple /></label>
        ${formButtons('desk.intakeSubmit')}
      </form>
    </section>`;

  // --- drawing ------------------------------------------------------------------------------------------

  function actionsOf(c: CaseDetail) {
    const item = current();
    const verified = c.timeline.some((e) => e.type === 'verified');
    // While the procedure waits for 定位修复 it takes no 派发核实 / 立案 / 作废 (the API answers 409).
    const placed = !c.locationRepair;
    const btn = (key: MessageKey, fn: () => void, cls = '') =>
      html`<button type="button" class=${cls} ?disabled=${busy} @click=${fn}>${t(key)}</button>`;
    const list: TemplateResult[] = [];
    const first = primary();
    if (c.locationRepair && acceptor)
      list.push(btn('fix.heading', () => el.querySelector<HTMLElement>('input[name=fixAddress]')?.focus()));
    if (c.status === 'reported' && acceptor)
      list.push(btn('desk.accept', () => void act('accept', {}, 'desk.done.accept')));
    const early = placed && ['reported', 'accepted'].includes(c.status) && acceptor;
    if (early && NEEDS_VERIFY.has(c.source) && !verified)
      list.push(btn('desk.requestVerify', () => open('verify')));
    if (early && (!NEEDS_VERIFY.has(c.source) || verified))
      list.push(btn('desk.register', () => open('register')));
    if (c.status === 'registered' && dispatcher) list.push(btn('desk.dispatch', () => open('dispatch')));
    const holder = departments.find((d) => d.id === c.departmentId);
    if (['dispatched', 'signed'].includes(c.status) && dispatcher && holder?.kind === 'street_center')
      list.push(btn('desk.redispatch', () => open('redispatch')));
    if (item?.queue === 'approval' && dispatcher) list.push(btn('desk.decide', () => open('decide')));
    if (item?.queue === 'callback' && has(roles, 'acceptor'))
      list.push(btn('desk.callback', () => open('callback')));
    if (
      placed &&
      ['reported', 'accepted', 'registered'].includes(c.status) &&
      acceptor &&
      (!NEEDS_VERIFY.has(c.source) || verified)
    )
      list.push(btn('desk.void', () => open('void'), 'danger'));
    return html`<div class="toolbar" id="desk-actions" role="group" aria-label=${t('desk.actions')}>
        ${list.length ? list : html`<span class="muted">${t('desk.noAction')}</span>`}
      </div>
      ${first ? html`<p class="muted small">${t('desk.keyHint', { action: t(first.label) })}</p>` : nothing}`;
  }

  function panel() {
    const c = detail;
    if (!c) return html`<p class="muted">${items().length ? t('app.loading') : t('desk.pickCase')}</p>`;
    return html`<h2 id="panel-h">
        <a href=${`#/cases/${encodeURIComponent(c.id)}`}>${c.caseNo}</a>
        <span class="badge" data-testid="panel-status">${label('status', c.status)}</span>
        <span class="badge urgency-${c.urgency}">${label('urgency', c.urgency)}</span>
        <span class="badge">${label('source', c.source)}</span>
      </h2>
      <p><strong>${catName(c.categoryKind, c.categoryCode)}</strong> · ${c.description}</p>
      <p class="muted">
        ${[
          c.address,
          c.gridCode ? nameOfCell(c.gridCode) : null,
          formatTime(c.reportedAt),
          c.departmentId ? deptName(c.departmentId) : null,
        ]
          .filter(Boolean)
          .join(' · ')}
        ${c.gridCode ? nothing : html` · <strong class="error">${t('desk.noGrid')}</strong>`}
      </p>
      ${
        c.reporter && (c.reporter.name || c.reporter.phone)
          ? html`<p data-testid="reporter">
              ${t('case.reporter')}：${c.reporter.name ?? ''}
              ${c.reporter.phone ? html`<a href=${`tel:${c.reporter.phone}`}>${c.reporter.phone}</a>` : nothing}
            </p>`
          : nothing
      }
      ${stepLine()}
      ${c.mergedInto ? html`<p>${t('desk.mergedInto')} <a href=${`#/cases/${encodeURIComponent(c.mergedInto.id)}`}>${c.mergedInto.caseNo ?? ''}</a></p>` : nothing}
      ${actionsOf(c)}
      ${error ? html`<p class="error" role="alert" data-testid="desk-error">${error}</p>` : nothing}
      ${form && form !== 'intake' ? html`<div id="desk-form" class="card">${formOf(c)}</div>` : nothing}
      ${
        candidates.length
          ? html`<section aria-labelledby="dup-h">
              <h3 id="dup-h">${t('desk.duplicates', { n: candidates.length })}</h3>
              <ul class="plain" data-testid="duplicates">
                ${candidates.map(
                  (d) =>
                    html`<li>
                      <a href=${`#/cases/${encodeURIComponent(d.id)}`}>${d.caseNo}</a>
                      ${label('status', d.status)} ·
                      ${d.distanceMeters !== null ? t('desk.metres', { n: d.distanceMeters }) : t('desk.sameCell')}
                      · ${formatTime(d.reportedAt)}<br />
                      <span class="muted">${d.description}</span>
                      ${
                        ['reported', 'accepted', 'verifying'].includes(c.status) && acceptor
                          ? html`<button
                              type="button"
                              ?disabled=${busy}
                              @click=${() => void act('merge', { intoId: d.id }, 'desk.done.merge')}
                            >
                              ${t('desk.mergeInto', { no: d.caseNo })}
                            </button>`
                          : nothing
                      }
                    </li>`,
                )}
              </ul>
            </section>`
          : nothing
      }
      <div class="grid2">
        <div>
          ${fix.view(c, busy)}
          <section aria-labelledby="ptl-h">
            <h3 id="ptl-h">${t('case.timeline')}</h3>
            ${timelineList(c.timeline, deptName)}
          </section>
        </div>
        <section aria-labelledby="pmap-h" class="map">
          <h3 id="pmap-h">${t('case.map')}</h3>
          <div id="desk-map" class="desk-map" data-testid="case-map"></div>
          ${
            photos.length
              ? html`<div class="photos">
                  ${photos.map((p) => (p.src ? html`<img src=${p.src} alt=${`${t('case.photos')} ${p.fileName}`} />` : html`<span class="badge">${p.fileName}</span>`))}
                </div>`
              : nothing
          }
        </section>
      </div>`;
  }

  /** The current step in the BPMN's words (GET /api/cases/:id/step); nothing when the engine cannot say. */
  function stepLine() {
    if (!step) return nothing;
    const names = step.steps.map((s) => s.name ?? t('desk.stepUnnamed')).join('、');
    return html`<p data-testid="panel-step">
      ${t('desk.step')}<strong>${step.state === 'ACTIVE' ? names || '—' : t('desk.stepEnded')}</strong>
      ${
        step.incident
          ? html`<br /><span class="error"
                >${t('desk.stepIncident', { step: step.incident.name ?? t('desk.stepUnnamed'), message: step.incident.message })}</span
              >`
          : nothing
      }
    </p>`;
  }

  function draw() {
    const now = Date.now() + serverSkew;
    render(
      html`<div class="desk-head">
          <h1>${t('desk.heading')}</h1>
          ${acceptor ? html`<button type="button" class="primary" @click=${() => open('intake')} aria-keyshortcuts="n">${t('desk.intake')}</button>` : nothing}
        </div>
        ${
          notice
            ? html`<p class="ok" role="status" data-testid="desk-notice">
                ${notice}
                ${noticeCase ? html`<a href=${`#/cases/${encodeURIComponent(noticeCase.id)}`}>${t('desk.openCase', { no: noticeCase.caseNo })}</a>` : nothing}
              </p>`
            : nothing
        }
        ${loadError ? html`<p class="error" role="alert">${loadError}</p>` : nothing}
        ${form === 'intake' ? html`${error ? html`<p class="error" role="alert">${error}</p>` : nothing}${intakeForm()}` : nothing}
        <div role="tablist" class="desk-tabs" aria-label=${t('desk.queues')}>
          ${QUEUES.map(
            (q, i) =>
              html`<button
                type="button"
                role="tab"
                id=${`tab-${q}`}
                aria-selected=${q === queue ? 'true' : 'false'}
                aria-controls="desk-queue"
                aria-keyshortcuts=${String(i + 1)}
                @click=${() => switchQueue(q)}
                data-testid=${`tab-${q}`}
              >
                ${t(`desk.queue.${q}` as MessageKey)} <span class="count">${data?.counts[q] ?? '…'}</span>
              </button>`,
          )}
        </div>
        <div class="desk">
          ${
            items().length === 0
              ? html`<div id="desk-queue" class="desk-queue" role="status">
                  <p class="muted">${data ? t('desk.empty') : t('app.loading')}</p>
                </div>`
              : nothing
          }
          <ol
            id="desk-queue"
            role="listbox"
            aria-labelledby=${`tab-${queue}`}
            class="desk-queue"
            ?hidden=${items().length === 0}
          >
            ${
              items().length === 0
                ? nothing
                : items().map(
                    (i, n) =>
                      html`<li
                        role="option"
                        tabindex=${n === selected ? 0 : -1}
                        aria-selected=${n === selected ? 'true' : 'false'}
                        data-case=${i.caseNo}
                        @click=${() => {
                          selected = n;
                          form = null;
                          error = '';
                          draw();
                          void loadPanel();
                        }}
                      >
                        <span class="badge urgency-${i.urgency}">${label('urgency', i.urgency)}</span>
                        <strong>${i.caseNo}</strong>
                        <span class="muted">${label('source', i.source)} · ${age(i.waitingSince, now)}</span
                        ><br />
                        ${catName(i.categoryKind, i.categoryCode)}${i.address ? ` · ${i.address}` : ''}
                        ${i.needsLocation ? html`<span class="badge warn">${t('desk.noGrid')}</span>` : nothing}
                        ${i.request ? html`<br /><span class="badge warn">${t(`desk.request.${i.request.kind}` as MessageKey)}</span> ${i.request.reason ?? ''}` : nothing}
                      </li>`,
                  )
            }
          </ol>
          <section class="desk-panel card" aria-labelledby="panel-h">${panel()}</section>
        </div>
        <p class="muted small">${t('desk.keys')}</p>`,
      el,
    );
    const c = detail;
    map.sync(
      c
        ? {
            caseId: c.id,
            focus: c.lng !== null && c.lat !== null ? { lng: c.lng, lat: c.lat, gridCode: c.gridCode } : null,
            pick: c.locationRepair && acceptor ? fix.onPick : null,
            // Choosing who goes to 核实: where the supervisors on duty are now.
            supervisors: form === 'verify',
            nearby: candidates.flatMap((d) =>
              d.lng != null && d.lat != null ? [{ caseNo: d.caseNo, lng: d.lng, lat: d.lat }] : [],
            ),
          }
        : null,
    );
  }

  draw();
  void (async () => {
    // The queue does not wait for the reference lists (names are filled in when they arrive).
    const queueRead = loadQueue();
    [departments, categories] = await Promise.all([
      getDepartments().catch(() => [] as Department[]),
      getCategories().catch(() => [] as Category[]),
    ]);
    draw();
    await queueRead;
    void follow();
    timer = setInterval(() => {
      if (!document.hidden && !busy) void loadQueue();
    }, REFRESH_MS);
  })();

  return () => {
    stopped = true;
    clearInterval(timer);
    feed.abort();
    document.removeEventListener('keydown', onKey);
    map.destroy();
    for (const p of photos) if (p.src) URL.revokeObjectURL(p.src);
  };
};
