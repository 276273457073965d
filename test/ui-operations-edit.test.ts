// 运维管理 editing in Debian's Chromium against a real hub (demo data): the administrator creates a
// department and a category with its time limits, gives a user a second role and sets a calendar day;
// each change shows in the page's list and in the API. A refused save shows the hub's message next to
// the field it names. A non-administrator gets no edit controls and the API refuses the changes (403).
// axe on the open forms; the forms are reached and filled by keyboard.
import { readFileSync } from 'node:fs';
import test from 'ava';
import type { Page } from 'playwright-core';
import { call } from './helpers/api.ts';
import { loginThroughForm, seriousViolations, useUiHub } from './helpers/browser.ts';

let admin: Page;
const ui = useUiHub(test, async ({ hub, browser }) => {
  admin = await browser.newPage();
  await loginThroughForm(admin, hub.url, 'administrator');
  await admin.getByRole('link', { name: '运维管理' }).click();
  await admin.getByRole('heading', { name: '运维管理', level: 1 }).waitFor();
});

const get = async (path: string, username = 'administrator') =>
  call(ui.hub.url, 'GET', path, { token: await ui.hub.token(username) });

/** The message shown next to a form field, and that the field points at it for screen readers. */
async function fieldMessage(page: Page, label: string | RegExp, name: string) {
  const input = page.getByLabel(label, { exact: true });
  const message = page.locator(`.field-error[data-field="${name}"]`);
  await message.waitFor();
  return {
    text: await message.innerText(),
    invalid: await input.getAttribute('aria-invalid'),
    describedBy: (await input.getAttribute('aria-describedby')) === (await message.getAttribute('id')),
  };
}

test.serial(
  'a department: a bad mail address is shown at its field, then the department is created',
  async (t) => {
    const page = admin;
    await page.getByRole('tab', { name: '部门' }).click();
    await page.getByRole('rowheader', { name: '环境卫生管理处' }).waitFor();
    // Keyboard: the new-department button opens the form with focus on its heading; Tab reaches the code.
    await page.getByRole('button', { name: '新建部门' }).focus();
    await page.keyboard.press('Enter');
    const heading = page.getByRole('heading', { name: '新建部门', level: 2 });
    await heading.waitFor();
    t.is(await page.evaluate('document.activeElement?.id'), 'dept-form-h');
    await page.keyboard.press('Tab');
    await page.keyboard.type('D-TEST');
    t.is(await page.getByLabel('编码', { exact: true }).inputValue(), 'D-TEST');
    await page.getByLabel('名称', { exact: true }).fill('测试养护所');
    await page.getByLabel('类型', { exact: true }).selectOption('department');
    await page.getByLabel('联系人', { exact: true }).fill('王工');
    await page.getByLabel('联系邮箱（接收催办邮件）').fill('not-an-address');
    await page.getByRole('button', { name: '保存' }).click();

    t.deepEqual(await fieldMessage(page, '联系邮箱（接收催办邮件）', 'contactEmail'), {
      text: 'expected a mail address',
      invalid: 'true',
      describedBy: true,
    });
    t.is(await page.getByRole('alert').innerText(), 'invalid request: body.contactEmail');
    // Focus went to the field the hub named, so its message is read out with it.
    t.is(await page.evaluate('document.activeElement?.getAttribute("name")'), 'contactEmail');
    t.deepEqual(await seriousViolations(page), []);
    t.is(
      (await get('/api/departments')).body.items.filter((d: { code: string }) => d.code === 'D-TEST').length,
      0,
    );

    await page.getByLabel('联系邮箱（接收催办邮件）').fill('yanghu@example.cn');
    await page.getByRole('button', { name: '保存' }).click();
    await page.getByRole('status').getByText('已保存：测试养护所').waitFor();
    t.is(await heading.count(), 0);
    const row = page.locator('tr[data-department="D-TEST"]');
    t.deepEqual(await row.locator('td, th').allInnerTexts(), [
      'D-TEST',
      '测试养护所',
      '专业部门',
      '',
      '',
      '编辑',
    ]);

    const stored = (await get('/api/departments')).body.items.find(
      (d: { code: string }) => d.code === 'D-TEST',
    );
    t.like(stored, {
      name: '测试养护所',
      kind: 'department',
      parentId: null,
      contactName: '王工',
      contactEmail: 'yanghu@example.cn',
      active: true,
    });
  },
);

test.serial('a department is deactivated; deleting one that users refer to says why', async (t) => {
  const page = admin;
  await page.getByRole('button', { name: '编辑 测试养护所' }).click();
  await page.getByRole('heading', { name: '编辑部门：测试养护所' }).waitFor();
  await page.getByLabel('启用').uncheck();
  await page.getByRole('button', { name: '保存' }).click();
  await page.getByRole('status').getByText('已保存：测试养护所').waitFor();
  t.is(await page.locator('tr[data-department="D-TEST"] td').nth(3).innerText(), '已停用');
  const stored = (await get('/api/departments')).body.items.find(
    (d: { code: string }) => d.code === 'D-TEST',
  );
  t.false(stored.active);

  // 环境卫生管理处 has users and categories: the hub refuses, the form shows its answer.
  await page.getByRole('button', { name: '编辑 环境卫生管理处' }).click();
  await page.getByRole('button', { name: '删除' }).click();
  await page.getByRole('button', { name: '确定删除 环境卫生管理处' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  t.regex(await alert.innerText(), /is referred to .*deactivate it instead/);
  t.is(await page.evaluate('document.activeElement?.getAttribute("role")'), 'alert');
  t.is(await page.getByRole('rowheader', { name: '环境卫生管理处' }).count(), 1);
  await page.getByRole('button', { name: '取消' }).click();
});

test.serial(
  'a category with its time limits: a limit of 0 minutes is shown in its row, then it is created',
  async (t) => {
    const page = admin;
    const dept = (await get('/api/departments')).body.items.find(
      (d: { name: string }) => d.name === '环境卫生管理处',
    );
    await page.getByRole('tab', { name: '类别与时限' }).click();
    await page.getByRole('button', { name: '新建类别' }).click();
    await page.getByRole('heading', { name: '新建类别', level: 2 }).waitFor();
    await page.getByLabel('类型', { exact: true }).selectOption('event');
    await page.getByLabel('编码（4 位数字）').fill('0198');
    await page.getByLabel('大类名称').fill('市容环境');
    await page.getByLabel('小类名称').fill('测试堆物');
    await page.getByLabel('默认处置部门').selectOption(dept.id);
    await page.getByRole('button', { name: '添加时限' }).click();
    await page.getByLabel('第 1 行 时限（分钟）').fill('0');
    await page.getByLabel('第 1 行 计时方式').selectOption('natural');
    await page.getByRole('button', { name: '添加时限' }).click();
    await page.getByLabel('第 2 行 紧急程度').selectOption('urgent');
    await page.getByLabel('第 2 行 时限（分钟）').fill('120');
    await page.getByRole('button', { name: '保存' }).click();

    t.deepEqual(await fieldMessage(page, '第 1 行 时限（分钟）', 'limits.0.limitMinutes'), {
      text: 'expected more than 0 minutes',
      invalid: 'true',
      describedBy: true,
    });
    t.is(await page.getByLabel('第 2 行 时限（分钟）').getAttribute('aria-invalid'), 'false');
    t.is(await page.evaluate('document.activeElement?.getAttribute("name")'), 'limits.0.limitMinutes');
    t.deepEqual(await seriousViolations(page), []);

    await page.getByLabel('第 1 行 时限（分钟）').fill('240');
    await page.getByRole('button', { name: '保存' }).click();
    await page.getByRole('status').getByText('已保存：0198 测试堆物').waitFor();
    const row = page.locator('tr[data-category="event:0198"]');
    t.deepEqual((await row.locator('td, th').allInnerTexts()).slice(0, 3), [
      'event 0198',
      '市容环境 / 测试堆物',
      '处置 一般 240 min (自然时间) · 处置 紧急 120 min (工作时间) · 共 2 项时限',
    ]);

    const stored = (await get('/api/categories?kind=event')).body.items.find(
      (c: { code: string }) => c.code === '0198',
    );
    t.like(stored, {
      majorCode: '01',
      majorName: '市容环境',
      name: '测试堆物',
      defaultDepartmentId: dept.id,
    });
    t.deepEqual(stored.limits, [
      { urgency: 'normal', step: 'dispose', limitMinutes: 240, timeMode: 'natural', source: null },
      { urgency: 'urgent', step: 'dispose', limitMinutes: 120, timeMode: 'working', source: null },
    ]);

    // Editing: one row removed, the name changed; the hub gets the new table.
    await page.getByRole('button', { name: '编辑 0198 测试堆物' }).click();
    await page.getByRole('heading', { name: '编辑类别：0198 测试堆物' }).waitFor();
    await page.getByLabel('小类名称').fill('测试乱堆物料');
    await page.getByRole('button', { name: '删除 第 1 行' }).click();
    await page.getByRole('button', { name: '保存' }).click();
    await page.getByRole('status').getByText('已保存：0198 测试乱堆物料').waitFor();
    const changed = (await get(`/api/categories/${stored.id}`)).body;
    t.is(changed.name, '测试乱堆物料');
    t.deepEqual(changed.limits, [
      { urgency: 'urgent', step: 'dispose', limitMinutes: 120, timeMode: 'working', source: null },
    ]);
  },
);

test.serial('a user gets a second role; the list and the API show both', async (t) => {
  const page = admin;
  await page.getByRole('tab', { name: '用户' }).click();
  await page.getByRole('button', { name: '编辑 受理员' }).click();
  await page.getByRole('heading', { name: '编辑用户：受理员' }).waitFor();
  await page.getByRole('group', { name: '角色' }).getByLabel('派遣员').check();
  await page.getByRole('button', { name: '保存' }).click();
  await page.getByRole('status').getByText('已保存：受理员').waitFor();
  t.is(await page.locator('tr[data-user="acceptor"] td').nth(1).innerText(), '受理员、派遣员');
  const users = (await get('/api/users')).body.items as { username: string; roles: string[] }[];
  t.deepEqual(users.find((u) => u.username === 'acceptor')!.roles, ['acceptor', 'dispatcher']);

  // A new user's password that contains the user name: the hub's message at the password field, in the
  // administrator's words; nothing stored.
  await page.getByRole('button', { name: '新建用户' }).click();
  await page.getByLabel('用户名', { exact: true }).fill('new_dispatcher');
  await page.getByLabel('姓名', { exact: true }).fill('新派遣员');
  await page.getByLabel('密码（至少 10 位，不含用户名）').fill('new_dispatcher2026');
  await page.getByRole('button', { name: '保存' }).click();
  t.is(
    (await fieldMessage(page, '密码（至少 10 位，不含用户名）', 'password')).text,
    '密码不能是用户名，也不能包含用户名',
  );
  t.false(
    ((await get('/api/users')).body.items as { username: string }[]).some(
      (u) => u.username === 'new_dispatcher',
    ),
  );
  await page.getByRole('button', { name: '取消' }).click();
});

test.serial(
  'a calendar day: a period ending before it starts is refused at its field; then the day is set',
  async (t) => {
    const page = admin;
    await page.getByRole('tab', { name: '工作日历' }).click();
    await page.getByRole('button', { name: '设置日期' }).click();
    await page.getByRole('heading', { name: '设置日期', level: 2 }).waitFor();
    // Wednesday 6 March 2030: an ordinary working day, past the official data.
    await page.getByLabel('日期', { exact: true }).fill('2030-03-06');
    await page.getByLabel('类型', { exact: true }).selectOption('workday');
    await page.getByRole('button', { name: '添加时段' }).click();
    await page.getByLabel('时段 1 开始').fill('14:00');
    await page.getByLabel('时段 1 结束').fill('09:00');
    await page.getByLabel('备注').fill('防汛值守');
    await page.getByRole('button', { name: '保存' }).click();
    t.deepEqual(await fieldMessage(page, '时段 1 结束', 'shifts.0.end'), {
      text: 'must be after start',
      invalid: 'true',
      describedBy: true,
    });
    t.is((await get('/api/calendar/days')).body.items.length, 0);
    t.deepEqual(await seriousViolations(page), []);

    await page.getByLabel('时段 1 结束').fill('18:00');
    await page.getByRole('button', { name: '保存' }).click();
    await page.getByRole('status').getByText('已保存：2030-03-06').waitFor();
    const row = page.locator('tr[data-date="2030-03-06"]');
    t.deepEqual((await row.locator('td, th').allInnerTexts()).slice(0, 4), [
      '2030-03-06',
      '工作日',
      '14:00–18:00',
      '防汛值守',
    ]);
    // A day off instead: the override is replaced.
    await page.getByRole('button', { name: '编辑 2030-03-06' }).click();
    await page.getByLabel('类型', { exact: true }).selectOption('holiday');
    await page.getByRole('button', { name: '删除 时段 1' }).click();
    await page.getByRole('button', { name: '保存' }).click();
    await page.getByRole('status').getByText('已保存：2030-03-06').waitFor();
    await row.getByText('休息日').waitFor();

    await page.getByLabel('年份').fill('2030');
    await page.getByLabel('年份').press('Enter');
    const day = page.locator('[data-testid="calendar"] li[data-date="2030-03-06"]');
    await day.waitFor();
    t.is(await day.innerText(), '2030-03-06 · 休 防汛值守 (人工设置)');

    const year = (await get('/api/calendar/2030')).body.days.find(
      (d: { date: string }) => d.date === '2030-03-06',
    );
    t.like(year, { working: false, source: 'override', note: '防汛值守' });
    t.like((await get('/api/calendar/days')).body.items[0], {
      date: '2030-03-06',
      kind: 'holiday',
      updatedBy: 'administrator',
    });
  },
);

test.serial(
  'the State Council notice: a faulty one is refused at the text with its line, a good one is checked then applied',
  async (t) => {
    const page = admin;
    const text = readFileSync(new URL('./fixtures/holiday-notice-2027-example.txt', import.meta.url), 'utf8');
    await page.getByLabel('年份').fill('2027');
    await page.getByLabel('年份').press('Enter');
    await page.getByTestId('beyond-official').waitFor();
    t.regex(await page.getByTestId('beyond-official').innerText(), /^2027年的国务院放假安排尚未收录/);
    t.is(
      await page.locator('[data-testid="calendar"] li[data-date="2027-02-08"]').innerText(),
      '2027-02-08 · 休 春节 (法定节假日（调休未公布）)',
    );

    await page.getByLabel('通知全文').fill(text.replace('共9天', '共8天'));
    await page.getByRole('button', { name: '读取通知' }).click();
    t.deepEqual(await fieldMessage(page, '通知全文', 'text'), {
      text:
        '第4行（二、春节：2月5日（农历除夕、周五）至13日（农历正月初八、周六）放假调休，共8天。2月14日（周日）上班。）：' +
        '写明共8天，日期却是9天（2027-02-05 至 2027-02-13）',
      invalid: 'true',
      describedBy: true,
    });
    t.is(await page.getByTestId('notice-preview').count(), 0);

    await page.getByLabel('通知全文').fill(text);
    await page.getByRole('button', { name: '读取通知' }).click();
    const preview = page.getByTestId('notice-preview');
    await preview.waitFor();
    t.deepEqual(await preview.locator('tbody tr').allInnerTexts(), [
      '元旦\t01-01 至 01-03（共3天）\t—',
      '春节\t02-05 至 02-13（共9天）\t02-14',
    ]);
    t.is(await preview.locator('.warning').count(), 5); // the three-line example names two festivals of seven
    t.is(
      (await get('/api/calendar/days')).body.items.filter((d: { date: string }) => d.date.startsWith('2027'))
        .length,
      0,
    );
    t.deepEqual(await seriousViolations(page), []);

    await page.getByRole('button', { name: '确认应用（13天）' }).click();
    await page.getByRole('status').getByText('已应用2027年节假日安排：13天').waitFor();
    const sunday = page.locator('[data-testid="calendar"] li[data-date="2027-02-14"]');
    await sunday.waitFor();
    t.is(await sunday.innerText(), '2027-02-14 · 班 2027年节假日安排（国务院通知）：春节 (人工设置)');
    t.is(await page.getByTestId('beyond-official').count(), 0);
    t.like(
      (await get('/api/calendar/2027')).body.days.find((d: { date: string }) => d.date === '2027-02-12'),
      { working: false, source: 'override' },
    );
    // The later tests count the overrides this one made: take the 2027 ones back.
    const token = await ui.hub.token('administrator');
    for (const d of (await get('/api/calendar/days')).body.items as { date: string }[]) {
      if (d.date.startsWith('2027-'))
        await call(ui.hub.url, 'DELETE', `/api/calendar/days/${d.date}`, { token });
    }
  },
);

test.serial(
  'the standard shifts and the yellow share: a share above 1 is refused at its field, then both change',
  async (t) => {
    const page = admin;
    const before = (await get('/api/calendar/settings')).body;
    const summary = page.getByTestId('calendar-settings');
    const years = `${before.officialYears.first}–${before.officialYears.last} 年`;
    t.is(
      await summary.innerText(),
      `标准上班时段：08:30–12:00、13:30–17:30（每个工作日 450 分钟）· 时限用去 80% 起显示黄色 · 时区 Asia/Shanghai · 官方节假日数据 ${years}`,
    );
    await page.getByRole('button', { name: '修改标准作息' }).click();
    await page.getByRole('heading', { name: '修改标准作息', level: 3 }).waitFor();
    const settings = page.locator('form:has(#cal-settings-yellowFraction)');
    await page.getByLabel('黄色预警：时限用去的比例（0–1）').fill('1.5');
    await settings.getByRole('button', { name: '保存' }).click();
    t.deepEqual(await fieldMessage(page, '黄色预警：时限用去的比例（0–1）', 'yellowFraction'), {
      text: 'expected a number greater than 0 and at most 1',
      invalid: 'true',
      describedBy: true,
    });
    t.is((await get('/api/calendar/settings')).body.yellowFraction, 0.8);

    await page.getByLabel('黄色预警：时限用去的比例（0–1）').fill('0.75');
    await settings.getByLabel('时段 1 结束').fill('11:30');
    await settings.getByRole('button', { name: '保存' }).click();
    await page.getByRole('status').getByText('标准作息已保存').waitFor();
    t.is(
      await summary.innerText(),
      `标准上班时段：08:30–11:30、13:30–17:30（每个工作日 420 分钟）· 时限用去 75% 起显示黄色 · 时区 Asia/Shanghai · 官方节假日数据 ${years}`,
    );
    t.like((await get('/api/calendar/settings')).body, {
      shifts: [
        { start: '08:30', end: '11:30' },
        { start: '13:30', end: '17:30' },
      ],
      standardDayMinutes: 420,
      yellowFraction: 0.75,
    });
  },
);

test.serial('English: the forms speak English after the switch', async (t) => {
  const page = await ui.browser.newPage();
  t.teardown(() => page.close());
  await loginThroughForm(page, ui.hub.url, 'administrator');
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('link', { name: 'Operations' }).click();
  await page.getByRole('tab', { name: 'Departments' }).click();
  await page.getByRole('button', { name: 'New department' }).click();
  await page.getByRole('heading', { name: 'New department', level: 2 }).waitFor();
  t.true(await page.getByLabel('Parent sub-centre').isVisible());
  await page.getByRole('button', { name: '中文' }).click();
});

test.serial(
  'a non-administrator: no operations page, no edit controls; the API refuses changes',
  async (t) => {
    const page = await ui.browser.newPage();
    t.teardown(() => page.close());
    await loginThroughForm(page, ui.hub.url, 'leader');
    await page.goto(`${ui.hub.url}/#/operations`);
    await page.getByRole('alert').waitFor();
    t.is(await page.getByRole('alert').innerText(), '您的角色无权访问此页面。');
    t.is(await page.getByRole('button', { name: /新建|编辑|保存/ }).count(), 0);

    const token = await ui.hub.token('leader');
    const dept = (await get('/api/departments')).body.items.find(
      (d: { code: string }) => d.code === 'D-TEST',
    );
    const cat = (await get('/api/categories?kind=event')).body.items.find(
      (c: { code: string }) => c.code === '0198',
    );
    const users = (await get('/api/users')).body.items as { id: string; username: string }[];
    const refused = await Promise.all([
      call(ui.hub.url, 'POST', '/api/departments', {
        token,
        body: { code: 'D-X', name: 'x', kind: 'department' },
      }),
      call(ui.hub.url, 'PATCH', `/api/departments/${dept.id}`, { token, body: { name: 'x' } }),
      call(ui.hub.url, 'PUT', `/api/categories/${cat.id}/limits`, { token, body: { limits: [] } }),
      call(ui.hub.url, 'PATCH', `/api/users/${users.find((u) => u.username === 'leader')!.id}`, {
        token,
        body: { roles: ['administrator'] },
      }),
      call(ui.hub.url, 'PUT', '/api/calendar/days/2030-03-07', { token, body: { kind: 'holiday' } }),
    ]);
    t.deepEqual(
      refused.map((r) => r.status),
      [403, 403, 403, 403, 403],
    );
    t.is((await get('/api/departments/' + dept.id)).body.name, '测试养护所');
    t.is((await get('/api/calendar/days')).body.items.length, 1);
  },
);
