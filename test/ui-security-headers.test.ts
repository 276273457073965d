// Security headers on every answer of the hub (admin UI, app, API, errors), and the pages working under
// the Content-Security-Policy in Debian's Chromium: the case detail's MapLibre map (blob: workers,
// data: images), the bpmn-js designer, and the app's login and first screen — with not one
// "Content Security Policy" message on the console, while an injected inline script is refused.
import test from 'ava';
import type { ConsoleMessage, Page } from 'playwright-core';
import { call } from './helpers/api.ts';
import { serviceWorkerInControl, loginThroughForm, UI_PASSWORD, useUiHub } from './helpers/browser.ts';

let caseId = '';
const ui = useUiHub(test, async ({ hub }) => {
  const cell = await hub.hub.db.prisma.gridCell.findFirstOrThrow({ where: { active: true } });
  const row = await hub.hub.db.prisma.case.create({
    data: {
      caseNo: 'RG-2026-900001',
      source: 'supervisor',
      categoryCode: '0102',
      description: '安全头测试案件',
      status: 'signed',
      lng: (cell.minLng + cell.maxLng) / 2,
      lat: (cell.minLat + cell.maxLat) / 2,
      gridCode: cell.code,
    },
  });
  caseId = row.id;
});

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; manifest-src 'self'; " +
  "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

test('the UI, the app, the API and its errors carry the security headers', async (t) => {
  for (const path of ['/', '/app/', '/healthz', '/api/cases', '/api/no-such-route', '/openapi.json']) {
    const res = await call(ui.hub.url, 'GET', path);
    t.is(res.headers.get('content-security-policy'), CSP, path);
    t.is(res.headers.get('x-frame-options'), 'DENY', path);
    t.is(res.headers.get('referrer-policy'), 'strict-origin-when-cross-origin', path);
    t.is(res.headers.get('x-content-type-options'), 'nosniff', path);
  }
  // No inline script in the pages the policy guards.
  for (const path of ['/', '/app/']) {
    const html = await (await fetch(`${ui.hub.url}${path}`)).text();
    t.notRegex(html, /<script(?![^>]*\bsrc=)[^>]*>/, path);
  }
});

/** A page recording every console message about the Content-Security-Policy, and uncaught errors. */
async function watchedPage(viewport = { width: 1280, height: 900 }) {
  const page = await ui.browser.newPage({ viewport });
  const violations: string[] = [];
  const errors: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  return { page, violations, errors };
}

/** Injects an inline script: the policy must refuse it, and say so on the console. */
async function inlineScriptRefused(page: Page) {
  const reported = page.waitForEvent('console', {
    predicate: (m) => /Content Security Policy/i.test(m.text()),
    timeout: 10_000,
  });
  // As text: the test's TypeScript has no DOM types.
  await page.evaluate(
    "document.head.append(Object.assign(document.createElement('script'), { textContent: 'window.__inlineRan = true' }))",
  );
  await reported;
  return (await page.evaluate('window.__inlineRan === true')) === false;
}

test('the case map and the procedure designer work under the policy, with no violation', async (t) => {
  const { page, violations, errors } = await watchedPage();
  t.teardown(() => page.close());
  await loginThroughForm(page, ui.hub.url, 'administrator');
  await page.goto(`${ui.hub.url}/#/cases/${caseId}`);
  await page.locator('#case-map[data-rendered]').waitFor({ timeout: 30_000 });
  t.true(await page.locator('#case-map canvas').isVisible());

  await page.getByRole('link', { name: '流程设计' }).click();
  await page.locator('select#procedure').selectOption('assessment');
  await page.locator('[data-element-id="t_compute"]').first().waitFor();
  await page.locator('#properties').waitFor();
  t.deepEqual(violations, []);
  t.deepEqual(errors, []);
  t.true(await inlineScriptRefused(page), 'an inline script is refused and reported');
});

test('the app logs in and shows its first screen under the policy, with no violation', async (t) => {
  const { page, violations, errors } = await watchedPage({ width: 390, height: 844 });
  t.teardown(() => page.close());
  await page.goto(`${ui.hub.url}/app/`);
  await page.getByLabel('用户名').fill('field_supervisor');
  await page.getByLabel('密码').fill(UI_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByTestId('duty').waitFor();
  await page.waitForFunction(serviceWorkerInControl, null, { timeout: 30_000 });
  t.deepEqual(violations, []);
  t.deepEqual(errors, []);
  t.true(await inlineScriptRefused(page), 'an inline script is refused and reported');
});
