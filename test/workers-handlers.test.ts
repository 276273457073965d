// The worker handlers as plain functions on a real case store (HUB_TEST_DB) and a real SMTP server:
// exact output variables, rows, timeline entries, retries/incidents on bad input and on unreachable
// dependencies, and idempotency on redelivery.
import test from 'ava';
import { reopenCase } from '../src/cases/reopen.ts';
import { createDb } from '../src/db/index.ts';
import { HANDLERS } from '../workers/index.ts';
import { createTestDb, type TestDb } from './helpers/db.ts';
import {
  GRID_A,
  GRID_B,
  NOW,
  REF,
  insertCase,
  insertReference,
  job,
  startSmtp,
  workerDeps,
  type TestSmtp,
} from './helpers/workers.ts';

let t0: TestDb;
let smtp: TestSmtp;
let deps: ReturnType<typeof workerDeps>;

test.before(async () => {
  t0 = await createTestDb();
  smtp = await startSmtp();
  await insertReference(t0.db);
  deps = workerDeps(t0.db, smtp.url);
});
test.after.always(async () => {
  deps?.mailer.close();
  await smtp?.close();
  await t0?.drop();
});

const run = (type: string, variables: Record<string, unknown>, extra = {}) =>
  HANDLERS[type]!(job(type, variables, extra), deps);
const events = (caseId: string) =>
  t0.db.prisma.caseEvent.findMany({ where: { caseId }, orderBy: [{ at: 'asc' }, { id: 'asc' }] });
const caseRow = (id: string) => t0.db.prisma.case.findUniqueOrThrow({ where: { id } });

// --- intake ------------------------------------------------------------------------------------------

test.serial(
  'intake: a supervisor report goes straight to 立案; accepted once even when the job is redelivered',
  async (t) => {
    const c = await insertCase(t0.db, { source: 'supervisor', gridCode: null });
    const j = job('hub.case.intake', { caseId: c.id, source: 'supervisor' });
    const first = await HANDLERS['hub.case.intake']!(j, deps);
    t.deepEqual(first, {
      action: 'complete',
      variables: { needsVerify: false, selfHandled: false, callbackRequired: false, duplicateOf: null },
    });
    t.deepEqual(await HANDLERS['hub.case.intake']!(j, deps), first);
    t.is((await caseRow(c.id)).status, 'accepted');
    t.deepEqual(
      (await events(c.id)).map((e) => [e.type, e.fromStatus, e.toStatus]),
      [['accepted', 'reported', 'accepted']],
    );
  },
);

test.serial('intake: hotline reports need 核实 and 回访', async (t) => {
  const c = await insertCase(t0.db, { source: 'hotline', gridCode: null, lng: 120.5, lat: 32.1 });
  t.deepEqual(
    (await run('hub.case.intake', { caseId: c.id })).action === 'complete' &&
      (await run('hub.case.intake', { caseId: c.id })),
    {
      action: 'complete',
      variables: { needsVerify: true, selfHandled: false, callbackRequired: true, duplicateOf: null },
    },
  );
});

test.serial(
  'intake: a second report in the same cell and category within 30 min is merged into the open case',
  async (t) => {
    const original = await insertCase(t0.db, {
      source: 'video',
      gridCode: GRID_B,
      reportedAt: new Date('2026-11-25T08:40:00+08:00'),
    });
    const dup = await insertCase(t0.db, {
      source: 'video',
      gridCode: GRID_B,
      reportedAt: new Date('2026-11-25T08:55:00+08:00'),
    });
    const later = await insertCase(t0.db, {
      source: 'video',
      gridCode: GRID_B,
      reportedAt: new Date('2026-11-25T09:20:00+08:00'),
    });
    t.like(await run('hub.case.intake', { caseId: original.id }), { variables: { duplicateOf: null } });
    const outcome = await run('hub.case.intake', { caseId: dup.id });
    t.deepEqual(outcome, {
      action: 'complete',
      variables: { needsVerify: true, selfHandled: false, callbackRequired: false, duplicateOf: original.id },
    });
    const row = await caseRow(dup.id);
    t.is(row.status, 'voided');
    t.is(row.mergedIntoId, original.id);
    t.is(row.voidReason, `重复上报，合并到 ${original.caseNo}`);
    t.deepEqual(
      (await events(dup.id)).map((e) => e.type),
      ['merged'],
    );
    t.like(await run('hub.case.intake', { caseId: dup.id }), { variables: { duplicateOf: original.id } });
    // 09:20 is 40 min after the original (window 30 min) but 25 min after the merged one, which is closed.
    t.like(await run('hub.case.intake', { caseId: later.id }), { variables: { duplicateOf: null } });
  },
);

test.serial('intake: a case the supervisor handled on the spot (自处理) is selfHandled', async (t) => {
  const c = await insertCase(t0.db, { source: 'supervisor', gridCode: null, status: 'disposed' });
  await t0.db.prisma.caseEvent.create({
    data: { caseId: c.id, type: 'self_handled', fromStatus: 'reported', toStatus: 'disposed' },
  });
  t.like(await run('hub.case.intake', { caseId: c.id }), {
    variables: { selfHandled: true, needsVerify: false },
  });
  t.is((await caseRow(c.id)).status, 'disposed');
});

test.serial(
  'intake: an unknown case or a missing caseId raises an incident (retries 0) naming it',
  async (t) => {
    t.deepEqual(await run('hub.case.intake', { caseId: 'nope' }), {
      action: 'fail',
      errorMessage: 'hub.case.intake: case nope does not exist',
      retries: 0,
      retryBackOff: 0,
    });
    t.like(await run('hub.case.intake', { caseId: 42 }), {
      action: 'fail',
      errorMessage: 'hub.case.intake: variable caseId must be a non-empty string, got 42',
      retries: 0,
    });
  },
);

// --- locate, classify ----------------------------------------------------------------------------------

test.serial(
  'locate: coordinates → the cell whose polygon contains them; the case row gets the cell',
  async (t) => {
    const c = await insertCase(t0.db, { lng: 120.5405, lat: 32.3805 });
    t.deepEqual(await run('hub.case.locate', { caseId: c.id }), {
      action: 'complete',
      variables: { gridCode: GRID_A, streetCode: '320682001' },
    });
    t.is((await caseRow(c.id)).gridCode, GRID_A);
  },
);

test.serial(
  'locate: a component gives its position; an address gives a grid code or a community with one cell; nothing → location repair',
  async (t) => {
    const byComponent = await insertCase(t0.db, { lng: null, lat: null, componentId: REF.component });
    t.like(await run('hub.case.locate', { caseId: byComponent.id }), { variables: { gridCode: GRID_B } });
    t.like(await caseRow(byComponent.id), { gridCode: GRID_B, lng: 120.5415, lat: 32.3805 });
    const byCode = await insertCase(t0.db, { lng: null, lat: null, address: `网格 ${GRID_A} 北侧` });
    t.like(await run('hub.case.locate', { caseId: byCode.id }), { variables: { gridCode: GRID_A } });
    const byCommunity = await insertCase(t0.db, {
      lng: null,
      lat: null,
      address: '城北街道东门社区菜场门口',
    });
    t.like(await run('hub.case.locate', { caseId: byCommunity.id }), { variables: { gridCode: GRID_B } });
    // Nothing placeable: location repair (not an incident) — the row and the timeline say why.
    const unknown = await insertCase(t0.db, { lng: null, lat: null, address: '某小区门口' });
    t.like(await run('hub.case.locate', { caseId: unknown.id }), {
      action: 'error',
      errorCode: 'LOCATION_UNKNOWN',
    });
    t.like(await caseRow(unknown.id), {
      gridCode: null,
      locationRepairNote: '地址「某小区门口」中没有已知的道路、门牌、小区或地点',
    });
    t.truthy((await caseRow(unknown.id)).locationRepairAt);
  },
);

test.serial('locate: outside every cell → BPMN error OUT_OF_AREA with voidReason', async (t) => {
  // Inside GRID_A's bounding box row but east of both cells' polygons.
  const c = await insertCase(t0.db, { lng: 120.6, lat: 32.3805 });
  t.deepEqual(await run('hub.case.locate', { caseId: c.id }), {
    action: 'error',
    errorCode: 'OUT_OF_AREA',
    errorMessage: 'location 120.6,32.3805 lies outside every grid cell',
    variables: { voidReason: '位置 (120.6, 32.3805) 不在本市网格范围内' },
  });
  t.is((await caseRow(c.id)).gridCode, null);
});

test.serial(
  'classify: category and urgency from the case; an inactive category is an incident',
  async (t) => {
    const c = await insertCase(t0.db, { urgency: 'urgent' });
    t.deepEqual(await run('hub.case.classify', { caseId: c.id }), {
      action: 'complete',
      variables: { categoryCode: '0102', urgency: 'urgent' },
    });
    const retired = await insertCase(t0.db, { categoryCode: '0199' });
    t.like(await run('hub.case.classify', { caseId: retired.id }), {
      action: 'fail',
      retries: 0,
      errorMessage: `hub.case.classify: case ${retired.id}: category 0199 其他 is no longer active`,
    });
  },
);

// --- verify.assign, deadlines ------------------------------------------------------------------------

test.serial('verify.assign: the grid supervisor; 派发核实 on the timeline', async (t) => {
  const c = await insertCase(t0.db, { source: 'public', status: 'accepted', gridCode: GRID_A });
  t.deepEqual(await run('hub.verify.assign', { caseId: c.id, taskKind: 'verify', gridCode: GRID_A }), {
    action: 'complete',
    variables: { supervisorId: REF.supervisor },
  });
  t.is((await caseRow(c.id)).status, 'verifying');
  t.like(await run('hub.verify.assign', { caseId: c.id, taskKind: 'inspect', gridCode: GRID_A }), {
    action: 'fail',
    retries: 0,
    errorMessage: 'hub.verify.assign: variable taskKind must be one of verify, check, got "inspect"',
  });
});

test.serial(
  'deadlines: sign and dispose from the category limit on the work calendar, warnAt at 80%',
  async (t) => {
    const c = await insertCase(t0.db, { status: 'dispatched', departmentId: REF.sanitation });
    const sign = job('hub.deadlines.compute', { caseId: c.id, deadlineKind: 'sign' });
    const expected = {
      action: 'complete',
      variables: { dueAt: '2026-11-25T10:00:00+08:00', warnAt: '2026-11-25T09:48:00+08:00' },
    };
    t.deepEqual(await HANDLERS['hub.deadlines.compute']!(sign, deps), expected);
    // Redelivered an hour later: the recorded answer, not a new one.
    const later = { ...deps, now: () => new Date(NOW.getTime() + 3600_000) };
    t.deepEqual(await HANDLERS['hub.deadlines.compute']!(sign, later), expected);
    t.deepEqual((await caseRow(c.id)).signDeadline, new Date('2026-11-25T10:00:00+08:00'));
    const recorded = await events(c.id);
    t.is(recorded.length, 1);
    t.like(recorded[0]!, { type: 'deadline_set', data: { step: 'sign', dueAt: '2026-11-25T02:00:00.000Z' } });
    // 240 working minutes from 09:00: 180 until the lunch break at 12:00, 60 after 13:30.
    t.deepEqual(await run('hub.deadlines.compute', { caseId: c.id, deadlineKind: 'dispose' }), {
      action: 'complete',
      variables: { dueAt: '2026-11-25T14:30:00+08:00', warnAt: '2026-11-25T13:42:00+08:00' },
    });
  },
);

test.serial(
  'deadlines: urgent limits in natural time; decision and callback windows from the configuration',
  async (t) => {
    const c = await insertCase(t0.db, { urgency: 'urgent', status: 'dispatched' });
    t.like(await run('hub.deadlines.compute', { caseId: c.id, deadlineKind: 'sign' }), {
      variables: { dueAt: '2026-11-25T09:30:00+08:00', warnAt: '2026-11-25T09:24:00+08:00' },
    });
    t.like(
      await run('hub.deadlines.compute', { caseId: c.id, deadlineKind: 'decision', escalationLevel: 1 }),
      {
        variables: { dueAt: '2026-11-25T10:00:00+08:00', warnAt: '2026-11-25T09:48:00+08:00' },
      },
    );
    // 960 working minutes: Wed 09:00–17:30 gives 420, Thu 450, Fri 08:30 + 90.
    t.like(await run('hub.deadlines.compute', { caseId: c.id, deadlineKind: 'callback' }), {
      variables: { dueAt: '2026-11-27T10:00:00+08:00' },
    });
  },
);

test.serial(
  'deadlines: an approved 延期 sets the new deadline; after 挂账 the time left runs on from resumption',
  async (t) => {
    const c = await insertCase(t0.db, { status: 'signed' });
    await run('hub.deadlines.compute', { caseId: c.id, deadlineKind: 'dispose' }); // due 14:30
    const at = (iso: string) => new Date(iso);
    await t0.db.prisma.caseEvent.create({
      data: {
        caseId: c.id,
        type: 'extension_approved',
        at: at('2026-11-25T10:00:00+08:00'),
        data: { newDeadline: '2026-11-26T16:00:00+08:00' },
      },
    });
    const extended = { ...deps, now: () => at('2026-11-25T10:05:00+08:00') };
    t.like(
      await HANDLERS['hub.deadlines.compute']!(
        job('hub.deadlines.compute', { caseId: c.id, deadlineKind: 'dispose' }),
        extended,
      ),
      {
        variables: { dueAt: '2026-11-26T16:00:00+08:00' },
      },
    );
    const s = await insertCase(t0.db, { status: 'signed' });
    await run('hub.deadlines.compute', { caseId: s.id, deadlineKind: 'dispose' }); // due 14:30
    await t0.db.prisma.caseEvent.createMany({
      data: [
        { caseId: s.id, type: 'suspended', at: at('2026-11-25T10:00:00+08:00') },
        { caseId: s.id, type: 'resumed', at: at('2026-11-26T08:50:00+08:00') },
      ],
    });
    // Left at 10:00: 120 min before lunch + 60 after = 180 working minutes, from Thu 09:00 → 12:00.
    const resumed = { ...deps, now: () => at('2026-11-26T09:00:00+08:00') };
    t.like(
      await HANDLERS['hub.deadlines.compute']!(
        job('hub.deadlines.compute', { caseId: s.id, deadlineKind: 'dispose' }),
        resumed,
      ),
      {
        variables: { dueAt: '2026-11-26T12:00:00+08:00', warnAt: '2026-11-26T11:24:00+08:00' },
      },
    );
  },
);

test.serial(
  'deadlines: a 延期 moves only the step it was granted for (data.step, else the status it was recorded in)',
  async (t) => {
    const at = (iso: string) => new Date(iso);
    const c = await insertCase(t0.db, { status: 'dispatched' });
    await run('hub.deadlines.compute', { caseId: c.id, deadlineKind: 'sign' }); // due 10:00
    await t0.db.prisma.caseEvent.create({
      data: {
        caseId: c.id,
        type: 'extension_approved',
        at: at('2026-11-25T09:30:00+08:00'),
        fromStatus: 'dispatched',
        toStatus: 'dispatched',
        data: { newDeadline: '2026-11-25T15:00:00+08:00', step: 'sign' },
      },
    });
    const compute = (kind: string, now: string) =>
      HANDLERS['hub.deadlines.compute']!(job('hub.deadlines.compute', { caseId: c.id, deadlineKind: kind }), {
        ...deps,
        now: () => at(now),
      });
    t.like(await compute('sign', '2026-11-25T09:35:00+08:00'), {
      variables: { dueAt: '2026-11-25T15:00:00+08:00' },
    });
    // Signed at 09:00 the next day: the disposal limit (240 working minutes), not the sign-for extension.
    await t0.db.prisma.case.update({ where: { id: c.id }, data: { status: 'signed' } });
    t.like(await compute('dispose', '2026-11-26T09:00:00+08:00'), {
      variables: { dueAt: '2026-11-26T14:30:00+08:00' },
    });
    t.deepEqual((await caseRow(c.id)).disposeDeadline, at('2026-11-26T14:30:00+08:00'));

    // An older event without data.step, recorded while the case waited for 签收: the sign-for step only.
    const old = await insertCase(t0.db, { status: 'dispatched' });
    await t0.db.prisma.caseEvent.create({
      data: {
        caseId: old.id,
        type: 'extension_approved',
        at: at('2026-11-25T08:30:00+08:00'),
        fromStatus: 'dispatched',
        toStatus: 'dispatched',
        data: { newDeadline: '2026-11-25T15:00:00+08:00' },
      },
    });
    t.like(await run('hub.deadlines.compute', { caseId: old.id, deadlineKind: 'dispose' }), {
      variables: { dueAt: '2026-11-25T14:30:00+08:00' },
    });
    t.like(await run('hub.deadlines.compute', { caseId: old.id, deadlineKind: 'sign' }), {
      variables: { dueAt: '2026-11-25T15:00:00+08:00' },
    });
  },
);

test.serial(
  'deadlines: a case voided before its 核实 deadline job ran completes with the limit, no incident, no row change',
  async (t) => {
    const c = await insertCase(t0.db, { source: 'public', status: 'voided', voidReason: '核实不属实' });
    t.deepEqual(await run('hub.deadlines.compute', { caseId: c.id, deadlineKind: 'verify' }), {
      action: 'complete',
      variables: { dueAt: '2026-11-25T10:00:00+08:00', warnAt: '2026-11-25T09:48:00+08:00' },
    });
    const row = await caseRow(c.id);
    t.is(row.status, 'voided');
    t.is(row.verifyDeadline, null);
    t.deepEqual(await events(c.id), []);
  },
);

test.serial('deadlines: a category without a limit for the step is an incident naming it', async (t) => {
  const c = await insertCase(t0.db, { categoryCode: '0402', urgency: 'urgent' });
  t.deepEqual(await run('hub.deadlines.compute', { caseId: c.id, deadlineKind: 'sign' }), {
    action: 'fail',
    errorMessage:
      'hub.deadlines.compute: no time limit for category 0402 自来水管破裂, urgency urgent, step sign',
    retries: 0,
    retryBackOff: 0,
  });
});

// --- dispatch ------------------------------------------------------------------------------------------

test.serial('dispatch: assigns the department, counts the round, tells the unit once', async (t) => {
  const c = await insertCase(t0.db, { status: 'registered' });
  const j = job('hub.dispatch.assign', {
    caseId: c.id,
    dispatchKind: 'dispatch',
    assigneeType: 'department',
    assigneeId: REF.sanitation,
  });
  t.deepEqual(await HANDLERS['hub.dispatch.assign']!(j, deps), { action: 'complete', variables: {} });
  t.deepEqual(await HANDLERS['hub.dispatch.assign']!(j, deps), { action: 'complete', variables: {} });
  t.like(await caseRow(c.id), {
    status: 'dispatched',
    departmentId: REF.sanitation,
    subCenterId: null,
    dispatchCount: 1,
    reworkCount: 0,
  });
  t.deepEqual(
    (await events(c.id)).map((e) => [e.type, e.departmentId]),
    [['dispatched', REF.sanitation]],
  );
  const outbox = await t0.db.prisma.outboxMessage.findMany({ where: { caseId: c.id } });
  t.is(outbox.length, 1);
  t.like(outbox[0]!, {
    adapter: 'department',
    kind: 'assignment',
    payload: { dispatchKind: 'dispatch', assigneeId: REF.sanitation },
  });
});

test.serial(
  'dispatch: the API already recorded 派遣 → no second event; 返工 goes to the same department only',
  async (t) => {
    const c = await insertCase(t0.db, { status: 'dispatched' });
    await t0.db.prisma.caseEvent.create({
      data: { caseId: c.id, type: 'dispatched', departmentId: REF.sanitation, actorName: 'dispatcher' },
    });
    await run('hub.dispatch.assign', {
      caseId: c.id,
      dispatchKind: 'dispatch',
      assigneeType: 'department',
      assigneeId: REF.sanitation,
    });
    t.is((await events(c.id)).length, 1);
    await t0.db.prisma.case.update({ where: { id: c.id }, data: { status: 'dispatched' } });
    await t0.db.prisma.caseEvent.create({
      data: { caseId: c.id, type: 'check_failed', toStatus: 'dispatched' },
    });
    t.like(
      await run('hub.dispatch.assign', {
        caseId: c.id,
        dispatchKind: 'rework',
        assigneeType: 'department',
        assigneeId: REF.water,
      }),
      {
        action: 'fail',
        retries: 0,
        errorMessage: `hub.dispatch.assign: 返工 goes to the same department (${REF.sanitation}), not ${REF.water}`,
      },
    );
    await run('hub.dispatch.assign', {
      caseId: c.id,
      dispatchKind: 'rework',
      assigneeType: 'department',
      assigneeId: REF.sanitation,
    });
    t.like(await caseRow(c.id), { departmentId: REF.sanitation, dispatchCount: 2, reworkCount: 1 });
  },
);

test.serial(
  'dispatch: a sub-centre holds the case until it redispatches to its unit; wrong kinds are incidents',
  async (t) => {
    const c = await insertCase(t0.db, { status: 'registered' });
    t.like(
      await run('hub.dispatch.assign', {
        caseId: c.id,
        dispatchKind: 'dispatch',
        assigneeType: 'department',
        assigneeId: REF.subCenter,
      }),
      {
        action: 'fail',
        retries: 0,
      },
    );
    await run('hub.dispatch.assign', {
      caseId: c.id,
      dispatchKind: 'dispatch',
      assigneeType: 'subcenter',
      assigneeId: REF.subCenter,
    });
    t.like(await caseRow(c.id), { subCenterId: REF.subCenter, departmentId: REF.subCenter });
    await run('hub.dispatch.assign', {
      caseId: c.id,
      dispatchKind: 'redispatch',
      assigneeType: 'department',
      assigneeId: REF.subUnit,
    });
    t.like(await caseRow(c.id), {
      subCenterId: REF.subCenter,
      departmentId: REF.subUnit,
      dispatchCount: 2,
      status: 'dispatched',
    });
    t.deepEqual(
      (await events(c.id)).map((e) => e.type),
      ['dispatched', 'redispatched'],
    );
  },
);

// --- close, void, callback -------------------------------------------------------------------------------

test.serial('close and void: final event once; closing a case not yet disposed is an incident', async (t) => {
  const c = await insertCase(t0.db, { status: 'checking' });
  t.deepEqual(await run('hub.case.close', { caseId: c.id }), { action: 'complete', variables: {} });
  t.deepEqual(await run('hub.case.close', { caseId: c.id }), { action: 'complete', variables: {} });
  t.like(await caseRow(c.id), { status: 'closed' });
  t.deepEqual(
    (await events(c.id)).map((e) => e.type),
    ['closed'],
  );
  const open = await insertCase(t0.db, { status: 'dispatched' });
  t.like(await run('hub.case.close', { caseId: open.id }), {
    action: 'fail',
    retries: 0,
    errorMessage:
      'hub.case.close: 结案 (closed) is not allowed in status 已派遣 (dispatched); allowed in: disposed, checking',
  });
  const v = await insertCase(t0.db, { status: 'accepted' });
  await run('hub.case.void', { caseId: v.id, voidReason: '不属实' });
  t.like(await caseRow(v.id), { status: 'voided', voidReason: '不属实' });
  t.like(await run('hub.case.void', { caseId: v.id }), { action: 'fail', retries: 0 });
});

test.serial(
  'callback: one request in the hotline outbox; no answer in time is recorded as such',
  async (t) => {
    const c = await insertCase(t0.db, { source: 'hotline', sourceRef: 'T-1', status: 'closed' });
    await run('hub.callback.request', { caseId: c.id });
    await run('hub.callback.request', { caseId: c.id });
    const outbox = await t0.db.prisma.outboxMessage.findMany({ where: { caseId: c.id } });
    t.deepEqual(
      outbox.map((o) => [o.adapter, o.kind]),
      [['hotline', 'callback']],
    );
    await run('hub.callback.record', { caseId: c.id });
    t.like((await events(c.id))[0]!, { type: 'callback', data: { satisfaction: null, timedOut: true } });
    const answered = await insertCase(t0.db, { source: 'hotline', status: 'closed' });
    await t0.db.prisma.caseEvent.create({
      data: { caseId: answered.id, type: 'callback', data: { satisfaction: 'basic' } },
    });
    await run('hub.callback.record', { caseId: answered.id, satisfaction: 'basic' });
    t.like(await caseRow(answered.id), { callbackSatisfied: true });
  },
);

test.serial(
  'callback after a 不满意 reopen: record answers reopened; the next round closes, asks and times out again',
  async (t) => {
    const { prisma } = t0.db;
    const c = await insertCase(t0.db, { source: 'hotline', sourceRef: 'T-R', status: 'checking' });
    await run('hub.case.close', { caseId: c.id });
    await run('hub.callback.request', { caseId: c.id });
    // The hotline's 不满意, as adapters/hotline records it: the 回访, then the reopen.
    await prisma.$transaction(async (tx) => {
      await tx.caseEvent.create({
        data: {
          caseId: c.id,
          type: 'callback',
          fromStatus: 'closed',
          toStatus: 'closed',
          data: { satisfaction: 'unsatisfied' },
        },
      });
      await reopenCase(tx, { caseId: c.id, at: new Date(), actorName: '12319热线' });
    });
    t.deepEqual(await run('hub.callback.record', { caseId: c.id, satisfaction: 'unsatisfied' }), {
      action: 'complete',
      variables: { reopened: true },
    });
    t.is((await caseRow(c.id)).status, 'registered');
    // Redone (dispatch … 核查 in between): 结案 and the 回访 request happen again, once each.
    await prisma.case.update({ where: { id: c.id }, data: { status: 'checking' } });
    await run('hub.case.close', { caseId: c.id });
    await run('hub.case.close', { caseId: c.id });
    await run('hub.callback.request', { caseId: c.id });
    await run('hub.callback.request', { caseId: c.id });
    t.is((await caseRow(c.id)).status, 'closed');
    t.deepEqual(
      (await prisma.outboxMessage.findMany({ where: { caseId: c.id }, orderBy: { createdAt: 'asc' } })).map(
        (o) => o.dedupeKey,
      ),
      [`callback:${c.id}`, `callback:${c.id}:r1`],
    );
    t.deepEqual(await run('hub.callback.record', { caseId: c.id, satisfaction: 'unsatisfied' }), {
      action: 'complete',
      variables: { reopened: false },
    });
    // (the jobs run on the test clock, the hotline's events above on the real one: compare as sets)
    t.deepEqual((await events(c.id)).map((e) => e.type).sort(), [
      'callback',
      'callback',
      'closed',
      'closed',
      'reopened',
    ]);
    t.like(await prisma.caseEvent.findUniqueOrThrow({ where: { dedupeKey: `callback:${c.id}:r1` } }), {
      type: 'callback',
      data: { satisfaction: null, timedOut: true },
    });
  },
);

// --- notify, escalation --------------------------------------------------------------------------------

test.serial(
  'notify.urge: 催办 mail to the department contact, once per job, and on the timeline',
  async (t) => {
    const c = await insertCase(t0.db, {
      status: 'dispatched',
      departmentId: REF.sanitation,
      signDeadline: new Date('2026-11-25T10:00:00+08:00'),
    });
    const before = smtp.mails.length;
    const j = job('hub.notify.urge', {
      caseId: c.id,
      stage: 'sign',
      urgeKind: 'warning',
      assigneeType: 'department',
      assigneeId: REF.sanitation,
    });
    t.deepEqual(await HANDLERS['hub.notify.urge']!(j, deps), { action: 'complete', variables: {} });
    t.deepEqual(await HANDLERS['hub.notify.urge']!(j, deps), { action: 'complete', variables: {} });
    const mails = (await smtp.waitFor(before + 1)).slice(before);
    t.is(mails.length, 1);
    t.deepEqual(mails[0]!.to, ['d19@rugao.test']);
    t.is(mails[0]!.subject, `【催办】${c.caseNo} 暴露垃圾：签收即将超时`);
    t.true(mails[0]!.text.includes('签收时限：2026-11-25T10:00:00+08:00'));
    t.true(mails[0]!.text.includes(`https://hub.rugao.test/cases/${c.id}`));
    t.deepEqual(
      (await events(c.id)).map((e) => [e.type, (e.data as { urgeKind: string }).urgeKind]),
      [['urged', 'warning']],
    );
  },
);

test.serial(
  'notify.urge: SMTP unreachable → fail with retries − 1 and the back-off, nothing recorded',
  async (t) => {
    const c = await insertCase(t0.db, { status: 'verifying' });
    const down = { ...deps, mailer: workerDeps(t0.db, 'smtp://127.0.0.1:1').mailer };
    const outcome = await HANDLERS['hub.notify.urge']!(
      job(
        'hub.notify.urge',
        { caseId: c.id, stage: 'verify', urgeKind: 'overdue', supervisorId: REF.supervisor },
        { retries: 3 },
      ),
      down,
    );
    t.like(outcome, { action: 'fail', retries: 2, retryBackOff: 2000 });
    t.is((await events(c.id)).length, 0);
  },
);

test.serial('a database that cannot be reached → fail with the retries unchanged', async (t) => {
  const unreachable = createDb({
    DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
    databaseProvider: 'postgresql',
  });
  try {
    const outcome = await HANDLERS['hub.case.close']!(
      job('hub.case.close', { caseId: 'x' }, { retries: 2 }),
      { ...deps, db: unreachable },
    );
    t.like(outcome, { action: 'fail', retries: 2, retryBackOff: 2000 });
  } finally {
    await unreachable.close();
  }
});

/** A case store whose every call rejects with `error` (a model call, a raw query or a transaction). */
const failingStore = (error: Error) =>
  new Proxy(
    {},
    {
      get: () =>
        new Proxy(() => undefined, {
          get: () => () => Promise.reject(error),
          apply: () => Promise.reject(error),
        }),
    },
  );

test.serial(
  'a database connection lost mid-job (server restarted) → fail with the retries unchanged, not an incident',
  async (t) => {
    // What a query on a connection whose server went away rejects with, through Prisma's PostgreSQL
    // adapter: node-postgres's own Error, no code (the soak's database restarts raised incidents).
    const lost = failingStore(new Error('Connection terminated unexpectedly'));
    const c = await insertCase(t0.db, { status: 'verifying' });
    const outcome = await HANDLERS['hub.case.close']!(
      job('hub.case.close', { caseId: c.id }, { retries: 3 }),
      {
        ...deps,
        db: { prisma: lost as never, provider: t0.provider },
      },
    );
    t.like(outcome, { action: 'fail', retries: 3, retryBackOff: 2000 });
    t.true((outcome as { errorMessage: string }).errorMessage.includes('Connection terminated unexpectedly'));
  },
);

test.serial(
  'no transaction started in time (Prisma P2028, the soak under load) → fail with the retries unchanged, not an incident',
  async (t) => {
    // The real error, made here as load made it: every connection (SQLite: its one; PostgreSQL: the
    // pool's 10) held by a transaction, so one more cannot start within its maxWait.
    const holders = t0.provider === 'postgresql' ? 10 : 1;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const holding = Array.from({ length: holders }, () =>
      t0.db.prisma.$transaction(async (tx) => {
        await tx.case.count();
        await held;
      }),
    );
    await new Promise((r) => setTimeout(r, 300));
    const refused = await t0.db.prisma
      .$transaction(async (tx) => tx.case.count(), { maxWait: 200 })
      .then(
        () => null,
        (err: Error) => err,
      );
    release();
    await Promise.all(holding);
    t.like(refused, { code: 'P2028' });
    t.regex(refused!.message, /Unable to start a transaction in the given time/);

    const c = await insertCase(t0.db, { source: 'supervisor', gridCode: null });
    const outcome = await HANDLERS['hub.case.intake']!(
      job('hub.case.intake', { caseId: c.id, source: 'supervisor' }, { retries: 3 }),
      { ...deps, db: { prisma: failingStore(refused!) as never, provider: t0.provider } },
    );
    t.like(outcome, { action: 'fail', retries: 3, retryBackOff: 2000 });
    t.regex(
      (outcome as { errorMessage: string }).errorMessage,
      /^hub\.case\.intake: .*Unable to start a transaction/s,
    );
  },
);

test.serial(
  'escalation: open at level 1, raise to the top level, mail the level, close with a decision',
  async (t) => {
    const c = await insertCase(t0.db, { status: 'dispatched', departmentId: REF.sanitation });
    const input = {
      caseId: c.id,
      stage: 'sign',
      deadline: '2026-11-25T10:00:00+08:00',
      assigneeType: 'department',
      assigneeId: REF.sanitation,
    };
    const pik = { processInstanceKey: '2251799813699999' };
    const opened = await run('hub.escalation.open', input, pik);
    t.is(opened.action, 'complete');
    const { inboxItemId } = (opened as unknown as { variables: { inboxItemId: string } }).variables;
    t.deepEqual(opened, { action: 'complete', variables: { escalationLevel: 1, inboxItemId } });
    t.like(await t0.db.prisma.escalation.findUniqueOrThrow({ where: { id: inboxItemId } }), {
      level: 1,
      status: 'open',
      stage: 'sign',
    });
    t.deepEqual(await run('hub.escalation.open', { ...input, escalationLevel: 1 }, pik), {
      action: 'complete',
      variables: { escalationLevel: 2, inboxItemId },
    });
    t.like(await run('hub.escalation.open', { ...input, escalationLevel: 2 }, pik), {
      variables: { escalationLevel: 2, inboxItemId },
    });
    t.like(await caseRow(c.id), { escalationLevel: 2 });
    t.deepEqual(
      (await events(c.id)).map((e) => (e.data as { level: number }).level),
      [1, 2, 2],
    );

    const before = smtp.mails.length;
    await run('hub.notify.escalation', { caseId: c.id, stage: 'sign', escalationLevel: 1, inboxItemId });
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    t.deepEqual(mail!.to, ['lead1@rugao.test', 'lead2@rugao.test']);
    t.is(mail!.subject, `【督办】${c.caseNo} 暴露垃圾：签收超时，请值班长处理（第1级）`);
    t.true(mail!.text.includes(`https://hub.rugao.test/inbox/${inboxItemId}`));

    t.like(
      await run('hub.escalation.close', {
        caseId: c.id,
        inboxItemId,
        escalationDecision: 'void',
        decidedBy: REF.leader,
      }),
      {
        action: 'fail',
        retries: 0,
        errorMessage: 'hub.escalation.close: decision void needs a voidReason',
      },
    );
    t.deepEqual(
      await run('hub.escalation.close', {
        caseId: c.id,
        inboxItemId,
        escalationDecision: 'urge',
        decidedBy: REF.leader,
        voidReason: null,
      }),
      { action: 'complete', variables: { escalationDecision: 'urge', voidReason: null } },
    );
    t.like(await t0.db.prisma.escalation.findUniqueOrThrow({ where: { id: inboxItemId } }), {
      status: 'decided',
      decision: 'urge',
      decidedBy: REF.leader,
    });
  },
);

// --- assessment ------------------------------------------------------------------------------------------

test.serial('assessment: compute, store and mail the report with its CSV', async (t) => {
  const computed = await run('hub.assessment.compute', {
    periodStart: '2026-11-01',
    periodEnd: '2026-12-01',
  });
  if (computed.action === 'fail') t.log(computed.errorMessage);
  t.like(computed, {
    action: 'complete',
    variables: { periodKey: '2026-11', periodStart: '2026-11-01', periodEnd: '2026-12-01' },
  });
  const vars = (computed as { variables: Record<string, unknown> }).variables;
  t.deepEqual(Object.keys(vars).sort(), ['periodEnd', 'periodKey', 'periodStart', 'summary']);
  t.deepEqual(Object.keys(vars.summary as object).sort(), [
    'avgHandlingHours',
    'caseCount',
    'closureRate',
    'disposalRate',
    'onTimeClosureRate',
    'onTimeDisposalRate',
    'reworkRate',
  ]);
  const stored = await run('hub.assessment.store', {
    periodKey: '2026-11',
    periodStart: '2026-11-01',
    periodEnd: '2026-12-01',
  });
  const { reportId, reportUrl } = (
    stored as unknown as { variables: { reportId: string; reportUrl: string } }
  ).variables;
  t.is(reportUrl, `https://hub.rugao.test/assessment/reports/${reportId}`);
  const report = await t0.db.prisma.assessmentReport.findUniqueOrThrow({ where: { id: reportId } });
  t.true(report.html.length > 0 && report.csv.length > 0);
  t.like(await run('hub.assessment.compute', {}), {
    variables: { periodKey: '2026-10', periodStart: '2026-10-01', periodEnd: '2026-11-01' },
  });

  const before = smtp.mails.length;
  await run('hub.notify.report', {
    reportId,
    periodKey: '2026-11',
    summary: vars.summary,
    requestedBy: REF.leader,
  });
  const [mail] = (await smtp.waitFor(before + 1)).slice(before);
  t.deepEqual(mail!.to, ['leaders@rugao.test', 'boss@rugao.test']);
  t.is(mail!.subject, '【考核评价】2026-11 综合评价报告');
  t.is(mail!.html, report.html);
  t.deepEqual(
    mail!.attachments.map((a) => [a.filename, a.contentType, a.content]),
    [['assessment-2026-11.csv', 'text/csv', report.csv]],
  );
});
