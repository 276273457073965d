// The admin UI's shell in Debian's Chromium against a real hub: each demo role logs in through the form
// and sees exactly the pages it may open; the language switch; a page outside the role says so; axe finds
// no serious violation on the login page and the shell; the navigation is reachable by keyboard.
import test from 'ava';
import { loginThroughForm, seriousViolations, useUiHub } from './helpers/browser.ts';

const ui = useUiHub(test);

const EXPECTED_NAV: Record<string, string[]> = {
  administrator: [
    '案卷',
    '督办箱',
    '部件管理',
    '广告店招',
    '流程设计',
    '指挥大屏',
    '考核评价',
    '统计分析',
    '停车诱导',
    '运维管理',
  ],
  acceptor: ['案卷', '受理派遣台', '部件管理', '广告店招'],
  dispatcher: ['案卷', '受理派遣台', '部件管理', '广告店招', '统计分析', '停车诱导'],
  department_handler: ['处置通', '广告店招', '考核评价'],
  field_supervisor: ['案卷', '部件管理', '广告店招'],
  shift_leader: ['案卷', '受理派遣台', '督办箱', '部件管理', '广告店招', '考核评价', '统计分析', '停车诱导'],
  leader: ['案卷', '督办箱', '部件管理', '广告店招', '指挥大屏', '考核评价', '统计分析', '停车诱导'],
};

for (const [role, nav] of Object.entries(EXPECTED_NAV)) {
  test.serial(`${role} logs in and the navigation shows only its pages`, async (t) => {
    const page = await ui.browser.newPage();
    t.teardown(() => page.close());
    await loginThroughForm(page, ui.hub.url, role);
    const links = await page.getByRole('navigation', { name: '主导航' }).getByRole('link').allInnerTexts();
    t.deepEqual(links, nav);
    // Landed on the first page of the list, marked as current.
    const current = page.locator('nav a[aria-current="page"]');
    t.is(await current.innerText(), nav[0]!);
  });
}

test.serial('a page outside the role: the shell says the role may not open it', async (t) => {
  const page = await ui.browser.newPage();
  t.teardown(() => page.close());
  await loginThroughForm(page, ui.hub.url, 'field_supervisor');
  await page.goto(`${ui.hub.url}/#/designer`);
  await page.getByRole('alert').waitFor();
  t.is(await page.getByRole('alert').innerText(), '您的角色无权访问此页面。');
  t.is(await page.locator('.djs-container').count(), 0);
});

test.serial('wrong password: the login form shows the refusal and stays', async (t) => {
  const page = await ui.browser.newPage();
  t.teardown(() => page.close());
  await page.goto(`${ui.hub.url}/#/login`);
  await page.getByLabel('用户名').fill('dispatcher');
  await page.getByLabel('密码').fill('not the password');
  await page.getByRole('button', { name: '登录' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  t.regex(await alert.innerText(), /^登录失败：/);
  t.is(await page.getByTestId('user').count(), 0);
});

test.serial(
  'English switch: the navigation and headings change language, and it is remembered',
  async (t) => {
    const page = await ui.browser.newPage();
    t.teardown(() => page.close());
    await loginThroughForm(page, ui.hub.url, 'leader');
    t.is(await page.locator('html').getAttribute('lang'), 'zh-CN');
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('link', { name: 'Cases' }).waitFor();
    t.deepEqual(await page.getByRole('navigation').getByRole('link').allInnerTexts(), [
      'Cases',
      'Escalation inbox',
      'Components',
      'Signs and ads',
      'Command wall',
      'Assessment',
      'Statistics',
      'Parking guidance',
    ]);
    t.is(await page.locator('html').getAttribute('lang'), 'en');
    await page.reload();
    await page.getByRole('heading', { name: 'Cases', level: 1 }).waitFor();
    t.pass();
  },
);

test.serial('logout ends the session: back to the login form, the old token is refused', async (t) => {
  const page = await ui.browser.newPage();
  t.teardown(() => page.close());
  await loginThroughForm(page, ui.hub.url, 'dispatcher');
  const token = (await page.evaluate(
    "JSON.parse(sessionStorage.getItem('hub.session') ?? '{}').token",
  )) as string;
  await page.getByRole('button', { name: '退出登录' }).click();
  await page.getByRole('heading', { name: '登录' }).waitFor();
  const res = await fetch(`${ui.hub.url}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } });
  t.is(res.status, 401);
});

test.serial(
  'accessibility: login page and shell have no serious axe violations; keyboard reaches the navigation',
  async (t) => {
    const page = await ui.browser.newPage();
    t.teardown(() => page.close());
    await page.goto(`${ui.hub.url}/#/login`);
    await page.getByRole('button', { name: '登录' }).waitFor();
    t.deepEqual(await seriousViolations(page), []);
    await loginThroughForm(page, ui.hub.url, 'administrator');
    t.deepEqual(await seriousViolations(page), []);
    // Tab from the top: the skip link first, then the navigation links in order.
    await page.locator('body').focus();
    await page.keyboard.press('Tab');
    t.is(await page.evaluate('document.activeElement?.textContent?.trim()'), '跳到主要内容');
    await page.keyboard.press('Tab');
    t.is(await page.evaluate('document.activeElement?.textContent?.trim()'), '案卷');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/inbox$/);
    t.pass();
  },
);

test.serial('the hub serves the app for page paths but never for API paths', async (t) => {
  const index = await fetch(`${ui.hub.url}/some/page`);
  t.is(index.status, 200);
  t.regex(index.headers.get('content-type') ?? '', /text\/html/);
  const api = await fetch(`${ui.hub.url}/api/no-such-route`);
  t.is(api.status, 404);
  t.regex(api.headers.get('content-type') ?? '', /problem\+json/);
  const missing = await fetch(`${ui.hub.url}/assets/missing.js`);
  t.is(missing.status, 404);
});

test.serial(
  'operations: the administrator reads users, departments, categories with limits; no serious axe violation',
  async (t) => {
    const page = await ui.browser.newPage();
    t.teardown(() => page.close());
    await loginThroughForm(page, ui.hub.url, 'administrator');
    await page.getByRole('link', { name: '运维管理' }).click();
    await page.getByRole('heading', { name: '运维管理' }).waitFor();
    await page.getByRole('tab', { name: '用户' }).click();
    const admin = page.getByRole('row', { name: /^系统管理员 administrator/ });
    await admin.waitFor();
    t.regex(await admin.innerText(), /系统管理员\tadministrator\t系统管理员/);
    await page.getByRole('tab', { name: '部门' }).click();
    await page.getByRole('rowheader', { name: '环境卫生管理处' }).waitFor();
    await page.getByRole('tab', { name: '类别与时限' }).click();
    const garbage = page.getByRole('row', { name: /暴露垃圾/ });
    await garbage.waitFor();
    t.regex(await garbage.innerText(), /^event 0102\t市容环境 \/ 暴露垃圾\t/);
    t.deepEqual(await seriousViolations(page), []);
  },
);
