/**
 * Where a case handed to enforcement (移交执法) stands, read from its timeline: the step the officer takes
 * next in the `enforcement` procedure (processes/README.md). The 执法通 actions check it before they
 * record anything, so a message is only published when the procedure waits for it; the 执法通 list shows it.
 */
import type { CaseEvent } from '../db/index.ts';

/** The officer's next step; `finishing` = nothing left to do, the procedure records the outcome. */
export type EnforcementStage = 'inspect' | 'order' | 'reinspect' | 'penalty' | 'finishing';

export const ENFORCEMENT_STAGE_LABELS: Record<EnforcementStage, string> = {
  inspect: '待现场检查',
  order: '待责令整改',
  reinspect: '待复查',
  penalty: '待处罚决定',
  finishing: '办结中',
};

/** Events that start a new round at some unit (the enforcement round ends at any of them). */
const ROUND_STARTS = new Set([
  'dispatched',
  'redispatched',
  'reassigned',
  'check_failed',
  'returned',
  'reopened',
  'enforcement_handed',
]);

type Ev = Pick<CaseEvent, 'type' | 'data'>;
const dataOf = (e: Ev | undefined) => (e?.data ?? {}) as Record<string, unknown>;

/** The events of the running enforcement round (after the last 移交执法), or null when none runs. */
export function enforcementRound<E extends Ev>(events: readonly E[]): E[] | null {
  let start = -1;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.type === 'disposed' || e.type === 'closed' || e.type === 'voided') return null;
    if (ROUND_STARTS.has(e.type)) {
      start = e.type === 'enforcement_handed' ? i : -1;
      break;
    }
  }
  return start < 0 ? null : events.slice(start + 1);
}

/** The next step of the running enforcement round, or null when the case is not in enforcement. */
export function enforcementStage(events: readonly Ev[]): EnforcementStage | null {
  const round = enforcementRound(events);
  if (!round) return null;
  const last = (type: string) => round.filter((e) => e.type === type).at(-1);
  const inspected = last('enforcement_inspected');
  if (!inspected) return 'inspect';
  if (dataOf(inspected).violationFound === false) return 'finishing';
  if (!last('rectification_ordered')) return 'order';
  const reinspected = last('reinspected');
  if (!reinspected) return 'reinspect';
  if (dataOf(reinspected).result === 'corrected') return 'finishing';
  if (!last('penalty_decided')) return 'penalty';
  return 'finishing';
}

/** The outcome the procedure records when it finishes the round (hub.enforcement.finish). */
export function enforcementOutcome(
  events: readonly Ev[],
): { outcome: 'noViolation' | 'corrected' | 'penalty'; decisionNo: string | null } | null {
  const round = enforcementRound(events);
  if (!round || enforcementStage(events) !== 'finishing') return null;
  const last = (type: string) => round.filter((e) => e.type === type).at(-1);
  const penalty = last('penalty_decided');
  if (penalty) return { outcome: 'penalty', decisionNo: String(dataOf(penalty).decisionNo) };
  if (dataOf(last('reinspected')).result === 'corrected') return { outcome: 'corrected', decisionNo: null };
  return { outcome: 'noViolation', decisionNo: null };
}
