// Two workers writing the same case at once (workers/timeline.ts): on PostgreSQL two transactions can
// read the same status concurrently, so recordEvent writes the row only if its version is the one it
// read and inTransaction re-runs the loser against the new state. The race is forced: the second
// transaction reads the case, then waits until the first has committed before it writes. On SQLite the
// database runs one write transaction at a time, so the same calls are serialized there by the store.
import test from 'ava';
import { inTransaction, recordEvent, type EventInput, type Tx } from '../workers/timeline.ts';
import { createTestDb, type TestDb } from './helpers/db.ts';
import { insertCase, insertReference } from './helpers/workers.ts';

let t0: TestDb;

test.before(async () => {
  t0 = await createTestDb();
  await insertReference(t0.db);
});
test.after.always(async () => {
  await t0?.drop();
});

/**
 * The transaction client `tx` whose first read of the case row waits for `gate` after reading (later
 * attempts, re-runs of the transaction, read straight through). Counts the reads.
 */
function pausedAfterRead(tx: Tx, gate: Promise<unknown>, reads: { n: number }): Tx {
  const cases = new Proxy(tx.case, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (prop !== 'findUniqueOrThrow' || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const row: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        reads.n += 1;
        if (reads.n === 1) await gate;
        return row;
      };
    },
  });
  return new Proxy(tx, { get: (target, prop) => (prop === 'case' ? cases : Reflect.get(target, prop)) });
}

const at = new Date('2026-11-25T02:00:00Z');

/**
 * Records `second` and `first` on one case so that they overlap: on PostgreSQL the second transaction
 * reads the case, then the first records its event and commits, then the second writes. On SQLite the
 * store runs them one after the other. Returns both outcomes and how often the second read the case.
 */
async function race(first: EventInput, second: EventInput) {
  const { prisma } = t0.db;
  const reads = { n: 0 };
  if (t0.provider !== 'postgresql') {
    const outcomes = await Promise.allSettled([
      inTransaction(prisma, (tx) => recordEvent(tx, first)),
      inTransaction(prisma, (tx) => recordEvent(tx, second)),
    ]);
    return { first: outcomes[0], second: outcomes[1], reads };
  }
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const late = inTransaction(prisma, (tx) => recordEvent(pausedAfterRead(tx, gate, reads), second));
  const lateOutcome = late.then(
    (value) => ({ status: 'fulfilled' as const, value }),
    (reason: unknown) => ({ status: 'rejected' as const, reason }),
  );
  // Poll (no fixed wait) until the second transaction holds its read.
  while (reads.n === 0) await new Promise((resolve) => setImmediate(resolve));
  const [early] = await Promise.allSettled([inTransaction(prisma, (tx) => recordEvent(tx, first))]);
  release();
  return { first: early, second: await lateOutcome, reads };
}

const timeline = async (caseId: string) =>
  (await t0.db.prisma.caseEvent.findMany({ where: { caseId }, orderBy: [{ at: 'asc' }, { id: 'asc' }] })).map(
    (e) => [e.type, e.dedupeKey, e.fromStatus, e.toStatus],
  );

test.serial(
  'two workers record events on one case at once: serialized, the later one re-run on the new status',
  async (t) => {
    const c = await insertCase(t0.db, { source: 'supervisor', gridCode: null });
    const result = await race(
      { caseId: c.id, type: 'accepted', dedupeKey: 'race1:accepted', at, caseUpdate: { acceptedAt: at } },
      {
        caseId: c.id,
        type: 'merged',
        dedupeKey: 'race1:merged',
        at: new Date(at.getTime() + 1000),
        caseUpdate: { voidedAt: at, voidReason: '重复上报' },
      },
    );
    t.deepEqual(result.first, { status: 'fulfilled', value: true });
    t.deepEqual(result.second, { status: 'fulfilled', value: true });
    if (t0.provider === 'postgresql')
      t.is(result.reads.n, 2, 'the second transaction ran twice: its first write met a newer version');
    t.deepEqual(await timeline(c.id), [
      ['accepted', 'race1:accepted', 'reported', 'accepted'],
      ['merged', 'race1:merged', 'accepted', 'voided'],
    ]);
    const row = await t0.db.prisma.case.findUniqueOrThrow({ where: { id: c.id } });
    t.is(row.status, 'voided');
    t.is(row.version, 3, 'one increment per event');
    t.deepEqual(row.acceptedAt, at, "the first transaction's columns survive the second's write");
    t.is(row.voidReason, '重复上报');
  },
);

test.serial(
  'two workers accepting one case at once: exactly one wins, the other fails on the new status and writes nothing',
  async (t) => {
    const c = await insertCase(t0.db, { source: 'supervisor', gridCode: null });
    const accept = (dedupeKey: string): EventInput => ({ caseId: c.id, type: 'accepted', dedupeKey, at });
    const result = await race(accept('race2:a'), accept('race2:b'));
    t.deepEqual(result.first, { status: 'fulfilled', value: true });
    t.is(result.second.status, 'rejected');
    t.is(
      (result.second as PromiseRejectedResult).reason.message,
      '受理 (accepted) is not allowed in status 受理 (accepted); allowed in: reported',
    );
    t.deepEqual(await timeline(c.id), [['accepted', 'race2:a', 'reported', 'accepted']]);
    const row = await t0.db.prisma.case.findUniqueOrThrow({ where: { id: c.id } });
    t.is(row.status, 'accepted');
    t.is(row.version, 2);
  },
);
