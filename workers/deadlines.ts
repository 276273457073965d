/**
 * hub.deadlines.compute — the due time and the warning time of a stage, from the case store and the
 * work calendar, never from the BPMN:
 * - verify / sign / dispose / check: the CategoryLimit of the case's category, urgency and step, counted
 *   in working or natural time as the limit says, from now (the stage's (re)entry);
 *   - sign / dispose after an approved 延期 or a 督办 extension: the new deadline the API stored on the
 *     timeline (`extension_approved` with data.newDeadline) when it is newer than the last deadline
 *     and was granted for that step (data.step);
 *   - sign / dispose after 挂账恢复: the time that was left when the case was suspended, from now (the
 *     clock paused while suspended);
 * - rectify (责令整改, enforcement): the `rectification_ordered` event's data.periodDays (default
 *   ENFORCEMENT_RECTIFY_DAYS) working days from the order, recorded as deadline_set with step rectify;
 * - callback: CALLBACK_WINDOW_MINUTES of working time; decision: ESCALATION_DECISION_MINUTES of working
 *   time from the moment the inbox item was opened or raised (the same at every 督办 level).
 * warnAt is DEADLINE_WARN_FRACTION of the time between now and dueAt, in the limit's mode. Both are
 * ISO 8601 with the city's offset. For the four case steps the case row's deadline column is updated
 * and a `deadline_set` event recorded (job key as dedupeKey: a redelivered job returns what was
 * recorded).
 */
import { loadWorkCalendar, type TimeMode, type WorkCalendar } from '../src/calendar/index.ts';
import type { CaseEvent, CaseStep } from '../src/db/index.ts';
import { validationError } from '../src/errors.ts';
import { referenceGeneration } from '../src/reference/generation.ts';
import { timeLimitCaches } from '../src/reference/time-limits.ts';
import { defineHandler, loadCase, requireOneOf, type WorkerDeps } from './job.ts';
import { cityClock } from '../src/city-clock.ts';
import { findEvent, firstAttempt, inTransaction, recordEvent } from './timeline.ts';

const KINDS = ['verify', 'sign', 'dispose', 'check', 'callback', 'decision', 'rectify'] as const;
type Kind = (typeof KINDS)[number];

const COLUMN = {
  verify: 'verifyDeadline',
  sign: 'signDeadline',
  dispose: 'disposeDeadline',
  check: 'checkDeadline',
} as const satisfies Partial<Record<Kind, string>>;

/** The calendar given to the workers, or the one in the case store now. */
export const calendarOf = (
  deps: Pick<WorkerDeps, 'calendar' | 'db' | 'config'>,
): Promise<WorkCalendar> | WorkCalendar =>
  deps.calendar ?? loadWorkCalendar(deps.db, { timezone: deps.config.CALENDAR_TIMEZONE });

/** Time between two instants in the mode: working minutes on the calendar, or clock minutes. */
const minutesBetween = (calendar: WorkCalendar, from: Date, to: Date, mode: TimeMode) =>
  mode === 'working' ? calendar.workingTimeBetween(from, to) : (to.getTime() - from.getTime()) / 60_000;

const addMinutes = (calendar: WorkCalendar, from: Date, minutes: number, mode: TimeMode) =>
  mode === 'working'
    ? calendar.addWorkingTime(from, { minutes })
    : calendar.addNaturalTime(from, { minutes });

const dataOf = (e: CaseEvent | undefined) => (e?.data ?? {}) as Record<string, unknown>;

/**
 * The stage an approved 延期 moves: `data.step` (recorded by decide-extension and by 督办 extend).
 * An older event without it: the stage the case was in when it was recorded (dispatched → sign,
 * signed → dispose); otherwise dispose, because a 延期 is asked for the disposal in nearly every case
 * and moving the sign-for deadline by a disposal extension would hide a late 签收.
 */
function extendedStep(e: CaseEvent): CaseStep {
  const step = dataOf(e).step;
  if (step === 'sign' || step === 'dispose') return step;
  return e.fromStatus === 'dispatched' ? 'sign' : 'dispose';
}

/**
 * The due time of a sign/dispose stage re-entered after a 延期 (granted for this step) or a 挂账: null
 * when neither happened since the stage's last deadline.
 */
function movedDeadline(
  events: CaseEvent[],
  step: CaseStep,
  now: Date,
  calendar: WorkCalendar,
  mode: TimeMode,
): Date | null {
  const last = events.filter((e) => e.type === 'deadline_set' && dataOf(e).step === step).at(-1);
  const after = events.filter((e) => !last || e.at >= last.at);
  const extension = after
    .filter(
      (e) =>
        e.type === 'extension_approved' &&
        typeof dataOf(e).newDeadline === 'string' &&
        extendedStep(e) === step,
    )
    .at(-1);
  const resumed = after.filter((e) => e.type === 'resumed').at(-1);
  if (extension && (!resumed || extension.at >= resumed.at)) {
    const due = new Date(dataOf(extension).newDeadline as string);
    if (!Number.isNaN(due.getTime())) return due;
  }
  const suspended = after.filter((e) => e.type === 'suspended').at(-1);
  if (last && resumed && suspended && suspended.at <= resumed.at) {
    const previousDue = new Date(dataOf(last).dueAt as string);
    const left = Math.max(minutesBetween(calendar, suspended.at, previousDue, mode), 0);
    return addMinutes(calendar, now, left, mode);
  }
  return null;
}

export const computeDeadline = defineHandler(async (job, deps) => {
  const kind = requireOneOf(job, 'deadlineKind', KINDS);
  const row = await loadCase(job, deps);
  const { prisma } = deps.db;
  const dedupeKey = `job:${job.key}`;
  // 签收/处置 read the case's whole timeline anyway (a suspension or a return moves their deadline); a
  // redelivered job's own event is in it, so one read serves both (this runs for every dispatched case).
  const timeline =
    kind === 'sign' || kind === 'dispose'
      ? await prisma.caseEvent.findMany({
          where: { caseId: row.id },
          orderBy: [{ at: 'asc' }, { id: 'asc' }],
        })
      : undefined;
  const recorded = timeline
    ? timeline.find((e) => e.dedupeKey === dedupeKey)
    : await findEvent(prisma, dedupeKey);
  if (recorded) {
    const data = dataOf(recorded);
    return { dueAt: data.dueAtLocal, warnAt: data.warnAt };
  }
  const now = deps.now?.() ?? new Date();
  const caches = timeLimitCaches(deps.db, deps.config.CALENDAR_TIMEZONE);
  const generation = await referenceGeneration(prisma);
  const calendar = deps.calendar ?? (await caches.calendar.at(generation));
  let mode: TimeMode = 'working';
  let dueAt: Date;
  if (kind === 'callback') {
    dueAt = calendar.addWorkingTime(now, { minutes: deps.config.CALLBACK_WINDOW_MINUTES });
  } else if (kind === 'decision') {
    // The level's time to decide starts when its inbox item was opened or raised, not when this job runs.
    const opened = await prisma.caseEvent.findFirst({
      where: { caseId: row.id, type: 'escalated' },
      orderBy: [{ at: 'desc' }, { id: 'desc' }],
    });
    const start = opened && opened.at < now ? opened.at : now;
    dueAt = calendar.addWorkingTime(start, { minutes: deps.config.ESCALATION_DECISION_MINUTES });
  } else if (kind === 'rectify') {
    // 责令整改: the period the officer ordered (working days on the work calendar), from the order.
    const order = await prisma.caseEvent.findFirst({
      where: { caseId: row.id, type: 'rectification_ordered' },
      orderBy: [{ at: 'desc' }, { id: 'desc' }],
    });
    const asked = dataOf(order ?? undefined).periodDays;
    const days = typeof asked === 'number' && asked > 0 ? asked : deps.config.ENFORCEMENT_RECTIFY_DAYS;
    const start = order && order.at < now ? order.at : now;
    dueAt = calendar.addWorkingTime(start, { days });
  } else {
    // A category the cache has not seen (created after it was loaded; creating one needs no bump) is
    // read from the case store.
    const category =
      (await caches.categories.at(generation)).get(`${row.categoryKind}:${row.categoryCode}`) ??
      (await prisma.category.findUnique({
        where: { kind_code: { kind: row.categoryKind, code: row.categoryCode } },
        include: { limits: { where: { urgency: row.urgency, step: kind } } },
      }));
    if (!category) throw validationError(`case ${row.id}: unknown category ${row.categoryCode}`);
    const limit =
      category.limits instanceof Map
        ? category.limits.get(`${row.urgency}:${kind}`)
        : category.limits.find((l) => l.urgency === row.urgency && l.step === kind);
    if (!limit)
      throw validationError(
        `no time limit for category ${row.categoryCode} ${category.name}, urgency ${row.urgency}, step ${kind}`,
      );
    mode = limit.timeMode;
    dueAt =
      movedDeadline(timeline ?? [], kind, now, calendar, mode) ??
      calendar.deadlineFor(now, { minutes: limit.limitMinutes, mode });
  }
  const total = Math.max(minutesBetween(calendar, now, dueAt, mode), 0);
  const warnAt = addMinutes(calendar, now, total * deps.config.DEADLINE_WARN_FRACTION, mode);
  const clock = cityClock(deps.config);
  const result = { dueAt: clock.iso(dueAt), warnAt: clock.iso(warnAt) };
  // A working-time deadline in a year chinese-days does not cover counted that year by its statutory
  // holidays (derived from the holiday rules) and Monday–Friday, without the 调休 days the State Council
  // announces: say so (log and the deadline_set event) rather than silently trust it.
  // Checking the due date is enough: the span ends there, so an uncovered day in it means that one is.
  const beyond = mode === 'working' && calendar.day(result.dueAt.slice(0, 10)).beyondOfficialData === true;
  if (beyond)
    deps.logger.warn(
      { caseId: row.id, deadlineKind: kind, dueAt: result.dueAt, officialYears: calendar.officialYears },
      'deadline falls beyond the official holiday data (chinese-days): statutory holidays and Monday–Friday ' +
        'assumed, 调休 days unknown; paste that year’s State Council notice (calendar page) or update chinese-days',
    );
  // A case already closed or voided (e.g. 核实 false while this job waited) gets no deadline_set (the
  // lifecycle refuses it, which would be an incident): the job completes with the deadline the stage
  // would have had, so its timers lie in the future and the process, whose 结案/作废 message is already
  // on its way, takes that path instead of firing a warning or overdue timer at once.
  const final = row.status === 'closed' || row.status === 'voided';
  if ((kind in COLUMN || kind === 'rectify') && !final) {
    const step = kind as keyof typeof COLUMN | 'rectify';
    const first = firstAttempt(row);
    await inTransaction(prisma, (tx) =>
      recordEvent(tx, {
        caseId: row.id,
        type: 'deadline_set',
        dedupeKey,
        dedupeChecked: true,
        row: first(),
        at: now,
        data: {
          step,
          dueAt: new Date(result.dueAt).toISOString(),
          warnAt: result.warnAt,
          dueAtLocal: result.dueAt,
          mode,
          ...(beyond && { beyondOfficialData: true }),
        },
        // 责令整改 has no column of its own: the timeline's deadline_set (step rectify) is its record.
        caseUpdate: step === 'rectify' ? {} : { [COLUMN[step]]: new Date(result.dueAt) },
      }),
    );
  }
  return result;
});

export const handlers = { 'hub.deadlines.compute': computeDeadline };
