/**
 * Replays one case's timeline (CaseEvent rows before `asOf`) into the facts the assessment counts:
 * dispatch rounds (who held the case, from when to when, under which deadline, paused how long),
 * disposal, 结案, 作废, 挂账, 返工, 延期, 回退/改派. Pure: the same rows give the same story.
 *
 * A dispatch round starts with `dispatched`, `redispatched`, `reassigned` or `check_failed` (返工: the
 * same department again) and ends with the next of those, `returned` (回退), `reopened` (the hotline
 * caller was 不满意 after 结案: the round's disposal is rejected, 返工 of its unit) or never. Its deadline is
 * the last `deadline_set` with step `dispose` inside the round (延期, 挂账恢复 and 督办 extensions make
 * the deadlines worker record a new one); a round without one falls back to the case row's
 * disposeDeadline if it is the current round, else it has no limit.
 */
import type { WorkCalendar } from '../calendar/index.ts';

/** The case columns the assessment reads. */
export interface AssessmentCase {
  id: string;
  source: string;
  gridCode: string | null;
  reporterUserId: string | null;
  /** the case row's current deadlines, used when the timeline has no deadline_set for a step */
  deadlines: Partial<Record<string, Date | null>>;
  /** `<kind>:<code>` and urgency: the desk steps' limits (受理, 立案, 派遣) come from their CategoryLimit rows */
  category?: string;
  urgency?: string;
}

/** The CaseEvent columns the assessment reads. */
export interface AssessmentEvent {
  caseId: string;
  /** epoch milliseconds (a number, not a Date: a month has hundreds of thousands of events) */
  at: number;
  type: string;
  actorUserId: string | null;
  departmentId: string | null;
  data: unknown;
}

export interface Round {
  dept: string | null;
  start: number;
  end: number | null;
  endType: string | null;
  deadline: number | null;
  disposedAt: number | null;
  pauses: [number, number][];
  extended: boolean;
  failedChecks: number;
  /** the caller was 不满意 with this round's disposal and the closed case was reopened (返工) */
  reopened: boolean;
}

export interface CaseStory {
  case: AssessmentCase;
  events: AssessmentEvent[];
  registeredAt: number | null;
  selfHandledAt: number | null;
  voidedAt: number | null;
  closedAt: number | null;
  /** suspended (挂账) at asOf */
  suspendedNow: boolean;
  rounds: Round[];
  /** the round running at asOf; null before the first dispatch and after a 回退 */
  current: Round | null;
  /** any 回退 or 改派: the case was not dispatched accurately */
  misdispatched: boolean;
  /** first `dispatched` event */
  firstDispatch: AssessmentEvent | null;
  /** status just before each event (same index as events) */
  statusBefore: (string | null)[];
  /** deadline_set history: step → [at, dueAt][] */
  deadlineHistory: Map<string, [number, number][]>;
}

const ROUND_STARTS = new Set([
  'dispatched',
  'redispatched',
  'reassigned',
  'check_failed',
  'enforcement_handed',
]);

/** Status each event leaves the case in, leniently (stored history is not re-validated here). */
const STATUS_AFTER: Record<string, string> = {
  reported: 'reported',
  accepted: 'accepted',
  merged: 'voided',
  verify_requested: 'verifying',
  verified: 'accepted',
  registered: 'registered',
  voided: 'voided',
  self_handled: 'disposed',
  dispatched: 'dispatched',
  redispatched: 'dispatched',
  reassigned: 'dispatched',
  enforcement_handed: 'signed',
  returned: 'registered',
  signed: 'signed',
  suspended: 'suspended',
  disposed: 'disposed',
  check_requested: 'checking',
  check_failed: 'dispatched',
  closed: 'closed',
  reopened: 'registered',
};

const dueAtOf = (data: unknown): { step: string; dueAt: number } | null => {
  const d = data as { step?: unknown; dueAt?: unknown } | null;
  if (!d || typeof d.step !== 'string' || typeof d.dueAt !== 'string') return null;
  const t = Date.parse(d.dueAt);
  return Number.isNaN(t) ? null : { step: d.step, dueAt: t };
};

/** Replays `events` (any order; only those before asOf count) of one case. */
export function replayCase(c: AssessmentCase, events: AssessmentEvent[], asOf: number): CaseStory {
  // The loader returns timelines in time order; sort (stably) only what is not.
  let sorted = events.filter((e) => e.at < asOf);
  if (sorted.some((e, i) => i > 0 && e.at < sorted[i - 1]!.at)) {
    sorted = sorted
      .map((e, i) => ({ e, i }))
      .sort((a, b) => a.e.at - b.e.at || a.i - b.i)
      .map(({ e }) => e);
  }
  const story: CaseStory = {
    case: c,
    events: sorted,
    registeredAt: null,
    selfHandledAt: null,
    voidedAt: null,
    closedAt: null,
    suspendedNow: false,
    rounds: [],
    current: null,
    misdispatched: false,
    firstDispatch: null,
    statusBefore: [],
    deadlineHistory: new Map(),
  };
  let status: string | null = null;
  let suspendedFrom: string | null = null;
  let pauseStart: number | null = null;
  let lastDept: string | null = null;

  const closeRound = (at: number, type: string) => {
    if (!story.current) return;
    story.current.end = at;
    story.current.endType = type;
    story.current = null;
  };

  for (const e of sorted) {
    const at = e.at;
    story.statusBefore.push(status);
    switch (e.type) {
      case 'registered':
        story.registeredAt ??= at;
        break;
      case 'self_handled':
        story.registeredAt ??= at;
        story.selfHandledAt = at;
        break;
      case 'voided':
      case 'merged':
        story.voidedAt = at;
        break;
      case 'closed':
        story.closedAt = at;
        break;
      case 'reopened':
        // Open again until the next 结案; the round whose disposal the caller rejected ends here.
        story.closedAt = null;
        if (story.current) story.current.reopened = true;
        closeRound(at, e.type);
        break;
      case 'returned':
        story.misdispatched = true;
        closeRound(at, e.type);
        break;
      case 'suspended':
        pauseStart = at;
        suspendedFrom = status;
        break;
      case 'resumed':
        if (pauseStart !== null) story.current?.pauses.push([pauseStart, at]);
        pauseStart = null;
        break;
      case 'extension_approved':
        if (story.current) story.current.extended = true;
        break;
      case 'disposed':
        if (story.current) story.current.disposedAt = at;
        break;
      case 'deadline_set': {
        const due = dueAtOf(e.data);
        if (!due) break;
        const list = story.deadlineHistory.get(due.step) ?? [];
        list.push([at, due.dueAt]);
        story.deadlineHistory.set(due.step, list);
        if (due.step === 'dispose' && story.current) story.current.deadline = due.dueAt;
        break;
      }
    }
    if (ROUND_STARTS.has(e.type)) {
      let dept = e.departmentId;
      if (e.type === 'check_failed') {
        // 返工: the failed disposal belongs to the round that ends here; the same department goes again.
        dept = story.current?.dept ?? lastDept;
        if (story.current) story.current.failedChecks++;
      }
      if (e.type === 'reassigned') story.misdispatched = true;
      if (e.type === 'dispatched') story.firstDispatch ??= e;
      closeRound(at, e.type);
      const round: Round = {
        dept,
        start: at,
        end: null,
        endType: null,
        deadline: null,
        disposedAt: null,
        pauses: [],
        extended: false,
        failedChecks: 0,
        reopened: false,
      };
      story.rounds.push(round);
      story.current = round;
      lastDept = dept;
    }
    status = e.type === 'resumed' ? suspendedFrom : (STATUS_AFTER[e.type] ?? status);
  }
  if (pauseStart !== null) {
    story.suspendedNow = true;
    story.current?.pauses.push([pauseStart, asOf]);
  }
  const fallback = c.deadlines.dispose;
  if (story.current && story.current.deadline === null && fallback)
    story.current.deadline = fallback.getTime();
  return story;
}

/** The limit in force for `step` at `at`: the last deadline_set before it, else the case row's column. */
export function deadlineAt(story: CaseStory, step: string, at: number): number | null {
  let due: number | null = null;
  for (const [setAt, dueAt] of story.deadlineHistory.get(step) ?? []) if (setAt <= at) due = dueAt;
  if (due !== null) return due;
  return story.case.deadlines[step]?.getTime() ?? null;
}

/** When the round's clock ran out with the case undisposed in the department's hands, else null. */
export function overdueAt(round: Round, asOf: number): number | null {
  if (round.deadline === null) return null;
  const stop = Math.min(round.disposedAt ?? Infinity, round.end ?? Infinity, asOf);
  if (!(round.deadline < stop)) return null;
  // A deadline that passes while the case is 挂账 does not count: the clock was paused.
  if (round.pauses.some(([a, b]) => round.deadline! >= a && round.deadline! < b)) return null;
  return round.deadline;
}

/**
 * Working minutes the department of `round` held the case: from the round's start to its disposal (or
 * the round's end, or asOf), minus time 挂账.
 */
export function heldMinutes(round: Round, asOf: number, calendar: WorkCalendar): number {
  const stop = Math.min(round.disposedAt ?? Infinity, round.end ?? Infinity, asOf);
  if (stop <= round.start) return 0;
  let minutes = calendar.workingTimeBetween(new Date(round.start), new Date(stop));
  for (const [a, b] of round.pauses) {
    const from = Math.max(a, round.start);
    const to = Math.min(b, stop);
    if (to > from) minutes -= calendar.workingTimeBetween(new Date(from), new Date(to));
  }
  return minutes;
}
