// The 受理派遣台 read side and its new actions over a real hub (embedded engine, workers, demo data, HTTP):
// the queues with their counts and order, duplicate candidates and 合并 (the merged report's procedure
// ends, its view links to the surviving case), the suggestions, and a stale action that names who acted.
import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { call } from './helpers/api.ts';
import { startDemoHub, type DemoHub, TEST_DEMO_PASSWORD } from './helpers/demo-hub.ts';
import { feedOf } from './engine/support.ts';

const PASSWORD = TEST_DEMO_PASSWORD;
let demo: DemoHub;
const tokens: Record<string, string> = {};
let cell: { code: string; street: string; lng: number; lat: number };

test.before(async () => {
  demo = await startDemoHub(PASSWORD);
  for (const u of ['acceptor', 'dispatcher', 'shift_leader', 'field_supervisor', 'department_handler'])
    tokens[u] = await demo.login(u);
  const c = await demo.hub.db.prisma.gridCell.findFirstOrThrow({
    where: { active: true, supervisorUserId: { not: null } },
    orderBy: { code: 'asc' },
  });
  cell = { code: c.code, street: c.street, lng: (c.minLng + c.maxLng) / 2, lat: (c.minLat + c.maxLat) / 2 };
});
test.after.always(() => demo?.close());

async function until<T>(what: string, check: () => Promise<T>, ms = 30_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
const row = (id: string) => demo.hub.db.prisma.case.findUniqueOrThrow({ where: { id } });

async function report(source: string, extra: Record<string, unknown> = {}) {
  const res = await call(demo.url, 'POST', '/api/cases', {
    token: tokens[source === 'supervisor' ? 'field_supervisor' : 'acceptor'],
    body: {
      source,
      categoryCode: '0102',
      description: `desk ${source}`,
      lng: cell.lng,
      lat: cell.lat,
      ...extra,
    },
  });
  if (res.status !== 201) throw new Error(`report ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; caseNo: string };
}
const queues = (queue: string, as = 'shift_leader') =>
  call(demo.url, 'GET', `/api/desk/queues?queue=${queue}`, { token: tokens[as] });

test.serial('queues: counts per queue, the most urgent first; department handlers are refused', async (t) => {
  // Different categories so intake does not merge them (same cell, same category within 30 min).
  // Supervisor reports wait at the desk for 立案 once accepted.
  const normal = await report('supervisor', { categoryCode: '0104' });
  const critical = await report('supervisor', { categoryCode: '0105', urgency: 'critical' });
  await until('both accepted', async () =>
    [await row(normal.id), await row(critical.id)].every((r) => r.status === 'accepted'),
  );
  const res = await queues('new');
  t.is(res.status, 200);
  const ids = (res.body.items as { id: string }[]).map((i) => i.id);
  t.true(ids.includes(normal.id) && ids.includes(critical.id));
  t.true(ids.indexOf(critical.id) < ids.indexOf(normal.id), 'critical first');
  t.is(res.body.counts.new, ids.length);
  t.deepEqual(Object.keys(res.body.counts).sort(), [
    'approval',
    'callback',
    'dispatch',
    'locate',
    'new',
    'verified',
  ]);
  const item = (res.body.items as Record<string, unknown>[]).find((i) => i.id === critical.id)!;
  t.is(item.queue, 'new');
  t.is(item.urgency, 'critical');
  t.is(item.needsLocation, false);
  t.is((await queues('new', 'department_handler')).status, 403);
});

test.serial('duplicates and 合并: the merged report ends, shows as merged and links the case', async (t) => {
  const first = await report('supervisor', { categoryCode: '0106', description: '绿地脏乱 第一次' });
  await until('first accepted', async () => (await row(first.id)).status === 'accepted');
  // As if it was reported 2 hours ago: outside the intake's own 30-minute merge window.
  await demo.hub.db.prisma.case.update({
    where: { id: first.id },
    data: { reportedAt: new Date(Date.now() - 2 * 3_600_000) },
  });
  // A hotline call about the same place.
  const second = await report('hotline', { categoryCode: '0106', description: '绿地脏乱 电话' });
  // The procedure sends it to 核实 on its own; the acceptor merges it while the supervisor is on the way.
  await until('second verifying', async () => (await row(second.id)).status === 'verifying');
  const dup = await call(demo.url, 'GET', `/api/cases/${second.id}/duplicates`, { token: tokens.acceptor });
  t.is(dup.status, 200);
  t.deepEqual(
    (dup.body.items as { id: string; distanceMeters: number }[]).map((i) => [i.id, i.distanceMeters]),
    [[first.id, 0]],
  );
  t.is(dup.body.distanceMeters, 200);

  const self = await call(demo.url, 'POST', `/api/cases/${second.id}/actions/merge`, {
    token: tokens.acceptor,
    body: { intoId: second.id },
  });
  t.is(self.status, 400);
  t.is(self.body.errors[0].field, 'body.intoId');

  const merged = await call(demo.url, 'POST', `/api/cases/${second.id}/actions/merge`, {
    token: tokens.acceptor,
    body: { intoId: first.id },
  });
  t.is(merged.status, 200, JSON.stringify(merged.body));
  t.is(merged.body.status, 'voided');
  t.is(merged.body.event.type, 'merged');
  t.deepEqual(merged.body.event.data, { action: 'merge', mergedInto: first.id, mergedIntoNo: first.caseNo });
  // The hotline report waited for 核实: its procedure gets 核实 false and ends at 作废.
  const pik = (await row(second.id)).processInstanceKey!;
  await until('procedure ended', async () =>
    feedOf(demo.hub.engine!.engine, pik).then((f) => f.includes('case-disposal:ELEMENT_COMPLETED')),
  );
  const view = await call(demo.url, 'GET', `/api/cases/${second.id}`, { token: tokens.acceptor });
  t.deepEqual(view.body.mergedInto, { id: first.id, caseNo: first.caseNo });
  t.is(view.body.voidReason, `重复上报，合并到 ${first.caseNo}`);
  t.deepEqual(
    (view.body.timeline as { type: string }[]).map((e) => e.type).filter((x) => x !== 'deadline_set'),
    ['reported', 'accepted', 'verify_requested', 'merged'],
  );
  // The surviving case is untouched; the merged one is no candidate any more.
  t.is((await row(first.id)).status, 'accepted');
  const again = await call(demo.url, 'GET', `/api/cases/${first.id}/duplicates`, { token: tokens.acceptor });
  t.deepEqual(again.body.items, []);
});

test.serial('suggestions: the category’s department and the grid’s supervisor', async (t) => {
  const c = await report('hotline', { categoryCode: '0101', description: '私搭乱建 建议' });
  const res = await call(demo.url, 'GET', `/api/cases/${c.id}/suggestions`, { token: tokens.dispatcher });
  t.is(res.status, 200);
  const category = await demo.hub.db.prisma.category.findFirstOrThrow({
    where: { kind: 'event', code: '0101' },
    include: { defaultDepartment: true },
  });
  t.is(res.body.dispatch[0].assigneeId, category.defaultDepartmentId);
  t.is(res.body.dispatch[0].name, category.defaultDepartment!.name);
  t.is(res.body.dispatch[0].why, 'category');
  const gridCell = await demo.hub.db.prisma.gridCell.findUniqueOrThrow({
    where: { code: cell.code },
    include: { supervisor: true },
  });
  // Nobody on duty: the cell's own supervisor, off duty.
  t.deepEqual(res.body.verify, [
    {
      userId: gridCell.supervisorUserId,
      name: gridCell.supervisor!.displayName,
      why: 'grid',
      inGrid: true,
      onDuty: false,
      distanceMeters: null,
      lastAt: null,
    },
  ]);

  // Two supervisors go on duty (上班 in 城管通) and report positions: the one ~220 m away is suggested
  // first (nearest), the cell's own ~1.1 km away second, both on duty.
  const admin = await demo.login('administrator');
  const created = await call(demo.url, 'POST', '/api/users', {
    token: admin,
    body: {
      username: 'sup_near',
      displayName: '近处监督员',
      password: 'near-supervisor-password',
      roles: ['field_supervisor'],
    },
  });
  t.is(created.status, 201, JSON.stringify(created.body));
  const near = await call(demo.url, 'POST', '/api/auth/login', {
    body: { username: 'sup_near', password: 'near-supervisor-password' },
  });
  const onDuty = async (token: string, dLat: number) => {
    t.is((await call(demo.url, 'POST', '/api/field/duty/start', { token, body: {} })).status, 200);
    const at = new Date().toISOString();
    const pos = await call(demo.url, 'POST', '/api/field/positions', {
      token,
      body: { points: [{ lng: cell.lng, lat: cell.lat + dLat, accuracy: 10, at }] },
    });
    t.is(pos.status, 200, JSON.stringify(pos.body));
  };
  await onDuty(near.body.token as string, 0.002);
  await onDuty(tokens.field_supervisor!, 0.01);
  const ranked = await call(demo.url, 'GET', `/api/cases/${c.id}/suggestions`, { token: tokens.dispatcher });
  t.like(ranked.body.verify[0], { userId: created.body.id, why: 'nearest', inGrid: false, onDuty: true });
  t.true(
    Math.abs(ranked.body.verify[0].distanceMeters - 222) < 5,
    String(ranked.body.verify[0].distanceMeters),
  );
  t.like(ranked.body.verify[1], {
    userId: gridCell.supervisorUserId,
    why: 'grid',
    inGrid: true,
    onDuty: true,
  });
  t.true(Math.abs(ranked.body.verify[1].distanceMeters - 1112) < 10);
  t.is(ranked.body.verify.length, 2);
  // 下班: off duty again, the nearer one is no longer offered.
  t.is(
    (await call(demo.url, 'POST', '/api/field/duty/end', { token: near.body.token as string, body: {} }))
      .status,
    200,
  );
  const after = await call(demo.url, 'GET', `/api/cases/${c.id}/suggestions`, { token: tokens.dispatcher });
  t.deepEqual(
    (after.body.verify as { userId: string }[]).map((v) => v.userId),
    [gridCell.supervisorUserId],
  );
  t.is(
    (await call(demo.url, 'POST', '/api/field/duty/end', { token: tokens.field_supervisor, body: {} }))
      .status,
    200,
  );
});

test.serial('a stale action says who acted first and what, and changes nothing', async (t) => {
  const c = await report('supervisor', { categoryCode: '0301', description: '施工扰民 抢先' });
  await until('accepted', async () => (await row(c.id)).status === 'accepted');
  const first = await call(demo.url, 'POST', `/api/cases/${c.id}/actions/register`, {
    token: tokens.acceptor,
    body: {},
  });
  t.is(first.status, 200);
  const before = await row(c.id);
  const late = await call(demo.url, 'POST', `/api/cases/${c.id}/actions/register`, {
    token: tokens.shift_leader,
    body: {},
  });
  t.is(late.status, 409);
  t.is(late.body.lastAction.type, 'registered');
  t.is(late.body.lastAction.label, '立案');
  t.is(late.body.lastAction.actorName, first.body.event.actorName);
  t.regex(late.body.detail, new RegExp(`${first.body.event.actorName} recorded 立案 \\(registered\\)`));
  t.is((await row(c.id)).version, before.version);
  // Now it waits for 派遣.
  const q = await queues('dispatch', 'dispatcher');
  t.true((q.body.items as { id: string }[]).some((i) => i.id === c.id));
});

test.serial(
  '立案 while the procedure cannot take it: 409 naming the step it waits at, nothing recorded',
  async (t) => {
    // An address no grid cell or gazetteer entry matches: the procedure waits for location repair.
    const res0 = await call(demo.url, 'POST', '/api/cases', {
      token: tokens.field_supervisor,
      body: { source: 'supervisor', categoryCode: '0504', description: '无法定位', address: '火星路 999 号' },
    });
    t.is(res0.status, 201, JSON.stringify(res0.body));
    const id = res0.body.id as string;
    await until('accepted', async () => (await row(id)).status === 'accepted');
    // Read-only until the procedure waits at location repair (an action sent while the locate job still
    // runs would be taken for later).
    const admin = await demo.login('administrator');
    await until(
      'the wait for location repair',
      async () => {
        const path = await call(demo.url, 'GET', `/api/cases/${id}/process`, { token: admin });
        return (path.body.elements as { elementId: string; state: string }[] | undefined)?.some(
          (e) => e.elementId === 'rt_locate_repair' && e.state === 'ACTIVE',
        );
      },
      60_000,
    );
    const res = await call(demo.url, 'POST', `/api/cases/${id}/actions/register`, {
      token: tokens.dispatcher,
      body: {},
    });
    t.is(res.status, 409);
    t.like(res.body.waitingAt, { elementId: 'rt_locate_repair', name: '等待定位修复' });
    t.regex(res.body.detail, /its procedure waits at /);
    t.is((await row(id)).status, 'accepted');
    // The desk's 待定位 queue holds it (and 新上报 does not), with why; the case and its step say so too.
    const waiting = await queues('locate');
    const item = (waiting.body.items as Record<string, unknown>[]).find((i) => i.id === id);
    t.like(item, { queue: 'locate', needsLocation: true });
    t.regex(String(item?.locationRepairNote), /火星路 999 号/);
    t.is(waiting.body.counts.locate, (waiting.body.items as unknown[]).length);
    t.false(((await queues('new')).body.items as { id: string }[]).some((i) => i.id === id));
    const shown = await call(demo.url, 'GET', `/api/cases/${id}`, { token: tokens.acceptor });
    t.regex(shown.body.locationRepair.note, /火星路 999 号/);
    const step = await call(demo.url, 'GET', `/api/cases/${id}/step`, { token: tokens.acceptor });
    t.is(step.status, 200);
    t.deepEqual(step.body, {
      state: 'ACTIVE',
      steps: [{ elementId: 'rt_locate_repair', name: '等待定位修复' }],
      incident: null,
    });
    // Placed: it leaves 待定位, and the procedure goes on to 立案 (a supervisor report needs no 核实).
    const placed = await call(demo.url, 'POST', `/api/cases/${id}/actions/locate`, {
      token: tokens.acceptor,
      body: { lng: cell.lng, lat: cell.lat },
    });
    t.is(placed.status, 200, JSON.stringify(placed.body));
    t.false(((await queues('locate')).body.items as { id: string }[]).some((i) => i.id === id));
    await until(
      'the wait for 立案',
      async () => {
        const s = await call(demo.url, 'GET', `/api/cases/${id}/step`, { token: tokens.acceptor });
        return (s.body.steps as { name: string }[] | undefined)?.some((x) => x.name === '立案审核');
      },
      60_000,
    );
    t.true(((await queues('new')).body.items as { id: string }[]).some((i) => i.id === id));
  },
);

test.serial('the change feed answers when a case changes, with its id', async (t) => {
  const start = await call(demo.url, 'GET', '/api/desk/changes', { token: tokens.acceptor });
  t.is(start.status, 200);
  t.deepEqual(start.body.cases, []);
  const waiting = call(demo.url, 'GET', `/api/desk/changes?since=${start.body.cursor}`, {
    token: tokens.acceptor,
  });
  const c = await report('supervisor', { categoryCode: '0302', description: '变化推送' });
  const answer = await waiting;
  t.is(answer.status, 200);
  // The report (and whatever the workers wrote meanwhile) is in; the cursor moved on.
  const seen = new Set<string>(answer.body.cases as string[]);
  let cursor = answer.body.cursor as string;
  t.true(cursor > start.body.cursor);
  while (!seen.has(c.id)) {
    const next = await call(demo.url, 'GET', `/api/desk/changes?since=${cursor}`, { token: tokens.acceptor });
    for (const id of next.body.cases as string[]) seen.add(id);
    cursor = next.body.cursor;
  }
  t.true(seen.has(c.id));
  t.is((await call(demo.url, 'GET', '/api/desk/changes', { token: tokens.department_handler })).status, 403);
});
