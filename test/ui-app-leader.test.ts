// 领导通 and 批示 in the app (智信平台 at /app/) in Chromium at 390×844, over a whole hub with the engine's
// clock moved (startScenarioHub): the leader's figures are the hub's, with the overdue and escalated case
// and the open cases on the map; a leader sends a 批示 on an overdue case from the app; the handler of the
// unit holding the case (供水公司) sees it in 处置通 — on the list and in the case — and acknowledges it
// with a line of what is done; the leader reads 已阅 with that line.
import test from 'ava';
import type { Page } from 'playwright-core';
import { ensureUiBuild, useBrowserHub } from './helpers/browser.ts';
import { at, PASSWORD, startScenarioHub, until, type Person } from './helpers/scenario-hub.ts';

const fx = useBrowserHub(
  test,
  () => {
    ensureUiBuild();
    return startScenarioHub(at('2026-10-12 09:00'), { ADMIN_UI: 'true' });
  },
  () => dayOfCases(),
);
const s = () => fx.hub;

const caseRow = (id: string) => s().hub.db.prisma.case.findUniqueOrThrow({ where: { id } });
async function ok(person: Person, caseId: string, action: string, body = {}) {
  const res = await s().as(person).post(`/api/cases/${caseId}/actions/${action}`, body);
  if (res.status !== 200) throw new Error(`${person} ${action}: ${res.status} ${JSON.stringify(res.body)}`);
}
/** A supervisor's report in the n-th supervised cell, registered and dispatched to `unit`. */
async function dispatched(description: string, unit: string, n: number) {
  const cell = (
    await s().hub.db.prisma.gridCell.findMany({
      where: { active: true, supervisorUserId: { not: null } },
      orderBy: { code: 'asc' },
      skip: n,
      take: 1,
    })
  )[0]!;
  const res = await s()
    .as('field_supervisor')
    .post('/api/cases', {
      source: 'supervisor',
      categoryCode: '0101',
      description,
      lng: (cell.minLng + cell.maxLng) / 2,
      lat: (cell.minLat + cell.maxLat) / 2,
    });
  if (res.status !== 201) throw new Error(`report: ${res.status} ${JSON.stringify(res.body)}`);
  const id = res.body.id as string;
  await until('accepted', async () => (await caseRow(id)).status === 'accepted');
  await ok('acceptor', id, 'register');
  await s().waitingAt(id, 'ebg_dispatch');
  await ok('dispatcher', id, 'dispatch', { assigneeType: 'department', assigneeId: s().unit[unit] });
  await s().waitingAt(id, 's1_wait');
  return { id, caseNo: res.body.caseNo as string };
}

async function phone(user: Person): Promise<Page> {
  const context = await fx.browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
  });
  const page = await context.newPage();
  await page.goto(`${s().url}/app/`);
  await page.getByLabel('用户名').fill(user);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  return page;
}

let overdue = { id: '', caseNo: '' };
async function dayOfCases() {
  // One case disposed within half an hour and closed; one left unsigned with the water company.
  const closed = await dispatched('违章搭建雨棚', 'D06', 0);
  await s().clock.add(30 * 60_000);
  await ok('department_handler', closed.id, 'sign');
  await ok('department_handler', closed.id, 'dispose', { note: '已拆除' });
  await until('checking', async () => (await caseRow(closed.id)).status === 'checking');
  await s().waitingAt(closed.id, 'rt_check');
  await ok('field_supervisor', closed.id, 'check', { result: 'passed' });
  await until('closed', async () => (await caseRow(closed.id)).status === 'closed');
  overdue = await dispatched('违章搭建围墙', 'U-WATER', 1);
  // The afternoon: the sign-for limit passed (overdue) and 督办 opened an item (escalated).
  await s().clock.pin(at('2026-10-12 15:00'));
  await until('督办 item', async () =>
    s().hub.db.prisma.escalation.findFirst({ where: { caseId: overdue.id, status: 'open' } }),
  );
}

test.serial(
  '领导通 shows the hub’s figures, the overdue and escalated cases, and the open cases on a map',
  async (t) => {
    // The hub's numbers: one of two cases registered today disposed (in 0.5 working hours) and closed.
    const hub = (await s().as('leader').get('/api/leader/dashboard')).body;
    t.deepEqual(
      hub.figures.map((f: { key: string; value: number }) => [f.key, f.value]),
      [
        ['disposalRate', 0.5],
        ['closureRate', 0.5],
        ['avgHandlingHours', 0.5],
      ],
    );
    const leader = await phone('leader');
    const figure = (key: string) => leader.getByTestId('figures').locator(`[data-figure="${key}"]`);
    await figure('disposalRate').waitFor();
    const shown = async (key: string) => [
      (await figure(key).locator('strong').textContent())!.trim(),
      (await figure(key).locator('.big-number').textContent())!.trim(),
      (await figure(key).locator('.badge').textContent())!.trim(),
    ];
    t.deepEqual(await shown('disposalRate'), ['处置率', '50.0%', '未达标']);
    t.deepEqual(await shown('closureRate'), ['结案率', '50.0%', '未达标']);
    t.deepEqual(await shown('avgHandlingHours'), ['平均处置时长', '0.50 小时', '达标']);
    t.regex((await figure('disposalRate').textContent())!, /目标 99\.0%/);
    t.true((await leader.locator('main').textContent())!.includes(`立案数 ${hub.registered} · 在办案件 1`));
    await leader.getByRole('heading', { name: `超期案件 (${hub.overdueCount})` }).waitFor();
    await leader.getByRole('heading', { name: `督办案件 (${hub.escalatedCount})` }).waitFor();
    t.is(hub.overdueCount, 1);
    t.regex(
      (await leader.getByTestId('overdue').locator(`[data-case="${overdue.caseNo}"]`).textContent())!,
      /私搭乱建 · 如皋市供水公司/,
    );
    t.regex(
      (await leader.getByTestId('escalated').locator(`[data-case="${overdue.caseNo}"]`).textContent())!,
      /督办级别 1/,
    );
    // The map (MapLibre, loaded on demand): the dashboard's open cases, the overdue one in red.
    t.is((await leader.getByTestId('map-legend').textContent())!.trim(), '在办 0 件（蓝） · 超期 1 件（红）');
    await leader.locator('#leader-map[data-points="1"] canvas').waitFor();
    await leader.screenshot({ path: '/tmp/m2/leader-dashboard.png', fullPage: true });
    await leader.context().close();
  },
);

test.serial('a leader’s 批示 from 领导通 is read and acknowledged by the unit in 处置通', async (t) => {
  const text = '请供水公司立即签收，今日内处置完毕并报告';
  const leader = await phone('leader');
  const card = leader.getByTestId('overdue').locator(`[data-case="${overdue.caseNo}"]`);
  await card.getByRole('button', { name: '批示' }).click();
  await card.getByLabel('批示内容').fill(text);
  await card.getByRole('button', { name: '发送批示' }).click();
  const sent = leader.getByTestId('instructions').locator('li', { hasText: text });
  await sent.waitFor();
  t.true((await sent.textContent())!.includes('待阅'));
  const row = await s().hub.db.prisma.instruction.findFirstOrThrow({ where: { caseId: overdue.id } });
  t.like(row, { text, authorName: '领导', departmentId: s().unit['U-WATER'], acknowledgedAt: null });

  // The water company's handler: the 批示 on top of the list, its case marked, and in the case itself.
  const handler = await phone('water_handler');
  const listed = handler.getByTestId('instructions').locator(`[data-instruction="${overdue.caseNo}"]`);
  await listed.waitFor();
  t.true((await listed.textContent())!.includes(text));
  t.is((await listed.getByTestId('instruction-state').textContent())?.trim(), '待阅');
  const caseCard = handler.getByTestId('department-cases').locator(`[data-case="${overdue.caseNo}"]`);
  t.is((await caseCard.getByTestId('has-instruction').textContent())?.trim(), '有领导批示待阅');
  await handler.screenshot({ path: '/tmp/m2/department-instruction.png' });
  await listed.getByRole('link', { name: '查看案卷' }).click();
  await handler.getByTestId('case-view').waitFor();
  const inCase = handler.getByTestId('instructions').locator(`[data-instruction="${overdue.caseNo}"]`);
  await inCase.getByLabel(/落实情况/).fill('已安排抢修队，今日 18 时前处置');
  await inCase.getByRole('button', { name: '确认已阅' }).click();
  await inCase.getByTestId('instruction-state').filter({ hasText: '已阅' }).waitFor();
  t.true((await inCase.textContent())!.includes('供水公司处置员'));
  t.like(await s().hub.db.prisma.instruction.findUniqueOrThrow({ where: { id: row.id } }), {
    acknowledgedByName: '供水公司处置员',
    acknowledgeNote: '已安排抢修队，今日 18 时前处置',
  });
  t.deepEqual(
    (
      await s().hub.db.prisma.caseEvent.findMany({
        where: { caseId: overdue.id, type: { in: ['instruction', 'instruction_acknowledged'] } },
        orderBy: [{ at: 'asc' }, { id: 'asc' }],
      })
    ).map((e) => [e.type, e.actorName]),
    [
      ['instruction', '领导'],
      ['instruction_acknowledged', '供水公司处置员'],
    ],
  );
  // The timeline of the case view says so too; the list no longer asks for it.
  await handler.locator('ol li', { hasText: '批示已阅' }).waitFor();
  await handler.goto(`${s().url}/app/#/department`);
  await handler.getByTestId('department-cases').waitFor();
  t.is(await handler.getByTestId('instructions').count(), 0);

  await leader.reload();
  await sent.getByText('已阅', { exact: true }).waitFor();
  t.true((await sent.textContent())!.includes('已安排抢修队，今日 18 时前处置'));
});
