// The periodic assessment across two hub processes on one database: each has its own database client
// and engine client and runs the schedule; a Lease row per period lets exactly one of them publish
// `assessment.requested`, and the `assessment` procedure on the real engine (with the hub's workers)
// computes, stores and mails the report — HTML with the CSV attached — to a real SMTP server. First
// with ticks invoked directly at one instant, then with node-cron firing every second.
import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createAssessmentSchedule,
  scheduleLeaseName,
  type AssessmentSchedule,
} from '../src/assessment/schedule.ts';
import { loadConfig } from '../src/config.ts';
import { createDb, type Db } from '../src/db/index.ts';
import { createLogger } from '../src/log.ts';
import { createWorkers, type Workers } from '../workers/index.ts';
import {
  aroundTheClock,
  DISPATCHERS,
  expectedFigures,
  generate,
  GRIDS,
} from './helpers/assessment-fixture.ts';
import { readProcessFile } from './helpers/bpmn-elements.ts';
import { at, insertCases, insertRefs } from './helpers/cases.ts';
import { createTestDb, type TestDb } from './helpers/db.ts';
import { startTestEngine, type TestEngine } from './helpers/engine.ts';
import { startSmtp, workerDeps, type TestSmtp } from './helpers/workers.ts';

const DEPTS = ['D1', 'D2', 'D3', 'D4', 'D5', 'D6'];
const { plans, cases } = generate(160, 7, DEPTS);
const e = expectedFigures(plans);
/** 1 November 2026, 02:00 in Rugao: the default monthly schedule fires for October. */
const FIRES_AT = at('2026-11-01 02:00');

let engine: TestEngine;
let tdb: TestDb;
let secondDb: Db;
let smtp: TestSmtp;
let workers: Workers;
let deps: ReturnType<typeof workerDeps>;
const schedules: AssessmentSchedule[] = [];
/** The workers' clock (the hub's: the engine's). */
let clock = FIRES_AT;

test.before(async () => {
  [engine, tdb, smtp] = await Promise.all([startTestEngine(), createTestDb(), startSmtp()]);
  // the second hub process: its own connection to the same database
  secondDb = createDb({ DATABASE_URL: tdb.url, databaseProvider: tdb.provider });
  await insertRefs(tdb.db, {
    departments: DEPTS,
    users: ['lead1', 'sup1', 'sup2', ...DISPATCHERS],
    grids: GRIDS,
  });
  await insertCases(tdb.db, cases);
  await tdb.db.prisma.workCalendarDay.createMany({
    data: aroundTheClock().map((o) => ({ date: o.date, kind: o.kind, shifts: o.shifts as never })),
  });
  await engine.zbc.deployResource({
    process: Buffer.from(readProcessFile('assessment.bpmn')),
    name: 'assessment.bpmn',
  });
  // the workers read the calendar from the case store, as the hub's do
  deps = { ...workerDeps(tdb.db, smtp.url, () => clock), calendar: undefined };
  workers = createWorkers({
    ...deps,
    zeebe: engine.newClient(),
    workerName: 'schedule-test',
  });
  workers.start();
});
test.after.always(async () => {
  for (const s of schedules) await s.stop();
  await workers?.stop();
  deps?.mailer.close();
  await engine?.close();
  await smtp?.close();
  await secondDb?.close();
  await tdb?.drop();
});

/** The schedule of one hub process. */
function hubSchedule(holder: string, db: Db, env: Record<string, string>, now: () => Date) {
  const config = loadConfig({ ASSESSMENT_RECIPIENTS: 'leaders@rugao.test', ...env });
  const schedule = createAssessmentSchedule({
    db,
    zeebe: engine.newClient(),
    config,
    logger: createLogger('silent'),
    holder,
    now,
  });
  schedules.push(schedule);
  return schedule;
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

test.serial('two processes tick at once: one report, mailed once with its figures and CSV', async (t) => {
  const a = hubSchedule('hub-a', tdb.db, {}, () => FIRES_AT);
  const b = hubSchedule('hub-b', secondDb, {}, () => FIRES_AT);
  const ticks = await Promise.all([a.tick(), b.tick()]);
  t.deepEqual(
    ticks.map((r) => r.periodKey),
    ['2026-10', '2026-10'],
  );
  t.is(ticks.filter((r) => r.ran).length, 1, 'exactly one process publishes');

  const [mail] = await smtp.waitFor(1, 30_000);
  t.deepEqual(mail!.to, ['leaders@rugao.test']);
  t.is(mail!.subject, '【考核评价】2026-10 综合评价报告');
  const html = mail!.html as string;
  const should = e.should.length;
  // the city row: 立案数, 应结案数, 处置率, 结案率 as the independent count has them
  const cityRow = html.split('\n').find((l) => l.startsWith('<tr><td>全市</td>'))!;
  t.truthy(cityRow);
  const cells = [...cityRow.matchAll(/<td>([^<]*)<\/td>/g)].map((m) => m[1]);
  t.is(cells[1], String(e.valid.length));
  t.is(cells[2], String(should));
  t.true(cells.includes(pct(e.disposed.length / should)));
  t.true(cells.includes(pct(e.closed.length / should)));
  t.true(html.includes('<h2>专业部门</h2>'));
  t.is(mail!.attachments.length, 1);
  const csv = mail!.attachments[0]!;
  t.is(csv.filename, 'assessment-2026-10.csv');
  t.is(csv.contentType, 'text/csv');
  const lines = csv.content.replace(/^\uFEFF/, '').split('\r\n');
  const header = lines[1]!.split(',');
  for (const dept of DEPTS) {
    const row = lines.find((l) => l.startsWith(`专业部门,${dept},`))!.split(',');
    const want = e.scope(
      e.valid.filter((p) => p.dept === dept),
      e.deptMinutes,
    );
    t.is(row[header.indexOf('立案数')], String(want.registered.length), dept);
    t.is(row[header.indexOf('结案率')], want.closureRate === null ? '' : pct(want.closureRate), dept);
  }
  const report = await tdb.db.prisma.assessmentReport.findUniqueOrThrow({
    where: { periodKey_scope: { periodKey: '2026-10', scope: 'all' } },
  });
  t.is(report.csv, csv.content);

  // the lease says who ran it; the period is not run again, also not by the one that ran it
  const lease = await tdb.db.prisma.lease.findUniqueOrThrow({
    where: { name: scheduleLeaseName('2026-10') },
  });
  t.regex(lease.holder, /^hub-[ab] done$/);
  t.deepEqual(
    (await Promise.all([a.tick(), b.tick(), a.tick()])).map((r) => r.ran),
    [false, false, false],
  );
  await sleep(2000);
  t.is(smtp.mails.length, 1);
  t.is(await tdb.db.prisma.sentMail.count(), 1);
});

test.serial('node-cron every second in both processes: each day reported once', async (t) => {
  // a daily report of 24 November, fired at 25 November 09:00
  clock = at('2026-11-25 09:00');
  const now = () => clock;
  const env = { ASSESSMENT_SCHEDULE: '* * * * * *', ASSESSMENT_PERIOD: 'day' };
  const a = hubSchedule('hub-a', tdb.db, env, now);
  const b = hubSchedule('hub-b', secondDb, env, now);
  a.start();
  b.start();
  const mails = await smtp.waitFor(2, 30_000);
  t.is(mails[1]!.subject, '【考核评价】2026-11-24_2026-11-25 综合评价报告');
  await sleep(3000); // a few more firings of both
  await Promise.all([a.stop(), b.stop()]);
  t.is(smtp.mails.length, 2);
  t.is(await tdb.db.prisma.lease.count({ where: { name: scheduleLeaseName('2026-11-24_2026-11-25') } }), 1);
  t.is(await tdb.db.prisma.assessmentReport.count(), 2);
});

test('a schedule that is not a cron expression is refused naming the setting', (t) => {
  const err = t.throws(() =>
    hubSchedule('hub-c', tdb.db, { ASSESSMENT_SCHEDULE: 'monthly' }, () => FIRES_AT),
  );
  t.regex(err!.message, /ASSESSMENT_SCHEDULE/);
});
