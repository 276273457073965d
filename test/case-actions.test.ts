// The role actions of the case API over the real hub: embedded engine over gRPC, the job workers, the
// demo data, real HTTP. Each action is recorded in the case store and its message published; the tests
// read statuses and timelines through the API and the database, the procedure's progress from the
// engine's event feed, and the assessment from its computation.
import test from 'ava';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApi } from '../src/app/api.ts';
import { createAssessment } from '../src/assessment/index.ts';
import { createCasePublisher } from '../src/cases/publish.ts';
import type { Config } from '../src/config.ts';
import { createHub, type Hub } from '../src/hub.ts';
import { createLogger } from '../src/log.ts';
import { createZeebeClient } from '../src/zeebe.ts';
import { feedOf } from './engine/support.ts';
import { call, createUser, type Reply } from './helpers/api.ts';
import { demoHubConfig, TEST_DEMO_PASSWORD } from './helpers/demo-hub.ts';

const PASSWORD = TEST_DEMO_PASSWORD;
/** Demo users (user name = role), the water company's and 城北街道's handlers, and a 园林 handler made here. */
const USERS = [
  'acceptor',
  'dispatcher',
  'department_handler', // 综合行政执法局 D06
  'field_supervisor',
  'shift_leader',
  'leader',
  'water_handler', // U-WATER
  'chengbei_handler', // S01 城北街道 sub-centre
  'yuanlin_handler', // D20 园林绿化管理处
  'zhongdui_handler', // S01-ZD 城北街道城管中队
];

let hub: Hub;
let config: Config;
let url = '';
const tokens: Record<string, string> = {};
const dept: Record<string, string> = {};
let cleanup: () => Promise<void> = async () => {};
/** Cells with a supervisor; each report takes the next, so concurrent reports are not merged as duplicates. */
let cells: { lng: number; lat: number }[] = [];
let nextCell = 0;

async function startHub() {
  hub = createHub({ config, logger: createLogger('silent') });
  ({ url } = await hub.start());
}

test.before(async () => {
  const setup = await demoHubConfig(PASSWORD, {
    // The relay runs at start and then rarely: the tests see what the request path itself publishes.
    CASE_OUTBOX_RETRY_MS: '600000',
  });
  config = setup.config;
  await startHub();
  cleanup = async () => {
    await hub.stop();
    await setup.remove();
  };
  const { prisma } = hub.db;
  for (const code of ['D06', 'D20', 'U-WATER', 'S01', 'S01-ZD', 'S02-ZD'])
    dept[code] = (await prisma.department.findUniqueOrThrow({ where: { code } })).id;
  for (const [username, unit, name] of [
    ['yuanlin_handler', 'D20', '园林处置员'],
    ['zhongdui_handler', 'S01-ZD', '城北中队处置员'],
  ] as const) {
    const userId = await createUser(hub.db, { username, roles: ['department_handler'], password: PASSWORD });
    await prisma.user.update({
      where: { id: userId },
      data: { departmentId: dept[unit], displayName: name },
    });
  }
  for (const username of USERS) {
    const login = await call(url, 'POST', '/api/auth/login', { body: { username, password: PASSWORD } });
    tokens[username] = login.body.token;
  }
  // A cell with a supervisor, so 核实/核查 tasks have someone to go to.
  cells = (
    await prisma.gridCell.findMany({
      where: { active: true, supervisorUserId: { not: null } },
      orderBy: { code: 'asc' },
    })
  ).map((c) => ({ lng: (c.minLng + c.maxLng) / 2, lat: (c.minLat + c.maxLat) / 2 }));
});

test.after.always(() => cleanup());

// --- helpers ---------------------------------------------------------------------------------------

const act = (
  id: string,
  action: string,
  as: string,
  body: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) => call(url, 'POST', `/api/cases/${id}/actions/${action}`, { token: tokens[as], body, headers });

/** An action sent as multipart/form-data: text fields plus photos (fetch's own FormData encoding). */
async function actWithPhotos(
  id: string,
  action: string,
  as: string,
  fields: Record<string, string>,
  photos: { fileName: string; type: string; bytes: Buffer }[],
) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  for (const p of photos) form.append('photos', new Blob([p.bytes], { type: p.type }), p.fileName);
  const res = await fetch(`${url}/api/cases/${id}/actions/${action}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens[as]}` },
    body: form,
  });
  return { status: res.status, body: (await res.json()) as Reply['body'] };
}

/** An action that must succeed. */
async function ok(id: string, action: string, as: string, body: Record<string, unknown> = {}) {
  const res = await act(id, action, as, body);
  if (res.status !== 200) throw new Error(`${action} as ${as}: ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

async function until<T>(what: string, check: () => Promise<T>, ms = 30_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const row = (id: string) => hub.db.prisma.case.findUniqueOrThrow({ where: { id } });
const statusIs = (id: string, status: string) =>
  until(`case ${status}`, async () => (await row(id)).status === status);

/** Timeline types in order; deadline_set shows its step. */
async function timeline(id: string): Promise<string[]> {
  const events = await hub.db.prisma.caseEvent.findMany({
    where: { caseId: id },
    orderBy: [{ at: 'asc' }, { id: 'asc' }],
  });
  return events.map((e) =>
    e.type === 'deadline_set' ? `deadline_set:${(e.data as { step: string }).step}` : e.type,
  );
}
const countOf = async (id: string, entry: string) => (await timeline(id)).filter((e) => e === entry).length;
/** Waits until the workers recorded the n-th deadline of a step (the procedure waits at that step then). */
const deadlineSet = (id: string, step: string, n = 1) =>
  until(`deadline ${step} #${n}`, async () => (await countOf(id, `deadline_set:${step}`)) >= n);

/** The procedure's feed: "element:INTENT" of the case's process instance. */
async function feed(id: string): Promise<string[]> {
  const pik = (await row(id)).processInstanceKey!;
  return feedOf(hub.engine!.engine, pik);
}
const reached = async (id: string, element: string, intent = 'ELEMENT_ACTIVATED') =>
  (await feed(id)).filter((e) => e === `${element}:${intent}`).length;
/** Waits until the procedure entered `element` (n times). */
const waitAt = (id: string, element: string, n = 1) =>
  until(`${element} #${n}`, async () => (await reached(id, element)) >= n);
const ended = (id: string) =>
  until('process end', async () => (await reached(id, 'case-disposal', 'ELEMENT_COMPLETED')) === 1);

async function report(source: string, extra: Record<string, unknown> = {}) {
  const point = cells[nextCell++ % cells.length]!;
  const res = await call(url, 'POST', '/api/cases', {
    token: tokens[source === 'supervisor' ? 'field_supervisor' : 'acceptor'],
    body: {
      source,
      categoryCode: '0101', // 私搭乱建: 综合行政执法局 (D06) disposes
      urgency: 'urgent',
      description: `case-actions ${source}`,
      lng: point.lng,
      lat: point.lat,
      ...extra,
    },
  });
  if (res.status !== 201) throw new Error(`report: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

/** A supervisor report the workers accepted and located: it waits for 立案. */
async function acceptedCase(): Promise<string> {
  const id = await report('supervisor');
  await until('accepted and located', async () => {
    const r = await row(id);
    return r.status === 'accepted' && r.gridCode !== null;
  });
  await waitAt(id, 'ebg_register');
  return id;
}

/** 立案 and 派遣 to a unit; returns once the sign-for deadline is set (the procedure waits for 签收). */
async function dispatchedCase(unit: string, assigneeType = 'department', round = 1): Promise<string> {
  const id = await acceptedCase();
  await ok(id, 'register', 'acceptor');
  await ok(id, 'dispatch', 'dispatcher', { assigneeType, assigneeId: dept[unit] });
  await deadlineSet(id, 'sign', round);
  return id;
}

/** 签收 → 处置反馈 by a unit's handler; returns once 核查 is waiting. */
async function signAndDispose(id: string, handler: string, round = 1) {
  await ok(id, 'sign', handler);
  await deadlineSet(id, 'dispose', round);
  await ok(id, 'dispose', handler, { note: `第${round}次处置完毕` });
  await statusIs(id, 'checking');
  await deadlineSet(id, 'check', round);
}

const wideWindow = () => {
  const now = Date.now();
  return { from: new Date(now - 86_400_000), to: new Date(now + 86_400_000) };
};

// --- the happy path through every step -------------------------------------------------------------

test('立案 → 派遣 → 签收 → 延期 → 挂账 → 挂账恢复 → 处置 → 核查通过 → 结案, through the API with the procedure following', async (t) => {
  const id = await acceptedCase();
  const reg = await ok(id, 'register', 'acceptor', { urgency: 'normal', note: '现场确认' });
  t.like(reg.body, {
    caseId: id,
    status: 'registered',
    event: {
      type: 'registered',
      fromStatus: 'accepted',
      toStatus: 'registered',
      actorName: '受理员',
      note: '现场确认',
    },
  });
  t.deepEqual(reg.body.event.data, {
    action: 'register',
    corrected: { urgency: { from: 'urgent', to: 'normal' } },
  });
  t.regex(reg.body.messageId, new RegExp(`^${id}:case\\.registered:${reg.body.event.id}$`));
  t.is((await row(id)).urgency, 'normal');

  const dispatch = await ok(id, 'dispatch', 'dispatcher', {
    assigneeType: 'department',
    assigneeId: dept.D06,
  });
  t.like(dispatch.body, { status: 'dispatched', departmentId: dept.D06, event: { departmentId: dept.D06 } });
  await deadlineSet(id, 'sign');
  await waitAt(id, 's1_wait');

  // An open 督办 item of the stage (as hub.escalation.open writes it) is moot once the department signs.
  const item = await hub.db.prisma.escalation.create({
    data: {
      caseId: id,
      stage: 'sign',
      deadline: new Date(),
      assigneeType: 'department',
      assigneeId: dept.D06!,
      processKey: `test-${id}`,
    },
  });
  const sign = await ok(id, 'sign', 'department_handler');
  t.is((await hub.db.prisma.escalation.findUniqueOrThrow({ where: { id: item.id } })).status, 'superseded');
  t.like(sign.body, { status: 'signed', event: { type: 'signed', actorName: '执法局处置员' } });
  await deadlineSet(id, 'dispose');
  await waitAt(id, 's2_wait');

  // 延期: asked, approved with the asked deadline; the procedure recomputes the disposal deadline from it.
  const wanted = new Date(Math.ceil((Date.now() + 3 * 86_400_000) / 60_000) * 60_000).toISOString();
  const ask = await ok(id, 'request-extension', 'department_handler', {
    requestedDeadline: wanted,
    reason: '需协调拆除队伍',
  });
  t.like(ask.body, { status: 'signed', event: { type: 'extension_requested', note: '需协调拆除队伍' } });
  // A second request while the first waits is refused; so is a decision on a request nobody made.
  const again = await act(id, 'request-extension', 'department_handler', {
    requestedDeadline: wanted,
    reason: 'x',
  });
  t.is(again.status, 409);
  t.regex(again.body.detail, /already waiting/);
  t.is((await act(id, 'decide-return', 'dispatcher', { approved: true })).status, 409);
  // The case view names the request that waits, for the dispatcher and the department alike.
  for (const who of ['dispatcher', 'department_handler']) {
    const view = await call(url, 'GET', `/api/cases/${id}`, { token: tokens[who] });
    t.deepEqual(view.body.pendingRequests, [
      { kind: 'extension', label: '延期', eventId: ask.body.event.id, at: ask.body.event.at },
    ]);
  }
  await waitAt(id, 'extension_decided');
  const granted = await ok(id, 'decide-extension', 'dispatcher', { approved: true, reason: '同意' });
  // Signed for already: the 延期 moves the disposal limit only (the deadlines worker reads data.step).
  t.like(granted.body, {
    event: { type: 'extension_approved', data: { newDeadline: wanted, step: 'dispose' } },
  });
  await deadlineSet(id, 'dispose', 2);
  t.is((await row(id)).disposeDeadline?.toISOString(), wanted);
  t.is((await row(id)).extensionCount, 1);
  const decided = await call(url, 'GET', `/api/cases/${id}`, { token: tokens.dispatcher });
  t.deepEqual(decided.body.pendingRequests, []);

  // 挂账: asked, approved (the case leaves the department's clock), then resumed back to 处置中.
  await ok(id, 'request-suspension', 'department_handler', { reason: '涉及诉讼，暂缓拆除' });
  await waitAt(id, 'suspension_decided');
  const suspend = await ok(id, 'decide-suspension', 'shift_leader', { approved: true });
  t.like(suspend.body, { status: 'suspended', event: { type: 'suspended', fromStatus: 'signed' } });
  await waitAt(id, 'rt_resumed');
  t.is((await act(id, 'dispose', 'department_handler', { note: 'x' })).status, 409);
  const resume = await ok(id, 'resume', 'dispatcher');
  t.like(resume.body, {
    status: 'signed',
    event: { type: 'resumed', fromStatus: 'suspended', toStatus: 'signed' },
  });
  await deadlineSet(id, 'dispose', 3);
  // Signed before: the re-entered 承办处置 goes straight to 处置 (no second 签收 wait).
  t.is(await reached(id, 's1_wait'), 1);

  // 处置反馈 with a photo (multipart): stored as an attachment of the disposed event.
  const jpeg = Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
    Buffer.from('拆除后现场'),
    Buffer.alloc(64, 7),
  ]);
  const disposed = await actWithPhotos(id, 'dispose', 'department_handler', { note: '已拆除' }, [
    { fileName: '拆除后.jpg', type: 'image/jpeg', bytes: jpeg },
  ]);
  t.is(disposed.status, 200, JSON.stringify(disposed.body));
  t.like(disposed.body, { status: 'disposed', event: { type: 'disposed', note: '已拆除' } });
  t.is(disposed.body.attachmentIds.length, 1);
  const photo = await hub.db.prisma.attachment.findUniqueOrThrow({
    where: { id: disposed.body.attachmentIds[0] },
  });
  t.like(photo, {
    caseId: id,
    eventId: disposed.body.event.id,
    kind: 'disposal',
    fileName: '拆除后.jpg',
    contentType: 'image/jpeg',
    size: jpeg.length,
  });
  const download = await fetch(`${url}/api/cases/${id}/attachments/${photo.id}`, {
    headers: { authorization: `Bearer ${tokens.dispatcher}` },
  });
  t.deepEqual(Buffer.from(await download.arrayBuffer()), jpeg);
  await statusIs(id, 'checking');
  await deadlineSet(id, 'check');
  const check = await ok(id, 'check', 'field_supervisor', { result: 'passed', note: '现场已恢复' });
  t.like(check.body, { event: { type: 'check_passed' } });
  await statusIs(id, 'closed');
  await ended(id);

  t.deepEqual(await timeline(id), [
    'reported',
    'accepted',
    'registered',
    'dispatched',
    'deadline_set:sign',
    'signed',
    'deadline_set:dispose',
    'extension_requested',
    'extension_approved',
    'deadline_set:dispose',
    'suspension_requested',
    'suspended',
    'resumed',
    'deadline_set:dispose',
    'disposed',
    'check_requested',
    'deadline_set:check',
    'check_passed',
    'closed',
  ]);
  // Every message reached the engine, each once, with the ids the contract prescribes.
  const outbox = await hub.db.prisma.outboxMessage.findMany({
    where: { caseId: id, adapter: 'engine' },
    orderBy: { createdAt: 'asc' },
  });
  t.deepEqual(
    outbox.map((m) => [m.kind, m.status]),
    [
      ['case.registered', 'delivered'],
      ['case.dispatched', 'delivered'],
      ['case.signed', 'delivered'],
      ['case.extensionRequested', 'delivered'],
      ['case.extensionDecided', 'delivered'],
      ['case.suspensionRequested', 'delivered'],
      ['case.suspensionDecided', 'delivered'],
      ['case.resumed', 'delivered'],
      ['case.disposed', 'delivered'],
      ['case.checked', 'delivered'],
    ],
  );
  t.deepEqual(outbox[1]!.payload, {
    name: 'case.dispatched',
    correlationKey: id,
    messageId: dispatch.body.messageId,
    variables: { assigneeType: 'department', assigneeId: dept.D06 },
  });
  const detail = await call(url, 'GET', `/api/cases/${id}`, { token: tokens.dispatcher });
  t.like(
    detail.body.timeline.find((e: { type: string }) => e.type === 'extension_requested'),
    {
      actorName: '执法局处置员',
      departmentId: dept.D06,
      data: { action: 'request-extension', reason: '需协调拆除队伍', requestedDeadline: wanted },
    },
  );
});

// --- refusals ----------------------------------------------------------------------------------------

test('refusals: wrong role 403, another department 404/403, wrong status 409 naming both, bad body 400 naming the field — nothing written', async (t) => {
  const id = await acceptedCase();
  const before = await timeline(id);
  const outboxBefore = await hub.db.prisma.outboxMessage.count({ where: { caseId: id } });

  const wrongRole = await act(id, 'dispatch', 'department_handler', {
    assigneeType: 'department',
    assigneeId: dept.D06,
  });
  t.is(wrongRole.status, 403);
  t.is(wrongRole.headers.get('content-type'), 'application/problem+json');
  t.is((await act(id, 'register', 'leader')).status, 403);
  t.is((await act(id, 'check', 'dispatcher', { result: 'passed' })).status, 403);

  const early = await act(id, 'sign', 'department_handler');
  // Not yet dispatched to anyone: the handler does not see the case at all.
  t.is(early.status, 404);
  const wrongState = await act(id, 'dispatch', 'dispatcher', {
    assigneeType: 'department',
    assigneeId: dept.D06,
  });
  t.is(wrongState.status, 409);
  t.is(wrongState.headers.get('content-type'), 'application/problem+json');
  t.regex(
    wrongState.body.detail,
    /^派遣 \(dispatch\) is not allowed for case RG\S+ in status 受理 \(accepted\): allowed in: registered; 系统 \(workers\) recorded 受理 \(accepted\) at \S+$/,
  );
  t.like(wrongState.body, { status: 409, action: '派遣 (dispatch)' });
  const resume = await act(id, 'resume', 'dispatcher');
  t.is(resume.status, 409);
  t.regex(resume.body.detail, /挂账恢复 \(resume\).*受理 \(accepted\).*allowed in: suspended/);

  const badEnum = await act(id, 'register', 'acceptor', { urgency: 'very' });
  t.is(badEnum.status, 400);
  t.deepEqual(
    badEnum.body.errors.map((e: { field: string }) => e.field),
    ['body.urgency'],
  );
  const unknownCategory = await act(id, 'register', 'acceptor', { categoryCode: '9999' });
  t.is(unknownCategory.status, 400);
  t.deepEqual(unknownCategory.body.errors, [
    { field: 'body.categoryCode', message: 'no active event category 9999' },
  ]);
  const extra = await act(id, 'register', 'acceptor', { status: 'closed' });
  t.is(extra.status, 400);
  t.deepEqual(await timeline(id), before);
  t.is((await row(id)).status, 'accepted');
  t.is(await hub.db.prisma.outboxMessage.count({ where: { caseId: id } }), outboxBefore);
  t.is((await act('no-such-case', 'register', 'acceptor')).status, 404);

  await ok(id, 'register', 'acceptor');
  const badUnit = await act(id, 'dispatch', 'dispatcher', { assigneeType: 'department', assigneeId: 'nope' });
  t.is(badUnit.status, 400);
  t.deepEqual(badUnit.body.errors, [{ field: 'body.assigneeId', message: 'no active department nope' }]);
  const centreAsDept = await act(id, 'dispatch', 'dispatcher', {
    assigneeType: 'department',
    assigneeId: dept.S01,
  });
  t.is(centreAsDept.status, 400);
  t.is(centreAsDept.body.errors[0].field, 'body.assigneeId');
  const noType = await act(id, 'dispatch', 'dispatcher', { assigneeId: dept.D06 });
  t.is(noType.status, 400);
  t.is(noType.body.errors[0].field, 'body.assigneeType');

  await ok(id, 'dispatch', 'dispatcher', { assigneeType: 'department', assigneeId: dept.D06 });
  // The water company's handler does not see D06's case; D06's own handler may not dispose before signing.
  t.is((await act(id, 'sign', 'water_handler')).status, 404);
  const noNote = await act(id, 'dispose', 'department_handler', {});
  t.is(noNote.status, 400);
  t.is(noNote.body.errors[0].field, 'body.note');
  const notSigned = await act(id, 'dispose', 'department_handler', { note: '已处置' });
  t.is(notSigned.status, 409);
  t.regex(notSigned.body.detail, /处置反馈 \(dispose\).*已派遣 \(dispatched\).*allowed in: signed/);
  const badDeadline = await act(id, 'request-extension', 'department_handler', {
    requestedDeadline: 'tomorrow',
    reason: 'x',
  });
  t.is(badDeadline.status, 400);
  t.is(badDeadline.body.errors[0].field, 'body.requestedDeadline');
  const pastDeadline = await act(id, 'request-extension', 'department_handler', {
    requestedDeadline: '2020-01-01T08:00:00+08:00',
    reason: 'x',
  });
  t.is(pastDeadline.status, 400);
  t.deepEqual(pastDeadline.body.errors, [
    { field: 'body.requestedDeadline', message: 'must lie in the future' },
  ]);
  const noReason = await act(id, 'request-return', 'department_handler', {});
  t.is(noReason.status, 400);
  t.is(noReason.body.errors[0].field, 'body.reason');
  t.is((await act(id, 'decide-extension', 'dispatcher', { approved: true })).status, 409);
  t.is((await act(id, 'redispatch', 'dispatcher', { assigneeId: dept['S01-ZD'] })).status, 409);
  t.deepEqual(
    (await timeline(id)).filter((e) => !e.startsWith('deadline_set')),
    [...before, 'registered', 'dispatched'],
  );
});

test('two dispatchers dispatch at once: exactly one wins, the other gets 409 naming the new status', async (t) => {
  const id = await acceptedCase();
  await ok(id, 'register', 'shift_leader');
  const [a, b] = await Promise.all([
    act(id, 'dispatch', 'dispatcher', { assigneeType: 'department', assigneeId: dept.D06 }),
    act(id, 'dispatch', 'shift_leader', { assigneeType: 'department', assigneeId: dept.D20 }),
  ]);
  t.deepEqual([a.status, b.status].sort(), [200, 409]);
  const winner = a.status === 200 ? a : b;
  const loser = a.status === 200 ? b : a;
  t.regex(loser.body.detail, /in status 已派遣 \(dispatched\)/);
  t.is(await countOf(id, 'dispatched'), 1);
  t.is((await row(id)).departmentId, winner.body.departmentId);
  t.is(await hub.db.prisma.outboxMessage.count({ where: { caseId: id, kind: 'case.dispatched' } }), 1);
  await deadlineSet(id, 'sign');
  t.is(await reached(id, 't_assign'), 1);
});

test('Idempotency-Key: a repeated action answers 200 with the first result and records nothing twice', async (t) => {
  const id = await acceptedCase();
  const first = await act(id, 'register', 'acceptor', {}, { 'idempotency-key': 'reg-1' });
  const second = await act(id, 'register', 'acceptor', {}, { 'idempotency-key': 'reg-1' });
  t.is(first.status, 200);
  t.is(second.status, 200);
  t.deepEqual(second.body.event, first.body.event);
  t.is(second.body.messageId, first.body.messageId);
  t.is(await countOf(id, 'registered'), 1);
  // The same key for another action is a conflict, not a replay.
  const other = await act(
    id,
    'dispatch',
    'acceptor',
    { assigneeType: 'department', assigneeId: dept.D06 },
    { 'idempotency-key': 'reg-1' },
  );
  t.is(other.status, 403); // an acceptor does not dispatch
  const reuse = await act(
    id,
    'dispatch',
    'dispatcher',
    { assigneeType: 'department', assigneeId: dept.D06 },
    { 'idempotency-key': 'reg-1' },
  );
  t.is(reuse.status, 200, 'keys are per account: the dispatcher has not used reg-1');
  const clash = await act(id, 'void', 'acceptor', { reason: 'x' }, { 'idempotency-key': 'reg-1' });
  t.is(clash.status, 409);
  t.regex(clash.body.detail, /Idempotency-Key reg-1 was already used for another action/);
});

test('store-only actions: 受理 a new report, 派发核实 only for sources whose procedure has 核实', async (t) => {
  const { prisma } = hub.db;
  const category = await prisma.category.findFirstOrThrow({ where: { kind: 'event', code: '0101' } });
  // Rows without a process: the intake worker would otherwise accept them first.
  const make = (source: 'hotline' | 'supervisor', no: string) =>
    prisma.case.create({
      data: {
        caseNo: `RG-T-${no}`,
        source,
        categoryCode: category.code,
        description: no,
        status: 'reported',
      },
    });
  const hotline = await make('hotline', 'A1');
  const accepted = await ok(hotline.id, 'accept', 'acceptor', { note: '来电登记' });
  t.like(accepted.body, {
    status: 'accepted',
    messageId: null,
    event: { type: 'accepted', note: '来电登记' },
  });
  t.is((await act(hotline.id, 'accept', 'acceptor')).status, 409);
  const sent = await ok(hotline.id, 'request-verify', 'acceptor');
  t.like(sent.body, { status: 'verifying', messageId: null, event: { type: 'verify_requested' } });
  const supervisor = await make('supervisor', 'A2');
  const refused = await act(supervisor.id, 'request-verify', 'acceptor');
  t.is(refused.status, 409);
  t.regex(refused.body.detail, /the procedure of a supervisor report has no 核实 step/);
  t.is(await prisma.outboxMessage.count({ where: { caseId: { in: [hotline.id, supervisor.id] } } }), 0);
});

// --- scenarios of domain.md §6 ---------------------------------------------------------------------

test('scenario 2: failed 核查 → 返工 to the same department, 返工率 counts it; the third failure brings the penalty', async (t) => {
  const id = await dispatchedCase('U-WATER');
  const assessment = createAssessment({ db: hub.db });
  const water = async () =>
    (await assessment.compute(wideWindow())).departments.find((d) => d.id === dept['U-WATER'])!;
  for (let round = 1; round <= 3; round++) {
    await signAndDispose(id, 'water_handler', round);
    const failed = await ok(id, 'check', 'field_supervisor', {
      result: 'failed',
      note: `第${round}次核查不合格`,
    });
    t.like(failed.body, {
      status: 'dispatched',
      departmentId: dept['U-WATER'],
      event: {
        type: 'check_failed',
        fromStatus: 'checking',
        toStatus: 'dispatched',
        departmentId: dept['U-WATER'],
      },
    });
    // 返工: the procedure re-dispatches to the same department and waits for its 签收 again.
    await until(`rework ${round}`, async () => (await row(id)).reworkCount === round);
    await deadlineSet(id, 'sign', round + 1);
    await waitAt(id, 't_assign_rework', round);
    t.like(await row(id), { status: 'dispatched', departmentId: dept['U-WATER'], dispatchCount: round + 1 });
    const figures = await water();
    t.deepEqual(figures.figures.reworkRate, { value: 1, numeratorIds: [id], denominatorIds: [id] });
    // The penalty starts at the third failed 核查 of one case: 0.2 (rules.penalties.failedCheck).
    t.is(figures.penalty, round < 3 ? 0 : 0.2, `after failure ${round}`);
  }
  await signAndDispose(id, 'water_handler', 4);
  await ok(id, 'check', 'field_supervisor', { result: 'passed' });
  await statusIs(id, 'closed');
  await ended(id);
  t.like(await row(id), { reworkCount: 3, dispatchCount: 4, returnCount: 0, departmentId: dept['U-WATER'] });
  const types = await timeline(id);
  t.is(types.filter((e) => e === 'check_failed').length, 3);
  t.is(types.filter((e) => e === 'dispatched').length, 1, '返工 is not a new dispatch');
  t.deepEqual(types.slice(-3), ['deadline_set:check', 'check_passed', 'closed']);
  t.is(
    await hub.db.prisma.outboxMessage.count({
      where: { caseId: id, adapter: 'department', kind: 'assignment' },
    }),
    4,
  );
  const final = await water();
  t.is(final.penalty, 0.2);
  t.deepEqual(final.figures.closureRate, { value: 1, numeratorIds: [id], denominatorIds: [id] });
});

test('scenario 3: a public report that fails 核实 is voided and is in no 应结案 and no 漏报 figure', async (t) => {
  const id = await report('public', { reporterName: '市民', reporterPhone: '13900000001' });
  await statusIs(id, 'verifying');
  await deadlineSet(id, 'verify');
  await waitAt(id, 'rt_verify');
  // 立案 and 作废 wait for the 核实 result; a 核实 without a reason is incomplete.
  t.is((await act(id, 'register', 'acceptor')).status, 409);
  const noReason = await act(id, 'verify', 'field_supervisor', { result: 'false' });
  t.is(noReason.status, 400);
  t.deepEqual(noReason.body.errors, [{ field: 'body.reason', message: 'a false report needs a reason' }]);
  const verified = await ok(id, 'verify', 'field_supervisor', { result: 'false', reason: '现场无违建' });
  t.like(verified.body, {
    status: 'voided',
    event: { type: 'voided', fromStatus: 'verifying', toStatus: 'voided', note: '现场无违建' },
  });
  await ended(id);
  t.is(await reached(id, 'end_void', 'ELEMENT_COMPLETED'), 1);
  t.like(await row(id), { status: 'voided', voidReason: '现场无违建' });
  t.deepEqual(await timeline(id), [
    'reported',
    'accepted',
    'verify_requested',
    'deadline_set:verify',
    'voided',
  ]);
  t.is((await act(id, 'register', 'acceptor')).status, 409);

  const result = await createAssessment({ db: hub.db }).compute(wideWindow());
  const { city } = result;
  for (const name of ['registered', 'shouldClose', 'closureRate', 'missedReportRate'])
    t.false(
      [...city.figures[name]!.numeratorIds, ...(city.figures[name]!.denominatorIds ?? [])].includes(id),
      name,
    );
  for (const area of [...result.streets, ...result.grids, ...result.supervisors])
    t.false(
      [
        ...(area.figures.missedReportRate?.numeratorIds ?? []),
        ...(area.figures.missedReportRate?.denominatorIds ?? []),
      ].includes(id),
      `${area.type} ${area.id}`,
    );
  // Its 核实 is the supervisor's act, judged on time.
  const supervisor = result.supervisors.find((s) => s.name === '监督员')!;
  t.true(supervisor.figures.onTimeVerifyRate!.numeratorIds.includes(id));
});

test('scenario 9: a wrong dispatch (园林 instead of 执法) sent back with 回退 lowers the dispatcher’s 准确派遣率, not the department’s figures', async (t) => {
  const id = await dispatchedCase('D20');
  // A first request is rejected: the case stays with 园林 and the procedure's request ends.
  await ok(id, 'request-return', 'yuanlin_handler', { reason: '请核实职责' });
  await waitAt(id, 'return_decided');
  const no = await ok(id, 'decide-return', 'shift_leader', { approved: false, reason: '请先现场查看' });
  t.like(no.body, {
    status: 'dispatched',
    departmentId: dept.D20,
    event: { type: 'return_rejected', note: '请先现场查看' },
  });
  await until(
    'rejected in the engine',
    async () => (await reached(id, 'return_no', 'ELEMENT_COMPLETED')) === 1,
  );
  t.is((await act(id, 'decide-return', 'dispatcher', { approved: true })).status, 409);
  const ask = await ok(id, 'request-return', 'yuanlin_handler', { reason: '违建拆除属执法局职责' });
  t.like(ask.body, { status: 'dispatched', event: { type: 'return_requested', departmentId: dept.D20 } });
  await waitAt(id, 'return_decided', 2);
  const back = await ok(id, 'decide-return', 'dispatcher', { approved: true, reason: '同意回退' });
  t.like(back.body, {
    status: 'registered',
    departmentId: null,
    event: { type: 'returned', fromStatus: 'dispatched', toStatus: 'registered', departmentId: dept.D20 },
  });
  // Back at 派遣: the procedure waits for the dispatcher again; 园林 no longer sees the case.
  await waitAt(id, 'ebg_dispatch', 2);
  t.is((await act(id, 'sign', 'yuanlin_handler')).status, 404);
  await ok(id, 'dispatch', 'dispatcher', { assigneeType: 'department', assigneeId: dept.D06 });
  await deadlineSet(id, 'sign', 2);
  await signAndDispose(id, 'department_handler');
  await ok(id, 'check', 'field_supervisor', { result: 'passed' });
  await statusIs(id, 'closed');
  await ended(id);
  t.like(await row(id), { returnCount: 1, reworkCount: 0, dispatchCount: 2, departmentId: dept.D06 });
  t.deepEqual(
    (await timeline(id)).filter((e) => !e.startsWith('deadline_set')),
    [
      'reported',
      'accepted',
      'registered',
      'dispatched',
      'return_requested',
      'return_rejected',
      'return_requested',
      'returned',
      'dispatched',
      'signed',
      'disposed',
      'check_requested',
      'check_passed',
      'closed',
    ],
  );

  const result = await createAssessment({ db: hub.db }).compute(wideWindow());
  const dispatcherId = (await hub.db.prisma.user.findUniqueOrThrow({ where: { username: 'dispatcher' } })).id;
  const accuracy = result.dispatchers.find((d) => d.id === dispatcherId)!.figures.accurateDispatchRate!;
  t.true(accuracy.denominatorIds!.includes(id));
  t.false(accuracy.numeratorIds.includes(id), 'returned: not an accurate dispatch');
  t.false(result.city.figures.accurateDispatchRate!.numeratorIds.includes(id));
  // 园林: the case is in none of its figures (no 立案数, no 超期, no 返工).
  const yuanlin = result.departments.find((d) => d.id === dept.D20);
  for (const [name, figure] of Object.entries(yuanlin?.figures ?? {}))
    t.false([...figure.numeratorIds, ...(figure.denominatorIds ?? [])].includes(id), `D20 ${name}`);
  t.is(yuanlin?.penalty ?? 0, 0);
  // 执法局 holds it: registered, closed, not reworked.
  const zhifa = result.departments.find((d) => d.id === dept.D06)!;
  t.true(zhifa.figures.registered!.numeratorIds.includes(id));
  t.true(zhifa.figures.closureRate!.numeratorIds.includes(id));
  t.false(zhifa.figures.reworkRate!.numeratorIds.includes(id));
});

test('hotline: 核实属实 → 立案 → 派遣 to a sub-centre → 二级派遣 to its unit → 结案 → 回访', async (t) => {
  const id = await report('hotline', { sourceRef: `HL-${Date.now()}` });
  await statusIs(id, 'verifying');
  await waitAt(id, 'rt_verify');
  t.is((await act(id, 'callback', 'acceptor', { satisfaction: 'satisfied' })).status, 409);
  const verified = await ok(id, 'verify', 'field_supervisor', { result: 'confirmed', note: '情况属实' });
  t.like(verified.body, {
    status: 'accepted',
    event: { type: 'verified', data: { verifyResult: 'confirmed' } },
  });
  await waitAt(id, 'ebg_register');
  await ok(id, 'register', 'acceptor');
  const toCentre = await ok(id, 'dispatch', 'dispatcher', {
    assigneeType: 'subcenter',
    assigneeId: dept.S01,
  });
  t.like(toCentre.body, { departmentId: dept.S01 });
  await deadlineSet(id, 'sign');
  // Only the sub-centre's own units; a unit of another sub-centre is refused naming the field.
  const foreign = await act(id, 'redispatch', 'chengbei_handler', { assigneeId: dept['S02-ZD'] });
  t.is(foreign.status, 400);
  t.is(foreign.body.errors[0].field, 'body.assigneeId');
  t.is((await act(id, 'redispatch', 'department_handler', { assigneeId: dept['S01-ZD'] })).status, 404);
  const down = await ok(id, 'redispatch', 'chengbei_handler', {
    assigneeId: dept['S01-ZD'],
    note: '交城管中队',
  });
  t.like(down.body, {
    status: 'dispatched',
    departmentId: dept['S01-ZD'],
    event: { type: 'redispatched', departmentId: dept['S01-ZD'], actorName: '城北街道处置员' },
  });
  await waitAt(id, 't_assign_redispatch');
  await deadlineSet(id, 'sign', 2);
  t.like(await row(id), { departmentId: dept['S01-ZD'], subCenterId: dept.S01 });
  // The sub-centre still sees the case but does not hold it any more.
  const notHolder = await act(id, 'sign', 'chengbei_handler');
  t.is(notHolder.status, 403);
  t.regex(notHolder.body.detail, /held by another unit/);
  await signAndDispose(id, 'zhongdui_handler');
  await ok(id, 'check', 'field_supervisor', { result: 'passed' });
  await statusIs(id, 'closed');
  await waitAt(id, 'rt_callback');
  const callback = await ok(id, 'callback', 'acceptor', { satisfaction: 'satisfied', note: '市民满意' });
  t.like(callback.body, {
    status: 'closed',
    event: { type: 'callback', data: { satisfaction: 'satisfied' } },
  });
  await ended(id);
  t.is(await reached(id, 'end_callback', 'ELEMENT_COMPLETED'), 1);
  await until('callback recorded', async () => (await row(id)).callbackSatisfied === true);
  t.is((await act(id, 'callback', 'acceptor', { satisfaction: 'basic' })).status, 409);
  t.deepEqual(
    (await timeline(id)).filter((e) => !e.startsWith('deadline_set')),
    [
      'reported',
      'accepted',
      'verify_requested',
      'verified',
      'registered',
      'dispatched',
      'redispatched',
      'signed',
      'disposed',
      'check_requested',
      'check_passed',
      'closed',
      'callback',
    ],
  );
});

// --- the engine away, and a restart in the middle of a case ----------------------------------------

test.serial(
  'engine unreachable: the action is recorded, 503; after a hub restart the relay delivers it and the case goes on',
  async (t) => {
    const id = await dispatchedCase('D06');
    await ok(id, 'sign', 'department_handler');
    await deadlineSet(id, 'dispose');
    await waitAt(id, 's2_wait');

    // A second hub process on the same case store whose engine address leads nowhere (connection refused).
    const dead = createZeebeClient(config, '127.0.0.1:1');
    const logger = createLogger('silent');
    const api = createApi({
      config,
      logger,
      db: hub.db,
      auth: hub.auth,
      zeebe: dead,
      casePublisher: createCasePublisher({
        db: hub.db,
        zeebe: dead,
        logger,
        ttlMs: 60_000,
        retryMs: 50,
        timeoutMs: 1000,
      }),
    });
    const server = createServer(api.app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const res = await call(deadUrl, 'POST', `/api/cases/${id}/actions/dispose`, {
      token: tokens.department_handler,
      body: { note: '已拆除' },
    });
    t.is(res.status, 503);
    t.is(res.headers.get('content-type'), 'application/problem+json');
    t.is(
      res.body.detail,
      `the engine did not take message case.disposed of case ${id}; the action is recorded and the hub re-sends the message (retrying the request is safe)`,
    );
    t.is((await row(id)).status, 'disposed');
    const pending = await hub.db.prisma.outboxMessage.findFirstOrThrow({
      where: { caseId: id, kind: 'case.disposed' },
    });
    t.like(pending, { adapter: 'engine', status: 'pending', attempts: 1 });
    // Another action on the case waits until the engine has the earlier message (order is kept).
    const later = await call(deadUrl, 'POST', `/api/cases/${id}/actions/check`, {
      token: tokens.field_supervisor,
      body: { result: 'passed' },
    });
    t.is(later.status, 503);
    t.is(await countOf(id, 'check_passed'), 0);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await dead.close();
    t.is(await reached(id, 's2_wait', 'ELEMENT_COMPLETED'), 0, 'the engine never got case.disposed');

    // Restart: a new hub on the same data; its relay sends the pending message at start.
    await hub.stop();
    await startHub();
    await until(
      'delivered',
      async () =>
        (await hub.db.prisma.outboxMessage.findUniqueOrThrow({ where: { id: pending.id } })).status ===
        'delivered',
    );
    await waitAt(id, 's2_wait', 1);
    await until('disposal taken', async () => (await reached(id, 's2_wait', 'ELEMENT_COMPLETED')) === 1);
    await statusIs(id, 'checking');
    await deadlineSet(id, 'check');
    await ok(id, 'check', 'field_supervisor', { result: 'passed' });
    await statusIs(id, 'closed');
    await ended(id);
    t.deepEqual(
      (await timeline(id)).filter((e) => !e.startsWith('deadline_set')),
      [
        'reported',
        'accepted',
        'registered',
        'dispatched',
        'signed',
        'disposed',
        'check_requested',
        'check_passed',
        'closed',
      ],
    );
  },
);
