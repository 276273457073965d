// Years the State Council schedule (chinese-days) does not cover yet: the calendar answers with the
// statutory holidays derived from the holiday rules and the Monday–Friday rule, but says that the 调休 days
// are unknown — per day (GET /api/calendar/:year carries `beyondOfficialData`) and, for a working-time
// deadline falling in such a year, in a warning log and on the deadline_set event — until the year's
// State Council notice is pasted (POST /api/calendar/notice).
import { Writable } from 'node:stream';
import test from 'ava';
import { createWorkCalendar } from '../src/calendar/index.ts';
import { createLogger } from '../src/log.ts';
import { HANDLERS } from '../workers/index.ts';
import { createTestDb, type TestDb } from './helpers/db.ts';
import { REF, insertCase, insertReference, job, workerDeps } from './helpers/workers.ts';

let t0: TestDb;
test.before(async () => {
  t0 = await createTestDb();
  await insertReference(t0.db);
});
test.after.always(async () => {
  await t0?.drop();
});

const standard = [
  { start: '08:30', end: '12:00' },
  { start: '13:30', end: '17:30' },
];

test('days of a year without official data are flagged; covered years and overrides are not', (t) => {
  const calendar = createWorkCalendar({
    timezone: 'Asia/Shanghai',
    overrides: [{ date: '2027-02-10', kind: 'holiday' }],
  });
  // chinese-days 1.5.7 (the newest release, May 2026) ends with 2026.
  t.deepEqual(calendar.officialYears, { first: 2004, last: 2026 });
  // 2027-02-08, a Monday, is 正月初三: a statutory 春节 day the data does not have yet, derived.
  t.deepEqual(calendar.day('2027-02-08'), {
    date: '2027-02-08',
    working: false,
    source: 'statutory',
    name: '春节',
    beyondOfficialData: true,
    shifts: [],
  });
  // The Tuesday after: an ordinary working day by the Monday–Friday rule, 调休 unknown.
  t.deepEqual(calendar.day('2027-02-09'), {
    date: '2027-02-09',
    working: true,
    source: 'weekday',
    beyondOfficialData: true,
    shifts: standard,
  });
  t.deepEqual(calendar.day('2027-02-10'), {
    date: '2027-02-10',
    working: false,
    source: 'override',
    shifts: [],
  });
  t.deepEqual(calendar.day('2026-12-31'), {
    date: '2026-12-31',
    working: true,
    source: 'weekday',
    shifts: standard,
  });
  t.deepEqual(calendar.day('2026-10-01'), {
    date: '2026-10-01',
    working: false,
    source: 'official',
    name: '国庆节',
    shifts: [],
  });
});

test('a working-time deadline falling in an uncovered year: warning logged and flagged on deadline_set', async (t) => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  // Thursday 31 December 2026, 17:00 in Rugao: the 60-minute 签收 limit runs past 1 January 2027 (元旦, a
  // statutory holiday though the data ends with 2026) and the weekend, into Monday 4 January.
  const deps = {
    ...workerDeps(t0.db, undefined, () => new Date('2026-12-31T17:00:00+08:00')),
    logger: createLogger('warn', sink),
  };
  const c = await insertCase(t0.db, { status: 'dispatched', departmentId: REF.sanitation });
  const answer = await HANDLERS['hub.deadlines.compute']!(
    job('hub.deadlines.compute', { caseId: c.id, deadlineKind: 'sign' }),
    deps,
  );
  t.deepEqual(answer, {
    action: 'complete',
    variables: { dueAt: '2027-01-04T09:00:00+08:00', warnAt: '2027-01-04T08:48:00+08:00' },
  });
  const warnings = lines.filter((l) => l.level === 40);
  t.is(warnings.length, 1);
  t.like(warnings[0]!, {
    msg:
      'deadline falls beyond the official holiday data (chinese-days): statutory holidays and Monday–Friday ' +
      'assumed, 调休 days unknown; paste that year’s State Council notice (calendar page) or update chinese-days',
    caseId: c.id,
    deadlineKind: 'sign',
    dueAt: '2027-01-04T09:00:00+08:00',
    officialYears: { first: 2004, last: 2026 },
  });
  const event = await t0.db.prisma.caseEvent.findFirstOrThrow({
    where: { caseId: c.id, type: 'deadline_set' },
  });
  t.deepEqual(event.data, {
    step: 'sign',
    dueAt: '2027-01-04T01:00:00.000Z',
    warnAt: '2027-01-04T08:48:00+08:00',
    dueAtLocal: '2027-01-04T09:00:00+08:00',
    mode: 'working',
    beyondOfficialData: true,
  });

  // Within the covered year: no warning, no flag.
  lines.length = 0;
  const early = { ...deps, now: () => new Date('2026-12-30T09:00:00+08:00') };
  const d = await insertCase(t0.db, { status: 'dispatched', departmentId: REF.sanitation });
  t.like(
    await HANDLERS['hub.deadlines.compute']!(
      job('hub.deadlines.compute', { caseId: d.id, deadlineKind: 'sign' }),
      early,
    ),
    { variables: { dueAt: '2026-12-30T10:00:00+08:00' } },
  );
  t.deepEqual(lines, []);
  const plain = await t0.db.prisma.caseEvent.findFirstOrThrow({
    where: { caseId: d.id, type: 'deadline_set' },
  });
  t.false('beyondOfficialData' in (plain.data as object));
});
