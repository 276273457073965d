// Imports of the city's geography (issue 19): grid cells with their responsible supervisor, gazetteer
// rows and components from GeoJSON and CSV, in a declared coordinate system. A file with one bad row is
// refused whole (nothing stored) and the report names the row and why in Chinese; a good file's rows
// exist afterwards, in WGS84, and the geocoder and the grid index answer with them at once.
import test from 'ava';
import { fromWgs84, type CoordinateSystem } from '../src/geography/index.ts';
import { distanceM } from '../src/geography/gazetteer.ts';
import { call, createUser, startTestApi, type TestApi } from './helpers/api.ts';

let hub: TestApi;
let admin: string;
test.before(async () => {
  hub = await startTestApi();
  const id = await createUser(hub.db, { username: 'admin', roles: ['administrator'] });
  admin = (await hub.auth.issueSession(id)).token;
  await createUser(hub.db, { username: 'jdy-wang', roles: ['field_supervisor'] });
  await hub.db.prisma.category.create({
    data: { kind: 'component', code: '0101', majorCode: '01', majorName: '公用设施', name: '上水井盖' },
  });
  await hub.db.prisma.department.create({ data: { code: 'D07', name: '自来水公司', kind: 'utility' } });
});
test.after.always(() => hub?.close());

const send = (body: Record<string, unknown>) =>
  call(hub.base, 'POST', '/api/geo/imports', { token: admin, body });
const count = () =>
  Promise.all([
    hub.db.prisma.gridCell.count(),
    hub.db.prisma.geoFeature.count(),
    hub.db.prisma.component.count(),
  ]);

/** A ~100 m square cell with its south-west corner at (lng, lat), WGS84, written in `crs`. */
function square(lng: number, lat: number, crs: CoordinateSystem = 'wgs84') {
  const d = 0.001;
  const ring = [
    [lng, lat],
    [lng + d, lat],
    [lng + d, lat + d],
    [lng, lat + d],
    [lng, lat],
  ].map((p) => fromWgs84(p as [number, number], crs));
  return { type: 'Polygon', coordinates: [ring] };
}
const cell = (code: string, geometry: unknown, extra: Record<string, unknown> = {}) => ({
  type: 'Feature',
  properties: { code, street: '城北街道', community: '测试社区', ...extra },
  geometry,
});
const collection = (features: unknown[], crs?: string) =>
  JSON.stringify({
    type: 'FeatureCollection',
    ...(crs ? { crs: { type: 'name', properties: { name: crs } } } : {}),
    features,
  });

test.serial('a grid file with a self-crossing cell is refused whole, naming the feature', async (t) => {
  const before = await count();
  const bowtie = {
    type: 'Polygon',
    coordinates: [
      [
        [120.6, 32.4],
        [120.601, 32.401],
        [120.601, 32.4],
        [120.6, 32.401],
        [120.6, 32.4],
      ],
    ],
  };
  const res = await send({
    target: 'grid',
    format: 'geojson',
    crs: 'wgs84',
    content: collection([
      cell('32068200100101', square(120.6, 32.4)),
      cell('32068200100102', square(120.601, 32.4)),
      cell('32068200100103', bowtie),
      cell('3206820010010', square(120.602, 32.4)),
    ]),
  });
  t.is(res.status, 422);
  t.is(res.headers.get('content-type'), 'application/problem+json');
  t.like(res.body.report, { stored: false, rowsRead: 4, added: 0, updated: 0 });
  t.deepEqual(res.body.report.rejected, [
    {
      at: '第 3 个要素',
      line: null,
      feature: 3,
      reason: '多边形自相交：第 0–1 条边与第 2–3 条边交叉（坐标位置 0）',
    },
    {
      at: '第 4 个要素',
      line: null,
      feature: 4,
      reason: '网格编码「3206820010010」应为 14 位数字（县 6 + 街道 3 + 社区 3 + 顺序号 2）',
    },
  ]);
  t.deepEqual(await count(), before);
});

test.serial('a gazetteer CSV with latitude and longitude swapped in one row stores nothing', async (t) => {
  const before = await count();
  const csv = [
    'kind,name,lng,lat,category',
    '兴趣点,测试广场,120.6005,32.4005,广场',
    '兴趣点,测试医院,32.4005,120.6015,医院',
    'poi,"名称里有,逗号",120.6005,32.4008,',
  ].join('\r\n');
  const res = await send({ target: 'gazetteer', format: 'csv', crs: 'wgs84', content: csv });
  t.is(res.status, 422);
  t.deepEqual(res.body.report.rejected, [
    {
      at: '第 3 行',
      line: 3,
      feature: null,
      reason: '坐标 [32.4005, 120.6015] 经纬度写反了：应为 [经度, 纬度]',
    },
  ]);
  t.deepEqual(res.body.errors, [
    { field: '第 3 行', message: '坐标 [32.4005, 120.6015] 经纬度写反了：应为 [经度, 纬度]' },
  ]);
  t.deepEqual(await count(), before);
});

test.serial(
  'a GeoJSON file in a projected CRS, or WGS84 declared as GCJ-02, is refused as a file',
  async (t) => {
    const mercator = await send({
      target: 'grid',
      format: 'geojson',
      crs: 'wgs84',
      content: collection([cell('32068200100101', square(120.6, 32.4))], 'urn:ogc:def:crs:EPSG::3857'),
    });
    t.is(mercator.status, 422);
    t.deepEqual(mercator.body.report.rejected, [
      {
        at: '文件',
        line: null,
        feature: null,
        reason:
          '文件声明的坐标参考系 EPSG:3857 不是经纬度坐标（应为 EPSG:4326 或 EPSG:4490）：请先转换为经纬度',
      },
    ]);
    const mismatch = await send({
      target: 'grid',
      format: 'geojson',
      crs: 'gcj02',
      content: collection([cell('32068200100101', square(120.6, 32.4))], 'EPSG:4490'),
    });
    t.is(mismatch.status, 422);
    t.is(
      mismatch.body.report.rejected[0].reason,
      '文件声明的坐标参考系 EPSG:4490（WGS84/CGCS2000）与导入时选择的 GCJ-02 不符',
    );
    t.is(await hub.db.prisma.gridCell.count(), 0);
  },
);

test.serial(
  'good files in GCJ-02 are stored in WGS84, and geocoding and the grid use them at once',
  async (t) => {
    const grid = await send({
      target: 'grid',
      format: 'geojson',
      crs: 'gcj02',
      content: collection([
        cell('32068200100101', square(120.6, 32.4, 'gcj02'), { supervisor: 'jdy-wang', areaClass: 2 }),
        cell('32068200100102', square(120.601, 32.4, 'gcj02')),
      ]),
    });
    t.is(grid.status, 200, JSON.stringify(grid.body));
    t.like(grid.body, { stored: true, rowsRead: 2, added: 2, updated: 0, rejected: [] });
    const stored = await hub.db.prisma.gridCell.findUniqueOrThrow({
      where: { code: '32068200100101' },
      include: { supervisor: true },
    });
    t.like(stored, { areaClass: 2, street: '城北街道', community: '测试社区' });
    t.is(stored.supervisor?.username, 'jdy-wang');
    t.true(
      Math.abs(stored.minLng - 120.6) < 1e-5 && Math.abs(stored.minLat - 32.4) < 1e-5,
      `${stored.minLng} ${stored.minLat}`,
    );

    const [roadA, roadB] = [fromWgs84([120.6, 32.4005], 'gcj02'), fromWgs84([120.602, 32.4005], 'gcj02')];
    const door = fromWgs84([120.6012, 32.4004], 'gcj02');
    const poi = fromWgs84([120.6005, 32.4008], 'gcj02');
    const csv = [
      'kind,name,aliases,geometry,parent,number,lng,lat,category',
      `道路,测试路,测试大道,"${JSON.stringify({ type: 'LineString', coordinates: [roadA, roadB] }).replaceAll('"', '""')}",,,,,支路`,
      `门牌,测试路12号,,,测试路,12,${door[0]},${door[1]},`,
      `兴趣点,测试广场,,,,,${poi[0]},${poi[1]},广场`,
    ].join('\n');
    const gaz = await send({ target: 'gazetteer', format: 'csv', crs: 'gcj02', content: csv });
    t.is(gaz.status, 200, JSON.stringify(gaz.body));
    t.like(gaz.body, { stored: true, rowsRead: 3, added: 3, updated: 0 });

    const located = await call(hub.base, 'GET', `/api/geocode?q=${encodeURIComponent('如皋市测试路12号')}`, {
      token: admin,
    });
    t.is(located.status, 200);
    t.is(located.body.result.matched, '测试路12号');
    t.true(
      distanceM(located.body.result.point, [120.6012, 32.4004]) < 1,
      JSON.stringify(located.body.result),
    );
    t.is(located.body.result.gridCode, '32068200100102');
    const square_ = await call(hub.base, 'GET', `/api/geocode?q=${encodeURIComponent('测试广场')}`, {
      token: admin,
    });
    t.is(square_.body.result.gridCode, '32068200100101');

    // The same file again updates what it added.
    const again = await send({ target: 'gazetteer', format: 'csv', crs: 'gcj02', content: csv });
    t.like(again.body, { stored: true, added: 0, updated: 3 });
    t.is(await hub.db.prisma.geoFeature.count(), 3);
  },
);

test.serial(
  'components: a code that disagrees with its category is refused; a good CSV is stored in its cells',
  async (t) => {
    const bad = await send({
      target: 'components',
      format: 'csv',
      crs: 'wgs84',
      content:
        'code,category,name,lng,lat,department\n3206820101000001,0101,上水井盖,120.6005,32.4005,D07\n3206820102000002,0101,污水井盖,120.6015,32.4005,D07\n',
    });
    t.is(bad.status, 422);
    t.deepEqual(
      bad.body.report.rejected.map((r: { at: string; reason: string }) => `${r.at} ${r.reason}`),
      ['第 3 行 部件类别 0101 与编码第 7–10 位 0102 不一致'],
    );
    t.is(await hub.db.prisma.component.count(), 0);
    const file = {
      target: 'components',
      format: 'csv',
      crs: 'wgs84',
      content:
        'code,name,lng,lat,department,status\n3206820101000001,上水井盖,120.6005,32.4005,D07,完好\n3206820101000002,上水井盖,120.6015,32.4005,,损坏\n',
    };
    const dry = await send({ ...file, dryRun: true });
    t.like(dry.body, { stored: false, dryRun: true, added: 2, rejected: [] });
    t.is(await hub.db.prisma.component.count(), 0);
    const good = await send(file);
    t.is(good.status, 200);
    const rows = await hub.db.prisma.component.findMany({
      orderBy: { code: 'asc' },
      include: { department: true },
    });
    t.deepEqual(
      rows.map((c) => [c.code, c.categoryCode, c.gridCode, c.department?.code ?? null, c.status]),
      [
        ['3206820101000001', '0101', '32068200100101', 'D07', 'normal'],
        ['3206820101000002', '0101', '32068200100102', null, 'damaged'],
      ],
    );
  },
);

test('only administrators import', async (t) => {
  const id = await createUser(hub.db, { username: 'dispatcher-x', roles: ['dispatcher'] });
  const { token } = await hub.auth.issueSession(id);
  const res = await call(hub.base, 'POST', '/api/geo/imports', {
    token,
    body: { target: 'grid', format: 'csv', crs: 'wgs84', content: 'code\n' },
  });
  t.is(res.status, 403);
});
