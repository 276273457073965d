import test from 'ava';
import { createWorkCalendar, type WorkCalendar } from '../src/calendar/index.ts';
import { HubError } from '../src/errors.ts';

// Wall-clock time in Rugao (Asia/Shanghai, UTC+8 all year) — written out so expected instants are
// read off the official schedule by hand, not computed by the code under test.
const at = (wall: string) => new Date(`${wall.replace(' ', 'T')}+08:00`);
const calendar = createWorkCalendar(); // Asia/Shanghai, 08:30–12:00 + 13:30–17:30

const iso = (d: Date) => d.toISOString();

// ---------------------------------------------------------------------------------------------------
// Scenario 6 (domain.md): a 4 工作时 case dispatched 17:20 on the last working day before National Day.
//
// 2026 schedule (国务院办公厅关于2026年部分节假日安排的通知, gov.cn/zhengce/zhengceku/202511/content_7047091.htm):
// 国庆节 10月1日(周四)至7日(周三)放假调休，共7天；
// 9月20日(周日)、10月10日(周六)上班. So Wed 30 Sep is the last working day before the holiday,
// Thu 8 Oct and Fri 9 Oct are ordinary working days and Sat 10 Oct is a 调休 working Saturday.
//
// 4 工作时 = 240 min from Wed 30 Sep 17:20:
//   30 Sep 17:20–17:30   10 min  (230 left)
//   1–7 Oct holiday       0 min
//   8 Oct 08:30–12:00   210 min  (20 left)
//   8 Oct 13:30 + 20 min → deadline Thu 8 Oct 2026 13:50 (+08:00) = 05:50Z
// ---------------------------------------------------------------------------------------------------
test('scenario 6: 4 工作时 from 17:20 on 30 Sep 2026 falls due 13:50 on 8 Oct, after the holiday', (t) => {
  const deadline = calendar.addWorkingTime(at('2026-09-30 17:20'), { hours: 4 });
  t.is(iso(deadline), '2026-10-08T05:50:00.000Z');
  t.is(iso(calendar.deadlineFor(at('2026-09-30 17:20'), { minutes: 240, mode: 'working' })), iso(deadline));
  t.is(calendar.workingTimeBetween(at('2026-09-30 17:20'), deadline), 240);
});

// 3 工作日 = 3 × 450 = 1350 min from Wed 30 Sep 2026 17:20:
//   30 Sep 10 (1340 left) · 8 Oct 450 (890) · 9 Oct 450 (440) · Sat 10 Oct (调休): 08:30–12:00 210 (230),
//   13:30 + 230 min = 17:20 → Sat 10 Oct 2026 17:20 (+08:00) = 09:20Z.
// Without the 调休 Saturday (an override making it a rest day) the next working day is Mon 12 Oct,
// again 17:20.
test('scenario 6: 3 工作日 reach the 调休 Saturday 10 Oct 2026; without it they reach Monday', (t) => {
  t.is(iso(calendar.addWorkingTime(at('2026-09-30 17:20'), { days: 3 })), '2026-10-10T09:20:00.000Z');
  const noMakeUpDay = createWorkCalendar({ overrides: [{ date: '2026-10-10', kind: 'holiday' }] });
  t.is(iso(noMakeUpDay.addWorkingTime(at('2026-09-30 17:20'), { days: 3 })), '2026-10-12T09:20:00.000Z');
});

// 2025 schedule (国办发明电〔2024〕12号, gov.cn/zhengce/zhengceku/202411/content_6986383.htm):
// 国庆节、中秋节 10月1日(周三)至8日(周三)放假调休，共8天；
// 9月28日(周日)、10月11日(周六)上班.
//   Tue 30 Sep 17:20 + 240 min: 10 min that day, holiday 1–8 Oct, Thu 9 Oct 210 + 20 → 9 Oct 13:50.
//   Fri 10 Oct 17:20 + 240 min: 10 min, Sat 11 Oct is a 调休 working day: 210 + 20 → Sat 11 Oct 13:50.
//   Fri 26 Sep 17:20 + 240 min: 10 min, Sat 27 Sep rest, Sun 28 Sep 调休 working → Sun 28 Sep 13:50.
test('scenario 6 in 2025: across the 8-day holiday, and onto the 调休 Saturday and Sunday', (t) => {
  t.is(iso(calendar.addWorkingTime(at('2025-09-30 17:20'), { hours: 4 })), '2025-10-09T05:50:00.000Z');
  t.is(iso(calendar.addWorkingTime(at('2025-10-10 17:20'), { hours: 4 })), '2025-10-11T05:50:00.000Z');
  t.is(iso(calendar.addWorkingTime(at('2025-09-26 17:20'), { hours: 4 })), '2025-09-28T05:50:00.000Z');
});

test('an administrator override turning a holiday into a workday moves the deadline earlier', (t) => {
  // 7 Oct 2026 made a working day: 10 min on 30 Sep, then 7 Oct 08:30–12:00 and 13:30–13:50.
  const cal = createWorkCalendar({ overrides: [{ date: '2026-10-07', kind: 'workday' }] });
  t.is(iso(cal.addWorkingTime(at('2026-09-30 17:20'), { hours: 4 })), '2026-10-07T05:50:00.000Z');
  t.deepEqual(cal.day('2026-10-07'), {
    date: '2026-10-07',
    working: true,
    source: 'override',
    shifts: [
      { start: '08:30', end: '12:00' },
      { start: '13:30', end: '17:30' },
    ],
  });
  // With its own short hours 09:00–11:00: 10 + 120 on 7 Oct, then 110 min from 08:30 on 8 Oct → 10:20.
  const short = createWorkCalendar({
    overrides: [{ date: '2026-10-07', kind: 'workday', shifts: [{ start: '09:00', end: '11:00' }] }],
  });
  t.is(iso(short.addWorkingTime(at('2026-09-30 17:20'), { hours: 4 })), '2026-10-08T02:20:00.000Z');
});

test('the official schedule classifies holidays, 调休 workdays and ordinary days', (t) => {
  t.like(calendar.day('2026-10-01'), { working: false, source: 'official', name: '国庆节', shifts: [] });
  t.like(calendar.day('2026-09-20'), { working: true, source: 'official', name: '国庆节' });
  t.like(calendar.day('2026-11-28'), { working: false, source: 'weekday', shifts: [] }); // a Saturday
  t.like(calendar.day('2026-11-27'), { working: true, source: 'weekday' }); // a Friday
  t.deepEqual(calendar.officialYears, { first: 2004, last: 2026 });
});

test('the clock starts at the next working period when the start lies outside working hours', (t) => {
  // Friday 27 Nov 2026 18:00 → nothing until Monday 30 Nov 08:30; 1 h → 09:30.
  t.is(iso(calendar.nextWorkingInstant(at('2026-11-27 18:00'))), iso(at('2026-11-30 08:30')));
  t.is(iso(calendar.addWorkingTime(at('2026-11-27 18:00'), { hours: 1 })), iso(at('2026-11-30 09:30')));
  // In the lunch break: 12:10 + 30 min → 14:00.
  t.is(iso(calendar.addWorkingTime(at('2026-11-26 12:10'), { minutes: 30 })), iso(at('2026-11-26 14:00')));
  // Inside working time the clock starts at once.
  t.is(iso(calendar.nextWorkingInstant(at('2026-11-26 10:15'))), iso(at('2026-11-26 10:15')));
  t.is(calendar.workingTimeBetween(at('2026-11-27 18:00'), at('2026-11-30 08:30')), 0);
});

test('a limit used up at the end of a period falls due then, not when the next period starts', (t) => {
  t.is(iso(calendar.addWorkingTime(at('2026-11-26 08:30'), { minutes: 210 })), iso(at('2026-11-26 12:00')));
  t.is(iso(calendar.addWorkingTime(at('2026-11-26 08:30'), { minutes: 211 })), iso(at('2026-11-26 13:31')));
  t.is(iso(calendar.addWorkingTime(at('2026-11-26 10:00'), { minutes: 0 })), iso(at('2026-11-26 10:00')));
});

test('N 工作日 is N standard working days of working time', (t) => {
  t.is(calendar.standardDayMinutes, 450);
  // Thursday 10:00 + 1 day → Friday 10:00; + 2 days → Monday 10:00 (weekend skipped).
  t.is(iso(calendar.addWorkingTime(at('2026-11-26 10:00'), { days: 1 })), iso(at('2026-11-27 10:00')));
  t.is(iso(calendar.addWorkingTime(at('2026-11-26 10:00'), { days: 2 })), iso(at('2026-11-30 10:00')));
  // 0.5 工作日 (12319 受理) from 08:30 = 225 min: 210 before lunch, 15 after → 13:45.
  t.is(iso(calendar.addWorkingTime(at('2026-11-26 08:30'), { days: 0.5 })), iso(at('2026-11-26 13:45')));
  // Parts add up: 1 day + 1 hour + 15 minutes.
  t.is(
    iso(calendar.addWorkingTime(at('2026-11-26 10:00'), { days: 1, hours: 1, minutes: 15 })),
    iso(at('2026-11-27 11:15')),
  );
  // Custom shifts change the standard day: 09:00–17:00 without a break is 480 min.
  const long = createWorkCalendar({ shifts: [{ start: '09:00', end: '17:00' }] });
  t.is(long.standardDayMinutes, 480);
  t.is(iso(long.addWorkingTime(at('2026-11-27 16:00'), { days: 1 })), iso(at('2026-11-30 16:00')));
});

test('natural-time limits ignore the calendar', (t) => {
  const start = at('2026-09-30 17:20');
  t.is(iso(calendar.addNaturalTime(start, { hours: 4 })), iso(at('2026-09-30 21:20')));
  t.is(iso(calendar.deadlineFor(start, { minutes: 240, mode: 'natural' })), iso(at('2026-09-30 21:20')));
  t.is(iso(calendar.addNaturalTime(start, { days: 2 })), iso(at('2026-10-02 17:20')));
  t.is(calendar.remaining(at('2026-10-01 09:00'), at('2026-10-01 10:30'), 'natural'), 90);
  t.is(calendar.remaining(at('2026-10-01 10:30'), at('2026-10-01 09:00'), 'natural'), -90);
  // A 1 h natural limit over the holiday: yellow at 48 min, red after 60.
  const deadline = calendar.deadlineFor(at('2026-10-01 09:00'), { minutes: 60, mode: 'natural' });
  t.is(calendar.state(at('2026-10-01 09:00'), deadline, at('2026-10-01 09:47'), 'natural'), 'green');
  t.is(calendar.state(at('2026-10-01 09:00'), deadline, at('2026-10-01 09:48'), 'natural'), 'yellow');
  t.is(calendar.state(at('2026-10-01 09:00'), deadline, at('2026-10-01 10:01'), 'natural'), 'red');
});

test('green/yellow/red boundaries: yellow from 80% of the limit up to the deadline, red after', (t) => {
  // Thu 26 Nov 2026 08:30 + 4 h: 210 min to 12:00, 30 after lunch → 14:00. 80% of 240 = 192 min → 11:42.
  const start = at('2026-11-26 08:30');
  const deadline = calendar.addWorkingTime(start, { hours: 4 });
  t.is(iso(deadline), iso(at('2026-11-26 14:00')));
  const stateAt = (now: Date) => calendar.state(start, deadline, now);
  t.is(stateAt(start), 'green');
  t.is(stateAt(new Date(at('2026-11-26 11:42').getTime() - 1)), 'green');
  t.is(stateAt(at('2026-11-26 11:42')), 'yellow');
  t.is(stateAt(at('2026-11-26 12:45')), 'yellow'); // lunch: 210 of 240 used
  t.is(stateAt(deadline), 'yellow'); // done at the deadline is still 按期
  t.is(stateAt(new Date(deadline.getTime() + 1)), 'red');
  t.is(stateAt(at('2026-11-25 17:00')), 'green'); // before the start

  const half = createWorkCalendar({ yellowFraction: 0.5 });
  t.is(half.state(start, deadline, new Date(at('2026-11-26 10:30').getTime() - 1)), 'green');
  t.is(half.state(start, deadline, at('2026-11-26 10:30')), 'yellow');
  // A limit of zero is due at once.
  t.is(calendar.state(start, start, start), 'yellow');
});

test('remaining counts working minutes, negative once working time has passed the deadline', (t) => {
  const deadline = at('2026-11-27 17:30'); // Friday end of day
  t.is(calendar.remaining(at('2026-11-27 16:00'), deadline), 90);
  t.is(calendar.remaining(at('2026-11-26 17:00'), deadline), 30 + 450);
  t.is(calendar.remaining(at('2026-11-28 10:00'), deadline), 0); // Saturday: overdue, no working time lost
  t.is(calendar.state(at('2026-11-27 08:30'), deadline, at('2026-11-28 10:00')), 'red');
  t.is(calendar.remaining(at('2026-11-30 09:00'), deadline), -30); // Monday
  t.is(calendar.workingTimeBetween(at('2026-11-30 09:00'), at('2026-11-27 17:30')), -30);
  t.is(calendar.workingTimeBetween(at('2026-11-27 17:30'), at('2026-11-30 09:00')), 30);
});

test('a 挂账 pause extends the deadline by the working time it lasted, using the primitives', (t) => {
  // Dispatched Thu 26 Nov 2026 08:30 with 1 工作日 = 450 min: exactly Thursday's working time, due Thu
  // 17:30. Suspended Thu 10:00 (90 min used, 360 left) until Mon 30 Nov 09:00; the pause covered
  // Thu 10:00–12:00 120 + 13:30–17:30 240 + Fri 450 + Mon 08:30–09:00 30 = 840 working minutes.
  // Extended deadline = Thu 17:30 + 840: Fri 450 (390 left), Mon 210 (180 left), 13:30 + 180 → Mon 16:30,
  // which is also resume time Mon 09:00 + the 360 minutes that were left (180 before lunch, 180 after).
  const deadline = calendar.addWorkingTime(at('2026-11-26 08:30'), { days: 1 });
  t.is(iso(deadline), iso(at('2026-11-26 17:30')));
  const paused = calendar.workingTimeBetween(at('2026-11-26 10:00'), at('2026-11-30 09:00'));
  t.is(paused, 840);
  t.is(iso(calendar.addWorkingTime(deadline, { minutes: paused })), iso(at('2026-11-30 16:30')));
  t.is(iso(calendar.addWorkingTime(at('2026-11-30 09:00'), { minutes: 360 })), iso(at('2026-11-30 16:30')));
});

test('a configured time zone is honoured exactly, daylight saving included', (t) => {
  const london = createWorkCalendar({
    timezone: 'Europe/London',
    shifts: [{ start: '09:00', end: '17:00' }],
  });
  t.is(london.timezone, 'Europe/London');
  // Fri 23 Oct 2026 16:00 BST (15:00Z) + 2 h: 1 h Friday, clocks go back Sun 25 Oct, Monday 09:00 GMT
  // = 09:00Z, + 1 h → 10:00Z.
  t.is(
    iso(london.addWorkingTime(new Date('2026-10-23T15:00:00Z'), { hours: 2 })),
    '2026-10-26T10:00:00.000Z',
  );
  // London has no official Chinese holidays of its own, but the data is national: 1 Oct 2026 is still a rest day.
  t.like(london.day('2026-10-01'), { working: false, source: 'official' });
  // A day that loses an hour at 01:00 with a 00:00–03:00 period has 2 h of working time.
  const night = createWorkCalendar({
    timezone: 'Europe/London',
    shifts: [{ start: '00:00', end: '03:00' }],
    overrides: [{ date: '2026-03-29', kind: 'workday' }], // a Sunday
  });
  t.is(night.workingTimeBetween(new Date('2026-03-28T23:00:00Z'), new Date('2026-03-29T12:00:00Z')), 120);
});

test('invalid options and arguments are validation errors naming the field', (t) => {
  const fields = (fn: () => unknown) => {
    const err = t.throws(fn, { instanceOf: HubError });
    t.is(err.type, 'validation');
    t.is(err.status, 400);
    return err.errors.map((e) => e.field);
  };
  t.deepEqual(
    fields(() => createWorkCalendar({ timezone: 'Mars/Olympus' })),
    ['timezone'],
  );
  t.deepEqual(
    fields(() =>
      createWorkCalendar({
        shifts: [
          { start: '08:30', end: '12:00' },
          { start: '11:00', end: '25:00' },
          { start: '14:00', end: '13:00' },
        ],
      }),
    ),
    ['shifts[1].end', 'shifts[2].end'],
  );
  t.deepEqual(
    fields(() =>
      createWorkCalendar({
        shifts: [
          { start: '08:30', end: '12:00' },
          { start: '11:00', end: '13:00' },
        ],
      }),
    ),
    ['shifts[1]'],
  );
  t.deepEqual(
    fields(() => createWorkCalendar({ shifts: [] })),
    ['shifts'],
  );
  t.deepEqual(
    fields(() =>
      createWorkCalendar({
        overrides: [
          { date: '2026-02-30', kind: 'holiday' },
          { date: '2026-10-10', kind: 'workday' },
          { date: '2026-10-10', kind: 'holiday' },
          { date: '2026-10-11', kind: 'holiday', shifts: [{ start: '08:00', end: '09:00' }] },
        ],
      }),
    ),
    ['overrides[0].date', 'overrides[2].date', 'overrides[3].shifts'],
  );
  t.deepEqual(
    fields(() => createWorkCalendar({ yellowFraction: 1.5 })),
    ['yellowFraction'],
  );
  t.deepEqual(
    fields(() => calendar.addWorkingTime(new Date('nope'), { hours: 1 })),
    ['instant'],
  );
  t.deepEqual(
    fields(() => calendar.addWorkingTime(new Date(), { hours: -1 })),
    ['amount'],
  );
  t.deepEqual(
    fields(() => calendar.addWorkingTime(new Date(), {})),
    ['amount'],
  );
  t.deepEqual(
    fields(() => calendar.deadlineFor(new Date(), { minutes: 5, mode: 'lunar' as 'natural' })),
    ['limit.mode'],
  );
  t.deepEqual(
    fields(() => calendar.deadlineFor(new Date(), { minutes: Number.NaN, mode: 'working' })),
    ['limit.minutes'],
  );
  t.deepEqual(
    fields(() => calendar.day('2026-13-01')),
    ['date'],
  );
});

test('a calendar without working days fails instead of looping', (t) => {
  const cal: WorkCalendar = createWorkCalendar({
    overrides: Array.from({ length: 7 }, (_, i) => ({ date: `2026-12-0${i + 1}`, kind: 'holiday' as const })),
  });
  // One full week of holidays is fine: the clock resumes on the 8th.
  t.is(iso(cal.addWorkingTime(at('2026-11-30 17:30'), { minutes: 30 })), iso(at('2026-12-08 09:00')));
  const err = t.throws(() => cal.addWorkingTime(at('2026-11-30 17:30'), { days: 1e9 }), {
    instanceOf: HubError,
  });
  t.regex(err.message, /no working time found within 100 years/);
});
