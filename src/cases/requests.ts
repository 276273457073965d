/**
 * The department's requests (延期 / 回退 / 挂账 申请) and when they are pending: asked and neither decided
 * nor cancelled by the end of the disposal round they were made in. The decide actions check it, and the
 * case view shows it (`pendingRequests`), so no client re-derives it from the timeline.
 */
import type { CaseEvent } from '../db/index.ts';
import type { CaseEventType } from './lifecycle.ts';

/**
 * Timeline events that end or restart the 承办处置 sub-process, cancelling its running request
 * sub-processes (延期/回退/挂账 申请): a request made before one of them is no longer pending.
 */
export const ROUND_ENDS: readonly CaseEventType[] = [
  'dispatched',
  'redispatched',
  'reassigned',
  'returned',
  'suspended',
  'extension_approved',
  'disposed',
  'check_failed',
  'resumed',
  'voided',
];

export const REQUESTS = {
  extension: { requested: 'extension_requested', rejected: 'extension_rejected', label: '延期' },
  return: { requested: 'return_requested', rejected: 'return_rejected', label: '回退' },
  suspension: { requested: 'suspension_requested', rejected: 'suspension_rejected', label: '挂账' },
} as const;
export type RequestKind = keyof typeof REQUESTS;

/** The pending request of a kind (the last one, not decided and not cancelled by a round end), if any. */
export function pendingRequest(events: CaseEvent[], kind: RequestKind): CaseEvent | undefined {
  const { requested, rejected } = REQUESTS[kind];
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.type === requested) return e;
    if (e.type === rejected || (ROUND_ENDS as readonly string[]).includes(e.type)) return undefined;
  }
  return undefined;
}

/** Every request of the case waiting for a decision, oldest kind first as REQUESTS lists them. */
export function pendingRequests(events: CaseEvent[]) {
  return (Object.keys(REQUESTS) as RequestKind[]).flatMap((kind) => {
    const event = pendingRequest(events, kind);
    return event
      ? [{ kind, label: REQUESTS[kind].label, eventId: event.id, at: event.at.toISOString() }]
      : [];
  });
}
