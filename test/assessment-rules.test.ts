import test from 'ava';
import {
  ASSESSMENT_RULES_KEY,
  computeAssessment,
  createAssessment,
  DEFAULT_ASSESSMENT_RULES,
  parseAssessmentRules,
  renderAssessmentCsv,
  renderAssessmentHtml,
  type AssessmentEvent,
  type AssessmentInput,
  type AssessmentRules,
} from '../src/assessment/index.ts';
import { createWorkCalendar } from '../src/calendar/index.ts';
import { HubError } from '../src/errors.ts';
import { at, insertCases, insertRefs, type FixtureCase } from './helpers/cases.ts';
import { createTestDb } from './helpers/db.ts';

const calendar = createWorkCalendar();
const period = { from: at('2026-10-01 00:00'), to: at('2026-11-01 00:00'), asOf: at('2026-11-01 00:00') };

/** In-memory input: department Dn gets n registered cases dispatched to it, none disposed. */
function input(perDept: Record<string, number>, names: Record<string, string> = {}): AssessmentInput {
  const cases: AssessmentInput['cases'] = [];
  const events: AssessmentEvent[] = [];
  for (const [dept, n] of Object.entries(perDept)) {
    for (let i = 0; i < n; i++) {
      const id = `${dept}-${i}`;
      cases.push({ id, source: 'supervisor', gridCode: null, reporterUserId: null, deadlines: {} });
      events.push(
        {
          caseId: id,
          at: at('2026-10-12 09:00').getTime(),
          type: 'registered',
          actorUserId: null,
          departmentId: null,
          data: null,
        },
        {
          caseId: id,
          at: at('2026-10-12 09:10').getTime(),
          type: 'dispatched',
          actorUserId: null,
          departmentId: dept,
          data: null,
        },
      );
    }
  }
  return {
    period,
    cases,
    events,
    departments: Object.keys(perDept).map((id) => ({ id, name: names[id] ?? id })),
    grids: [],
    users: [],
  };
}

test('grade boundaries: A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, E below', (t) => {
  // A composite of one band term whose scores sit on each side of each boundary.
  const rules: AssessmentRules = {
    ...DEFAULT_ASSESSMENT_RULES,
    bands: {
      ...DEFAULT_ASSESSMENT_RULES.bands,
      edge: [90, 89.99, 75, 74.99, 60, 59.99, 40, 39.99]
        .map((score, i) => ({ atMost: i + 1, score }))
        .concat({ score: 0 } as never),
    },
    composites: {
      ...DEFAULT_ASSESSMENT_RULES.composites,
      department: [{ indicator: 'registered', weight: 1, transform: 'band', bands: 'edge' }],
    },
  };
  const perDept = Object.fromEntries([1, 2, 3, 4, 5, 6, 7, 8].map((n) => [`D${n}`, n]));
  const result = computeAssessment(input(perDept), parseAssessmentRules(rules), calendar);
  t.deepEqual(
    result.departments.map((d) => [d.id, d.score, d.grade]),
    [
      ['D1', 90, 'A'],
      ['D2', 89.99, 'B'],
      ['D3', 75, 'B'],
      ['D4', 74.99, 'C'],
      ['D5', 60, 'C'],
      ['D6', 59.99, 'D'],
      ['D7', 40, 'D'],
      ['D8', 39.99, 'E'],
    ],
  );
});

test('default 专业部门 composite: 立案数 bands; an idle department gets no score and no grade', (t) => {
  const result = computeAssessment(
    input({ A: 50, B: 51, C: 201, IDLE: 0 }),
    DEFAULT_ASSESSMENT_RULES,
    calendar,
  );
  // nothing disposed or closed: 结案率 0 and 按期处置率 0, 返工率 0 → 30; plus 10% of the band score.
  // A department with no case in the period is not assessed: "100.0 A" for nothing would read as praise.
  t.deepEqual(
    result.departments.map((d) => [d.id, d.score, d.grade]),
    [
      ['A', 40, 'D'],
      ['B', 39, 'E'],
      ['C', 36, 'E'],
      ['IDLE', null, null],
    ],
  );
});

test('rules that do not add up are refused with the field named', (t) => {
  const bad = structuredClone(DEFAULT_ASSESSMENT_RULES);
  bad.composites.area[3]!.weight = 0.1; // the source code's bug: 区域 weights summing to 70%
  const err = t.throws(() => parseAssessmentRules(bad), { instanceOf: HubError })!;
  t.is(err.type, 'validation');
  t.deepEqual(err.errors, [{ field: 'composites.area', message: 'weights sum to 0.7, expected 1' }]);
  const noBands = structuredClone(DEFAULT_ASSESSMENT_RULES);
  noBands.composites.dispatcher[0]!.bands = 'nope';
  t.deepEqual(t.throws<HubError>(() => parseAssessmentRules(noBands))!.errors, [
    { field: 'composites.dispatcher[0].bands', message: 'no bands "nope"' },
  ]);
  t.is(
    (t.throws(() => parseAssessmentRules({ ...DEFAULT_ASSESSMENT_RULES, grades: [] })) as HubError).errors[0]!
      .field,
    'grades',
  );
});

test('rules edited in the Setting table change the result', async (t) => {
  const tdb = await createTestDb();
  t.teardown(() => tdb.drop());
  await insertRefs(tdb.db, {
    departments: ['LAW'],
    users: ['lead1'],
    grids: [{ code: '32068200100101', street: 'A', areaClass: 1 }],
  });
  const mk = (id: string, source: string, closed: boolean): FixtureCase => ({
    id,
    source,
    gridCode: '32068200100101',
    events: [
      { at: at('2026-10-12 09:00'), type: 'reported' },
      { at: at('2026-10-12 09:10'), type: 'registered', actor: 'lead1' },
      { at: at('2026-10-12 09:20'), type: 'dispatched', dept: 'LAW' },
      { at: at('2026-10-12 09:30'), type: 'signed' },
      ...(closed
        ? [
            { at: at('2026-10-12 10:00'), type: 'disposed' },
            { at: at('2026-10-12 10:10'), type: 'check_requested' },
            { at: at('2026-10-12 10:20'), type: 'check_passed' },
            { at: at('2026-10-12 10:30'), type: 'closed' },
          ]
        : []),
    ],
  });
  await insertCases(tdb.db, [mk('C1', 'supervisor', true), mk('C2', 'video', false)]);
  const assessment = createAssessment({ db: tdb.db, calendar });
  const before = await assessment.compute(period);
  const law = () => before.departments[0]!;
  // 10 + 15 + 15 + 30
  t.deepEqual([law().score, law().grade], [70, 'C']);
  t.is(before.city.figures.missedReportRate!.value, 0);

  const saved = await assessment.saveRules(
    {
      publicSources: ['video'],
      composites: {
        ...DEFAULT_ASSESSMENT_RULES.composites,
        department: [{ indicator: 'closureRate', weight: 1, transform: 'rate' }],
      },
      grades: [
        { grade: '优', min: 50 },
        { grade: '差', min: 0 },
      ],
    },
    'admin',
  );
  t.deepEqual(saved.bands, DEFAULT_ASSESSMENT_RULES.bands);
  const row = await tdb.db.prisma.setting.findUnique({ where: { key: ASSESSMENT_RULES_KEY } });
  t.is(row!.updatedBy, 'admin');
  t.deepEqual(await assessment.rules(), saved);
  const after = await assessment.compute(period);
  t.deepEqual([after.departments[0]!.score, after.departments[0]!.grade], [50, '优']);
  t.deepEqual(after.city.figures.missedReportRate!.numeratorIds, ['C2']);
  t.is(after.city.figures.missedReportRate!.value, 1 / 2);
});

test('CSV: UTF-8 BOM, Chinese headers, CRLF, formatted figures, quoted names', (t) => {
  const result = computeAssessment(
    input({ L: 2 }, { L: '执法局, 一大队' }),
    DEFAULT_ASSESSMENT_RULES,
    calendar,
  );
  const csv = renderAssessmentCsv(result, 'Asia/Shanghai');
  t.true(csv.startsWith('\uFEFF考核期间,2026-10-01 00:00,2026-11-01 00:00,统计截止,'));
  t.true(csv.endsWith('\r\n'));
  const lines = csv.slice(1).split('\r\n');
  const header = lines[1]!.split(',');
  t.deepEqual(header.slice(0, 5), ['类型', '编号', '名称', '立案数', '应结案数']);
  t.deepEqual(header.slice(-3), ['扣分', '综合指标值', '等级']);
  const row = lines.find((l) => l.startsWith('专业部门'))!;
  // 立案 2, 应结案 2, 挂账 0, six rates 0%, 超期 0, no handling time, 准确派遣 100%, 漏报 0%, 监督举报 100%,
  // no 回访 (满意率 empty)
  t.is(
    row,
    '专业部门,L,"执法局, 一大队",2,2,0,0.00%,0.00%,0.00%,0.00%,0.00%,0.00%,0,,100.00%,0.00%,100.00%,,,40.00,D',
  );
  t.true(lines.find((l) => l.startsWith('全市'))!.startsWith('全市,city,全市,2,2,0,0.00%'));
});

test('HTML: one table per kind of entity, text escaped', (t) => {
  const result = computeAssessment(input({ L: 1 }, { L: '<b>执法</b>' }), DEFAULT_ASSESSMENT_RULES, calendar);
  const html = renderAssessmentHtml(result, 'Asia/Shanghai');
  t.true(html.includes('<h2>全市</h2>'));
  t.true(html.includes('<h2>专业部门</h2>'));
  t.true(html.includes('<td>&lt;b&gt;执法&lt;/b&gt;</td>'));
  t.false(html.includes('<b>执法'));
  t.true(html.includes('<th>结案率</th>'));
  t.regex(html, /<td>40\.00<\/td><td>D<\/td><\/tr>/);
});
