// Years the State Council schedule (chinese-days) does not cover yet: the calendar still answers by the
// Monday–Friday rule, but says so — per day (GET /api/calendar/:year carries `beyondOfficialData`) and,
// for a working-time deadline falling in such a year, in a warning log and on the deadline_set event.
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
  // 2027-02-08 is a Monday of the 2027 Spring Festival week; unknown to the data, so a working day.
  t.deepEqual(calendar.day('2027-02-08'), {
    date: '2027-02-08',
    working: true,
    source: 'weekday',
    beyondOfficialData: true,
    shifts: standard,
  });
  t.deepEqual(calendar.day('2027-02-06'), {
    date: '2027-02-06',
    working: false,
    source: 'weekday',
    beyondOfficialData: true,
    shifts: [],
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
  // Thursday 31 December 2026, 17:00 in Rugao: the 60-minute 签收 limit runs into 1 January 2027, which
  // the Monday–Friday rule counts as a working Friday.
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
    variables: { dueAt: '2027-01-01T09:00:00+08:00', warnAt: '2027-01-01T08:48:00+08:00' },
  });
  const warnings = lines.filter((l) => l.level === 40);
  t.is(warnings.length, 1);
  t.like(warnings[0]!, {
    msg:
      'deadline falls beyond the official holiday data (chinese-days): Monday–Friday assumed; update ' +
      'chinese-days or enter that year’s holidays as calendar overrides',
    caseId: c.id,
    deadlineKind: 'sign',
    dueAt: '2027-01-01T09:00:00+08:00',
    officialYears: { first: 2004, last: 2026 },
  });
  const event = await t0.db.prisma.caseEvent.findFirstOrThrow({
    where: { caseId: c.id, type: 'deadline_set' },
  });
  t.deepEqual(event.data, {
    step: 'sign',
    dueAt: '2027-01-01T01:00:00.000Z',
    warnAt: '2027-01-01T08:48:00+08:00',
    dueAtLocal: '2027-01-01T09:00:00+08:00',
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
