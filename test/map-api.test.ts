// The map's data endpoints (src/map/routes.ts) over the demo data and real HTTP: open cases in a box with
// their time-limit light (GeoJSON, or parallel arrays with format=points), counted in clusters below zoom
// 14 (format=clusters), the caller's case scope, the limit and its `truncated` flag, grid cells and
// components in a box, the base-map configuration, and a refused bbox naming the field.
import test from 'ava';
import { caseClocks, caseLights } from '../src/cases/clock.ts';
import { call, createUser, startTestApi, type TestApi } from './helpers/api.ts';
import { TEST_DEMO_PASSWORD } from './helpers/seeded-db.ts';

// Wednesday 2026-11-25 10:00 in Rugao: a working day, inside working hours.
const NOW = new Date('2026-11-25T02:00:00Z');
let api: TestApi;
let token = '';
let handlerToken = '';
let dept = '';
let cell = { code: '', minLng: 0, minLat: 0, maxLng: 0, maxLat: 0 };
const ids: Record<string, string> = {};
/** Where the clusters' cases lie: east of the city, where the demo has no case. */
const FAR = { lng: 121.6, lat: 32.4 };
const M_LAT = 1 / 111_320;
const M_LNG = 1 / (111_320 * Math.cos((FAR.lat * Math.PI) / 180));
const farIds: Record<string, string> = {};

test.before(async () => {
  api = await startTestApi({ now: () => NOW, demoPassword: TEST_DEMO_PASSWORD });
  const prisma = api.db.prisma;
  // A cell with registered components in it.
  const component = await prisma.component.findFirstOrThrow({
    where: { gridCode: { not: null } },
    orderBy: { code: 'asc' },
  });
  cell = await prisma.gridCell.findUniqueOrThrow({ where: { code: component.gridCode! } });
  dept = (
    await prisma.department.findFirstOrThrow({ where: { kind: 'department' }, orderBy: { code: 'asc' } })
  ).id;
  const dispatcher = await createUser(api.db, { username: 'map-dispatcher', roles: ['dispatcher'] });
  token = (await api.auth.issueSession(dispatcher)).token;
  const handlerId = await createUser(api.db, { username: 'map-handler', roles: ['department_handler'] });
  await prisma.user.update({ where: { id: handlerId }, data: { departmentId: dept } });
  handlerToken = (await api.auth.issueSession(handlerId)).token;

  const mid = { lng: (cell.minLng + cell.maxLng) / 2, lat: (cell.minLat + cell.maxLat) / 2 };
  const base = {
    source: 'supervisor' as const,
    categoryCode: '0102',
    description: '地图测试',
    gridCode: cell.code,
  };
  const rows = [
    // overdue, yellow (one working minute left of a longer limit), green (a month left), no timed step
    {
      key: 'red',
      status: 'signed' as const,
      disposeDeadline: new Date(NOW.getTime() - 3_600_000),
      departmentId: dept,
    },
    { key: 'yellow', status: 'signed' as const, disposeDeadline: new Date(NOW.getTime() + 60_000) },
    { key: 'green', status: 'signed' as const, disposeDeadline: new Date(NOW.getTime() + 30 * 86_400_000) },
    { key: 'none', status: 'registered' as const },
    { key: 'closed', status: 'closed' as const },
  ];
  for (const [i, r] of rows.entries()) {
    const { key, ...data } = r;
    const row = await prisma.case.create({
      data: {
        ...base,
        ...data,
        caseNo: `RG-2026-90000${i}`,
        lng: mid.lng + i * 1e-5,
        lat: mid.lat,
        reportedAt: new Date(NOW.getTime() - (10 - i) * 60_000),
      },
    });
    ids[key] = row.id;
  }
  // For the clusters: A, three cases within 20 m (red, yellow, green); B, 5 km east of A, a green one and
  // one in no timed step; C, 5 km north of A, an overdue one of the handler's department; a closed case
  // beside A.
  const far = [
    { key: 'a-red', e: 0, n: 0, status: 'signed' as const, due: -3_600_000 },
    { key: 'a-yellow', e: 20, n: 0, status: 'signed' as const, due: 60_000 },
    { key: 'a-green', e: 0, n: 20, status: 'signed' as const, due: 30 * 86_400_000 },
    { key: 'a-closed', e: 10, n: 10, status: 'closed' as const },
    { key: 'b-green', e: 5_000, n: 0, status: 'signed' as const, due: 30 * 86_400_000 },
    { key: 'b-none', e: 5_010, n: 5, status: 'registered' as const },
    { key: 'c-red', e: 0, n: 5_000, status: 'signed' as const, due: -60_000, departmentId: dept },
  ];
  for (const [i, f] of far.entries()) {
    const row = await prisma.case.create({
      data: {
        ...base,
        gridCode: null,
        caseNo: `RG-2026-91000${i}`,
        status: f.status,
        lng: FAR.lng + f.e * M_LNG,
        lat: FAR.lat + f.n * M_LAT,
        ...(f.due === undefined ? {} : { disposeDeadline: new Date(NOW.getTime() + f.due) }),
        ...(f.departmentId ? { departmentId: f.departmentId } : {}),
        reportedAt: new Date(NOW.getTime() - (100 - i) * 60_000),
      },
    });
    farIds[f.key] = row.id;
  }
  // A case far outside the cell's box.
  await prisma.case.create({
    data: {
      ...base,
      caseNo: 'RG-2026-900099',
      status: 'signed',
      lng: cell.minLng - 0.5,
      lat: cell.minLat,
      gridCode: null,
    },
  });
});
test.after.always(() => api?.close());

const bboxOf = (c: typeof cell) => `${c.minLng},${c.minLat},${c.maxLng},${c.maxLat}`;
const get = (path: string, as = token) => call(api.base, 'GET', path, { token: as });

test('open cases in the box, newest first, with the light of their running step', async (t) => {
  const res = await get(`/api/map/cases?bbox=${bboxOf(cell)}`);
  t.is(res.status, 200);
  t.is(res.body.type, 'FeatureCollection');
  t.false(res.body.truncated);
  const got = res.body.features.map((f: { properties: { id: string; state: string; caseNo: string } }) => [
    f.properties.caseNo,
    f.properties.state,
  ]);
  t.deepEqual(got, [
    ['RG-2026-900003', 'none'],
    ['RG-2026-900002', 'green'],
    ['RG-2026-900001', 'yellow'],
    ['RG-2026-900000', 'red'],
  ]);
  const red = res.body.features.find((f: { properties: { id: string } }) => f.properties.id === ids.red);
  t.deepEqual(red.geometry, {
    type: 'Point',
    coordinates: [(cell.minLng + cell.maxLng) / 2, (cell.minLat + cell.maxLat) / 2],
  });
  t.like(red.properties, { status: 'signed', urgency: 'normal', categoryCode: '0102' });
});

test('the limit cuts the newest and says so', async (t) => {
  const res = await get(`/api/map/cases?bbox=${bboxOf(cell)}&limit=2`);
  t.is(res.status, 200);
  t.true(res.body.truncated);
  t.deepEqual(
    res.body.features.map((f: { properties: { caseNo: string } }) => f.properties.caseNo),
    ['RG-2026-900003', 'RG-2026-900002'],
  );
});

test('format=points: the same cases, order and lights as parallel arrays', async (t) => {
  const res = await get(`/api/map/cases?bbox=${bboxOf(cell)}&format=points`);
  t.is(res.status, 200);
  t.deepEqual(res.body.ids, [ids.none, ids.green, ids.yellow, ids.red]);
  t.is(res.body.states, 'ngyr');
  t.false(res.body.truncated);
  const mid = [(cell.minLng + cell.maxLng) / 2, (cell.minLat + cell.maxLat) / 2];
  // The red case's point, to 6 decimals (≈ 0.1 m).
  t.true(Math.abs(res.body.lng[3] - mid[0]!) < 1e-6 && Math.abs(res.body.lat[3] - mid[1]!) < 1e-6);
  t.is(res.body.lng.length, 4);

  const cut = await get(`/api/map/cases?bbox=${bboxOf(cell)}&format=points&limit=2`);
  t.deepEqual(cut.body.ids, [ids.none, ids.green]);
  t.true(cut.body.truncated);
  const scoped = await get(`/api/map/cases?bbox=${bboxOf(cell)}&format=points`, handlerToken);
  t.deepEqual(scoped.body.ids, [ids.red]);
  t.is((await get(`/api/map/cases?bbox=${bboxOf(cell)}&format=csv`)).status, 400);
});

/** The box around the clusters' cases, 1 km beyond them. */
const farBox = [
  FAR.lng - 1_000 * M_LNG,
  FAR.lat - 1_000 * M_LAT,
  FAR.lng + 6_000 * M_LNG,
  FAR.lat + 6_000 * M_LAT,
]
  .map((n) => n.toFixed(6))
  .join(',');
const close = (a: number, b: number) => Math.abs(a - b) < 2e-6;

test('format=clusters below zoom 14: every open case counted once, by light, at its cases’ mean', async (t) => {
  const res = await get(`/api/map/cases?bbox=${farBox}&format=clusters&zoom=12.6`);
  t.is(res.status, 200);
  t.like(res.body, { format: 'clusters', zoom: 12, pointsFromZoom: 14, truncated: false });
  const got = res.body.clusters.map((c: Record<string, unknown>) => ({
    count: c.count,
    red: c.red,
    yellow: c.yellow,
    green: c.green,
    id: c.id,
  }));
  // Biggest first: A (the closed case beside it not counted), B, then C alone: a point with its id.
  t.deepEqual(got, [
    { count: 3, red: 1, yellow: 1, green: 1, id: undefined },
    { count: 2, red: 0, yellow: 0, green: 1, id: undefined },
    { count: 1, red: 1, yellow: 0, green: 0, id: farIds['c-red'] },
  ]);
  const [a, b, c] = res.body.clusters;
  // A's bubble at the mean of its three cases; its box their box (a click zooms to it).
  t.true(
    close(a.lng, FAR.lng + (20 * M_LNG) / 3) && close(a.lat, FAR.lat + (20 * M_LAT) / 3),
    `${a.lng},${a.lat}`,
  );
  t.deepEqual(
    a.bounds.map((n: number) => n.toFixed(5)),
    [FAR.lng, FAR.lat, FAR.lng + 20 * M_LNG, FAR.lat + 20 * M_LAT].map((n) => n.toFixed(5)),
  );
  t.true(close(b.lng, FAR.lng + 5_005 * M_LNG) && close(b.lat, FAR.lat + 2.5 * M_LAT));
  t.true(close(c.lng, FAR.lng) && close(c.lat, FAR.lat + 5_000 * M_LAT));

  // At zoom 8 (≈ 260 m a pixel) all six are one bubble, red (its worst case) by the map's rule.
  const out = await get(`/api/map/cases?bbox=${farBox}&format=clusters&zoom=8`);
  t.like(out.body, { zoom: 8 });
  t.deepEqual(
    out.body.clusters.map((c: { count: number; red: number }) => [c.count, c.red]),
    [[6, 2]],
  );
  // The handler sees its department's case only: one point.
  const scoped = await get(`/api/map/cases?bbox=${farBox}&format=clusters&zoom=12`, handlerToken);
  t.deepEqual(
    scoped.body.clusters.map((c: { count: number; id?: string }) => [c.count, c.id]),
    [[1, farIds['c-red']]],
  );
});

test('format=clusters from zoom 14: the points, as format=points answers them', async (t) => {
  const below = await get(`/api/map/cases?bbox=${farBox}&format=clusters&zoom=13.99`);
  t.like(below.body, { format: 'clusters', zoom: 13 });
  const at = await get(`/api/map/cases?bbox=${farBox}&format=clusters&zoom=14`);
  t.is(at.status, 200);
  const points = await get(`/api/map/cases?bbox=${farBox}&format=points`);
  t.deepEqual(at.body, { ...points.body, pointsFromZoom: 14 });
  t.deepEqual(
    at.body.ids,
    ['c-red', 'b-none', 'b-green', 'a-green', 'a-yellow', 'a-red'].map((k) => farIds[k]),
  );
  t.is(at.body.states, 'rnggyr');
  // Without the view's zoom the server cannot cluster: a 400 naming it.
  const bad = await get(`/api/map/cases?bbox=${farBox}&format=clusters`);
  t.is(bad.status, 400);
  t.is(bad.body.errors[0].field, 'query.zoom');
});

test('a department handler sees its department’s cases only', async (t) => {
  const res = await get(`/api/map/cases?bbox=${bboxOf(cell)}`, handlerToken);
  t.is(res.status, 200);
  t.deepEqual(
    res.body.features.map((f: { properties: { id: string } }) => f.properties.id),
    [ids.red],
  );
});

test('grid cells and components meeting the box', async (t) => {
  const inner = {
    ...cell,
    minLng: cell.minLng + 1e-4,
    maxLng: cell.maxLng - 1e-4,
    minLat: cell.minLat + 1e-4,
    maxLat: cell.maxLat - 1e-4,
  };
  const cells = await get(`/api/map/grid-cells?bbox=${bboxOf(inner)}`);
  t.is(cells.status, 200);
  t.deepEqual(
    cells.body.features.map((f: { properties: { code: string } }) => f.properties.code),
    [cell.code],
  );
  t.is(cells.body.features[0].geometry.type, 'Polygon');
  t.is(typeof cells.body.features[0].properties.community, 'string');

  const comps = await get(`/api/map/components?bbox=${bboxOf(cell)}`);
  t.is(comps.status, 200);
  const expected = await api.db.prisma.component.findMany({
    where: {
      lng: { gte: cell.minLng, lte: cell.maxLng },
      lat: { gte: cell.minLat, lte: cell.maxLat },
      status: { not: 'removed' },
    },
    orderBy: { code: 'asc' },
  });
  t.true(expected.length > 0);
  t.deepEqual(
    comps.body.features.map((f: { properties: { code: string } }) => f.properties.code),
    expected.map((c) => c.code),
  );
});

test('a bbox that is not four numbers, or is swapped, is refused naming the field', async (t) => {
  for (const bbox of ['1,2,3', 'a,b,c,d', '200,32,201,33']) {
    const res = await get(`/api/map/cases?bbox=${encodeURIComponent(bbox)}`);
    t.is(res.status, 400, bbox);
    t.is(res.body.errors[0].field, 'query.bbox', bbox);
  }
  const swapped = await get(
    `/api/map/grid-cells?bbox=${cell.maxLng},${cell.minLat},${cell.minLng},${cell.maxLat}`,
  );
  t.is(swapped.status, 400);
  t.regex(swapped.body.errors[0].message, /min above max/);
  t.is((await call(api.base, 'GET', `/api/map/cases?bbox=${bboxOf(cell)}`)).status, 401);
});

test('the base map: bundled without configuration, the city’s extent from the active cells', async (t) => {
  const res = await get('/api/map/config');
  t.is(res.status, 200);
  t.deepEqual(res.body.base, { kind: 'bundled' });
  const agg = await api.db.prisma.gridCell.aggregate({
    where: { active: true },
    _min: { minLng: true, minLat: true },
    _max: { maxLng: true, maxLat: true },
  });
  t.deepEqual(res.body.bounds, [agg._min.minLng, agg._min.minLat, agg._max.maxLng, agg._max.maxLat]);
});

test('the base map: a configured tile URL (天地图 WMTS) or style URL is passed to the UI', async (t) => {
  const tiles =
    'https://t0.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default' +
    '&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=test';
  const other = await startTestApi({ env: { MAP_TILE_URL: tiles, MAP_TILE_ATTRIBUTION: '天地图' } });
  t.teardown(() => other.close());
  const admin = await createUser(other.db, { username: 'map-admin', roles: ['administrator'] });
  const res = await call(other.base, 'GET', '/api/map/config', {
    token: (await other.auth.issueSession(admin)).token,
  });
  t.deepEqual(res.body, { base: { kind: 'raster', tiles: [tiles], attribution: '天地图' }, bounds: null });
});

test('caseLights gives the light caseClocks gives, deadlines every 7 minutes over the next 10 days', async (t) => {
  const config = { CALENDAR_TIMEZONE: 'Asia/Shanghai', DEADLINE_WARN_FRACTION: 0.8 };
  // Cases of every urgency (limits of different lengths) whose deadlines cross working and rest time.
  const rows = Array.from({ length: (10 * 24 * 60) / 7 }, (_, i) => ({
    id: `c${i}`,
    status: 'signed' as const,
    categoryKind: 'event' as const,
    categoryCode: '0102',
    urgency: (['normal', 'urgent', 'critical'] as const)[i % 3]!,
    verifyDeadline: null,
    signDeadline: null,
    disposeDeadline: new Date(NOW.getTime() + (i - 20) * 7 * 60_000),
    checkDeadline: null,
  }));
  const [clocks, lights] = await Promise.all([
    caseClocks(api.db, config, NOW, rows),
    caseLights(api.db, config, NOW, rows),
  ]);
  const differ = rows.filter((r) => clocks.get(r.id)?.state !== lights.get(r.id));
  t.deepEqual(
    differ.map((r) => `${r.urgency} ${r.disposeDeadline.toISOString()}`),
    [],
  );
  const seen = new Set(rows.map((r) => lights.get(r.id)));
  t.deepEqual([...seen].sort(), ['green', 'red', 'yellow']);
});

test('a light follows the limits an administrator sets, also of a category created after the first answer', async (t) => {
  // Far from every other test's box: one case of a new category, 1 working minute left of its 处置.
  const box = '122.29,31.49,122.31,31.51';
  const light = async () => {
    const res = await get(`/api/map/cases?bbox=${box}`);
    t.is(res.status, 200);
    return res.body.features.map((f: { properties: { state: string } }) => f.properties.state);
  };
  t.deepEqual(await light(), []);
  // The cell's cases run timed steps: the limits are in the hub's memory before the category exists.
  t.is((await get(`/api/map/cases?bbox=${bboxOf(cell)}`)).status, 200);
  const admin = (
    await api.auth.issueSession(await createUser(api.db, { username: 'map-admin', roles: ['administrator'] }))
  ).token;
  const created = await call(api.base, 'POST', '/api/categories', {
    token: admin,
    body: {
      kind: 'event',
      code: '0198',
      majorName: '市容环境',
      name: '地图测试类',
      limits: [{ urgency: 'normal', step: 'dispose', limitMinutes: 240 }],
    },
  });
  t.is(created.status, 201);
  await api.db.prisma.case.create({
    data: {
      caseNo: 'RG-2026-909999',
      source: 'supervisor',
      categoryCode: '0198',
      description: '地图测试',
      status: 'signed',
      lng: 122.3,
      lat: 31.5,
      disposeDeadline: new Date(NOW.getTime() + 60_000),
    },
  });
  // 239 of 240 minutes used: past the warning share.
  t.deepEqual(await light(), ['yellow']);
  const replaced = await call(api.base, 'PUT', `/api/categories/${created.body.id}/limits`, {
    token: admin,
    body: { limits: [{ urgency: 'normal', step: 'dispose', limitMinutes: 2 }] },
  });
  t.is(replaced.status, 200);
  // 1 of 2 minutes used: under the warning share.
  t.deepEqual(await light(), ['green']);
});
