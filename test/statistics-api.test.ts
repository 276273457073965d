// 统计分析 over a hand-made store on SQLite or PostgreSQL (HUB_TEST_DB): seven case rows whose every
// figure is counted by hand below, read through the API grouped by department, street, source, urgency
// and day, against the period before; repeat problems, the overdue case and unit, the .xlsx export, who
// may read it. The rows are built by the statistics job (as the hub runs it), not by the requests: before
// its first run the answer says so; a disposal, a 作废 and a discarded report written through the case
// writer show after its next run; a grid cell moved to another street shows at once; a second hub
// process does not run the job while the first holds its lease.
import test from 'ava';
import { loadWorkCalendar } from '../src/calendar/index.ts';
import { discardCase, inCaseTransaction, recordEvent } from '../src/cases/state/index.ts';
import { createLeases } from '../src/db/lease.ts';
import { createLogger } from '../src/log.ts';
import { createStatisticsJob, type StatisticsJob } from '../src/statistics/job.ts';
import { createRollup } from '../src/statistics/rollup.ts';
import { call, createUser, startTestApi, type TestApi } from './helpers/api.ts';
import { at, shapelessCell } from './helpers/cases.ts';
import { readXlsx } from './helpers/xlsx.ts';

let hub: TestApi;
let leader = '';
let handler = '';
let admin = '';
const NOW = at('2026-10-13 12:00');

/** The statistics job of a hub process `holder` on the test's database. */
const statisticsJob = (holder: string): StatisticsJob => {
  const timezone = hub.config.CALENDAR_TIMEZONE;
  return createStatisticsJob({
    rollup: createRollup({
      db: hub.db,
      timezone,
      calendar: () => loadWorkCalendar(hub.db, { timezone }),
      // Only what changed since the last run: a case the test changes must be found by the job's own
      // means (a write, a StatStale note), not because it was written moments before the run.
      marginMs: 0,
    }),
    leases: createLeases(hub.db, holder, () => new Date()),
    logger: createLogger('silent'),
    intervalMs: 60_000,
  });
};
let job: StatisticsJob;

test.before(async () => {
  hub = await startTestApi({ now: () => NOW });
  const { prisma } = hub.db;
  leader = (await hub.auth.issueSession(await createUser(hub.db, { username: 'boss', roles: ['leader'] })))
    .token;
  handler = (
    await hub.auth.issueSession(await createUser(hub.db, { username: 'dh', roles: ['department_handler'] }))
  ).token;
  admin = (
    await hub.auth.issueSession(await createUser(hub.db, { username: 'adm', roles: ['administrator'] }))
  ).token;
  job = statisticsJob('hub-a');
  await prisma.department.createMany({
    data: [
      { id: 'D1', code: 'D1', name: '园林局', kind: 'department' },
      { id: 'D2', code: 'D2', name: '供水公司', kind: 'department' },
    ],
  });
  await prisma.category.createMany({
    data: [
      { kind: 'event', code: '0402', majorCode: '04', majorName: '突发事件', name: '自来水管破裂' },
      { kind: 'event', code: '0101', majorCode: '01', majorName: '市容环境', name: '私搭乱建' },
    ],
  });
  const cell = (code: string, street: string) => shapelessCell({ code, street, community: '一社区' });
  await prisma.gridCell.createMany({ data: [cell('G1', '城北街道'), cell('G2', '长江镇')] });
  const base = { description: '-', categoryCode: '0402', gridCode: 'G1' };
  await prisma.case.createMany({
    data: [
      // closed, dispatched 09:00 and disposed 10:30 on a Monday: 90 working minutes, before the 12:00 limit
      {
        ...base,
        id: 'c1',
        caseNo: 'c1',
        source: 'supervisor',
        departmentId: 'D1',
        status: 'closed',
        reportedAt: at('2026-10-12 08:00'),
        dispatchedAt: at('2026-10-12 09:00'),
        disposedAt: at('2026-10-12 10:30'),
        disposeDeadline: at('2026-10-12 12:00'),
        callbackSatisfied: true,
      },
      // closed late: 13:30–17:30 and 08:30–09:30 = 300 working minutes; 不满意; one 返工
      {
        ...base,
        id: 'c2',
        caseNo: 'c2',
        source: 'hotline',
        urgency: 'urgent',
        departmentId: 'D1',
        status: 'closed',
        reportedAt: at('2026-10-12 09:00'),
        dispatchedAt: at('2026-10-12 13:30'),
        disposedAt: at('2026-10-13 09:30'),
        disposeDeadline: at('2026-10-12 17:00'),
        callbackSatisfied: false,
        reworkCount: 1,
      },
      // being disposed, past its 11:30 limit
      {
        ...base,
        id: 'c3',
        caseNo: 'c3',
        source: 'public',
        categoryCode: '0101',
        gridCode: 'G2',
        departmentId: 'D2',
        status: 'signed',
        reportedAt: at('2026-10-12 10:00'),
        dispatchedAt: at('2026-10-12 11:00'),
        disposeDeadline: at('2026-10-12 11:30'),
        address: '海阳路1号',
      },
      {
        ...base,
        id: 'c4',
        caseNo: 'c4',
        source: 'supervisor',
        status: 'voided',
        reportedAt: at('2026-10-13 08:40'),
      },
      {
        ...base,
        id: 'c5',
        caseNo: 'c5',
        source: 'supervisor',
        categoryCode: '0101',
        gridCode: 'G2',
        departmentId: 'D2',
        status: 'suspended',
        reportedAt: at('2026-10-13 09:00'),
      },
      {
        ...base,
        id: 'c6',
        caseNo: 'c6',
        source: 'hotline',
        status: 'accepted',
        reportedAt: at('2026-10-13 10:00'),
      },
      // the period before (Sat 10–Sun 11): 自处理 and closed, no dispatch
      {
        ...base,
        id: 'c7',
        caseNo: 'c7',
        source: 'supervisor',
        departmentId: 'D1',
        status: 'closed',
        reportedAt: at('2026-10-11 09:00'),
        disposedAt: at('2026-10-11 09:10'),
      },
    ],
  });
});
test.after.always(async () => {
  await job?.stop();
  await hub?.close();
});

const get = (path: string, token = leader) => call(hub.base, 'GET', path, { token });
const PERIOD = 'from=2026-10-12&to=2026-10-13';

// c1–c6 reported; c4 voided; c6 not yet registered; c1 c2 c3 c5 registered, c5 挂账: 应处置 3.
const CITY = {
  reported: 6,
  voided: 1,
  registered: 4,
  shouldClose: 3,
  disposed: 2,
  closed: 2,
  disposalRate: 2 / 3,
  onTimeDisposalRate: 1 / 3,
  closureRate: 2 / 3,
  onTimeClosureRate: 1 / 3,
  reworkRate: 1 / 3,
  satisfactionRate: 1 / 2,
  avgHandlingHours: (90 + 300) / 2 / 60,
};
const BEFORE = {
  reported: 1,
  voided: 0,
  registered: 1,
  shouldClose: 1,
  disposed: 1,
  closed: 1,
  disposalRate: 1,
  onTimeDisposalRate: 1,
  closureRate: 1,
  onTimeClosureRate: 1,
  reworkRate: 0,
  satisfactionRate: null,
  avgHandlingHours: null,
};

test.serial('before the statistics job has run the answer says the rows are not made yet', async (t) => {
  const res = await get(`/api/statistics?${PERIOD}&by=department`);
  t.is(res.status, 200, JSON.stringify(res.body));
  t.is(res.body.asOf, null);
  t.is(res.body.total.current.reported, 0);
  t.deepEqual(res.body.rows, []);
});

test.serial(
  'the job builds the rows; a second hub process skips its turn while the first holds the lease',
  async (t) => {
    const before = Date.now();
    const run = await job.runNow();
    t.like(run, { full: true, cases: 7 });
    const other = statisticsJob('hub-b');
    t.is(await other.runNow(), null);
    const res = await get(`/api/statistics?${PERIOD}&by=department`);
    const asOf = Date.parse(res.body.asOf);
    t.true(asOf >= before - 1000 && asOf <= Date.now(), res.body.asOf);
    t.is((await get(`/api/statistics/repeats?${PERIOD}`)).body.asOf, res.body.asOf);
  },
);

test.serial('totals of the period and of the two days before, with the targets', async (t) => {
  const res = await get(`/api/statistics?${PERIOD}&by=department`);
  t.is(res.status, 200, JSON.stringify(res.body));
  t.deepEqual(res.body.period, { from: '2026-10-12', to: '2026-10-13' });
  t.deepEqual(res.body.previous, { from: '2026-10-10', to: '2026-10-11' });
  t.deepEqual(res.body.total, { current: CITY, previous: BEFORE });
  t.deepEqual(res.body.targets, { disposalRate: 0.99, closureRate: 0.98, avgHandlingHours: 11.7 });
});

test.serial(
  'by department: names in words, 未派遣 for cases nobody holds, the period before beside',
  async (t) => {
    const res = await get(`/api/statistics?${PERIOD}&by=department`);
    const row = (label: string) => res.body.rows.find((r: { label: string }) => r.label === label);
    t.deepEqual(
      res.body.rows.map((r: { label: string }) => r.label).sort(),
      ['供水公司', '园林局', '未派遣'].sort(),
    );
    const garden = row('园林局');
    t.like(garden.current, {
      reported: 2,
      registered: 2,
      shouldClose: 2,
      disposalRate: 1,
      onTimeDisposalRate: 0.5,
      closureRate: 1,
      reworkRate: 0.5,
      satisfactionRate: 0.5,
      avgHandlingHours: 3.25,
    });
    t.like(garden.previous, { reported: 1, closureRate: 1 });
    t.like(row('供水公司').current, {
      reported: 2,
      registered: 2,
      shouldClose: 1,
      disposalRate: 0,
      closureRate: 0,
    });
    t.like(row('未派遣').current, { reported: 2, voided: 1, registered: 0, disposalRate: null });
  },
);

test.serial('by street, source, urgency and day', async (t) => {
  const counts = async (by: string) =>
    Object.fromEntries(
      (await get(`/api/statistics?${PERIOD}&by=${by}`)).body.rows.map(
        (r: { label: string; current: { reported: number } }) => [r.label, r.current.reported],
      ),
    );
  t.deepEqual(await counts('street'), { 城北街道: 4, 长江镇: 2 });
  t.deepEqual(await counts('source'), { 监督员: 3, '12319热线': 2, 市民: 1 });
  t.deepEqual(await counts('urgency'), { 一般: 5, 紧急: 1 });
  t.deepEqual(await counts('category'), { 自来水管破裂: 4, 私搭乱建: 2 });
  t.deepEqual(await counts('day'), { '2026-10-12': 3, '2026-10-13': 3 });
  const month = (await get(`/api/statistics?from=2026-10-01&to=2026-10-31&by=month`)).body;
  t.deepEqual(
    month.rows.map((r: { label: string }) => r.label),
    ['2026年10月'],
  );
  t.is(month.rows[0].current.reported, 7);
});

test.serial('repeat problems: the same category in the same grid twice or more', async (t) => {
  const res = await get(`/api/statistics/repeats?${PERIOD}&min=2`);
  t.is(res.status, 200);
  t.deepEqual(res.body.spots, [
    { gridCode: 'G1', place: '城北街道一社区G1号网格', categoryName: '自来水管破裂', reported: 4, open: 0 },
    { gridCode: 'G2', place: '长江镇一社区G2号网格', categoryName: '私搭乱建', reported: 2, open: 1 },
  ]);
  t.deepEqual((await get(`/api/statistics/repeats?${PERIOD}&min=3`)).body.spots.length, 1);
});

test.serial('overdue: the case past its limit and the unit holding it', async (t) => {
  const res = await get('/api/statistics/overdue');
  t.is(res.body.total, 1);
  t.like(res.body.cases[0], {
    caseNo: 'c3',
    categoryName: '私搭乱建',
    status: 'signed',
    statusLabel: '处置中',
    departmentName: '供水公司',
    overdueHours: 24.5,
  });
  t.deepEqual(res.body.units, [{ departmentId: 'D2', departmentName: '供水公司', count: 1 }]);
});

test.serial('the workbook: the table with numbers as numbers, repeats and overdue sheets', async (t) => {
  const res = await fetch(`${hub.base}/api/statistics/xlsx?${PERIOD}&by=source`, {
    headers: { authorization: `Bearer ${leader}` },
  });
  t.is(res.status, 200);
  const book = readXlsx(new Uint8Array(await res.arrayBuffer()));
  t.deepEqual(Object.keys(book), ['统计', '重复问题', '超期案卷', '超期单位']);
  const sheet = book['统计']!;
  t.deepEqual(sheet[1]![0], { text: '案件来源', bold: true });
  t.deepEqual(sheet[2]!.slice(0, 7), [
    { text: '合计' },
    { number: 6, format: '0' },
    { number: 4, format: '0' },
    { number: 3, format: '0' },
    { number: 2, format: '0' },
    { number: 2, format: '0' },
    { number: 2 / 3, format: '0.00%' },
  ]);
  t.deepEqual(book['超期单位']![1], [{ text: '供水公司' }, { number: 1, format: '0' }]);
});

test.serial('a department handler may not read the city’s statistics', async (t) => {
  t.is((await get(`/api/statistics?${PERIOD}`, handler)).status, 403);
  t.is((await get('/api/statistics/overdue', handler)).status, 403);
  const bad = await get('/api/statistics?from=2026-10-13&to=2026-10-12');
  t.is(bad.status, 400);
  t.is(bad.body.errors[0].field, 'query.to');
});

test.serial('a disposal written by the case writer shows in the next answer', async (t) => {
  await inCaseTransaction(hub.db.prisma, (tx) =>
    recordEvent(tx, {
      caseId: 'c3',
      type: 'disposed',
      at: at('2026-10-13 09:00'),
      actor: { name: '供水公司处置员' },
      caseUpdate: { disposedAt: at('2026-10-13 09:00') },
    }),
  );
  // Not before the job's next run: the answer reads the rows as they are.
  t.is((await get(`/api/statistics?${PERIOD}&by=department`)).body.total.current.disposed, 2);
  t.like(await job.runNow(), { full: false, days: 1, cases: 3 });
  const res = await get(`/api/statistics?${PERIOD}&by=department`);
  // c3: 11:00–12:00, 13:30–17:30, 08:30–09:00 = 330 working minutes, after its limit
  t.like(res.body.total.current, {
    disposed: 3,
    disposalRate: 1,
    onTimeDisposalRate: 1 / 3,
    avgHandlingHours: (90 + 300 + 330) / 3 / 60,
  });
});

test.serial('a case voided through the case writer counts as 作废 after the next run', async (t) => {
  await inCaseTransaction(hub.db.prisma, (tx) =>
    recordEvent(tx, {
      caseId: 'c6',
      type: 'voided',
      at: at('2026-10-13 11:00'),
      actor: { name: '值班长' },
    }),
  );
  await job.runNow();
  const res = await get(`/api/statistics?${PERIOD}&by=source`);
  t.like(res.body.total.current, { reported: 6, voided: 2, registered: 4 });
  const hotline = res.body.rows.find((r: { label: string }) => r.label === '12319热线');
  t.like(hotline.current, { reported: 2, voided: 1, registered: 1 });
});

test.serial('a report discarded by the case writer leaves the figures after the next run', async (t) => {
  await hub.db.prisma.case.create({
    data: {
      id: 'c8',
      caseNo: 'c8',
      description: '-',
      categoryCode: '0101',
      gridCode: 'G2',
      source: 'public',
      status: 'reported',
      reportedAt: at('2026-10-13 11:30'),
    },
  });
  await job.runNow();
  const counts = async () =>
    (await get(`/api/statistics?${PERIOD}&by=day`)).body.rows.map(
      (r: { label: string; current: { reported: number } }) => [r.label, r.current.reported],
    );
  t.deepEqual(await counts(), [
    ['2026-10-12', 3],
    ['2026-10-13', 4],
  ]);
  // The engine refused its start: the row is deleted, and no case row of its day changes.
  await hub.db.prisma.$transaction((tx) => discardCase(tx, 'c8'));
  t.like(await job.runNow(), { days: 1 });
  t.deepEqual(await counts(), [
    ['2026-10-12', 3],
    ['2026-10-13', 3],
  ]);
  t.is(await hub.db.prisma.statStale.count(), 0);
});

test.serial('a grid cell moved to another street counts there at once, on every day', async (t) => {
  const cell = await hub.db.prisma.gridCell.findUniqueOrThrow({ where: { code: 'G2' } });
  const moved = await call(hub.base, 'PATCH', `/api/grid-cells/${cell.id}`, {
    token: admin,
    body: { street: '城南街道' },
  });
  t.is(moved.status, 200, JSON.stringify(moved.body));
  const res = await get(`/api/statistics?${PERIOD}&by=street`);
  t.deepEqual(
    Object.fromEntries(
      res.body.rows.map((r: { label: string; current: { reported: number } }) => [
        r.label,
        r.current.reported,
      ]),
    ),
    { 城北街道: 4, 城南街道: 2 },
  );
});

test.serial('after the job’s runs the year’s and the month’s rows say what the days say', async (t) => {
  // Every case of the store was reported 10–13 October 2026: the year (yearly rows), the month (monthly
  // rows) and those days (daily rows) must give the same figures after the disposal, 作废 and discard
  // the runs above took in — the yearly rows are moved by each month's difference, not summed again.
  const totals = async (from: string, to: string, by: string) => {
    const res = await get(`/api/statistics?from=${from}&to=${to}&by=${by}`);
    return {
      total: res.body.total.current,
      rows: Object.fromEntries(
        res.body.rows.map((r: { label: string; current: object }) => [r.label, r.current]),
      ),
    };
  };
  for (const by of ['category', 'department', 'source', 'street', 'grid']) {
    const days = await totals('2026-10-10', '2026-10-13', by);
    t.is(days.total.reported, 7);
    t.deepEqual(await totals('2026-10-01', '2026-10-31', by), days, by);
    t.deepEqual(await totals('2026-01-01', '2026-12-31', by), days, by);
    // The year less 1–14 January and 21–31 December (src/statistics/query.ts periodParts).
    t.deepEqual(await totals('2026-01-15', '2026-12-20', by), days, by);
  }
  // 1 January to 11 October is the year less 12 October to 31 December: only c7 (11 October) is left,
  // and the keys of the cases taken out (G2, the other sources) give no row.
  const early = await totals('2026-01-01', '2026-10-11', 'grid');
  t.is(early.total.reported, 1);
  t.deepEqual(Object.keys(early.rows), ['城北街道一社区G1号网格']);

  // A case on 1 January, then one on a month's first day: a year's rows are kept on its 1 January and a
  // month's on its 1st; rebuilding those days' rows leaves them be.
  const base = { description: '-', categoryCode: '0101', gridCode: 'G1', source: 'supervisor' as const };
  const reported = async (from: string, to: string) => (await totals(from, to, 'urgency')).total.reported;
  await hub.db.prisma.case.create({
    data: { ...base, id: 'c10', caseNo: 'c10', status: 'accepted', reportedAt: at('2026-01-01 09:00') },
  });
  await job.runNow();
  t.is(await reported('2026-01-01', '2026-12-31'), 8);
  await hub.db.prisma.case.create({
    data: { ...base, id: 'c9', caseNo: 'c9', status: 'accepted', reportedAt: at('2026-10-01 09:00') },
  });
  await job.runNow();
  t.is(await reported('2026-10-01', '2026-10-31'), 8);
  t.is(await reported('2026-01-01', '2026-01-31'), 1);
  t.is(await reported('2026-01-01', '2026-12-31'), 9);
  // c10 becomes 紧急 after it was counted: the year's rows move it.
  await hub.db.prisma.case.update({ where: { id: 'c10' }, data: { urgency: 'urgent' } });
  await job.runNow();
  const byUrgency = (await totals('2026-01-01', '2026-12-31', 'urgency')).rows;
  t.deepEqual(
    Object.fromEntries(Object.entries(byUrgency).map(([k, v]) => [k, (v as { reported: number }).reported])),
    { 一般: 7, 紧急: 2 },
  );
});
