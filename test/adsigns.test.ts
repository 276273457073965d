// 广告店招 archive (issue 12): entries with kind, position, size, owner and permit; the status follows
// the permit's period on the city's date (有效/即将到期/已过期/未许可/已拆除); who may change it; the
// import (all or nothing, each refused row named); an unpermitted sign found by a supervisor or by video
// becomes a 宣传广告 case naming the entry, and the entry lists its cases.
import test from 'ava';
import { call } from './helpers/api.ts';
import { at, startScenarioHub, type ScenarioHub } from './helpers/scenario-hub.ts';

let s: ScenarioHub;
let point: { lng: number; lat: number };
let cellCode: string;
test.before(async () => {
  s = await startScenarioHub(at('2026-11-10 09:00'));
  const cell = await s.hub.db.prisma.gridCell.findFirstOrThrow({
    where: { active: true },
    orderBy: { code: 'asc' },
  });
  cellCode = cell.code;
  point = { lng: (cell.minLng + cell.maxLng) / 2, lat: (cell.minLat + cell.maxLat) / 2 };
});
test.after.always(() => s?.close());

const prisma = () => s.hub.db.prisma;
const admin = (method: string, path: string, body?: unknown) =>
  call(s.url, method, path, { token: s.token('administrator'), body });
const sign = (code: string, extra: Record<string, unknown> = {}) => ({
  code,
  kind: 'shop_sign',
  name: '老街面馆',
  ...point,
  address: '如城街道海阳路 18 号',
  widthM: 6,
  heightM: 1.2,
  ownerName: '如皋市老街面馆',
  ownerContact: '0513-87000000',
  ...extra,
});
const permit = (no: string, start: string, end: string) => ({
  permitNo: no,
  permitStart: start,
  permitEnd: end,
});
const imports = (content: string, format: 'geojson' | 'csv' = 'csv') =>
  admin('POST', '/api/ad-signs/imports', { format, content, crs: 'wgs84' });
const HEAD = 'code,kind,name,ownerName,permitNo,permitStart,permitEnd,widthM,heightM,lng,lat';

test.serial('adding: each fault names its field; a registered 档案号 is a 409', async (t) => {
  const bad = await admin('POST', '/api/ad-signs', {
    ...sign('GG 1'),
    lng: 116.4,
    lat: 39.9,
    widthM: -1,
    permitNo: 'RG-GG-2026-001',
    permitStart: '2026-12-01',
    permitEnd: '2026-01-31',
  });
  t.is(bad.status, 400);
  const fields = (bad.body.errors as { field: string; message: string }[]).map((e) => e.field).sort();
  t.deepEqual(fields, ['body.code', 'body.lng', 'body.permitEnd', 'body.widthM']);
  t.regex(JSON.stringify(bad.body.errors), /许可截止日期 2026-01-31 早于起始日期 2026-12-01/);
  t.regex(JSON.stringify(bad.body.errors), /不在本市范围/);

  const noPeriod = await admin('POST', '/api/ad-signs', { ...sign('GG-0001'), permitNo: 'RG-GG-2026-001' });
  t.is(noPeriod.status, 400);
  t.is(noPeriod.body.errors[0].field, 'body.permitNo');

  const ok = await admin('POST', '/api/ad-signs', {
    ...sign('GG-0001'),
    ...permit('RG-GG-2026-001', '2026-01-01', '2027-06-30'),
    permitConditions: '不得遮挡消防通道；夜间 22 时后关闭灯光',
  });
  t.is(ok.status, 201, JSON.stringify(ok.body));
  t.like(ok.body, { code: 'GG-0001', status: 'valid', gridCode: cellCode, permitEnd: '2027-06-30' });
  t.is(ok.body.history[0].type, 'created');
  t.is(ok.body.history[0].actorName.length > 0, true);

  const twice = await admin('POST', '/api/ad-signs', sign('GG-0001'));
  t.is(twice.status, 409);
  t.is(twice.body.errors[0].field, 'body.code');
});

test.serial('the status follows the permit on the city’s date, and moves with the clock', async (t) => {
  // Today is 2026-11-10: a permit ending within 30 days is 即将到期, one ended 已过期, none 未许可.
  const made = {
    expiring: await admin('POST', '/api/ad-signs', {
      ...sign('GG-0002', { kind: 'billboard', name: '如皋长寿之乡 户外广告' }),
      ...permit('RG-GG-2025-017', '2025-12-01', '2026-11-30'),
    }),
    expired: await admin('POST', '/api/ad-signs', {
      ...sign('GG-0003', { kind: 'light_box', name: '便民超市灯箱' }),
      ...permit('RG-GG-2024-090', '2024-11-01', '2026-10-31'),
    }),
    unpermitted: await admin('POST', '/api/ad-signs', sign('GG-0004', { name: '鑫鑫烟酒店' })),
  };
  for (const [status, res] of Object.entries(made)) {
    t.is(res.status, 201);
    t.is(res.body.status, status, res.body.code);
  }
  const list = await s.as('dispatcher').get('/api/ad-signs?status=expiring');
  t.is(list.status, 200);
  t.deepEqual(
    (list.body.items as { code: string }[]).map((i) => i.code),
    ['GG-0002'],
  );
  const text = await s.as('leader').get(`/api/ad-signs?q=${encodeURIComponent('灯箱')}`);
  t.deepEqual(
    (text.body.items as { code: string }[]).map((i) => i.code),
    ['GG-0003'],
  );
  const far = await s.as('dispatcher').get('/api/ad-signs?bbox=120.0,32.0,120.01,32.01');
  t.is(far.body.total, 0);
  const here = await s
    .as('dispatcher')
    .get(
      `/api/ad-signs?bbox=${point.lng - 0.001},${point.lat - 0.001},${point.lng + 0.001},${point.lat + 0.001}`,
    );
  t.is(here.body.total, 4);

  // Three weeks on, 2026-12-01: GG-0002's permit (to 2026-11-30) has ended.
  await s.clock.add(21 * 86_400_000);
  const later = await s.as('dispatcher').get(`/api/ad-signs/${made.expiring.body.id}`);
  t.is(later.body.status, 'expired');
  const expired = await s.as('dispatcher').get('/api/ad-signs?status=expired');
  t.deepEqual(
    (expired.body.items as { code: string }[]).map((i) => i.code),
    ['GG-0002', 'GG-0003'],
  );

  // The map's layer for the view: each sign's status on the same date; cut at the limit, saying so.
  const box = `${point.lng - 0.001},${point.lat - 0.001},${point.lng + 0.001},${point.lat + 0.001}`;
  const layer = await s.as('dispatcher').get(`/api/map/ad-signs?bbox=${box}`);
  t.is(layer.status, 200);
  t.deepEqual(
    (layer.body.features as { properties: { code: string; status: string } }[]).map((f) => [
      f.properties.code,
      f.properties.status,
    ]),
    [
      ['GG-0001', 'valid'],
      ['GG-0002', 'expired'],
      ['GG-0003', 'expired'],
      ['GG-0004', 'unpermitted'],
    ],
  );
  t.false(layer.body.truncated);
  const cut = await s.as('dispatcher').get(`/api/map/ad-signs?bbox=${box}&limit=2`);
  t.is(cut.body.features.length, 2);
  t.true(cut.body.truncated);
  t.is(
    (await s.as('dispatcher').get('/api/map/ad-signs?bbox=120.0,32.0,120.01,32.01')).body.features.length,
    0,
  );
  t.is((await s.as('dispatcher').get('/api/map/ad-signs?bbox=121,32,120,33')).status, 400);
});

test.serial('who may change the archive: administrators, 执法人员 and the units concerned', async (t) => {
  const entry = await prisma().adSign.findUniqueOrThrow({ where: { code: 'GG-0004' } });
  const water = await s.as('water_handler').put(`/api/ad-signs/${entry.id}`, {});
  t.is(water.status, 405, 'changes are PATCH');
  const other = await call(s.url, 'PATCH', `/api/ad-signs/${entry.id}`, {
    token: s.token('water_handler'),
    body: { ownerContact: '13800000000' },
  });
  t.is(other.status, 403);
  t.regex(other.body.detail, /城市管理局、综合行政执法局/);
  const readsOnly = await call(s.url, 'PATCH', `/api/ad-signs/${entry.id}`, {
    token: s.token('dispatcher'),
    body: { ownerContact: '13800000000' },
  });
  t.is(readsOnly.status, 403);
  const officer = await call(s.url, 'PATCH', `/api/ad-signs/${entry.id}`, {
    token: s.token('law_enforcement'),
    body: { ownerContact: '13800000000', widthM: 4.5 },
  });
  t.is(officer.status, 200, JSON.stringify(officer.body));
  t.like(officer.body, { ownerContact: '13800000000', widthM: 4.5 });
  t.deepEqual(officer.body.history[0].changes, [
    { field: 'widthM', from: '6', to: '4.5' },
    { field: 'ownerContact', from: '0513-87000000', to: '13800000000' },
  ]);
  // The list tells each reader whether they may change the archive, so the page offers editing only then.
  const editable: Record<string, boolean> = {};
  for (const user of [
    'administrator',
    'law_enforcement',
    'department_handler',
    'water_handler',
    'dispatcher',
  ] as const)
    editable[user] = (await s.as(user).get('/api/ad-signs?limit=1')).body.editable;
  t.deepEqual(editable, {
    administrator: true,
    law_enforcement: true,
    department_handler: true, // 综合行政执法局 (D06)
    water_handler: false,
    dispatcher: false,
  });
});

test.serial('import: each fault refused by row, nothing stored; a good file adds and updates', async (t) => {
  const before = await prisma().adSign.count();
  const faults: [string, RegExp][] = [
    [`GG-0101,霓虹灯,夜市招牌,张三,,,,2,1,${point.lng},${point.lat}`, /类型「霓虹灯」未知/],
    [`GG-0102,shop_sign,面包房,李四,,,,2,1,116.4,39.9`, /不在本市范围/],
    [
      `GG-0103,店招,面包房,李四,RG-GG-1,2026-01-01,,2,1,${point.lng},${point.lat}`,
      /有许可证号就要有许可期限/,
    ],
    [`GG-0104,店招,面包房,,,,,2,1,${point.lng},${point.lat}`, /缺少设置单位或个人/],
  ];
  for (const [row, why] of faults) {
    const res = await imports(
      [HEAD, `GG-0100,店招,好味道,王五,,,,3,1,${point.lng},${point.lat}`, row].join('\n'),
    );
    t.is(res.status, 422, row);
    t.is(res.body.report.rejected.length, 1);
    t.is(res.body.report.rejected[0].at, '第 3 行');
    t.regex(res.body.report.rejected[0].reason, why);
    t.false(res.body.report.stored);
  }
  const twice = await imports(
    [
      HEAD,
      `GG-0100,店招,好味道,王五,,,,3,1,${point.lng},${point.lat}`,
      `GG-0100,店招,好味道,王五,,,,3,1,${point.lng},${point.lat}`,
    ].join('\n'),
  );
  t.is(twice.status, 422);
  t.regex(twice.body.report.rejected[0].reason, /与第 2 行重复/);
  t.is(await prisma().adSign.count(), before, 'nothing half-imported');

  const geojson = JSON.stringify({
    type: 'FeatureCollection',
    features: [
      {
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [point.lng, point.lat] },
        properties: {
          code: 'GG-0100',
          kind: '店招',
          name: '好味道',
          ownerName: '王五',
          widthM: 3,
          heightM: 1,
        },
      },
      {
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [point.lng, point.lat] },
        properties: {
          code: 'GG-0001',
          kind: '店招',
          name: '老街面馆',
          ownerName: '如皋市老街面馆',
          ownerContact: '0513-87000000',
          address: '如城街道海阳路 18 号',
          widthM: 6,
          heightM: 1.5,
          permitNo: 'RG-GG-2026-001',
          permitStart: '2026-01-01',
          permitEnd: '2027-06-30',
          permitConditions: '不得遮挡消防通道；夜间 22 时后关闭灯光',
        },
      },
    ],
  });
  const good = await imports(geojson, 'geojson');
  t.is(good.status, 200, JSON.stringify(good.body));
  t.like(good.body, { stored: true, rowsRead: 2, added: 1, updated: 1 });
  const updated = await prisma().adSign.findUniqueOrThrow({
    where: { code: 'GG-0001' },
    include: { events: { orderBy: { at: 'desc' }, take: 1 } },
  });
  t.is(updated.heightM, 1.5);
  t.is(updated.events[0]!.type, 'imported');
  t.deepEqual(updated.events[0]!.changes, [{ field: 'heightM', from: '1.2', to: '1.5' }]);
});

test.serial(
  'an unpermitted sign found by a supervisor or by video becomes a 宣传广告 case on the entry',
  async (t) => {
    const entry = await prisma().adSign.findUniqueOrThrow({ where: { code: 'GG-0004' } });
    const wrong = await s.as('field_supervisor').post('/api/cases', {
      source: 'supervisor',
      categoryCode: '0101',
      description: '未经许可设置店招',
      adSignId: entry.id,
    });
    t.is(wrong.status, 400);
    t.is(wrong.body.errors[0].field, 'body.categoryCode');

    const found = await s.as('field_supervisor').post('/api/cases', {
      source: 'supervisor',
      categoryCode: '0201',
      description: '鑫鑫烟酒店门头店招未经许可设置',
      adSignId: entry.id,
    });
    t.is(found.status, 201, JSON.stringify(found.body));
    t.like(found.body, { lng: entry.lng, lat: entry.lat, gridCode: cellCode, address: entry.address });
    const seen = await s.as('acceptor').post('/api/cases', {
      source: 'video',
      categoryCode: '0299',
      description: '视频巡查：鑫鑫烟酒店新增灯箱，无许可',
      adSignId: entry.id,
    });
    t.is(seen.status, 201, JSON.stringify(seen.body));

    const detail = await s.as('law_enforcement').get(`/api/ad-signs/${entry.id}`);
    t.is(detail.status, 200);
    t.deepEqual(
      (detail.body.cases as { caseNo: string; categoryName: string }[])
        .map((c) => [c.caseNo, c.categoryName])
        .sort(),
      [
        [found.body.caseNo, '非法小广告'],
        [seen.body.caseNo, '其他'],
      ].sort(),
    );
    t.deepEqual(
      (detail.body.history as { type: string; caseNo: string | null }[])
        .filter((h) => h.type === 'case_reported')
        .map((h) => h.caseNo)
        .sort(),
      [found.body.caseNo, seen.body.caseNo].sort(),
    );

    // Taken down: 已拆除, and no new case names it.
    const removed = await admin('PATCH', `/api/ad-signs/${entry.id}`, { removed: true });
    t.is(removed.status, 200);
    t.is(removed.body.status, 'removed');
    t.is(removed.body.history[0].type, 'removed');
    const late = await s.as('field_supervisor').post('/api/cases', {
      source: 'supervisor',
      categoryCode: '0201',
      description: '又见该店招',
      adSignId: entry.id,
    });
    t.is(late.status, 400);
    t.is(late.body.errors[0].field, 'body.adSignId');
  },
);
