// 部件管理 in Debian's Chromium over a demo hub: the registry list names each type in words (公用设施 ·
// 上水井盖, never a bare code) and its status (完好), filtering by class and status narrows it, a click
// opens the component's card with its owner unit and history, and an administrator's status change shows
// in the card, the list and the history. At phone width the list, map and card stack in one column. A
// 井盖's card names the 地下管网 line it covers.
import test from 'ava';
import { call } from './helpers/api.ts';
import { brokenOverLines, loginThroughForm, useUiHub } from './helpers/browser.ts';

const ui = useUiHub(test);

test.serial(
  'the registry lists components in words, filters them and opens one; a status change is recorded',
  async (t) => {
    t.timeout(180_000);
    const page = await ui.browser.newPage({ viewport: { width: 1440, height: 900 } });
    await loginThroughForm(page, ui.hub.url, 'administrator');
    await page.goto(`${ui.hub.url}/#/components`);
    const list = page.getByTestId('components-list');
    await list.locator('tbody tr').first().waitFor();
    const first = list.locator('tbody tr').first();
    t.regex(
      (await first.innerText()).replace(/\s+/g, ' '),
      /3206820101000001 公用设施 · 上水井盖 上水井盖 完好 如皋市供水公司/,
    );
    t.regex(await page.getByTestId('components-count').innerText(), /共 90 个/);
    // Codes and status chips read whole (they broke 完/好 a character a line at this width).
    t.deepEqual(await brokenOverLines(list, 'tbody .mono, tbody .badge'), []);
    const search = page.locator('form.filters').getByLabel('编码、名称或地址');
    await search.fill('没有这个部件');
    await search.press('Enter');
    t.is(
      (await page.getByTestId('components-count').filter({ hasText: '没有' }).innerText()).trim(),
      '没有符合条件的部件。',
    );
    await search.fill('');
    await search.press('Enter');
    await page.getByTestId('components-count').filter({ hasText: '共 90 个' }).waitFor();

    await page.getByLabel('大类').selectOption({ label: '园林绿化' });
    await page.getByTestId('components-count').filter({ hasText: '共 12 个' }).waitFor();
    const types = await list.locator('tbody tr td:nth-child(2)').allInnerTexts();
    t.true(
      types.every((x) => x.startsWith('园林绿化 · ')),
      types.join('|'),
    );
    await page.getByLabel('大类').selectOption({ label: '全部' });
    await page.getByTestId('components-count').filter({ hasText: '共 90 个' }).waitFor();

    await first.getByRole('button', { name: '3206820101000001' }).click();
    const card = page.getByTestId('component-detail');
    await card.waitFor();
    t.regex(await card.innerText(), /公用设施 · 上水井盖[\s\S]*完好[\s\S]*如皋市供水公司/);
    // the demo's components are written by the seed, not registered, so their history starts empty — and says so
    t.regex(await page.getByTestId('component-history').innerText(), /尚无履历记录/);

    await card.getByLabel('更改状态').selectOption({ label: '破损' });
    await page.getByTestId('component-status').filter({ hasText: '破损' }).waitFor();
    const history = await page.getByTestId('component-history').innerText();
    t.regex(history, /修改：完好 → 破损/);
    t.notRegex(history, /normal|damaged/, 'statuses in words, never their codes');
    await page.locator('form.filters').getByLabel('状态').selectOption({ label: '破损' });
    await page.getByTestId('components-count').filter({ hasText: '共 1 个' }).waitFor();
    t.regex(await list.innerText(), /3206820101000001/);
    await page.close();
  },
);

test.serial('on a phone the list, the map and the card stack in one column', async (t) => {
  const page = await ui.browser.newPage({ viewport: { width: 390, height: 844 } });
  await loginThroughForm(page, ui.hub.url, 'dispatcher');
  await page.goto(`${ui.hub.url}/#/components`);
  await page.getByTestId('components-list').locator('tbody tr').first().waitFor();
  const map = await page.locator('#components-map').boundingBox();
  const list = await page.getByTestId('components-list').boundingBox();
  t.truthy(map && list);
  t.true(map!.y > list!.y, 'the map comes after the list');
  t.true(map!.width <= 390 && map!.height > 200, JSON.stringify(map));
  const overflow = await page.locator('html').evaluate((e) => e.scrollWidth - e.clientWidth);
  t.is(overflow, 0, 'nothing wider than the phone');
  // The list shows code, name and status whole, with nothing to scroll sideways to (the card has the rest).
  const listBox = page.getByTestId('components-list');
  t.deepEqual(await listBox.locator('th:visible').allInnerTexts(), ['部件编码', '名称', '状态']);
  t.is(await page.locator('.components-left').evaluate((e) => e.scrollWidth - e.clientWidth), 0);
  // A tap on a row at the top of the list (the map and card 50 rows below) brings them into view.
  await listBox.getByRole('button', { name: '3206820101000002' }).click();
  const heading = page.getByTestId('component-detail').locator('h2', { hasText: '3206820101000002' });
  await heading.waitFor();
  const at = (await heading.boundingBox())!;
  t.true(at.y >= 0 && at.y < 844, `card heading at y ${at.y}`);
  await page.close();
});

test.serial('a 井盖’s card names the 地下管网 line it covers', async (t) => {
  // A water line surveyed through the demo's first 上水井盖 (如皋市供水公司's), 100 m east-west.
  const cover = await ui.hub.hub.db.prisma.component.findUniqueOrThrow({
    where: { code: '3206820101000001' },
  });
  const geometry = JSON.stringify({
    type: 'LineString',
    coordinates: [
      [cover.lng - 0.0005, cover.lat],
      [cover.lng + 0.0005, cover.lat],
    ],
  });
  const imported = await call(ui.hub.url, 'POST', '/api/pipelines/imports', {
    token: await ui.hub.token('administrator'),
    body: {
      format: 'csv',
      crs: 'wgs84',
      content: `code,kind,owner,geometry\nGS-T001,给水,U-WATER,"${geometry.replaceAll('"', '""')}"`,
    },
  });
  t.is(imported.status, 200, JSON.stringify(imported.body));

  const page = await ui.browser.newPage({ viewport: { width: 1440, height: 900 } });
  t.teardown(() => page.close());
  await loginThroughForm(page, ui.hub.url, 'dispatcher');
  await page.goto(`${ui.hub.url}/#/components`);
  await page.getByRole('button', { name: cover.code }).click();
  const line = page.getByTestId('component-pipeline');
  await line.waitFor();
  t.is((await line.innerText()).trim(), '给水 GS-T001 · 如皋市供水公司 · 相距 0 米');
  t.regex(await page.getByTestId('component-detail').innerText(), /所在管线\s*给水 GS-T001/);
});
