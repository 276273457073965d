import test from 'ava';
import { addDuration, parseCycle, parseTimerDate, type Cycle } from '../engine/feel/index.ts';

// Every expected instant below was worked out by hand from a calendar (2025-03-01 is a
// Saturday, 2025-06-01 a Sunday, 2024 is a leap year).

const iso = (d: Date | { error: string } | null): string | null =>
  d === null ? null : d instanceof Date ? d.toISOString() : `error: ${d.error}`;

function cycle(text: string, now = new Date('2025-03-01T08:30:00Z')): Cycle {
  const c = parseCycle(text, now);
  if ('error' in c) throw new Error(c.error);
  return c;
}

const next = (text: string, after: string): string | null => iso(cycle(text).next(new Date(after)));

test('timeDate: ISO 8601 date-times with offset and optional zone id', (t) => {
  t.is(iso(parseTimerDate('2019-10-01T12:00:00Z')), '2019-10-01T12:00:00.000Z');
  t.is(iso(parseTimerDate('2019-10-02T08:09:40+02:00')), '2019-10-02T06:09:40.000Z');
  t.is(iso(parseTimerDate('2019-10-02T08:09:40+02:00[Europe/Berlin]')), '2019-10-02T06:09:40.000Z');
  t.is(iso(parseTimerDate('2025-07-01T10:00:00+08:00[Asia/Shanghai]')), '2025-07-01T02:00:00.000Z');
  t.is(iso(parseTimerDate('2019-10-02T08:09:40-05:30')), '2019-10-02T13:39:40.000Z');
  t.is(iso(parseTimerDate('2019-10-02T08:09:40.250Z')), '2019-10-02T08:09:40.250Z');
  t.is(iso(parseTimerDate('2019-10-02T08:09Z')), '2019-10-02T08:09:00.000Z');
  t.is(iso(parseTimerDate('2019-10-02t08:09:40z')), '2019-10-02T08:09:40.000Z');
  // the stated offset fixes the instant, as Java's ZonedDateTime.parse does
  t.is(iso(parseTimerDate('2019-12-02T08:09:40+02:00[Europe/Berlin]')), '2019-12-02T06:09:40.000Z');
  // what a FEEL result stored as a variable looks like (Java toString: no zero seconds)
  t.is(iso(parseTimerDate('2025-03-01T08:30Z[Etc/UTC]')), '2025-03-01T08:30:00.000Z');
  t.is(iso(parseTimerDate('2021-02-24T04:20+01:00')), '2021-02-24T03:20:00.000Z');
  // a FEEL date-time at midnight UTC serialises as a date (see values.ts)
  t.is(iso(parseTimerDate('2025-01-01')), '2025-01-01T00:00:00.000Z');
});

test('timeDate: bad values give clear errors', (t) => {
  t.deepEqual(parseTimerDate('2019-10-01T12:00:00'), {
    error: "invalid date-time '2019-10-01T12:00:00': a zone offset (Z or +hh:mm) is required",
  });
  t.deepEqual(parseTimerDate('2019-10-01T12:00:00[Europe/Berlin]'), {
    error: "invalid date-time '2019-10-01T12:00:00[Europe/Berlin]': a zone offset (Z or +hh:mm) is required",
  });
  t.deepEqual(parseTimerDate('2019-02-30T12:00:00Z'), {
    error: "invalid date-time '2019-02-30T12:00:00Z': no such date or time",
  });
  t.deepEqual(parseTimerDate('2019-10-01T25:00:00Z'), {
    error: "invalid date-time '2019-10-01T25:00:00Z': no such date or time",
  });
  t.deepEqual(parseTimerDate('2019-10-01T12:00:00+01:00[Mars/Olympus]'), {
    error: "invalid date-time '2019-10-01T12:00:00+01:00[Mars/Olympus]': unknown time zone 'Mars/Olympus'",
  });
  t.deepEqual(parseTimerDate('tomorrow'), {
    error:
      "invalid date-time 'tomorrow': expected ISO 8601 like 2019-10-01T12:00:00Z or 2019-10-02T08:09:40+02:00[Europe/Berlin]",
  });
  t.deepEqual(parseTimerDate('2019-13-01'), { error: "invalid date '2019-13-01': no such date" });
});

test('timeDuration: calendar-aware for years, months, weeks and days; exact for time', (t) => {
  const from = new Date('2024-01-31T10:00:00Z');
  t.is(iso(addDuration(from, 'PT15S')), '2024-01-31T10:00:15.000Z');
  t.is(iso(addDuration(from, 'PT1.5S')), '2024-01-31T10:00:01.500Z');
  t.is(iso(addDuration(from, 'PT36H')), '2024-02-01T22:00:00.000Z');
  t.is(iso(addDuration(from, 'P14D')), '2024-02-14T10:00:00.000Z');
  t.is(iso(addDuration(from, 'P2W')), '2024-02-14T10:00:00.000Z');
  t.is(iso(addDuration(from, 'P1M')), '2024-02-29T10:00:00.000Z');
  t.is(iso(addDuration(from, 'P1Y')), '2025-01-31T10:00:00.000Z');
  t.is(iso(addDuration(from, 'P1Y2M3DT4H5M6S')), '2025-04-03T14:05:06.000Z');
  t.is(iso(addDuration(new Date('2024-02-29T00:00:00Z'), 'P1Y')), '2025-02-28T00:00:00.000Z');
  // years and months are added together (Java's Period): 2024-02-29 + 13 months = 2025-03-29
  t.is(iso(addDuration(new Date('2024-02-29T00:00:00Z'), 'P1Y1M')), '2025-03-29T00:00:00.000Z');
  t.is(iso(addDuration(from, '-PT1H')), '2024-01-31T09:00:00.000Z');
  t.is(iso(addDuration(from, 'pt15s')), '2024-01-31T10:00:15.000Z');
});

test('timeDuration: bad values give clear errors', (t) => {
  for (const bad of ['P', 'PT', '1D', 'P1H', 'PT1D', '', 'P1.5D', 'P1DT', 'PT1S2M']) {
    t.deepEqual(
      addDuration(new Date(0), bad),
      { error: `invalid duration '${bad}': expected ISO 8601 like PT15S, P14D or P1Y2M3DT4H5M6S` },
      bad,
    );
  }
});

test('timeCycle: repeating intervals without a start fire one interval after the given instant', (t) => {
  const five = cycle('R5/PT10S');
  t.is(five.repetitions, 5);
  t.is(iso(five.next(new Date('2025-01-01T00:00:00Z'))), '2025-01-01T00:00:10.000Z');
  const daily = cycle('R/P1D');
  t.is(daily.repetitions, Infinity);
  t.is(iso(daily.next(new Date('2025-01-31T10:00:00Z'))), '2025-02-01T10:00:00.000Z');
  t.is(next('R/P1M', '2024-01-31T00:00:00Z'), '2024-02-29T00:00:00.000Z');
  t.is(cycle('R1/PT1M').repetitions, 1);
});

test('timeCycle: repeating intervals with a start fire at start, start + interval, …', (t) => {
  const c = cycle('R3/2025-01-01T10:00:00Z/PT1H');
  t.is(c.repetitions, 3);
  t.is(iso(c.next(new Date('2024-12-31T00:00:00Z'))), '2025-01-01T10:00:00.000Z');
  t.is(iso(c.next(new Date('2025-01-01T10:00:00Z'))), '2025-01-01T11:00:00.000Z');
  t.is(iso(c.next(new Date('2025-01-01T10:30:00Z'))), '2025-01-01T11:00:00.000Z');
  t.is(iso(c.next(new Date('2025-01-01T11:59:59.999Z'))), '2025-01-01T12:00:00.000Z');
  // a start far in the past jumps straight to the right occurrence
  t.is(next('R/2000-01-01T00:00:00Z/PT1S', '2025-03-01T08:30:00.500Z'), '2025-03-01T08:30:01.000Z');
  // calendar intervals are added to the previous firing: Jan 31 → Feb 28 → Mar 28
  t.is(next('R/2025-01-31T00:00:00Z/P1M', '2025-02-01T00:00:00Z'), '2025-02-28T00:00:00.000Z');
  t.is(next('R/2025-01-31T00:00:00Z/P1M', '2025-02-28T00:00:00Z'), '2025-03-28T00:00:00.000Z');
  t.is(
    next('R2/2025-07-01T09:00:00+08:00[Asia/Shanghai]/P1D', '2025-07-01T01:00:00Z'),
    '2025-07-02T01:00:00.000Z',
  );
});

test('timeCycle: calendar steps happen in the zone of the start (DST, offsets)', (t) => {
  // Berlin switches to summer time on 2025-03-30: 09:00 local stays 09:00 local (08:00Z → 07:00Z)
  const berlin = 'R/2025-03-29T09:00:00+01:00[Europe/Berlin]/P1D';
  t.is(next(berlin, '2025-03-29T07:00:00Z'), '2025-03-29T08:00:00.000Z');
  t.is(next(berlin, '2025-03-29T08:00:00Z'), '2025-03-30T07:00:00.000Z');
  // a fixed hour step is exact whatever the zone
  t.is(
    next('R/2025-03-30T00:00:00+01:00[Europe/Berlin]/PT1H', '2025-03-30T00:30:00Z'),
    '2025-03-30T01:00:00.000Z',
  );
  // one month after 2025-01-31 01:00 at +02:00 is 2025-02-28 01:00 at +02:00
  t.is(next('R/2025-01-31T01:00:00+02:00/P1M', '2025-01-31T00:00:00Z'), '2025-02-27T23:00:00.000Z');
});

test('timeCycle: bad repeating intervals give clear errors', (t) => {
  const err = (text: string): string | undefined => {
    const c = parseCycle(text, new Date(0));
    return 'error' in c ? c.error : undefined;
  };
  t.is(err('R5/PT0S'), "invalid cycle 'R5/PT0S': the interval must be positive");
  t.is(err('R0/PT1S'), "invalid cycle 'R0/PT1S': the number of repetitions must be at least 1");
  t.is(err('R5/-PT1S'), "invalid cycle 'R5/-PT1S': the interval must be positive");
  t.is(err('R5'), "invalid cycle 'R5': expected R<n>/<duration>, R/<duration> or R<n>/<start>/<duration>");
  t.is(
    err('RX/PT1S'),
    "invalid cycle 'RX/PT1S': expected R<n>/<duration>, R/<duration> or R<n>/<start>/<duration>",
  );
  t.is(
    err('R5/PT1X'),
    "invalid cycle 'R5/PT1X': invalid duration 'PT1X': expected ISO 8601 like PT15S, P14D or P1Y2M3DT4H5M6S",
  );
  t.is(
    err('R/2025-13-01T00:00:00Z/PT1H'),
    "invalid cycle 'R/2025-13-01T00:00:00Z/PT1H': invalid date-time '2025-13-01T00:00:00Z': no such date or time",
  );
});

test('cron: Spring six-field expressions, next fire time in UTC', (t) => {
  const c = cycle('0 0 9-17 * * MON-FRI');
  t.is(c.repetitions, Infinity);
  t.is(iso(c.next(new Date('2025-03-01T08:30:00Z'))), '2025-03-03T09:00:00.000Z'); // Sat → Mon
  t.is(iso(c.next(new Date('2025-03-03T09:00:00Z'))), '2025-03-03T10:00:00.000Z');
  t.is(iso(c.next(new Date('2025-03-03T16:59:59Z'))), '2025-03-03T17:00:00.000Z');
  t.is(iso(c.next(new Date('2025-03-07T17:00:00Z'))), '2025-03-10T09:00:00.000Z'); // Fri → Mon
  t.is(next('*/15 * * * * *', '2025-01-01T00:00:07Z'), '2025-01-01T00:00:15.000Z');
  t.is(next('*/15 * * * * *', '2025-01-01T00:00:45.100Z'), '2025-01-01T00:01:00.000Z');
  t.is(next('10/20 * * * * *', '2025-01-01T00:00:31Z'), '2025-01-01T00:00:50.000Z');
  t.is(next('0 0,30 8-10/2 * * *', '2025-01-01T08:30:00Z'), '2025-01-01T10:00:00.000Z');
  t.is(next('0 30 2 1 * ?', '2025-01-15T00:00:00Z'), '2025-02-01T02:30:00.000Z');
  t.is(next('0 0 0 1 JAN,jul *', '2025-03-01T08:30:00Z'), '2025-07-01T00:00:00.000Z');
  t.is(next('0 0 0 * * 7', '2025-03-01T08:30:00Z'), '2025-03-02T00:00:00.000Z'); // 7 = Sunday
  t.is(next('0 0 0 * * 0', '2025-03-01T08:30:00Z'), '2025-03-02T00:00:00.000Z');
  t.is(next('0 0 0 29 2 *', '2025-03-01T08:30:00Z'), '2028-02-29T00:00:00.000Z');
  // both day fields restricted: both must match (Spring), Friday the 13th
  t.is(next('0 0 0 13 * FRI', '2025-01-01T00:00:00Z'), '2025-06-13T00:00:00.000Z');
});

test('cron: L, W and # day specifiers', (t) => {
  t.is(next('0 0 0 L * *', '2024-02-10T00:00:00Z'), '2024-02-29T00:00:00.000Z');
  t.is(next('0 0 12 L-2 * *', '2025-02-01T00:00:00Z'), '2025-02-26T12:00:00.000Z');
  t.is(next('0 0 9 15W * *', '2025-03-01T00:00:00Z'), '2025-03-14T09:00:00.000Z'); // Sat 15 → Fri 14
  t.is(next('0 0 9 15W * *', '2025-06-01T00:00:00Z'), '2025-06-16T09:00:00.000Z'); // Sun 15 → Mon 16
  t.is(next('0 0 9 1W * *', '2025-02-28T10:00:00Z'), '2025-03-03T09:00:00.000Z'); // Sat 1 → Mon 3
  t.is(next('0 0 9 LW * *', '2025-05-01T00:00:00Z'), '2025-05-30T09:00:00.000Z'); // Sat 31 → Fri 30
  t.is(next('0 0 10 ? * 5L', '2025-03-01T00:00:00Z'), '2025-03-28T10:00:00.000Z');
  t.is(next('0 0 10 ? * FRIL', '2025-03-01T00:00:00Z'), '2025-03-28T10:00:00.000Z');
  t.is(next('0 0 10 ? * MON#2', '2025-03-01T00:00:00Z'), '2025-03-10T10:00:00.000Z');
  t.is(next('0 0 10 ? * 1#1', '2025-03-03T10:00:00Z'), '2025-04-07T10:00:00.000Z');
});

test('cron: macros', (t) => {
  const after = '2025-03-01T08:30:00Z';
  t.is(next('@yearly', after), '2026-01-01T00:00:00.000Z');
  t.is(next('@annually', after), '2026-01-01T00:00:00.000Z');
  t.is(next('@monthly', after), '2025-04-01T00:00:00.000Z');
  t.is(next('@weekly', after), '2025-03-02T00:00:00.000Z');
  t.is(next('@daily', after), '2025-03-02T00:00:00.000Z');
  t.is(next('@midnight', after), '2025-03-02T00:00:00.000Z');
  t.is(next('@hourly', after), '2025-03-01T09:00:00.000Z');
});

test('cron: bad expressions give clear errors', (t) => {
  const err = (text: string): string | undefined => {
    const c = parseCycle(text, new Date('2025-03-01T08:30:00Z'));
    return 'error' in c ? c.error : undefined;
  };
  t.is(
    err('0 9-17 * * MON-FRI'),
    "invalid cron expression '0 9-17 * * MON-FRI': expected 6 fields (second minute hour day-of-month month day-of-week), got 5",
  );
  t.is(err('0 60 * * * *'), "invalid cron expression '0 60 * * * *': '60' is not a valid minute (0-59)");
  t.is(err('0 0 25 * * *'), "invalid cron expression '0 0 25 * * *': '25' is not a valid hour (0-23)");
  t.is(err('0 0 0 * FOO *'), "invalid cron expression '0 0 0 * FOO *': 'FOO' is not a valid month (1-12)");
  t.is(
    err('0 0 0 ? * MON#6'),
    "invalid cron expression '0 0 0 ? * MON#6': 'MON#6': the occurrence must be 1-5",
  );
  t.is(
    err('0 0 0 5-1 * *'),
    "invalid cron expression '0 0 0 5-1 * *': range '5-1' in day-of-month field ends before it starts",
  );
  t.is(err('0 */0 * * * *'), "invalid cron expression '0 */0 * * * *': bad step '0' in minute field");
  t.is(err('0 0 0 30 2 *'), "invalid cron expression '0 0 0 30 2 *': it never fires");
  t.is(
    err('@sometimes'),
    "invalid cron expression '@sometimes': expected 6 fields (second minute hour day-of-month month day-of-week), got 1",
  );
});
