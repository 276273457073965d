/**
 * The working-time calendar (工作日历): deadlines and elapsed time counted in 工作时/工作日 across
 * weekends, public holidays, 调休 working weekends and administrator overrides, or in natural time for
 * limits that say so. Pure and synchronous: the loader builds one from the database, the case layer
 * asks it questions.
 *
 * Definitions the rest of the hub relies on:
 * - Working time is the union of each working day's periods (班次); breaks, nights, rest days and
 *   holidays contribute nothing. Which days work: an administrator override for the date if any, else
 *   the State Council schedule (`chinese-days`), else Monday–Friday.
 * - A clock started outside working time starts at the next working period: a case dispatched at 18:00
 *   Friday has used no working time until 08:30 Monday.
 * - A deadline is the earliest instant at which the allowed working time has elapsed. A limit used up
 *   exactly at the end of a period falls due then (12:00), not when the next period begins (13:30).
 * - "N 工作日" is N × the standard working day (the default periods' length, 7.5 h for 08:30–12:00 +
 *   13:30–17:30), added as working time. A 1-day limit from 10:00 is due 10:00 the next working day;
 *   0.5 工作日 (12319 受理) is half a standard day. The alternative reading, "by the end of the Nth
 *   working day", would make the deadline jump with the hour of dispatch, and adding 1 day twice would
 *   differ from adding 2 days; with working time, addition stays additive, the inverse of elapsed time,
 *   and an extension or a 挂账 pause is just more working time added to the deadline.
 * - Natural-time limits (紧急 cases, 核查 within 1 h) ignore the calendar: a natural day is 24 h.
 */
import { validationError, type FieldError } from '../errors.ts';
import { officialDay, officialYears } from './official-days.ts';
import { statutoryHolidayName } from './statutory.ts';
import { DEFAULT_SHIFTS, formatShifts, parseShifts, type Shift, type ShiftMinutes } from './shifts.ts';
import { zoneFor, dateOfDay, dayOfDate, MINUTE_MS, weekdayOf } from './zone.ts';

export type { Shift } from './shifts.ts';

/** How a limit is counted: on the work calendar, or in elapsed natural time. */
export type TimeMode = 'working' | 'natural';

/** Traffic-light state of a running clock. */
export type ClockState = 'green' | 'yellow' | 'red';

/** An administrator's decision for one date; it wins over the official schedule. */
export interface CalendarOverride {
  /** Local date, 'YYYY-MM-DD'. */
  date: string;
  kind: 'holiday' | 'workday';
  /** Working periods of that day (workday only); absent or null means the standard periods. */
  shifts?: Shift[] | null;
}

export interface WorkCalendarOptions {
  /** IANA time zone of the wall-clock times; default Asia/Shanghai (config: CALENDAR_TIMEZONE). */
  timezone?: string;
  /** Working periods of a standard working day; default 08:30–12:00 and 13:30–17:30. */
  shifts?: Shift[];
  /** Administrator overrides, at most one per date. */
  overrides?: CalendarOverride[];
  /** Share of the limit used (elapsed ÷ allowed) from which a clock shows yellow; default 0.8. */
  yellowFraction?: number;
}

/** An amount of time; the parts are summed. Working days count as standard working days. */
export interface TimeAmount {
  minutes?: number;
  hours?: number;
  days?: number;
}

/** A time limit as category tables store it. */
export interface TimeLimit {
  minutes: number;
  mode: TimeMode;
}

/** What the calendar says about one date, e.g. for the administrator's calendar page. */
export interface CalendarDay {
  date: string;
  working: boolean;
  /**
   * Who decided: an administrator override, the official schedule, the statutory holidays derived for a
   * year the official schedule does not cover yet (statutory.ts), or the Monday–Friday rule.
   */
  source: 'override' | 'official' | 'statutory' | 'weekday';
  /** Festival name for official and statutory days, e.g. 国庆节. */
  name?: string;
  /**
   * Present (true) for a date in a year the official schedule does not cover (`officialYears`): its
   * statutory holidays are known, but its 调休 workdays and bridging days are not until the State
   * Council's notice is entered (or the package is updated), so the day may be wrong.
   */
  beyondOfficialData?: true;
  /** Working periods of the day; empty on a rest day. */
  shifts: Shift[];
}

export interface WorkCalendar {
  readonly timezone: string;
  /** Length of a standard working day in minutes: what one 工作日 adds. */
  readonly standardDayMinutes: number;
  readonly yellowFraction: number;
  /**
   * Years the official holiday data covers. Later years follow the Monday–Friday rule until
   * `chinese-days` is updated or an administrator enters that year's holidays as overrides.
   */
  readonly officialYears: { readonly first: number; readonly last: number };
  /** Classification and working periods of a local date 'YYYY-MM-DD'. */
  day(date: string): CalendarDay;
  /**
   * The earliest instant by which `amount` of working time has elapsed since `instant` (the instant
   * itself for a zero amount). Fractional amounts are fine; the result is rounded to whole ms.
   */
  addWorkingTime(instant: Date, amount: TimeAmount): Date;
  /** `instant` plus `amount` of elapsed time; a day is 24 h. */
  addNaturalTime(instant: Date, amount: TimeAmount): Date;
  /** The deadline of a limit started at `start`, counted as the limit's mode says. */
  deadlineFor(start: Date, limit: TimeLimit): Date;
  /**
   * Working minutes from `from` to `to` (fractional when the instants are not whole minutes);
   * negative when `to` is before `from`, so it is antisymmetric and additive over a chain.
   */
  workingTimeBetween(from: Date, to: Date): number;
  /**
   * Minutes left until `deadline` (working minutes by default). Negative once working time has passed
   * since the deadline; 0 when the deadline has passed outside working time. Use `state` (or compare
   * the instants) to decide overdue.
   */
  remaining(now: Date, deadline: Date, mode?: TimeMode): number;
  /**
   * green while under `yellowFraction` of the limit is used, yellow from there up to and including
   * the deadline instant, red after it.
   */
  state(start: Date, deadline: Date, now: Date, mode?: TimeMode): ClockState;
  /** The first instant at or after `instant` that lies inside a working period: where a clock starts. */
  nextWorkingInstant(instant: Date): Date;
}

// Walking further than this without finding the requested working time means a calendar without
// working days or an absurd amount; both are input errors, not loops to wait out.
const MAX_DAYS = 366 * 100;
// Day plans are cached; a running hub touches a few years of days, this only bounds a pathological caller.
const MAX_CACHED_DAYS = 40_000;

/**
 * Creates a working-time calendar. Invalid options throw a validation HubError that names each bad
 * field (`shifts[1].end`, `overrides[3].date`, …).
 */
export function createWorkCalendar(options: WorkCalendarOptions = {}): WorkCalendar {
  const zone = zoneFor(options.timezone ?? 'Asia/Shanghai');
  const standardShifts = parseShifts(options.shifts ?? DEFAULT_SHIFTS, 'shifts');
  const overrides = parseOverrides(options.overrides ?? []);
  const yellowFraction = options.yellowFraction ?? 0.8;
  if (!(yellowFraction > 0 && yellowFraction <= 1)) {
    throw validationError('yellowFraction must be in (0, 1]', [
      { field: 'yellowFraction', message: 'expected a number greater than 0 and at most 1' },
    ]);
  }
  const standardDayMinutes = standardShifts.reduce((sum, [start, end]) => sum + end - start, 0);

  const classify = (
    date: string,
    day: number,
  ): { info: Omit<CalendarDay, 'shifts'>; shifts: readonly ShiftMinutes[] } => {
    const override = overrides.get(date);
    if (override) {
      const working = override.kind === 'workday';
      return {
        info: { date, working, source: 'override' },
        shifts: working ? (override.shifts ?? standardShifts) : [],
      };
    }
    const official = officialDay(date);
    if (official) {
      const working = official.kind === 'workday';
      return {
        info: { date, working, source: 'official', name: official.name },
        shifts: working ? standardShifts : [],
      };
    }
    const year = Number(date.slice(0, 4));
    const unknown = year < officialYears.first || year > officialYears.last;
    const statutory = unknown ? statutoryHolidayName(date) : undefined;
    if (statutory) {
      return {
        info: { date, working: false, source: 'statutory', name: statutory, beyondOfficialData: true },
        shifts: [],
      };
    }
    const weekday = weekdayOf(day);
    const working = weekday !== 0 && weekday !== 6;
    return {
      info: { date, working, source: 'weekday', ...(unknown && { beyondOfficialData: true as const }) },
      shifts: working ? standardShifts : [],
    };
  };

  // Working periods of each civil day as instants, flat [start0, end0, start1, end1, …].
  const periodCache = new Map<number, number[]>();
  const periodsOf = (day: number): number[] => {
    let periods = periodCache.get(day);
    if (periods) return periods;
    periods = [];
    for (const [start, end] of classify(dateOfDay(day), day).shifts) {
      const from = zone.instantOf(day, start);
      const to = zone.instantOf(day, end);
      if (to > from) periods.push(from, to); // a period swallowed by a DST gap has no working time
    }
    if (periodCache.size >= MAX_CACHED_DAYS) periodCache.clear();
    periodCache.set(day, periods);
    return periods;
  };

  /** Working periods from `t` on, clipped to start no earlier than `t`. */
  function* periodsFrom(t: number): Generator<[number, number]> {
    const first = zone.dayOf(t);
    for (let day = first; day < first + MAX_DAYS; day++) {
      const periods = periodsOf(day);
      for (let i = 0; i < periods.length; i += 2) {
        const end = periods[i + 1]!;
        if (end > t) yield [Math.max(periods[i]!, t), end];
      }
    }
    throw validationError('no working time found within 100 years; check the calendar and the amount', [
      { field: 'amount', message: 'the calendar has no working time left within 100 years of the start' },
    ]);
  }

  /** Working ms in [from, to], from <= to. */
  const workingMs = (from: number, to: number): number => {
    let total = 0;
    const last = zone.dayOf(to);
    for (let day = zone.dayOf(from); day <= last; day++) {
      const periods = periodsOf(day);
      for (let i = 0; i < periods.length; i += 2) {
        const overlap = Math.min(periods[i + 1]!, to) - Math.max(periods[i]!, from);
        if (overlap > 0) total += overlap;
      }
    }
    return total;
  };

  const addWorkingMs = (t: number, amount: number): number => {
    if (amount === 0) return t;
    let left = amount;
    for (const [from, end] of periodsFrom(t)) {
      if (left <= end - from) return from + left;
      left -= end - from;
    }
    throw new Error('unreachable: periodsFrom throws when it runs out');
  };

  // Signed so that remaining() is the same function; `|| 0` turns -0 into 0.
  const between = (from: number, to: number, mode: TimeMode): number =>
    (mode === 'natural' ? to - from : from <= to ? workingMs(from, to) : -workingMs(to, from)) / MINUTE_MS ||
    0;

  const amountMs = (amount: TimeAmount, dayMinutes: number, field: string): number => {
    const parts = [amount?.minutes, amount?.hours, amount?.days];
    const bad = parts.some(
      (v) => v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 0),
    );
    if (bad || parts.every((v) => v === undefined)) {
      throw validationError('invalid amount of time', [
        { field, message: 'expected {minutes?, hours?, days?} with at least one finite number >= 0' },
      ]);
    }
    const minutes = (amount.minutes ?? 0) + (amount.hours ?? 0) * 60 + (amount.days ?? 0) * dayMinutes;
    return Math.round(minutes * MINUTE_MS);
  };

  const addWorkingTime = (instant: Date, amount: TimeAmount): Date =>
    new Date(addWorkingMs(ms(instant, 'instant'), amountMs(amount, standardDayMinutes, 'amount')));
  const addNaturalTime = (instant: Date, amount: TimeAmount): Date =>
    new Date(ms(instant, 'instant') + amountMs(amount, 24 * 60, 'amount'));

  return {
    timezone: zone.timeZone,
    standardDayMinutes,
    yellowFraction,
    officialYears,
    day(date) {
      const day = dayOfDate(date);
      if (day === undefined) {
        throw validationError(`not a date: ${JSON.stringify(date)}`, [
          { field: 'date', message: 'expected YYYY-MM-DD' },
        ]);
      }
      const { info, shifts } = classify(date, day);
      return { ...info, shifts: formatShifts(shifts) };
    },
    addWorkingTime,
    addNaturalTime,
    deadlineFor(start, limit) {
      const mode = checkMode(limit?.mode, 'limit.mode');
      const from = ms(start, 'start');
      const amount = amountMs({ minutes: limit.minutes }, 0, 'limit.minutes');
      return new Date(mode === 'working' ? addWorkingMs(from, amount) : from + amount);
    },
    workingTimeBetween: (from, to) => between(ms(from, 'from'), ms(to, 'to'), 'working'),
    remaining: (now, deadline, mode = 'working') =>
      between(ms(now, 'now'), ms(deadline, 'deadline'), checkMode(mode, 'mode')),
    state(start, deadline, now, mode = 'working') {
      const [s, d, n] = [ms(start, 'start'), ms(deadline, 'deadline'), ms(now, 'now')];
      checkMode(mode, 'mode');
      if (n > d) return 'red';
      const allowed = between(s, d, mode);
      // A limit with nothing allowed (or a deadline in the same break as the start) is due now.
      if (allowed <= 0) return 'yellow';
      return between(s, n, mode) >= yellowFraction * allowed ? 'yellow' : 'green';
    },
    nextWorkingInstant(instant) {
      const [first] = periodsFrom(ms(instant, 'instant'));
      return new Date(first![0]);
    },
  };
}

function parseOverrides(
  list: CalendarOverride[],
): Map<string, { kind: 'holiday' | 'workday'; shifts?: ShiftMinutes[] }> {
  if (!Array.isArray(list)) {
    throw validationError('overrides must be an array', [
      { field: 'overrides', message: 'expected an array' },
    ]);
  }
  const errors: FieldError[] = [];
  const byDate = new Map<string, { kind: 'holiday' | 'workday'; shifts?: ShiftMinutes[] }>();
  list.forEach((o, i) => {
    const field = `overrides[${i}]`;
    if (typeof o?.date !== 'string' || dayOfDate(o.date) === undefined) {
      errors.push({ field: `${field}.date`, message: 'expected a real date YYYY-MM-DD' });
    } else if (byDate.has(o.date)) {
      errors.push({ field: `${field}.date`, message: `${o.date} has more than one override` });
    }
    if (o?.kind !== 'holiday' && o?.kind !== 'workday') {
      errors.push({ field: `${field}.kind`, message: 'expected holiday or workday' });
      return;
    }
    const hasShifts = o.shifts !== undefined && o.shifts !== null;
    if (o.kind === 'holiday' && hasShifts) {
      errors.push({ field: `${field}.shifts`, message: 'a holiday has no working periods' });
      return;
    }
    byDate.set(o.date, {
      kind: o.kind,
      ...(hasShifts ? { shifts: parseShifts(o.shifts, `${field}.shifts`) } : {}),
    });
  });
  if (errors.length) throw validationError('invalid calendar overrides', errors);
  return byDate;
}

function ms(instant: Date, field: string): number {
  const t = instant instanceof Date ? instant.getTime() : Number.NaN;
  if (Number.isNaN(t))
    throw validationError(`${field} is not a valid Date`, [{ field, message: 'expected a valid Date' }]);
  return t;
}

function checkMode(mode: unknown, field: string): TimeMode {
  if (mode !== 'working' && mode !== 'natural') {
    throw validationError(`${field} must be working or natural`, [
      { field, message: 'expected working or natural' },
    ]);
  }
  return mode;
}
