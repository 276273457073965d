// The statistics rollup's first build over cases on 20 days across two months (SQLite or PostgreSQL,
// HUB_TEST_DB) gives the rest of the hub its turn between days: on SQLite every statement holds the one
// event loop while it runs, so a build that read and summed a month at a time held every API request
// for its whole length on a large store (its driver's promises are already settled, so awaiting them
// never let the loop turn). Counted in turns of the event loop, not in milliseconds, so the machine's load
// does not decide it. On PostgreSQL every query waits for the network anyway; there the month's and
// year's rows are what it checks.
import test from 'ava';
import { loadWorkCalendar } from '../src/calendar/index.ts';
import { createRollup } from '../src/statistics/rollup.ts';
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

test('the first build lets other work run between its days, and counts every case', async (t) => {
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
