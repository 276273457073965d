// A statement made outside a transaction while another request's transaction is open: on either
// database it neither sees that transaction's uncommitted rows nor is rolled back with it. On SQLite
// (one connection, src/db/sqlite-one-writer.ts) it waits for the transaction to end; PostgreSQL runs it
// on a connection of its own.
import test from 'ava';
import { createTestDb } from './helpers/db.ts';

const t0 = await createTestDb();
test.after.always(() => t0.drop());
const prisma = t0.db.prisma;

/** A transaction that writes `key`, signals, waits for `release`, then fails (rolled back). */
function failingTransaction(key: string, release: Promise<void>) {
  let written!: () => void;
  const wrote = new Promise<void>((resolve) => (written = resolve));
  const done = prisma
    .$transaction(async (tx) => {
      await tx.setting.create({ data: { key, value: 'in the transaction' } });
      written();
      await release;
      throw new Error('the request failed');
    })
    .then(
      () => 'committed',
      (error: Error) => error.message,
    );
  return { wrote, done };
}

test.serial('a write beside a transaction that is rolled back is kept', async (t) => {
  let release!: () => void;
  const { wrote, done } = failingTransaction('rolled-back', new Promise((resolve) => (release = resolve)));
  await wrote;
  // A Prisma query is lazy: then() sends it.
  const outside = prisma.setting.create({ data: { key: 'beside', value: 'outside' } }).then((row) => row);
  // Give the outside write every chance to run inside the open transaction before it ends.
  await new Promise((resolve) => setTimeout(resolve, 50));
  release();
  t.is(await done, 'the request failed');
  await outside;
  const keys = (await prisma.setting.findMany({ where: { key: { in: ['rolled-back', 'beside'] } } })).map(
    (s) => s.key,
  );
  t.deepEqual(keys, ['beside']);
});

test.serial('a read beside an open transaction answers at once, without its uncommitted row', async (t) => {
  let release!: () => void;
  const { wrote, done } = failingTransaction('uncommitted', new Promise((resolve) => (release = resolve)));
  await wrote;
  // Answered while the transaction is still open (SQLite: on its reading connection, from the last
  // committed state), so a long import or rollup holds up no page's reads.
  const answer = await Promise.race([
    prisma.setting.findUnique({ where: { key: 'uncommitted' } }).then((row) => ({ row })),
    new Promise((resolve) => setTimeout(() => resolve('still waiting after 2 s'), 2000)),
  ]);
  t.deepEqual(answer, { row: null });
  t.is(await prisma.setting.count({ where: { key: 'beside' } }), 1, 'committed rows are read');
  release();
  t.is(await done, 'the request failed');
});

test.serial('transactions and single statements take turns in the order they came', async (t) => {
  const order: string[] = [];
  await Promise.all([
    prisma.$transaction(async (tx) => {
      await tx.setting.create({ data: { key: 'turn-1', value: 1 } });
      await new Promise((resolve) => setTimeout(resolve, 30));
      order.push('transaction 1');
    }),
    prisma.setting.create({ data: { key: 'turn-2', value: 2 } }).then(() => order.push('statement')),
    prisma
      .$transaction(async (tx) => {
        await tx.setting.create({ data: { key: 'turn-3', value: 3 } });
      })
      .then(() => order.push('transaction 2')),
  ]);
  if (t0.provider === 'sqlite') t.deepEqual(order, ['transaction 1', 'statement', 'transaction 2']);
  t.is(await prisma.setting.count({ where: { key: { startsWith: 'turn-' } } }), 3);
});
