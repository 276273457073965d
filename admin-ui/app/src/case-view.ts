/**
 * One case as a phone shows it to whoever may open it (a department handler its unit's cases, a
 * supervisor its 核实/核查 tasks): what and where, the reporter's photos (tap to enlarge), the map of its
 * grid cell and point, the requests waiting for a decision, the timeline, and the message thread with
 * the command centre (GET/POST /api/cases/:id/messages, queued when offline).
 */
import { html, nothing, render, type TemplateResult } from 'lit-html';
import { api, blobUrl, describeError, type Item, type Success, type User } from '../../src/lib/api.ts';
import { clockBadge } from '../../src/lib/clock.ts';
import { actorOf } from '../../src/lib/actor.ts';
import { formatTime, label } from '../../src/lib/i18n.ts';
import { caseMap, getGridCells, type GridCell } from '../../src/lib/map.ts';
import { categoryNames } from '../../src/lib/reference.ts';
import { defineMessages } from './i18n.ts';
import { enqueue, listItems, onQueueChange, type QueueItem } from './queue.ts';
import { outcome, stateBadge } from './ui.ts';

/** GET /api/cases/{id}: the case with its timeline, attachments and the requests that wait. */
export type CaseDetail = Success<'/api/cases/{id}'>;
export type TimelineEvent = CaseDetail['timeline'][number];
export type CaseMessage = Item<'/api/cases/{id}/messages'>;

export const cw = defineMessages(
  {
    photos: '现场照片',
    noPhotos: '没有照片',
    map: '位置',
    timeline: '处理经过',
    thread: '与指挥中心沟通',
    threadEmpty: '还没有消息。',
    send: '发送',
    message: '消息内容',
    pendingExtension: '延期申请待审批',
    pendingReturn: '回退申请待审批',
    pendingSuspension: '挂账申请待审批',
    address: '地址',
    category: '类别',
    urgency: '紧急程度',
    reported: '上报时间',
    description: '描述',
    open: '查看详情',
    waitingLocal: '本机待发送：{what}',
    photoKind_report: '上报',
    photoKind_disposal: '处置',
    photoKind_check: '核查',
    photoKind_verify: '核实',
    photoKind_self_handled: '自处理',
  },
  {
    photos: 'Photos',
    noPhotos: 'No photos',
    map: 'Location',
    timeline: 'History',
    thread: 'Messages with the command centre',
    threadEmpty: 'No messages yet.',
    send: 'Send',
    message: 'Message',
    pendingExtension: 'Extension request awaiting decision',
    pendingReturn: 'Return request awaiting decision',
    pendingSuspension: 'Suspension request awaiting decision',
    address: 'Address',
    category: 'Category',
    urgency: 'Urgency',
    reported: 'Reported',
    description: 'Description',
    open: 'Details',
    waitingLocal: 'Waiting on this phone: {what}',
    photoKind_report: 'report',
    photoKind_disposal: 'disposal',
    photoKind_check: 'check',
    photoKind_verify: 'verify',
    photoKind_self_handled: 'self-handled',
  },
);

export type RequestKind = CaseDetail['pendingRequests'][number]['kind'];

/** The requests (延期/回退/挂账) waiting for a decision, as the hub tells them (`pendingRequests`). */
export const pendingRequests = (c: Pick<CaseDetail, 'pendingRequests'>): RequestKind[] =>
  c.pendingRequests.map((r) => r.kind);

export const pendingLabel = (k: RequestKind) =>
  cw(k === 'extension' ? 'pendingExtension' : k === 'return' ? 'pendingReturn' : 'pendingSuspension');

/** The items of this phone's queue for a case that are not sent yet. */
export async function localPending(caseId: string): Promise<QueueItem[]> {
  return (await listItems()).filter(
    (i) =>
      (i.state === 'pending' || i.state === 'sending') && i.request.path.includes(`/api/cases/${caseId}/`),
  );
}

let cats: Promise<Map<string, string>> | undefined;
export const categoryName = async (kind: string, code: string) =>
  (await (cats ??= categoryNames().catch(() => new Map<string, string>()))).get(`${kind}:${code}`) ?? code;

/**
 * Mounts the case view into `el`; `actions` renders the module's own buttons and forms (drawn under the
 * summary). Returns the clean-up and a reload.
 */
export function mountCaseView(
  el: HTMLElement,
  opts: {
    caseId: string;
    user: User;
    back: TemplateResult;
    actions?: (c: CaseDetail, reload: () => Promise<void>) => TemplateResult | typeof nothing;
    notify: (text: string, kind?: 'ok' | 'error' | 'info') => void;
  },
): { stop: () => void; reload: () => Promise<void>; redraw: () => void } {
  let c: CaseDetail | null = null;
  let error = '';
  let category = '';
  let cells: GridCell[] = [];
  let photos: { id: string; url: string; kind: string }[] = [];
  let big: string | null = null;
  let messages: CaseMessage[] = [];
  let local: QueueItem[] = [];
  let stopped = false;

  async function load() {
    try {
      c = await api(`/api/cases/${encodeURIComponent(opts.caseId)}`);
      category = await categoryName(
        c.categoryKind,
        c.categoryKind === 'event' ? c.categoryCode : c.categoryCode,
      );
      error = '';
      draw();
      cells = await getGridCells().catch(() => []);
      if (photos.length !== c.attachments.length) {
        for (const p of photos) URL.revokeObjectURL(p.url);
        photos = await Promise.all(
          c.attachments.map(async (a) => ({
            id: a.id,
            kind: a.kind,
            url: await blobUrl(`/api/cases/${c!.id}/attachments/${a.id}`).catch(() => ''),
          })),
        );
      }
      messages = (await api(`/api/cases/${c.id}/messages`)).items;
    } catch (err) {
      error = describeError(err);
    }
    local = await localPending(opts.caseId);
    if (!stopped) draw();
  }

  async function sendMessage(e: SubmitEvent) {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const body = String(new FormData(form).get('body') ?? '').trim();
    if (!body || !c) return;
    const item = await enqueue({
      module: 'case',
      title: `${c.caseNo} · ${cw('thread')}`,
      request: { method: 'POST', path: `/api/cases/${c.id}/messages`, body: { body } },
    });
    const o = outcome(item);
    opts.notify(o.text, o.kind);
    if (item.state !== 'failed') form.reset();
    await load();
  }

  function draw() {
    if (!c) {
      render(
        html`${opts.back}${error ? html`<p class="error" role="alert">${error}</p>` : html`<p class="muted">…</p>`}`,
        el,
      );
      return;
    }
    const pend = pendingRequests(c);
    render(
      html`${opts.back}
        <article class="card" data-testid="case-view" data-case=${c.caseNo}>
          <h2 class="row">
            ${c.caseNo}
            <span class="badge" data-testid="status">${label('status', c.status)}</span>
            ${clockBadge(c.clock)}
          </h2>
          ${pend.map((k) => html`<p class="pending-note" data-testid="pending-request">${pendingLabel(k)}</p>`)}
          ${local.map(
            (i) =>
              html`<p class="pending-note">
                ${stateBadge(i.state)} ${cw('waitingLocal', { what: i.title })}
              </p>`,
          )}
          <dl class="kv">
            <dt>${cw('category')}</dt>
            <dd>${category}</dd>
            <dt>${cw('urgency')}</dt>
            <dd>${label('urgency', c.urgency)}</dd>
            <dt>${cw('address')}</dt>
            <dd>${c.address ?? '—'}</dd>
            <dt>${cw('reported')}</dt>
            <dd data-testid="reported">${formatTime(c.reportedAt)} · ${label('source', c.source)}</dd>
          </dl>
          <p>${c.description}</p>
          ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
        </article>
        ${opts.actions ? opts.actions(c, load) : nothing}
        <h3>${cw('photos')}</h3>
        ${
          photos.length === 0
            ? html`<p class="muted">${cw('noPhotos')}</p>`
            : html`<ul class="thumbs" data-testid="case-photos">
                ${photos.map(
                  (p, i) =>
                    html`<li>
                      <button type="button" class="thumb" @click=${() => ((big = p.url), draw())}>
                        <img src=${p.url} alt="${cw('photos')} ${i + 1} (${photoKind(p.kind)})" />
                      </button>
                    </li>`,
                )}
              </ul>`
        }
        ${
          big
            ? html`<div class="lightbox" role="dialog" aria-modal="true" aria-label=${cw('photos')}>
                <img src=${big} alt="" />
                <button type="button" class="primary big" @click=${() => ((big = null), draw())}>×</button>
              </div>`
            : nothing
        }
        <h3>${cw('map')}</h3>
        <div class="card">${caseMap(cells, c)}</div>
        <h3>${cw('thread')}</h3>
        ${html`<ul class="thread" data-testid="thread">
            ${messages.length === 0 ? html`<li class="muted">${cw('threadEmpty')}</li>` : nothing}
            ${messages.map(
              (m) =>
                html`<li class=${m.authorUserId === opts.user.id ? 'mine' : ''}>
                  <p class="muted">${m.authorName}${m.unit ? ` · ${m.unit}` : ''} · ${formatTime(m.at)}</p>
                  <p>${m.body}</p>
                </li>`,
            )}
          </ul>
          <form @submit=${sendMessage}>
            <label
              >${cw('message')} <textarea name="body" rows="2" maxlength="2000" required></textarea>
            </label>
            <button type="submit" class="primary big">${cw('send')}</button>
          </form>`}
        <h3>${cw('timeline')}</h3>
        <ol class="plain" data-testid="timeline">
          ${[...c.timeline].reverse().map(
            (e) =>
              html`<li class="card">
                <p><strong>${label('event', e.type)}</strong> · ${formatTime(e.at)}</p>
                <p class="muted" data-testid="actor">${actorOf(e.actorName)}</p>
                ${e.note ? html`<p>${e.note}</p>` : nothing}
              </li>`,
          )}
        </ol>`,
      el,
    );
  }

  const off = onQueueChange(() => void localPending(opts.caseId).then((l) => ((local = l), draw())));
  draw();
  void load();
  return {
    stop: () => {
      stopped = true;
      off();
      for (const p of photos) URL.revokeObjectURL(p.url);
    },
    reload: load,
    redraw: draw,
  };
}

function photoKind(kind: string): string {
  const key = `photoKind_${kind}` as Parameters<typeof cw>[0];
  try {
    return cw(key);
  } catch {
    return kind;
  }
}
