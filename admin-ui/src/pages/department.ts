/**
 * 处置通 (department handlers), made for a phone: the department's open cases (dispatched → sign for,
 * signed → dispose with a photo from the phone's camera and what was done), and asking for an extension
 * (延期) or a return (回退). Actions go to POST /api/cases/:id/actions/<action>; 处置反馈 is sent as
 * multipart/form-data (`note` and the photos in `photos`), so the photos are stored with the disposal in
 * the same request (src/cases/README.md).
 */
import { html, nothing, render } from 'lit-html';
import { api, caseAction, describeError, type CaseActionName } from '../lib/api.ts';
import { clockBadge } from '../lib/clock.ts';
import { formatTime, label, t } from '../lib/i18n.ts';
import type { MountPage } from '../lib/pages.ts';
import { categoryNames } from '../lib/reference.ts';
import { cityInputToIso, isoToCityInput } from '../lib/time.ts';
import type { CaseView } from './cases.ts';

type Form = 'dispose' | 'extension' | 'return' | null;
const POLL_MS = 10_000;

export const mount: MountPage = (el, ctx) => {
  let items: CaseView[] = [];
  let error = '';
  let loading = true;
  let cats = new Map<string, string>();
  const open = new Map<string, Form>();
  const feedback = new Map<string, { kind: 'ok' | 'error'; text: string }>();
  const busy = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  async function load() {
    try {
      const pages = await Promise.all(
        (['dispatched', 'signed'] as const).map((status) =>
          api('/api/cases', { query: { status, limit: '200' } }).then((r) => r.items),
        ),
      );
      items = pages.flat().sort((a, b) => Date.parse(a.reportedAt) - Date.parse(b.reportedAt));
      error = '';
    } catch (err) {
      error = describeError(err);
    }
    loading = false;
    draw();
  }

  const action = (c: CaseView, name: CaseActionName, body: Record<string, unknown> | FormData) =>
    caseAction(c.id, name, body, { 'idempotency-key': `${name}-${c.id}-${crypto.randomUUID()}` });

  async function run(c: CaseView, work: () => Promise<unknown>, done: string) {
    busy.add(c.id);
    draw();
    try {
      await work();
      feedback.set(c.id, { kind: 'ok', text: done });
      open.set(c.id, null);
      await load();
    } catch (err) {
      feedback.set(c.id, { kind: 'error', text: describeError(err) });
    }
    busy.delete(c.id);
    draw();
  }

  function submit(c: CaseView, kind: Form, e: Event) {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const reason = String(form.get('reason') ?? '').trim();
    if (kind === 'dispose') {
      const upload = new FormData();
      upload.set('note', String(form.get('note') ?? '').trim());
      for (const photo of form.getAll('photos')) {
        if (photo instanceof File && photo.size > 0) upload.append('photos', photo, photo.name);
      }
      void run(c, () => action(c, 'dispose', upload), t('dept.disposed'));
    } else if (kind === 'extension') {
      const requestedDeadline = cityInputToIso(String(form.get('requestedDeadline')));
      void run(c, () => action(c, 'request-extension', { reason, requestedDeadline }), t('dept.requested'));
    } else if (kind === 'return') {
      void run(c, () => action(c, 'request-return', { reason }), t('dept.requested'));
    }
  }

  const toggle = (c: CaseView, kind: Form) => {
    open.set(c.id, open.get(c.id) === kind ? null : kind);
    draw();
  };

  function forms(c: CaseView) {
    const kind = open.get(c.id) ?? null;
    if (kind === 'dispose')
      return html`<form @submit=${(e: Event) => submit(c, 'dispose', e)} class="stack">
        <label
          >${t('dept.photo')}
          <input type="file" name="photos" accept="image/*" capture="environment" multiple required
        /></label>
        <label>${t('dept.note')} <textarea name="note" required maxlength="4000" rows="3"></textarea></label>
        <button type="submit" class="primary" ?disabled=${busy.has(c.id)}>${t('dept.submit')}</button>
      </form>`;
    if (kind === 'extension')
      return html`<form @submit=${(e: Event) => submit(c, 'extension', e)} class="stack">
        <label
          >${t('dept.requestedDeadline')}
          <input
            type="datetime-local"
            name="requestedDeadline"
            required
            .value=${isoToCityInput(new Date(Date.now() + 2 * 24 * 3_600_000))}
        /></label>
        <label
          >${t('common.reason')} <textarea name="reason" required maxlength="1000" rows="2"></textarea>
        </label>
        <button type="submit" class="primary" ?disabled=${busy.has(c.id)}>${t('dept.submit')}</button>
      </form>`;
    if (kind === 'return')
      return html`<form @submit=${(e: Event) => submit(c, 'return', e)} class="stack">
        <label
          >${t('common.reason')} <textarea name="reason" required maxlength="1000" rows="2"></textarea>
        </label>
        <button type="submit" class="primary" ?disabled=${busy.has(c.id)}>${t('dept.submit')}</button>
      </form>`;
    return nothing;
  }

  function card(c: CaseView) {
    const fb = feedback.get(c.id);
    return html`<li class="card" data-case=${c.caseNo}>
      <h2>
        <a href="#/cases/${c.id}">${c.caseNo}</a>
        <span class="badge" data-testid="status">${label('status', c.status)}</span> ${clockBadge(c.clock)}
      </h2>
      <p>
        ${cats.get(`${c.categoryKind}:${c.categoryCode}`) ?? c.categoryCode} · ${label('urgency', c.urgency)}
        · ${c.description}
      </p>
      <p class="muted">${c.address ?? ''} · ${formatTime(c.reportedAt)}</p>
      ${html`<div class="toolbar">
          ${
            c.status === 'dispatched'
              ? html`<button
                  type="button"
                  class="primary"
                  ?disabled=${busy.has(c.id)}
                  @click=${() => run(c, () => action(c, 'sign', {}), t('dept.signed'))}
                >
                  ${t('dept.sign')}
                </button>`
              : html`<button
                  type="button"
                  class="primary"
                  aria-expanded=${open.get(c.id) === 'dispose'}
                  @click=${() => toggle(c, 'dispose')}
                >
                  ${t('dept.dispose')}
                </button>`
          }
          <button
            type="button"
            aria-expanded=${open.get(c.id) === 'extension'}
            @click=${() => toggle(c, 'extension')}
          >
            ${t('dept.extension')}
          </button>
          <button
            type="button"
            aria-expanded=${open.get(c.id) === 'return'}
            @click=${() => toggle(c, 'return')}
          >
            ${t('dept.return')}
          </button>
        </div>
        ${forms(c)}`}
      ${fb ? html`<p class=${fb.kind} role=${fb.kind === 'error' ? 'alert' : 'status'}>${fb.text}</p>` : nothing}
    </li>`;
  }

  function draw() {
    render(
      html`<h1>${t('dept.heading')}</h1>
        ${ctx.user.departmentId ? nothing : html`<p class="error" role="alert">${t('dept.noDepartment')}</p>`}
        ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
        ${
          loading
            ? html`<p class="muted">${t('app.loading')}</p>`
            : items.length === 0
              ? html`<p class="muted">${t('dept.empty')}</p>`
              : html`<ul class="plain" data-testid="department-cases">
                  ${items.map(card)}
                </ul>`
        }
        ${[...feedback.entries()]
          .filter(([id]) => !items.some((c) => c.id === id))
          .map(([, fb]) => html`<p class=${fb.kind} role="status">${fb.text}</p>`)}`,
      el,
    );
  }

  draw();
  void (async () => {
    cats = await categoryNames().catch(() => new Map<string, string>());
    await load();
    const loop = () => {
      timer = setTimeout(async () => {
        if (stopped) return;
        if (!document.hidden) await load();
        if (!stopped) loop();
      }, POLL_MS);
    };
    loop();
  })();

  return () => {
    stopped = true;
    clearTimeout(timer);
  };
};
