/**
 * The assessment computed over a few hundred generated cases (test/helpers/assessment-fixture.ts: the
 * generator and the independent count of the expected figures), on a calendar that works around the
 * clock, so working minutes equal natural minutes.
 */
import test from 'ava';
import { createAssessment, type AssessmentResult } from '../src/assessment/index.ts';
import { createWorkCalendar } from '../src/calendar/index.ts';
import {
  aroundTheClock,
  DISPATCHERS,
  expectedDepartmentScore,
  expectedFigures,
  generate,
  GRIDS,
  OCTOBER,
} from './helpers/assessment-fixture.ts';
import { insertCases, insertRefs } from './helpers/cases.ts';
import { createTestDb, type TestDb } from './helpers/db.ts';

const DEPTS = ['D1', 'D2', 'D3', 'D4', 'D5', 'D6'];
const { plans, cases } = generate(400, 20261031, DEPTS);
const expected = () => expectedFigures(plans);

// Around the clock, every day: working time = natural time.
const calendar = createWorkCalendar({ overrides: aroundTheClock() });
const october = OCTOBER;

let tdb: TestDb;
let result: AssessmentResult;
test.before(async () => {
  tdb = await createTestDb();
  await insertRefs(tdb.db, {
    departments: DEPTS,
    users: ['lead1', 'sup1', 'sup2', ...DISPATCHERS],
    grids: GRIDS,
  });
  await insertCases(tdb.db, cases);
  result = await createAssessment({ db: tdb.db, calendar }).compute(october);
});
test.after.always(() => tdb?.drop());

const close = (
  t: import('ava').ExecutionContext,
  actual: number | null,
  want: number | null,
  label: string,
) => {
  if (want === null || actual === null) t.is(actual, want, label);
  else t.true(Math.abs(actual - want) < 1e-9, `${label}: ${actual} ≠ ${want}`);
};

test('the fixture covers every story kind', (t) => {
  const { valid } = expected();
  t.true(valid.length > 250);
  t.true(
    valid.some((p) => p.wrongFirst) && valid.some((p) => p.failures === 3) && valid.some((p) => p.extension),
  );
  t.true(valid.some((p) => p.suspend === 'open') && valid.some((p) => p.suspend === 'resumed'));
  t.true(valid.some((p) => p.late) && valid.some((p) => p.outcome === 'open') && plans.some((p) => p.voided));
});

test('city figures equal the independent count', (t) => {
  const e = expected();
  const want = e.scope(e.valid, e.cityMinutes);
  const f = result.city.figures;
  t.deepEqual(f.registered!.numeratorIds, want.registered);
  t.deepEqual(f.shouldClose!.numeratorIds, want.shouldClose);
  t.deepEqual(f.overdue!.numeratorIds, want.overdue);
  for (const key of [
    'disposalRate',
    'onTimeDisposalRate',
    'closureRate',
    'onTimeClosureRate',
    'reworkRate',
    'extensionRate',
    'avgHandlingHours',
    'missedReportRate',
  ] as const) {
    close(t, f[key]!.value, want[key], key);
  }
  t.deepEqual(f.closureRate!.numeratorIds, e.ids(e.closed));
  t.deepEqual(f.closureRate!.denominatorIds, e.ids(e.should));
  t.deepEqual(f.onTimeDisposalRate!.numeratorIds, e.ids(e.onTime));
  close(
    t,
    f.accurateDispatchRate!.value,
    e.rateOf(
      e.valid.filter((p) => !p.wrongFirst),
      e.valid,
    ),
    'accurateDispatchRate',
  );
});

test('department figures, scores and grades equal the independent count', (t) => {
  const e = expected();
  t.deepEqual(
    result.departments.map((d) => d.id),
    DEPTS,
  );
  for (const dept of DEPTS) {
    const mine = e.valid.filter((p) => p.dept === dept);
    const want = e.scope(mine, e.deptMinutes);
    const got = result.departments.find((d) => d.id === dept)!;
    t.deepEqual(got.figures.shouldClose!.numeratorIds, want.shouldClose, dept);
    t.deepEqual(got.figures.overdue!.numeratorIds, want.overdue, dept);
    for (const key of [
      'disposalRate',
      'onTimeDisposalRate',
      'closureRate',
      'reworkRate',
      'extensionRate',
      'avgHandlingHours',
    ] as const) {
      close(t, got.figures[key]!.value, want[key], `${dept} ${key}`);
    }
    const { score, penalty, grade } = expectedDepartmentScore(mine, want);
    close(t, got.penalty, penalty, `${dept} penalty`);
    t.is(got.score, score, dept);
    t.is(got.grade, grade, dept);
  }
});

test('streets, supervisors and dispatchers equal the independent count', (t) => {
  const e = expected();
  for (const street of ['A街道', 'B镇']) {
    const want = e.scope(
      e.valid.filter((p) => p.grid.street === street),
      e.cityMinutes,
    );
    const got = result.streets.find((s) => s.id === street)!;
    t.deepEqual(got.figures.registered!.numeratorIds, want.registered);
    close(t, got.figures.closureRate!.value, want.closureRate, `${street} closureRate`);
    close(t, got.figures.onTimeClosureRate!.value, want.onTimeClosureRate, `${street} onTimeClosureRate`);
    close(t, got.figures.missedReportRate!.value, want.missedReportRate, `${street} missedReportRate`);
  }
  for (const sup of ['sup1', 'sup2']) {
    const mine = e.valid.filter((p) => p.grid.supervisor === sup);
    const got = result.supervisors.find((s) => s.id === sup)!;
    t.deepEqual(
      got.figures.missedReportRate!.numeratorIds,
      e.ids(mine.filter((p) => p.source !== 'supervisor')),
    );
    t.deepEqual(got.figures.missedReportRate!.denominatorIds, e.ids(mine));
  }
  for (const disp of DISPATCHERS) {
    const mine = e.valid.filter((p) => p.dispatcher === disp);
    const got = result.dispatchers.find((s) => s.id === disp)!;
    t.deepEqual(got.figures.accurateDispatchRate!.numeratorIds, e.ids(mine.filter((p) => !p.wrongFirst)));
    t.deepEqual(got.figures.accurateDispatchRate!.denominatorIds, e.ids(mine));
  }
});

test('recomputation is identical', async (t) => {
  t.deepEqual(await createAssessment({ db: tdb.db, calendar }).compute(october), result);
});
