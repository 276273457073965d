/**
 * 处置通 (department handlers), moved into the app from the admin UI's phone page: the unit's dispatched
 * and signed cases with their time left, 签收, 处置反馈 with photos, and the requests 申请延期 / 申请回退 /
 * 申请挂账 — a request waiting for a decision is shown as such instead of offering the button again. A
 * case opens in the case view (site, reporter's photos, map, message thread). Every action goes through
 * the offline queue (src/queue.ts) with an idempotency key.
 */
import { html, nothing, render } from 'lit-html';
import { api, describeError } from '../../../../src/lib/api.ts';
import { clockBadge } from '../../../../src/lib/clock.ts';
import { formatTime, label } from '../../../../src/lib/i18n.ts';
import { cityInputToIso, isoToCityInput } from '../../../../src/lib/time.ts';
import {
  categoryName,
  localPending,
  mountCaseView,
  pendingLabel,
  pendingRequests,
  type CaseDetail,
  type RequestKind,
} from '../../case-view.ts';
import { defineMessages } from '../../i18n.ts';
import type { MountModule } from '../../modules.ts';
import { enqueue, onQueueChange, type QueueItem } from '../../queue.ts';
import { backLink, outcome, PhotoList, stateBadge } from '../../ui.ts';
import { getWithCache } from '../../fetch.ts';
import { instructionList, loadInstructions, type Instruction } from './instructions.ts';

const m = defineMessages(
  {
    heading: '本部门待办案卷',
    empty: '本部门暂无待处理案卷',
    noDepartment: '您的账号未关联部门，请联系管理员。',
    sign: '签收',
    dispose: '处置反馈',
    extension: '申请延期',
    return: '申请回退',
    suspension: '申请挂账',
    photos: '处置照片',
    note: '处置说明',
    reason: '理由',
    deadline: '申请延至',
    submit: '提交',
    open: '详情',
    cached: '离线：显示的是上次保存的列表',
    needPhoto: '请至少拍一张处置照片',
    titleSign: '签收',
    titleDispose: '处置反馈',
    titleRequest: '申请',
    hasInstruction: '有领导批示待阅',
  },
  {
    heading: 'My unit’s open cases',
    empty: 'No open cases for your unit',
    noDepartment: 'Your account has no unit; ask an administrator.',
    sign: 'Sign for',
    dispose: 'Report disposal',
    extension: 'Ask for extension',
    return: 'Ask to return',
    suspension: 'Ask to suspend',
    photos: 'Disposal photos',
    note: 'What was done',
    reason: 'Reason',
    deadline: 'Extend until',
    submit: 'Submit',
    open: 'Details',
    cached: 'Offline: showing the list saved last time',
    needPhoto: 'Take at least one photo of the result',
    titleSign: 'Sign',
    titleDispose: 'Disposal',
    titleRequest: 'Request',
    hasInstruction: 'A leader’s instruction awaits acknowledgement',
  },
);

type Form = 'dispose' | RequestKind | null;
const POLL_MS = 15_000;

interface Listed {
  id: string;
  caseNo: string;
  status: string;
  categoryKind: string;
  categoryCode: string;
  urgency: string;
  description: string;
  address: string | null;
  reportedAt: string;
  clock: CaseDetail['clock'];
}

export const mount: MountModule = (el, ctx) => {
  const user = ctx.user!;
  const [sub, caseId] = ctx.path;
  let form: Form = null;
  const photos = new PhotoList(() => redraw());
  let redraw = () => {};

  /** Queues an action on a case; tells the user how it went. */
  async function act(
    c: { id: string; caseNo: string },
    action: string,
    what: string,
    body: Record<string, unknown>,
    withPhotos = false,
  ) {
    const item = await enqueue({
      module: 'department',
      title: `${c.caseNo} · ${what}`,
      request: {
        method: 'POST',
        path: `/api/cases/${encodeURIComponent(c.id)}/actions/${action}`,
        body,
        ...(withPhotos ? { files: photos.files() } : {}),
      },
    });
    const o = outcome(item);
    ctx.notify(o.text, o.kind);
    if (item.state !== 'failed') {
      form = null;
      if (withPhotos) photos.clear();
    }
    return item;
  }

  function actionForms(c: CaseDetail | Listed, pend: RequestKind[], local: QueueItem[], done: () => void) {
    const waiting = local.length > 0;
    const submit = (kind: Form) => async (e: SubmitEvent) => {
      e.preventDefault();
      const f = new FormData(e.currentTarget as HTMLFormElement);
      const reason = String(f.get('reason') ?? '').trim();
      if (kind === 'dispose') {
        if (photos.photos.length === 0) {
          photos.error = m('needPhoto');
          return redraw();
        }
        await act(c, 'dispose', m('titleDispose'), { note: String(f.get('note') ?? '').trim() }, true);
      } else if (kind === 'extension') {
        const requestedDeadline = cityInputToIso(String(f.get('requestedDeadline')));
        await act(c, 'request-extension', m('extension'), { reason, requestedDeadline });
      } else if (kind === 'return') await act(c, 'request-return', m('return'), { reason });
      else if (kind === 'suspension') await act(c, 'request-suspension', m('suspension'), { reason });
      done();
    };
    const toggle = (k: Form) => () => {
      form = form === k ? null : k;
      redraw();
    };
    const reasonField = html`<label
      >${m('reason')} <textarea name="reason" required maxlength="1000" rows="2"></textarea>
    </label>`;
    const requests: RequestKind[] = ['extension', 'return', 'suspension'];
    return html`<div class="stack" data-testid="actions">
      ${
        c.status === 'dispatched'
          ? html`<button
              type="button"
              class="primary big"
              ?disabled=${waiting}
              @click=${async () => {
                await act(c, 'sign', m('titleSign'), {});
                done();
              }}
            >
              ${m('sign')}
            </button>`
          : c.status === 'signed'
            ? html`<button
                type="button"
                class="primary big"
                ?disabled=${waiting}
                aria-expanded=${form === 'dispose'}
                @click=${toggle('dispose')}
              >
                ${m('dispose')}
              </button>`
            : nothing
      }
      ${
        form === 'dispose'
          ? html`<form class="card" @submit=${submit('dispose')}>
              ${photos.field(m('photos'), 'photos', true)}
              <label>${m('note')} <textarea name="note" required maxlength="4000" rows="3"></textarea></label>
              <button type="submit" class="primary big">${m('submit')}</button>
            </form>`
          : nothing
      }
      <div class="toolbar">
        ${requests.map((k) =>
          pend.includes(k)
            ? html`<span class="pending-note" data-testid="pending-request">${pendingLabel(k)}</span>`
            : html`<button type="button" ?disabled=${waiting} aria-expanded=${form === k} @click=${toggle(k)}>
                ${m(k)}
              </button>`,
        )}
      </div>
      ${
        form && form !== 'dispose'
          ? html`<form class="card" @submit=${submit(form)}>
              ${
                form === 'extension'
                  ? html`<label
                      >${m('deadline')}
                      <input
                        type="datetime-local"
                        name="requestedDeadline"
                        required
                        .value=${isoToCityInput(new Date(Date.now() + 2 * 86_400_000))}
                    /></label>`
                  : nothing
              }
              ${reasonField}
              <button type="submit" class="primary big">${m('submit')}</button>
            </form>`
          : nothing
      }
    </div>`;
  }

  // One case: the case view with the actions above the photos.
  if (sub === 'case' && caseId) {
    let local: QueueItem[] = [];
    let orders: Awaited<ReturnType<typeof loadInstructions>> = { items: [], local: [] };
    const view = mountCaseView(el, {
      caseId,
      user,
      back: backLink('#/department'),
      notify: ctx.notify,
      actions: (c, reload) =>
        html`${instructionList(orders.items, orders.local, {
          notify: ctx.notify,
          done: () => (refresh(), void reload()),
        })}
        ${actionForms(c, pendingRequests(c), local, () => void reload())}`,
    });
    redraw = view.redraw;
    const refresh = () =>
      void Promise.all([
        localPending(caseId).then((l) => (local = l)),
        loadInstructions({ caseId })
          .then((o) => (orders = o))
          .catch(() => undefined),
      ]).then(() => view.redraw());
    const off = onQueueChange(refresh);
    refresh();
    return () => {
      off();
      view.stop();
    };
  }

  // The list.
  let items: (Listed & { category: string; pend: RequestKind[]; local: QueueItem[] })[] = [];
  let orders: { items: Instruction[]; local: QueueItem[] } = { items: [], local: [] };
  let error = '';
  let fromCache = false;
  let loading = true;
  let openId: string | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  async function load() {
    try {
      let cached = false;
      const lists = await Promise.all(
        (['dispatched', 'signed'] as const).map(async (status) => {
          const res = await getWithCache('/api/cases', { status, limit: '200' });
          cached ||= res.cached;
          return res.data.items;
        }),
      );
      const rows = lists.flat().sort((a, b) => Date.parse(a.reportedAt) - Date.parse(b.reportedAt));
      // Each case's detail tells which requests wait for a decision (a unit has few open cases).
      items = await Promise.all(
        rows.map(async (r) => {
          const detail = await api(`/api/cases/${r.id}`).catch(() => null);
          return {
            ...r,
            category: await categoryName(r.categoryKind, r.categoryCode),
            pend: detail ? pendingRequests(detail) : [],
            local: await localPending(r.id),
          };
        }),
      );
      orders = await loadInstructions('pending');
      fromCache = cached;
      error = '';
    } catch (err) {
      error = describeError(err);
    }
    loading = false;
    draw();
  }

  function card(c: (typeof items)[number]) {
    const open = openId === c.id;
    return html`<li class="card" data-case=${c.caseNo}>
      <p class="row">
        <a href="#/department/case/${c.id}"><strong>${c.caseNo}</strong></a>
        <span class="badge" data-testid="status">${label('status', c.status)}</span> ${clockBadge(c.clock)}
      </p>
      <p>${c.category} · ${label('urgency', c.urgency)}</p>
      <p>${c.description}</p>
      <p class="muted">${c.address ?? ''} · ${formatTime(c.reportedAt)}</p>
      ${
        orders.items.some((i) => i.caseId === c.id)
          ? html`<p class="pending-note" data-testid="has-instruction">${m('hasInstruction')}</p>`
          : nothing
      }
      ${c.local.map((i) => html`<p class="pending-note">${stateBadge(i.state)} ${i.title}</p>`)}
      ${
        open
          ? actionForms(c, c.pend, c.local, () => void load())
          : html`<div class="toolbar">
                <button
                  type="button"
                  class="primary"
                  @click=${() => ((openId = c.id), (form = null), draw())}
                >
                  ${c.status === 'dispatched' ? m('sign') : m('dispose')}
                </button>
                <a class="button" href="#/department/case/${c.id}">${m('open')}</a>
              </div>
              ${c.pend.map((k) => html`<p class="pending-note" data-testid="pending-request">${pendingLabel(k)}</p>`)}`
      }
    </li>`;
  }

  function draw() {
    render(
      html`<h2>${m('heading')}</h2>
        ${user.departmentId ? nothing : html`<p class="error" role="alert">${m('noDepartment')}</p>`}
        ${fromCache ? html`<p class="muted" role="status">${m('cached')}</p>` : nothing}
        ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
        ${instructionList(orders.items, orders.local, {
          notify: ctx.notify,
          done: () => void load(),
          withCaseLink: true,
        })}
        ${
          loading
            ? html`<p class="muted">…</p>`
            : items.length === 0
              ? html`<p class="muted">${m('empty')}</p>`
              : html`<ul class="plain" data-testid="department-cases">
                  ${items.map(card)}
                </ul>`
        }`,
      el,
    );
  }
  redraw = draw;

  draw();
  void load();
  const off = onQueueChange(() => {
    if (!stopped) void load();
  });
  const loop = () => {
    timer = setTimeout(async () => {
      if (stopped) return;
      if (!document.hidden) await load();
      if (!stopped) loop();
    }, POLL_MS);
  };
  loop();
  return () => {
    stopped = true;
    off();
    clearTimeout(timer);
  };
};
