/**
 * The running clock of an open case's current step (核实 / 签收 / 处置 / 核查) for the case lists:
 * its due time (the deadline column the deadline worker wrote), the time left in the step's mode
 * (working minutes on the work calendar, or natural minutes when the category's limit counts natural
 * time), the step's limit and a traffic light. Yellow once DEADLINE_WARN_FRACTION of the limit is used
 * (the same fraction at which the procedure warns the department), red once the due time has passed.
 * The limit is the CategoryLimit of the case's category, urgency and step; after an approved 延期 the
 * due time moves while the limit stays, so the light turns yellow by the original limit's share.
 */
import { z } from 'zod';
import type { TimeMode, WorkCalendar } from '../calendar/index.ts';
import type { Config } from '../config.ts';
import type { Db, Prisma } from '../db/index.ts';
import { referenceGeneration } from '../reference/generation.ts';
import { timeLimitCaches } from '../reference/time-limits.ts';

/** The timed steps' names as people say them (督办 items, urge mails). */
export const STAGE_LABELS = { verify: '核实', check: '核查', sign: '签收', dispose: '处置' } as const;

export const clockSchema = z
  .object({
    step: z.enum(['verify', 'sign', 'dispose', 'check']).describe('the step whose deadline runs'),
    dueAt: z.string().describe('the step’s deadline (ISO 8601, UTC)'),
    remainingWorkingMinutes: z
      .number()
      .int()
      .describe(
        'time left until dueAt, in working minutes on the work calendar, or natural minutes when ' +
          'timeMode is natural; negative when overdue (0 when the deadline passed outside working time)',
      ),
    limitMinutes: z.number().int().nullable().describe('the step’s limit (CategoryLimit); null if none'),
    timeMode: z.enum(['working', 'natural']),
    state: z
      .enum(['green', 'yellow', 'red'])
      .describe('yellow once DEADLINE_WARN_FRACTION of the limit is used, red after dueAt'),
  })
  .nullable()
  .describe('the running step’s clock; null for a case in no timed step (or without its deadline yet)');

export type CaseClock = z.infer<typeof clockSchema>;

type ClockRow = Pick<
  Prisma.CaseGetPayload<object>,
  | 'id'
  | 'status'
  | 'categoryKind'
  | 'categoryCode'
  | 'urgency'
  | 'verifyDeadline'
  | 'signDeadline'
  | 'disposeDeadline'
  | 'checkDeadline'
>;

/** The step a case's status runs, and its deadline; null when none runs. */
function runningStep(row: ClockRow): { step: CaseClockStep; dueAt: Date } | null {
  switch (row.status) {
    case 'verifying':
      return row.verifyDeadline && { step: 'verify', dueAt: row.verifyDeadline };
    case 'dispatched':
      // Sign-for runs first; a case whose sign deadline is not (yet) set shows its disposal deadline.
      if (row.signDeadline) return { step: 'sign', dueAt: row.signDeadline };
      return row.disposeDeadline && { step: 'dispose', dueAt: row.disposeDeadline };
    case 'signed':
      return row.disposeDeadline && { step: 'dispose', dueAt: row.disposeDeadline };
    case 'checking':
      return row.checkDeadline && { step: 'check', dueAt: row.checkDeadline };
    default:
      return null;
  }
}
type CaseClockStep = 'verify' | 'sign' | 'dispose' | 'check';

/**
 * The running steps of `rows`, the work calendar and the limits those steps count against: both from
 * memory as of the reference generation (src/reference/time-limits.ts), so a page of cases or the map's
 * 10,000 cases cost no reference read (the calendar and the limits were read on every request: about
 * half of the map's answer, bench/README.md, Map); a category created since is read from the case store.
 */
async function runningWithLimits(
  db: Pick<Db, 'prisma'>,
  config: Pick<Config, 'CALENDAR_TIMEZONE'>,
  rows: ClockRow[],
) {
  const running = rows.flatMap((row) => {
    const step = runningStep(row);
    return step ? [{ row, ...step }] : [];
  });
  if (running.length === 0) return null;
  const caches = timeLimitCaches(db, config.CALENDAR_TIMEZONE);
  const generation = await referenceGeneration(db.prisma);
  const [calendar, categories] = await Promise.all([
    caches.calendar.at(generation),
    caches.categories.at(generation),
  ]);
  const unknown = [...new Set(running.map((r) => `${r.row.categoryKind}:${r.row.categoryCode}`))].filter(
    (k) => !categories.has(k),
  );
  const created = unknown.length
    ? await db.prisma.categoryLimit.findMany({
        where: {
          category: {
            OR: unknown.map((k) => {
              const [kind, code] = k.split(':') as ['event' | 'component', string];
              return { kind, code };
            }),
          },
        },
        include: { category: { select: { kind: true, code: true } } },
      })
    : [];
  const createdLimit = new Map<string, (typeof created)[number]>(
    created.map((l) => [`${l.category.kind}:${l.category.code}:${l.urgency}:${l.step}`, l]),
  );
  return {
    calendar,
    running: running.map((r) => {
      const category = `${r.row.categoryKind}:${r.row.categoryCode}`;
      const key = `${r.row.urgency}:${r.step}`;
      const known = categories.get(category);
      return { ...r, limit: known ? known.limits.get(key) : createdLimit.get(`${category}:${key}`) };
    }),
  };
}

/**
 * The clocks of a page of cases, by case id: one calendar load and one limits query for the whole
 * page, none when no case of the page runs a timed step.
 */
export async function caseClocks(
  db: Pick<Db, 'prisma'>,
  config: Pick<Config, 'CALENDAR_TIMEZONE' | 'DEADLINE_WARN_FRACTION'>,
  now: Date,
  rows: ClockRow[],
): Promise<Map<string, CaseClock>> {
  const clocks = new Map<string, CaseClock>(rows.map((r) => [r.id, null]));
  const found = await runningWithLimits(db, config, rows);
  if (!found) return clocks;
  for (const { row, step, dueAt, limit } of found.running) {
    const mode: TimeMode = limit?.timeMode ?? 'working';
    const left = remainingMinutes(found.calendar, now, dueAt, mode);
    const limitMinutes = limit?.limitMinutes ?? null;
    const state =
      now > dueAt
        ? 'red'
        : limitMinutes !== null && left <= limitMinutes * (1 - config.DEADLINE_WARN_FRACTION)
          ? 'yellow'
          : 'green';
    clocks.set(row.id, {
      step,
      dueAt: dueAt.toISOString(),
      remainingWorkingMinutes: Math.round(left),
      limitMinutes,
      timeMode: mode,
      state,
    });
  }
  return clocks;
}

/**
 * Only the lights of `caseClocks` (the same green/yellow/red, null when no timed step runs), for many
 * cases at once (the map's 10,000 open cases): instead of the working time left of every case, one
 * instant per distinct warning threshold — the case is yellow when its deadline comes no later than
 * the end of the first `threshold` working minutes from now (or of the non-working gap right after
 * them, during which the time left stays at the threshold).
 */
export async function caseLights(
  db: Pick<Db, 'prisma'>,
  config: Pick<Config, 'CALENDAR_TIMEZONE' | 'DEADLINE_WARN_FRACTION'>,
  now: Date,
  rows: ClockRow[],
): Promise<Map<string, CaseClockState | null>> {
  const lights = new Map<string, CaseClockState | null>(rows.map((r) => [r.id, null]));
  const found = await runningWithLimits(db, config, rows);
  if (!found) return lights;
  const warnBy = new Map<string, number>();
  const warnAt = (mode: TimeMode, minutes: number) => {
    const key = `${mode}:${minutes}`;
    let at = warnBy.get(key);
    if (at === undefined) {
      at =
        mode === 'natural'
          ? now.getTime() + minutes * 60_000
          : found.calendar.nextWorkingInstant(found.calendar.addWorkingTime(now, { minutes })).getTime();
      warnBy.set(key, at);
    }
    return at;
  };
  for (const { row, dueAt, limit } of found.running) {
    const due = dueAt.getTime();
    lights.set(
      row.id,
      due < now.getTime()
        ? 'red'
        : limit && due <= warnAt(limit.timeMode, limit.limitMinutes * (1 - config.DEADLINE_WARN_FRACTION))
          ? 'yellow'
          : 'green',
    );
  }
  return lights;
}

export type CaseClockState = 'green' | 'yellow' | 'red';

const remainingMinutes = (calendar: WorkCalendar, now: Date, dueAt: Date, mode: TimeMode) =>
  mode === 'working' ? calendar.workingTimeBetween(now, dueAt) : (dueAt.getTime() - now.getTime()) / 60_000;
