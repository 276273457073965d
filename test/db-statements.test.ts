// The SQLite connection's compiled-statement cache (src/db/sqlite-statements.ts): a repeated query is
// compiled once, and a reused statement answers with its own arguments, in the mode its caller asked.
import test from 'ava';
import Database from 'better-sqlite3';
import { cachePreparedStatements } from '../src/db/sqlite-statements.ts';
import { createTestDb } from './helpers/db.ts';

/** Counts compilations per SQL text on every better-sqlite3 connection (restored by the caller). */
function countCompilations() {
  const proto = Database.prototype as unknown as { prepare: (sql: string) => unknown };
  const original = proto.prepare;
  const compiled = new Map<string, number>();
  proto.prepare = function (this: unknown, sql: string) {
    compiled.set(sql, (compiled.get(sql) ?? 0) + 1);
    return original.call(this, sql);
  };
  return { compiled, restore: () => (proto.prepare = original) };
}

test('a statement reused from the cache answers with its own arguments, raw or not', (t) => {
  const db = new Database(':memory:');
  const counter = countCompilations();
  try {
    cachePreparedStatements(db, 2);
    db.prepare('CREATE TABLE t (id INTEGER, name TEXT)').run();
    db.prepare('INSERT INTO t VALUES (?, ?)').bind([1, 'a']).run();
    db.prepare('INSERT INTO t VALUES (?, ?)').bind([2, 'b']).run();
    const select = 'SELECT id, name FROM t WHERE id = ?';
    t.deepEqual(db.prepare(select).bind([1]).raw().all(), [[1, 'a']]);
    t.deepEqual(db.prepare(select).bind([2]).all(), [{ id: 2, name: 'b' }]);
    t.deepEqual(db.prepare(select).bind([2]).raw().all(), [[2, 'b']]);
    for (let i = 0; i < 2; i++)
      t.deepEqual(
        db
          .prepare(select)
          .columns()
          .map((c) => c.name),
        ['id', 'name'],
      );
    t.is(counter.compiled.get(select), 1, 'compiled once');
    t.is(counter.compiled.get('INSERT INTO t VALUES (?, ?)'), 1);
    // Two more texts push the SELECT out of a cache of two: it is compiled again, and still right.
    db.prepare('SELECT 1').run();
    db.prepare('SELECT 2').run();
    t.deepEqual(db.prepare(select).bind([1]).all(), [{ id: 1, name: 'a' }]);
    t.is(counter.compiled.get(select), 2);
  } finally {
    counter.restore();
    db.close();
  }
});

// SQLite only: on PostgreSQL the pg adapter sends the text to the server, which has no such cache here.
const onSqlite = process.env.HUB_TEST_DB !== 'postgres';
if (onSqlite)
  test('the case store compiles a query the hub repeats once', async (t) => {
    const counter = countCompilations();
    const tdb = await createTestDb();
    try {
      for (const name of ['a', 'b', 'c']) {
        await tdb.db.prisma.counter.upsert({
          where: { name },
          create: { name, value: 1 },
          update: { value: { increment: 1 } },
        });
        t.is((await tdb.db.prisma.counter.findUnique({ where: { name } }))?.value, 1);
      }
      const repeated = [...counter.compiled].filter(([sql]) => sql.includes('Counter'));
      t.true(repeated.length >= 2, 'the upsert and the read were run through the cache');
      for (const [sql, n] of repeated) t.is(n, 1, sql);
    } finally {
      counter.restore();
      await tdb.drop();
    }
  });
