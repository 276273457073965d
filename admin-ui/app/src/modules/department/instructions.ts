/**
 * 领导批示 in 处置通: the 批示 a leader sent to the handler's unit (GET /api/instructions, the unit's own),
 * each with its case and a 确认已阅 form (an optional line on what the unit does about it), queued to
 * POST /api/instructions/:id/acknowledge like every write. An acknowledgement waiting on this phone shows
 * as such so the button is not offered twice.
 */
import { html, nothing, type TemplateResult } from 'lit-html';
import { formatTime } from '../../../../src/lib/i18n.ts';
import { getWithCache } from '../../fetch.ts';
import { defineMessages } from '../../i18n.ts';
import { enqueue, listItems, type QueueItem } from '../../queue.ts';
import { outcome, stateBadge } from '../../ui.ts';

const m = defineMessages(
  {
    heading: '领导批示',
    waiting: '待阅',
    acked: '已阅',
    note: '落实情况（可不填）',
    ack: '确认已阅',
    title: '批示已阅',
    openCase: '查看案卷',
  },
  {
    heading: 'Leaders’ instructions',
    waiting: 'Not yet read',
    acked: 'Acknowledged',
    note: 'What the unit does (optional)',
    ack: 'Acknowledge',
    title: 'Instruction read',
    openCase: 'Open the case',
  },
);

export interface Instruction {
  id: string;
  caseId: string;
  caseNo: string;
  text: string;
  authorName: string;
  createdAt: string;
  acknowledgedAt: string | null;
  acknowledgedByName: string | null;
  acknowledgeNote: string | null;
}

const ackPath = (id: string) => `/api/instructions/${encodeURIComponent(id)}/acknowledge`;

/** The unit's 批示 (`pending` ones, or all of one case) and this phone's unsent acknowledgements. */
export async function loadInstructions(
  query: { caseId: string } | 'pending',
): Promise<{ items: Instruction[]; local: QueueItem[] }> {
  const qs =
    query === 'pending' ? { status: 'pending' as const } : { status: 'all' as const, caseId: query.caseId };
  const items = (await getWithCache('/api/instructions', qs)).data.items;
  const local = (await listItems()).filter(
    (i) => i.state !== 'sent' && i.request.path.startsWith('/api/instructions/'),
  );
  return { items, local };
}

/** Queues the acknowledgement; `done` reloads the screen. */
async function acknowledge(
  i: Instruction,
  e: SubmitEvent,
  notify: (text: string, kind?: 'ok' | 'error' | 'info') => void,
  done: () => void,
) {
  e.preventDefault();
  const note = String(new FormData(e.currentTarget as HTMLFormElement).get('note') ?? '').trim();
  const item = await enqueue({
    module: 'department',
    title: `${i.caseNo} · ${m('title')}`,
    request: { method: 'POST', path: ackPath(i.id), body: note ? { note } : {} },
  });
  const o = outcome(item);
  notify(o.text, o.kind);
  done();
}

/** The 批示 cards; `withCaseLink` adds a link to the case (the list screen). */
export function instructionList(
  items: Instruction[],
  local: QueueItem[],
  opts: {
    notify: (text: string, kind?: 'ok' | 'error' | 'info') => void;
    done: () => void;
    withCaseLink?: boolean;
  },
): TemplateResult | typeof nothing {
  if (items.length === 0) return nothing;
  const card = (i: Instruction) => {
    // A refused acknowledgement (e.g. another handler was first) offers the form again after a reload.
    const queued = local.find((q) => q.request.path === ackPath(i.id) && q.state !== 'failed');
    return html`<li class="card instruction" data-instruction=${i.caseNo}>
      <p class="row">
        <strong>${i.authorName}</strong>
        <span class="badge ${i.acknowledgedAt ? 'green' : 'red'}" data-testid="instruction-state"
          >${i.acknowledgedAt ? m('acked') : m('waiting')}</span
        >
      </p>
      <p class="instruction-text">${i.text}</p>
      <p class="muted">${i.caseNo} · ${formatTime(i.createdAt)}</p>
      ${opts.withCaseLink ? html`<a class="button" href="#/department/case/${i.caseId}">${m('openCase')}</a>` : nothing}
      ${
        i.acknowledgedAt
          ? html`<p>
              ${i.acknowledgedByName} ·
              ${formatTime(i.acknowledgedAt)}${i.acknowledgeNote ? html`：${i.acknowledgeNote}` : nothing}
            </p>`
          : queued
            ? html`<p class="pending-note">${stateBadge(queued.state)} ${m('title')}</p>`
            : html`<form
                class="stack"
                @submit=${(e: SubmitEvent) => acknowledge(i, e, opts.notify, opts.done)}
              >
                <label>${m('note')} <textarea name="note" rows="2" maxlength="2000"></textarea></label>
                <button type="submit" class="primary big">${m('ack')}</button>
              </form>`
      }
    </li>`;
  };
  const waiting = items.filter((i) => !i.acknowledgedAt).length;
  return html`<section data-testid="instructions">
    <h2>
      ${m('heading')}${waiting ? html` <span class="badge red">${m('waiting')} ${waiting}</span>` : nothing}
    </h2>
    <ul class="plain">
      ${items.map(card)}
    </ul>
  </section>`;
}
