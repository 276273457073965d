// The installable app (智信平台, /app/, issue 16) in Chromium at 390×844 with geolocation: the service
// worker (the app opens with the network off; manifest and icons: ui-app-install), 城管通 — on duty, walking (positions change),
// reporting with a photo online and offline (both cases exist exactly once after a reload and the network's
// return), 自处理, 核实 and 核查 from 我的任务 — and a refused report shown with the hub's reason.
import test from 'ava';
import type { BrowserContext, Page } from 'playwright-core';
import { startUiHub, useBrowserHub, serviceWorkerInControl, UI_PASSWORD } from './helpers/browser.ts';

const fx = useBrowserHub(test, () => startUiHub({ PATROL_POSITION_SECONDS: '1' }));

/** Inside the demo's 城北街道 cells. */
const START = { longitude: 120.5475, latitude: 32.3855, accuracy: 6 };
// A 1×1 PNG: the app decodes and re-encodes it as JPEG before queueing.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

async function api(user: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${fx.hub.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await fx.hub.token(user)}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

async function phone(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await fx.browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    permissions: ['geolocation'],
    geolocation: START,
  });
  const page = await context.newPage();
  await page.goto(`${fx.hub.url}/app/`);
  await page.getByLabel('用户名').fill('field_supervisor');
  await page.getByLabel('密码').fill(UI_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page
    .getByTestId('duty')
    .waitFor()
    .catch(async (err) => {
      await page.screenshot({ path: '/tmp/ui-app-login.png' });
      throw err;
    });
  // The service worker controls the page once installed (precache done).
  await page.waitForFunction(serviceWorkerInControl, null, { timeout: 30_000 });
  return { context, page };
}

async function report(page: Page, description: string, category = '暴露垃圾') {
  await page.goto(`${fx.hub.url}/app/#/supervisor/report`);
  await page.getByRole('button', { name: category, exact: true }).first().click();
  await page
    .locator('input[name=photos]')
    .setInputFiles({ name: 'p.png', mimeType: 'image/png', buffer: PNG });
  await page.getByRole('button', { name: '删除照片 1' }).waitFor();
  await page.getByTestId('position').filter({ hasText: '120.5' }).waitFor();
  await page.getByLabel(/问题描述/).fill(description);
  await page.getByRole('button', { name: '提交上报' }).click();
  await page.getByTestId('duty').waitFor();
}

const casesWith = async (description: string) =>
  (await api('shift_leader', 'GET', `/api/cases?limit=200`)).body.items.filter(
    (c: { description: string }) => c.description === description,
  );

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  let v = await read();
  while (!ok(v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 250));
    v = await read();
  }
  return v;
}

test.serial(
  '城管通: on duty, walking, a report online and one offline across a reload — each case once; the track counts',
  async (t) => {
    const { context, page } = await phone();
    await page.getByRole('button', { name: '上班' }).click();
    await page.getByTestId('duty-state').filter({ hasText: '巡查中' }).waitFor();
    // The walk starts once the app has recorded where the shift starts: under load the watch's first fix
    // could otherwise come after the first step, and the track would begin 25 m along.
    await page.getByTestId('fix').filter({ hasText: '已记录 1 个位置' }).waitFor();
    // Walk north 25 m a step (about 23 m/s: slower than the 30 m/s the hub takes for a GPS jump).
    for (let i = 1; i <= 8; i++) {
      await context.setGeolocation({ ...START, latitude: +(START.latitude + 0.000225 * i).toFixed(6) });
      await page.waitForTimeout(1100);
    }
    const online = `在线上报 ${Date.now()}`;
    await report(page, online);
    t.is(
      (
        await until(
          () => casesWith(online),
          (c) => c.length === 1,
        )
      ).length,
      1,
    );

    await context.setOffline(true);
    const offline = `离线上报 ${Date.now()}`;
    await report(page, offline);
    await page.goto(`${fx.hub.url}/app/#/queue`);
    const waiting = page.locator('[data-testid=queue-list] li', { hasText: offline });
    t.is(await waiting.getAttribute('data-state'), 'pending');
    t.regex((await page.locator('.offline').textContent()) ?? '', /离线/);
    // A reload without network: the shell comes from the service worker, the item from IndexedDB.
    await page.reload();
    await page.locator('[data-testid=queue-list] li', { hasText: offline }).waitFor();
    t.deepEqual(await casesWith(offline), []);
    await context.setOffline(false);
    await page
      .locator('[data-testid=queue-list] li[data-state=sent]', { hasText: offline })
      .waitFor({ timeout: 30_000 });
    const found = await until(
      () => casesWith(offline),
      (c) => c.length === 1,
    );
    t.is(found.length, 1);
    t.is((await casesWith(online)).length, 1);
    t.is(found[0].source, 'supervisor');

    // 下班 sends the rest of the track first: 8 steps of 25 m on the hub, the shift closed.
    await page.goto(`${fx.hub.url}/app/#/supervisor`);
    await page.getByRole('button', { name: '下班' }).click();
    await page.getByTestId('duty-state').filter({ hasText: '未上班' }).waitFor();
    const shifts = await until(
      () => api('shift_leader', 'GET', '/api/field/shifts?onDuty=false'),
      (r) => r.body.items.length === 1,
    );
    // One fix a second is sampled from the walk (a step between two samples is skipped); on a straight
    // line the length is the whole walk, ending where the last step did.
    const shift = shifts.body.items[0];
    t.true(shift.pointCount >= 5 && shift.pointCount <= 9, `${shift.pointCount} points`);
    t.is(Math.round(shift.distanceM), 200);
    t.is(shift.last.lat, +(START.latitude + 0.000225 * 8).toFixed(6));
    t.deepEqual((await api('shift_leader', 'GET', '/api/field/supervisors/latest')).body.items, []);
    await page.screenshot({ path: '/tmp/ui-app-queue.png' });
    await context.close();
  },
);

test.serial('自处理: before and after photos, the case closes as self-handled', async (t) => {
  const { context, page } = await phone();
  await page.goto(`${fx.hub.url}/app/#/supervisor/self`);
  await page.getByRole('button', { name: '暴露垃圾', exact: true }).first().click();
  await page
    .locator('input[name=photos]')
    .setInputFiles({ name: 'a.png', mimeType: 'image/png', buffer: PNG });
  await page
    .locator('input[name=afterPhotos]')
    .setInputFiles({ name: 'b.png', mimeType: 'image/png', buffer: PNG });
  await page.getByTestId('position').filter({ hasText: '120.5' }).waitFor();
  const text = `自处理 ${Date.now()}`;
  await page.getByLabel(/问题描述/).fill(text);
  await page.getByLabel('处理情况').fill('已清理干净');
  await page.getByRole('button', { name: '提交自处理' }).click();
  await page.getByTestId('duty').waitFor();
  const [c] = await until(
    () => casesWith(text),
    (l) => l[0]?.status === 'closed',
  );
  t.is(c.status, 'closed');
  const detail = await api('shift_leader', 'GET', `/api/cases/${c.id}`);
  t.deepEqual(
    detail.body.attachments.map((a: { kind: string; contentType: string }) => [a.kind, a.contentType]),
    [
      ['report', 'image/jpeg'],
      ['disposal', 'image/jpeg'],
    ],
  );
  t.true(
    detail.body.timeline.some(
      (e: { type: string; note: string }) => e.type === 'self_handled' && e.note === '已清理干净',
    ),
  );
  await context.close();
});

test.serial(
  '上报: a position that comes late still reaches the open form, the wait said in words',
  async (t) => {
    const { context, page } = await phone();
    // No position to be had as the form opens (Chromium's emulated "position unavailable") …
    await context.setGeolocation(null);
    await page.goto(`${fx.hub.url}/app/#/supervisor/report`);
    await page.getByTestId('position-state').filter({ hasText: '暂时无法定位，正在继续尝试' }).waitFor();
    t.is((await page.getByTestId('position').textContent())?.trim(), '—');
    // … then the phone finds itself: the form takes the fix without a tap on 重新定位, and the note goes.
    await context.setGeolocation(START);
    await page.getByTestId('position').filter({ hasText: '120.5' }).waitFor();
    t.regex((await page.getByTestId('position').textContent()) ?? '', /当前位置精度约 6 米/);
    t.is(await page.getByTestId('position-state').count(), 0);
    await context.close();
  },
);

test.serial(
  '我的任务: a 核实 arrives while open, is done with a photo; then the 核查 of the same case',
  async (t) => {
    const { context, page } = await phone();
    await page.goto(`${fx.hub.url}/app/#/supervisor/tasks`);
    const text = `热线反映垃圾 ${Date.now()}`;
    const made = await api('acceptor', 'POST', '/api/cases', {
      source: 'hotline',
      categoryCode: '0104',
      description: text,
      lng: START.longitude,
      lat: START.latitude + 0.001,
    });
    t.is(made.status, 201);
    const row = page.locator('[data-testid=tasks] li', { hasText: made.body.caseNo });
    await row.waitFor({ timeout: 90_000 });
    t.regex((await row.textContent()) ?? '', /核实/);
    await row.getByRole('link').click();
    await page.getByTestId('task-form').waitFor();
    await page.getByText('属实', { exact: true }).click();
    await page
      .locator('input[name=photos]')
      .setInputFiles({ name: 'v.png', mimeType: 'image/png', buffer: PNG });
    await page.getByRole('button', { name: '删除照片 1' }).waitFor();
    await page.getByRole('button', { name: '提交', exact: true }).click();
    await page.locator('h2', { hasText: '我的任务' }).waitFor();
    const verified = await until(
      () => api('shift_leader', 'GET', `/api/cases/${made.body.id}`),
      (r) => r.body.status === 'accepted',
    );
    t.is(verified.body.status, 'accepted');

    // The command centre and the department take it to 核查.
    t.is((await api('acceptor', 'POST', `/api/cases/${made.body.id}/actions/register`, {})).status, 200);
    const dept = (await api('department_handler', 'GET', '/api/auth/me')).body.departmentId;
    t.is(
      (
        await api('dispatcher', 'POST', `/api/cases/${made.body.id}/actions/dispatch`, {
          assigneeType: 'department',
          assigneeId: dept,
        })
      ).status,
      200,
    );
    await until(
      () => api('department_handler', 'POST', `/api/cases/${made.body.id}/actions/sign`, {}),
      (r) => r.status === 200,
    );
    t.is(
      (
        await api('department_handler', 'POST', `/api/cases/${made.body.id}/actions/dispose`, {
          note: '已清运',
        })
      ).status,
      200,
    );
    const check = page.locator('[data-testid=tasks] li', { hasText: made.body.caseNo });
    await check.filter({ hasText: '核查' }).waitFor({ timeout: 90_000 });
    await check.getByRole('link').click();
    await page.getByTestId('task-form').waitFor();
    await page.getByText('已处理好', { exact: true }).click();
    await page
      .locator('input[name=photos]')
      .setInputFiles({ name: 'c.png', mimeType: 'image/png', buffer: PNG });
    await page.getByRole('button', { name: '删除照片 1' }).waitFor();
    await page.getByRole('button', { name: '提交', exact: true }).click();
    const closed = await until(
      () => api('shift_leader', 'GET', `/api/cases/${made.body.id}`),
      (r) => r.body.status === 'closed',
    );
    t.is(closed.body.status, 'closed');
    // The 核实's photo is evidence, the 核查's a check photo: both on the case, in the order taken.
    t.deepEqual(
      closed.body.attachments.map((a: { kind: string }) => a.kind),
      ['evidence', 'check'],
    );
    t.true(closed.body.attachments.some((a: { kind: string }) => a.kind === 'check'));
    await context.close();
  },
);

test.serial('a refused report is 失败 with the hub’s reason and can be edited and re-sent', async (t) => {
  const { context, page } = await phone();
  // A point outside every grid cell: the hub refuses it (400 body.lng) and stores nothing.
  await context.setGeolocation({ longitude: 121.2, latitude: 31.9, accuracy: 5 });
  const text = `城外上报 ${Date.now()}`;
  await page.goto(`${fx.hub.url}/app/#/supervisor/report`);
  await page.getByRole('button', { name: '暴露垃圾', exact: true }).first().click();
  await page
    .locator('input[name=photos]')
    .setInputFiles({ name: 'p.png', mimeType: 'image/png', buffer: PNG });
  await page.getByTestId('position').filter({ hasText: '121.2' }).waitFor();
  await page.getByLabel(/问题描述/).fill(text);
  await page.getByRole('button', { name: '提交上报' }).click();
  const error = page.getByTestId('form-error');
  await error.waitFor();
  t.regex((await error.textContent()) ?? '', /lies in no grid cell of the city/);
  t.deepEqual(await casesWith(text), []);
  await page.goto(`${fx.hub.url}/app/#/queue`);
  const failed = page.locator('[data-testid=queue-list] li[data-state=failed]', { hasText: text });
  t.regex(
    (await failed.getByTestId('queue-reason').textContent()) ?? '',
    /原因：the position is outside the city/,
  );
  // Edit: back in the city, re-send.
  await context.setGeolocation(START);
  await failed.getByRole('link', { name: '修改后重发' }).click();
  await page.getByText('修改被退回的上报后重新发送').waitFor();
  // A fix up to 10 s old is reused (maximumAge): wait for the one out of the city to age.
  await page.waitForTimeout(10_500);
  await page.getByRole('button', { name: '重新定位' }).click();
  await page.getByTestId('position').filter({ hasText: '120.5' }).waitFor();
  await page.getByRole('button', { name: '提交上报' }).click();
  await page.getByTestId('duty').waitFor();
  t.is(
    (
      await until(
        () => casesWith(text),
        (c) => c.length === 1,
      )
    ).length,
    1,
  );
  // A photo that is not an image is refused in the form, before anything is queued.
  await page.goto(`${fx.hub.url}/app/#/supervisor/report`);
  await page
    .locator('input[name=photos]')
    .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  t.is(await page.getByRole('alert').filter({ hasText: '“notes.txt”不是图片' }).count(), 1);
  await context.close();
});
