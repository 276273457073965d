/**
 * 市民通 (anyone, no account): report a problem (`report.ts`), see what others reported nearby
 * (`nearby.ts`, 附近的反映), see this phone's reports with their progress in plain words (GET /api/citizen/reports with the device token; reports still waiting on the
 * phone are listed from the queue), follow one (`#/citizen/r/<token>`: the steps so far) and rate the
 * result once it is 办结 (满意 / 不满意, queued to POST /api/citizen/reports/:token/rating; 不满意 sends it
 * back for handling). The words come from the hub (adapters/open311/citizen.ts `plainStatus`).
 */
import { html, nothing, render } from 'lit-html';
import { api, describeError } from '../../../../src/lib/api.ts';
import { formatTime } from '../../../../src/lib/i18n.ts';
import type { MountModule } from '../../modules.ts';
import { enqueue, listItems, onQueueChange, type QueueItem } from '../../queue.ts';
import { backLink, outcome, stateBadge } from '../../ui.ts';
import { deviceHeaders, knownDevice } from './device.ts';
import { mountNearby } from './nearby.ts';
import { mountReport } from './report.ts';
import { w } from './words.ts';

/** A report as its reporter sees it (adapters/open311/citizen.ts `reportView`). */
interface Report {
  token: string;
  caseNo: string;
  categoryName: string;
  description: string;
  address: string | null;
  reportedAt: string;
  status: string;
  statusText: string;
  closed: boolean;
  canRate: boolean;
  satisfied: boolean | null;
  steps: { at: string; text: string }[];
  /** Merged with an earlier report of the same problem: that case and where it stands. */
  mergedInto: { caseNo: string; statusText: string; closed: boolean } | null;
}

/** Where the case a merged report joined stands, under the report's own status. */
const mergedLine = (r: Report) =>
  r.mergedInto
    ? html`<p class="status-line ${r.mergedInto.closed ? 'green' : ''}" data-testid="merged-into">
        ${w('mergedInto', { no: r.mergedInto.caseNo, status: r.mergedInto.statusText })}
      </p>`
    : nothing;

const STATUS_TONE: Record<string, string> = { closed: 'green', voided: 'grey' };

export const mount: MountModule = (el, ctx) => {
  const [sub, token] = ctx.path;
  if (sub === 'report') return mountReport(el, ctx);
  if (sub === 'nearby') return mountNearby(el, ctx);
  if (sub === 'r' && token) return mountOne(el, ctx, token);

  let reports: Report[] = [];
  let waiting: QueueItem[] = [];
  let error = '';
  let loaded = false;
  async function load() {
    const device = knownDevice();
    try {
      reports = device ? (await api('/api/citizen/reports', { headers: deviceHeaders(device) })).items : [];
      error = '';
    } catch (err) {
      error = w('loadFailed', { message: describeError(err) });
    }
    waiting = (await listItems()).filter((i) => i.module === 'citizen' && i.state !== 'sent');
    loaded = true;
    draw();
  }
  function draw() {
    render(
      html`<div class="two">
          <a class="button primary big" href="#/citizen/report">${w('newReport')}</a>
          <a class="button big" href="#/citizen/nearby">${w('nearby')}</a>
        </div>
        <h2>${w('mine')}</h2>
        ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
        <ul class="plain" data-testid="my-reports">
          ${waiting.map(
            (i) =>
              html`<li class="card" data-state=${i.state}>
                <p class="row">${stateBadge(i.state)} <strong>${i.title}</strong></p>
                <p class="muted">${i.state === 'failed' ? i.error : w('waitingHere')}</p>
              </li>`,
          )}
          ${reports.map(
            (r) =>
              html`<li class="card" data-report=${r.caseNo}>
                <p class="row">
                  <strong>${r.categoryName}</strong> <span class="muted">${formatTime(r.reportedAt)}</span>
                </p>
                <p>${r.description}</p>
                <p class="status-line ${STATUS_TONE[r.status] ?? ''}" data-testid="status-text">
                  ${r.statusText}
                </p>
                ${mergedLine(r)} ${r.canRate ? html`<p class="pending-note">${w('rate')}</p>` : nothing}
                <a class="button" href="#/citizen/r/${r.token}">${w('open')}</a>
              </li>`,
          )}
        </ul>
        ${loaded && !error && reports.length === 0 && waiting.length === 0 ? html`<p class="muted">${w('none')}</p>` : nothing}`,
      el,
    );
  }
  draw();
  void load();
  const off = onQueueChange(() => void load());
  const timer = setInterval(() => !document.hidden && void load(), 30_000);
  return () => {
    off();
    clearInterval(timer);
  };
};

/** One report: its progress, the steps so far, and the rating once it is 办结. */
function mountOne(el: HTMLElement, ctx: Parameters<MountModule>[1], token: string) {
  let r: Report | null = null;
  let error = '';
  let busy = false;
  async function load() {
    try {
      r = await api(`/api/citizen/reports/${encodeURIComponent(token)}`);
      error = '';
    } catch (err) {
      error = w('loadFailed', { message: describeError(err) });
    }
    draw();
  }
  async function rate(satisfied: boolean, form: HTMLFormElement) {
    const device = knownDevice();
    if (!r || !device) return;
    busy = true;
    draw();
    const note = String(new FormData(form).get('note') ?? '').trim();
    const item = await enqueue({
      module: 'citizen',
      title: w('rateTitle', { no: r.caseNo }),
      request: {
        method: 'POST',
        path: `/api/citizen/reports/${encodeURIComponent(token)}/rating`,
        headers: deviceHeaders(device),
        body: { satisfied, ...(note ? { note } : {}) },
      },
    });
    busy = false;
    const o = outcome(item);
    ctx.notify(o.text, o.kind);
    if (item.state === 'sent') r = item.result as Report;
    draw();
  }
  function draw() {
    if (!r) {
      render(
        html`${backLink('#/citizen')}${error ? html`<p class="error" role="alert">${error}</p>` : html`<p class="muted">…</p>`}`,
        el,
      );
      return;
    }
    const c = r;
    render(
      html`${backLink('#/citizen')}
        <article class="card" data-testid="report" data-report=${c.caseNo}>
          <h2>${c.categoryName}</h2>
          <p class="muted">${w('caseNo')} ${c.caseNo} · ${w('reportedAt')} ${formatTime(c.reportedAt)}</p>
          <p>${c.description}</p>
          ${c.address ? html`<p class="muted">${c.address}</p>` : nothing}
          <h3>${w('status')}</h3>
          <p class="status-line big-text ${STATUS_TONE[c.status] ?? ''}" data-testid="status-text">
            ${c.statusText}
          </p>
          ${mergedLine(c)}
          ${
            c.satisfied !== null && !c.canRate
              ? html`<p data-testid="rated">
                  ${w('rated', { what: c.satisfied ? w('satisfied') : w('unsatisfied') })}
                </p>`
              : nothing
          }
        </article>
        ${
          c.canRate
            ? html`<form class="card stack" data-testid="rating" @submit=${(e: Event) => e.preventDefault()}>
                <h3>${w('rate')}</h3>
                <label>${w('rateNote')} <textarea name="note" rows="2" maxlength="1000"></textarea></label>
                <div class="two">
                  <button
                    type="button"
                    class="ok big"
                    ?disabled=${busy}
                    @click=${(e: Event) => rate(true, (e.currentTarget as HTMLElement).closest('form')!)}
                  >
                    ${w('satisfied')}
                  </button>
                  <button
                    type="button"
                    class="danger big"
                    ?disabled=${busy}
                    @click=${(e: Event) => rate(false, (e.currentTarget as HTMLElement).closest('form')!)}
                  >
                    ${w('unsatisfied')}
                  </button>
                </div>
              </form>`
            : nothing
        }
        <h3>${w('steps')}</h3>
        <ol class="plain steps" data-testid="steps">
          ${[...c.steps]
            .reverse()
            .map(
              (s) =>
                html`<li class="card">
                  <strong>${s.text}</strong> <span class="muted">${formatTime(s.at)}</span>
                </li>`,
            )}
        </ol>
        ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}`,
      el,
    );
  }
  draw();
  void load();
  const timer = setInterval(() => !document.hidden && void load(), 30_000);
  return () => clearInterval(timer);
}
