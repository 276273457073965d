/**
 * A case's timeline in the reader's words, shared by the case page and the desk: each event by its
 * label (never the stored type), who acted by name (the workers and adapters as 系统 / the source's
 * name, never an account id), what the event carried (the unit, the 核实 result, the new deadline, the
 * 回访 answer, a corrected category), and a status change drawn apart from an event that changes none.
 * A merge links to the case it was merged into.
 */
import { html, nothing } from 'lit-html';
import { actorOf } from '../lib/actor.ts';
import { formatTime, label, t, type MessageKey } from '../lib/i18n.ts';

export interface TimelineEntry {
  id: string;
  at: string;
  type: string;
  actorName: string | null;
  fromStatus: string | null;
  toStatus: string | null;
  departmentId: string | null;
  note: string | null;
  data?: unknown;
}

const STEP: Record<string, MessageKey> = {
  verify: 'step.verify',
  sign: 'step.sign',
  dispose: 'step.dispose',
  check: 'step.check',
  callback: 'step.callback',
};

/** The one line an event's data adds, in words. */
function detailOf(e: TimelineEntry, deptName: (id: string | null) => string) {
  const d = (e.data ?? {}) as Record<string, unknown>;
  const parts: unknown[] = [];
  if (e.type === 'merged' && typeof d.mergedInto === 'string')
    parts.push(
      html`${t('desk.mergedInto')}
        <a href=${`#/cases/${encodeURIComponent(d.mergedInto)}`} data-testid="merged-link"
          >${typeof d.mergedIntoNo === 'string' ? d.mergedIntoNo : t('desk.thatCase')}</a
        >`,
    );
  if (['dispatched', 'redispatched', 'reassigned', 'check_failed'].includes(e.type) && e.departmentId)
    parts.push(t('tl.to', { unit: deptName(e.departmentId) }));
  if (typeof d.satisfaction === 'string') parts.push(label('sat', d.satisfaction));
  if (typeof d.newDeadline === 'string') parts.push(t('tl.newDeadline', { at: formatTime(d.newDeadline) }));
  if (typeof d.requestedDeadline === 'string')
    parts.push(t('tl.requestedDeadline', { at: formatTime(d.requestedDeadline) }));
  if (e.type === 'deadline_set' && typeof d.dueAt === 'string')
    parts.push(
      t('tl.deadline', {
        step: typeof d.step === 'string' && STEP[d.step] ? t(STEP[d.step]!) : '',
        at: formatTime(d.dueAt),
      }),
    );
  const corrected = d.corrected as Record<string, { from: string; to: string }> | undefined;
  if (corrected?.urgency)
    parts.push(
      t('tl.corrected', {
        what: t('desk.urgency'),
        from: label('urgency', corrected.urgency.from),
        to: label('urgency', corrected.urgency.to),
      }),
    );
  if (corrected?.categoryCode)
    parts.push(
      t('tl.corrected', {
        what: t('desk.category'),
        from: corrected.categoryCode.from,
        to: corrected.categoryCode.to,
      }),
    );
  return parts.length ? html`<br />${parts.map((p, i) => html`${i ? ' · ' : ''}${p}`)}` : nothing;
}

export function timelineList(events: readonly TimelineEntry[], deptName: (id: string | null) => string) {
  return html`<ol class="timeline" data-testid="timeline">
    ${events.map((e) => {
      const changes = e.toStatus !== null && e.fromStatus !== e.toStatus;
      // The new status only where the event's word does not already say it: 上报 → 上报 said it twice.
      const news = changes && e.type !== e.toStatus && label('event', e.type) !== label('status', e.toStatus);
      return html`<li class=${changes ? 'tl-status' : 'tl-event'} data-type=${e.type}>
        <strong>${label('event', e.type)}</strong>
        ${news ? html`<span class="badge status-change">→ ${label('status', e.toStatus)}</span>` : nothing}
        <br /><span class="muted"
          >${formatTime(e.at)} · ${actorOf(e.actorName)}
          ${
            e.departmentId && !['dispatched', 'redispatched', 'reassigned'].includes(e.type)
              ? `· ${deptName(e.departmentId)}`
              : ''
          }</span
        >
        ${detailOf(e, deptName)} ${e.note && e.type !== 'merged' ? html`<br />${e.note}` : nothing}
      </li>`;
    })}
  </ol>`;
}
