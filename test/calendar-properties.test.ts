// Property-based tests of the working-time calendar: the algebra the case layer relies on, over random
// calendars (time zones with and without daylight saving, random working periods, random overrides),
// plus a minute-by-minute reference implementation written independently of the module.
import test, { type ExecutionContext } from 'ava';
import fc from 'fast-check';
import chineseDays from 'chinese-days/dist/chinese-days.json' with { type: 'json' };
import {
  createWorkCalendar,
  type CalendarOverride,
  type Shift,
  type WorkCalendarOptions,
  type WorkCalendar,
} from '../src/calendar/index.ts';

const MINUTE = 60_000;
const FROM = Date.UTC(2025, 0, 1);
const TO = Date.UTC(2027, 5, 30); // into 2027, which the official data does not cover yet
const ZONES = ['Asia/Shanghai', 'Asia/Kolkata', 'Europe/London', 'America/New_York', 'Australia/Lord_Howe'];

const hhmm = (m: number) =>
  `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

// Working periods between 04:00 and 24:00: the listed zones change their clocks between 01:00 and
// 03:00, where the reference implementation below and the documented gap/overlap rule may differ.
const shiftsArb: fc.Arbitrary<Shift[]> = fc
  .integer({ min: 1, max: 3 })
  .chain((n) => fc.uniqueArray(fc.integer({ min: 240, max: 1440 }), { minLength: 2 * n, maxLength: 2 * n }))
  .map((points) => {
    const sorted = [...points].sort((a, b) => a - b);
    const shifts: Shift[] = [];
    for (let i = 0; i < sorted.length; i += 2)
      shifts.push({ start: hhmm(sorted[i]!), end: hhmm(sorted[i + 1]!) });
    return shifts;
  });

const dateArb = fc
  .integer({ min: FROM / 86_400_000, max: TO / 86_400_000 })
  .map((d) => new Date(d * 86_400_000).toISOString().slice(0, 10));

const overridesArb: fc.Arbitrary<CalendarOverride[]> = fc
  .uniqueArray(
    fc.record({
      date: dateArb,
      kind: fc.constantFrom('holiday' as const, 'workday' as const),
      shifts: fc.option(shiftsArb, { nil: undefined }),
    }),
    { maxLength: 6, selector: (o) => o.date },
  )
  .map((list) => list.map((o) => (o.kind === 'holiday' ? { date: o.date, kind: o.kind } : o)));

const optionsArb: fc.Arbitrary<WorkCalendarOptions> = fc.record({
  timezone: fc.constantFrom(...ZONES),
  shifts: shiftsArb,
  overrides: overridesArb,
});

const instantArb = fc.integer({ min: FROM, max: TO });
const minuteArb = fc.integer({ min: FROM / MINUTE, max: TO / MINUTE }).map((m) => m * MINUTE);
// Up to a few hundred working hours. Each property scales it to its calendar with `within`, so a
// calendar with one short period a day is not asked to walk centuries.
const amountArb = fc.integer({ min: 0, max: 300 * 60 });
const within = (cal: WorkCalendar, minutes: number) => minutes % (40 * cal.standardDayMinutes + 1);

/** Runs a property and fails the test with fast-check's report (seed, counterexample) when it breaks. */
const check = <Ts extends unknown[]>(t: ExecutionContext, property: fc.IProperty<Ts>, numRuns = 200) => {
  const details = fc.check(property, { numRuns });
  t.false(details.failed, fc.defaultReportMessage(details) ?? '');
};

test('inverse of elapsed: workingTimeBetween(t, add(t, n)) = n, for any start', (t) => {
  check(
    t,
    fc.property(optionsArb, instantArb, amountArb, (options, start, n) => {
      const cal = createWorkCalendar(options);
      n = within(cal, n);
      const end = cal.addWorkingTime(new Date(start), { minutes: n });
      return cal.workingTimeBetween(new Date(start), end) === n && end.getTime() >= start;
    }),
  );
});

test('additive: add(add(t, a), b) = add(t, a + b)', (t) => {
  check(
    t,
    fc.property(optionsArb, instantArb, amountArb, amountArb, (options, start, a, b) => {
      const cal = createWorkCalendar(options);
      [a, b] = [within(cal, a), within(cal, b)];
      const stepwise = cal.addWorkingTime(cal.addWorkingTime(new Date(start), { minutes: a }), {
        minutes: b,
      });
      return stepwise.getTime() === cal.addWorkingTime(new Date(start), { minutes: a + b }).getTime();
    }),
  );
});

test('monotonic: more working time, or a later start, never gives an earlier deadline', (t) => {
  check(
    t,
    fc.property(optionsArb, instantArb, instantArb, amountArb, amountArb, (options, s1, s2, a, b) => {
      const cal = createWorkCalendar(options);
      const [early, late] = s1 <= s2 ? [s1, s2] : [s2, s1];
      [a, b] = [within(cal, a), within(cal, b)];
      const [less, more] = [Math.min(a, b), Math.max(a, b)];
      const add = (s: number, m: number) => cal.addWorkingTime(new Date(s), { minutes: m }).getTime();
      return add(early, less) <= add(early, more) && add(early, less) <= add(late, less);
    }),
  );
});

test('elapsed is non-negative, antisymmetric, additive over a chain and at most the natural time', (t) => {
  check(
    t,
    fc.property(optionsArb, instantArb, instantArb, instantArb, (options, x, y, z) => {
      const cal = createWorkCalendar(options);
      const [a, b, c] = [x, y, z].sort((p, q) => p - q).map((v) => new Date(v)) as [Date, Date, Date];
      const w = (p: Date, q: Date) => Math.round(cal.workingTimeBetween(p, q) * MINUTE); // back to whole ms
      return (
        w(a, b) >= 0 &&
        w(b, a) === -w(a, b) &&
        w(a, b) + w(b, c) === w(a, c) &&
        w(a, c) <= c.getTime() - a.getTime()
      );
    }),
  );
});

test('remaining is consistent with elapsed: elapsed(start, now) + remaining(now, deadline) = the limit', (t) => {
  check(
    t,
    fc.property(optionsArb, instantArb, instantArb, amountArb, (options, start, now, n) => {
      const cal = createWorkCalendar(options);
      n = within(cal, n);
      const deadline = cal.addWorkingTime(new Date(start), { minutes: n });
      const elapsed = cal.workingTimeBetween(new Date(start), new Date(now));
      const remaining = cal.remaining(new Date(now), deadline);
      const sumMs = Math.round(elapsed * MINUTE) + Math.round(remaining * MINUTE);
      const overdueOk = now <= deadline.getTime() ? remaining >= 0 : remaining <= 0;
      return sumMs === n * MINUTE && overdueOk;
    }),
  );
});

test('the clock starts at the next working instant, and adding elapsed time never overshoots', (t) => {
  check(
    t,
    fc.property(optionsArb, instantArb, instantArb, (options, x, y) => {
      const cal = createWorkCalendar(options);
      const [a, b] = x <= y ? [new Date(x), new Date(y)] : [new Date(y), new Date(x)];
      const next = cal.nextWorkingInstant(a);
      const back = cal.addWorkingTime(a, { minutes: cal.workingTimeBetween(a, b) });
      return (
        next >= a &&
        cal.workingTimeBetween(a, next) === 0 &&
        cal.workingTimeBetween(next, new Date(next.getTime() + 1)) > 0 &&
        cal.addWorkingTime(a, { minutes: 1 }).getTime() >= next.getTime() + MINUTE &&
        back <= b &&
        cal.workingTimeBetween(back, b) === 0
      );
    }),
  );
});

test('working days are multiples of the standard day; natural time is plain elapsed time', (t) => {
  check(
    t,
    fc.property(optionsArb, instantArb, fc.integer({ min: 0, max: 40 }), (options, start, days) => {
      const cal = createWorkCalendar(options);
      const s = new Date(start);
      return (
        cal.addWorkingTime(s, { days }).getTime() ===
          cal.addWorkingTime(s, { minutes: days * cal.standardDayMinutes }).getTime() &&
        cal.deadlineFor(s, { minutes: days * 60, mode: 'natural' }).getTime() === start + days * 3_600_000 &&
        cal.remaining(s, cal.addNaturalTime(s, { days }), 'natural') === days * 1440
      );
    }),
  );
});

test('state: red exactly after the deadline; yellow exactly from the configured share of the limit', (t) => {
  check(
    t,
    fc.property(
      optionsArb,
      instantArb,
      instantArb,
      fc.integer({ min: 1, max: 300 * 60 }),
      fc.double({ min: 0.05, max: 1, noNaN: true }),
      (options, start, now, n, yellowFraction) => {
        const cal = createWorkCalendar({ ...options, yellowFraction });
        n = within(cal, n) || 1;
        const deadline = cal.addWorkingTime(new Date(start), { minutes: n });
        const state = cal.state(new Date(start), deadline, new Date(now));
        if (now > deadline.getTime()) return state === 'red';
        const used = cal.workingTimeBetween(new Date(start), new Date(now));
        return state === (used >= yellowFraction * n ? 'yellow' : 'green');
      },
    ),
  );
});

// ---- reference implementation: one minute at a time, wall clock read through Intl ------------------

function referenceCalendar(options: WorkCalendarOptions) {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone: options.timezone,
    hourCycle: 'h23',
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  const minutesOf = (shifts: Shift[]) =>
    shifts.map(({ start, end }) => [toMinutes(start), toMinutes(end)] as const);
  const toMinutes = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
  const standard = minutesOf(options.shifts!);
  const official = chineseDays as { holidays: Record<string, string>; workdays: Record<string, string> };
  // 2027 is beyond the official data: its statutory holidays up to TO, written out by hand (元旦; 除夕 to
  // 初三; 清明; 劳动节; 端午), which the calendar derives from the holiday rules.
  const statutory2027 = new Set([
    '2027-01-01',
    '2027-02-05',
    '2027-02-06',
    '2027-02-07',
    '2027-02-08',
    '2027-04-05',
    '2027-05-01',
    '2027-05-02',
    '2027-06-09',
  ]);

  /** Whether the minute starting at `ms` is working time. */
  const working = (ms: number): boolean => {
    const p = Object.fromEntries(format.formatToParts(ms).map((x) => [x.type, x.value]));
    const date = `${p.year}-${p.month}-${p.day}`;
    const minute = Number(p.hour) * 60 + Number(p.minute);
    const override = options.overrides!.find((o) => o.date === date);
    let periods: (readonly [number, number])[] = [];
    if (override)
      periods = override.kind === 'workday' ? (override.shifts ? minutesOf(override.shifts) : standard) : [];
    else if (official.workdays[date]) periods = standard;
    else if (official.holidays[date] || statutory2027.has(date)) periods = [];
    else if (p.weekday !== 'Sat' && p.weekday !== 'Sun') periods = standard;
    return periods.some(([s, e]) => minute >= s && minute < e);
  };
  return {
    between(a: number, b: number) {
      let n = 0;
      for (let m = a; m < b; m += MINUTE) if (working(m)) n++;
      return n;
    },
    add(t: number, n: number) {
      let m = t;
      for (let left = n; left > 0; m += MINUTE) if (working(m)) left--;
      return m;
    },
  };
}

test('agrees with a minute-by-minute reference implementation', (t) => {
  check(
    t,
    fc.property(
      optionsArb,
      minuteArb,
      fc.integer({ min: 0, max: 4 * 1440 }),
      fc.integer({ min: 0, max: 900 }),
      (options, start, span, n) => {
        const cal = createWorkCalendar(options);
        const ref = referenceCalendar(options);
        n %= 3 * cal.standardDayMinutes + 1; // keeps the reference's minute walk to a few weeks
        const worked = ref.between(start, start + span * MINUTE);
        return (
          cal.workingTimeBetween(new Date(start), new Date(start + span * MINUTE)) === worked &&
          cal.addWorkingTime(new Date(start), { minutes: n }).getTime() === ref.add(start, n) &&
          // The span often ends in a break, so this lands on the end of a working period.
          cal.addWorkingTime(new Date(start), { minutes: worked }).getTime() === ref.add(start, worked)
        );
      },
    ),
    60,
  );
});
