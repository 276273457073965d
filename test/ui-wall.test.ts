// 指挥大屏 in Debian's Chromium at 1920×1080 against a real hub (demo data): the leader puts the wall up;
// a report made meanwhile appears in its counts without a reload, as the activity API counts it; the
// page passes axe (contrast included) and Esc brings the normal pages back.
// In English its figures are named in English.
import test from 'ava';
import { call } from './helpers/api.ts';
import { loginThroughForm, seriousViolations, useUiHub } from './helpers/browser.ts';

const ui = useUiHub(test);

test('the wall shows today and the last hour by source, live, readable; Esc leaves it', async (t) => {
  const page = await ui.browser.newPage({ viewport: { width: 1920, height: 1080 } });
  t.teardown(() => page.close());
  await loginThroughForm(page, ui.hub.url, 'leader');
  await page.goto(`${ui.hub.url}/#/wall/500`);
  await page.getByRole('heading', { name: '如皋市智慧城管指挥中心', level: 1 }).waitFor();
  await page.getByTestId('wall-subcentres').locator('tbody tr').first().waitFor();
  t.false(await page.locator('.topbar').isVisible());
  t.deepEqual(await page.getByTestId('wall-subcentres').locator('tbody th').allInnerTexts(), [
    '城北街道',
    '长江镇',
  ]);
  t.is(await page.getByTestId('wall-last-hour').innerText(), '暂无');
  t.deepEqual(await page.getByTestId('wall-figures').locator('.wall-figure-label').allInnerTexts(), [
    '处置率',
    '结案率',
    '平均处置时长',
  ]);

  const cell = await ui.hub.hub.db.prisma.gridCell.findFirstOrThrow({
    where: { street: '城北街道', active: true },
    orderBy: { code: 'asc' },
  });
  const reported = await call(ui.hub.url, 'POST', '/api/cases', {
    token: await ui.hub.token('field_supervisor'),
    body: {
      source: 'supervisor',
      categoryCode: '0102',
      description: '大屏测试 暴露垃圾',
      lng: (cell.minLng + cell.maxLng) / 2,
      lat: (cell.minLat + cell.maxLat) / 2,
    },
  });
  t.is(reported.status, 201);
  // No reload: the next poll brings it.
  const lastHour = page.getByTestId('wall-last-hour').locator('li');
  await lastHour.first().waitFor({ timeout: 15_000 });
  t.deepEqual(await lastHour.allInnerTexts(), ['监督员\n1']);
  const activity = await call(ui.hub.url, 'GET', '/api/wall/activity', {
    token: await ui.hub.token('leader'),
  });
  t.deepEqual(activity.body.lastHour, [{ source: 'supervisor', count: 1 }]);
  t.deepEqual(activity.body.today, [{ source: 'supervisor', count: 1 }]);
  t.is(
    (await call(ui.hub.url, 'GET', '/api/wall/activity', { token: await ui.hub.token('dispatcher') })).status,
    403,
  );

  t.deepEqual(await seriousViolations(page), []);
  await page.keyboard.press('Escape');
  await page.locator('.topbar').waitFor();
  t.false(page.url().includes('#/wall'));
});

test('in English the wall’s figures are named in English (the hub names them in Chinese)', async (t) => {
  const page = await ui.browser.newPage({ viewport: { width: 1920, height: 1080 } });
  t.teardown(() => page.close());
  // The language switch is remembered in localStorage (admin-ui/src/lib/i18n.ts): English from the start.
  await page.addInitScript({ content: "localStorage.setItem('hub.lang', 'en')" });
  await loginThroughForm(page, ui.hub.url, 'leader');
  await page.goto(`${ui.hub.url}/#/wall/500`);
  const labels = page.getByTestId('wall-figures').locator('.wall-figure-label');
  await labels.first().waitFor();
  t.deepEqual(await labels.allInnerTexts(), ['Disposal rate', 'Closure rate', 'Avg handling time']);
  t.notRegex(await page.getByTestId('wall-figures').innerText(), /[\u4e00-\u9fff]/);
});
