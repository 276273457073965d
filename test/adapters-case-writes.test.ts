// What the adapters write on cases, checked on a real database without an engine: a case a legacy system
// reports is numbered like one reported through the API (CASE_NUMBER_PREFIX, the year in
// CALENDAR_TIMEZONE); a department system's 签收/处置 closes the case's open 督办 items as the API's actions
// do; a later round for a utility company that already has the case's work order becomes a note on it;
// a device's readings taken at the same moment still add up to one case (the soak's bins without a case);
// a crew's report that lost the race for its case row is applied again, not refused (the soak's BPMN error).
import test from 'ava';
import { recordAdapterEvent } from '../adapters/case-events.ts';
import { createDepartmentRouter } from '../adapters/department-router.ts';
import { createAdapterHost, type Adapter } from '../adapters/framework/index.ts';
import { readingEvent, refusalCode, retriesLeft, SANITATION_ADAPTER } from '../adapters/sanitation/index.ts';
import type { Reading } from '../adapters/sanitation/mapping.ts';
import { UTILITIES_ADAPTER } from '../adapters/utilities/index.ts';
import { readCase, recordEvent, StaleCase } from '../src/cases/state/index.ts';
import { loadConfig } from '../src/config.ts';
import { conflict, notFound, unavailable } from '../src/errors.ts';
import { createLogger } from '../src/log.ts';
import { createTestDb, type TestDb } from './helpers/db.ts';
import { insertCase, insertReference, REF } from './helpers/workers.ts';

let tdb: TestDb;
test.before(async () => {
  tdb = await createTestDb();
  await insertReference(tdb.db);
});
test.after.always(() => tdb?.drop());

const logger = createLogger('silent');

test('a case from a legacy system gets the configured prefix and the year of CALENDAR_TIMEZONE', async (t) => {
  const quiet: Adapter = { name: 'numbering', title: '编号', receives: [], sends: {} };
  // 1 Jan 2027 03:00 UTC is still 2026 in New York (the default zone, Shanghai, would say 2027).
  const host = createAdapterHost(
    {
      db: tdb.db,
      logger,
      config: loadConfig({ CASE_NUMBER_PREFIX: 'TZ', CALENDAR_TIMEZONE: 'America/New_York' }),
      now: () => new Date('2027-01-01T03:00:00Z'),
    },
    [quiet],
  );
  const result = await host.inbox.receive('numbering', {
    sourceId: 'n-1',
    payload: {},
    async apply(_tx, ctx) {
      const created = await ctx.createCase({
        source: 'video',
        sourceRef: 'CAM-1:n-1',
        categoryKind: 'event',
        categoryCode: '0102',
        urgency: 'normal',
        description: '暴露垃圾',
      });
      return { status: 'processed', caseId: created.id };
    },
  });
  const row = await tdb.db.prisma.case.findUniqueOrThrow({ where: { id: result.caseId! } });
  t.is(row.caseNo, 'TZ-2026-000001');
});

test('签收 or 处置 reported by a department system supersedes the open 督办 items; 处置进展 does not', async (t) => {
  const { prisma } = tdb.db;
  const c = await insertCase(tdb.db, { status: 'dispatched', departmentId: REF.sanitation });
  const item = await prisma.escalation.create({
    data: {
      caseId: c.id,
      stage: 'sign',
      deadline: new Date('2026-11-25T10:00:00+08:00'),
      assigneeType: 'department',
      assigneeId: REF.sanitation,
      processKey: `esc-${c.id}`,
    },
  });
  const record = (type: 'progress' | 'signed', key: string) =>
    prisma.$transaction((tx) =>
      recordAdapterEvent(tx, {
        caseId: c.id,
        type,
        actorName: '智慧环卫平台 (环卫一队)',
        at: new Date(),
        dedupeKey: key,
      }),
    );
  await record('progress', `progress:${c.id}`);
  t.is((await prisma.escalation.findUniqueOrThrow({ where: { id: item.id } })).status, 'open');
  await record('signed', `signed:${c.id}`);
  t.like(await prisma.escalation.findUniqueOrThrow({ where: { id: item.id } }), {
    status: 'superseded',
    claimedBy: null,
  });
  t.is((await prisma.case.findUniqueOrThrow({ where: { id: c.id } })).status, 'signed');
});

test('the first round for a utility company is a work order; 返工 and a later dispatch are notes on it', async (t) => {
  const { prisma } = tdb.db;
  const company = await prisma.department.create({
    data: { code: 'U-WATER', name: '如皋市自来水公司 (router)', kind: 'utility' },
  });
  const router = createDepartmentRouter({
    db: tdb.db,
    settings: { sanitationDepartmentCode: null, utilities: ['water'] },
  });
  const c = await insertCase(tdb.db, { status: 'dispatched', departmentId: company.id });
  const route = async (dispatchKind: string, n: number) => {
    const row = await prisma.outboxMessage.create({
      data: {
        adapter: 'department',
        kind: 'assignment',
        caseId: c.id,
        dedupeKey: `assign:${c.id}:${n}`,
        payload: { caseId: c.id, assigneeType: 'department', assigneeId: company.id, dispatchKind },
      },
    });
    await router.sends.outbox!.deliver(row);
    await router.sends.outbox!.deliver(row); // redelivered: routed once
  };
  await route('dispatch', 1);
  await route('rework', 2);
  await route('dispatch', 3);
  const rows = await prisma.outboxMessage.findMany({
    where: { adapter: UTILITIES_ADAPTER, caseId: c.id },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  t.deepEqual(
    rows.map((r) => [r.kind, (r.payload as { noteKind?: string }).noteKind ?? null]),
    [
      ['work_order', null],
      ['note', 'rework'],
      ['note', 'dispatch'],
    ],
  );
  t.like(rows[1]!.payload, { company: 'water', text: '核查未通过，返工：请按原工单重新处置' });
});

test('two readings of one bin taken at the same moment open its case (the device state is not lost)', async (t) => {
  // After a failed message the hub's MQTT client reconnects while its last handler still runs, so the
  // broker's redelivery and the next reading of a device are applied at once (the soak: 6 of 118 bins
  // over their threshold got no case, both readings in the inbox). On PostgreSQL both transactions read
  // the device's state before either wrote it, and the later write dropped the other's reading.
  const host = createAdapterHost({ db: tdb.db, logger, config: loadConfig({}), now: () => new Date() }, [
    { name: SANITATION_ADAPTER, title: '智慧环卫平台', receives: [], sends: {} },
  ]);
  const at = Date.parse('2026-12-07T12:00:00Z');
  const results = [];
  for (let bin = 1; bin <= 5; bin++) {
    const reading = (n: number): Reading => ({
      msgId: `same-moment-${bin}-${n}`,
      deviceId: `same-moment-bin-${bin}`,
      kind: 'bin',
      metric: 'fill',
      value: 94 + n,
      at: new Date(at + (n - 1) * 3000).toISOString(),
      lng: 120.5405,
      lat: 32.3805,
    });
    results.push(
      ...(await Promise.all(
        [reading(1), reading(2)].map((r) => host.inbox.receive(SANITATION_ADAPTER, readingEvent(r, 3))),
      )),
    );
  }
  t.deepEqual(results.map((r) => r.result).sort(), [
    ...Array(5).fill('ignored'),
    ...Array(5).fill('processed'),
  ]);
  const cases = await tdb.db.prisma.case.findMany({
    where: { source: 'sanitation', sourceRef: { startsWith: 'same-moment-bin-' } },
    orderBy: { sourceRef: 'asc' },
  });
  t.deepEqual(
    cases.map((c) => c.sourceRef),
    [1, 2, 3, 4, 5].map((bin) => `same-moment-bin-${bin}@2026-12-07T12:00:00.000Z`),
  );
});

test('a report whose case row changed meanwhile is applied again on the new row, once', async (t) => {
  // A crew signs as a worker writes the case (a deadline): the report's transaction read the row before
  // the worker's commit, so its write meets a newer version (StaleCase). The inbox now re-runs it; before,
  // the 409 reached the platform as a refusal, and the sanitation adapter ended the crew's task in a BPMN
  // error (CASE_STATE).
  const { prisma } = tdb.db;
  const c = await insertCase(tdb.db, { status: 'dispatched', departmentId: REF.sanitation });
  const host = createAdapterHost({ db: tdb.db, logger, config: loadConfig({}), now: () => new Date() }, [
    { name: 'crew', title: '班组', receives: [], sends: {} },
  ]);
  let attempts = 0;
  const result = await host.inbox.receive('crew', {
    sourceId: `task:stale-${c.id}`,
    payload: {},
    async apply(tx, ctx) {
      attempts++;
      const row = await readCase(tx, c.id);
      // The worker's write lands between the read and the write: the first attempt's row is stale.
      if (attempts === 1) await tx.case.update({ where: { id: c.id }, data: { version: { increment: 1 } } });
      await ctx.enqueue({ adapter: 'crew', kind: 'receipt', caseId: c.id, payload: { attempt: attempts } });
      await recordEvent(tx, {
        caseId: c.id,
        type: 'signed',
        at: ctx.now,
        actor: { name: '智慧环卫平台 (环卫一队)' },
        dedupeKey: `crew:stale-${c.id}`,
        row,
      });
      return { status: 'processed', caseId: c.id };
    },
  });
  t.is(attempts, 2);
  t.like(result, { result: 'processed', caseId: c.id });
  t.is((await prisma.case.findUniqueOrThrow({ where: { id: c.id } })).status, 'signed');
  t.deepEqual(
    (await prisma.caseEvent.findMany({ where: { caseId: c.id } })).map((e) => [
      e.type,
      e.fromStatus,
      e.toStatus,
    ]),
    [['signed', 'dispatched', 'signed']],
  );
  // Only the applied attempt's outbox row exists (the first attempt's went with its rollback).
  t.deepEqual(
    (await prisma.outboxMessage.findMany({ where: { adapter: 'crew', caseId: c.id } })).map((o) => o.payload),
    [{ attempt: 2 }],
  );
});

test('a crew task the hub could not record: a refusal is a BPMN error, what passes with time is retried', (t) => {
  t.is(refusalCode(notFound('case x')), 'CASE_UNKNOWN');
  t.is(refusalCode(conflict('签收 is not allowed in status 已结案')), 'CASE_STATE');
  // A case row still changing after the inbox's re-runs is a 409 too, but a retryable one.
  t.is(refusalCode(new StaleCase('x')), undefined);
  t.is(refusalCode(unavailable('the engine is not connected')), undefined);
  t.is(refusalCode(new Error('Connection terminated unexpectedly')), undefined);
  // The database away keeps the task's retries (the soak: two crew tasks ended as incidents after its
  // restarts); another passing failure uses one up.
  t.is(retriesLeft(new Error('Connection terminated unexpectedly'), 2), 2);
  t.is(retriesLeft(unavailable('the engine is not connected'), 2), 1);
  t.is(retriesLeft(unavailable('the engine is not connected'), 0), 0);
});
