// The map (admin-ui/src/lib/map) on the case detail in Debian's Chromium (WebGL in software) over a whole
// demo hub: the case's point drawn at the centre in its time-limit colour, a community's name drawn where
// the page's list of drawn names says (dark text pixels in that box, gone when the layer is ticked off),
// the open-cases layer toggled off and on, a clicked case opening its own detail, the layer list closed
// on a phone, and not one request leaving the hub (the bundled style needs no internet).
import test from 'ava';
import type { Page } from 'playwright-core';
import { loginThroughForm, seriousViolations, useUiHub } from './helpers/browser.ts';

const ui = useUiHub(test, async ({ hub }) => {
  const prisma = hub.hub.db.prisma;
  const cells = await prisma.gridCell.findMany({ where: { active: true }, orderBy: { code: 'asc' } });
  // The first community's name sits at the middle of its cells' corners (the map's own rule).
  community = cells[0]!.community;
  const own = cells.filter((c) => c.community === community);
  const corners = own.flatMap((c) => [
    [c.minLng, c.minLat],
    [c.maxLng, c.minLat],
    [c.maxLng, c.maxLat],
    [c.minLng, c.maxLat],
  ]);
  label = {
    lng: corners.reduce((s, p) => s + p[0]!, 0) / corners.length,
    lat: corners.reduce((s, p) => s + p[1]!, 0) / corners.length,
  };
  // Case A 150 m south of the name (so its point does not cover it), case B 150 m east of A.
  const dLat = 150 / 111_320;
  const dLng = 150 / (111_320 * Math.cos((label.lat * Math.PI) / 180));
  a = { ...a, lng: label.lng, lat: label.lat - dLat };
  b = { ...b, lng: a.lng + dLng, lat: a.lat };
  const cellOf = (p: { lng: number; lat: number }) =>
    cells.find((c) => p.lng >= c.minLng && p.lng < c.maxLng && p.lat >= c.minLat && p.lat < c.maxLat)!.code;
  for (const [i, p] of [a, b].entries()) {
    const row = await prisma.case.create({
      data: {
        caseNo: `RG-2026-80000${i}`,
        source: 'supervisor',
        categoryCode: '0102',
        description: i === 0 ? '地图测试案件甲' : '地图测试案件乙',
        status: 'signed',
        lng: p.lng,
        lat: p.lat,
        gridCode: cellOf(p),
        // B is overdue: drawn red.
        disposeDeadline: new Date(Date.now() + (i === 0 ? 86_400_000 : -3_600_000)),
      },
    });
    p.id = row.id;
    p.caseNo = row.caseNo;
    p.gridCode = row.gridCode!;
  }
});

let community = '';
let label = { lng: 0, lat: 0 };
let a = { id: '', caseNo: '', lng: 0, lat: 0, gridCode: '' };
let b = { id: '', caseNo: '', lng: 0, lat: 0, gridCode: '' };

/** The case detail page (recording every request it makes), once the map has drawn its data. */
async function openCase(viewport: { width: number; height: number }, id: string) {
  const page = await ui.browser.newPage({ viewport });
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await loginThroughForm(page, ui.hub.url, 'dispatcher');
  await page.goto(`${ui.hub.url}/#/cases/${id}`);
  await page.locator('#case-map[data-rendered]').waitFor({ timeout: 30_000 });
  return { page, requests };
}

/** Web Mercator pixels of MapLibre (512-pixel world at zoom 0). */
const world = (p: { lng: number; lat: number }, zoom: number) => {
  const size = 512 * 2 ** zoom;
  const phi = (p.lat * Math.PI) / 180;
  return {
    x: ((p.lng + 180) / 360) * size,
    y: ((1 - Math.log(Math.tan(Math.PI / 4 + phi / 2)) / Math.PI) / 2) * size,
  };
};
/** Where a point is drawn on a canvas of that size centred on `center` at zoom 15 (the case detail's). */
const onCanvas = (
  p: { lng: number; lat: number },
  center: { lng: number; lat: number },
  w: number,
  h: number,
) => {
  const [q, c] = [world(p, 15), world(center, 15)];
  return { x: w / 2 + q.x - c.x, y: h / 2 + q.y - c.y };
};

/** RGBA of a screenshot's pixels, decoded by the browser itself (no image package needed). */
async function pixels(page: Page, box: { x: number; y: number; width: number; height: number }) {
  const png = (await page.screenshot({ clip: box })).toString('base64');
  return page.evaluate<number[]>(`(async () => {
    const img = await createImageBitmap(await (await fetch('data:image/png;base64,${png}')).blob());
    const c = new OffscreenCanvas(img.width, img.height).getContext('2d');
    c.drawImage(img, 0, 0);
    return Array.from(c.getImageData(0, 0, img.width, img.height).data);
  })()`);
}
/** Pixels of dark label text (#1e293b): no other colour of the map is dark in all three channels. */
const darkPixels = (rgba: number[]) => {
  let n = 0;
  for (let i = 0; i < rgba.length; i += 4) if (rgba[i]! < 90 && rgba[i + 1]! < 90 && rgba[i + 2]! < 90) n++;
  return n;
};
const near = (rgba: number[], [r, g, b]: number[]) =>
  Math.abs(rgba[0]! - r!) + Math.abs(rgba[1]! - g!) + Math.abs(rgba[2]! - b!) < 40;
const offline = (requests: string[], url: string) =>
  requests.filter((r) => !r.startsWith(`${url}/`) && !r.startsWith('blob:') && !r.startsWith('data:'));

test.serial(
  'case detail: the case at the centre, a community name drawn where the page says, layers toggle',
  async (t) => {
    const { page, requests } = await openCase({ width: 1440, height: 900 }, a.id);
    t.teardown(() => page.close());
    t.is(
      await page.getByTestId('case-position').innerText(),
      `网格 ${a.gridCode} · 坐标 ${a.lng.toFixed(5)}, ${a.lat.toFixed(5)}`,
    );
    const canvas = (await page.locator('#case-map canvas').boundingBox())!;
    // The focus point (#b3261e) at the canvas centre.
    const centre = await pixels(page, {
      x: canvas.x + canvas.width / 2,
      y: canvas.y + canvas.height / 2,
      width: 1,
      height: 1,
    });
    t.true(near(centre, [0xb3, 0x26, 0x1e]), `centre pixel ${centre.slice(0, 3).join(',')}`);

    // The page lists the names it drew, with their anchor; the community's is where Mercator puts it.
    const item = page.getByTestId('map-labels').locator('li', { hasText: community });
    t.is(await item.count(), 1);
    const [x, y] = [Number(await item.getAttribute('data-x')), Number(await item.getAttribute('data-y'))];
    const want = onCanvas(label, a, canvas.width, canvas.height);
    t.true(
      Math.abs(x - want.x) <= 2 && Math.abs(y - want.y) <= 2,
      `label at ${x},${y}, expected ${want.x},${want.y}`,
    );
    const box = { x: canvas.x + x - 60, y: canvas.y + y - 10, width: 120, height: 20 };
    const drawn = darkPixels(await pixels(page, box));
    t.true(drawn > 40, `${drawn} dark pixels in the label's box`);

    // The grid layer carries the names: ticked off, the text is gone from the box and from the list.
    const layers = page.getByTestId('case-map');
    await layers.getByLabel('单元网格').uncheck();
    await page.waitForTimeout(400);
    t.is(darkPixels(await pixels(page, box)), 0);
    t.is(await item.count(), 0);
    await layers.getByLabel('单元网格').check();
    await item.waitFor({ state: 'attached' });

    // Case B (overdue) is a red point east of A; the open-cases layer hides and shows it.
    const pb = onCanvas(b, a, canvas.width, canvas.height);
    const at = { x: canvas.x + pb.x, y: canvas.y + pb.y, width: 1, height: 1 };
    t.true(near(await pixels(page, at), [0xdc, 0x26, 0x26]));
    await layers.getByLabel('在办案件').uncheck();
    await page.waitForTimeout(400);
    t.false(near(await pixels(page, at), [0xdc, 0x26, 0x26]));
    await layers.getByLabel('在办案件').check();
    await page.waitForTimeout(400);
    t.true(near(await pixels(page, at), [0xdc, 0x26, 0x26]));

    t.deepEqual(await seriousViolations(page), []);
    t.deepEqual(offline(requests, ui.hub.url), []);
    t.true(requests.some((r) => r.includes('/api/map/cases?bbox=')));
  },
);

test.serial('a clicked case opens its own detail', async (t) => {
  const { page, requests } = await openCase({ width: 1440, height: 900 }, a.id);
  t.teardown(() => page.close());
  const canvas = (await page.locator('#case-map canvas').boundingBox())!;
  const pb = onCanvas(b, a, canvas.width, canvas.height);
  await page.mouse.click(canvas.x + pb.x, canvas.y + pb.y);
  await page.getByRole('heading', { name: `案卷 ${b.caseNo}` }).waitFor();
  t.is(new URL(page.url()).hash, `#/cases/${b.id}`);
  await page.locator('#case-map[data-rendered]').waitFor({ timeout: 30_000 });
  t.is(
    await page.getByTestId('case-position').innerText(),
    `网格 ${b.gridCode} · 坐标 ${b.lng.toFixed(5)}, ${b.lat.toFixed(5)}`,
  );
  t.deepEqual(offline(requests, ui.hub.url), []);
});

test.serial('on a phone the layer list starts closed and opens on a tap', async (t) => {
  const { page } = await openCase({ width: 390, height: 844 }, a.id);
  t.teardown(() => page.close());
  const cases = page.getByLabel('在办案件');
  t.false(await cases.isVisible());
  await page.locator('.hub-map-layers summary').click();
  t.true(await cases.isVisible());
  t.true(await cases.isChecked());
  t.deepEqual(await seriousViolations(page), []);
});
