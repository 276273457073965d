/**
 * A few hundred cases from a seeded generator, shared by the assessment tests (the computation in
 * test/assessment-generated.test.ts, the API and the mail in test/assessment-api.test.ts). The generator
 * decides each case's story (source, grid, department, a wrong first dispatch, failed 核查, 延期, 挂账,
 * late or missing disposal, void) and writes its timeline; `expectedFigures` counts the expected
 * figures straight from those decisions, independently of the code under test. Meant for a calendar
 * that works around the clock on every day (`aroundTheClock`), so working minutes equal natural
 * minutes and the expected handling times are plain arithmetic.
 */
import type { CalendarOverride } from '../../src/calendar/index.ts';
import { at, deadline, type FixtureCase, type FixtureEvent } from './cases.ts';

/** mulberry32: a small seeded PRNG, so every run generates the same fixture. */
export function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const GRIDS = [
  { code: '32068200100101', street: 'A街道', areaClass: 1, supervisor: 'sup1' },
  { code: '32068200100102', street: 'A街道', areaClass: 1, supervisor: 'sup2' },
  { code: '32068200200101', street: 'B镇', areaClass: 2, supervisor: 'sup1' },
  { code: '32068200200102', street: 'B镇', areaClass: 2, supervisor: 'sup2' },
];
export const DISPATCHERS = ['disp1', 'disp2', 'disp3'];
export const MIN = 60_000;
export const PAUSE = 600; // minutes of 挂账 before 挂账恢复
export const EXTENSION = 300; // minutes an approved 延期 adds

export interface Plan {
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

export function generate(
  n: number,
  seed: number,
  departments: readonly string[],
): { plans: Plan[]; cases: FixtureCase[] } {
  const r = rng(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(r() * list.length)]!;
  const plans: Plan[] = [];
  const cases: FixtureCase[] = [];
  for (let i = 0; i < n; i++) {
    const month = i % 8 === 0 ? 'sep' : i % 8 === 1 ? 'nov' : 'oct';
    const dept = pick(departments);
    const x = r();
    const plan: Plan = {
      id: `G${String(i).padStart(4, '0')}`,
      month,
      source: x < 0.8 ? 'supervisor' : x < 0.95 ? 'hotline' : 'public',
      grid: pick(GRIDS),
      dept,
      wrongFirst: r() < 0.1 ? pick(departments.filter((d) => d !== dept)) : null,
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

/** Expected figures counted from the plans. */
export function expectedFigures(plans: Plan[]) {
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

/** Overrides making every day of September–December 2026 a workday from 00:00 to 24:00. */
export function aroundTheClock(): CalendarOverride[] {
  const overrides: CalendarOverride[] = [];
  for (let d = Date.UTC(2026, 8, 1); d <= Date.UTC(2026, 11, 31); d += 86_400_000) {
    overrides.push({
      date: new Date(d).toISOString().slice(0, 10),
      kind: 'workday',
      shifts: [{ start: '00:00', end: '24:00' }],
    });
  }
  return overrides;
}

/** October 2026 in Rugao. */
export const OCTOBER = { from: at('2026-10-01 00:00'), to: at('2026-11-01 00:00') };

/**
 * The 专业部门 composite of domain.md §1 with the default bands, worked out by hand: 10% 立案数 band,
 * 30% 结案率, 30% 按期处置率, 30% (1 − 返工率), minus 0.2 for every failed 核查 of a case from the 3rd on.
 */
export function expectedDepartmentScore(
  mine: Plan[],
  want: {
    registered: string[];
    closureRate: number | null;
    onTimeDisposalRate: number | null;
    reworkRate: number | null;
  },
) {
  const n = want.registered.length;
  const band = n <= 50 ? 100 : n <= 100 ? 90 : n <= 200 ? 75 : n <= 500 ? 60 : n <= 1000 ? 40 : 0;
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
  const grade = score >= 90 ? 'A' : score >= 75 ? 'B' : score >= 60 ? 'C' : score >= 40 ? 'D' : 'E';
  return { score, penalty, grade };
}
