// 考核评价 in Debian's Chromium against a real hub (demo data): the leader opens this month's report and
// downloads it as Excel next to the CSV; the file read back is a workbook whose one sheet holds the CSV's
// table cell for cell, numbers as numbers in their number format (the report API's exact values) and the
// Chinese names as they are. axe on the page, and at a phone's width no sideways page scroll.
import { readFile } from 'node:fs/promises';
import test from 'ava';
import { call } from './helpers/api.ts';
import { loginThroughForm, seriousViolations, useUiHub } from './helpers/browser.ts';
import { readXlsx, type ReadCell } from './helpers/xlsx.ts';

const ui = useUiHub(test);

/** A cell as the CSV writes it (src/assessment/render.ts formatFigure), to compare the two downloads. */
function asCsv(cell: ReadCell): string {
  if (cell === null) return '';
  if ('text' in cell) return cell.text;
  if (cell.format === '0') return String(cell.number);
  if (cell.format === '0.00') return cell.number.toFixed(2);
  if (cell.format === '0.00%') return `${(cell.number * 100).toFixed(2)}%`;
  throw new Error(`unexpected number format ${cell.format}`);
}

test('the leader downloads the report as .xlsx: the CSV table with numbers as numbers', async (t) => {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
  const run = await call(ui.hub.url, 'POST', '/api/assessment/runs', {
    token: await ui.hub.token('leader'),
    body: { period: 'month', date: today },
  });
  t.is(run.status, 201);
  t.is(run.body.links.xlsx, `/api/assessment/reports/${run.body.id}/xlsx`);
  const report = (
    await call(ui.hub.url, 'GET', `/api/assessment/reports/${run.body.id}`, {
      token: await ui.hub.token('leader'),
    })
  ).body;
  const csv = (await call(ui.hub.url, 'GET', run.body.links.csv, { token: await ui.hub.token('leader') }))
    .body as string;

  const page = await ui.browser.newPage();
  t.teardown(() => page.close());
  await loginThroughForm(page, ui.hub.url, 'leader');
  await page.getByRole('link', { name: '考核评价' }).click();
  await page.getByRole('heading', { name: '考核评价', level: 1 }).waitFor();
  await page.getByTestId('assessment-table').waitFor();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: '导出 Excel' }).click(),
  ]);
  t.is(download.suggestedFilename(), `assessment-${report.periodKey}-all.xlsx`);
  const book = readXlsx(await readFile((await download.path())!));
  t.deepEqual(Object.keys(book), ['考核结果']);
  const sheet = book['考核结果']!;

  // The header and the city row, exactly.
  const header = sheet[1]!.filter((c) => c !== null);
  t.deepEqual(header.slice(0, 4), [
    { text: '类型', bold: true },
    { text: '编号', bold: true },
    { text: '名称', bold: true },
    { text: '立案数', bold: true },
  ]);
  t.deepEqual(header.slice(-3), [
    { text: '扣分', bold: true },
    { text: '综合指标值', bold: true },
    { text: '等级', bold: true },
  ]);
  const city = sheet[2]!;
  t.deepEqual(city.slice(0, 4), [
    { text: '全市' },
    { text: 'city' },
    { text: '全市' },
    { number: report.result.city.figures.registered.value, format: '0' },
  ]);
  // Each department's row: its Chinese name and its 立案数 as the report API gives them.
  for (const d of report.result.departments as {
    id: string;
    name: string;
    figures: Record<string, { value: number }>;
  }[]) {
    const row = sheet.find((r) => asCsv(r[1] ?? null) === d.id)!;
    t.deepEqual(row.slice(0, 4), [
      { text: '专业部门' },
      { text: d.id },
      { text: d.name },
      { number: d.figures.registered!.value, format: '0' },
    ]);
  }
  t.true(report.result.departments.some((d: { name: string }) => d.name === '环境卫生管理处'));

  // Cell for cell the CSV's table (the CSV has the formatted values; the workbook the numbers).
  t.false(csv.includes('"'));
  const csvRows = csv
    .replace(/^\uFEFF/, '')
    .trimEnd()
    .split('\r\n')
    .map((line) => line.split(','));
  const width = csvRows[1]!.length;
  t.deepEqual(
    sheet.map((row) => row.slice(0, width).map(asCsv)),
    csvRows.map((r) => [...r, ...Array<string>(width - r.length).fill('')]),
  );
  t.deepEqual(await seriousViolations(page), []);

  // On a 390x844 phone the wide results table scrolls in its own box: the page is no wider than the screen
  // (it was 705 px, headers and unit names broken a character a line), and the box is keyboard-reachable.
  await page.setViewportSize({ width: 390, height: 844 });
  t.true(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'));
  t.true(await page.getByRole('region', { name: '专业部门' }).getByTestId('assessment-table').isVisible());
  t.deepEqual(await seriousViolations(page), []);
});
