// 市民通 through a whole hub (embedded engine, workers, real HTTP), on SQLite or PostgreSQL (HUB_TEST_DB):
// a citizen with a device token (no account) reports with a photo and a position through the Open311
// intake, follows the report by its token in plain words, and after 结案 rates it 不满意 — recorded as the
// case's 回访 and reopening it as the hotline's 回访 does (the procedure goes back to 派遣). Photos are
// checked as elsewhere; reports are limited per device and per address; nearby reports are listed.
import test from 'ava';
import type { Reply } from './helpers/api.ts';
import { at, startScenarioHub, until, type Person, type ScenarioHub } from './helpers/scenario-hub.ts';

let s: ScenarioHub;
let point = { lng: 0, lat: 0 };
test.before(async () => {
  s = await startScenarioHub(at('2026-10-12 09:00'), {
    CITIZEN_REPORTS_PER_DEVICE_DAY: '2',
    CITIZEN_REPORTS_PER_ADDRESS_DAY: '3',
  });
  const cell = await s.hub.db.prisma.gridCell.findFirstOrThrow({
    where: { active: true, supervisorUserId: { not: null } },
    orderBy: { code: 'asc' },
  });
  point = { lng: (cell.minLng + cell.maxLng) / 2, lat: (cell.minLat + cell.maxLat) / 2 };
});
test.after.always(() => s?.close());

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const caseRow = (id: string) => s.hub.db.prisma.case.findUniqueOrThrow({ where: { id } });
async function ok(person: Person, caseId: string, action: string, body = {}) {
  const res = await s.as(person).post(`/api/cases/${caseId}/actions/${action}`, body);
  if (res.status !== 200) throw new Error(`${person} ${action}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
async function newDevice(): Promise<string> {
  const res = await fetch(`${s.url}/api/citizen/devices`, { method: 'POST' });
  return ((await res.json()) as { deviceToken: string }).deviceToken;
}
async function report(
  device: string | null,
  fields: Record<string, string>,
  photo = { bytes: PNG, name: '现场.png', type: 'image/png' },
) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('photos', new Blob([photo.bytes], { type: photo.type }), photo.name);
  const res = await fetch(`${s.url}/api/citizen/reports`, {
    method: 'POST',
    headers: device ? { 'x-device-token': device } : {},
    body: form,
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Reply['body'] };
}
const follow = async (token: string) =>
  (await (await fetch(`${s.url}/api/citizen/reports/${token}`)).json()) as Reply['body'];
async function rate(device: string, token: string, satisfied: boolean) {
  const res = await fetch(`${s.url}/api/citizen/reports/${token}/rating`, {
    method: 'POST',
    headers: { 'x-device-token': device, 'content-type': 'application/json' },
    body: JSON.stringify({ satisfied, note: satisfied ? undefined : '摊位第二天又摆出来了' }),
  });
  return { status: res.status, body: (await res.json()) as Reply['body'] };
}

test.serial(
  'a citizen reports with a photo, follows it in plain words, rates 不满意 and the case is reopened',
  async (t) => {
    const device = await newDevice();
    t.regex(device, /^[A-Za-z0-9_-]{43}$/);
    const fields = {
      serviceCode: '0504',
      lat: String(point.lat),
      lng: String(point.lng),
      address: '海阳路 18 号门前',
      description: '水果店在人行道上摆摊',
    };
    t.is((await report(null, fields)).status, 401);
    // A "photo" that is not an image: 415 naming the file, nothing stored.
    const fake = await report(device, fields, {
      bytes: Buffer.from('not an image'),
      name: 'x.jpg',
      type: 'image/jpeg',
    });
    t.is(fake.status, 415);
    t.is(await s.hub.db.prisma.citizenReport.count(), 0);

    const made = await report(device, fields);
    t.is(made.status, 201, JSON.stringify(made.body));
    const token = made.body.token as string;
    t.regex(token, /^[0-9a-f]{32}$/);
    t.like(made.body, {
      categoryName: '店外经营',
      description: '水果店在人行道上摆摊',
      closed: false,
      canRate: false,
    });
    const c = await s.hub.db.prisma.case.findUniqueOrThrow({
      where: { source_sourceRef: { source: 'open311', sourceRef: token } },
    });
    t.is(c.caseNo, made.body.caseNo);
    t.is(await s.hub.db.prisma.attachment.count({ where: { caseId: c.id, kind: 'report' } }), 1);

    // 核实 by the grid's supervisor, 立案, 派遣, 处置, 核查: the citizen reads each stage in plain words.
    await until('verifying', async () => (await caseRow(c.id)).status === 'verifying');
    t.is((await follow(token)).statusText, '工作人员正在现场核实');
    await s.waitingAt(c.id, 'rt_verify');
    await ok('field_supervisor', c.id, 'verify', { result: 'confirmed' });
    await ok('acceptor', c.id, 'register');
    await s.waitingAt(c.id, 'ebg_dispatch');
    await ok('dispatcher', c.id, 'dispatch', { assigneeType: 'department', assigneeId: s.unit.D06 });
    await s.waitingAt(c.id, 's1_wait');
    t.is((await follow(token)).statusText, '已交由综合行政执法局处理');
    await ok('department_handler', c.id, 'sign');
    await ok('department_handler', c.id, 'dispose', { note: '已劝离' });
    await s.waitingAt(c.id, 'rt_check');
    await ok('field_supervisor', c.id, 'check', { result: 'passed' });
    await s.waitingAt(c.id, 'rt_callback');
    const closed = await follow(token);
    t.like(closed, { statusText: '已办结', closed: true, canRate: true, satisfied: null });
    t.deepEqual(
      closed.steps.map((x: { text: string }) => x.text),
      [
        '提交反映',
        '已受理',
        '派人核实',
        '现场核实属实',
        '立案',
        '交办处理单位',
        '处理完毕',
        '复查通过',
        '办结',
      ],
    );

    // Only the reporting phone rates; 不满意 reopens the case and the procedure dispatches it again.
    t.is((await rate(await newDevice(), token, true)).status, 403);
    const rated = await rate(device, token, false);
    t.is(rated.status, 200, JSON.stringify(rated.body));
    t.like(rated.body, {
      statusText: '已立案，正在安排处理单位',
      closed: false,
      canRate: false,
      satisfied: false,
    });
    t.deepEqual(
      rated.body.steps.slice(-2).map((x: { text: string }) => x.text),
      ['您的评价：不满意', '重新处理'],
    );
    t.like(await caseRow(c.id), { status: 'registered', callbackSatisfied: false });
    await s.waitingAt(c.id, 'ebg_dispatch');
    t.is((await rate(device, token, true)).status, 409);

    // The device's own list, and the reports near the spot (the Open311 list's view).
    const mine = await fetch(`${s.url}/api/citizen/reports`, { headers: { 'x-device-token': device } });
    t.deepEqual(
      ((await mine.json()) as { items: { token: string }[] }).items.map((i) => i.token),
      [token],
    );
    const near = (await (
      await fetch(`${s.url}/api/citizen/nearby?lat=${point.lat}&lng=${point.lng}`)
    ).json()) as { items: { service_request_id: string; status_text: string }[] };
    t.like(
      near.items.find((i) => i.service_request_id === c.id),
      { status_text: '已立案，正在安排处理单位' },
    );
  },
);

test.serial('reports are limited per device and per address (429 with Retry-After)', async (t) => {
  const fields = {
    serviceCode: '0201',
    lat: String(point.lat),
    lng: String(point.lng),
    description: '电线杆上小广告',
  };
  const a = await newDevice();
  // The first test's device made one report from this address; this device may make one more (2 per device)…
  t.is((await report(a, fields)).status, 201);
  t.is((await report(a, fields)).status, 201);
  const third = await report(a, fields);
  t.is(third.status, 429);
  t.regex(third.body.detail, /this device/);
  t.truthy(Number(third.headers.get('retry-after')) > 0);
  // …and a fresh device from the same address meets the address limit (3 a day).
  const b = await newDevice();
  const fromB = await report(b, fields);
  t.is(fromB.status, 429);
  t.regex(fromB.body.detail, /this address/);
  t.is(await s.hub.db.prisma.citizenReport.count(), 3);
});

test.serial(
  'a report merged with an earlier one of the same problem names that case and where it stands',
  async (t) => {
    // A day later: the limits of the tests before no longer count.
    await s.clock.add(25 * 3600_000);
    const fields = {
      serviceCode: '0102',
      lat: String(point.lat),
      lng: String(point.lng),
      description: '垃圾桶旁堆满垃圾袋',
    };
    const first = await report(await newDevice(), fields);
    t.is(first.status, 201, JSON.stringify(first.body));
    const firstCase = await s.hub.db.prisma.case.findUniqueOrThrow({
      where: { source_sourceRef: { source: 'open311', sourceRef: first.body.token as string } },
    });
    await until('first accepted', async () => (await caseRow(firstCase.id)).status !== 'reported');
    const device = await newDevice();
    const second = await report(device, { ...fields, description: '这里的垃圾好几天没人收' });
    t.is(second.status, 201, JSON.stringify(second.body));
    const token = second.body.token as string;
    // The acceptor merges it into the first (合并 at the desk).
    const secondCase = await s.hub.db.prisma.case.findUniqueOrThrow({
      where: { source_sourceRef: { source: 'open311', sourceRef: token } },
    });
    await until('second accepted', async () => (await caseRow(secondCase.id)).status !== 'reported');
    await ok('acceptor', secondCase.id, 'merge', { intoId: firstCase.id });
    const merged = await until('merged', async () => {
      const r = await follow(token);
      return r.status === 'voided' ? r : null;
    });
    t.regex(merged.statusText, new RegExp(`^已合并处理：.*${firstCase.caseNo}`));
    t.deepEqual(merged.mergedInto, {
      caseNo: firstCase.caseNo,
      statusText: (await follow(first.body.token as string)).statusText,
      closed: false,
    });
    t.false(merged.canRate);
    t.true(merged.steps.some((x: { text: string }) => x.text === '与已有反映合并处理'));
    // The same in the phone's list; a report not merged has none.
    const list = (await (
      await fetch(`${s.url}/api/citizen/reports`, { headers: { 'x-device-token': device } })
    ).json()) as { items: { token: string; mergedInto: unknown }[] };
    t.deepEqual(list.items[0]!.mergedInto, merged.mergedInto);
    t.is((await follow(first.body.token as string)).mergedInto, null);
  },
);
