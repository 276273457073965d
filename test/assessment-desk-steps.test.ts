/**
 * Hand-computed: the desk's own steps (受理/派发核实, 立案, 派遣) are judged against the category table's
 * limits, since the procedure keeps no clock for them; 结案, the procedure's own step, is the registering
 * 值班长's; 满意率 comes from the 回访 verdicts. Category 0402 (normal) limits: 受理 30 working minutes,
 * 立案 10 natural minutes, 派遣 30 working minutes; none for 紧急 (urgent). Working hours 08:30–12:00 and
 * 13:30–17:30; 12 and 13 October 2026 are a Monday and a Tuesday.
 */
import test from 'ava';
import {
  createAssessment,
  monthPeriod,
  type AssessmentResult,
  type EntityResult,
} from '../src/assessment/index.ts';
import { createWorkCalendar } from '../src/calendar/index.ts';
import { at, insertCases, insertRefs, type FixtureCase } from './helpers/cases.ts';
import { createTestDb, type TestDb } from './helpers/db.ts';

const G1 = '32068200100101';
const G2 = '32068200200101';

const cases: FixtureCase[] = [
  {
    // All on time: 派发核实 09:20 ≤ 09:30 (09:00 + 30); 立案 10:05 ≤ 10:10 (verified 10:00 + 10 natural);
    // 派遣 10:20 ≤ 10:35 (10:05 + 30). Closed by the procedure (no actor): lead1's 结案. 回访 满意.
    id: 'D1',
    source: 'hotline',
    gridCode: G1,
    events: [
      { at: at('2026-10-12 09:00'), type: 'reported' },
      { at: at('2026-10-12 09:10'), type: 'accepted', actor: 'acc1' },
      { at: at('2026-10-12 09:20'), type: 'verify_requested', actor: 'acc1' },
      { at: at('2026-10-12 10:00'), type: 'verified', actor: 'sup1' },
      { at: at('2026-10-12 10:05'), type: 'registered', actor: 'lead1' },
      { at: at('2026-10-12 10:20'), type: 'dispatched', actor: 'disp1', dept: 'SAN' },
      { at: at('2026-10-12 10:30'), type: 'signed' },
      { at: at('2026-10-12 11:00'), type: 'disposed' },
      { at: at('2026-10-12 11:05'), type: 'check_requested', actor: 'acc1' },
      { at: at('2026-10-12 11:30'), type: 'check_passed', actor: 'sup1' },
      { at: at('2026-10-12 11:31'), type: 'closed' },
      { at: at('2026-10-12 15:00'), type: 'callback', data: { satisfaction: 'satisfied' } },
    ],
  },
  {
    // 派发核实 13:40 ≤ 13:50 (11:50 + 10 minutes to noon + 20 after 13:30): on time. 立案 14:45 > 14:40
    // (verified 14:30 + 10): late. 派遣 15:30 > 15:15 (14:45 + 30): late. 回访 不满意, reopened.
    id: 'D2',
    source: 'hotline',
    gridCode: G1,
    events: [
      { at: at('2026-10-12 11:50'), type: 'reported' },
      { at: at('2026-10-12 13:40'), type: 'verify_requested', actor: 'acc1' },
      { at: at('2026-10-12 14:30'), type: 'verified', actor: 'sup1' },
      { at: at('2026-10-12 14:45'), type: 'registered', actor: 'lead1' },
      { at: at('2026-10-12 15:30'), type: 'dispatched', actor: 'disp1', dept: 'SAN' },
      { at: at('2026-10-12 15:40'), type: 'signed' },
      { at: at('2026-10-12 16:00'), type: 'disposed' },
      { at: at('2026-10-12 16:10'), type: 'check_requested', actor: 'acc1' },
      { at: at('2026-10-12 16:30'), type: 'check_passed', actor: 'sup1' },
      { at: at('2026-10-12 16:31'), type: 'closed' },
      { at: at('2026-10-13 09:00'), type: 'callback', data: { satisfaction: 'unsatisfied' } },
      { at: at('2026-10-13 09:00'), type: 'reopened' },
    ],
  },
  {
    // A supervisor's report: 立案 16:20 > 16:10 (reported 16:00 + 10): late. First 派遣 16:25 ≤ 16:50: on
    // time; 回退 at 16:40 restarts the step: 16:40 + 30 working = 17:10, the second 派遣 on Wednesday
    // 09:00 is late. 回访 unreachable: not in 满意率.
    id: 'D3',
    source: 'supervisor',
    reporter: 'sup1',
    gridCode: G2,
    events: [
      { at: at('2026-10-13 16:00'), type: 'reported', actor: 'sup1' },
      { at: at('2026-10-13 16:20'), type: 'registered', actor: 'lead2' },
      { at: at('2026-10-13 16:25'), type: 'dispatched', actor: 'disp1', dept: 'WATER' },
      { at: at('2026-10-13 16:30'), type: 'return_requested' },
      { at: at('2026-10-13 16:40'), type: 'returned', actor: 'disp1' },
      { at: at('2026-10-14 09:00'), type: 'dispatched', actor: 'disp2', dept: 'SAN' },
      { at: at('2026-10-14 09:10'), type: 'signed' },
      { at: at('2026-10-14 10:00'), type: 'disposed' },
      { at: at('2026-10-14 10:05'), type: 'check_requested', actor: 'acc1' },
      { at: at('2026-10-14 10:30'), type: 'check_passed', actor: 'sup1' },
      { at: at('2026-10-14 10:31'), type: 'closed' },
      { at: at('2026-10-14 15:00'), type: 'callback', data: { satisfaction: 'unreachable' } },
    ],
  },
  {
    // 紧急, for which the table has no desk limits: 立案 two days later is not late.
    id: 'D4',
    source: 'supervisor',
    reporter: 'sup1',
    gridCode: G2,
    events: [
      { at: at('2026-10-13 08:00'), type: 'reported', actor: 'sup1' },
      { at: at('2026-10-15 08:00'), type: 'registered', actor: 'lead2' },
    ],
  },
];

let tdb: TestDb;
let result: AssessmentResult;
test.before(async () => {
  tdb = await createTestDb();
  await insertRefs(tdb.db, {
    departments: ['SAN', 'WATER', 'IDLE'],
    users: ['acc1', 'disp1', 'disp2', 'lead1', 'lead2', 'sup1'],
    grids: [
      { code: G1, street: '城北街道', areaClass: 1, supervisor: 'sup1' },
      { code: G2, street: '长江镇', areaClass: 2, supervisor: 'sup1' },
    ],
  });
  await insertCases(tdb.db, cases);
  const { prisma } = tdb.db;
  await prisma.case.update({ where: { id: 'D4' }, data: { urgency: 'urgent' } });
  const category = await prisma.category.findFirstOrThrow({ where: { code: '0402' } });
  await prisma.categoryLimit.createMany({
    data: [
      { step: 'accept' as const, limitMinutes: 30, timeMode: 'working' as const },
      { step: 'register' as const, limitMinutes: 10, timeMode: 'natural' as const },
      { step: 'dispatch' as const, limitMinutes: 30, timeMode: 'working' as const },
      { step: 'dispose' as const, limitMinutes: 1, timeMode: 'working' as const }, // not a desk step
    ].map((l) => ({ ...l, categoryId: category.id, urgency: 'normal' as const })),
  });
  result = await createAssessment({ db: tdb.db, calendar: createWorkCalendar() }).compute(
    monthPeriod('2026-10', 'Asia/Shanghai'),
  );
});
test.after.always(() => tdb?.drop());

const find = (list: EntityResult[], id: string) => list.find((x) => x.id === id)!;
const fig = (e: EntityResult, key: string) => {
  const f = e.figures[key]!;
  return [f.value, f.numeratorIds, f.denominatorIds];
};

test('派发核实, 立案 and 派遣 are on time or late against the category table', (t) => {
  t.deepEqual(fig(find(result.acceptors, 'acc1'), 'onTimeVerifyDispatchRate'), [
    1,
    ['D1', 'D2'],
    ['D1', 'D2'],
  ]);
  t.deepEqual(fig(find(result.shiftLeaders, 'lead1'), 'onTimeRegisterRate'), [1 / 2, ['D1'], ['D1', 'D2']]);
  t.deepEqual(fig(find(result.shiftLeaders, 'lead2'), 'onTimeRegisterRate'), [1 / 2, ['D4'], ['D3', 'D4']]);
  // disp1: D1 on time, D2 late, D3's first 派遣 on time — three acts, two on time.
  t.deepEqual(fig(find(result.dispatchers, 'disp1'), 'onTimeDispatchRate'), [
    2 / 3,
    ['D1', 'D3'],
    ['D1', 'D2', 'D3'],
  ]);
  t.deepEqual(fig(find(result.dispatchers, 'disp2'), 'onTimeDispatchRate'), [0, [], ['D3']]);
});

test('结案 by the procedure counts for the 值班长 who registered the case', (t) => {
  t.deepEqual(fig(find(result.shiftLeaders, 'lead1'), 'onTimeCloseRate'), [1, ['D1', 'D2'], ['D1', 'D2']]);
  t.deepEqual(fig(find(result.shiftLeaders, 'lead2'), 'onTimeCloseRate'), [1, ['D3'], ['D3']]);
});

test('满意率: satisfied or basic over the cases with a verdict; unreachable is no verdict', (t) => {
  t.deepEqual(fig(result.city, 'satisfactionRate'), [1 / 2, ['D1'], ['D1', 'D2']]);
  t.deepEqual(fig(find(result.streets, '城北街道'), 'satisfactionRate'), [1 / 2, ['D1'], ['D1', 'D2']]);
  t.deepEqual(fig(find(result.streets, '长江镇'), 'satisfactionRate'), [null, [], []]);
  // SAN holds D1 and D3 (D2 was reopened and waits for 派遣 again)
  t.deepEqual(fig(find(result.departments, 'SAN'), 'satisfactionRate'), [1, ['D1'], ['D1']]);
});

test('a department with no case in the period is listed without score or grade', (t) => {
  const idle = find(result.departments, 'IDLE');
  t.is(idle.figures.registered!.value, 0);
  t.deepEqual([idle.score, idle.grade], [null, null]);
  t.not(find(result.departments, 'SAN').grade, null);
});
