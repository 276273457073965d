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
