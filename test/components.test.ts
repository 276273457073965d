// 部件 registry (issue 12): the six major classes as reference data, component ids checked as
// admin 6 + major 2 + minor 2 + serial 6, the API with errors naming fields, the survey import (部件普查:
// all or nothing, a re-survey reports what changed) and a 部件 case end to end through the engine: the
// report sets the component's status, the owner unit is the dispatch suggestion, closing restores the
// status and the component's history lists the case.
import test from 'ava';
import { call } from './helpers/api.ts';
import { at, startScenarioHub, until, type Person, type ScenarioHub } from './helpers/scenario-hub.ts';

let s: ScenarioHub;
/** The centre of a grid cell of the demo city (inside GEO_EXTENT and a cell). */
let point: { lng: number; lat: number };
test.before(async () => {
  s = await startScenarioHub(at('2026-11-10 09:00'));
  const cell = await s.hub.db.prisma.gridCell.findFirstOrThrow({
    where: { active: true },
    orderBy: { code: 'asc' },
  });
  point = { lng: (cell.minLng + cell.maxLng) / 2, lat: (cell.minLat + cell.maxLat) / 2 };
});
test.after.always(() => s?.close());

const prisma = () => s.hub.db.prisma;
const admin = (method: string, path: string, body?: unknown) =>
  call(s.url, method, path, { token: s.token('administrator'), body });
const survey = (content: string, format: 'geojson' | 'csv' = 'csv') =>
  admin('POST', '/api/components/surveys', { format, content, crs: 'wgs84' });
const csv = (...rows: string[]) => ['code,name,department,status,surveyedAt,lng,lat', ...rows].join('\n');

test.serial('the six major classes and their minor types are reference data', async (t) => {
  const res = await s.as('dispatcher').get('/api/categories');
  t.is(res.status, 200);
  const majors = new Map<string, string>();
  for (const c of res.body.items as { kind: string; majorCode: string; majorName: string }[])
    if (c.kind === 'component') majors.set(c.majorCode, c.majorName);
  t.deepEqual(Object.fromEntries([...majors].sort()), {
    '01': '公用设施',
    '02': '道路交通',
    '03': '市容环境',
    '04': '园林绿化',
    '05': '房屋土地',
    '06': '其他设施',
  });
  // A city's 扩展部件: a major of its own, and components of it are accepted at once.
  const ext = await admin('POST', '/api/categories', {
    kind: 'component',
    code: '1001',
    majorName: '扩展部件',
    name: '智能垃圾桶',
  });
  t.is(ext.status, 201);
  const made = await admin('POST', '/api/components', {
    code: '320682100100000001',
    name: 'x',
    ...point,
  });
  t.is(made.status, 400, 'an 18-digit id is refused');
  const ok = await admin('POST', '/api/components', {
    code: '3206821001000001',
    name: '智能垃圾桶',
    ...point,
  });
  t.is(ok.status, 201);
  t.like(ok.body, {
    categoryCode: '1001',
    categoryName: '智能垃圾桶',
    majorName: '扩展部件',
    status: 'normal',
  });
});

test.serial('registering: each fault names its field; a registered id is a 409', async (t) => {
  const bad = await admin('POST', '/api/components', {
    code: '1100009901000001',
    name: '路灯',
    lng: 116.4,
    lat: 39.9,
    departmentId: 'nope',
  });
  t.is(bad.status, 400);
  t.is(bad.headers.get('content-type')?.split(';')[0], 'application/problem+json');
  const fields = (bad.body.errors as { field: string; message: string }[]).map((e) => e.field).sort();
  // admin division 110000 is not Rugao's, 9901 is no type, the point is outside the city, the unit unknown
  t.deepEqual(fields, ['body.code', 'body.code', 'body.departmentId', 'body.lng']);
  t.regex(JSON.stringify(bad.body.errors), /110000/);
  t.regex(JSON.stringify(bad.body.errors), /9901/);

  const serial0 = await admin('POST', '/api/components', {
    code: '3206820112000000',
    name: '路灯',
    ...point,
  });
  t.is(serial0.status, 400);
  t.regex(serial0.body.errors[0].message, /000001/);

  const good = await admin('POST', '/api/components', {
    code: '3206820112900001',
    name: '路灯',
    ...point,
    departmentId: s.unit.D18,
    surveyedAt: '2026-11-01',
  });
  t.is(good.status, 201);
  t.like(good.body, {
    categoryCode: '0112',
    categoryName: '路灯',
    majorName: '公用设施',
    departmentName: '市政设施管理处',
    surveyedAt: '2026-11-01',
  });
  t.truthy(good.body.gridCode);
  t.like(good.body.history[0], { type: 'created', toStatus: 'normal' });
  const twice = await admin('POST', '/api/components', { code: '3206820112900001', name: '路灯', ...point });
  t.is(twice.status, 409);
  t.is(twice.body.errors[0].field, 'body.code');

  const changed = await admin('PATCH', `/api/components/${good.body.id}`, {
    status: 'damaged',
    note: '灯杆倾斜',
  });
  t.is(changed.status, 200);
  t.like(changed.body.history[0], { type: 'updated', fromStatus: 'normal', toStatus: 'damaged' });
  t.deepEqual(changed.body.history[0].changes.map((c: { field: string }) => c.field).sort(), [
    'note',
    'status',
  ]);
  // A change of owner unit reads as the units' names, never their ids.
  const moved = await admin('PATCH', `/api/components/${good.body.id}`, { departmentId: s.unit.D05 });
  t.is(moved.status, 200);
  t.deepEqual(moved.body.history[0].changes, [
    { field: 'departmentId', from: '市政设施管理处', to: '城市管理局' },
  ]);
  const unowned = await admin('PATCH', `/api/components/${good.body.id}`, { departmentId: null });
  t.deepEqual(unowned.body.history[0].changes, [{ field: 'departmentId', from: '城市管理局', to: null }]);
  const list = await s
    .as('dispatcher')
    .get(
      `/api/components?status=damaged&majorCode=01&bbox=${point.lng - 0.01},${point.lat - 0.01},${point.lng + 0.01},${point.lat + 0.01}`,
    );
  t.is(list.status, 200);
  t.deepEqual(
    list.body.items.map((c: { code: string }) => c.code),
    ['3206820112900001'],
  );
});

test.serial('survey import: each fault refuses the whole file and stores nothing', async (t) => {
  const before = await prisma().component.count();
  const p = `${point.lng},${point.lat}`;
  const good = `3206820201900001,停车场,D17,完好,2026-11-02,${p}`;
  const faults: [string, string, RegExp][] = [
    ['bad code', `32068202019000,停车场,D17,完好,2026-11-02,${p}`, /16 位数字/],
    ['bad geometry', `3206820201900002,停车场,D17,完好,2026-11-02,121.9,40.1`, /超出|范围|之外/],
    ['duplicate id', `3206820201900001,停车场,D17,完好,2026-11-02,${p}`, /重复/],
    ['unknown type', `3206829901900001,无名,D17,完好,2026-11-02,${p}`, /9901/],
    ['bad status', `3206820201900003,停车场,D17,坏了,2026-11-02,${p}`, /状态/],
  ];
  for (const [what, row, reason] of faults) {
    const res = await survey(csv(good, row));
    t.is(res.status, 422, what);
    t.is(res.body.report.stored, false, what);
    t.is(res.body.report.rejected.length, 1, what);
    t.like(res.body.report.rejected[0], { at: '第 3 行' }, what);
    t.regex(res.body.report.rejected[0].reason, reason, what);
    t.is(await prisma().component.count(), before, `${what}: nothing half-imported`);
  }
});

test.serial(
  'survey import: a valid file is stored; a re-survey updates by id and reports what changed',
  async (t) => {
    const p = (dx: number) => [point.lng + dx, point.lat];
    const features = [
      ['3206820301900001', '公共厕所', 'D19', '完好'],
      ['3206820302900001', '垃圾箱', 'D19', '完好'],
      ['3206820401900001', '古树名木', 'D20', '完好'],
    ].map(([code, name, department, status], i) => ({
      type: 'Feature',
      properties: { code, name, department, status, surveyedAt: '2026-11-03' },
      geometry: { type: 'Point', coordinates: p(i * 0.0002) },
    }));
    const first = await survey(JSON.stringify({ type: 'FeatureCollection', features }), 'geojson');
    t.is(first.status, 200, JSON.stringify(first.body));
    t.like(first.body, { stored: true, rowsRead: 3, added: 3, updated: 0, unchanged: 0 });
    t.deepEqual(first.body.changes, []);

    const [lng0, lat0] = p(0);
    const [lng1, lat1] = p(0.0002);
    const again = await survey(
      csv(
        `3206820301900001,公共厕所,D05,破损,2026-11-20,${lng0},${lat0}`,
        `3206820302900001,垃圾箱,D19,完好,2026-11-03,${lng1},${lat1}`,
      ),
    );
    t.is(again.status, 200, JSON.stringify(again.body));
    t.like(again.body, { stored: true, rowsRead: 2, added: 0, updated: 1, unchanged: 1 });
    t.deepEqual(again.body.changes, [
      {
        code: '3206820301900001',
        name: '公共厕所',
        changes: [
          { field: 'departmentId', label: '权属单位', from: '环境卫生管理处', to: '城市管理局' },
          { field: 'status', label: '状态', from: '完好', to: '破损' },
          { field: 'surveyedAt', label: '普查日期', from: '2026-11-03', to: '2026-11-20' },
        ],
      },
    ]);
    const row = await prisma().component.findUniqueOrThrow({ where: { code: '3206820301900001' } });
    t.like(row, { status: 'damaged', departmentId: s.unit.D05 });
    const detail = await s.as('dispatcher').get(`/api/components/${row.id}`);
    t.deepEqual(
      detail.body.history.map((h: { type: string; note: string }) => [h.type, h.note]),
      [
        ['surveyed', '复查更新'],
        ['surveyed', '普查登记'],
      ],
    );
  },
);

async function act(person: Person, caseId: string, action: string, body = {}) {
  const res = await s.as(person).post(`/api/cases/${caseId}/actions/${action}`, body);
  if (res.status !== 200) throw new Error(`${person} ${action}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

test.serial(
  'a 部件 case end to end: reporting sets the status, the owner gets it, closing restores it, history lists it',
  async (t) => {
    t.timeout(240_000);
    // A seeded 上水井盖 owned by the water company (U-WATER).
    const cover = await prisma().component.findUniqueOrThrow({ where: { code: '3206820101000001' } });
    t.is(cover.departmentId, s.unit['U-WATER'] ?? 'U-WATER missing');
    t.is(cover.status, 'normal');
    const wrong = await s.as('field_supervisor').post('/api/cases', {
      source: 'supervisor',
      categoryKind: 'component',
      categoryCode: '0102',
      description: '井盖丢失',
      componentId: cover.id,
    });
    t.is(wrong.status, 400);
    t.is(wrong.body.errors[0].field, 'body.categoryCode');

    const res = await s.as('field_supervisor').post('/api/cases', {
      source: 'supervisor',
      categoryKind: 'component',
      categoryCode: '0101',
      description: '上水井盖丢失，路面有坑',
      componentId: cover.id,
      componentStatus: 'missing',
    });
    t.is(res.status, 201, JSON.stringify(res.body));
    const id = res.body.id as string;
    t.is((await prisma().component.findUniqueOrThrow({ where: { id: cover.id } })).status, 'missing');

    const caseRow = () => prisma().case.findUniqueOrThrow({ where: { id } });
    await until('accepted', async () => (await caseRow()).status === 'accepted');
    await act('acceptor', id, 'register');
    await s.waitingAt(id, 'ebg_dispatch');
    const suggestions = await s.as('dispatcher').get(`/api/cases/${id}/suggestions`);
    t.like(suggestions.body.dispatch[0], { assigneeId: s.unit['U-WATER'], why: 'owner' });
    await act('dispatcher', id, 'dispatch', { assigneeType: 'department', assigneeId: s.unit['U-WATER'] });
    await until('dispatched', async () => (await caseRow()).departmentId === s.unit['U-WATER']);
    await act('water_handler', id, 'sign');
    await act('water_handler', id, 'dispose', { note: '已补装井盖' });
    await until('checking', async () => (await caseRow()).status === 'checking');
    await act('field_supervisor', id, 'check', { result: 'passed' });
    await until('closed', async () => (await caseRow()).status === 'closed');

    const after = await s.as('dispatcher').get(`/api/components/${cover.id}`);
    t.is(after.body.status, 'normal');
    t.deepEqual(
      after.body.cases.map((c: { id: string; status: string }) => [c.id, c.status]),
      [[id, 'closed']],
    );
    t.deepEqual(
      after.body.history
        .filter((h: { caseId: string | null }) => h.caseId === id)
        .map((h: { type: string; fromStatus: string; toStatus: string; caseNo: string }) => [
          h.type,
          h.fromStatus,
          h.toStatus,
          h.caseNo,
        ]),
      [
        ['case_ended', 'missing', 'normal', res.body.caseNo],
        ['case_reported', 'normal', 'missing', res.body.caseNo],
      ],
    );
  },
);
