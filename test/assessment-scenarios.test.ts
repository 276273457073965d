/**
 * Hand-computed October 2026 fixture: one case per scenario rule of domain.md §6 (1 overdue + 回退,
 * 2 three failed 核查, 3 voided at 核实, 7 挂账 and 挂账恢复, 9 wrong dispatch, 延期 keeping 按期, a case
 * crossing the month boundary, one from September, 自处理, a registered case voided). Every expected
 * number below is worked out by hand in the comments, not by the code under test.
 */
import test from 'ava';
import {
  createAssessment,
  monthPeriod,
  type AssessmentResult,
  type EntityResult,
} from '../src/assessment/index.ts';
import { createWorkCalendar } from '../src/calendar/index.ts';
import { at, deadline, insertCases, insertRefs, type FixtureCase } from './helpers/cases.ts';
import { createTestDb, type TestDb } from './helpers/db.ts';

const G1 = '32068200100101'; // 城北街道, 一类, supervisor sup1
const G2 = '32068200200101'; // 长江镇, 二类, supervisor sup2

const cases: FixtureCase[] = [
  {
    // Scenario 1: hotline → WATER (overdue at 19:40 while WATER holds it) → 回退 → STREET disposes on time.
    id: 'S01',
    source: 'hotline',
    gridCode: G1,
    events: [
      { at: at('2026-10-09 16:50'), type: 'reported' },
      { at: at('2026-10-09 16:52'), type: 'accepted', actor: 'acc1' },
      { at: at('2026-10-09 16:55'), type: 'verify_requested', actor: 'acc1' },
      { at: at('2026-10-09 17:30'), type: 'verified', actor: 'sup1' },
      { at: at('2026-10-09 17:35'), type: 'registered', actor: 'lead1' },
      { at: at('2026-10-09 17:40'), type: 'dispatched', actor: 'disp1', dept: 'WATER' },
      deadline(at('2026-10-09 17:41'), 'dispose', at('2026-10-09 19:40')),
      { at: at('2026-10-09 19:41'), type: 'escalated' },
      { at: at('2026-10-09 20:00'), type: 'return_requested' },
      { at: at('2026-10-09 20:30'), type: 'returned', actor: 'disp1' },
      { at: at('2026-10-09 20:35'), type: 'dispatched', actor: 'disp1', dept: 'STREET' },
      deadline(at('2026-10-09 20:36'), 'dispose', at('2026-10-09 22:35')),
      { at: at('2026-10-09 20:50'), type: 'signed' },
      { at: at('2026-10-09 21:50'), type: 'disposed' },
      { at: at('2026-10-09 22:00'), type: 'check_requested', actor: 'acc1' },
      { at: at('2026-10-09 22:20'), type: 'check_passed', actor: 'sup1' },
      { at: at('2026-10-09 22:30'), type: 'closed', actor: 'lead1' },
      { at: at('2026-10-09 23:00'), type: 'callback', data: { satisfaction: 'satisfied' } },
    ],
  },
  {
    // Scenario 2: SAN fails 核查 three times (返工 ×3, penalty 0.2), then passes. Handling:
    // 09:20–11:00 100 + 11:30–12:00 30 + 13:30–14:00 30 + 14:30–16:00 90 + 16:30–17:30 60 + 08:30–09:00 30
    // = 340 working minutes.
    id: 'S02',
    source: 'supervisor',
    gridCode: G2,
    reporter: 'sup2',
    events: [
      { at: at('2026-10-12 09:00'), type: 'reported', actor: 'sup2' },
      { at: at('2026-10-12 09:10'), type: 'registered', actor: 'lead1' },
      { at: at('2026-10-12 09:20'), type: 'dispatched', actor: 'disp2', dept: 'SAN' },
      deadline(at('2026-10-12 09:21'), 'dispose', at('2026-10-12 14:50')),
      { at: at('2026-10-12 09:30'), type: 'signed' },
      { at: at('2026-10-12 11:00'), type: 'disposed' },
      { at: at('2026-10-12 11:05'), type: 'check_requested', actor: 'acc1' },
      { at: at('2026-10-12 11:30'), type: 'check_failed', actor: 'sup2' },
      deadline(at('2026-10-12 11:31'), 'dispose', at('2026-10-12 17:00')),
      { at: at('2026-10-12 13:40'), type: 'signed' },
      { at: at('2026-10-12 14:00'), type: 'disposed' },
      { at: at('2026-10-12 14:05'), type: 'check_requested', actor: 'acc1' },
      { at: at('2026-10-12 14:30'), type: 'check_failed', actor: 'sup2' },
      deadline(at('2026-10-12 14:31'), 'dispose', at('2026-10-13 09:30')),
      { at: at('2026-10-12 15:00'), type: 'signed' },
      { at: at('2026-10-12 16:00'), type: 'disposed' },
      { at: at('2026-10-12 16:05'), type: 'check_requested', actor: 'acc1' },
      { at: at('2026-10-12 16:30'), type: 'check_failed', actor: 'sup2' },
      deadline(at('2026-10-12 16:31'), 'dispose', at('2026-10-13 11:30')),
      { at: at('2026-10-12 16:40'), type: 'signed' },
      { at: at('2026-10-13 09:00'), type: 'disposed' },
      { at: at('2026-10-13 09:05'), type: 'check_requested', actor: 'acc1' },
      { at: at('2026-10-13 09:30'), type: 'check_passed', actor: 'sup2' },
      { at: at('2026-10-13 09:40'), type: 'closed', actor: 'lead1' },
    ],
  },
  {
    // Scenario 3: public report, false at 核实 (on time: due 11:10): never 立案.
    id: 'S03',
    source: 'public',
    gridCode: G1,
    events: [
      { at: at('2026-10-15 10:00'), type: 'reported' },
      { at: at('2026-10-15 10:05'), type: 'accepted', actor: 'acc1' },
      { at: at('2026-10-15 10:10'), type: 'verify_requested', actor: 'acc1' },
      deadline(at('2026-10-15 10:11'), 'verify', at('2026-10-15 11:10')),
      { at: at('2026-10-15 10:50'), type: 'voided', actor: 'sup1', data: { reason: '不属实' } },
    ],
  },
  {
    // Scenario 7: 挂账 and still suspended at the end of October: out of 应结案.
    id: 'S04',
    source: 'supervisor',
    gridCode: G1,
    reporter: 'sup1',
    events: [
      { at: at('2026-10-16 09:00'), type: 'reported', actor: 'sup1' },
      { at: at('2026-10-16 09:10'), type: 'registered', actor: 'lead1' },
      { at: at('2026-10-16 09:20'), type: 'dispatched', actor: 'disp1', dept: 'LAW' },
      deadline(at('2026-10-16 09:21'), 'dispose', at('2026-10-16 14:50')),
      { at: at('2026-10-16 09:30'), type: 'signed' },
      { at: at('2026-10-16 10:00'), type: 'suspension_requested' },
      { at: at('2026-10-16 10:30'), type: 'suspended', actor: 'disp1' },
    ],
  },
  {
    // Scenario 7: 挂账 from Mon 10:00 to Tue 10:00, then disposed Tue 11:00: 50 + 60 = 110 working minutes;
    // the first deadline (Mon 14:40) passed during the pause, the recomputed one is Tue 14:40.
    id: 'S05',
    source: 'supervisor',
    gridCode: G1,
    reporter: 'sup1',
    events: [
      { at: at('2026-10-19 09:00'), type: 'reported', actor: 'sup1' },
      { at: at('2026-10-19 09:05'), type: 'registered', actor: 'lead1' },
      { at: at('2026-10-19 09:10'), type: 'dispatched', actor: 'disp1', dept: 'LAW' },
      deadline(at('2026-10-19 09:11'), 'dispose', at('2026-10-19 14:40')),
      { at: at('2026-10-19 09:20'), type: 'signed' },
      { at: at('2026-10-19 10:00'), type: 'suspended', actor: 'disp1' },
      { at: at('2026-10-20 10:00'), type: 'resumed', actor: 'disp1' },
      deadline(at('2026-10-20 10:01'), 'dispose', at('2026-10-20 14:40')),
      { at: at('2026-10-20 11:00'), type: 'disposed' },
      { at: at('2026-10-20 11:05'), type: 'check_requested', actor: 'acc1' },
      { at: at('2026-10-20 11:30'), type: 'check_passed', actor: 'sup1' },
      { at: at('2026-10-20 11:40'), type: 'closed', actor: 'lead1' },
    ],
  },
  {
    // 延期 (scenario 6): due Wed 14:40, extended to Thu 10:00, disposed Thu 09:30: 按期, 延期.
    // Handling: Wed 09:10–12:00 170 + 13:30–17:30 240 + Thu 08:30–09:30 60 = 470 minutes.
    // The 核查 was due 09:50 and came at 10:00 (late for sup1); closed 10:10 after that limit (late for lead1).
    id: 'S06',
    source: 'supervisor',
    gridCode: G1,
    reporter: 'sup1',
    events: [
      { at: at('2026-10-14 09:00'), type: 'reported', actor: 'sup1' },
      { at: at('2026-10-14 09:05'), type: 'registered', actor: 'lead1' },
      { at: at('2026-10-14 09:10'), type: 'dispatched', actor: 'disp2', dept: 'SAN' },
      deadline(at('2026-10-14 09:11'), 'dispose', at('2026-10-14 14:40')),
      { at: at('2026-10-14 09:20'), type: 'signed' },
      { at: at('2026-10-14 14:00'), type: 'extension_requested' },
      { at: at('2026-10-14 14:10'), type: 'extension_approved', actor: 'disp2' },
      deadline(at('2026-10-14 14:11'), 'dispose', at('2026-10-15 10:00')),
      { at: at('2026-10-15 09:30'), type: 'disposed' },
      { at: at('2026-10-15 09:34'), type: 'check_requested', actor: 'acc1' },
      deadline(at('2026-10-15 09:35'), 'check', at('2026-10-15 09:50')),
      { at: at('2026-10-15 10:00'), type: 'check_passed', actor: 'sup1' },
      { at: at('2026-10-15 10:10'), type: 'closed', actor: 'lead1' },
    ],
  },
  {
    // Scenario 9: dispatched (late: due 08:55) to GARDEN, 回退 at 09:40 before GARDEN's deadline, then LAW.
    // LAW: 09:45–11:00 = 75 min; the city counts GARDEN's 40 min too: 115.
    id: 'S07',
    source: 'supervisor',
    gridCode: G2,
    reporter: 'sup2',
    events: [
      { at: at('2026-10-21 08:40'), type: 'reported', actor: 'sup2' },
      deadline(at('2026-10-21 08:45'), 'dispatch', at('2026-10-21 08:55')),
      { at: at('2026-10-21 08:50'), type: 'registered', actor: 'lead1' },
      { at: at('2026-10-21 09:00'), type: 'dispatched', actor: 'disp2', dept: 'GARDEN' },
      deadline(at('2026-10-21 09:01'), 'dispose', at('2026-10-21 14:30')),
      { at: at('2026-10-21 09:30'), type: 'return_requested' },
      { at: at('2026-10-21 09:40'), type: 'returned', actor: 'disp2' },
      { at: at('2026-10-21 09:45'), type: 'dispatched', actor: 'disp2', dept: 'LAW' },
      deadline(at('2026-10-21 09:46'), 'dispose', at('2026-10-21 15:15')),
      { at: at('2026-10-21 10:00'), type: 'signed' },
      { at: at('2026-10-21 11:00'), type: 'disposed' },
      { at: at('2026-10-21 11:05'), type: 'check_requested', actor: 'acc1' },
      { at: at('2026-10-21 11:20'), type: 'check_passed', actor: 'sup2' },
      { at: at('2026-10-21 11:30'), type: 'closed', actor: 'lead1' },
    ],
  },
  {
    // Month boundary: registered Fri 30 Oct 17:00 (late: due 16:55), disposed Mon 2 Nov: October's case,
    // undisposed as of 1 Nov 00:00.
    id: 'S08',
    source: 'supervisor',
    gridCode: G1,
    reporter: 'sup1',
    events: [
      { at: at('2026-10-30 16:45'), type: 'reported', actor: 'sup1' },
      deadline(at('2026-10-30 16:50'), 'register', at('2026-10-30 16:55')),
      { at: at('2026-10-30 17:00'), type: 'registered', actor: 'lead1' },
      { at: at('2026-10-30 17:10'), type: 'dispatched', actor: 'disp1', dept: 'LAW' },
      deadline(at('2026-10-30 17:11'), 'dispose', at('2026-11-02 12:10')),
      { at: at('2026-10-30 17:20'), type: 'signed' },
      { at: at('2026-11-02 09:00'), type: 'disposed' },
      { at: at('2026-11-02 09:05'), type: 'check_requested', actor: 'acc1' },
      { at: at('2026-11-02 09:30'), type: 'check_passed', actor: 'sup1' },
      { at: at('2026-11-02 09:40'), type: 'closed', actor: 'lead1' },
    ],
  },
  {
    // September's case closed in October: not in October's cohort; its 核查 and 结案 are October acts.
    id: 'S09',
    source: 'supervisor',
    gridCode: G1,
    reporter: 'sup1',
    events: [
      { at: at('2026-09-30 15:50'), type: 'reported', actor: 'sup1' },
      { at: at('2026-09-30 16:00'), type: 'registered', actor: 'lead1' },
      { at: at('2026-09-30 16:10'), type: 'dispatched', actor: 'disp1', dept: 'LAW' },
      { at: at('2026-09-30 16:20'), type: 'signed' },
      { at: at('2026-10-08 10:00'), type: 'disposed' },
      { at: at('2026-10-08 10:05'), type: 'check_requested', actor: 'acc1' },
      { at: at('2026-10-08 10:30'), type: 'check_passed', actor: 'sup1' },
      { at: at('2026-10-08 10:40'), type: 'closed', actor: 'lead1' },
    ],
  },
  {
    // 自处理: 立案, 处置, 结案 at once; no department; not in the handling-time mean.
    id: 'S10',
    source: 'supervisor',
    gridCode: G2,
    reporter: 'sup2',
    events: [
      { at: at('2026-10-22 10:00'), type: 'reported', actor: 'sup2' },
      { at: at('2026-10-22 10:05'), type: 'self_handled', actor: 'sup2' },
      { at: at('2026-10-22 10:06'), type: 'closed' },
    ],
  },
  {
    // Registered, then voided: leaves every case figure; an inaccurate 立案 for lead1.
    id: 'S11',
    source: 'supervisor',
    gridCode: G2,
    reporter: 'sup2',
    events: [
      { at: at('2026-10-23 09:00'), type: 'reported', actor: 'sup2' },
      { at: at('2026-10-23 09:10'), type: 'registered', actor: 'lead1' },
      { at: at('2026-10-23 09:30'), type: 'voided', actor: 'lead1' },
    ],
  },
  {
    // Hotline in G2 (漏报 of sup2); verify sent late by acc1 (due 09:08), verified late by sup2 (due 09:30);
    // GARDEN overdue at 15:30 and still undisposed at the end of the month.
    id: 'S12',
    source: 'hotline',
    gridCode: G2,
    events: [
      { at: at('2026-10-26 09:00'), type: 'reported' },
      deadline(at('2026-10-26 09:01'), 'accept', at('2026-10-26 09:08')),
      { at: at('2026-10-26 09:05'), type: 'accepted', actor: 'acc1' },
      { at: at('2026-10-26 09:10'), type: 'verify_requested', actor: 'acc1' },
      deadline(at('2026-10-26 09:11'), 'verify', at('2026-10-26 09:30')),
      { at: at('2026-10-26 09:40'), type: 'verified', actor: 'sup2' },
      { at: at('2026-10-26 09:50'), type: 'registered', actor: 'lead1' },
      { at: at('2026-10-26 10:00'), type: 'dispatched', actor: 'disp2', dept: 'GARDEN' },
      deadline(at('2026-10-26 10:01'), 'dispose', at('2026-10-26 15:30')),
      { at: at('2026-10-26 10:30'), type: 'signed' },
    ],
  },
];

let tdb: TestDb;
const calendar = createWorkCalendar();
const october = monthPeriod('2026-10', 'Asia/Shanghai');
let result: AssessmentResult;

test.before(async () => {
  tdb = await createTestDb();
  await insertRefs(tdb.db, {
    departments: ['GARDEN', 'LAW', 'SAN', 'STREET', 'WATER'],
    users: ['acc1', 'disp1', 'disp2', 'lead1', 'sup1', 'sup2'],
    grids: [
      { code: G1, street: '城北街道', areaClass: 1, supervisor: 'sup1' },
      { code: G2, street: '长江镇', areaClass: 2, supervisor: 'sup2' },
    ],
  });
  await insertCases(tdb.db, cases);
  result = await createAssessment({ db: tdb.db, calendar }).compute(october);
});
test.after.always(() => tdb?.drop());

const find = (list: EntityResult[], id: string) => {
  const e = list.find((x) => x.id === id);
  if (!e) throw new Error(`no entity ${id}`);
  return e;
};
/** value, numerator ids, denominator ids of a figure */
const fig = (e: EntityResult, key: string) => {
  const f = e.figures[key]!;
  return [f.value, f.numeratorIds, f.denominatorIds];
};

test('the October period is the month in Asia/Shanghai, end exclusive, asOf defaulting to its end', (t) => {
  t.deepEqual(result.period, {
    from: '2026-09-30T16:00:00.000Z',
    to: '2026-10-31T16:00:00.000Z',
    asOf: '2026-10-31T16:00:00.000Z',
  });
});

test('city figures: cohort by 立案 in October, voided and 挂账 cases out of 应结案, drill-down ids exact', (t) => {
  const c = result.city;
  // 立案 in October: S01 S02 S04 S05 S06 S07 S08 S10(自处理) S11(voided) S12 → 9 not voided
  t.deepEqual(fig(c, 'registered'), [
    9,
    ['S01', 'S02', 'S04', 'S05', 'S06', 'S07', 'S08', 'S10', 'S12'],
    undefined,
  ]);
  t.deepEqual(fig(c, 'suspended'), [1, ['S04'], undefined]);
  const should = ['S01', 'S02', 'S05', 'S06', 'S07', 'S08', 'S10', 'S12'];
  t.deepEqual(fig(c, 'shouldClose'), [8, should, undefined]);
  const done = ['S01', 'S02', 'S05', 'S06', 'S07', 'S10'];
  t.deepEqual(fig(c, 'disposalRate'), [6 / 8, done, should]);
  t.deepEqual(fig(c, 'onTimeDisposalRate'), [6 / 8, done, should]);
  t.deepEqual(fig(c, 'closureRate'), [6 / 8, done, should]);
  t.deepEqual(fig(c, 'onTimeClosureRate'), [6 / 8, done, should]);
  t.deepEqual(fig(c, 'reworkRate'), [1 / 8, ['S02'], should]);
  t.deepEqual(fig(c, 'extensionRate'), [1 / 8, ['S06'], should]);
  t.deepEqual(fig(c, 'overdue'), [2, ['S01', 'S12'], undefined]);
  // (0 + 340 + 110 + 470 + 115) / 5 minutes = 3.45 h; S01 ran entirely after 17:30 (0 working minutes)
  const timed = ['S01', 'S02', 'S05', 'S06', 'S07'];
  t.deepEqual(fig(c, 'avgHandlingHours'), [1035 / 5 / 60, timed, timed]);
  const dispatched = ['S01', 'S02', 'S04', 'S05', 'S06', 'S07', 'S08', 'S12'];
  t.deepEqual(fig(c, 'accurateDispatchRate'), [
    6 / 8,
    ['S02', 'S04', 'S05', 'S06', 'S08', 'S12'],
    dispatched,
  ]);
  const registered = ['S01', 'S02', 'S04', 'S05', 'S06', 'S07', 'S08', 'S10', 'S12'];
  t.deepEqual(fig(c, 'missedReportRate'), [2 / 9, ['S01', 'S12'], registered]);
  t.deepEqual(fig(c, 'supervisorReportRate'), [
    7 / 9,
    ['S02', 'S04', 'S05', 'S06', 'S07', 'S08', 'S10'],
    registered,
  ]);
  t.is(c.score, null);
});

test('scenario 3: a public report voided at 核实 is in neither 应结案 nor 漏报', (t) => {
  for (const e of [result.city, ...result.streets, ...result.grids, ...result.departments]) {
    for (const [key, f] of Object.entries(e.figures)) {
      t.false(f.numeratorIds.includes('S03'), `${e.id} ${key}`);
      t.false((f.denominatorIds ?? []).includes('S03'), `${e.id} ${key}`);
    }
  }
  // but sup1's on-site verification of it counts as an on-time 核实
  t.deepEqual(fig(find(result.supervisors, 'sup1'), 'onTimeVerifyRate'), [1, ['S01', 'S03'], ['S01', 'S03']]);
});

test('scenario 1: the overdue belongs to WATER, which held the case when the clock ran out; 回退 is not 返工', (t) => {
  const water = find(result.departments, 'WATER');
  t.deepEqual(fig(water, 'overdue'), [1, ['S01'], undefined]);
  t.deepEqual(fig(water, 'shouldClose'), [0, [], undefined]);
  t.deepEqual(fig(water, 'reworkRate'), [null, [], []]);
  const street = find(result.departments, 'STREET');
  t.deepEqual(fig(street, 'shouldClose'), [1, ['S01'], undefined]);
  t.deepEqual(fig(street, 'onTimeDisposalRate'), [1, ['S01'], ['S01']]);
  t.deepEqual(fig(street, 'overdue'), [0, [], undefined]);
  t.deepEqual(fig(street, 'reworkRate'), [0, [], ['S01']]);
  t.deepEqual(fig(street, 'avgHandlingHours'), [0, ['S01'], ['S01']]);
  t.deepEqual([street.score, street.grade], [100, 'A']);
});

test('scenario 2: three failed 核查 are 返工 of the same department and cost SAN the 0.2 penalty', (t) => {
  const san = find(result.departments, 'SAN');
  t.deepEqual(fig(san, 'shouldClose'), [2, ['S02', 'S06'], undefined]);
  t.deepEqual(fig(san, 'reworkRate'), [1 / 2, ['S02'], ['S02', 'S06']]);
  t.deepEqual(fig(san, 'extensionRate'), [1 / 2, ['S06'], ['S02', 'S06']]);
  t.deepEqual(fig(san, 'onTimeDisposalRate'), [1, ['S02', 'S06'], ['S02', 'S06']]);
  t.deepEqual(fig(san, 'avgHandlingHours'), [(340 + 470) / 2 / 60, ['S02', 'S06'], ['S02', 'S06']]);
  // 10 (2 cases ≤ 50) + 30 (结案率) + 30 (按期处置率) + 15 (1 − 返工率 = 0.5) − 0.2
  t.is(san.penalty, 0.2);
  t.deepEqual([san.score, san.grade], [84.8, 'B']);
});

test('scenario 7: a suspended case leaves 应结案; a resumed one is back in, its clock paused', (t) => {
  const law = find(result.departments, 'LAW');
  t.deepEqual(fig(law, 'registered'), [4, ['S04', 'S05', 'S07', 'S08'], undefined]);
  t.deepEqual(fig(law, 'suspended'), [1, ['S04'], undefined]);
  t.deepEqual(fig(law, 'shouldClose'), [3, ['S05', 'S07', 'S08'], undefined]);
  t.deepEqual(fig(law, 'closureRate'), [2 / 3, ['S05', 'S07'], ['S05', 'S07', 'S08']]);
  t.deepEqual(fig(law, 'overdue'), [0, [], undefined]);
  // S05 110 min, S07 75 min (LAW's own round only)
  t.deepEqual(fig(law, 'avgHandlingHours'), [(110 + 75) / 2 / 60, ['S05', 'S07'], ['S05', 'S07']]);
  // 10 + 20 + 20 + 30
  t.deepEqual([law.score, law.grade], [80, 'B']);
});

test('scenario 9: a wrong dispatch lowers the dispatcher, not the department that returned it', (t) => {
  const garden = find(result.departments, 'GARDEN');
  for (const f of Object.values(garden.figures)) {
    t.false(f.numeratorIds.includes('S07'));
    t.false((f.denominatorIds ?? []).includes('S07'));
  }
  t.deepEqual(fig(garden, 'shouldClose'), [1, ['S12'], undefined]);
  t.deepEqual(fig(garden, 'overdue'), [1, ['S12'], undefined]);
  // 10 + 0 + 0 + 30
  t.deepEqual([garden.score, garden.grade], [40, 'D']);
  const disp2 = find(result.dispatchers, 'disp2');
  t.deepEqual(fig(disp2, 'accurateDispatchRate'), [
    3 / 4,
    ['S02', 'S06', 'S12'],
    ['S02', 'S06', 'S07', 'S12'],
  ]);
  // five dispatch acts, the two of S07 after its 08:55 limit
  t.deepEqual(fig(disp2, 'onTimeDispatchRate'), [3 / 5, ['S02', 'S06', 'S12'], ['S02', 'S06', 'S07', 'S12']]);
  t.deepEqual(fig(disp2, 'dispatched'), [4, ['S02', 'S06', 'S07', 'S12'], undefined]);
  // 8 (band ≥ 1 → 40) + 24 + 30
  t.deepEqual([disp2.score, disp2.grade], [62, 'C']);
  const disp1 = find(result.dispatchers, 'disp1');
  t.deepEqual(fig(disp1, 'accurateDispatchRate'), [
    3 / 4,
    ['S04', 'S05', 'S08'],
    ['S01', 'S04', 'S05', 'S08'],
  ]);
  t.deepEqual([disp1.score, disp1.grade], [78, 'B']);
});

test('streets and grids: 区域 composite with 按期结案率 at 40% and the area-class bands', (t) => {
  const north = find(result.streets, '城北街道');
  t.deepEqual(fig(north, 'closureRate'), [3 / 4, ['S01', 'S05', 'S06'], ['S01', 'S05', 'S06', 'S08']]);
  t.deepEqual(fig(north, 'missedReportRate'), [1 / 5, ['S01'], ['S01', 'S04', 'S05', 'S06', 'S08']]);
  // 8 + 20 + 22.5 + 30
  t.deepEqual([north.score, north.grade], [80.5, 'B']);
  const south = find(result.streets, '长江镇');
  t.deepEqual(fig(south, 'closureRate'), [3 / 4, ['S02', 'S07', 'S10'], ['S02', 'S07', 'S10', 'S12']]);
  // 7.5 + 20 + 22.5 + 30
  t.deepEqual([south.score, south.grade], [80, 'B']);
  t.deepEqual(find(result.grids, G1).figures, north.figures);
  t.deepEqual(find(result.grids, G2).score, 80);
});

test('staff: supervisors, acceptor and shift leader from their acts in October', (t) => {
  const sup1 = find(result.supervisors, 'sup1');
  t.deepEqual(fig(sup1, 'reports'), [4, ['S04', 'S05', 'S06', 'S08'], undefined]);
  t.deepEqual(fig(sup1, 'validReportRate'), [1, ['S04', 'S05', 'S06', 'S08'], ['S04', 'S05', 'S06', 'S08']]);
  t.deepEqual(fig(sup1, 'missedReportRate'), [1 / 5, ['S01'], ['S01', 'S04', 'S05', 'S06', 'S08']]);
  t.deepEqual(fig(sup1, 'onTimeCheckRate'), [3 / 4, ['S01', 'S05', 'S09'], ['S01', 'S05', 'S06', 'S09']]);
  // 40 + 16 + 20 + 15
  t.deepEqual([sup1.score, sup1.grade], [91, 'A']);
  const sup2 = find(result.supervisors, 'sup2');
  t.deepEqual(fig(sup2, 'validReportRate'), [1, ['S02', 'S07', 'S10', 'S11'], ['S02', 'S07', 'S10', 'S11']]);
  t.deepEqual(fig(sup2, 'onTimeVerifyRate'), [0, [], ['S12']]);
  t.deepEqual(fig(sup2, 'onTimeCheckRate'), [1, ['S02', 'S07'], ['S02', 'S07']]);
  // 40 + 15 + 0 + 20
  t.deepEqual([sup2.score, sup2.grade], [75, 'B']);
  const acc1 = find(result.acceptors, 'acc1');
  t.deepEqual(fig(acc1, 'accepted'), [3, ['S01', 'S03', 'S12'], undefined]);
  t.deepEqual(fig(acc1, 'onTimeVerifyDispatchRate'), [2 / 3, ['S01', 'S03'], ['S01', 'S03', 'S12']]);
  t.is(acc1.figures.onTimeCheckDispatchRate!.value, 1);
  // 10 + 26.667 + 35
  t.deepEqual([acc1.score, acc1.grade], [71.67, 'C']);
  const lead1 = find(result.shiftLeaders, 'lead1');
  const registered = ['S01', 'S02', 'S04', 'S05', 'S06', 'S07', 'S08', 'S11', 'S12'];
  t.deepEqual(fig(lead1, 'onTimeRegisterRate'), [8 / 9, registered.filter((id) => id !== 'S08'), registered]);
  t.deepEqual(fig(lead1, 'accurateRegisterRate'), [
    8 / 9,
    registered.filter((id) => id !== 'S11'),
    registered,
  ]);
  t.deepEqual(fig(lead1, 'onTimeCloseRate'), [
    5 / 6,
    ['S01', 'S02', 'S05', 'S07', 'S09'],
    ['S01', 'S02', 'S05', 'S06', 'S07', 'S09'],
  ]);
  // 22.222 + 35.556 + 29.167
  t.deepEqual([lead1.score, lead1.grade], [86.94, 'B']);
});

test('month boundary: S08 stays October’s case; judged later it is disposed and closed', (t) => {
  return (async () => {
    const later = await createAssessment({ db: tdb.db, calendar }).compute({
      ...october,
      asOf: at('2026-11-05 00:00'),
    });
    const law = find(later.departments, 'LAW');
    t.deepEqual(fig(law, 'closureRate'), [1, ['S05', 'S07', 'S08'], ['S05', 'S07', 'S08']]);
    // S08: Fri 17:10–17:30 20 + Mon 08:30–09:00 30 = 50 minutes
    t.deepEqual(fig(law, 'avgHandlingHours'), [
      (110 + 75 + 50) / 3 / 60,
      ['S05', 'S07', 'S08'],
      ['S05', 'S07', 'S08'],
    ]);
    const november = await createAssessment({ db: tdb.db, calendar }).compute(
      monthPeriod('2026-11', 'Asia/Shanghai'),
    );
    t.deepEqual(november.city.figures.registered!.numeratorIds, []);
    // lead1 closed S08 in November: a November act
    t.deepEqual(fig(find(november.shiftLeaders, 'lead1'), 'onTimeCloseRate'), [1, ['S08'], ['S08']]);
  })();
});

test.serial('recomputing the closed period gives an identical result, also after later events', async (t) => {
  const again = await createAssessment({ db: tdb.db, calendar }).compute(october);
  t.deepEqual(again, result);
  // November: S04 resumes and S12 is disposed; October as of 1 Nov does not change
  await tdb.db.prisma.caseEvent.createMany({
    data: [
      { caseId: 'S04', at: at('2026-11-03 09:00'), type: 'resumed' },
      { caseId: 'S12', at: at('2026-11-03 09:30'), type: 'disposed' },
    ],
  });
  t.deepEqual(await createAssessment({ db: tdb.db, calendar }).compute(october), result);
  await tdb.db.prisma.caseEvent.deleteMany({ where: { at: at('2026-11-03 09:00') } });
  await tdb.db.prisma.caseEvent.deleteMany({ where: { at: at('2026-11-03 09:30') } });
});
