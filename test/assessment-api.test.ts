// domain.md scenario 10 through the API: a few hundred generated cases over 23 departments (the shared
// fixture of test/helpers/assessment-fixture.ts, whose figures are counted from the generator's
// decisions), plus hand-written cases crossing the month boundary. October is run on demand, read back
// as JSON, CSV and HTML, every department's figures, score and grade compared with the independent
// count, figures drilled down to their cases, and the recomputation compared with the first run.
import test from 'ava';
import {
  aroundTheClock,
  DISPATCHERS,
  expectedDepartmentScore,
  expectedFigures,
  generate,
  GRIDS,
} from './helpers/assessment-fixture.ts';
import { call, createUser, startTestApi, type TestApi } from './helpers/api.ts';
import { at, deadline, insertCases, insertRefs, type FixtureCase } from './helpers/cases.ts';

const DEPTS = Array.from({ length: 23 }, (_, i) => `D${String(i + 1).padStart(2, '0')}`);
// the generator spreads its cases over the first 20; D21–D23 get the month-boundary cases below
const GENERATED = DEPTS.slice(0, 20);
const { plans, cases } = generate(480, 20261125, GENERATED);
const e = expectedFigures(plans);

/** A supervisor report in grid 1 dispatched to `dept` at `dispatch`, due 4 hours later. */
function story(
  id: string,
  dept: string,
  registered: string,
  steps: { disposed?: string; closed?: string },
): FixtureCase {
  const t0 = at(registered);
  const min = (n: number) => new Date(t0.getTime() + n * 60_000);
  const grid = GRIDS[0]!;
  const events: FixtureCase['events'] = [
    { at: min(-10), type: 'reported', actor: grid.supervisor },
    { at: t0, type: 'registered', actor: 'lead1' },
    { at: min(10), type: 'dispatched', actor: 'disp1', dept },
    deadline(min(11), 'dispose', min(250)),
    { at: min(15), type: 'signed' },
  ];
  if (steps.disposed) {
    events.push({ at: at(steps.disposed), type: 'disposed' });
    events.push({ at: new Date(at(steps.disposed).getTime() + 60_000), type: 'check_requested' });
  }
  if (steps.closed) {
    events.push({
      at: new Date(at(steps.closed).getTime() - 60_000),
      type: 'check_passed',
      actor: grid.supervisor,
    });
    events.push({ at: at(steps.closed), type: 'closed', actor: 'lead1' });
  }
  return { id: id, source: 'supervisor', gridCode: grid.code, reporter: grid.supervisor, events };
}

const BOUNDARY = [
  // 立案 on 31 October, disposed and closed after midnight, within its limit: October's case, undisposed
  story('B1', 'D21', '2026-10-31 22:00', { disposed: '2026-11-01 01:00', closed: '2026-11-01 01:30' }),
  // 立案 on 31 October, its 4 hours ran out on the 31st: October's overdue, disposed only in November
  story('B3', 'D22', '2026-10-31 10:00', { disposed: '2026-11-01 09:00' }),
  // 立案 on 30 September, closed on 1 October: September's case, in no October figure
  story('B2', 'D23', '2026-09-30 23:00', { disposed: '2026-10-01 00:30', closed: '2026-10-01 01:00' }),
];

let hub: TestApi;
let leader: string;
let admin: string;
let dispatcher: string;
/** Wednesday 25 November 2026, 09:00 in Rugao: October and September are closed periods. */
const NOW = at('2026-11-25 09:00');

test.before(async () => {
  hub = await startTestApi({ now: () => NOW });
  const token = async (username: string, roles: Parameters<typeof createUser>[1]['roles']) =>
    (await hub.auth.issueSession(await createUser(hub.db, { username, roles }))).token;
  [leader, admin, dispatcher] = [
    await token('boss', ['leader']),
    await token('adm', ['administrator']),
    await token('dd', ['dispatcher']),
  ];
  await insertRefs(hub.db, {
    departments: DEPTS,
    users: ['lead1', 'sup1', 'sup2', ...DISPATCHERS],
    grids: GRIDS,
  });
  await insertCases(hub.db, [...cases, ...BOUNDARY]);
  // the city works around the clock on these days, so working time is natural time
  await hub.db.prisma.workCalendarDay.createMany({
    data: aroundTheClock().map((o) => ({ date: o.date, kind: o.kind, shifts: o.shifts as never })),
  });
});
test.after.always(async () => hub?.close());

const post = (token: string, path: string, body: unknown) => call(hub.base, 'POST', path, { token, body });
const get = (token: string, path: string) => call(hub.base, 'GET', path, { token });
const sorted = (ids: string[]) => [...ids].sort();
const near = (
  t: import('ava').ExecutionContext,
  actual: number | null,
  want: number | null,
  label: string,
) => {
  if (actual === null || want === null) t.is(actual, want, label);
  else t.true(Math.abs(actual - want) < 1e-9, `${label}: ${actual} ≠ ${want}`);
};
const rate = (num: number, den: number) => (den ? num / den : null);

let octoberId: string;
let first: unknown;

test.serial('run October on demand: stored, listed, city figures equal the independent count', async (t) => {
  const run = await post(leader, '/api/assessment/runs', { period: 'month', date: '2026-10-15' });
  t.is(run.status, 201);
  t.like(run.body, {
    periodKey: '2026-10',
    scope: 'all',
    periodStart: at('2026-10-01 00:00').toISOString(),
    periodEnd: at('2026-11-01 00:00').toISOString(),
    asOf: at('2026-11-01 00:00').toISOString(),
  });
  octoberId = run.body.id;
  const should = [...e.should.map((p) => p.id), 'B1', 'B3'];
  t.like(run.body.summary, {
    registered: e.valid.length + 2,
    overdue: e.overdue.length + 1,
  });
  near(t, run.body.summary.closureRate, rate(e.closed.length, should.length), 'summary closureRate');

  const list = await get(leader, '/api/assessment/reports');
  t.deepEqual(
    list.body.items.map((r: { id: string }) => r.id),
    [octoberId],
  );

  const report = await get(leader, `/api/assessment/reports/${octoberId}?ids=true`);
  t.is(report.status, 200);
  first = report.body.result;
  const city = report.body.result.city.figures;
  t.deepEqual(city.registered.numeratorIds, sorted([...e.valid.map((p) => p.id), 'B1', 'B3']));
  t.deepEqual(city.shouldClose.numeratorIds, sorted(should));
  t.deepEqual(city.overdue.numeratorIds, sorted([...e.overdue.map((p) => p.id), 'B3']));
  near(t, city.disposalRate.value, rate(e.disposed.length, should.length), 'disposalRate');
  near(t, city.onTimeDisposalRate.value, rate(e.onTime.length, should.length), 'onTimeDisposalRate');
  near(t, city.closureRate.value, rate(e.closed.length, should.length), 'closureRate');
  t.is(city.closureRate.numerator, e.closed.length);
  t.is(city.closureRate.denominator, should.length);
  // B1 and B3 were not disposed by 1 November 00:00, so the mean is over the generated cases only
  const mean = e.disposed.reduce((s, p) => s + e.cityMinutes(p), 0) / e.disposed.length / 60;
  near(t, city.avgHandlingHours.value, mean, 'avgHandlingHours');
  // without ids=true the figures carry counts only
  const light = await get(leader, `/api/assessment/reports/${octoberId}`);
  t.deepEqual(light.body.result.city.figures.closureRate, {
    value: city.closureRate.value,
    numerator: e.closed.length,
    denominator: should.length,
  });
});

test.serial(
  '23 departments: figures, scores and grades; month-boundary cases where they belong',
  async (t) => {
    const report = await get(leader, `/api/assessment/reports/${octoberId}?ids=true`);
    const departments = report.body.result.departments as {
      id: string;
      score: number;
      grade: string;
      penalty: number;
      figures: Record<string, { value: number | null; numeratorIds: string[] }>;
    }[];
    const byId = new Map(departments.map((d) => [d.id, d]));
    for (const dept of GENERATED) {
      const mine = e.valid.filter((p) => p.dept === dept);
      const want = e.scope(mine, e.deptMinutes);
      const got = byId.get(dept)!;
      t.truthy(got, dept);
      t.deepEqual(got.figures.registered!.numeratorIds, want.registered, dept);
      t.deepEqual(got.figures.overdue!.numeratorIds, want.overdue, dept);
      for (const key of [
        'disposalRate',
        'onTimeDisposalRate',
        'closureRate',
        'onTimeClosureRate',
        'reworkRate',
        'avgHandlingHours',
      ] as const) {
        near(t, got.figures[key]!.value, want[key], `${dept} ${key}`);
      }
      const { score, grade, penalty } = expectedDepartmentScore(mine, want);
      near(t, got.penalty, penalty, `${dept} penalty`);
      t.is(got.score, score, dept);
      t.is(got.grade, grade, dept);
    }
    // B1: October's, undisposed at the month's end, not overdue (due 02:10 on 1 November)
    t.deepEqual(byId.get('D21')!.figures.shouldClose!.numeratorIds, ['B1']);
    t.is(byId.get('D21')!.figures.disposalRate!.value, 0);
    t.deepEqual(byId.get('D21')!.figures.overdue!.numeratorIds, []);
    // score: 10% × band 100 + 30% × 0 + 30% × 0 + 30% × (100 − 0) = 40 → D
    t.like(byId.get('D21'), { score: 40, grade: 'D' });
    // B3: overdue on 31 October
    t.deepEqual(byId.get('D22')!.figures.overdue!.numeratorIds, ['B3']);
    t.like(byId.get('D22'), { score: 40, grade: 'D' });
    // B2 is September's
    t.deepEqual(byId.get('D23')?.figures.registered?.numeratorIds ?? [], []);
    const september = await post(leader, '/api/assessment/runs', { period: 'month', date: '2026-09-01' });
    t.is(september.status, 201);
    const sep = await get(leader, `/api/assessment/reports/${september.body.id}?ids=true`);
    const d23 = sep.body.result.departments.find((d: { id: string }) => d.id === 'D23');
    t.deepEqual(d23.figures.registered.numeratorIds, ['B2']);
    t.is(d23.figures.closureRate.value, 0, 'closed on 1 October: not by the end of September');

    // supervisors: sup1's grids hold the boundary cases, all supervisor reports (no 漏报)
    const sup1 = report.body.result.supervisors.find((s: { id: string }) => s.id === 'sup1');
    const sup1Cases = e.valid.filter((p) => p.grid.supervisor === 'sup1');
    t.deepEqual(
      sup1.figures.missedReportRate.denominatorIds,
      sorted([...sup1Cases.map((p) => p.id), 'B1', 'B3']),
    );
    t.deepEqual(
      sup1.figures.missedReportRate.numeratorIds,
      e.ids(sup1Cases.filter((p) => p.source !== 'supervisor')),
    );
  },
);

test.serial(
  'drill-down: each department’s figures lead to their cases with number, status and times',
  async (t) => {
    for (const dept of GENERATED) {
      const want = e.scope(
        e.valid.filter((p) => p.dept === dept),
        e.deptMinutes,
      );
      const closed = await get(
        leader,
        `/api/assessment/reports/${octoberId}/cases?entityType=department&entityId=${dept}&figure=closureRate`,
      );
      t.is(closed.status, 200);
      const closedIds = e.ids(e.closed.filter((p) => p.dept === dept));
      t.like(closed.body, {
        figure: 'closureRate',
        label: '结案率',
        part: 'numerator',
        count: closedIds.length,
      });
      t.deepEqual(
        closed.body.cases.map((c: { id: string }) => c.id),
        closedIds,
      );
      t.true(
        closed.body.cases.every(
          (c: { status: string; caseNo: string; id: string }) => c.status === 'closed' && c.caseNo === c.id,
        ),
      );
      const den = await get(
        leader,
        `/api/assessment/reports/${octoberId}/cases?entityType=department&entityId=${dept}&figure=closureRate&part=denominator`,
      );
      t.deepEqual(
        den.body.cases.map((c: { id: string }) => c.id),
        want.shouldClose,
      );
    }
    const overdue = await get(
      leader,
      `/api/assessment/reports/${octoberId}/cases?entityType=city&figure=overdue`,
    );
    t.deepEqual(
      overdue.body.cases.map((c: { id: string }) => c.id),
      sorted([...e.overdue.map((p) => p.id), 'B3']),
    );
    const b3 = overdue.body.cases.find((c: { id: string }) => c.id === 'B3');
    t.like(b3, {
      caseNo: 'B3',
      status: 'checking',
      source: 'supervisor',
      departmentId: null,
      gridCode: GRIDS[0]!.code,
    });
    t.is(b3.reportedAt, at('2026-10-31 09:50').toISOString());

    const bad = await get(
      leader,
      `/api/assessment/reports/${octoberId}/cases?entityType=department&entityId=D01&figure=nope`,
    );
    t.is(bad.status, 400);
    t.deepEqual(
      bad.body.errors.map((x: { field: string }) => x.field),
      ['query.figure'],
    );
    const noDept = await get(
      leader,
      `/api/assessment/reports/${octoberId}/cases?entityType=department&entityId=D99&figure=closureRate`,
    );
    t.deepEqual(
      noDept.body.errors.map((x: { field: string }) => x.field),
      ['query.entityId'],
    );
    const count = await get(
      leader,
      `/api/assessment/reports/${octoberId}/cases?entityType=city&figure=registered&part=denominator`,
    );
    t.deepEqual(
      count.body.errors.map((x: { field: string }) => x.field),
      ['query.part'],
    );
  },
);

test.serial('CSV and HTML downloads carry the same figures', async (t) => {
  const csv = await get(leader, `/api/assessment/reports/${octoberId}/csv`);
  t.is(csv.status, 200);
  t.is(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
  t.regex(csv.headers.get('content-disposition') ?? '', /attachment; filename="assessment-2026-10-all.csv"/);
  const text = csv.body as string;
  t.true(text.startsWith('考核期间,'));
  // fetch's text() drops the byte-order mark; the bytes on the wire start with it (Excel needs it)
  const raw = Buffer.from(
    await (
      await fetch(`${hub.base}/api/assessment/reports/${octoberId}/csv`, {
        headers: { authorization: `Bearer ${leader}` },
      })
    ).arrayBuffer(),
  );
  t.deepEqual([...raw.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const lines = text.split('\r\n');
  const header = lines[1]!.split(',');
  const row = lines.find((l) => l.startsWith('专业部门,D05,'))!.split(',');
  const want = e.scope(
    e.valid.filter((p) => p.dept === 'D05'),
    e.deptMinutes,
  );
  t.is(
    row[header.indexOf('结案率')],
    want.closureRate === null ? '' : `${(want.closureRate * 100).toFixed(2)}%`,
  );
  t.is(row[header.indexOf('立案数')], String(want.registered.length));
  const html = await get(leader, `/api/assessment/reports/${octoberId}/html`);
  t.is(html.headers.get('content-type'), 'text/html; charset=utf-8');
  t.regex(html.body as string, /<h1>考核评价 2026-10-01 00:00 – 2026-11-01 00:00<\/h1>/);
  t.true((html.body as string).includes('<td>D05</td>'));
});

test.serial('recomputing the closed month gives the identical report', async (t) => {
  const again = await post(leader, '/api/assessment/runs', { period: 'month', date: '2026-10-01' });
  t.is(again.status, 201);
  t.is(again.body.id, octoberId, 'the same row: one report per period and scope');
  const report = await get(leader, `/api/assessment/reports/${octoberId}?ids=true`);
  t.deepEqual(report.body.result, first);
});

test.serial('weeks and days: the period around a date; a period not over is counted up to now', async (t) => {
  const week = await post(leader, '/api/assessment/runs', {
    period: 'week',
    date: '2026-10-14',
    scope: 'departments',
  });
  t.is(week.status, 201);
  t.like(week.body, { periodKey: '2026-10-12_2026-10-19', scope: 'departments' });
  const from = at('2026-10-12 00:00').getTime();
  const to = at('2026-10-19 00:00').getTime();
  const registeredIn = cases
    .filter((c) => {
      const r = c.events.find((x) => x.type === 'registered')!.at.getTime();
      return r >= from && r < to && !c.events.some((x) => x.type === 'voided');
    })
    .map((c) => c.id);
  const report = await get(leader, `/api/assessment/reports/${week.body.id}?ids=true`);
  t.deepEqual(report.body.result.city.figures.registered.numeratorIds, sorted(registeredIn));
  t.true(registeredIn.length > 10);
  const csv = (await get(leader, `/api/assessment/reports/${week.body.id}/csv`)).body as string;
  t.false(csv.includes('\r\n监督员,'), 'scope departments: no staff rows');

  const day = await post(leader, '/api/assessment/runs', { period: 'day', date: '2026-10-31' });
  t.like(day.body, {
    periodKey: '2026-10-31_2026-11-01',
    // B1 and B3 (the generator registers on 1–26 October)
    summary: { registered: 2 },
  });
  const november = await post(leader, '/api/assessment/runs', { period: 'month', date: '2026-11-30' });
  t.like(november.body, { periodKey: '2026-11', asOf: NOW.toISOString() });

  const future = await post(leader, '/api/assessment/runs', { period: 'month', date: '2026-12-01' });
  t.is(future.status, 400);
  t.deepEqual(
    future.body.errors.map((x: { field: string }) => x.field),
    ['body.date'],
  );
  const badDate = await post(leader, '/api/assessment/runs', { period: 'day', date: '2026-10-32' });
  t.deepEqual(
    badDate.body.errors.map((x: { field: string }) => x.field),
    ['body.date'],
  );
  t.is((await post(dispatcher, '/api/assessment/runs', { period: 'day', date: '2026-10-31' })).status, 403);
  t.is((await get(dispatcher, '/api/assessment/reports')).status, 403);
});

test.serial(
  'a department sees only its own scores and cases; a street sub-centre also its units, street and grids',
  async (t) => {
    const { prisma } = hub.db;
    const handler = async (username: string, departmentId: string) => {
      const id = await createUser(hub.db, { username, roles: ['department_handler'] });
      await prisma.user.update({ where: { id }, data: { departmentId } });
      return (await hub.auth.issueSession(id)).token;
    };
    const d01 = await handler('h-d01', 'D01');
    const report = await get(d01, `/api/assessment/reports/${octoberId}`);
    t.is(report.status, 200);
    t.deepEqual(
      report.body.result.departments.map((d: { id: string }) => d.id),
      ['D01'],
    );
    for (const list of ['streets', 'grids', 'supervisors', 'acceptors', 'shiftLeaders', 'dispatchers']) {
      t.deepEqual(report.body.result[list], [], list);
    }
    const full = await get(leader, `/api/assessment/reports/${octoberId}`);
    t.deepEqual(
      report.body.result.departments[0],
      full.body.result.departments.find((d: { id: string }) => d.id === 'D01'),
    );
    const drill = (token: string, query: string) =>
      get(token, `/api/assessment/reports/${octoberId}/cases?figure=registered&${query}`);
    t.is((await drill(d01, 'entityType=department&entityId=D01')).status, 200);
    t.is((await drill(d01, 'entityType=department&entityId=D02')).status, 403);
    t.is((await drill(d01, 'entityType=city')).status, 403);
    const csv = (await get(d01, `/api/assessment/reports/${octoberId}/csv`)).body as string;
    const lines = csv.split('\r\n').filter((l) => /^(专业部门|区域|网格|监督员)/.test(l));
    t.deepEqual(
      lines.map((l) => l.split(',')[1]),
      ['D01'],
    );

    // A sub-centre named after its street, with D02 as its second-level unit.
    await prisma.department.create({
      data: { id: 'SC-A', code: 'SC-A', name: 'A街道', kind: 'street_center' },
    });
    await prisma.department.update({ where: { id: 'D02' }, data: { parentId: 'SC-A' } });
    t.teardown(async () => {
      await prisma.department.update({ where: { id: 'D02' }, data: { parentId: null } });
    });
    const centre = await get(await handler('h-sca', 'SC-A'), `/api/assessment/reports/${octoberId}`);
    t.deepEqual(
      centre.body.result.departments.map((d: { id: string }) => d.id),
      ['D02'], // SC-A itself held no case in October: it is not in the report
    );
    t.deepEqual(
      centre.body.result.streets.map((d: { id: string }) => d.id),
      ['A街道'],
    );
    t.deepEqual(
      centre.body.result.grids.map((d: { id: string }) => d.id),
      GRIDS.filter((g) => g.street === 'A街道').map((g) => g.code),
    );
  },
);

test.serial(
  'rules: read, refuse weights that do not sum to 1 (nothing stored), a change applies to the next run',
  async (t) => {
    const rules = await get(leader, '/api/assessment/rules');
    t.is(rules.status, 200);
    t.deepEqual(rules.body.rules, rules.body.defaults);
    t.is((await call(hub.base, 'PUT', '/api/assessment/rules', { token: leader, body: {} })).status, 403);

    const bad = await call(hub.base, 'PUT', '/api/assessment/rules', {
      token: admin,
      body: { composites: { department: [{ indicator: 'closureRate', weight: 0.5, transform: 'rate' }] } },
    });
    t.is(bad.status, 400);
    t.deepEqual(
      bad.body.errors.map((x: { field: string }) => x.field),
      ['body.composites.department'],
    );
    const badBand = await call(hub.base, 'PUT', '/api/assessment/rules', {
      token: admin,
      body: { bands: { department: [{ atMost: 10, score: 120 }] } },
    });
    t.deepEqual(
      badBand.body.errors.map((x: { field: string }) => x.field),
      ['body.bands.department.0.score'],
    );
    t.is(await hub.db.prisma.setting.count({ where: { key: 'assessment.rules' } }), 0);

    // departments judged by 结案率 alone
    const ok = await call(hub.base, 'PUT', '/api/assessment/rules', {
      token: admin,
      body: { composites: { department: [{ indicator: 'closureRate', weight: 1, transform: 'rate' }] } },
    });
    t.is(ok.status, 200);
    t.deepEqual(ok.body.rules.composites.department, [
      { indicator: 'closureRate', weight: 1, transform: 'rate' },
    ]);
    const stored = await get(leader, `/api/assessment/reports/${octoberId}`);
    t.like(
      stored.body.result.departments.find((d: { id: string }) => d.id === 'D21'),
      { score: 40 },
    );
    await post(leader, '/api/assessment/runs', { period: 'month', date: '2026-10-01' });
    const rerun = await get(leader, `/api/assessment/reports/${octoberId}`);
    t.like(
      rerun.body.result.departments.find((d: { id: string }) => d.id === 'D21'),
      { score: 0, grade: 'E' },
    );
    const d05 = e.scope(
      e.valid.filter((p) => p.dept === 'D05'),
      e.deptMinutes,
    );
    // 100 × 结案率 minus the (unchanged) 核查 penalty
    const { penalty } = expectedDepartmentScore(
      e.valid.filter((p) => p.dept === 'D05'),
      d05,
    );
    t.is(
      rerun.body.result.departments.find((d: { id: string }) => d.id === 'D05').score,
      Math.round((100 * (d05.closureRate ?? 1) - penalty) * 100) / 100,
    );
    t.like(
      hub.logs.find((l) => l.msg === 'assessment rules changed'),
      { by: 'adm' },
    );
  },
);
