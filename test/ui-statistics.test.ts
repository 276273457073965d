// 统计分析 in Debian's Chromium against a real hub (demo data plus cases written for the test, counted by
// the hub's statistics job): the leader reads this month's table with its totals held against the
// targets (处置率 99 %, 结案率 98 %: red here) and when the figures were made, a grouping by unit, the
// overdue case and its unit, and downloads the workbook; at 390×844 the table scrolls inside its box and
// the page is no wider than the phone. A failing API reads in zh-CN words, not the hub's English. A
// department handler has no 统计分析 (the API says 403) and reads only its own unit in 考核评价.
import test from 'ava';
import { call } from './helpers/api.ts';
import { loginThroughForm, seriousViolations, useUiHub } from './helpers/browser.ts';
import { readXlsx } from './helpers/xlsx.ts';
import { readFile } from 'node:fs/promises';

const ui = useUiHub(test, async ({ hub }) => {
  const { prisma } = hub.hub.db;
  const cell = await prisma.gridCell.findFirstOrThrow({
    where: { street: '城北街道' },
    orderBy: { code: 'asc' },
  });
  const unit = await prisma.department.findFirstOrThrow({ where: { code: 'D06' } });
  const now = Date.now();
  const base = { description: '-', source: 'supervisor' as const, categoryCode: '0101', gridCode: cell.code };
  await prisma.case.createMany({
    data: [
      // closed on time, and one still being disposed past its limit: 处置率 50 %, 结案率 50 %
      {
        ...base,
        id: 'ui-s1',
        caseNo: 'RG-2026-990001',
        departmentId: unit.id,
        status: 'closed',
        reportedAt: new Date(now - 3 * 3_600_000),
        dispatchedAt: new Date(now - 3 * 3_600_000),
        disposedAt: new Date(now - 2 * 3_600_000),
        disposeDeadline: new Date(now + 3_600_000),
      },
      {
        ...base,
        id: 'ui-s2',
        caseNo: 'RG-2026-990002',
        departmentId: unit.id,
        status: 'signed',
        reportedAt: new Date(now - 3 * 3_600_000),
        dispatchedAt: new Date(now - 3 * 3_600_000),
        disposeDeadline: new Date(now - 3_600_000),
      },
    ],
  });
  // The hub's job counts them on its next turn; the test does not wait for the timer.
  await hub.hub.statistics.runNow();
});

test('the leader reads this month by category and unit against the targets, overdue, and the workbook', async (t) => {
  const page = await ui.browser.newPage({ viewport: { width: 1440, height: 900 } });
  t.teardown(() => page.close());
  await loginThroughForm(page, ui.hub.url, 'leader');
  await page.getByRole('link', { name: '统计分析' }).click();
  await page.getByRole('heading', { name: '统计分析', level: 1 }).waitFor();
  const total = page.getByTestId('statistics-table').locator('tr[data-row="合计"]');
  await total.waitFor();
  t.is(
    await total
      .locator('td[data-figure="reported"]')
      .innerText()
      .then((s) => s.split('\n')[0]),
    '2',
  );
  const disposal = total.locator('td[data-figure="disposalRate"]');
  t.is((await disposal.innerText()).split('\n')[0], '50.0%');
  t.is(await disposal.getAttribute('class').then((c) => c?.includes('target-missed')), true);
  t.is(await disposal.getAttribute('title'), '目标 99.0% · 未达标');
  await page.getByTestId('statistics-table').locator('tr[data-row="私搭乱建"]').waitFor();
  t.regex(await page.locator('main').innerText(), /数据截至 \d{4}\/\d{2}\/\d{2} \d{2}:\d{2}/);
  t.is(await page.getByText('正在首次汇总').count(), 0);

  await page.selectOption('#stats-by', 'department');
  await page.getByTestId('statistics-table').locator('tr[data-row="综合行政执法局"]').waitFor();
  t.deepEqual(await page.getByTestId('statistics-table').locator('tbody th').allInnerTexts(), [
    '合计',
    '综合行政执法局',
  ]);

  const overdue = page.getByTestId('overdue-table');
  t.regex(
    await overdue.locator('tbody tr').first().innerText(),
    /RG-2026-990002\s+私搭乱建 · 处置中\s+综合行政执法局/,
  );
  t.deepEqual(await page.getByTestId('overdue-units').locator('tbody tr').allInnerTexts(), [
    '综合行政执法局\t1',
  ]);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: '导出 Excel' }).click(),
  ]);
  t.regex(download.suggestedFilename(), /^统计分析-\d{4}-\d{2}-\d{2}至\d{4}-\d{2}-\d{2}\.xlsx$/);
  const book = readXlsx(await readFile((await download.path())!));
  t.deepEqual(book['统计']![3]![0], { text: '综合行政执法局' });
  t.deepEqual(book['统计']![3]![1], { number: 2, format: '0' });

  // A phone: the table scrolls in its box, and nothing makes the page itself wider than the phone.
  await page.setViewportSize({ width: 390, height: 844 });
  t.true(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'));
  const widths = {
    box: await page
      .locator('.table-scroll')
      .first()
      .evaluate((e) => e.clientWidth),
    table: await page.getByTestId('statistics-table').evaluate((e) => e.scrollWidth),
  };
  t.true(widths.table > widths.box, JSON.stringify(widths));
  // A box that scrolls is reached by keyboard too (a focusable region named by its table's heading).
  await t.notThrowsAsync(page.getByRole('region', { name: '统计分析' }).focus());
  t.deepEqual(await seriousViolations(page), []);
});

test('a failing API reads in words of the UI’s language on every page, not the hub’s English detail', async (t) => {
  // No service worker: the page's calls must reach the test's stand-in for the failing hub.
  const page = await ui.browser.newPage({ viewport: { width: 1440, height: 900 }, serviceWorkers: 'block' });
  t.teardown(() => page.close());
  await page.route(
    (url) => url.pathname === '/api/statistics' || url.pathname === '/api/cases',
    (route) =>
      route.fulfill({
        status: 500,
        contentType: 'application/problem+json',
        body: JSON.stringify({
          type: 'about:blank',
          title: 'Internal Server Error',
          status: 500,
          detail: 'internal error',
        }),
      }),
  );
  await loginThroughForm(page, ui.hub.url, 'leader');
  await page.getByRole('link', { name: '统计分析' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  t.is(await alert.innerText(), '服务器处理出错，请稍后再试；仍不行请联系系统管理员。');
  t.notRegex(await page.locator('main').innerText(), /internal error/i);

  // The case list says it the same way (it showed the hub's "internal error").
  await page.getByRole('link', { name: '案卷' }).click();
  await page.getByRole('heading', { name: '案卷列表' }).waitFor();
  await alert.waitFor();
  t.is(await alert.innerText(), '服务器处理出错，请稍后再试；仍不行请联系系统管理员。');
  t.notRegex(await page.locator('main').innerText(), /internal error/i);

  // A user who switched to English reads it in English.
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { name: 'Cases' }).waitFor();
  await page.getByRole('alert').filter({ hasText: 'The server failed to answer' }).waitFor();
  t.is(
    await page.getByRole('alert').innerText(),
    'The server failed to answer; please try again, and tell the administrator if it persists.',
  );
  t.notRegex(await page.locator('main').innerText(), /internal error/i);
});

test('a department handler has no statistics and sees only its own unit in 考核评价', async (t) => {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
  const run = await call(ui.hub.url, 'POST', '/api/assessment/runs', {
    token: await ui.hub.token('leader'),
    body: { period: 'month', date: today },
  });
  t.is(run.status, 201);
  t.is(
    (
      await call(ui.hub.url, 'GET', '/api/statistics/overdue', {
        token: await ui.hub.token('department_handler'),
      })
    ).status,
    403,
  );
  const page = await ui.browser.newPage({ viewport: { width: 1440, height: 900 } });
  t.teardown(() => page.close());
  await loginThroughForm(page, ui.hub.url, 'department_handler');
  t.is(await page.getByRole('link', { name: '统计分析' }).count(), 0);
  await page.getByRole('link', { name: '考核评价' }).click();
  await page.getByTestId('assessment-table').waitFor();
  const rows = await page.getByTestId('assessment-table').locator('tbody th').allInnerTexts();
  t.deepEqual(rows, ['综合行政执法局']);
});
