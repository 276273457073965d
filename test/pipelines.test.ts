// 地下管网 (issue 12): segments imported from GeoJSON or CSV through the geography importer — a valid file
// stored, each kind of fault (bad code, bad geometry, duplicate id, unknown type, unknown owner, bad
// depth) refusing the whole file with nothing stored, a re-import updating by 管线编号 — then read by list,
// detail and the map's layer for a viewport; a 井盖 naming the line it covers; the distance from a point to a
// line in metres.
import test from 'ava';
import { call } from './helpers/api.ts';
import { at, startScenarioHub, type ScenarioHub } from './helpers/scenario-hub.ts';
import { distanceToLine } from '../src/pipelines/nearby.ts';

let s: ScenarioHub;
let o: { lng: number; lat: number };
test.before(async () => {
  s = await startScenarioHub(at('2026-11-10 09:00'));
  const cell = await s.hub.db.prisma.gridCell.findFirstOrThrow({
    where: { active: true },
    orderBy: { code: 'asc' },
  });
  o = { lng: (cell.minLng + cell.maxLng) / 2, lat: (cell.minLat + cell.maxLat) / 2 };
});
test.after.always(() => s?.close());

const admin = (method: string, path: string, body?: unknown) =>
  call(s.url, method, path, { token: s.token('administrator'), body });
const imports = (content: string, format: 'geojson' | 'csv' = 'csv') =>
  admin('POST', '/api/pipelines/imports', { format, content, crs: 'wgs84' });
/** A line from `a` to `b` (offsets in degrees from the cell's middle) as a CSV cell. */
const line = (a: [number, number], b: [number, number]) =>
  `"${JSON.stringify({
    type: 'LineString',
    coordinates: [
      [o.lng + a[0], o.lat + a[1]],
      [o.lng + b[0], o.lat + b[1]],
    ],
  }).replaceAll('"', '""')}"`;
const HEAD = 'code,kind,owner,depthM,material,diameterMm,year,geometry';

test.serial('a file with any fault is refused row by row and stores nothing', async (t) => {
  const good = `GS-0001,给水,U-WATER,1.5,球墨铸铁,300,2008,${line([-0.001, 0], [0.001, 0])}`;
  const faults: [string, string, RegExp][] = [
    ['bad code', `GS 01,给水,U-WATER,1.5,,,,${line([0, 0], [0.001, 0])}`, /管线编号「GS 01」只能是/],
    [
      'bad geometry',
      `GS-0002,给水,U-WATER,1.5,,,,"{""type"":""Point"",""coordinates"":[${o.lng},${o.lat}]}"`,
      /几何类型应为线或多线，实际为 "Point"/,
    ],
    [
      'outside the city',
      `GS-0003,给水,U-WATER,1.5,,,,"{""type"":""LineString"",""coordinates"":[[116.4,39.9],[116.5,39.9]]}"`,
      /不在本市范围/,
    ],
    ['duplicate id', good, /与第 2 行重复（管线编号 GS-0001）/],
    ['unknown type', `GS-0004,自来水,U-WATER,1.5,,,,${line([0, 0], [0.001, 0])}`, /管线类型「自来水」未知/],
    [
      'unknown owner',
      `GS-0005,给水,自来水厂,1.5,,,,${line([0, 0], [0.001, 0])}`,
      /权属单位「自来水厂」不是在用的单位/,
    ],
    ['bad depth', `GS-0006,给水,U-WATER,150,,,,${line([0, 0], [0.001, 0])}`, /埋深（米）应为 0–50/],
  ];
  for (const [what, row, reason] of faults) {
    const res = await imports([HEAD, good, row].join('\n'));
    t.is(res.status, 422, what);
    t.is(res.body.report.rejected.length, 1, what);
    t.is(res.body.report.rejected[0].at, '第 3 行', what);
    t.regex(res.body.report.rejected[0].reason, reason, what);
    t.false(res.body.report.stored, what);
  }
  t.is(await s.hub.db.prisma.pipeline.count(), 0, 'nothing half-imported');
});

test.serial(
  'a valid file is stored; a re-import updates by 管线编号; list, detail and map layer',
  async (t) => {
    const geojson = {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: {
            code: 'RQ-0001',
            kind: 'gas',
            owner: '如皋市燃气公司',
            depthM: 1.2,
            diameterMm: 160,
            material: 'PE',
            year: 2015,
          },
          geometry: {
            type: 'LineString',
            coordinates: [
              [o.lng - 0.001, o.lat + 0.0005],
              [o.lng + 0.001, o.lat + 0.0005],
            ],
          },
        },
        {
          type: 'Feature',
          properties: { code: 'TX-0001', kind: '通信管', owner: 'D18' },
          geometry: {
            type: 'MultiLineString',
            coordinates: [
              [
                [o.lng, o.lat - 0.001],
                [o.lng, o.lat + 0.001],
              ],
              [
                [o.lng + 0.002, o.lat - 0.001],
                [o.lng + 0.002, o.lat + 0.001],
              ],
            ],
          },
        },
      ],
    };
    const first = await imports(JSON.stringify(geojson), 'geojson');
    t.is(first.status, 200, JSON.stringify(first.body));
    t.like(first.body, { stored: true, rowsRead: 2, added: 2, updated: 0 });
    geojson.features[0]!.properties.depthM = 1.4;
    const again = await imports(JSON.stringify(geojson), 'geojson');
    t.like(again.body, { stored: true, added: 0, updated: 2 });

    const list = await s.as('dispatcher').get('/api/pipelines?kind=gas');
    t.is(list.status, 200);
    t.is(list.body.total, 1);
    t.like(list.body.items[0], {
      code: 'RQ-0001',
      kind: 'gas',
      kindName: '燃气',
      ownerName: '如皋市燃气公司',
      depthM: 1.4,
      diameterMm: 160,
      material: 'PE',
      year: 2015,
    });
    const one = await s.as('dispatcher').get(`/api/pipelines/${list.body.items[0].id}`);
    t.is(one.body.geometry.type, 'LineString');
    t.is((await s.as('dispatcher').get('/api/pipelines/nope')).status, 404);

    // The layer: a line crossing the view with no vertex in it is there; a box away from both is empty.
    const view = `${o.lng - 0.0002},${o.lat - 0.0002},${o.lng + 0.0002},${o.lat + 0.0002}`;
    const layer = await s.as('dispatcher').get(`/api/map/pipelines?bbox=${view}`);
    t.deepEqual(
      layer.body.features.map((f: { properties: { code: string; ownerName: string } }) => [
        f.properties.code,
        f.properties.ownerName,
      ]),
      [['TX-0001', '市政设施管理处']],
    );
    const wide = `${o.lng - 0.003},${o.lat - 0.003},${o.lng + 0.003},${o.lat + 0.003}`;
    const cut = await s.as('dispatcher').get(`/api/map/pipelines?bbox=${wide}&limit=1`);
    t.is(cut.body.features.length, 1);
    t.true(cut.body.truncated);
    t.is(
      (await s.as('dispatcher').get('/api/map/pipelines?bbox=120.0,32.0,120.01,32.01')).body.features.length,
      0,
    );
    t.is(
      (await s.as('dispatcher').post('/api/pipelines/imports', { format: 'csv', content: HEAD })).status,
      403,
    );
  },
);

test.serial(
  'a 井盖 names the line it covers: the nearest of the kind its type names, within 3 m',
  async (t) => {
    // Covers 30 m east along the gas line RQ-0001 (stored by the test above), `off` metres north of its axis.
    const cover = async (code: string, off: number) => {
      const made = await admin('POST', '/api/components', {
        code,
        name: '测试井盖',
        lng: o.lng + 0.0003,
        lat: o.lat + 0.0005 + off / 111_320,
      });
      t.is(made.status, 201, JSON.stringify(made.body));
      return made.body;
    };
    const gas = await cover('3206820110000901', 1);
    t.like(gas.pipeline, { code: 'RQ-0001', kind: 'gas', kindName: '燃气', ownerName: '如皋市燃气公司' });
    t.true(Math.abs(gas.pipeline.distanceM - 1) <= 0.1, String(gas.pipeline.distanceM));
    // The same spot, other types: a 上水井盖 (no water line here) and a 公安井盖 (no line of its own).
    t.is((await cover('3206820101000901', 1)).pipeline, null);
    t.is((await cover('3206820111000901', 1)).pipeline, null);
    // A gas cover 5 m off the line covers none of it.
    t.is((await cover('3206820110000902', 5)).pipeline, null);
    // As the 部件 page reads it.
    const read = await s.as('dispatcher').get(`/api/components/${gas.id}`);
    t.is(read.status, 200);
    t.is(read.body.pipeline.code, 'RQ-0001');
  },
);

test('the distance from a point to a line, in metres', (t) => {
  // 0.001° of latitude ≈ 111.2 m; a point 0.001° north of an east-west line
  const p = { lng: 120.57, lat: 32.381 };
  const d = distanceToLine(p, [
    [120.569, 32.38],
    [120.571, 32.38],
  ]);
  t.true(Math.abs(d - 111.2) < 0.5, String(d));
  // beyond the segment's end: the distance to the end point
  const end = distanceToLine({ lng: 120.573, lat: 32.38 }, [
    [120.569, 32.38],
    [120.571, 32.38],
  ]);
  t.true(Math.abs(end - 188) < 1, String(end));
});
