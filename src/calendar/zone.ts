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

const zones = new Map<string, Zone>();

/**
 * The arithmetic for `timeZone`, shared by every calendar in that zone (building an Intl formatter
 * costs milliseconds, and the offsets it remembers hold for all of them). An unknown zone name is a
 * validation error.
 */
export function zoneFor(timeZone: string): Zone {
  let zone = zones.get(timeZone);
  if (!zone) {
    zone = createZone(timeZone);
    zones.set(timeZone, zone);
  }
  return zone;
}

function createZone(timeZone: string): Zone {
  let format: Intl.DateTimeFormat;
  try {
    // Formatting only the offset ("…, GMT+08:00") is several times faster than formatToParts.
    format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
  } catch (cause) {
    throw validationError(
      `unknown time zone ${JSON.stringify(timeZone)}`,
      [{ field: 'timezone', message: 'expected an IANA time zone name such as Asia/Shanghai' }],
      cause,
    );
  }

  /** Offset of local time from UTC at instant `ms`, in ms (local = utc + offset). */
  const offsetAt = (ms: number): number => {
    const text = format.format(ms);
    const m = /GMT(?:([+\-\u2212])(\d{1,2}):?(\d{2})?(?::?(\d{2}))?)?$/.exec(text);
    if (!m) throw new Error(`unexpected offset format from Intl: ${text}`);
    if (!m[1]) return 0; // plain "GMT"
    const magnitude = (Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0)) * 1000;
    return m[1] === '+' ? magnitude : -magnitude;
  };

  // Offsets at the starts of civil days (read as UTC), remembered: walking days in order then costs
  // one Intl call per day. Bounded so a long-running process cannot grow it without limit.
  const pointCache = new Map<number, number>();
  const offsetAtDayStart = (day: number): number => {
    let offset = pointCache.get(day);
    if (offset === undefined) {
      if (pointCache.size >= 50_000) pointCache.clear();
      offset = offsetAt(day * DAY_MS);
      pointCache.set(day, offset);
    }
    return offset;
  };
  // Offsets a day before and two days after the start of a civil day. Where they agree the whole day
  // has one offset (no zone changes its clocks twice within three days).
  const offsetsAround = (day: number): [number, number] => [
    offsetAtDayStart(day - 1),
    offsetAtDayStart(day + 2),
  ];

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
