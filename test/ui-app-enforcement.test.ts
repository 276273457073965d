// 执法通 in the app (智信平台 at /app/) in Chromium at 390×844: an enforcement officer of 综合行政执法局
// opens a case the dispatcher handed over, records 现场检查 with an evidence photo, 责令整改, 复查 (not
// corrected) and the 处罚 decision; the case closes (the enforcement procedure on the embedded engine).
import test from 'ava';
import type { Page } from 'playwright-core';
import { call } from './helpers/api.ts';
import { launchChromium, startUiHub, UI_PASSWORD, type UiHub } from './helpers/browser.ts';

let ui: UiHub;
let page: Page;
let close = async () => {};
test.before(async () => {
  ui = await startUiHub();
  const browser = await launchChromium();
  page = await (
    await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' })
  ).newPage();
  close = async () => {
    await browser.close();
    await ui.close();
  };
});
test.after.always(() => close());

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

async function until<T>(what: string, check: () => Promise<T>, ms = 60_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('an officer runs 现场检查 → 责令整改 → 复查 → 处罚决定 in 执法通 and the case closes', async (t) => {
  const { prisma } = ui.hub.db;
  const cell = await prisma.gridCell.findFirstOrThrow({
    where: { active: true, supervisorUserId: { not: null } },
  });
  const as = async (u: string) => ({ token: await ui.token(u) });
  const rep = await call(ui.url, 'POST', '/api/cases', {
    ...(await as('field_supervisor')),
    body: {
      source: 'supervisor',
      categoryCode: '0504',
      description: '水果店再次占道经营',
      lng: (cell.minLng + cell.maxLng) / 2,
      lat: (cell.minLat + cell.maxLat) / 2,
    },
  });
  t.is(rep.status, 201, JSON.stringify(rep.body));
  const id = rep.body.id as string;
  await until(
    'accepted',
    async () => (await prisma.case.findUniqueOrThrow({ where: { id } })).status === 'accepted',
  );
  t.is(
    (await call(ui.url, 'POST', `/api/cases/${id}/actions/register`, { ...(await as('acceptor')), body: {} }))
      .status,
    200,
  );
  const d06 = await prisma.department.findUniqueOrThrow({ where: { code: 'D06' } });
  const handed = await call(ui.url, 'POST', `/api/cases/${id}/actions/hand-to-enforcement`, {
    ...(await as('dispatcher')),
    body: { assigneeId: d06.id, reason: '一周内第三次店外经营' },
  });
  t.is(handed.status, 200, JSON.stringify(handed.body));

  await page.goto(`${ui.url}/app/`);
  await page.getByLabel(/用户名/).fill('law_enforcement');
  await page.getByLabel(/密码/).fill(UI_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  const card = page.locator(`[data-case="${rep.body.caseNo}"]`);
  await card.waitFor({ timeout: 30_000 });
  t.is((await card.getByTestId('stage').textContent())?.trim(), '待现场检查');
  t.true((await card.textContent())!.includes('一周内第三次店外经营'));
  await card.getByRole('link', { name: '办理' }).click();

  const inspect = page.getByTestId('form-inspect');
  await inspect.waitFor({ timeout: 30_000 });
  await inspect
    .locator('input[type=file]')
    .setInputFiles({ name: '现场.png', mimeType: 'image/png', buffer: PNG });
  await inspect.getByLabel('检查情况').fill('人行道摆放水果摊位约 6 平方米');
  await inspect.getByRole('button', { name: '提交' }).click();

  const order = page.getByTestId('form-order');
  await order.waitFor({ timeout: 30_000 });
  await order.getByLabel('整改要求').fill('两个工作日内撤回店内');
  await order.getByLabel(/整改期限/).fill('2');
  await order.getByRole('button', { name: '提交' }).click();

  const re = page.getByTestId('form-reinspect');
  await re.waitFor({ timeout: 30_000 });
  await re
    .locator('input[type=file]')
    .setInputFiles({ name: '复查.png', mimeType: 'image/png', buffer: PNG });
  await re.getByLabel('未整改').check();
  await re.getByLabel('复查情况').fill('摊位仍在');
  await re.getByRole('button', { name: '提交' }).click();

  const penalty = page.getByTestId('form-penalty');
  await penalty.waitFor({ timeout: 30_000 });
  await penalty.getByLabel('处罚决定书文号').fill('皋综执罚决字〔2026〕第015号');
  await penalty.getByRole('button', { name: '提交' }).click();

  await until(
    'closed',
    async () => (await prisma.case.findUniqueOrThrow({ where: { id } })).status === 'closed',
  );
  const events = await prisma.caseEvent.findMany({
    where: { caseId: id },
    orderBy: [{ at: 'asc' }, { id: 'asc' }],
  });
  t.deepEqual(
    events.map((e) => e.type).filter((x) => x !== 'deadline_set'),
    [
      'reported',
      'accepted',
      'registered',
      'enforcement_handed',
      'enforcement_inspected',
      'rectification_ordered',
      'reinspected',
      'penalty_decided',
      'disposed',
      'closed',
    ],
  );
  t.is(await prisma.attachment.count({ where: { caseId: id, kind: 'evidence' } }), 2);
  t.like(events.find((e) => e.type === 'rectification_ordered')!.data, {
    periodDays: 2,
    requirement: '两个工作日内撤回店内',
  });
  await page.screenshot({ path: '/tmp/m2/enforcement.png' });
});
