/**
 * Conversion of FEEL results (as produced by @bpmn-io/feelin) into Zeebe's JSON variable model.
 *
 * Zeebe stores every variable as JSON (MessagePack on the wire). FEEL values with no JSON type
 * are serialised the way Zeebe does it since 8.0 (camunda/zeebe#7054): temporal values become
 * ISO 8601 strings, contexts become objects. A function value has no serialisation at all, so it
 * is reported as a failure (Zeebe raises an incident for it).
 */
import { DateTime, Duration, FixedOffsetZone, IANAZone, SystemZone } from 'luxon';
import { chargeSteps, checkString } from './budget.ts';

/** Raised when a value cannot be expressed as JSON; the evaluator turns it into `{ ok: false }`. */
export class NotJsonError extends Error {}

/**
 * The zone feelin's values carry when FEEL has no zone at all: `date and time("2020-01-01T10:00:00")`
 * is a *local* date-time, which feelin models with the process' system zone.
 */
const LOCAL_ZONE = SystemZone.instance;

/**
 * The engine clock's zone: the region zone Etc/UTC, as Zeebe's `now()` carries it
 * (camunda/camunda#16704 shows `string(now())` as `…@Etc/UTC`). Being a region zone rather
 * than luxon's fixed UTC offset also keeps feelin from typing `now()` at exactly midnight as a
 * `date`.
 */
export const CLOCK_ZONE = IANAZone.create('Etc/UTC');

/**
 * A fixed UTC offset zone that is not luxon's `utcInstance` singleton. feelin tells a `date`
 * from a `date and time` by identity with that singleton (and midnight), so a date-time parsed
 * as `…T00:00:00Z` would otherwise be typed, compared and stored as a date. Date-times created by
 * our `date and time()` carry this zone instead; it prints and compares as `Z`.
 */
export const UTC_OFFSET_ZONE: FixedOffsetZone = new (
  FixedOffsetZone as unknown as new (offsetMinutes: number) => FixedOffsetZone
)(0);

/**
 * Converts a feelin result into a JSON-compatible value.
 *
 * Numbers: feelin computes with IEEE doubles where FEEL-Scala uses DECIMAL128. Integers stay
 * integers (exact up to 2^53); a non-integer whose shortest form is a binary-rounding artefact
 * (0.1 + 0.2 = 0.30000000000000004) is rounded to 15 significant digits, which is what the
 * decimal computation would have produced. NaN and ±Infinity have no JSON form and become null.
 */
export function toJson(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      checkString(value, 'the result');
      return value;
    case 'boolean':
      return value;
    case 'number':
      return normaliseNumber(value);
    case 'function':
      throw new NotJsonError('a function cannot be stored as a variable');
    case 'object':
      break;
    default:
      throw new NotJsonError(`a ${typeof value} cannot be stored as a variable`);
  }
  // A small expression can build a huge value from shared parts: every element counts (budget.ts).
  if (Array.isArray(value)) {
    chargeSteps(value.length);
    return value.map(toJson);
  }
  if (DateTime.isDateTime(value)) return temporalToString(value);
  if (Duration.isDuration(value)) return durationToString(value);
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto === Object.prototype || proto === null) {
    chargeSteps(Object.keys(value).length);
    // fromEntries defines own properties, so a JSON key like "__proto__" stays a key.
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, entry]) => [key, toJson(entry)]),
    );
  }
  if (isRange(value)) throw new NotJsonError('a range cannot be stored as a variable');
  if ('invoke' in value) throw new NotJsonError('a function cannot be stored as a variable');
  throw new NotJsonError('the value has no JSON representation');
}

function isRange(value: object): boolean {
  return 'start included' in value && 'end included' in value;
}

function normaliseNumber(n: number): number | null {
  if (!Number.isFinite(n)) return null;
  if (Number.isInteger(n)) return n;
  const rounded = Number(n.toPrecision(15));
  // Only take the rounded form when it is clearly shorter: that is a binary artefact, not data.
  return String(rounded).length < String(n).length - 2 ? rounded : n;
}

/** The FEEL type feelin assigns to a DateTime (it encodes time and date in the DateTime itself). */
export function temporalKind(dt: DateTime): 'date' | 'time' | 'date time' {
  if (dt.year === 1900 && dt.month === 1 && dt.day === 1) return 'time';
  if (
    dt.hour === 0 &&
    dt.minute === 0 &&
    dt.second === 0 &&
    dt.millisecond === 0 &&
    dt.zone === FixedOffsetZone.utcInstance
  ) {
    return 'date';
  }
  return 'date time';
}

/** Java's LocalTime.toString: `HH:mm`, `:ss` only when seconds or fractions are not zero. */
function javaTime(dt: DateTime): string {
  if (dt.second === 0 && dt.millisecond === 0) return dt.toFormat('HH:mm');
  return dt.millisecond === 0 ? dt.toFormat('HH:mm:ss') : dt.toFormat('HH:mm:ss.SSS');
}

/** FEEL's own format always prints seconds. */
function feelTime(dt: DateTime): string {
  return dt.millisecond === 0 ? dt.toFormat('HH:mm:ss') : dt.toFormat('HH:mm:ss.SSS');
}

const isLocal = (dt: DateTime): boolean => dt.zone.equals(LOCAL_ZONE);
const offsetId = (dt: DateTime): string => (dt.offset === 0 ? 'Z' : dt.toFormat('ZZ'));

/**
 * The text Zeebe stores for a temporal FEEL result: Java's `toString()` of the value
 * (camunda/camunda#8842; e.g. `2021-02-24`, `04:20`, `2021-02-24T04:20` for a local date-time,
 * `2021-02-24T04:20+01:00`, `2022-09-14T17:00+02:00[Europe/Berlin]`, and `now()` as
 * `2025-03-01T08:30Z[Etc/UTC]`, the engine clock's zone). Seconds appear only when not zero.
 */
export function temporalToString(dt: DateTime): string {
  const kind = temporalKind(dt);
  if (kind === 'date') return dt.toFormat('yyyy-MM-dd');
  const zone = isLocal(dt) ? '' : dt.zone.type === 'iana' ? `${offsetId(dt)}[${dt.zoneName}]` : offsetId(dt);
  if (kind === 'time') return javaTime(dt) + zone;
  return `${dt.toFormat('yyyy-MM-dd')}T${javaTime(dt)}${zone}`;
}

/**
 * FEEL's own text for a temporal value, as the `string()` built-in returns it: seconds always,
 * a zone id after `@` (`2020-01-01T10:00:00@Europe/Berlin`), an offset otherwise.
 */
export function feelTemporalString(dt: DateTime): string {
  const kind = temporalKind(dt);
  if (kind === 'date') return dt.toFormat('yyyy-MM-dd');
  const zone = isLocal(dt) ? '' : dt.zone.type === 'iana' ? `@${dt.zoneName}` : offsetId(dt);
  if (kind === 'time') return feelTime(dt) + zone;
  return `${dt.toFormat('yyyy-MM-dd')}T${feelTime(dt)}${zone}`;
}

/**
 * ISO 8601 text for a duration as FEEL-Scala prints it: a years-and-months duration as
 * `P1Y2M` (months normalised into years), a days-and-time duration as `P1DT2H3M4S`
 * (hours normalised into days), zero as `PT0S`.
 */
export function durationToString(d: Duration): string {
  const o = d.toObject();
  const hasDt = Boolean(o.weeks || o.days || o.hours || o.minutes || o.seconds || o.milliseconds);
  // A years-and-months duration is one built from those units only (even when zero).
  const hasYm = Boolean(o.years || o.months || o.quarters) || (!hasDt && ('years' in o || 'months' in o));
  if (hasYm && hasDt) return d.toISO() ?? 'PT0S';
  if (hasYm) {
    const months = Math.round(d.as('months'));
    const sign = months < 0 ? '-' : '';
    const abs = Math.abs(months);
    const y = Math.floor(abs / 12);
    const m = abs % 12;
    if (abs === 0) return 'P0D'; // what java.time.Period.ZERO prints
    return `${sign}P${y ? `${y}Y` : ''}${m ? `${m}M` : ''}`;
  }
  let ms = Math.round(d.as('milliseconds'));
  if (ms === 0) return 'PT0S';
  const sign = ms < 0 ? '-' : '';
  ms = Math.abs(ms);
  const days = Math.floor(ms / 86_400_000);
  ms -= days * 86_400_000;
  const hours = Math.floor(ms / 3_600_000);
  ms -= hours * 3_600_000;
  const minutes = Math.floor(ms / 60_000);
  ms -= minutes * 60_000;
  const seconds = ms / 1000;
  let time = '';
  if (hours) time += `${hours}H`;
  if (minutes) time += `${minutes}M`;
  if (seconds) time += `${seconds}S`;
  return `${sign}P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
}
