// 市民通 in the app (智信平台 at /app/, no account) in Chromium at 390×844 with geolocation, over a whole hub
// (startScenarioHub: embedded engine, workers): a citizen reports a problem — kind, photo, the phone's
// position then a point tapped on the map, description — the case exists in the hub at that point with
// the photo; the citizen follows it in plain words through 核实 to 办结 and rates it 不满意, which sends it
// back for handling; a second report merged into another and a third found false show why.
import test from 'ava';
import type { BrowserContext, Page } from 'playwright-core';
import { ensureUiBuild, seriousViolations, useBrowserHub } from './helpers/browser.ts';
import { at, PASSWORD, startScenarioHub, until, type Person } from './helpers/scenario-hub.ts';

const fx = useBrowserHub(test, () => {
  ensureUiBuild();
  return startScenarioHub(at('2026-10-12 09:00'), { ADMIN_UI: 'true' });
});
const s = () => fx.hub;

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const caseRow = (id: string) => s().hub.db.prisma.case.findUniqueOrThrow({ where: { id } });
async function ok(person: Person, caseId: string, action: string, body = {}) {
  const res = await s().as(person).post(`/api/cases/${caseId}/actions/${action}`, body);
  if (res.status !== 200) throw new Error(`${person} ${action}: ${res.status} ${JSON.stringify(res.body)}`);
}

/** A department handler's phone, logged in to the app. */
async function handlerPhone(user: Person): Promise<Page> {
  const staff = await fx.browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
  });
  const p = await staff.newPage();
  await p.goto(`${s().url}/app/`);
  await p.getByLabel('用户名').fill(user);
  await p.getByLabel('密码').fill(PASSWORD);
  await p.getByRole('button', { name: '登录' }).click();
  // A handler has one module and lands in it: its list shows once the login is done.
  await p.getByTestId('department-cases').waitFor();
  return p;
}

let context: BrowserContext;
let page: Page;
const statusText = () => page.getByTestId('report').getByTestId('status-text').textContent();
/** The report's page shows `text` (it is read again on every visit). */
async function showsStatus(token: string, text: string) {
  const url = `${s().url}/app/#/citizen/r/${token}`;
  // The address already open is no new visit (no hashchange, nothing read): the page would show the
  // change only at its 30 s refresh. Loading it afresh is the visit.
  if (page.url() === url) await page.reload();
  else await page.goto(url);
  await page.getByTestId('report').getByTestId('status-text').filter({ hasText: text }).waitFor();
}

test.serial(
  'a citizen reports with a photo and a point picked on the map; the case is in the hub',
  async (t) => {
    const cell = await s().hub.db.prisma.gridCell.findFirstOrThrow({
      where: { active: true, supervisorUserId: { not: null } },
      orderBy: { code: 'asc' },
    });
    const gps = { longitude: (cell.minLng + cell.maxLng) / 2, latitude: (cell.minLat + cell.maxLat) / 2 };
    context = await fx.browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      locale: 'zh-CN',
      permissions: ['geolocation'],
      geolocation: { ...gps, accuracy: 8 },
    });
    page = await context.newPage();
    await page.goto(`${s().url}/app/`);
    await page.getByRole('link', { name: /市民通/ }).click();
    await page.getByText(/您还没有反映过问题/).waitFor();
    await page.getByRole('link', { name: '我要反映问题' }).click();

    // Nothing chosen yet: the form says what is missing.
    await page.getByRole('button', { name: '提交' }).click();
    t.is(await page.getByTestId('form-error').textContent(), '请选择问题类别');
    await page.getByLabel(/搜索/).fill('店外');
    await page.getByTestId('category-list').getByRole('button', { name: '店外经营' }).click();
    t.regex((await page.getByTestId('category-chosen').textContent())!, /店外经营/);
    await page
      .locator('input[name=photos]')
      .setInputFiles({ name: 'p.png', mimeType: 'image/png', buffer: PNG });
    await page.getByRole('button', { name: '删除照片 1' }).waitFor();
    // The phone's position first (asked when the form opens), then a point tapped on the map beside it.
    await page.getByTestId('position').filter({ hasText: '精度约 8 米' }).waitFor();
    await page.locator('#citizen-map[data-ready]').waitFor();
    await page.locator('#citizen-map').scrollIntoViewIfNeeded();
    const box = (await page.locator('#citizen-map canvas').boundingBox())!;
    await page.touchscreen.tap(box.x + box.width / 2 + 30, box.y + box.height / 2 + 20);
    await page
      .getByTestId('position')
      .filter({ hasNotText: '精度' })
      .waitFor()
      .catch(async (err) => {
        await page.screenshot({ path: '/tmp/m2/citizen-pick-failed.png', fullPage: true });
        throw err;
      });
    const [lng, lat] = /(\d+\.\d+),\s*(\d+\.\d+)/
      .exec((await page.getByTestId('position').textContent())!)!
      .slice(1)
      .map(Number);
    t.true(lng! > gps.longitude && lat! < gps.latitude, `${lng},${lat} is right of and below the GPS point`);
    await page.getByLabel(/地址或地标/).fill('海阳路 18 号门前');
    await page.getByLabel(/问题描述/).fill('水果店在人行道上摆摊');
    await page.screenshot({ path: '/tmp/m2/citizen-report.png', fullPage: true });
    await page.getByRole('button', { name: '提交' }).click();

    await page.getByTestId('report').waitFor();
    const token = page.url().split('/').pop()!;
    const row = await s().hub.db.prisma.case.findUniqueOrThrow({
      where: { source_sourceRef: { source: 'open311', sourceRef: token } },
    });
    t.like(row, { description: '水果店在人行道上摆摊', address: '海阳路 18 号门前', categoryCode: '0504' });
    t.is(row.lng!.toFixed(5), lng!.toFixed(5));
    t.is(row.lat!.toFixed(5), lat!.toFixed(5));
    t.is(await s().hub.db.prisma.attachment.count({ where: { caseId: row.id, kind: 'report' } }), 1);
    t.regex((await page.getByTestId('report').textContent())!, new RegExp(row.caseNo));
    t.true(['已收到您的反映，正在受理', '工作人员正在现场核实'].includes((await statusText())!.trim()));

    // 核实 → 立案 → 派遣 → 处置 → 核查 → 办结: the citizen reads each stage in plain words.
    await until('verifying', async () => (await caseRow(row.id)).status === 'verifying');
    await showsStatus(token, '工作人员正在现场核实');
    await s().waitingAt(row.id, 'rt_verify');
    await ok('field_supervisor', row.id, 'verify', { result: 'confirmed' });
    await ok('acceptor', row.id, 'register');
    await s().waitingAt(row.id, 'ebg_dispatch');
    await ok('dispatcher', row.id, 'dispatch', { assigneeType: 'department', assigneeId: s().unit.D06 });
    await s().waitingAt(row.id, 's1_wait');
    await showsStatus(token, '已交由综合行政执法局处理');

    // The unit's handler opens it in 处置通: the source and everyone who acted in the city's words.
    const handler = await handlerPhone('department_handler');
    await handler.goto(`${s().url}/app/#/department/case/${row.id}`);
    await handler.getByTestId('case-view').waitFor();
    t.regex((await handler.getByTestId('reported').textContent())!, /· 市民网上上报$/);
    const actors = await handler.getByTestId('timeline').getByTestId('actor').allTextContents();
    t.true(actors.includes('系统自动'), actors.join('|'));
    t.true(actors.includes('市民网上上报'), actors.join('|'));
    t.deepEqual(
      actors.filter((a) => /workers|Open311|[()（）]|^[\x20-\x7e]+$/.test(a)),
      [],
      actors.join('|'),
    );
    await handler.screenshot({ path: '/tmp/m2/citizen-case-in-department.png', fullPage: true });
    await handler.context().close();
    await ok('department_handler', row.id, 'sign');
    await ok('department_handler', row.id, 'dispose', { note: '已劝离' });
    await s().waitingAt(row.id, 'rt_check');
    await ok('field_supervisor', row.id, 'check', { result: 'passed' });
    await s().waitingAt(row.id, 'rt_callback');

    // 我的反映: 已办结, asking for a rating.
    await page.goto(`${s().url}/app/#/citizen`);
    const mine = page.getByTestId('my-reports').locator(`[data-report="${row.caseNo}"]`);
    await mine.getByTestId('status-text').filter({ hasText: '已办结' }).waitFor();
    t.regex((await mine.textContent())!, /请对处理结果评价/);
    await mine.getByRole('link', { name: '查看进展' }).click();
    const steps = page.getByTestId('steps').locator('li strong');
    await page.getByTestId('rating').waitFor();
    t.deepEqual(await steps.allTextContents(), [
      '办结',
      '复查通过',
      '处理完毕',
      '交办处理单位',
      '立案',
      '现场核实属实',
      '派人核实',
      '已受理',
      '提交反映',
    ]);
    await page.screenshot({ path: '/tmp/m2/citizen-rate.png', fullPage: true });
    await page.getByLabel(/意见/).fill('摊位第二天又摆出来了');
    await page.getByRole('button', { name: '不满意' }).click();
    await page.getByTestId('rated').filter({ hasText: '您的评价：不满意' }).waitFor();
    t.is((await statusText())!.trim(), '已立案，正在安排处理单位');
    t.is(await page.getByTestId('rating').count(), 0);
    t.like(await caseRow(row.id), { status: 'registered', callbackSatisfied: false });
    await s().waitingAt(row.id, 'ebg_dispatch');
  },
);

test.serial('a merged report and one found false say why in 我的反映', async (t) => {
  const device = await page.evaluate<string | null>(`localStorage.getItem('hub.app.citizenDevice')`);
  t.truthy(device);
  const cell = await s().hub.db.prisma.gridCell.findFirstOrThrow({
    where: { active: true, supervisorUserId: { not: null } },
    orderBy: { code: 'asc' },
  });
  const fileReport = async (description: string) => {
    const res = await fetch(`${s().url}/api/citizen/reports`, {
      method: 'POST',
      headers: { 'x-device-token': device!, 'content-type': 'application/json' },
      body: JSON.stringify({
        serviceCode: '0201',
        lat: (cell.minLat + cell.maxLat) / 2,
        lng: (cell.minLng + cell.maxLng) / 2,
        description,
      }),
    });
    t.is(res.status, 201);
    const { token } = (await res.json()) as { token: string };
    const row = await s().hub.db.prisma.case.findUniqueOrThrow({
      where: { source_sourceRef: { source: 'open311', sourceRef: token } },
    });
    await until('verifying', async () => (await caseRow(row.id)).status === 'verifying');
    await s().waitingAt(row.id, 'rt_verify');
    return row;
  };
  const first = await fileReport('电线杆上贴满小广告');
  const duplicate = await fileReport('电线杆上小广告很多');
  await ok('acceptor', duplicate.id, 'merge', { intoId: first.id });
  const wrong = await fileReport('公交站牌上小广告');
  await ok('field_supervisor', wrong.id, 'verify', { result: 'false', reason: '现场未发现小广告' });
  await until('voided', async () => (await caseRow(wrong.id)).status === 'voided');

  await page.goto(`${s().url}/app/#/citizen`);
  const line = (caseNo: string) =>
    page.getByTestId('my-reports').locator(`[data-report="${caseNo}"]`).getByTestId('status-text');
  await line(wrong.caseNo).waitFor();
  t.is((await line(duplicate.caseNo).textContent())!.trim(), `已合并处理：重复上报，合并到 ${first.caseNo}`);
  t.is((await line(wrong.caseNo).textContent())!.trim(), '未予立案：现场未发现小广告');
  t.is((await line(first.caseNo).textContent())!.trim(), '工作人员正在现场核实');
  await page.screenshot({ path: '/tmp/m2/citizen-mine.png', fullPage: true });
  await context.close();
});

test.serial(
  '附近的反映: the public reports around the citizen, in plain words, without a supervisor’s',
  async (t) => {
    const cell = await s().hub.db.prisma.gridCell.findFirstOrThrow({
      where: { active: true, supervisorUserId: { not: null } },
      orderBy: { code: 'asc' },
    });
    const centre = { lng: (cell.minLng + cell.maxLng) / 2, lat: (cell.minLat + cell.maxLat) / 2 };
    // A supervisor's report on the same spot: internal (OPEN311_PUBLISH_SOURCES), never shown to citizens.
    const internal = await s()
      .as('field_supervisor')
      .post('/api/cases', {
        source: 'supervisor',
        categoryCode: '0101',
        description: '监督员上报的私搭乱建',
        ...centre,
      });
    t.is(internal.status, 201);

    const phone = await fx.browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      locale: 'zh-CN',
      permissions: ['geolocation'],
      geolocation: { longitude: centre.lng, latitude: centre.lat, accuracy: 10 },
    });
    const p = await phone.newPage();
    await p.goto(`${s().url}/app/#/citizen`);
    await p.getByRole('link', { name: '附近的反映' }).click();
    const list = p.getByTestId('nearby');
    await list.waitFor();
    t.is(
      (await p.getByTestId('nearby-where').textContent())!.trim(),
      '您周围 1 公里内近 90 天的反映，近的在前',
    );
    const cards = list.locator('li');
    const seen = await cards.evaluateAll((lis) =>
      lis.map((li) => [
        li.querySelector('strong')!.textContent!.trim(),
        li.querySelector('[data-testid=status-text]')!.textContent!.trim(),
        li.querySelector('[data-testid=distance]')!.textContent!.trim(),
      ]),
    );
    const first = await s().hub.db.prisma.case.findFirstOrThrow({
      where: { source: 'open311', description: '电线杆上贴满小广告' },
    });
    t.deepEqual(
      seen.map(([kind, status]) => `${kind} · ${status}`).sort(),
      [
        '店外经营 · 已立案，正在安排处理单位',
        '非法小广告 · 工作人员正在现场核实',
        `非法小广告 · 已合并处理：重复上报，合并到 ${first.caseNo}`,
        '非法小广告 · 未予立案：现场未发现小广告',
      ].sort(),
    );
    // Distances to a rounded position are said in round figures.
    t.true(
      seen.every(([, , d]) => /^(100 米以内|约 [1-9]00 米)$/.test(d!)),
      seen.map((x) => x[2]).join('|'),
    );
    const text = (await list.textContent())!;
    t.false(text.includes('监督员上报的私搭乱建'));
    t.true(text.includes('水果店在人行道上摆摊'));
    // The map numbers the same reports.
    await p.locator('#citizen-nearby-map[data-points="4"] canvas').waitFor();
    t.deepEqual(await seriousViolations(p), []);
    await p.screenshot({ path: '/tmp/m2/citizen-nearby.png', fullPage: true });
    await p.setViewportSize({ width: 1440, height: 900 });
    await p.screenshot({ path: '/tmp/m2/citizen-nearby-wide.png', fullPage: true });
    await phone.close();
  },
);
