/**
 * FEEL `date and time` and `years and months duration`, in feelin's value model (luxon DateTime
 * and Duration; a local value carries luxon's system zone — see values.ts).
 *
 * WHY they are re-implemented: feelin resolves `date and time(...)` itself, so Camunda's
 * `date and time(from, timezone)` form (FEEL-Scala 1.16) silently gave null, and its
 * `instance of date and time` was not evaluable. Once the parser is told these are names (see
 * index.ts), calls and type tests reach these functions instead.
 */
import { DateTime, Duration, IANAZone, SystemZone } from 'luxon';
import { temporalKind, UTC_OFFSET_ZONE } from './values.ts';

const TEXT =
  /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?))?(?:@(.+)|(Z|[+-]\d{2}:\d{2})(?:\[(.+)\])?)?$/i;

/**
 * Parses FEEL date-time text: `2020-01-01T10:00:00` (local), `…Z`, `…+01:00`,
 * `…@Europe/Berlin`, `…+01:00[Europe/Berlin]`; a bare date is local midnight (as feelin did).
 * Returns null when the text is not a valid date-time.
 */
export function parseDateAndTime(text: string): DateTime | null {
  const m = TEXT.exec(text.trim());
  if (!m) return null;
  const [, date = '', time = '00:00:00', atZone, offset, bracketZone] = m;
  const local = `${date}T${time}`;
  let dt: DateTime;
  if (atZone !== undefined) {
    if (!IANAZone.isValidZone(atZone)) return null;
    dt = DateTime.fromISO(local, { zone: atZone });
  } else if (offset !== undefined) {
    dt = DateTime.fromISO(`${local}${offset.toUpperCase()}`, { setZone: true });
    // (setZone would keep the equal utcInstance, so rebuild from the instant)
    if (dt.isValid && dt.offset === 0) dt = DateTime.fromMillis(dt.toMillis(), { zone: UTC_OFFSET_ZONE });
    if (bracketZone !== undefined) {
      if (!IANAZone.isValidZone(bracketZone)) return null;
      dt = dt.setZone(bracketZone);
    }
  } else {
    dt = DateTime.fromISO(local, { zone: SystemZone.instance });
  }
  return dt.isValid ? dt : null;
}

/** `date and time(date, time)`: the calendar day of `date` at the clock time (and zone) of `time`. */
export function combineDateAndTime(date: DateTime, time: DateTime): DateTime | null {
  const dt = DateTime.fromObject(
    {
      year: date.year,
      month: date.month,
      day: date.day,
      hour: time.hour,
      minute: time.minute,
      second: time.second,
      millisecond: time.millisecond,
    },
    { zone: time.zone },
  );
  return dt.isValid ? dt : null;
}

/**
 * `date and time(from, timezone)`: the same instant seen in `timezone`. A local date-time has
 * no instant; it is placed in the zone with its clock time kept.
 */
export function inTimezone(from: DateTime, timezone: string): DateTime | null {
  if (!IANAZone.isValidZone(timezone) || temporalKind(from) === 'time') return null;
  const local = from.zone.type === 'system';
  return from.setZone(timezone, { keepLocalTime: local });
}

/**
 * `years and months duration(from, to)`: whole months between two dates (or date-times), as
 * years and months; a partial month does not count, in either direction.
 */
export function yearsAndMonthsBetween(from: DateTime, to: DateTime): Duration {
  let months = (to.year - from.year) * 12 + (to.month - from.month);
  const toRest = [to.day, to.hour, to.minute, to.second, to.millisecond];
  const fromRest = [from.day, from.hour, from.minute, from.second, from.millisecond];
  const cmp = compareTuples(toRest, fromRest);
  if (months > 0 && cmp < 0) months--;
  if (months < 0 && cmp > 0) months++;
  return Duration.fromObject({ years: Math.trunc(months / 12), months: months % 12 });
}

function compareTuples(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
