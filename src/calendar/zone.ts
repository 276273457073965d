/**
 * Civil-date and wall-clock arithmetic in one IANA time zone, exact through Intl (no fixed offset is
 * assumed, so a configured zone with daylight saving works too). Days are numbered from 1970-01-01
 * (day 0) so the calendar can walk them with integer steps, independent of the host's time zone.
 */
import { validationError } from '../errors.ts';

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

export interface Zone {
  readonly timeZone: string;
  /** Number of the local civil day that contains the instant `ms`. */
  dayOf(ms: number): number;
  /**
   * The instant at which local wall-clock time reads `minuteOfDay` (0..1440) on civil day `day`.
   * A wall time skipped by a daylight-saving gap resolves to the instant the gap ends; a repeated one
   * resolves to its first occurrence. So the mapping never runs backwards.
   */
  instantOf(day: number, minuteOfDay: number): number;
}

/** Creates the arithmetic for `timeZone`; an unknown zone name is a validation error. */
export function createZone(timeZone: string): Zone {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch (cause) {
    throw validationError(
      `unknown time zone ${JSON.stringify(timeZone)}`,
      [{ field: 'timezone', message: 'expected an IANA time zone name such as Asia/Shanghai' }],
      cause,
    );
  }

  /** Offset of local time from UTC at instant `ms`, in ms (local = utc + offset). */
  const offsetAt = (ms: number): number => {
    const fields: Record<string, number> = {};
    for (const part of format.formatToParts(ms)) {
      if (part.type !== 'literal') fields[part.type] = Number(part.value);
    }
    const wall = Date.UTC(
      fields.year!,
      fields.month! - 1,
      fields.day!,
      fields.hour!,
      fields.minute!,
      fields.second!,
    );
    return wall - Math.floor(ms / 1000) * 1000;
  };

  // Offsets in force a day before and two days after the start of a civil day. Where they agree the
  // whole day has one offset (no zone has two transitions within three days), which costs two Intl
  // calls per day instead of two per wall time; the last day asked is remembered because the
  // calendar asks for several wall times of one day in a row.
  let memoDay = Number.NaN;
  let memo: [before: number, after: number] = [0, 0];
  const offsetsAround = (day: number): [number, number] => {
    if (day !== memoDay) {
      memo = [offsetAt((day - 1) * DAY_MS), offsetAt((day + 2) * DAY_MS)];
      memoDay = day;
    }
    return memo;
  };

  return {
    timeZone,
    dayOf: (ms) => Math.floor((ms + offsetAt(ms)) / DAY_MS),
    instantOf(day, minuteOfDay) {
      const wall = day * DAY_MS + minuteOfDay * MINUTE_MS;
      const [before, after] = offsetsAround(day);
      if (before === after) return wall - before;
      const early = wall - before;
      const late = wall - after;
      const earlyValid = early + offsetAt(early) === wall;
      const lateValid = late + offsetAt(late) === wall;
      if (earlyValid && lateValid) return Math.min(early, late);
      if (earlyValid) return early;
      if (lateValid) return late;
      // Inside a gap: the transition instant lies in (late, early]; find it so the mapping from wall
      // time to instants stays monotonic.
      let [lo, hi] = [late, early];
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetAt(mid) === after) hi = mid;
        else lo = mid;
      }
      return hi;
    },
  };
}

/** Civil day number of a 'YYYY-MM-DD' string, or undefined when it is not a real date. */
export function dayOfDate(date: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d)
    return undefined;
  return ms / DAY_MS;
}

/** 'YYYY-MM-DD' of a civil day number. */
export const dateOfDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** Day of the week of a civil day number: 0 Sunday … 6 Saturday (1970-01-01 was a Thursday). */
export const weekdayOf = (day: number): number => (((day + 4) % 7) + 7) % 7;
