/**
 * Browser tests: a real hub (embedded engine, demo data, the built admin UI at /) and Debian's Chromium
 * driven by playwright-core. `npx playwright install` cannot download browsers here; .ci/run installs
 * Debian's chromium and the UI build runs before the tests (npm test's pretest; startUiHub runs it too).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { TestFn } from 'ava';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import type { Hub } from '../../src/hub.ts';
import { browserSlot } from './browser-slots.ts';
import { startDemoHub } from './demo-hub.ts';
import { TEST_DEMO_PASSWORD } from './seeded-db.ts';

export const UI_PASSWORD = TEST_DEMO_PASSWORD;
export const CHROMIUM = '/usr/bin/chromium';

const root = new URL('../../', import.meta.url).pathname;

export interface UiHub {
  hub: Hub;
  url: string;
  /** A session token for a demo user (user name = role name). */
  token(username: string): Promise<string>;
  close(): Promise<void>;
}

/** Builds the admin UI and the app if a source changed since the last build. */
export function ensureUiBuild(): void {
  execFileSync(process.execPath, [join(root, 'scripts/ensure-ui-build.mjs')], { stdio: 'inherit' });
}

/** Builds the UI if stale, then starts a hub over the test file's own database with the demo data. */
export async function startUiHub(env: Record<string, string> = {}): Promise<UiHub> {
  ensureUiBuild();
  const demo = await startDemoHub(UI_PASSWORD, { ADMIN_UI: 'true', ...env });
  return { hub: demo.hub, url: demo.url, token: demo.login, close: demo.close };
}

/**
 * Debian's Chromium, headless, with the flags this machine's closed network needs; a fresh profile. Waits
 * for a browser slot first (browser-slots.ts).
 */
export async function launchChromium(): Promise<Browser> {
  await browserSlot();
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A page.waitForFunction predicate: the service worker has installed (precache done) and controls the page.
 * Predicates are functions, never strings: Playwright evals a string again on every poll, which the hub's
 * Content-Security-Policy refuses (no 'unsafe-eval'), while a function is compiled once through the DevTools
 * protocol, which the policy does not govern. Self-contained, since only its source reaches the page.
 */
export const serviceWorkerInControl = (): boolean =>
  (globalThis as unknown as { navigator: { serviceWorker: { controller: unknown } } }).navigator.serviceWorker
    .controller !== null;

/** A browser test file's hub and the Chromium it drives, there from the file's first test on. */
export interface BrowserFixture<H> {
  readonly hub: H;
  readonly browser: Browser;
}

/**
 * Registers the file's hooks: `start` the hub and launch Chromium before the first test, then the file's
 * own `ready` set-up (a logged-in page; in this hook because ava runs a file's before hooks concurrently),
 * and close both after the last test (also when a test or the start failed).
 */
export function useBrowserHub<H extends { close(): Promise<void> }>(
  test: TestFn,
  start: () => Promise<H>,
  ready?: (fixture: BrowserFixture<H>) => Promise<void>,
): BrowserFixture<H> {
  let hub: H | undefined;
  let browser: Browser | undefined;
  test.before(async () => {
    // The hub starts once the file may drive a browser, not to idle while it waits for one.
    await browserSlot();
    // Side by side: Chromium starts while the hub does (each takes seconds). Both are awaited, so when one
    // fails the after hook still closes the other.
    const [started, launched] = await Promise.allSettled([start(), launchChromium()]);
    if (started.status === 'fulfilled') hub = started.value;
    if (launched.status === 'fulfilled') browser = launched.value;
    if (started.status === 'rejected') throw started.reason;
    if (launched.status === 'rejected') throw launched.reason;
    await ready?.(fixture);
  });
  test.after.always(async () => {
    await browser?.close();
    await hub?.close();
  });
  // Read in tests and `ready`, which run after the start; read earlier, say so instead of undefined.
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined)
      throw new Error(`the ${what} starts in test.before: use it inside a test or hook`);
    return value;
  };
  const fixture: BrowserFixture<H> = {
    get hub() {
      return started(hub, 'hub');
    },
    get browser() {
      return started(browser, 'browser');
    },
  };
  return fixture;
}

/** useBrowserHub with startUiHub: a hub over the file's own database with the demo data and the UI. */
export const useUiHub = (
  test: TestFn,
  ready?: (fixture: BrowserFixture<UiHub>) => Promise<void>,
): BrowserFixture<UiHub> => useBrowserHub(test, () => startUiHub(), ready);

/** Logs in through the login form and waits for the shell. */
export async function loginThroughForm(
  page: Page,
  url: string,
  username: string,
  password = UI_PASSWORD,
): Promise<void> {
  await page.goto(`${url}/#/login`);
  await page.getByLabel(/用户名|User name/).fill(username);
  await page.getByLabel(/密码|Password/).fill(password);
  await page.getByRole('button', { name: /^(登录|Log in)$/ }).click();
  await page.getByTestId('user').waitFor();
}

/**
 * The words of the elements `scope` holds under `selector` whose text breaks over two lines or more (its
 * line boxes at more than one height), e.g. a code or a status chip in a narrow column of a list.
 */
export const brokenOverLines = (scope: Locator, selector: string): Promise<string[]> =>
  scope.locator(selector).evaluateAll((els) =>
    els
      .filter((e) => {
        const text = e.ownerDocument.createRange();
        text.selectNodeContents(e);
        return new Set([...text.getClientRects()].map((r) => Math.round(r.top))).size > 1;
      })
      .map((e) => e.textContent?.trim() ?? ''),
  );

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core on the page as it is now: the serious and critical violations (WCAG 2.x A/AA rules). */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated, not added as an inline <script>: the pages' Content-Security-Policy refuses inline scripts.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as { axe: { run(o: unknown): Promise<{ violations: AxeViolation[] }> } }
    ).axe;
    const result = await axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target })),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
