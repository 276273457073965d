import test from 'ava';
import fc from 'fast-check';
import { parseCycle } from '../engine/feel/index.ts';

// Property: for random cron expressions built from explicit value lists, `next(after)` equals
// the first matching minute found by brute force, stepping minute by minute for 40 days.

const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const WINDOW_MINUTES = 40 * 24 * 60;

const sortedUnique = (xs: number[]): number[] => [...new Set(xs)].sort((a, b) => a - b);

const spec = fc.record({
  minutes: fc.uniqueArray(fc.integer({ min: 0, max: 59 }), { minLength: 1, maxLength: 3 }),
  hours: fc.option(fc.uniqueArray(fc.integer({ min: 0, max: 23 }), { minLength: 1, maxLength: 3 })),
  days: fc.option(fc.uniqueArray(fc.integer({ min: 1, max: 31 }), { minLength: 1, maxLength: 3 })),
  weekdays: fc.option(fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 3 })),
  namedWeekdays: fc.boolean(),
});

const after = fc.date({
  min: new Date('2024-01-01T00:00:00Z'),
  max: new Date('2030-12-31T00:00:00Z'),
  noInvalidDate: true,
});

test('cron next() agrees with a brute-force search', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(spec, after, (s, from) => {
        const minutes = sortedUnique(s.minutes);
        const hours = s.hours === null ? null : sortedUnique(s.hours);
        const days = s.days === null ? null : sortedUnique(s.days);
        const weekdays = s.weekdays === null ? null : sortedUnique(s.weekdays);
        const text = [
          '0',
          minutes.join(','),
          hours === null ? '*' : hours.join(','),
          days === null ? '?' : days.join(','),
          '*',
          weekdays === null
            ? '*'
            : weekdays.map((d) => (s.namedWeekdays ? DAY_NAMES[d] : String(d))).join(','),
        ].join(' ');

        const matches = (d: Date): boolean =>
          d.getUTCSeconds() === 0 &&
          minutes.includes(d.getUTCMinutes()) &&
          (hours === null || hours.includes(d.getUTCHours())) &&
          (days === null || days.includes(d.getUTCDate())) &&
          (weekdays === null || weekdays.includes(d.getUTCDay()));

        let expected: Date | null = null;
        const firstMinute = Math.floor(from.getTime() / 60_000) * 60_000 + 60_000;
        for (let i = 0; i < WINDOW_MINUTES; i++) {
          const candidate = new Date(firstMinute + i * 60_000);
          if (matches(candidate)) {
            expected = candidate;
            break;
          }
        }

        const cycle = parseCycle(text, new Date('2024-01-01T00:00:00Z'));
        // every generated expression can fire (each day/weekday pair meets within 10 years)
        if ('error' in cycle) throw new Error(`${text}: ${cycle.error}`);
        const actual = cycle.next(from);
        if (expected !== null) return actual?.toISOString() === expected.toISOString();
        return actual === null || actual.getTime() >= firstMinute + WINDOW_MINUTES * 60_000;
      }),
      { numRuns: 150 },
    ),
  );
});
