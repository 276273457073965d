// The case pages in Debian's Chromium over a whole hub (embedded engine with clock control, workers,
// demo data, real SMTP): a case reported over the API appears in the dispatcher's list without a reload;
// its detail shows the timeline and its point and grid cell on the map; when its sign-for runs past the limit,
// the shift leader's inbox shows the escalation without a reload, and the leader claims and decides it
// (催办); the department then signs for and disposes of it on a phone-sized screen. axe on every page.
import test from 'ava';
import type { Page } from 'playwright-core';
import { loginThroughForm, seriousViolations, useBrowserHub } from './helpers/browser.ts';
import { at, PASSWORD, startScenarioHub, until } from './helpers/scenario-hub.ts';

// The demo users' password in startScenarioHub (test/helpers/scenario-hub.ts).

let point = { lng: 0, lat: 0, gridCode: '', cellWords: '' };
// Wednesday 09:00, a working day: the sign-for limit of 暴露垃圾 is one working hour.
const ui = useBrowserHub(
  test,
  () => startScenarioHub(at('2026-11-25 09:00'), { ADMIN_UI: 'true' }),
  async ({ hub: s }) => {
    const cell = await s.hub.db.prisma.gridCell.findFirstOrThrow({
      where: { street: '城北街道', active: true },
      orderBy: { code: 'asc' },
    });
    point = {
      lng: (cell.minLng + cell.maxLng) / 2,
      lat: (cell.minLat + cell.maxLat) / 2,
      gridCode: cell.code,
      cellWords: `${cell.street}${cell.community}${cell.code.slice(-2)}号网格`,
    };
  },
);

async function pageAs(username: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
  const page = await ui.browser.newPage({ viewport });
  await loginThroughForm(page, ui.hub.url, username, PASSWORD);
  return page;
}

const caseStatus = async (id: string) =>
  (await ui.hub.hub.db.prisma.case.findUniqueOrThrow({ where: { id } })).status;

let caseId = '';
let caseNo = '';

test.serial('a case reported over the API appears in the open case list without a reload', async (t) => {
  const page = await pageAs('dispatcher');
  t.teardown(() => page.close());
  await page.getByRole('heading', { name: '案卷列表' }).waitFor();
  await page.getByTestId('cases').waitFor();
  t.deepEqual(await seriousViolations(page), []);

  const reported = await ui.hub.as('field_supervisor').post('/api/cases', {
    source: 'supervisor',
    categoryCode: '0102',
    urgency: 'urgent',
    description: '北门路口暴露垃圾',
    address: '城北街道北门路口',
    lng: point.lng,
    lat: point.lat,
  });
  t.is(reported.status, 201);
  caseId = reported.body.id;
  caseNo = reported.body.caseNo;

  // The list polls: the row shows up on its own, with the category name and the status words.
  const row = page.locator(`tr[data-case="${caseNo}"]`);
  await row.waitFor({ timeout: 20_000 });
  const cells = await row.locator('td').allInnerTexts();
  t.is(cells[0], caseNo);
  t.is(cells[2], '暴露垃圾');
  t.regex(cells[3]!, /^北门路口暴露垃圾\n城北街道北门路口$/);
  t.regex(cells[4]!, /^(上报|受理)$/);
  t.is(cells[5], '紧急');
  // The time-limit column (the hub's clock): no step with a deadline runs yet.
  await page.getByRole('columnheader', { name: '时限' }).waitFor();
  t.is(cells[7], '无时限');

  // The status filter: a status the case is not in hides it.
  await page.getByLabel('状态').selectOption('closed');
  await page.getByText('暂无数据').waitFor();
  t.is(await row.count(), 0);
});

test.serial('case detail: timeline, map with the point in its cell', async (t) => {
  await until('accepted', async () => (await caseStatus(caseId)) === 'accepted');
  const page = await pageAs('dispatcher');
  t.teardown(() => page.close());
  await page.getByRole('link', { name: caseNo }).click();
  await page.getByRole('heading', { name: `案卷 ${caseNo}` }).waitFor();
  const timeline = page.getByTestId('timeline');
  await timeline.locator('li[data-type="accepted"]').waitFor();
  // Each event by its word once: 上报 and 受理 carry no '→ 上报' / '→ 受理' badge repeating them.
  t.regex(await timeline.innerText(), /^上报\n/);
  t.notRegex(await timeline.innerText(), /(上报|受理) → \1/);
  t.is(await page.getByTestId('case-status').innerText(), '受理');
  // The map (test/ui-map.test.ts checks what it draws): the case's cell and point in words below it.
  await page.locator('#case-map[data-rendered]').waitFor({ timeout: 30_000 });
  // The cell by its street, community and number there, not the bare code.
  const position = `${point.cellWords} · 坐标 ${point.lng.toFixed(5)}, ${point.lat.toFixed(5)}`;
  await page.getByTestId('case-position').getByText(position).waitFor();
  t.is(await page.getByTestId('case-position').innerText(), position);
  // The procedure diagram: the instance's current step is marked and named, the steps it passed too.
  const current = page.getByTestId('current-step');
  await current.waitFor();
  t.regex(await current.innerText(), /^当前步骤: \S/);
  t.true((await page.locator('#case-diagram g.path-current').count()) >= 1);
  t.true((await page.locator('#case-diagram g.path-taken').count()) >= 1);
  t.deepEqual(await seriousViolations(page), []);
});

test.serial(
  'an overdue sign-for reaches the shift leader’s inbox live; claim and 催办 from the page',
  async (t) => {
    t.is((await ui.hub.as('acceptor').post(`/api/cases/${caseId}/actions/register`)).status, 200);
    const dispatched = await ui.hub.as('dispatcher').post(`/api/cases/${caseId}/actions/dispatch`, {
      assigneeType: 'department',
      assigneeId: ui.hub.unit.D06,
    });
    t.is(dispatched.status, 200);
    await until(
      'sign deadline',
      async () => (await ui.hub.hub.db.prisma.case.findUniqueOrThrow({ where: { id: caseId } })).signDeadline,
    );

    const page = await pageAs('shift_leader');
    t.teardown(() => page.close());
    await page.getByRole('link', { name: '督办箱' }).click();
    await page.getByText('没有待办的督办事项').waitFor();

    await ui.hub.clock.add(61 * 60_000); // past the one working hour to sign for it
    const item = page.locator(`li[data-item="${caseNo}"]`);
    await item.waitFor({ timeout: 30_000 });
    t.is(await page.getByTestId('inbox-notice').innerText(), '新的督办事项已到达');
    t.regex(await item.innerText(), /签收超时/);
    t.deepEqual(await seriousViolations(page), []);

    await item.getByRole('button', { name: '认领' }).click();
    await item.getByText('认领人：值班长').waitFor();
    await item.getByRole('combobox', { name: /^决定/ }).selectOption('urge');
    await item.getByLabel('说明').fill('请立即签收处理');
    await item.getByRole('button', { name: '催办' }).click();
    await page.getByText(`${caseNo}: 已决定：催办`).waitFor();
    t.is(await item.count(), 0);

    const row = await ui.hub.hub.db.prisma.escalation.findFirstOrThrow({ where: { caseId } });
    t.like(row, { status: 'decided', decision: 'urge', decisionNote: '请立即签收处理' });
  },
);

test.serial('the department signs for and disposes of the case on a phone-sized screen', async (t) => {
  const page = await pageAs('department_handler', { width: 390, height: 844 });
  t.teardown(() => page.close());
  t.deepEqual(await page.getByRole('navigation').getByRole('link').allInnerTexts(), [
    '处置通',
    '广告店招',
    '考核评价',
  ]);
  const card = page.locator(`li[data-case="${caseNo}"]`);
  await card.waitFor();
  t.is(await card.getByTestId('status').innerText(), '已派遣');
  // The sign-for ran 61 minutes past its one working hour: the hub's clock is red, shown on the card.
  t.is(await card.locator('[data-clock]').getAttribute('data-clock'), 'red');
  t.regex(await card.locator('[data-clock]').innerText(), /^已超时/);
  t.deepEqual(await seriousViolations(page), []);
  // Nothing wider than the phone: no sideways scrolling.
  t.true(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'));

  await card.getByRole('button', { name: '签收' }).click();
  await card.getByText('已签收', { exact: true }).last().waitFor();
  await until('signed', async () => (await caseStatus(caseId)) === 'signed');
  await card.getByRole('button', { name: '处置完成' }).click();
  const photo = card.getByLabel('处置照片（可用手机拍照）');
  t.is(await photo.getAttribute('accept'), 'image/*');
  t.is(await photo.getAttribute('capture'), 'environment');
  // A JPEG by its first bytes (the hub judges the type by content, not by name).
  const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]), Buffer.alloc(64, 7)]);
  await photo.setInputFiles({ name: '处置后.jpg', mimeType: 'image/jpeg', buffer: jpeg });
  await card.getByLabel('处置说明').fill('已清运垃圾');
  await card.getByRole('button', { name: '提交' }).click();
  await page.getByText('已提交处置结果').waitFor();
  await until('disposed', async () => (await caseStatus(caseId)) !== 'signed');
  const disposed = await ui.hub.hub.db.prisma.caseEvent.findFirstOrThrow({
    where: { caseId, type: 'disposed' },
  });
  t.is(disposed.note, '已清运垃圾');
  t.is(disposed.actorName, '执法局处置员');
  // The photo went up with the disposal: the case's detail lists it on the disposed event, same bytes.
  const detail = await ui.hub.as('dispatcher').get(`/api/cases/${caseId}`);
  const photos = detail.body.attachments.filter((a: { kind: string }) => a.kind === 'disposal');
  t.is(photos.length, 1);
  t.like(photos[0], {
    eventId: disposed.id,
    fileName: '处置后.jpg',
    contentType: 'image/jpeg',
    size: jpeg.length,
  });
});

test.serial(
  'assessment: the leader runs the month; the department’s figures, a click lists the case',
  async (t) => {
    const run = await ui.hub
      .as('leader')
      .post('/api/assessment/runs', { period: 'month', date: '2026-11-25' });
    t.is(run.status, 201);
    const report = (await ui.hub.as('leader').get(`/api/assessment/reports/${run.body.id}`)).body;
    const d06 = await ui.hub.hub.db.prisma.department.findUniqueOrThrow({ where: { code: 'D06' } });
    const figures = report.result.departments.find((d: { id: string }) => d.id === d06.id);
    t.is(figures.figures.registered.value, 1);

    const page = await pageAs('leader');
    t.teardown(() => page.close());
    await page.getByRole('link', { name: '考核评价' }).click();
    // The month just run (the schedule may have stored other periods' reports too).
    await page
      .locator(`select#report option[value="${run.body.id}"]`)
      .waitFor({ state: 'attached' })
      .catch(async (err: unknown) => {
        t.log(await page.locator('#page').innerText());
        throw err;
      });
    await page.locator('select#report').selectOption(run.body.id);
    const row = page.locator(`tr[data-entity="${d06.name}"]`);
    await row.waitFor();
    t.is(await row.locator('[data-figure="registered"]').innerText(), '1');
    t.is(await row.locator('td').last().innerText(), figures.grade);
    t.deepEqual(await seriousViolations(page), []);
    await row.locator('[data-figure="registered"]').click();
    const drill = page.getByTestId('drill');
    await drill.waitFor();
    t.is(await drill.getByRole('heading').innerText(), `相关案卷: ${d06.name} · 立案数 (1)`);
    t.deepEqual(await drill.getByRole('link').allInnerTexts(), [caseNo]);
    t.is(await page.getByTestId('trends').locator('figure').count(), 3);
  },
);
