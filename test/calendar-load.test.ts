import test from 'ava';
import { loadWorkCalendar } from '../src/calendar/index.ts';
import { HubError } from '../src/errors.ts';
import { createTestDb, type TestDb } from './helpers/db.ts';

// Wall-clock time in Asia/Shanghai (UTC+8), written out by hand.
const at = (wall: string) => new Date(`${wall.replace(' ', 'T')}+08:00`);

let tdb: TestDb;
test.before(async () => {
  tdb = await createTestDb();
});
test.after.always(async () => {
  await tdb?.drop();
});

// Tests share one database, so they run one after another and clean up after themselves.
const clear = async () => {
  await tdb.db.prisma.workCalendarDay.deleteMany();
  await tdb.db.prisma.setting.deleteMany({ where: { key: { startsWith: 'calendar.' } } });
};

test.serial(
  'an empty store gives the default calendar: 08:30–12:00, 13:30–17:30, official holidays',
  async (t) => {
    await clear();
    const cal = await loadWorkCalendar(tdb.db, { timezone: 'Asia/Shanghai' });
    t.is(cal.timezone, 'Asia/Shanghai');
    t.is(cal.standardDayMinutes, 450);
    t.is(cal.yellowFraction, 0.8);
    // Scenario 6: 30 Sep 2026 17:20 + 4 工作时 → Thu 8 Oct 13:50 (10 min, holiday 1–7 Oct, 210 + 20).
    t.is(
      cal.addWorkingTime(at('2026-09-30 17:20'), { hours: 4 }).toISOString(),
      at('2026-10-08 13:50').toISOString(),
    );
  },
);

test.serial('stored shifts, yellow threshold and day overrides are applied', async (t) => {
  await clear();
  const { prisma } = tdb.db;
  await prisma.setting.create({
    data: {
      key: 'calendar.shifts',
      value: [
        { start: '08:00', end: '12:00' },
        { start: '14:00', end: '18:00' },
      ],
    },
  });
  await prisma.setting.create({ data: { key: 'calendar.yellowFraction', value: 0.75 } });
  await prisma.workCalendarDay.create({ data: { date: '2026-10-07', kind: 'workday', note: '抢险值守' } });
  await prisma.workCalendarDay.create({
    data: { date: '2026-10-06', kind: 'workday', shifts: [{ start: '09:00', end: '10:00' }] },
  });
  await prisma.workCalendarDay.create({ data: { date: '2026-10-10', kind: 'holiday' } });

  const cal = await loadWorkCalendar(tdb.db);
  t.is(cal.standardDayMinutes, 480);
  t.is(cal.yellowFraction, 0.75);
  t.deepEqual(cal.day('2026-10-06'), {
    date: '2026-10-06',
    working: true,
    source: 'override',
    shifts: [{ start: '09:00', end: '10:00' }],
  });
  t.like(cal.day('2026-10-10'), { working: false, source: 'override', shifts: [] });
  // 30 Sep 17:20 + 4 h: 17:20–18:00 40 min (200 left), 6 Oct 09:00–10:00 60 (140 left),
  // 7 Oct 08:00 + 140 min → 10:20.
  t.is(
    cal.addWorkingTime(at('2026-09-30 17:20'), { hours: 4 }).toISOString(),
    at('2026-10-07 10:20').toISOString(),
  );
  // Sat 10 Oct is no longer a 调休 working day: Fri 9 Oct 17:00 + 2 h → 1 h Friday, Mon 12 Oct 09:00.
  t.is(
    cal.addWorkingTime(at('2026-10-09 17:00'), { hours: 2 }).toISOString(),
    at('2026-10-12 09:00').toISOString(),
  );
});

test.serial('an invalid stored value names the setting or the day, not an option', async (t) => {
  await clear();
  const { prisma } = tdb.db;
  await prisma.setting.create({
    data: { key: 'calendar.shifts', value: [{ start: '13:00', end: '12:00' }] },
  });
  await prisma.workCalendarDay.create({
    data: { date: '2026-10-07', kind: 'holiday', shifts: [{ start: '09:00', end: '10:00' }] },
  });
  let err = await t.throwsAsync(loadWorkCalendar(tdb.db), { instanceOf: HubError });
  t.is(err.type, 'validation');
  t.deepEqual(
    err.errors.map((e) => e.field),
    ['Setting calendar.shifts[0].end'],
  );

  await prisma.setting.deleteMany({ where: { key: 'calendar.shifts' } });
  err = await t.throwsAsync(loadWorkCalendar(tdb.db), { instanceOf: HubError });
  t.deepEqual(
    err.errors.map((e) => e.field),
    ['WorkCalendarDay 2026-10-07.shifts'],
  );

  await clear();
  err = await t.throwsAsync(loadWorkCalendar(tdb.db, { timezone: 'Asia/Rugao' }), { instanceOf: HubError });
  t.deepEqual(
    err.errors.map((e) => e.field),
    ['CALENDAR_TIMEZONE'],
  );
});
