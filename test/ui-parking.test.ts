// 停车诱导 in Debian's Chromium against a real hub (demo data, the parking simulator): a leader opens the
// statistics page — areas and lots in zh-CN words, the lots on the map coloured by their share free, the
// last 24 hours' figures — a lot nobody has heard from shows 未知 and takes its count as soon as its
// system speaks; the page fits a phone (390×844) without sideways scrolling and passes axe.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { startParkingSimulator, type ParkingSimulator } from '../adapters/parking/simulator/index.ts';
import { call } from './helpers/api.ts';
import { loginThroughForm, seriousViolations, startUiHub, useBrowserHub } from './helpers/browser.ts';

const prefix = `test-${randomBytes(4).toString('hex')}/parking`;
let sim: ParkingSimulator | undefined;
const ui = useBrowserHub(test, () =>
  startUiHub({ PARKING_TOPIC_PREFIX: prefix, PARKING_REFRESH_SECONDS: '1' }),
);
test.after.always(() => sim?.close());

test('the parking page shows areas, lots on the map and the statistics; a silent lot is 未知 until it speaks', async (t) => {
  const page = await ui.browser.newPage({ viewport: { width: 1440, height: 900 } });
  t.teardown(() => page.close());
  const admin = await ui.hub.token('administrator');
  const added = await call(ui.hub.url, 'POST', '/api/parking/lots', {
    token: admin,
    body: {
      code: 'T-01',
      name: '测试临时停车场',
      area: '城北街道',
      street: '测试路',
      lng: 120.566,
      lat: 32.408,
      capacity: 30,
    },
  });
  t.is(added.status, 201);

  await loginThroughForm(page, ui.hub.url, 'leader');
  await page.getByRole('link', { name: '停车诱导' }).click();
  await page.getByRole('heading', { name: '停车诱导', level: 1 }).waitFor();
  const lots = page.getByTestId('parking-lots').locator('tbody tr');
  await lots.nth(8).waitFor();
  t.is(await lots.count(), 9);
  t.deepEqual(await page.getByTestId('parking-areas').locator('h2').allInnerTexts(), [
    '城北街道',
    '城南街道',
    '如城街道',
  ]);
  const row = page.locator('[data-testid=parking-lots] tr[data-code="T-01"]');
  t.regex(await row.innerText(), /测试临时停车场[\s\S]*30[\s\S]*—[\s\S]*未知[\s\S]*从未上报/);
  // every status a person reads is a word, never a code
  const text = await page.locator('.parking-page').innerText();
  t.notRegex(text, /\b(available|few|full|unknown|null|undefined)\b/);

  // the map: one layer per status, coloured, labelled with the lots' names and free spaces
  // Predicates are functions (the hub's CSP refuses eval); the page's DOM through globalThis.
  type Doc = {
    querySelector(s: string): { hubMap?: { visibleLayers(): string[] }; textContent: string | null } | null;
  };
  await page.waitForFunction(
    () => {
      const el = (globalThis as unknown as { document: Doc }).document.querySelector('#parking-map');
      return !!el?.hubMap && el.hubMap.visibleLayers().some((l) => l.startsWith('parking-'));
    },
    undefined,
    { timeout: 30_000 },
  );
  const layers = await page.evaluate<string[]>(
    `document.querySelector('#parking-map').hubMap.visibleLayers()`,
  );
  t.true(layers.includes('parking-unknown'));
  t.true(layers.some((l) => ['parking-available', 'parking-few', 'parking-full'].includes(l)));
  await page
    .getByTestId('map-labels')
    .getByText(/测试临时停车场 未知/)
    .waitFor({ state: 'attached', timeout: 30_000 });
  t.deepEqual(await page.locator('.parking-legend li').allInnerTexts(), ['空闲', '紧张', '已满', '未知']);

  // statistics of the seeded day: a chart and a row per lot
  await page.getByTestId('parking-stats').locator('tbody tr').first().waitFor();
  t.is(await page.getByTestId('parking-stats').locator('tbody tr').count(), 9);
  t.is(await page.locator('figure.chart figcaption').innerText(), '近24小时全市车位占用率');
  t.regex(
    await page.locator('[data-testid=parking-stats] tr[data-code="RG-P008"]').innerText(),
    /如皋站停车场[\s\S]*%[\s\S]*\d+ 分钟/,
  );

  // the lot's system speaks: a heartbeat and two cars in; the page shows it without a reload
  sim = await startParkingSimulator({
    mqttUrl: 'mqtt://127.0.0.1:1883',
    topicPrefix: prefix,
    lots: [{ code: 'T-01', capacity: 30 }],
  });
  await sim.heartbeat('T-01');
  await sim.enter('T-01', '苏FT0001');
  await sim.enter('T-01', '苏FT0002');
  await page.waitForFunction(
    () =>
      /28[\s\S]*空闲/.test(
        (globalThis as unknown as { document: Doc }).document.querySelector('tr[data-code="T-01"]')
          ?.textContent ?? '',
      ),
    undefined,
    { timeout: 30_000 },
  );
  t.pass();
  t.deepEqual(await seriousViolations(page), []);

  // a phone: everything within 390 px, the tables scroll in their own box
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
  t.true(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  t.deepEqual(await seriousViolations(page), []);
});
