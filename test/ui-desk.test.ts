// The 受理派遣台 in Debian's Chromium over a whole hub (embedded engine, workers, demo data): one telephone
// call goes to 结案 and 回访 only through clicks across roles — acceptor (telephone intake) → supervisor
// (核实 on the case page) → dispatcher (立案, 派遣 at the desk) → department on a phone screen (签收, 处置) →
// supervisor (核查) → acceptor (回访) — with what each page shows asserted; a 回退 request approved from the
// desk; the desk's keyboard; axe on the desk. Screenshots go to $DESK_SHOTS when it is set (never the repo).
import test from 'ava';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { call } from './helpers/api.ts';
import { loginThroughForm, seriousViolations, useUiHub } from './helpers/browser.ts';

const ui = useUiHub(test);
const SHOTS = process.env.DESK_SHOTS;
if (SHOTS) mkdirSync(SHOTS, { recursive: true });
const PHONE = { width: 390, height: 844 };
const WIDE = { width: 1440, height: 900 };
// A 1×1 PNG: the 处置 form wants a photo.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

async function pageAs(username: string, viewport = WIDE): Promise<Page> {
  const page = await ui.browser.newPage({ viewport });
  await loginThroughForm(page, ui.hub.url, username);
  return page;
}
const as = (username: string) => ({
  post: async (path: string, body: Record<string, unknown>) =>
    call(ui.hub.url, 'POST', path, { token: await ui.hub.token(username), body }),
});
const shot = async (page: Page, name: string) => {
  if (SHOTS) await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
};
const row = (caseNo: string) => ui.hub.hub.db.prisma.case.findUniqueOrThrow({ where: { caseNo } });
async function until<T>(what: string, check: () => Promise<T>, ms = 30_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const statusIs = (caseNo: string, status: string) =>
  until(`${caseNo} ${status}`, async () => (await row(caseNo)).status === status);

/** Opens a queue tab at the desk and selects the case in it (it arrives by the desk's polling). */
async function pick(page: Page, tab: string, caseNo: string) {
  await page.getByRole('tab', { name: new RegExp(`^${tab}`) }).click();
  const item = page.locator(`#desk-queue [data-case="${caseNo}"]`);
  await item.waitFor({ timeout: 20_000 });
  await item.click();
  await page.locator('#panel-h').getByText(caseNo).waitFor();
}

test.serial('a telephone call goes to 结案 and 回访 only through clicks across roles', async (t) => {
  const cell = await ui.hub.hub.db.prisma.gridCell.findFirstOrThrow({
    where: { active: true, supervisorUserId: { not: null } },
    orderBy: { code: 'asc' },
  });

  // 受理员: telephone intake at the desk.
  const acceptor = await pageAs('acceptor');
  t.teardown(() => acceptor.close());
  await acceptor.getByRole('link', { name: '受理派遣台' }).click();
  await acceptor.getByRole('heading', { name: '受理派遣台' }).waitFor();
  await acceptor.getByTestId('tab-new').getByText(/\d+/).waitFor();
  t.deepEqual(await seriousViolations(acceptor), []);
  await acceptor.getByRole('button', { name: '电话受理' }).click();
  await acceptor.getByLabel('来电人', { exact: true }).fill('王先生');
  await acceptor.getByLabel('联系电话', { exact: true }).fill('13912345678');
  await acceptor.getByLabel('地址', { exact: true }).fill('城北街道北门路 18 号');
  await acceptor.locator('select[name=gridCode]').selectOption(cell.code);
  await acceptor.locator('select[name=categoryCode]').selectOption('0101');
  await acceptor.getByLabel('问题描述', { exact: true }).fill('路边私搭乱建棚屋');
  await shot(acceptor, 'desk-intake-1440');
  t.deepEqual(await seriousViolations(acceptor), []);
  await acceptor.getByRole('button', { name: '登记来电' }).click();
  const notice = await acceptor.getByTestId('desk-notice').textContent();
  const caseNo = /来电已登记为 (\S+)。/.exec(notice ?? '')?.[1] ?? '';
  t.regex(caseNo, /^RG-\d{4}-\d{6}$/);
  const stored = await row(caseNo);
  t.like(stored, {
    source: 'hotline',
    categoryCode: '0101',
    reporterName: '王先生',
    reporterPhone: '13912345678',
    address: '城北街道北门路 18 号',
    gridCode: cell.code,
  });
  // A hotline case goes to 核实 on its own.
  await statusIs(caseNo, 'verifying');

  // 监督员: 核实 on the case page, reached from the case list.
  const supervisor = await pageAs('field_supervisor');
  t.teardown(() => supervisor.close());
  await supervisor.getByRole('link', { name: caseNo }).click();
  await supervisor.getByRole('heading', { name: '核实', exact: true }).waitFor();
  t.is(await supervisor.getByTestId('case-status').textContent(), '核实中');
  await supervisor.getByRole('radio', { name: '属实', exact: true }).check();
  await supervisor.getByRole('button', { name: '提交' }).click();
  await until('verified', async () => (await row(caseNo)).verifiedAt !== null);

  // 派遣员: 立案 from 核实回来, then 派遣 to the suggested department.
  const dispatcher = await pageAs('dispatcher');
  t.teardown(() => dispatcher.close());
  await dispatcher.getByRole('link', { name: '受理派遣台' }).click();
  await pick(dispatcher, '核实回来', caseNo);
  t.is(await dispatcher.getByTestId('panel-status').textContent(), '受理');
  t.is(
    (await dispatcher.getByTestId('reporter').innerText()).replace(/\s+/g, ' ').trim(),
    '上报人：王先生 13912345678',
  );
  const timeline = await dispatcher.getByTestId('timeline').innerText();
  t.true(timeline.includes('核实属实') || timeline.includes('核实'), timeline);
  t.false(/workers|hotline|verify_requested/.test(timeline), timeline);
  await dispatcher.locator('#desk-actions').getByRole('button', { name: '立案' }).click();
  await dispatcher.locator('select[name=urgency]').selectOption('urgent');
  await shot(dispatcher, 'desk-register-1440');
  await dispatcher.locator('#desk-form').getByRole('button', { name: '立案' }).click();
  await dispatcher.getByTestId('desk-notice').getByText(`${caseNo} 已立案。`).waitFor();
  t.is((await row(caseNo)).urgency, 'urgent');
  await pick(dispatcher, '待派遣', caseNo);
  await dispatcher.locator('#desk-actions').getByRole('button', { name: '派遣' }).click();
  const suggested = await dispatcher.locator('select[name=assigneeId]').inputValue();
  const d06 = await ui.hub.hub.db.prisma.department.findUniqueOrThrow({ where: { code: 'D06' } });
  t.is(suggested, d06.id, 'the category’s department is suggested first');
  await shot(dispatcher, 'desk-dispatch-1440');
  t.deepEqual(await seriousViolations(dispatcher), []);
  await dispatcher.locator('#desk-form').getByRole('button', { name: '派遣' }).click();
  await dispatcher.getByTestId('desk-notice').getByText(`${caseNo} 已派遣。`).waitFor();
  await statusIs(caseNo, 'dispatched');

  // 专业部门 on a phone: 签收 and 处置 with a photo.
  const dept = await pageAs('department_handler', PHONE);
  t.teardown(() => dept.close());
  const card = dept.locator(`[data-case="${caseNo}"]`);
  await card.waitFor({ timeout: 20_000 });
  await card.getByRole('button', { name: '签收' }).click();
  await card.getByTestId('status').getByText('已签收').waitFor();
  await card.getByRole('button', { name: '处置完成' }).click();
  await card
    .locator('input[type=file]')
    .setInputFiles({ name: 'done.png', mimeType: 'image/png', buffer: PNG });
  await card.getByLabel('处置说明', { exact: true }).fill('棚屋已拆除');
  await card.getByRole('button', { name: '提交' }).click();
  await statusIs(caseNo, 'checking');

  // 监督员: 核查 passed; 结案 follows.
  await supervisor.reload();
  await supervisor.getByRole('heading', { name: '核查', exact: true }).waitFor({ timeout: 20_000 });
  await supervisor.getByRole('radio', { name: '通过', exact: true }).check();
  await supervisor.getByRole('button', { name: '提交' }).click();
  await statusIs(caseNo, 'closed');

  // 受理员: 回访 from 待回访.
  await pick(acceptor, '待回访', caseNo);
  t.is(await acceptor.getByTestId('panel-status').textContent(), '结案');
  await acceptor.locator('#desk-actions').getByRole('button', { name: '回访' }).click();
  await shot(acceptor, 'desk-callback-1440');
  await acceptor.getByRole('radio', { name: '满意', exact: true }).check();
  await acceptor.getByLabel('回访记录', { exact: true }).fill('来电人表示满意');
  await acceptor.locator('#desk-form').getByRole('button', { name: '回访' }).click();
  await acceptor.getByTestId('desk-notice').getByText(`${caseNo} 的回访已记录。`).waitFor();
  t.is((await row(caseNo)).callbackSatisfied, true);

  // The case page tells the story in words.
  await acceptor.goto(`${ui.hub.url}/#/cases/${stored.id}`);
  const story = await acceptor.getByTestId('timeline').innerText();
  for (const word of [
    '上报',
    '派发核实',
    '立案',
    '派遣',
    '签收',
    '处置完成',
    '核查通过',
    '结案',
    '回访',
    '满意',
  ])
    t.true(story.includes(word), `${word} in ${story}`);
  t.false(/workers|hotline|check_passed|\[object Object\]/.test(story), story);
  t.true(story.includes('交 综合行政执法局'), story);
  await shot(acceptor, 'case-detail-closed-1440');
});

test.serial(
  'a 回退 request is approved from the desk with the keyboard; the case waits for 派遣 again',
  async (t) => {
    const cell = await ui.hub.hub.db.prisma.gridCell.findFirstOrThrow({
      where: { active: true, supervisorUserId: { not: null } },
      orderBy: { code: 'desc' },
    });
    const reported = await as('field_supervisor').post('/api/cases', {
      source: 'supervisor',
      categoryCode: '0101',
      description: '回退测试 棚屋',
      lng: (cell.minLng + cell.maxLng) / 2,
      lat: (cell.minLat + cell.maxLat) / 2,
    });
    t.is(reported.status, 201);
    const { id, caseNo } = reported.body as { id: string; caseNo: string };
    await statusIs(caseNo, 'accepted');
    const d06 = await ui.hub.hub.db.prisma.department.findUniqueOrThrow({ where: { code: 'D06' } });
    t.is((await as('dispatcher').post(`/api/cases/${id}/actions/register`, {})).status, 200);
    t.is(
      (
        await as('dispatcher').post(`/api/cases/${id}/actions/dispatch`, {
          assigneeType: 'department',
          assigneeId: d06.id,
        })
      ).status,
      200,
    );
    await until('sign deadline', () =>
      ui.hub.hub.db.prisma.caseEvent.count({ where: { caseId: id, type: 'deadline_set' } }),
    );
    t.is(
      (
        await as('department_handler').post(`/api/cases/${id}/actions/request-return`, {
          reason: '不属本部门',
        })
      ).status,
      200,
    );

    const page = await pageAs('dispatcher');
    t.teardown(() => page.close());
    await page.getByRole('link', { name: '受理派遣台' }).click();
    await page.getByTestId('tab-new').getByText(/\d+/).waitFor();
    await page.keyboard.press('5'); // 待审批
    const item = page.locator(`#desk-queue [data-case="${caseNo}"]`);
    await item.waitFor({ timeout: 20_000 });
    t.regex((await item.innerText()) ?? '', /申请回退\s*不属本部门/);
    // j/k to the item, a opens the decision, the form's buttons by keyboard.
    for (let i = 0; i < 20 && (await item.getAttribute('aria-selected')) !== 'true'; i++)
      await page.keyboard.press('j');
    t.is(await item.getAttribute('aria-selected'), 'true');
    await page.locator('#panel-h').getByText(caseNo).waitFor();
    await page.keyboard.press('a');
    await page.getByLabel('审批意见', { exact: true }).fill('同意回退，重新派遣');
    await shot(page, 'desk-approval-1440');
    t.deepEqual(await seriousViolations(page), []);
    await page.getByRole('button', { name: '同意', exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('desk-notice').getByText(`${caseNo} 的申请已同意。`).waitFor();
    await statusIs(caseNo, 'registered');
    const r = await row(caseNo);
    t.is(r.departmentId, null);
    // It now waits in 待派遣.
    await pick(page, '待派遣', caseNo);
    t.is(await page.getByTestId('panel-status').textContent(), '立案');
    const tl = await page.getByTestId('timeline').innerText();
    t.true(tl.includes('申请回退') && tl.includes('回退'), tl);

    // The case page: the diagram opens on the waiting step (派遣), with its controls and legend.
    await page.goto(`${ui.hub.url}/#/cases/${id}`);
    await page.getByTestId('current-step').waitFor({ timeout: 20_000 });
    t.regex(await page.getByTestId('current-step').innerText(), /当前步骤: .*派遣/);
    t.is(
      (await page.getByTestId('diagram-legend').innerText()).replace(/\s+/g, ' ').trim(),
      '已走过的路径 正在等待的步骤 未经过',
    );
    await page.locator('#case-diagram .path-current').first().waitFor();
    const box = await page.locator('#case-diagram .path-current').first().boundingBox();
    const frame = await page.locator('#case-diagram').boundingBox();
    t.truthy(box && frame, 'the waiting step is drawn');
    // Centred in the diagram's frame (within a quarter of its width).
    t.true(Math.abs(box!.x + box!.width / 2 - (frame!.x + frame!.width / 2)) < frame!.width / 4);
    await page.locator('#case-diagram').scrollIntoViewIfNeeded();
    await shot(page, 'case-detail-waiting-1440');

    // The phone-sized desk shows the same queue, one column.
    const phone = await pageAs('dispatcher', PHONE);
    t.teardown(() => phone.close());
    await phone.getByRole('link', { name: '受理派遣台' }).click();
    await pick(phone, '待派遣', caseNo);
    await shot(phone, 'desk-dispatch-390');
    t.deepEqual(await seriousViolations(phone), []);
  },
);
