/**
 * Cron expressions as Zeebe accepts them for timer cycles: Spring's CronExpression syntax
 * (docs.camunda.io → components/modeler/bpmn/timer-events, "time cycle"; Spring Framework
 * reference, "Cron Expressions"). Written here rather than taken from npm because the popular
 * packages follow Unix/Quartz rules that differ in exactly the places that matter (field count,
 * day-of-month AND day-of-week, `L`/`W`/`#`).
 *
 *   second minute hour day-of-month month day-of-week      e.g. `0 0 9-17 * * MON-FRI`
 *
 * Each field: `*`, `?` (day fields), a value, a range `a-b`, a step `*\/n`, `a/n`, `a-b/n`, or a
 * comma list of those. Months take JAN–DEC, days SUN–SAT (0 and 7 are both Sunday).
 * Day-of-month also takes `L` (last day), `L-n` (n days before the last), `nW` (weekday
 * nearest to day n, within the month) and `LW` (last weekday); day-of-week takes `dL` (last
 * such day of the month) and `d#n` (n-th such day). Macros: @yearly, @annually, @monthly,
 * @weekly, @daily, @midnight, @hourly. As in Spring, when both day fields are restricted a day
 * must match both. Times are computed in UTC.
 */

/** A parsed cron expression. */
export interface Cron {
  /** The first instant strictly after `after` that matches, or null if none within 10 years. */
  next(after: Date): Date | null;
}

const MACROS: Record<string, string> = {
  '@yearly': '0 0 0 1 1 *',
  '@annually': '0 0 0 1 1 *',
  '@monthly': '0 0 0 1 * *',
  '@weekly': '0 0 0 * * 0',
  '@daily': '0 0 0 * * *',
  '@midnight': '0 0 0 * * *',
  '@hourly': '0 0 * * * *',
};

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

class CronSyntaxError extends Error {}

interface Field {
  min: number;
  max: number;
  names?: string[];
  /** Offset added to a name's index (JAN is month 1). */
  nameBase: number;
}

const SECOND: Field = { min: 0, max: 59, nameBase: 0 };
const MINUTE: Field = { min: 0, max: 59, nameBase: 0 };
const HOUR: Field = { min: 0, max: 23, nameBase: 0 };
const DAY_OF_MONTH: Field = { min: 1, max: 31, nameBase: 0 };
const MONTH: Field = { min: 1, max: 12, names: MONTHS, nameBase: 1 };
const DAY_OF_WEEK: Field = { min: 0, max: 7, names: DAYS, nameBase: 0 };

function value(text: string, field: Field, what: string): number {
  const upper = text.toUpperCase();
  const named = field.names?.indexOf(upper) ?? -1;
  const n = named >= 0 ? named + field.nameBase : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < field.min || n > field.max) {
    throw new CronSyntaxError(`'${text}' is not a valid ${what} (${field.min}-${field.max})`);
  }
  return n;
}

/** Parses a plain numeric field (no L/W/#) into the set of allowed values. */
function parseSet(text: string, field: Field, what: string): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    if (part === '') throw new CronSyntaxError(`empty list item in ${what} field '${text}'`);
    const [range = '', stepText, extra] = part.split('/');
    if (extra !== undefined) throw new CronSyntaxError(`bad step in ${what} field '${part}'`);
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      lo = field.min;
      hi = field.max;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      lo = value(a, field, what);
      hi = value(b, field, what);
      if (hi < lo) throw new CronSyntaxError(`range '${range}' in ${what} field ends before it starts`);
    } else {
      lo = value(range, field, what);
      hi = stepText === undefined ? lo : field.max;
    }
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) {
        throw new CronSyntaxError(`bad step '${stepText}' in ${what} field`);
      }
      step = Number(stepText);
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

const daysInMonth = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();
const weekday = (y: number, m: number, d: number): number => new Date(Date.UTC(y, m - 1, d)).getUTCDay();

/** The weekday (Mon–Fri) nearest to day `d` without leaving the month. */
function nearestWeekday(y: number, m: number, d: number): number {
  const last = daysInMonth(y, m);
  const day = Math.min(d, last);
  const wd = weekday(y, m, day);
  if (wd === 6) return day === 1 ? day + 2 : day - 1;
  if (wd === 0) return day === last ? day - 2 : day + 1;
  return day;
}

type DayTest = (y: number, m: number, d: number) => boolean;

function parseDayOfMonth(text: string): DayTest | null {
  if (text === '*' || text === '?') return null;
  const tests: DayTest[] = text.split(',').map((part): DayTest => {
    const u = part.toUpperCase();
    if (u === 'L') return (y, m, d) => d === daysInMonth(y, m);
    if (u === 'LW') {
      return (y, m, d) => d === nearestWeekday(y, m, daysInMonth(y, m));
    }
    const lastMinus = /^L-(\d+)$/.exec(u);
    if (lastMinus) {
      const n = Number(lastMinus[1]);
      if (n > 30) throw new CronSyntaxError(`'${part}' is not a valid day-of-month offset`);
      return (y, m, d) => d === daysInMonth(y, m) - n;
    }
    const w = /^(\d+)W$/.exec(u);
    if (w) {
      const n = value(w[1] ?? '', DAY_OF_MONTH, 'day-of-month');
      return (y, m, d) => n <= daysInMonth(y, m) && d === nearestWeekday(y, m, n);
    }
    const set = parseSet(part, DAY_OF_MONTH, 'day-of-month');
    return (_y, _m, d) => set.has(d);
  });
  return (y, m, d) => tests.some((t) => t(y, m, d));
}

function parseDayOfWeek(text: string): DayTest | null {
  if (text === '*' || text === '?') return null;
  const tests: DayTest[] = text.split(',').map((part): DayTest => {
    const last = /^(\w+)L$/i.exec(part);
    if (last) {
      const wd = value(last[1] ?? '', DAY_OF_WEEK, 'day-of-week') % 7;
      return (y, m, d) => weekday(y, m, d) === wd && d + 7 > daysInMonth(y, m);
    }
    const nth = /^(\w+)#(\d)$/.exec(part);
    if (nth) {
      const wd = value(nth[1] ?? '', DAY_OF_WEEK, 'day-of-week') % 7;
      const n = Number(nth[2]);
      if (n < 1 || n > 5) throw new CronSyntaxError(`'${part}': the occurrence must be 1-5`);
      return (y, m, d) => weekday(y, m, d) === wd && Math.ceil(d / 7) === n;
    }
    const set = new Set([...parseSet(part, DAY_OF_WEEK, 'day-of-week')].map((v) => v % 7));
    return (y, m, d) => set.has(weekday(y, m, d));
  });
  return (y, m, d) => tests.some((t) => t(y, m, d));
}

/** Parses a cron expression; returns `{ error }` with the reason when it is not valid. */
export function parseCron(text: string): Cron | { error: string } {
  const source = MACROS[text.trim().toLowerCase()] ?? text.trim();
  const fields = source.split(/\s+/);
  if (fields.length !== 6) {
    return {
      error: `invalid cron expression '${text}': expected 6 fields (second minute hour day-of-month month day-of-week), got ${fields.length}`,
    };
  }
  const [sec = '', min = '', hour = '', dom = '', mon = '', dow = ''] = fields;
  try {
    const seconds = parseSet(sec, SECOND, 'second');
    const minutes = parseSet(min, MINUTE, 'minute');
    const hours = parseSet(hour, HOUR, 'hour');
    const months = parseSet(mon, MONTH, 'month');
    const domTest = parseDayOfMonth(dom);
    const dowTest = parseDayOfWeek(dow);
    const dayMatches = (y: number, m: number, d: number): boolean =>
      (domTest === null || domTest(y, m, d)) && (dowTest === null || dowTest(y, m, d));
    return {
      next(after) {
        // Start at the next whole second after `after`.
        let t = Math.floor(after.getTime() / 1000) * 1000 + 1000;
        const limit = after.getTime() + 10 * 366 * 86_400_000;
        while (t <= limit) {
          const at = new Date(t);
          const y = at.getUTCFullYear();
          const m = at.getUTCMonth() + 1;
          const d = at.getUTCDate();
          if (!months.has(m)) {
            t = Date.UTC(y, m, 1); // first day of the next month
          } else if (!dayMatches(y, m, d)) {
            t = Date.UTC(y, m - 1, d + 1);
          } else if (!hours.has(at.getUTCHours())) {
            t = Date.UTC(y, m - 1, d, at.getUTCHours() + 1);
          } else if (!minutes.has(at.getUTCMinutes())) {
            t = Date.UTC(y, m - 1, d, at.getUTCHours(), at.getUTCMinutes() + 1);
          } else if (!seconds.has(at.getUTCSeconds())) {
            t += 1000;
          } else {
            return at;
          }
        }
        return null;
      },
    };
  } catch (err) {
    if (err instanceof CronSyntaxError) return { error: `invalid cron expression '${text}': ${err.message}` };
    throw err;
  }
}
