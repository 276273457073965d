// The assessment's Excel export (src/assessment/xlsx.ts over src/export/xlsx.ts), read back as a zip with
// fflate and its XML parts with fast-xml-parser: the package parts a spreadsheet reader needs, the CSV's
// table cell by cell with numbers as numbers in the right number format, Chinese text intact, XML
// special characters escaped, empty cells where the CSV is empty. No database: pure rendering.
import test from 'ava';
import { strFromU8, unzipSync } from 'fflate';
import { XMLParser } from 'fast-xml-parser';
import type { AssessmentResult, EntityResult } from '../src/assessment/compute.ts';
import { renderAssessmentCsv } from '../src/assessment/render.ts';
import { renderAssessmentXlsx } from '../src/assessment/xlsx.ts';
import { columnName, writeXlsx } from '../src/export/xlsx.ts';
import { readXlsx } from './helpers/xlsx.ts';

const fig = (value: number | null) => ({ value, numeratorIds: [] });

const entity = (over: Partial<EntityResult> & Pick<EntityResult, 'type' | 'id' | 'name'>): EntityResult => ({
  figures: {},
  score: null,
  grade: null,
  penalty: 0,
  ...over,
});

const result: AssessmentResult = {
  period: {
    from: '2026-10-01T00:00:00+08:00',
    to: '2026-11-01T00:00:00+08:00',
    asOf: '2026-11-01T00:00:00+08:00',
  },
  city: entity({
    type: 'city',
    id: 'city',
    name: '全市',
    figures: {
      registered: fig(12),
      disposalRate: fig(0.985),
      avgHandlingHours: fig(11.704),
      reworkRate: fig(null),
    },
  }),
  departments: [
    entity({
      type: 'department',
      id: 'd1',
      name: '环境卫生管理处 <东区> & "西区"',
      figures: { registered: fig(7), disposalRate: fig(1), avgHandlingHours: fig(3.5), reworkRate: fig(0) },
      score: 96.25,
      grade: '优秀',
      penalty: 1.5,
    }),
  ],
  streets: [],
  grids: [],
  supervisors: [],
  acceptors: [],
  shiftLeaders: [],
  dispatchers: [],
};

test('column names: A … Z, AA, AZ, BA', (t) => {
  t.deepEqual([0, 25, 26, 51, 52].map(columnName), ['A', 'Z', 'AA', 'AZ', 'BA']);
});

test('the workbook has the parts a reader needs, and its sheet is named 考核结果', (t) => {
  const files = unzipSync(renderAssessmentXlsx(result, 'Asia/Shanghai'));
  t.deepEqual(Object.keys(files).sort(), [
    '[Content_Types].xml',
    '_rels/.rels',
    'xl/_rels/workbook.xml.rels',
    'xl/styles.xml',
    'xl/workbook.xml',
    'xl/worksheets/sheet1.xml',
  ]);
  const parser = new XMLParser({ ignoreAttributes: false });
  const workbook = parser.parse(strFromU8(files['xl/workbook.xml']!));
  t.is(workbook.workbook.sheets.sheet['@_name'], '考核结果');
  const types = parser.parse(strFromU8(files['[Content_Types].xml']!));
  t.true(
    (types.Types.Override as { '@_PartName': string }[]).some(
      (o) => o['@_PartName'] === '/xl/worksheets/sheet1.xml',
    ),
  );
});

test('the CSV table cell by cell: numbers as numbers with their format, text as text', (t) => {
  const sheet = readXlsx(renderAssessmentXlsx(result, 'Asia/Shanghai'))['考核结果']!;
  t.deepEqual(sheet, [
    [
      { text: '考核期间' },
      { text: '2026-10-01 00:00' },
      { text: '2026-11-01 00:00' },
      { text: '统计截止' },
      { text: '2026-11-01 00:00' },
      null,
      null,
      null,
      null,
      null,
    ],
    [
      '类型',
      '编号',
      '名称',
      '立案数',
      '处置率',
      '返工率',
      '平均处置时长(工作小时)',
      '扣分',
      '综合指标值',
      '等级',
    ].map((text) => ({ text, bold: true })),
    [
      { text: '全市' },
      { text: 'city' },
      { text: '全市' },
      { number: 12, format: '0' },
      { number: 0.985, format: '0.00%' },
      null,
      { number: 11.704, format: '0.00' },
      null,
      null,
      null,
    ],
    [
      { text: '专业部门' },
      { text: 'd1' },
      { text: '环境卫生管理处 <东区> & "西区"' },
      { number: 7, format: '0' },
      { number: 1, format: '0.00%' },
      { number: 0, format: '0.00%' },
      { number: 3.5, format: '0.00' },
      { number: 1.5, format: '0.00' },
      { number: 96.25, format: '0.00' },
      { text: '优秀' },
    ],
  ]);
  // The same rows and figures as the CSV, which shows the formatted values.
  const csv = renderAssessmentCsv(result, 'Asia/Shanghai').split('\r\n');
  t.is(csv[1], '类型,编号,名称,立案数,处置率,返工率,平均处置时长(工作小时),扣分,综合指标值,等级');
  t.is(csv[2], '全市,city,全市,12,98.50%,,11.70,,,');
});

test('the writer refuses sheet names Excel refuses and keeps control characters out of the XML', (t) => {
  t.throws(() => writeXlsx([{ name: 'a/b', rows: [] }]), { message: 'bad sheet name: a/b' });
  t.throws(() => writeXlsx([]), { message: 'a workbook needs at least one sheet' });
  const sheet = readXlsx(writeXlsx([{ name: 'S', rows: [['a\u0001b', Number.NaN, 2.5]] }]))['S']!;
  t.deepEqual(sheet, [[{ text: 'ab' }, null, { number: 2.5, format: 'General' }]]);
});
