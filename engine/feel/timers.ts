/**
 * Timer definitions as Zeebe reads them (docs.camunda.io → components/modeler/bpmn/timer-events):
 * - timeDate: an ISO 8601 date-time with a zone offset (`Z`, `+02:00`) and optionally a zone id
 *   (`2019-10-02T08:09:40+02:00[Europe/Berlin]`);
 * - timeDuration: an ISO 8601 duration (`PT15S`, `P14D`, `P1Y2M3DT4H5M6S`, `P2W`);
 * - timeCycle: an ISO 8601 repeating interval (`R5/PT10S`, `R/P1D`, `R3/<start>/PT1H`) or a
 *   Spring-style cron expression (see cron.ts).
 * All calendar arithmetic is done in UTC unless the text names a zone, as the broker runs in UTC.
 */
import { DateTime, IANAZone } from 'luxon';
import { parseCron } from './cron.ts';

/** A timer cycle: how often it fires in total and when it fires next. */
export interface Cycle {
  /** Total number of firings; `Infinity` for `R/…` and cron. */
  repetitions: number;
  /** The first firing strictly after `after`, or null if there is none. */
  next(after: Date): Date | null;
}

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2}(?::?\d{2})?)?(?:\[([^\]]+)\])?$/;

function offsetMinutes(text: string): number {
  if (text === 'Z') return 0;
  const sign = text.startsWith('-') ? -1 : 1;
  const digits = text.slice(1).replace(/:/g, '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
}

/**
 * Parses a timeDate value. As in Zeebe (Java's ISO_ZONED_DATE_TIME) the text must carry an
 * offset (`Z` or `±hh:mm`); a zone id in brackets may follow. The instant is the local time
 * minus the stated offset — the zone id only names how the value is displayed, exactly as
 * `ZonedDateTime.parse` resolves it — but the zone id must exist.
 * A plain date `2025-01-01` is read as midnight UTC: a FEEL date-time at exactly midnight UTC
 * reaches the engine as such a string (see values.ts), and rejecting it would lose the timer.
 */
export function parseTimerDate(text: string): Date | { error: string } {
  const r = parseZonedTimerDate(text);
  return 'error' in r ? r : r.date;
}

/** A timer date with the zone its calendar arithmetic happens in (luxon zone name). */
interface ZonedDate {
  date: Date;
  zone: string;
}

function parseZonedTimerDate(text: string): ZonedDate | { error: string } {
  const trimmed = text.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(trimmed)) {
    const dt = DateTime.fromISO(trimmed, { zone: 'utc' });
    return dt.isValid
      ? { date: dt.toJSDate(), zone: 'utc' }
      : { error: `invalid date '${text}': no such date` };
  }
  // Java's ISO formatters parse case-insensitively (2019-10-01t12:00:00z is accepted).
  const m = DATE_TIME.exec(trimmed.replace(/^(\d{4}-\d{2}-\d{2})t/, '$1T').replace(/z(?=$|\[)/, 'Z'));
  if (!m) {
    return {
      error: `invalid date-time '${text}': expected ISO 8601 like 2019-10-01T12:00:00Z or 2019-10-02T08:09:40+02:00[Europe/Berlin]`,
    };
  }
  const [, y, mo, d, h, mi, s, frac, offset, zone] = m;
  if (offset === undefined) {
    return { error: `invalid date-time '${text}': a zone offset (Z or +hh:mm) is required` };
  }
  if (zone !== undefined && !IANAZone.isValidZone(zone)) {
    return { error: `invalid date-time '${text}': unknown time zone '${zone}'` };
  }
  const local = DateTime.fromObject(
    {
      year: Number(y),
      month: Number(mo),
      day: Number(d),
      hour: Number(h),
      minute: Number(mi),
      second: Number(s ?? 0),
      millisecond: Math.floor(Number(`0.${frac ?? '0'}`) * 1000),
    },
    { zone: 'utc' },
  );
  if (!local.isValid) return { error: `invalid date-time '${text}': no such date or time` };
  const minutes = offsetMinutes(offset);
  const fixed = `UTC${minutes < 0 ? '-' : '+'}${Math.floor(Math.abs(minutes) / 60)}:${String(Math.abs(minutes) % 60).padStart(2, '0')}`;
  return { date: new Date(local.toMillis() - minutes * 60_000), zone: zone ?? fixed };
}

/** A parsed ISO 8601 duration: calendar part (period) and exact part (milliseconds). */
export interface IsoDuration {
  years: number;
  months: number;
  days: number;
  millis: number;
}

const DURATION =
  /^([-+]?)P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d{1,9})?)S)?)?$/;

/**
 * Parses `P1Y2M3DT4H5M6.5S`, `P2W`, `-PT1H`; weeks count as 7 days. Letters are
 * case-insensitive, as in Java's Period/Duration parsers.
 */
export function parseIsoDuration(text: string): IsoDuration | { error: string } {
  const trimmed = text.trim().toUpperCase();
  const m = DURATION.exec(trimmed);
  if (!m || trimmed.endsWith('T') || /^[-+]?P$/.test(trimmed)) {
    return { error: `invalid duration '${text}': expected ISO 8601 like PT15S, P14D or P1Y2M3DT4H5M6S` };
  }
  const [, sign, y, mo, w, d, h, mi, s] = m;
  const k = sign === '-' ? -1 : 1;
  const n = (v: string | undefined): number => (v === undefined ? 0 : Number(v.replace(',', '.')));
  return {
    years: k * n(y),
    months: k * n(mo),
    days: k * (n(w) * 7 + n(d)),
    millis: k * Math.round((n(h) * 3600 + n(mi) * 60 + n(s)) * 1000),
  };
}

/**
 * Adds a parsed duration: calendar part first (in `zone`'s calendar — UTC unless a cycle's start
 * names a zone — month ends clamp, a day keeps its wall-clock time across DST as Java's
 * ZonedDateTime.plus(Period) does), then the exact time part.
 */
export function plusDuration(from: Date, d: IsoDuration, zone = 'utc'): Date {
  const calendar = DateTime.fromJSDate(from, { zone }).plus({
    years: d.years,
    months: d.months,
    days: d.days,
  });
  return new Date(calendar.toMillis() + d.millis);
}

/**
 * Adds an ISO 8601 duration to `from`, calendar-aware for years, months and days
 * (2024-01-31 + P1M = 2024-02-29), exact for hours, minutes and seconds.
 */
export function addDuration(from: Date, isoDuration: string): Date | { error: string } {
  const d = parseIsoDuration(isoDuration);
  return 'error' in d ? d : plusDuration(from, d);
}

function isZeroOrNegative(d: IsoDuration): boolean {
  const probe = new Date(Date.UTC(2000, 0, 1));
  return plusDuration(probe, d).getTime() <= probe.getTime();
}

/**
 * Parses a timeCycle: an ISO 8601 repeating interval `R[n]/[start/]duration`, or a cron
 * expression. Without a start, each firing is one interval after `after` (the engine passes the
 * creation time, then the previous firing). With a start, firings are start, start + interval,
 * … (each interval added to the previous firing, as Zeebe does) and `next` returns the first one
 * strictly after `after`. `now` anchors nothing here; it is accepted so that callers can pass the
 * engine clock uniformly, and it is used to reject a cron expression that can never fire.
 */
export function parseCycle(text: string, now: Date): Cycle | { error: string } {
  const trimmed = text.trim();
  if (!/^R/.test(trimmed)) {
    const cron = parseCron(trimmed);
    if ('error' in cron) return cron;
    if (cron.next(now) === null) return { error: `invalid cron expression '${text}': it never fires` };
    return { repetitions: Infinity, next: (after) => cron.next(after) };
  }
  // R<n>/<start>/<interval>, where the start may itself contain '/' (a zone id like Asia/Shanghai).
  const first = trimmed.indexOf('/');
  const last = trimmed.lastIndexOf('/');
  const parts =
    first < 0
      ? [trimmed]
      : first === last
        ? [trimmed.slice(0, first), trimmed.slice(first + 1)]
        : [trimmed.slice(0, first), trimmed.slice(first + 1, last), trimmed.slice(last + 1)];
  const reps = /^R(\d*)$/.exec(parts[0] ?? '');
  if (!reps || parts.length < 2) {
    return {
      error: `invalid cycle '${text}': expected R<n>/<duration>, R/<duration> or R<n>/<start>/<duration>`,
    };
  }
  const repetitions = reps[1] === '' ? Infinity : Number(reps[1]);
  // R0 would be a timer that never fires; refuse it rather than schedule something odd.
  if (repetitions < 1)
    return { error: `invalid cycle '${text}': the number of repetitions must be at least 1` };
  const interval = parseIsoDuration(parts[parts.length - 1] ?? '');
  if ('error' in interval) return { error: `invalid cycle '${text}': ${interval.error}` };
  if (isZeroOrNegative(interval)) return { error: `invalid cycle '${text}': the interval must be positive` };
  if (parts.length === 2) {
    return { repetitions, next: (after) => plusDuration(after, interval) };
  }
  const zoned = parseZonedTimerDate(parts[1] ?? '');
  if ('error' in zoned) return { error: `invalid cycle '${text}': ${zoned.error}` };
  const { date: start, zone } = zoned;
  const fixedMs = interval.years === 0 && interval.months === 0 && interval.days === 0 ? interval.millis : 0;
  return {
    repetitions,
    next(after) {
      if (start.getTime() > after.getTime()) return start;
      if (fixedMs > 0) {
        // Constant step: jump straight to the right occurrence.
        const k = Math.floor((after.getTime() - start.getTime()) / fixedMs) + 1;
        return new Date(start.getTime() + k * fixedMs);
      }
      let t = start;
      while (t.getTime() <= after.getTime()) t = plusDuration(t, interval, zone);
      return t;
    },
  };
}

/**
 * The shortest gap between the first occurrences of `cycle` after `from` (at most 8 looked at: enough for
 * cron's irregular steps such as `0-5 * * * * *`), in ms; Infinity when it fires at most once. Used to
 * hold cycles to a minimum interval (ENGINE_TIMER_MIN_CYCLE_SECONDS), so that `R/PT0.001S` cannot start
 * hundreds of instances a second.
 */
export function cycleMinGapMs(cycle: Cycle, from: Date): number {
  let gap = Infinity;
  let previous = cycle.next(from);
  const firings = Math.min(cycle.repetitions, 8);
  for (let i = 1; previous && i < firings; i++) {
    const next = cycle.next(previous);
    if (!next) break;
    gap = Math.min(gap, next.getTime() - previous.getTime());
    previous = next;
  }
  return gap;
}
