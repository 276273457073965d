// The map (admin-ui/src/lib/map) on the case detail in Debian's Chromium (WebGL in software) over a whole
// demo hub: the case's point drawn at the centre in its time-limit colour, a community's name drawn where
// the page's list of drawn names says (dark text pixels in that box, gone when the layer is ticked off),
// the open-cases layer toggled off and on, a clicked case opening its own detail, below zoom 14 the hub's
// clusters drawn as bubbles that zoom in on a click, the layer list closed on a phone, and not one
// request leaving the hub (the bundled style needs no internet). A 地下管网 line near the case is drawn on
// its page with the colour key (which the phone's layer list holds within the map), and a click names it.
import test from 'ava';
import type { Page } from 'playwright-core';
import { call } from './helpers/api.ts';
import { loginThroughForm, seriousViolations, useUiHub } from './helpers/browser.ts';
import { near, pixels, pixelsWhen } from './helpers/pixels.ts';

const ui = useUiHub(test, async ({ hub }) => {
  const prisma = hub.hub.db.prisma;
  const cells = await prisma.gridCell.findMany({ where: { active: true }, orderBy: { code: 'asc' } });
  const cellOf = (p: { lng: number; lat: number }) =>
    cells.find((c) => p.lng >= c.minLng && p.lng < c.maxLng && p.lat >= c.minLat && p.lat < c.maxLat)?.code;
  // A gazetteer community (社区); its name sits at the middle of its outline's corners (the map's rule).
  // Case A 150 m south of the name (so its point does not cover it), case B 150 m east of A, both in
  // grid cells.
  const communities = await prisma.geoFeature.findMany({
    where: { kind: 'community', active: true },
    orderBy: { name: 'asc' },
  });
  const dLat = 150 / 111_320;
  for (const row of communities) {
    const ring = (JSON.parse(row.geometry) as { coordinates: number[][][] }).coordinates[0]!.slice(0, -1);
    const at = {
      lng: ring.reduce((s, p) => s + p[0]!, 0) / ring.length,
      lat: ring.reduce((s, p) => s + p[1]!, 0) / ring.length,
    };
    const dLng = 150 / (111_320 * Math.cos((at.lat * Math.PI) / 180));
    const pa = { lng: at.lng, lat: at.lat - dLat };
    const pb = { lng: pa.lng + dLng, lat: pa.lat };
    if (!cellOf(pa) || !cellOf(pb)) continue;
    community = row.name;
    label = at;
    a = { ...a, ...pa, gridCode: cellOf(pa)! };
    b = { ...b, ...pb, gridCode: cellOf(pb)! };
    break;
  }
  if (!community) throw new Error('no demo community with grid cells south of its middle');
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
        gridCode: p.gridCode,
        // B is overdue: drawn red.
        disposeDeadline: new Date(Date.now() + (i === 0 ? 86_400_000 : -3_600_000)),
      },
    });
    p.id = row.id;
    p.caseNo = row.caseNo;
  }
  // 地下管网: an east-west gas line 200 m long, 40 m south of case A (clear of A, B and the name), imported as
  // a utility's survey would be, there for every test (the phone's layer list shows its key).
  const { south, dLng } = gasLine();
  const geometry = JSON.stringify({
    type: 'LineString',
    coordinates: [
      [a.lng - dLng, south],
      [a.lng + dLng, south],
    ],
  });
  const imported = await call(hub.url, 'POST', '/api/pipelines/imports', {
    token: await hub.token('administrator'),
    body: {
      format: 'csv',
      crs: 'wgs84',
      content: `code,kind,owner,depthM,material,diameterMm,year,geometry\nGQ-T001,燃气,U-GAS,1.2,钢,200,2015,"${geometry.replaceAll('"', '""')}"`,
    },
  });
  if (imported.status !== 200 || imported.body.added !== 1)
    throw new Error(`pipeline import: HTTP ${imported.status} ${JSON.stringify(imported.body)}`);
});

let community = '';
/** The test gas line: 40 m south of case A, 100 m to either side of it (degrees). */
const gasLine = () => ({
  south: a.lat - 40 / 111_320,
  dLng: 100 / (111_320 * Math.cos((a.lat * Math.PI) / 180)),
});
let label = { lng: 0, lat: 0 };
let a = { id: '', caseNo: '', lng: 0, lat: 0, gridCode: '' };
let b = { id: '', caseNo: '', lng: 0, lat: 0, gridCode: '' };

/** A grid cell as the page names it: street, community and its number there (the code's last two digits). */
async function cellWords(code: string) {
  const cell = await ui.hub.hub.db.prisma.gridCell.findUniqueOrThrow({ where: { code } });
  return `${cell.street}${cell.community}${code.slice(-2)}号网格`;
}

/** The position line under the case's map, once the grid (its cell's name) has come. */
async function position(page: Page, p: { gridCode: string; lng: number; lat: number }) {
  const expected = `${await cellWords(p.gridCode)} · 坐标 ${p.lng.toFixed(5)}, ${p.lat.toFixed(5)}`;
  await page.getByTestId('case-position').getByText(expected).waitFor();
  return expected;
}

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
/** Where a point is drawn on a canvas of that size centred on `center` at `zoom` (the case detail's 15). */
const onCanvas = (
  p: { lng: number; lat: number },
  center: { lng: number; lat: number },
  w: number,
  h: number,
  zoom = 15,
) => {
  const [q, c] = [world(p, zoom), world(center, zoom)];
  return { x: w / 2 + q.x - c.x, y: h / 2 + q.y - c.y };
};

/** Pixels of dark label text (#1e293b): of the map's colours only it and the focus target (far from the box) are dark. */
const darkPixels = (rgba: number[]) => {
  let n = 0;
  for (let i = 0; i < rgba.length; i += 4) if (rgba[i]! < 90 && rgba[i + 1]! < 90 && rgba[i + 2]! < 90) n++;
  return n;
};
const offline = (requests: string[], url: string) =>
  requests.filter((r) => !r.startsWith(`${url}/`) && !r.startsWith('blob:') && !r.startsWith('data:'));

test.serial(
  'case detail: the case at the centre, a community name drawn where the page says, layers toggle',
  async (t) => {
    const { page, requests } = await openCase({ width: 1440, height: 900 }, a.id);
    t.teardown(() => page.close());
    t.is(await page.getByTestId('case-position').innerText(), await position(page, a));
    const canvas = (await page.locator('#case-map canvas').boundingBox())!;
    // The focus point (#111827, a dark target) at the canvas centre.
    const centre = await pixels(page, {
      x: canvas.x + canvas.width / 2,
      y: canvas.y + canvas.height / 2,
      width: 1,
      height: 1,
    });
    t.true(near(centre, [0x11, 0x18, 0x27]), `centre pixel ${centre.slice(0, 3).join(',')}`);

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

    // Ticked off, the communities' names are gone from the box and from the list.
    const layers = page.getByTestId('case-map');
    await layers.getByLabel('社区').uncheck();
    t.is(darkPixels(await pixelsWhen(page, box, (p) => darkPixels(p) === 0)), 0);
    t.is(await item.count(), 0);
    await layers.getByLabel('社区').check();
    await item.waitFor({ state: 'attached' });

    // Case B (overdue) is a red point east of A; the open-cases layer hides and shows it.
    const pb = onCanvas(b, a, canvas.width, canvas.height);
    const at = { x: canvas.x + pb.x, y: canvas.y + pb.y, width: 1, height: 1 };
    t.true(near(await pixels(page, at), [0xdc, 0x26, 0x26]));
    const red = [0xdc, 0x26, 0x26];
    await layers.getByLabel('在办案件').uncheck();
    t.false(near(await pixelsWhen(page, at, (p) => !near(p, red)), red));
    await layers.getByLabel('在办案件').check();
    t.true(near(await pixelsWhen(page, at, (p) => near(p, red)), red));

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
  t.is(await page.getByTestId('case-position').innerText(), await position(page, b));
  t.deepEqual(offline(requests, ui.hub.url), []);
});

test.serial(
  'below zoom 14 the hub’s clusters: a red bubble over A and B, a click zooms in to them',
  async (t) => {
    const { page, requests } = await openCase({ width: 1440, height: 900 }, a.id);
    t.teardown(() => page.close());
    const canvas = (await page.locator('#case-map canvas').boundingBox())!;
    const casesAnswer = (zoom: number) =>
      page.waitForResponse(
        (r) => r.url().includes(`/api/map/cases?`) && r.url().endsWith(`format=clusters&zoom=${zoom}`),
      );
    const clustered = casesAnswer(12);
    // Without the page's own point, which would cover the bubble.
    await hubMap(page, `map.setFocus(null); map.flyTo({ lng: ${a.lng}, lat: ${a.lat} }, 12.5);`);
    const answer = (await (await clustered).json()) as {
      format: string;
      clusters: { lng: number; lat: number; count: number; red: number; green: number; bounds: number[] }[];
    };
    t.is(answer.format, 'clusters');
    // A and B, 150 m apart (≈ 7 px at 12.5), are in one bubble, red for overdue B.
    // (The box's corners are to 6 decimals: 0.1 m.)
    const inside = (c: { bounds: number[] }, p: { lng: number; lat: number }) =>
      c.bounds[0]! - 1e-6 <= p.lng &&
      p.lng <= c.bounds[2]! + 1e-6 &&
      c.bounds[1]! - 1e-6 <= p.lat &&
      p.lat <= c.bounds[3]! + 1e-6;
    const bubble = answer.clusters.find((c) => inside(c, a) && inside(c, b));
    t.truthy(bubble, JSON.stringify(answer.clusters.slice(0, 5)));
    t.like(bubble, { count: 2, red: 1, green: 1 });
    await page.waitForTimeout(700);
    await page.evaluate(`document.querySelector('#case-map').hubMap.idle()`);
    // Drawn where the hub put it: red left of its count, white figures in the middle.
    const at = onCanvas(bubble!, a, canvas.width, canvas.height, 12.5);
    const left = await pixels(page, { x: canvas.x + at.x - 9, y: canvas.y + at.y, width: 1, height: 1 });
    t.true(left[0]! > 180 && left[1]! < 120 && left[2]! < 120, `bubble pixel ${left.slice(0, 3).join(',')}`);
    const middle = await pixels(page, {
      x: canvas.x + at.x - 4,
      y: canvas.y + at.y - 6,
      width: 9,
      height: 12,
    });
    let white = 0;
    for (let i = 0; i < middle.length; i += 4)
      if (Math.min(middle[i]!, middle[i + 1]!, middle[i + 2]!) > 180) white++;
    // (The red bubble's least channel is ≈ 70; the figure's antialiased strokes reach ≈ 230.)
    t.true(white >= 8, `${white} white pixels of the count`);

    // A click on the bubble: its cases fill the view, zoomed in past 14, where the points are asked.
    const before = (await page.evaluate(`document.querySelector('#case-map').hubMap.bounds()`)) as number[];
    const points = page.waitForResponse((r) =>
      /\/api\/map\/cases\?.*format=clusters&zoom=1[4-7]$/.test(r.url()),
    );
    await page.mouse.click(canvas.x + at.x, canvas.y + at.y);
    const deeper = (await (await points).json()) as { format: string; ids: string[] };
    t.is(deeper.format, 'points');
    t.true(deeper.ids.includes(a.id) && deeper.ids.includes(b.id));
    await page.waitForTimeout(700);
    const after = (await page.evaluate(`document.querySelector('#case-map').hubMap.bounds()`)) as number[];
    t.true(after[2]! - after[0]! < (before[2]! - before[0]!) / 4, JSON.stringify([before, after]));
    for (const p of [a, b])
      t.true(after[0]! < p.lng && p.lng < after[2]! && after[1]! < p.lat && p.lat < after[3]!);
    t.is(new URL(page.url()).hash, `#/cases/${a.id}`);
    t.deepEqual(offline(requests, ui.hub.url), []);
  },
);

test.serial('on a phone the layer list starts closed and opens on a tap', async (t) => {
  const { page } = await openCase({ width: 390, height: 844 }, a.id);
  t.teardown(() => page.close());
  const cases = page.getByLabel('在办案件');
  t.false(await cases.isVisible());
  await page.locator('.hub-map-layers summary').click();
  t.true(await cases.isVisible());
  t.true(await cases.isChecked());
  t.deepEqual(await seriousViolations(page), []);
  // With 地下管网 shown its key joins the list, which stays inside the map's box (it spilt over the
  // legend and the page below) and scrolls there.
  await page.getByLabel('地下管网').check();
  await page.getByTestId('map-pipeline-key').waitFor();
  const panel = (await page.locator('.hub-map-layers').boundingBox())!;
  const box = (await page.getByTestId('case-map').boundingBox())!;
  t.true(panel.y + panel.height <= box.y + box.height, JSON.stringify({ panel, box }));
});

/** The map's API on its element (admin-ui/src/lib/map/README.md), driven from the page. */
const hubMap = (page: Page, script: string) =>
  page.evaluate(`(() => { const map = document.querySelector('#case-map').hubMap; ${script} })()`);
/** The inverse of onCanvas: the point under a canvas pixel. */
const fromCanvas = (x: number, y: number, center: { lng: number; lat: number }, w: number, h: number) => {
  const size = 512 * 2 ** 15;
  const c = world(center, 15);
  const [wx, wy] = [c.x + x - w / 2, c.y + y - h / 2];
  return {
    lng: (wx / size) * 360 - 180,
    lat: (Math.atan(Math.sinh(Math.PI * (1 - (2 * wy) / size))) * 180) / Math.PI,
  };
};

test.serial(
  'pick a point: a click places the marker and reports the point, a drag moves it, no case opens',
  async (t) => {
    const { page } = await openCase({ width: 1440, height: 900 }, a.id);
    t.teardown(() => page.close());
    const canvas = (await page.locator('#case-map canvas').boundingBox())!;
    await hubMap(page, `window.picked = []; map.setPick((p) => window.picked.push(p));`);
    await page.getByText('点击地图选定位置，可拖动标记微调。').waitFor();
    // A click on case B's point picks the point instead of opening B.
    const pb = onCanvas(b, a, canvas.width, canvas.height);
    await page.mouse.click(canvas.x + pb.x, canvas.y + pb.y);
    const picked = () => page.evaluate<{ lng: number; lat: number }[]>('window.picked');
    await page.waitForFunction(() => (globalThis as unknown as { picked: unknown[] }).picked.length === 1);
    const [first] = await picked();
    const want = fromCanvas(pb.x, pb.y, a, canvas.width, canvas.height);
    t.true(
      Math.abs(first!.lng - want.lng) < 2e-5 && Math.abs(first!.lat - want.lat) < 2e-5,
      JSON.stringify([first, want]),
    );
    t.is(new URL(page.url()).hash, `#/cases/${a.id}`);

    // The marker's tip is the point; dragged 60 px west and 40 px north, it reports where it was dropped.
    const marker = page.getByTestId('map-pick');
    const box = (await marker.boundingBox())!;
    const tip = { x: box.x + box.width / 2, y: box.y + box.height - 4 };
    await page.mouse.move(tip.x, tip.y);
    await page.mouse.down();
    await page.mouse.move(tip.x - 30, tip.y - 20, { steps: 5 });
    await page.mouse.move(tip.x - 60, tip.y - 40, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => (globalThis as unknown as { picked: unknown[] }).picked.length === 2);
    const dropped = (await picked())[1]!;
    const wantDrop = fromCanvas(pb.x - 60, pb.y - 40, a, canvas.width, canvas.height);
    // Within 3 px (the grab point on the pin is not its tip to the pixel).
    t.true(
      Math.abs(dropped.lng - wantDrop.lng) < 7e-5 && Math.abs(dropped.lat - wantDrop.lat) < 6e-5,
      JSON.stringify([dropped, wantDrop]),
    );

    // Pick mode off: the marker goes, the hint too.
    await hubMap(page, 'map.setPick(null);');
    await marker.waitFor({ state: 'detached' });
    t.is(await page.getByText('点击地图选定位置，可拖动标记微调。').count(), 0);
  },
);

test.serial(
  'an overlay, the supervisors on duty, the heat map and the components from the layer list',
  async (t) => {
    const { page, requests } = await openCase({ width: 1440, height: 900 }, a.id);
    t.teardown(() => page.close());
    const canvas = (await page.locator('#case-map canvas').boundingBox())!;
    const map = page.getByTestId('case-map');
    const pointBox = (p: { lng: number; lat: number }, dx = 0) => {
      const q = onCanvas(p, a, canvas.width, canvas.height);
      return { x: canvas.x + q.x + dx, y: canvas.y + q.y, width: 1, height: 1 };
    };
    const pixelAt = (p: { lng: number; lat: number }, dx = 0) => pixels(page, pointBox(p, dx));
    /** The point's pixel once `drawn` holds (or after 10 s): the map draws a tick a frame or more later. */
    const pixelAtWhen = (p: { lng: number; lat: number }, drawn: (rgba: number[]) => boolean, dx = 0) =>
      pixelsWhen(page, pointBox(p, dx), drawn);

    // The page's own overlay: a vehicle 200 m west of A, named below the point, listed as 巡查车辆.
    const sup = { lng: a.lng - 200 / (111_320 * Math.cos((a.lat * Math.PI) / 180)), lat: a.lat };
    await hubMap(
      page,
      `map.setOverlay('vehicles', { type: 'FeatureCollection', features: [{ type: 'Feature',
      geometry: { type: 'Point', coordinates: [${sup.lng}, ${sup.lat}] }, properties: { plate: '苏F·12345' } }] },
      { title: '巡查车辆', color: '#0f766e', label: 'plate' });`,
    );
    const box = map.getByLabel('巡查车辆');
    t.true(await box.isChecked());
    await map
      .getByTestId('map-labels')
      .locator('li', { hasText: '苏F·12345' })
      .waitFor({ state: 'attached' });
    t.true(near(await pixelAt(sup), [0x0f, 0x76, 0x6e]));
    await box.uncheck();
    t.false(near(await pixelAtWhen(sup, (p) => !near(p, [0x0f, 0x76, 0x6e])), [0x0f, 0x76, 0x6e]));
    t.is(await map.getByTestId('map-labels').locator('li', { hasText: '苏F·12345' }).count(), 0);

    // The supervisors on duty (GET /api/field/supervisors/latest): one 200 m north of A, named under the point.
    const field = await ui.hub.hub.db.prisma.user.findUniqueOrThrow({
      where: { username: 'field_supervisor' },
    });
    const onDuty = { lng: a.lng, lat: a.lat + 200 / 111_320 };
    await ui.hub.hub.db.prisma.patrolShift.create({
      data: {
        userId: field.id,
        startedAt: new Date(),
        lastLng: onDuty.lng,
        lastLat: onDuty.lat,
        lastAccuracy: 8,
        lastAt: new Date(),
      },
    });
    t.false(near(await pixelAt(onDuty), [0x1d, 0x4e, 0xd8]));
    await map.getByLabel('监督员位置').check();
    await map
      .getByTestId('map-labels')
      .locator('li', { hasText: field.displayName })
      .waitFor({ state: 'attached' });
    t.true(near(await pixelAt(onDuty), [0x1d, 0x4e, 0xd8]));
    t.true(requests.some((r) => r.endsWith('/api/field/supervisors/latest')));

    // The heat map: with the points off, 10 px beside case B turns from the plain map to heat colours.
    await map.getByLabel('在办案件').uncheck();
    await page.evaluate(`document.querySelector('#case-map').hubMap.idle()`);
    const before = await pixelAt(b, 10);
    await map.getByLabel('案件热力').check();
    const after = await pixelAtWhen(b, (p) => !near(p, before), 10);
    t.false(near(after, before), `${before.slice(0, 3)} -> ${after.slice(0, 3)}`);
    await map.getByLabel('案件热力').uncheck();
    t.true(near(await pixelAtWhen(b, (p) => near(p, before), 10), before));

    // Components (部件): the map moved to a registered one draws it once the layer is ticked.
    const component = await ui.hub.hub.db.prisma.component.findFirstOrThrow({
      where: { status: 'normal' },
      orderBy: { code: 'asc' },
    });
    await hubMap(page, `map.flyTo({ lng: ${component.lng}, lat: ${component.lat} }, 15);`);
    await page.waitForTimeout(1500);
    await page.evaluate(`document.querySelector('#case-map').hubMap.idle()`);
    const middle = { x: canvas.x + canvas.width / 2, y: canvas.y + canvas.height / 2, width: 1, height: 1 };
    t.false(near(await pixels(page, middle), [0x25, 0x63, 0xeb]));
    await map.getByLabel('部件').check();
    await page.waitForTimeout(600);
    await page.evaluate(`document.querySelector('#case-map').hubMap.idle()`);
    t.true(near(await pixels(page, middle), [0x25, 0x63, 0xeb]));
    t.true(requests.some((r) => r.includes('/api/map/components?bbox=')));
    t.deepEqual(offline(requests, ui.hub.url), []);
  },
);

test.serial(
  '地下管网 under the case: a gas line 40 m south of it is drawn, its key shown, a click names it',
  async (t) => {
    const { south, dLng } = gasLine();
    const { page } = await openCase({ width: 1440, height: 900 }, a.id);
    t.teardown(() => page.close());
    const canvas = (await page.locator('#case-map canvas').boundingBox())!;
    t.true(await page.getByTestId('map-pipeline-key').isVisible());
    // The dashed line in the gas colour (#db2777) across a strip 40 m south of the case's point.
    const at = onCanvas({ lng: a.lng + dLng / 2, lat: south }, a, canvas.width, canvas.height);
    const strip = { x: canvas.x + at.x - 20, y: canvas.y + at.y - 1, width: 40, height: 3 };
    const pink = (rgba: number[]) => {
      let n = 0;
      for (let i = 0; i < rgba.length; i += 4) if (near(rgba.slice(i, i + 4), [0xdb, 0x27, 0x77])) n++;
      return n;
    };
    t.true(pink(await pixelsWhen(page, strip, (p) => pink(p) > 10)) > 10);

    // A click on the line names it in words; a click on the plain map says it no more.
    await page.mouse.click(canvas.x + at.x, canvas.y + at.y);
    const named = page.getByTestId('map-pipeline');
    await named.waitFor();
    t.is(
      await named.innerText(),
      '燃气管线 GQ-T001 · 权属 如皋市燃气公司 · 埋深 1.2 米 · 管径 200 毫米 · 钢',
    );
    await page.mouse.click(canvas.x + at.x, canvas.y + at.y + 30);
    await named.waitFor({ state: 'detached' });
    t.is(new URL(page.url()).hash, `#/cases/${a.id}`);
  },
);
