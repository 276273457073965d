/**
 * Camunda 8 (FEEL-Scala 1.19, Zeebe 8.8) built-in functions that @bpmn-io/feelin 6.1.1 lacks or
 * implements differently. Found by evaluating each documented function against feelin
 * (docs.camunda.io → components/modeler/feel/builtin-functions; FEEL-Scala changelog) — see
 * test/engine-feel-builtins.test.ts, which pins every one of them.
 *
 * Added because feelin has no such function:
 *   is defined, get or else, assert                      (boolean functions, FEEL-Scala 1.17)
 *   trim, uuid, to base64, is blank, extract              (string functions, 1.14–1.19)
 *   is empty, partition, duplicate values                  (list functions, 1.17–1.19)
 *   last day of month                                      (temporal, 1.16)
 *   random number                                          (numeric, 1.16)
 * Replaced because feelin's version differs from Camunda's:
 *   now, today        — feelin reads the system clock; Zeebe uses the engine clock (tests and
 *                       the clock API pin it), in UTC
 *   string join       — feelin lacks the (list, delimiter, prefix, suffix) form
 *   abs               — feelin lacks abs(duration)
 *   get value         — feelin lacks get value(context, keys: list) (path form, 1.16)
 *   string            — feelin prints durations as given (`PT36H`); FEEL-Scala normalises
 *                       them (`P1DT12H`); temporal values keep FEEL's format (`…@Europe/Berlin`)
 *   date and time     — feelin lacks date and time(from, timezone) (1.16) and gave null for it
 *   number, context,  — same semantics as feelin's, re-implemented because they double as
 *   years and months    type names for `instance of` (below)
 *   duration
 * Type names for `x instance of T`: feelin evaluates `instance of` as JavaScript `instanceof`
 * against whatever the type name resolves to, so it answered false for every value (and threw
 * "not implemented" for multi-word types). The names number, string, boolean, list, context,
 * date, time, date and time, days and time duration, years and months duration and Any
 * therefore resolve to functions carrying a `Symbol.hasInstance` FEEL type test.
 * Deliberately NOT added: `from base64`, `to json`, `from json` — not in Camunda 8.8 (the JSON
 * pair arrives with 8.9, FEEL-Scala 1.20); a model using them would work here and fail on a
 * Camunda 8.8 cluster.
 *
 * Semantics follow the Camunda docs: a function given arguments of the wrong type returns null
 * (recorded as a warning), except `assert`, whose whole purpose is to fail the evaluation.
 */
import { randomUUID } from 'node:crypto';
import { DateTime, Duration } from 'luxon';
import { combineDateAndTime, inTimezone, parseDateAndTime, yearsAndMonthsBetween } from './date-time.ts';
import { CLOCK_ZONE, temporalKind, feelTemporalString, durationToString } from './values.ts';

/** Thrown by `assert()`; the evaluator reports it as an evaluation failure (an incident). */
export class AssertionFailure extends Error {}

/** What the built-ins need from the evaluation that calls them. */
export interface BuiltinEnv {
  /** The engine clock. */
  now: () => Date;
  /** Records a suppressed failure (Zeebe reports these alongside a null result). */
  warn: (message: string) => void;
}

type FeelFunction = ((...args: unknown[]) => unknown) & { $args: string[] };

/** Declares a built-in with its FEEL parameter names (feelin reads `$args` for named calls). */
function define(params: string[], body: (...args: unknown[]) => unknown): FeelFunction {
  return Object.assign(body, { $args: params });
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number';
const isList = (v: unknown): v is unknown[] => Array.isArray(v);
const isContext = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;

/** Structural equality for list items: the values JSON and FEEL literals can produce. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (DateTime.isDateTime(a) && DateTime.isDateTime(b)) return a.equals(b);
  if (Duration.isDuration(a) && Duration.isDuration(b)) return a.toMillis() === b.toMillis();
  if (isList(a) && isList(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (isContext(a) && isContext(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && sameValue(a[k], b[k]));
  }
  return false;
}

/** A duration with only years and months (FEEL's years-and-months duration type). */
function isYearsAndMonths(d: Duration): boolean {
  const o = d.toObject();
  return (
    Object.entries(o).every(([unit, n]) => n === 0 || unit === 'years' || unit === 'months') &&
    Boolean(o.years || o.months)
  );
}

/** FEEL type tests behind `instance of`, keyed by type name. */
const TYPE_TESTS: Record<string, (v: unknown) => boolean> = {
  number: (v) => isNumber(v),
  string: (v) => isString(v),
  boolean: (v) => typeof v === 'boolean',
  list: (v) => isList(v),
  context: (v) => isContext(v),
  date: (v) => DateTime.isDateTime(v) && temporalKind(v) === 'date',
  time: (v) => DateTime.isDateTime(v) && temporalKind(v) === 'time',
  'date and time': (v) => DateTime.isDateTime(v) && temporalKind(v) === 'date time',
  'days and time duration': (v) => Duration.isDuration(v) && !isYearsAndMonths(v),
  'years and months duration': (v) => Duration.isDuration(v) && isYearsAndMonths(v),
  Any: (v) => v !== null && v !== undefined,
};

/** Makes `fn` answer `x instance of <type>` (JavaScript `instanceof` consults Symbol.hasInstance). */
function typed(type: string, fn: FeelFunction): FeelFunction {
  const test = TYPE_TESTS[type] ?? (() => false);
  return Object.defineProperty(fn, Symbol.hasInstance, { value: test });
}

/**
 * Type names that are not (context-resolved) functions. The evaluator puts them into an
 * expression's context only where they are used as a type (`x instance of date`): elsewhere a
 * name like `date` must keep resolving to feelin's own `date(...)` (e.g. inside named arguments,
 * where the parser reads `date("2020-01-01")` as a call by name).
 */
export const TYPE_ONLY_NAMES: ReadonlySet<string> = new Set([
  'boolean',
  'list',
  'date',
  'time',
  'days and time duration',
  'Any',
]);

/** A type name that is not also a function: calling it is not meaningful. */
function typeOnly(type: string): FeelFunction {
  const unusable = define([], () => null);
  return typed(type, unusable);
}

/**
 * The added and replaced built-ins, keyed by their FEEL names. One set per evaluator: `env`
 * gives them the evaluator's clock and the warning list of the evaluation under way.
 */
export function createBuiltins(env: BuiltinEnv): Record<string, FeelFunction> {
  const invalid = (name: string, detail: string): null => {
    env.warn(`[FUNCTION_INVOCATION_FAILURE] Failed to invoke function '${name}': ${detail}`);
    return null;
  };

  return {
    'is defined': define(['value'], (value) => value !== null && value !== undefined),

    'get or else': define(['value', 'default'], (value, fallback) =>
      value === null || value === undefined ? (fallback ?? null) : value,
    ),

    assert: define(['value', 'condition', 'cause'], (value, condition, cause) => {
      if (condition === true) return value;
      throw new AssertionFailure(isString(cause) ? cause : 'The condition is not fulfilled');
    }),

    trim: define(['string'], (s) => (isString(s) ? s.trim() : invalid('trim', 'expected a string'))),

    'is blank': define(['string'], (s) =>
      isString(s) ? s.trim() === '' : invalid('is blank', 'expected a string'),
    ),

    uuid: define([], () => randomUUID()),

    'to base64': define(['value'], (s) =>
      isString(s) ? Buffer.from(s, 'utf8').toString('base64') : invalid('to base64', 'expected a string'),
    ),

    extract: define(['string', 'pattern'], (s, pattern) => {
      if (!isString(s) || !isString(pattern)) return invalid('extract', 'expected two strings');
      let re: RegExp;
      try {
        re = new RegExp(pattern, 'gu');
      } catch {
        return invalid('extract', `invalid pattern '${pattern}'`);
      }
      return Array.from(s.matchAll(re), (m) => m[0]);
    }),

    'string join': define(['list', 'delimiter', 'prefix', 'suffix'], (list, delimiter, prefix, suffix) => {
      if (!isList(list)) return invalid('string join', 'expected a list');
      const items: string[] = [];
      for (const item of list) {
        if (item === null) continue; // documented: null items are ignored
        if (!isString(item)) return invalid('string join', 'expected a list of strings');
        items.push(item);
      }
      const optional = [delimiter, prefix, suffix];
      if (optional.some((v) => v !== undefined && v !== null && !isString(v))) {
        return invalid('string join', 'expected string delimiter, prefix and suffix');
      }
      const [d, p, s] = optional.map((v) => (isString(v) ? v : ''));
      return `${p}${items.join(d)}${s}`;
    }),

    number: typed(
      'number',
      define(['from', 'grouping separator', 'decimal separator'], (from, grouping, decimal) => {
        if (!isString(from)) return invalid('number', 'expected a string');
        if ((grouping != null && !isString(grouping)) || (decimal != null && !isString(decimal))) {
          return invalid('number', 'expected string separators');
        }
        let text = from;
        if (isString(grouping) && grouping !== '') text = text.split(grouping).join('');
        if (isString(decimal) && decimal !== '.') text = text.split(decimal).join('.');
        return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : null;
      }),
    ),

    context: typed(
      'context',
      define(['entries'], (entries) => {
        const list = isList(entries) ? entries : [entries];
        const out: Record<string, unknown> = {};
        for (const entry of list) {
          if (!isContext(entry) || !isString(entry.key) || !('value' in entry)) {
            return invalid('context', 'expected a list of {key, value} contexts with string keys');
          }
          out[entry.key] = entry.value;
        }
        return out;
      }),
    ),

    boolean: typeOnly('boolean'),
    list: typeOnly('list'),
    date: typeOnly('date'),
    time: typeOnly('time'),
    'days and time duration': typeOnly('days and time duration'),

    // Positional: (from) | (date, time) | (from, timezone); named: from | date + time | from + timezone.
    'date and time': typed(
      'date and time',
      define(['date', 'time', 'from', 'timezone'], (date, time, from, timezone) => {
        const text = isString(from) ? from : isString(date) && time === undefined ? date : undefined;
        if (text !== undefined) {
          return parseDateAndTime(text) ?? invalid('date and time', `invalid date-time '${text}'`);
        }
        const base = DateTime.isDateTime(from) ? from : date;
        const zone = isString(timezone) ? timezone : isString(time) ? time : undefined;
        if (DateTime.isDateTime(base) && zone !== undefined) {
          return (
            inTimezone(base, zone) ??
            invalid('date and time', `cannot place the value in time zone '${zone}'`)
          );
        }
        if (DateTime.isDateTime(date) && DateTime.isDateTime(time) && temporalKind(time) === 'time') {
          return combineDateAndTime(date, time) ?? invalid('date and time', 'invalid date and time');
        }
        return invalid(
          'date and time',
          'expected a string, a date and a time, or a date-time and a time zone',
        );
      }),
    ),

    'years and months duration': typed(
      'years and months duration',
      define(['from', 'to'], (from, to) =>
        DateTime.isDateTime(from) && DateTime.isDateTime(to)
          ? yearsAndMonthsBetween(from, to)
          : invalid('years and months duration', 'expected two dates'),
      ),
    ),
    Any: typeOnly('Any'),

    string: typed(
      'string',
      define(['from'], (from) => {
        if (from === null || from === undefined) return null;
        if (DateTime.isDateTime(from)) return feelTemporalString(from);
        if (Duration.isDuration(from)) return durationToString(from);
        if (isString(from)) return from;
        if (isNumber(from) || typeof from === 'boolean') return String(from);
        return JSON.stringify(from);
      }),
    ),

    'is empty': define(['list'], (list) =>
      isList(list) ? list.length === 0 : invalid('is empty', 'expected a list'),
    ),

    partition: define(['list', 'size'], (list, size) => {
      if (!isList(list) || !isNumber(size) || !Number.isInteger(size) || size <= 0) {
        return invalid('partition', 'expected a list and a positive integer size');
      }
      const out: unknown[][] = [];
      for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
      return out;
    }),

    'duplicate values': define(['list'], (list) => {
      if (!isList(list)) return invalid('duplicate values', 'expected a list');
      // In order of first occurrence, each duplicated value once.
      const dups: unknown[] = [];
      list.forEach((item, i) => {
        const again = list.slice(i + 1).some((x) => sameValue(x, item));
        const seenBefore = list.slice(0, i).some((x) => sameValue(x, item));
        if (again && !seenBefore) dups.push(item);
      });
      return dups;
    }),

    abs: define(['n'], (n) => {
      if (isNumber(n)) return Math.abs(n);
      if (Duration.isDuration(n)) return n.toMillis() < 0 ? n.negate() : n;
      return invalid('abs', 'expected a number or a duration');
    }),

    'get value': define(['context', 'key'], (context, key) => {
      if (!isContext(context)) return invalid('get value', 'expected a context');
      const keys = isList(key) ? key : [key];
      let current: unknown = context;
      for (const k of keys) {
        if (!isString(k)) return invalid('get value', 'expected string keys');
        if (!isContext(current) || !Object.hasOwn(current, k)) return null;
        current = current[k];
      }
      return current ?? null;
    }),

    'last day of month': define(['date'], (date) => {
      if (!DateTime.isDateTime(date) || temporalKind(date) === 'time') {
        return invalid('last day of month', 'expected a date or date and time');
      }
      return date.daysInMonth;
    }),

    'random number': define([], () => Math.random()),

    now: define([], () => DateTime.fromJSDate(env.now(), { zone: CLOCK_ZONE })),

    // A FEEL date is a UTC-midnight DateTime in feelin (see values.ts temporalKind).
    today: define([], () => DateTime.fromJSDate(env.now(), { zone: 'utc' }).startOf('day')),
  };
}

/** Names of all added/replaced built-ins (the parser must know the ones containing spaces). */
export const BUILTIN_NAMES: readonly string[] = Object.keys(
  createBuiltins({ now: () => new Date(0), warn: () => undefined }),
);
