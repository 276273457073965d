/**
 * A few hundred cases from a seeded generator. The generator decides each case's story (source, grid,
 * department, a wrong first dispatch, failed 核查, 延期, 挂账, late or missing disposal, void) and writes
 * its timeline; the expected figures are counted here straight from those decisions, independently of
 * the code under test. The calendar works around the clock on every day, so working minutes equal
 * natural minutes and the expected handling times are plain arithmetic.
 */
import test from 'ava';
import {
  createAssessment,
  DEFAULT_ASSESSMENT_RULES,
  type AssessmentResult,
} from '../src/assessment/index.ts';
import { createWorkCalendar, type CalendarOverride } from '../src/calendar/index.ts';
import {
  at,
  deadline,
  insertCases,
  insertRefs,
  type FixtureCase,
  type FixtureEvent,
} from './helpers/cases.ts';
import { createTestDb, type TestDb } from './helpers/db.ts';

/** mulberry32: a small seeded PRNG, so every run generates the same fixture. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DEPTS = ['D1', 'D2', 'D3', 'D4', 'D5', 'D6'];
const GRIDS = [
  { code: '32068200100101', street: 'A街道', areaClass: 1, supervisor: 'sup1' },
  { code: '32068200100102', street: 'A街道', areaClass: 1, supervisor: 'sup2' },
  { code: '32068200200101', street: 'B镇', areaClass: 2, supervisor: 'sup1' },
  { code: '32068200200102', street: 'B镇', areaClass: 2, supervisor: 'sup2' },
];
const DISPATCHERS = ['disp1', 'disp2', 'disp3'];
const MIN = 60_000;
const PAUSE = 600; // minutes of 挂账 before 挂账恢复
const EXTENSION = 300; // minutes an approved 延期 adds

interface Plan {
  id: string;
  month: 'sep' | 'oct' | 'nov';
  source: 'supervisor' | 'hotline' | 'public';
  grid: (typeof GRIDS)[number];
  dept: string;
  wrongFirst: string | null;
  dispatcher: string;
  voided: boolean;
  failures: number;
  extension: boolean;
  suspend: 'none' | 'open' | 'resumed';
  outcome: 'closed' | 'disposed' | 'open';
  late: boolean;
}

function generate(n: number, seed: number): { plans: Plan[]; cases: FixtureCase[] } {
  const r = rng(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(r() * list.length)]!;
  const plans: Plan[] = [];
  const cases: FixtureCase[] = [];
  for (let i = 0; i < n; i++) {
    const month = i % 8 === 0 ? 'sep' : i % 8 === 1 ? 'nov' : 'oct';
    const dept = pick(DEPTS);
    const x = r();
    const plan: Plan = {
      id: `G${String(i).padStart(4, '0')}`,
      month,
      source: x < 0.8 ? 'supervisor' : x < 0.95 ? 'hotline' : 'public',
      grid: pick(GRIDS),
      dept,
      wrongFirst: r() < 0.1 ? pick(DEPTS.filter((d) => d !== dept)) : null,
      dispatcher: pick(DISPATCHERS),
      voided: r() < 0.05,
      failures: ((y) => (y < 0.8 ? 0 : y < 0.9 ? 1 : y < 0.96 ? 2 : 3))(r()),
      extension: r() < 0.12,
      suspend: ((y) => (y < 0.04 ? 'open' : y < 0.1 ? 'resumed' : 'none'))(r()),
      outcome: ((y) => (y < 0.8 ? 'closed' : y < 0.87 ? 'disposed' : 'open'))(r()),
      late: r() < 0.15,
    };
    plans.push(plan);
    const day =
      month === 'sep'
        ? 20 + Math.floor(r() * 8)
        : month === 'nov'
          ? 2 + Math.floor(r() * 8)
          : 1 + Math.floor(r() * 26);
    const mm = month === 'sep' ? '09' : month === 'nov' ? '11' : '10';
    const t0 = at(`2026-${mm}-${String(day).padStart(2, '0')} 08:00`).getTime() + Math.floor(r() * 600) * MIN;
    const ev: FixtureEvent[] = [];
    const add = (minute: number, type: string, extra: Partial<FixtureEvent> = {}) =>
      ev.push({ at: new Date(t0 + minute * MIN), type, ...extra });
    const due = (minute: number, dueMinute: number) =>
      ev.push(deadline(new Date(t0 + minute * MIN), 'dispose', new Date(t0 + dueMinute * MIN)));
    add(-10, 'reported', plan.source === 'supervisor' ? { actor: plan.grid.supervisor } : {});
    add(0, 'registered', { actor: 'lead1' });
    if (plan.voided) {
      add(5, 'voided', { actor: 'lead1' });
    } else {
      let s = 10;
      if (plan.wrongFirst) {
        add(s, 'dispatched', { actor: plan.dispatcher, dept: plan.wrongFirst });
        due(s + 1, s + 240);
        add(s + 30, 'returned', { actor: plan.dispatcher });
        s += 40;
      }
      add(s, 'dispatched', { actor: plan.dispatcher, dept: plan.dept });
      due(s + 1, s + 240);
      add(s + 5, 'signed');
      for (let f = 0; f < plan.failures; f++) {
        add(s + 60, 'disposed');
        add(s + 65, 'check_requested');
        add(s + 70, 'check_failed', { actor: plan.grid.supervisor });
        s += 70;
        due(s + 1, s + 240);
        add(s + 5, 'signed');
      }
      // the final round: 挂账 and 延期 happen here
      let dueAt = s + 240;
      let pause = 0;
      let stop = false;
      if (plan.suspend !== 'none') {
        add(s + 10, 'suspended', { actor: plan.dispatcher });
        if (plan.suspend === 'open') stop = true;
        else {
          add(s + 10 + PAUSE, 'resumed', { actor: plan.dispatcher });
          pause = PAUSE;
          dueAt += PAUSE;
          due(s + 11 + PAUSE, dueAt);
        }
      }
      if (!stop && plan.extension) {
        add(s + pause + 15, 'extension_requested');
        add(s + pause + 20, 'extension_approved', { actor: plan.dispatcher });
        dueAt += EXTENSION;
        due(s + pause + 21, dueAt);
      }
      if (!stop && plan.outcome !== 'open') {
        const f = plan.late ? dueAt + 30 : s + pause + 60;
        add(f, 'disposed');
        add(f + 5, 'check_requested');
        if (plan.outcome === 'closed') {
          add(f + 10, 'check_passed', { actor: plan.grid.supervisor });
          add(f + 15, 'closed', { actor: 'lead1' });
        }
      }
    }
    cases.push({
      id: plan.id,
      source: plan.source,
      gridCode: plan.grid.code,
      reporter: plan.source === 'supervisor' ? plan.grid.supervisor : undefined,
      events: ev,
    });
  }
  return { plans, cases };
}

const { plans, cases } = generate(400, 20261031);

/** Expected figures counted from the plans. */
function expected() {
  const cohort = plans.filter((p) => p.month === 'oct');
  const valid = cohort.filter((p) => !p.voided);
  const open = (p: Plan) => p.suspend === 'open';
  const should = valid.filter((p) => !open(p));
  const disposed = should.filter((p) => p.outcome !== 'open');
  const onTime = disposed.filter((p) => !p.late);
  const closed = should.filter((p) => p.outcome === 'closed');
  // the final round's dwell (pause excluded): 60, or up to 30 past its deadline when late
  const dwell = (p: Plan) => (p.late ? 240 + (p.extension ? EXTENSION : 0) + 30 : 60);
  // each failed round: dispatch → disposal 60 minutes (the 核查 time after it is nobody's handling time)
  const deptMinutes = (p: Plan) => p.failures * 60 + dwell(p);
  // the wrong department held it 30 minutes until the 回退
  const cityMinutes = (p: Plan) => (p.wrongFirst ? 30 : 0) + deptMinutes(p);
  const overdue = valid.filter((p) => !open(p) && (p.late || p.outcome === 'open'));
  const ids = (list: Plan[]) => list.map((p) => p.id).sort();
  const rateOf = (num: Plan[], den: Plan[]) => (den.length ? num.length / den.length : null);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length / 60 : null);
  const scope = (list: Plan[], minutes: (p: Plan) => number) => {
    const sh = list.filter((p) => !open(p));
    const dis = sh.filter((p) => p.outcome !== 'open');
    return {
      registered: ids(list),
      shouldClose: ids(sh),
      disposalRate: rateOf(dis, sh),
      onTimeDisposalRate: rateOf(
        dis.filter((p) => !p.late),
        sh,
      ),
      closureRate: rateOf(
        sh.filter((p) => p.outcome === 'closed'),
        sh,
      ),
      onTimeClosureRate: rateOf(
        sh.filter((p) => p.outcome === 'closed' && !p.late),
        sh,
      ),
      reworkRate: rateOf(
        sh.filter((p) => p.failures > 0),
        sh,
      ),
      extensionRate: rateOf(
        sh.filter((p) => p.extension && !open(p)),
        sh,
      ),
      overdue: ids(list.filter((p) => !open(p) && (p.late || p.outcome === 'open'))),
      avgHandlingHours: mean(dis.map(minutes)),
      missedReportRate: rateOf(
        list.filter((p) => p.source !== 'supervisor'),
        list,
      ),
    };
  };
  return {
    cohort,
    valid,
    should,
    disposed,
    onTime,
    closed,
    overdue,
    ids,
    rateOf,
    scope,
    deptMinutes,
    cityMinutes,
  };
}

// Around the clock, every day: working time = natural time.
const overrides: CalendarOverride[] = [];
for (let d = Date.UTC(2026, 8, 1); d <= Date.UTC(2026, 11, 31); d += 86_400_000) {
  overrides.push({
    date: new Date(d).toISOString().slice(0, 10),
    kind: 'workday',
    shifts: [{ start: '00:00', end: '24:00' }],
  });
}
const calendar = createWorkCalendar({ overrides });
const october = { from: at('2026-10-01 00:00'), to: at('2026-11-01 00:00') };

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
  const rules = DEFAULT_ASSESSMENT_RULES;
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
    const n = want.registered.length;
    const band = rules.bands.department!.find((b) => b.atMost === undefined || n <= b.atMost)!.score;
    const pct = (v: number | null) => (v === null ? 100 : 100 * v);
    const penalty = mine.reduce((s, p) => s + Math.max(0, p.failures - 2) * 0.2, 0);
    const score =
      Math.round(
        (0.1 * band +
          0.3 * pct(want.closureRate) +
          0.3 * pct(want.onTimeDisposalRate) +
          0.3 * (100 - pct(want.reworkRate)) -
          penalty) *
          100,
      ) / 100;
    close(t, got.penalty, penalty, `${dept} penalty`);
    t.is(got.score, score, dept);
    t.is(
      got.grade,
      score >= 90 ? 'A' : score >= 75 ? 'B' : score >= 60 ? 'C' : score >= 40 ? 'D' : 'E',
      dept,
    );
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
