// Leases (src/db/lease.ts) between two holders on a real database: one holder at a time, renewed by
// its holder, taken over after expiry, handed over at once on release.
import test from 'ava';
import { createLeases } from '../src/db/lease.ts';
import { createTestDb, type TestDb } from './helpers/db.ts';

let tdb: TestDb;
test.before(async () => {
  tdb = await createTestDb();
});
test.after.always(async () => {
  await tdb?.drop();
});

test('a lease has one holder until it expires or is released', async (t) => {
  let clock = Date.now();
  const now = () => new Date(clock);
  const a = createLeases(tdb.db, 'a', now);
  const b = createLeases(tdb.db, 'b', now);
  t.true(await a.acquire('poll:x', 1000));
  t.false(await b.acquire('poll:x', 1000));
  t.true(await a.acquire('poll:x', 1000), 'the holder renews');
  clock += 1500;
  t.true(await b.acquire('poll:x', 1000), 'taken over after expiry');
  t.false(await a.acquire('poll:x', 1000));
  await b.release('poll:x');
  t.true(await a.acquire('poll:x', 1000));
});

test('the holder writes its renewal only once a third of the lease has gone', async (t) => {
  let clock = Date.now();
  const now = () => new Date(clock);
  const a = createLeases(tdb.db, 'a', now);
  const b = createLeases(tdb.db, 'b', now);
  const expiry = async () =>
    (await tdb.db.prisma.lease.findUniqueOrThrow({ where: { name: 'pass:y' } })).expiresAt.getTime();
  t.true(await a.acquire('pass:y', 3000));
  const first = clock + 3000;
  t.is(await expiry(), first);
  clock += 900;
  t.true(await a.acquire('pass:y', 3000), 'still held, nothing written');
  t.is(await expiry(), first);
  t.false(await b.acquire('pass:y', 3000), 'another process still cannot take it');
  clock += 200; // 1.1 s of 3 s gone
  t.true(await a.acquire('pass:y', 3000));
  t.is(await expiry(), clock + 3000, 'renewed for a whole lease');
  // Released: the next ask goes to the database, where another holder may have it by then.
  await a.release('pass:y');
  t.true(await b.acquire('pass:y', 3000));
  t.false(await a.acquire('pass:y', 3000));
});
