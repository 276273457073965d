import test from 'ava';
import { isUniqueViolation, Prisma } from '../src/db/index.ts';
import { createTestDb, type TestDb } from './helpers/db.ts';

let tdb: TestDb;
test.before(async () => {
  tdb = await createTestDb();
  const prisma = tdb.db.prisma;
  const water = await prisma.department.create({
    data: { code: 'T-WATER', name: '自来水公司', kind: 'utility' },
  });
  await prisma.category.create({
    data: {
      kind: 'event',
      code: '0402',
      majorCode: '04',
      majorName: '突发事件',
      name: '自来水管破裂',
      defaultDepartmentId: water.id,
    },
  });
  // Same code in the component code space: allowed, the code is unique per kind.
  await prisma.category.create({
    data: { kind: 'component', code: '0402', majorCode: '04', majorName: '园林绿化', name: '行道树' },
  });
});
test.after.always(() => tdb?.drop());

const caseData = (caseNo: string, extra: Partial<Prisma.CaseUncheckedCreateInput> = {}) =>
  ({
    caseNo,
    source: 'hotline',
    categoryCode: '0402',
    description: '人民路自来水管破裂，路面积水',
    ...extra,
  }) satisfies Prisma.CaseUncheckedCreateInput;

test.serial(
  'inbox (adapter, sourceId) is unique; the duplicate leaves the stored row as it was',
  async (t) => {
    const prisma = tdb.db.prisma;
    const first = await prisma.inboxEvent.create({
      data: { adapter: 'hotline12319', sourceId: 'T-1001', payload: { text: 'first' } },
    });
    const err = await t.throwsAsync(
      prisma.inboxEvent.create({
        data: { adapter: 'hotline12319', sourceId: 'T-1001', payload: { text: 'second' } },
      }),
    );
    t.true(isUniqueViolation(err, ['adapter', 'sourceId']));
    t.false(isUniqueViolation(err, ['sourceId']));
    const rows = await prisma.inboxEvent.findMany({ where: { adapter: 'hotline12319' } });
    t.deepEqual(
      rows.map((r) => ({ id: r.id, payload: r.payload, status: r.status })),
      [{ id: first.id, payload: { text: 'first' }, status: 'received' }],
    );
    // Another adapter may use the same source id.
    await prisma.inboxEvent.create({ data: { adapter: 'sanitation', sourceId: 'T-1001', payload: {} } });
    t.is(await prisma.inboxEvent.count({ where: { sourceId: 'T-1001' } }), 2);
  },
);

test.serial('case (source, sourceRef) is unique; cases without a sourceRef do not collide', async (t) => {
  const prisma = tdb.db.prisma;
  const c = await prisma.case.create({ data: caseData('RG-T-1', { sourceRef: 'H-77' }) });
  t.is(c.status, 'reported');
  t.is(c.version, 1);
  t.is(c.categoryKind, 'event');
  const err = await t.throwsAsync(
    prisma.case.create({ data: caseData('RG-T-2', { sourceRef: 'H-77', description: 'dup' }) }),
  );
  t.true(isUniqueViolation(err, ['source', 'sourceRef']));
  // Same ref from another source is a different case; two cases without a ref are fine.
  await prisma.case.create({ data: caseData('RG-T-3', { source: 'video', sourceRef: 'H-77' }) });
  await prisma.case.create({ data: caseData('RG-T-4', { source: 'supervisor' }) });
  await prisma.case.create({ data: caseData('RG-T-5', { source: 'supervisor' }) });
  const stored = await prisma.case.findUniqueOrThrow({
    where: { source_sourceRef: { source: 'hotline', sourceRef: 'H-77' } },
  });
  t.is(stored.caseNo, 'RG-T-1');
  t.is(stored.description, '人民路自来水管破裂，路面积水');
  t.is(await prisma.case.count({ where: { caseNo: { startsWith: 'RG-T-' } } }), 4);
});

test.serial('caseNo, idempotencyKey and timeline dedupeKey are unique', async (t) => {
  const prisma = tdb.db.prisma;
  const c = await prisma.case.create({ data: caseData('RG-U-1', { idempotencyKey: 'req-1' }) });
  t.true(
    isUniqueViolation(await t.throwsAsync(prisma.case.create({ data: caseData('RG-U-1') })), ['caseNo']),
  );
  t.true(
    isUniqueViolation(
      await t.throwsAsync(prisma.case.create({ data: caseData('RG-U-2', { idempotencyKey: 'req-1' }) })),
      ['idempotencyKey'],
    ),
  );
  await prisma.caseEvent.create({ data: { caseId: c.id, type: 'reported', dedupeKey: 'job-42' } });
  const err = await t.throwsAsync(
    prisma.caseEvent.create({ data: { caseId: c.id, type: 'reported', dedupeKey: 'job-42', note: 'again' } }),
  );
  t.true(isUniqueViolation(err, ['dedupeKey']));
  const events = await prisma.caseEvent.findMany({ where: { caseId: c.id } });
  t.is(events.length, 1);
  t.is(events[0]!.note, null);
});

test.serial('a case must name an existing category of its kind', async (t) => {
  const prisma = tdb.db.prisma;
  const err = await t.throwsAsync(prisma.case.create({ data: caseData('RG-V-1', { categoryCode: '9999' }) }));
  t.true(err instanceof Prisma.PrismaClientKnownRequestError);
  t.false(isUniqueViolation(err));
  const ok = await prisma.case.create({
    data: caseData('RG-V-2', { categoryKind: 'component', categoryCode: '0402' }),
    include: { category: true },
  });
  t.is(ok.category.name, '行道树');
  t.is(await prisma.case.count({ where: { caseNo: 'RG-V-1' } }), 0);
});

test.serial('category limits are unique per (category, urgency, step)', async (t) => {
  const prisma = tdb.db.prisma;
  const cat = await prisma.category.findUniqueOrThrow({
    where: { kind_code: { kind: 'event', code: '0402' } },
  });
  await prisma.categoryLimit.create({
    data: { categoryId: cat.id, urgency: 'urgent', step: 'dispose', limitMinutes: 120, timeMode: 'natural' },
  });
  const err = await t.throwsAsync(
    prisma.categoryLimit.create({
      data: { categoryId: cat.id, urgency: 'urgent', step: 'dispose', limitMinutes: 60 },
    }),
  );
  t.true(isUniqueViolation(err, ['categoryId', 'urgency', 'step']));
  const limit = await prisma.categoryLimit.findUniqueOrThrow({
    where: { categoryId_urgency_step: { categoryId: cat.id, urgency: 'urgent', step: 'dispose' } },
  });
  t.is(limit.limitMinutes, 120);
  t.is(limit.timeMode, 'natural');
});

test.serial('optimistic locking: an update with a stale version changes nothing', async (t) => {
  const prisma = tdb.db.prisma;
  const c = await prisma.case.create({ data: caseData('RG-W-1') });
  const first = await prisma.case.updateMany({
    where: { id: c.id, version: c.version },
    data: { status: 'accepted', acceptedAt: new Date(), version: { increment: 1 } },
  });
  const stale = await prisma.case.updateMany({
    where: { id: c.id, version: c.version },
    data: { status: 'voided', version: { increment: 1 } },
  });
  t.is(first.count, 1);
  t.is(stale.count, 0);
  const now = await prisma.case.findUniqueOrThrow({ where: { id: c.id } });
  t.is(now.status, 'accepted');
  t.is(now.version, 2);
});

test.serial('outbox due rows come back in due order; JSON payloads round-trip', async (t) => {
  const prisma = tdb.db.prisma;
  const base = Date.parse('2026-03-01T00:00:00Z');
  for (const [i, offset] of [3, 1, 2].entries()) {
    await prisma.outboxMessage.create({
      data: {
        adapter: 'water',
        kind: 'dispatch',
        payload: { n: i, nested: { 名称: '供水' } },
        nextAttemptAt: new Date(base + offset * 60_000),
      },
    });
  }
  const due = await prisma.outboxMessage.findMany({
    where: { status: 'pending', nextAttemptAt: { lte: new Date(base + 2 * 60_000) } },
    orderBy: { nextAttemptAt: 'asc' },
  });
  t.deepEqual(
    due.map((m) => m.payload),
    [
      { n: 1, nested: { 名称: '供水' } },
      { n: 2, nested: { 名称: '供水' } },
    ],
  );
});
