// The statistics rollup's first build over cases on 20 days across two months (SQLite or PostgreSQL,
// HUB_TEST_DB) gives the rest of the hub its turn between days: on SQLite every statement holds the one
// event loop while it runs, so a build that read and summed a month at a time held every API request
// for its whole length on a large store (its driver's promises are already settled, so awaiting them
// never let the loop turn). Counted in turns of the event loop, not in milliseconds, so the machine's load
// does not decide it. On PostgreSQL every query waits for the network anyway; there the month's and
// year's rows are what it checks.
// A run that finds rows of an older version drops them and builds every day again.
import test from 'ava';
import { loadWorkCalendar } from '../src/calendar/index.ts';
import { createRollup, ROLLUP_SETTING, ROLLUP_VERSION } from '../src/statistics/rollup.ts';
import { at } from './helpers/cases.ts';
import { createTestDb, type TestDb } from './helpers/db.ts';

const TIMEZONE = 'Asia/Shanghai';
const DAYS = 20;
let store: TestDb;

test.before(async () => {
  store = await createTestDb();
  const { prisma } = store.db;
  await prisma.category.create({
    data: { kind: 'event', code: '0402', majorCode: '04', majorName: '突发事件', name: '自来水管破裂' },
  });
  // One case a day from 22 September to 11 October: 9 days of September, 11 of October.
  await prisma.case.createMany({
    data: Array.from({ length: DAYS }, (_, i) => ({
      id: `c${i}`,
      caseNo: `c${i}`,
      source: 'supervisor',
      description: '-',
      categoryCode: '0402',
      status: 'reported' as const,
      reportedAt: new Date(at('2026-09-22 10:00').getTime() + i * 86_400_000),
    })),
  });
});
test.after.always(() => store?.drop());

test.serial('the first build lets other work run between its days, and counts every case', async (t) => {
  const { db } = store;
  const rollup = createRollup({
    db,
    timezone: TIMEZONE,
    calendar: () => loadWorkCalendar(db, { timezone: TIMEZONE }),
  });
  let done = false;
  const run = rollup.run().finally(() => {
    done = true;
  });
  // What a request needs: the loop coming round to its I/O. Each turn here is one pass of the loop.
  let turns = 0;
  while (!done) {
    await new Promise((resolve) => setImmediate(resolve));
    turns++;
  }
  t.like(await run, { full: true, days: DAYS, cases: DAYS });
  t.true(turns >= DAYS, `the loop came round ${turns} times during a build of ${DAYS} days`);
  const month = (day: string) =>
    db.prisma.statDaily.findUnique({
      where: { dimension_day_key: { dimension: 'all@month', day, key: 'all' } },
    });
  t.is((await month('2026-09-01'))?.reported, 9);
  t.is((await month('2026-10-01'))?.reported, 11);
  const year = await db.prisma.statDaily.findUnique({
    where: { dimension_day_key: { dimension: 'all@year', day: '2026-01-01', key: 'all' } },
  });
  t.is(year?.reported, DAYS);
});

test.serial(
  'rows of an older rollup version are gone after the next run, which builds every day again',
  async (t) => {
    const { db } = store;
    const { prisma } = db;
    const rollup = createRollup({
      db,
      timezone: TIMEZONE,
      calendar: () => loadWorkCalendar(db, { timezone: TIMEZONE }),
    });
    await rollup.run();
    // What an older version left: a dimension this one does not keep, and a count this one would not give.
    const zeros = { voided: 0, registered: 0, suspended: 0, disposed: 0, disposedOnTime: 0, closed: 0 };
    const more = { closedOnTime: 0, handled: 0, handledMinutes: 0, rated: 0, satisfied: 0, rework: 0 };
    await prisma.statDaily.create({
      data: { dimension: 'street', day: '2026-09-22', key: '城北街道', reported: 5, ...zeros, ...more },
    });
    await prisma.statDaily.update({
      where: { dimension_day_key: { dimension: 'all', day: '2026-09-22', key: 'all' } },
      data: { reported: 7 },
    });
    await prisma.setting.update({
      where: { key: ROLLUP_SETTING },
      data: { value: { through: new Date().toISOString(), version: ROLLUP_VERSION - 1 } },
    });
    t.like(await rollup.run(), { full: true, days: DAYS, cases: DAYS });
    t.is(await prisma.statDaily.count({ where: { dimension: 'street' } }), 0);
    const day = await prisma.statDaily.findUnique({
      where: { dimension_day_key: { dimension: 'all', day: '2026-09-22', key: 'all' } },
    });
    t.is(day?.reported, 1);
    const year = await prisma.statDaily.findUnique({
      where: { dimension_day_key: { dimension: 'all@year', day: '2026-01-01', key: 'all' } },
    });
    t.is(year?.reported, DAYS);
  },
);
