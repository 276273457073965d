// The gazetteer over HTTP: the map's GeoJSON layers from the seeded demo geography, and the
// administrator's changes to rows with their validation (what is wrong and where).
import test from 'ava';
import { call, startTestApi, type TestApi } from './helpers/api.ts';
import { TEST_DEMO_PASSWORD } from './helpers/seeded-db.ts';

const PASSWORD = TEST_DEMO_PASSWORD;

interface Feature {
  id: string;
  geometry: { type: string };
  properties: Record<string, unknown>;
}
let api: TestApi;
const tokens: Record<string, string> = {};

test.before(async () => {
  api = await startTestApi({ demoPassword: PASSWORD });
  for (const username of ['administrator', 'dispatcher']) {
    const login = await call(api.base, 'POST', '/api/auth/login', { body: { username, password: PASSWORD } });
    tokens[username] = login.body.token;
  }
});
test.after.always(() => api?.close());

const get = (path: string, who = 'dispatcher') => call(api.base, 'GET', path, { token: tokens[who] });

test('the map layers are GeoJSON: roads with names, communities with codes, the 3,500-cell grid, a bbox filter', async (t) => {
  const roads = await get('/api/geo/layers/roads');
  t.is(roads.status, 200);
  t.is(roads.body.type, 'FeatureCollection');
  t.is(roads.body.features.length, 25);
  const ninghai = roads.body.features.find((f: Feature) => f.properties.name === '宁海路');
  t.is(ninghai.geometry.type, 'LineString');
  t.like(ninghai.properties, { kind: 'road', category: '主干路' });
  const haiyang = roads.body.features.find((f: Feature) => f.properties.name === '海阳南路');
  t.deepEqual(haiyang.properties.aliases, ['海阳路']);

  const communities = await get('/api/geo/layers/communities');
  t.is(communities.body.features.length, 70);
  const fushou = communities.body.features.find((f: Feature) => f.properties.name === '福寿社区');
  t.like(fushou.properties, { code: '320682001007', street: '城北街道' });
  t.is(fushou.geometry.type, 'Polygon');

  const grid = await get('/api/geo/layers/grid');
  t.is(grid.body.features.length, 3500);
  t.regex(grid.body.features[0].properties.code, /^320682\d{8}$/);

  // A 300 m box around 海阳路 × 中山路 holds a few dozen cells, and the bus stop there.
  const box = '120.5595,32.3816,120.5625,32.3844';
  const near = await get(`/api/geo/layers/grid?bbox=${box}`);
  t.true(
    near.body.features.length > 9 && near.body.features.length < 30,
    `${near.body.features.length} cells`,
  );
  const stops = await get(`/api/geo/layers/pois?bbox=${box}`);
  t.true(stops.body.features.some((f: Feature) => f.properties.name === '海阳路中山路口站'));
  const doors = await get(`/api/geo/layers/doors?bbox=${box}`);
  t.true(doors.body.features.every((f: Feature) => f.geometry.type === 'Point' && f.properties.parentName));

  const wrong = await get('/api/geo/layers/rivers');
  t.is(wrong.status, 400);
  t.is(wrong.body.errors[0].field, 'params.layer');
});

test('the administrator adds, changes and deletes rows; others may read only', async (t) => {
  const road = {
    kind: 'road',
    name: '测试路',
    aliases: ['测试街'],
    category: '支路',
    geometry: {
      type: 'LineString',
      coordinates: [
        [120.55, 32.37],
        [120.555, 32.371],
      ],
    },
    numberFrom: 1,
    numberTo: 80,
  };
  t.is(
    (await call(api.base, 'POST', '/api/geo/features', { token: tokens.dispatcher, body: road })).status,
    403,
  );
  const created = await call(api.base, 'POST', '/api/geo/features', {
    token: tokens.administrator,
    body: road,
  });
  t.is(created.status, 201);
  t.like(created.body, { kind: 'road', name: '测试路', aliases: ['测试街'], numberTo: 80 });
  const door = await call(api.base, 'POST', '/api/geo/features', {
    token: tokens.administrator,
    body: {
      kind: 'door',
      name: '测试路8号',
      parentId: created.body.id,
      number: 8,
      geometry: { type: 'Point', coordinates: [120.5505, 32.3702] },
    },
  });
  t.is(door.status, 201);
  const renamed = await call(api.base, 'PATCH', `/api/geo/features/${created.body.id}`, {
    token: tokens.administrator,
    body: { name: '测试东路' },
  });
  t.is(renamed.status, 200);
  t.is(renamed.body.name, '测试东路');
  t.is((await get(`/api/geo/features?q=测试东&kind=road`)).body.total, 1);
  t.is((await get(`/api/geo/features?parentId=${created.body.id}`)).body.items[0].name, '测试路8号');

  const deleted = await call(api.base, 'DELETE', `/api/geo/features/${created.body.id}`, {
    token: tokens.administrator,
  });
  t.is(deleted.status, 204);
  // The road's door went with it.
  t.is((await get(`/api/geo/features/${door.body.id}`)).status, 404);
});

test('bad rows are refused with what is wrong and where', async (t) => {
  const post = (body: unknown) =>
    call(api.base, 'POST', '/api/geo/features', { token: tokens.administrator, body });
  const swapped = await post({
    kind: 'poi',
    name: '某店',
    geometry: { type: 'Point', coordinates: [32.38, 120.56] },
  });
  t.is(swapped.status, 400);
  t.deepEqual(swapped.body.errors, [
    {
      field: 'body.geometry.coordinates',
      message:
        '[32.38, 120.56] looks like [latitude, longitude]: GeoJSON positions are [longitude, latitude]',
    },
  ]);
  // Web-Mercator metres: another coordinate system.
  const mercator = await post({
    kind: 'poi',
    name: '某店',
    geometry: { type: 'Point', coordinates: [13422000, 3815000] },
  });
  t.regex(mercator.body.errors[0].message, /outside the city's extent .*wrong coordinate system/);
  const bowtie = await post({
    kind: 'estate',
    name: '某小区',
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [120.56, 32.38],
          [120.562, 32.382],
          [120.562, 32.38],
          [120.56, 32.382],
          [120.56, 32.38],
        ],
      ],
    },
  });
  t.deepEqual(bowtie.body.errors, [
    { field: 'body.geometry.coordinates.0', message: 'the ring crosses itself: edge 0–1 crosses edge 2–3' },
  ]);
  const line = await post({
    kind: 'road',
    name: '某路',
    geometry: { type: 'Point', coordinates: [120.56, 32.38] },
  });
  t.deepEqual(line.body.errors, [
    { field: 'body.geometry.type', message: 'expected "LineString" or "MultiLineString", got "Point"' },
  ]);
  const orphan = await post({
    kind: 'door',
    name: '某路1号',
    geometry: { type: 'Point', coordinates: [120.56, 32.38] },
  });
  t.deepEqual(
    orphan.body.errors.map((e: { field: string }) => e.field),
    ['body.number', 'body.parentId'],
  );
  t.is(await api.db.prisma.geoFeature.count({ where: { name: { startsWith: '某' } } }), 0);
});

test('GET /api/geocode and /api/reverse-geocode answer in words, with the grid cell and in the asked coordinate system', async (t) => {
  const cross = await get(`/api/geocode?q=${encodeURIComponent('如皋市海阳南路与宁海路交叉口')}`);
  t.is(cross.status, 200);
  t.like(cross.body.result, {
    kind: 'intersection',
    matched: '海阳南路与宁海路交叉口',
    confidence: 0.95,
    trusted: true,
  });
  t.regex(cross.body.result.gridCode, /^320682002\d{5}$/);
  t.is(cross.body.threshold, 0.6);

  const vague = await get(`/api/geocode?q=${encodeURIComponent('宁海路上')}`);
  t.like(vague.body.result, { kind: 'road', trusted: false });
  const nothing = await get(`/api/geocode?q=${encodeURIComponent('不知道在哪里')}`);
  t.is(nothing.body.result, null);

  const [lng, lat] = cross.body.result.point;
  const gcj = await get(`/api/geocode?q=${encodeURIComponent('海阳南路与宁海路交叉口')}&crs=gcj02`);
  t.is(gcj.body.crs, 'gcj02');
  t.true(gcj.body.result.point[0] > lng + 0.003, 'GCJ-02 lies ~400 m east in Rugao');

  const back = await get(`/api/reverse-geocode?lat=${lat}&lng=${lng}`);
  t.is(back.status, 200);
  t.is(back.body.community.street, '城南街道');
  t.regex(back.body.text, /^城南街道.+社区 (海阳南路|宁海路)\d+号/);
  t.is(back.body.gridCode, cross.body.result.gridCode);
  // The same place given in GCJ-02 is found as the same cell.
  const [glng, glat] = gcj.body.result.point;
  t.is(
    (await get(`/api/reverse-geocode?lat=${glat}&lng=${glng}&crs=gcj02`)).body.gridCode,
    cross.body.result.gridCode,
  );
  const outside = await get('/api/reverse-geocode?lat=31.2&lng=121.4');
  t.like(outside.body, { text: '不在已知道路和社区附近', gridCode: null, community: null });
});
