/**
 * 督办箱 (shift leaders level 1, leaders level 2+, administrators all): the open escalations, most
 * urgent first (the level's time to decide runs out soonest); claim / release; decide — 延期 with a new
 * deadline, 改派 to another unit, 催办, 责令处置, 作废 with a reason. New and changed items arrive by
 * polling GET /api/inbox/events with the cursor, without a reload.
 */
import { html, nothing, render } from 'lit-html';
import { api, describeError, type Item } from '../lib/api.ts';
import { formatTime, label, t, type MessageKey } from '../lib/i18n.ts';
import type { MountPage } from '../lib/pages.ts';
import { getDepartments, type Department } from '../lib/reference.ts';
import { cityInputToIso, isoToCityInput } from '../lib/time.ts';

type InboxItem = Item<'/api/inbox'>;

const DECISIONS = ['extend', 'reassign', 'urge', 'urgent', 'void'] as const;
type Decision = (typeof DECISIONS)[number];
const POLL_MS = 3000;

const byUrgency = (a: InboxItem, b: InboxItem) =>
  Date.parse(a.decisionDueAt) - Date.parse(b.decisionDueAt) ||
  Date.parse(a.deadline) - Date.parse(b.deadline);

export const mount: MountPage = (el, ctx) => {
  let items: InboxItem[] = [];
  let cursor = '';
  let error = '';
  let notice = '';
  let loading = true;
  let departments: Department[] = [];
  const choice = new Map<string, Decision>();
  const feedback = new Map<string, { kind: 'ok' | 'error'; text: string }>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  async function loadAll() {
    const res = await api('/api/inbox');
    items = res.items;
    cursor = res.cursor;
  }

  async function poll() {
    try {
      const res = await api('/api/inbox/events', { query: { since: cursor } });
      cursor = res.cursor;
      let added = 0;
      for (const item of res.items) {
        const i = items.findIndex((x) => x.id === item.id);
        const mine =
          item.status === 'open' && (ctx.user.roles.includes('administrator') || levelIsMine(item.level));
        if (i >= 0 && !mine) items.splice(i, 1);
        else if (i >= 0) items[i] = item;
        else if (mine) {
          items.push(item);
          added++;
        }
      }
      items.sort(byUrgency);
      if (added) notice = t('inbox.newItems');
      error = '';
    } catch (err) {
      error = describeError(err);
    }
    draw();
  }

  /** Who decides at a level, in the UI's language (the hub's levelLabel is Chinese): 值班长, then 领导. */
  const levelWho = (level: number) => label('role', level >= 2 ? 'leader' : 'shift_leader');

  // Shift leaders decide at level 1, leaders from level 2 (src/escalations).
  const levelIsMine = (level: number) =>
    (ctx.user.roles.includes('shift_leader') && level === 1) ||
    (ctx.user.roles.includes('leader') && level >= 2);

  async function act(item: InboxItem, path: 'claim' | 'release' | 'decide', body?: unknown) {
    try {
      const updated = await api(`/api/inbox/${encodeURIComponent(item.id)}/${path}`, {
        method: 'POST',
        body: (body ?? {}) as never,
      });
      if (updated.status === 'open') items = items.map((x) => (x.id === updated.id ? updated : x));
      else items = items.filter((x) => x.id !== updated.id);
      feedback.set(item.id, {
        kind: 'ok',
        text: updated.decision
          ? t('inbox.decided', { d: label('inbox.decision', updated.decision) })
          : t('common.done'),
      });
      if (updated.status !== 'open')
        notice = `${updated.case.caseNo}: ${t('inbox.decided', { d: label('inbox.decision', updated.decision) })}`;
    } catch (err) {
      feedback.set(item.id, { kind: 'error', text: describeError(err) });
    }
    draw();
  }

  function decide(item: InboxItem, e: Event) {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const decision = (form.get('decision') as Decision) ?? 'urge';
    const note = String(form.get('note') ?? '').trim();
    let body: Record<string, unknown>;
    switch (decision) {
      case 'extend':
        body = {
          decision,
          newDeadline: cityInputToIso(String(form.get('newDeadline'))),
          ...(note ? { note } : {}),
        };
        break;
      case 'reassign': {
        const dept = departments.find((d) => d.id === form.get('assigneeId'));
        body = {
          decision,
          assigneeType: dept?.kind === 'street_center' ? 'subcenter' : 'department',
          assigneeId: String(form.get('assigneeId')),
          ...(note ? { note } : {}),
        };
        break;
      }
      case 'void':
        body = { decision, voidReason: note };
        break;
      default:
        body = { decision, ...(note ? { note } : {}) };
    }
    void act(item, 'decide', body);
  }

  const minutes = (m: number) => Math.round(m);

  function card(item: InboxItem) {
    const decision = choice.get(item.id) ?? 'urge';
    const fb = feedback.get(item.id);
    const mine = item.claimedBy?.id === ctx.user.id;
    const fid = `d-${item.id}`;
    return html`<li class="card inbox-item" data-item=${item.case.caseNo}>
      <div>
        <a href="#/cases/${item.case.id}"><strong>${item.case.caseNo}</strong></a>
        <span class="badge">${label('inbox.stage', item.stage)}</span>
        <span class="badge">${t('inbox.level')} ${item.level} · ${levelWho(item.level)}</span>
        <span class="clock red">${t('inbox.overdue', { m: minutes(item.overdueWorkingMinutes) })}</span>
        <span class=${item.remainingWorkingMinutes < 0 ? 'error' : 'muted'}>
          ${
            item.remainingWorkingMinutes < 0
              ? t('inbox.decisionLate', { m: minutes(-item.remainingWorkingMinutes) })
              : t('inbox.remaining', { m: minutes(item.remainingWorkingMinutes) })
          }
        </span>
      </div>
      <div>
        ${item.case.categoryName ?? item.case.categoryCode} · ${item.case.description}
        ${item.case.address ? html`<span class="muted">· ${item.case.address}</span>` : nothing}
      </div>
      <div class="muted">
        ${item.assignee.name ?? item.assignee.id} · ${t('inbox.deadline')} ${formatTime(item.deadline)}
        ${item.claimedBy ? html` · ${t('inbox.claimedBy', { name: item.claimedBy.name ?? item.claimedBy.id })}` : nothing}
      </div>
      <div class="toolbar">
        ${
          item.claimedBy
            ? mine
              ? html`<button type="button" @click=${() => act(item, 'release')}>
                  ${t('inbox.release')}
                </button>`
              : nothing
            : html`<button type="button" @click=${() => act(item, 'claim')}>${t('inbox.claim')}</button>`
        }
      </div>
      ${
        item.claimedBy && !mine
          ? nothing
          : html`<form
              @submit=${(e: Event) => decide(item, e)}
              aria-label=${`${t('inbox.decide')} ${item.case.caseNo}`}
            >
              <label for="${fid}-decision"
                >${t('inbox.decide')}
                <select
                  id="${fid}-decision"
                  name="decision"
                  @change=${(e: Event) => {
                    choice.set(item.id, (e.target as HTMLSelectElement).value as Decision);
                    draw();
                  }}
                >
                  ${DECISIONS.map((d) => html`<option value=${d} ?selected=${d === decision}>${t(`inbox.decision.${d}` as MessageKey)}</option>`)}
                </select></label
              >
              ${
                decision === 'extend'
                  ? html`<label
                      >${t('inbox.newDeadline')}
                      <input
                        type="datetime-local"
                        name="newDeadline"
                        required
                        .value=${isoToCityInput(new Date(Date.now() + 24 * 3_600_000))}
                    /></label>`
                  : nothing
              }
              ${
                decision === 'reassign'
                  ? html`<label
                      >${t('inbox.assignee')}
                      <select name="assigneeId" required>
                        ${departments.filter((d) => d.active && d.id !== item.assignee.id).map((d) => html`<option value=${d.id}>${d.name}</option>`)}
                      </select></label
                    >`
                  : nothing
              }
              <label
                >${decision === 'void' ? t('common.reason') : t('common.note')}
                <input name="note" ?required=${decision === 'void'} maxlength="500"
              /></label>
              <button type="submit" class=${decision === 'void' ? 'danger' : 'primary'}>
                ${t(`inbox.decision.${decision}` as MessageKey)}
              </button>
            </form>`
      }
      ${fb ? html`<p class=${fb.kind} role=${fb.kind === 'error' ? 'alert' : 'status'}>${fb.text}</p>` : nothing}
    </li>`;
  }

  function draw() {
    render(
      html`<h1>${t('inbox.heading')}</h1>
        <p role="status" aria-live="polite" class="ok" data-testid="inbox-notice">${notice}</p>
        ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
        ${
          loading
            ? html`<p class="muted">${t('app.loading')}</p>`
            : items.length === 0
              ? html`<p class="muted">${t('inbox.empty')}</p>`
              : html`<ol class="timeline" data-testid="inbox" style="border:0">
                  ${items.map(card)}
                </ol>`
        }`,
      el,
    );
  }

  draw();
  void (async () => {
    try {
      departments = await getDepartments();
      await loadAll();
    } catch (err) {
      error = describeError(err);
    }
    loading = false;
    draw();
    const loop = () => {
      timer = setTimeout(async () => {
        if (stopped) return;
        if (!document.hidden) await poll();
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
