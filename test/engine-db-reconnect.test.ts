// The embedded engine on PostgreSQL when the server ends its connection (a restart, a failover,
// pg_terminate_backend): the engine stays up, the command in flight fails whole, and the next commands
// run on a new connection. Before, pg's unlistened 'error' event ended the engine's thread (the soak saw
// it restart at every database kill). PostgreSQL only, whatever HUB_TEST_DB says: SQLite has no server.
import test from 'ava';
import pg from 'pg';
import { isDatabaseAway, openDb } from '../engine/store/db.ts';
import {
  activate,
  bpmn,
  chain,
  deploy,
  end,
  eventually,
  feedOf,
  serviceTask,
  start,
  startTestEngine,
} from './engine/support.ts';

const adminUrl = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Ends every connection the engine holds on `databaseUrl` (as the server does when it restarts). */
async function terminateEngineBackends(databaseUrl: string): Promise<number> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const name = new URL(databaseUrl).pathname.slice(1);
    const { rows } = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'zeebe-engine'`,
      [name],
    );
    for (const { pid } of rows) await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    // Until the backends are gone, so the engine's client has been told.
    await eventually(async () => {
      const left = await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = ANY($1)', [
        rows.map((r) => r.pid),
      ]);
      return left.rowCount === 0;
    });
    await new Promise((r) => setTimeout(r, 200));
    return rows.length;
  } finally {
    await admin.end();
  }
}

test.serial('the server ends the engine’s connection: the engine stays up and completes jobs', async (t) => {
  const te = await startTestEngine({ postgres: true });
  t.teardown(() => te.close());
  const { engine } = te;
  await deploy(
    engine,
    bpmn(
      'reconnect',
      [
        start(),
        serviceTask('a', 'reconnect-a'),
        serviceTask('b', 'reconnect-b'),
        end(),
        chain('start', 'a', 'b', 'end'),
      ].join('\n'),
    ),
  );
  const pi = await engine.createProcessInstance({ bpmnProcessId: 'reconnect', version: -1, variables: {} });
  const [a] = await activate(engine, 'reconnect-a');
  t.is(a!.processInstanceKey, pi.processInstanceKey);

  t.is(await terminateEngineBackends(te.databaseUrl), 1, 'the engine held one connection');

  await engine.completeJob({ jobKey: a!.key, variables: { first: 1 } });
  const [b] = await activate(engine, 'reconnect-b');
  t.is(b!.processInstanceKey, pi.processInstanceKey);
  t.deepEqual(b!.variables, { first: 1 });
  // Once more: a second loss is handled as the first.
  t.is(await terminateEngineBackends(te.databaseUrl), 1);
  await engine.completeJob({ jobKey: b!.key, variables: {} });
  t.deepEqual(await feedOf(engine, pi.processInstanceKey, ['ELEMENT_COMPLETED']), [
    'start:ELEMENT_COMPLETED',
    'a:ELEMENT_COMPLETED',
    'b:ELEMENT_COMPLETED',
    'end:ELEMENT_COMPLETED',
    'reconnect:ELEMENT_COMPLETED',
  ]);
});

test.serial(
  'a transaction whose connection died fails whole; nothing of it runs on the new connection',
  async (t) => {
    const te = await startTestEngine({ postgres: true });
    t.teardown(() => te.close());
    const db = await openDb(te.databaseUrl);
    t.teardown(() => db.close());
    await db.exec('CREATE TABLE t_reconnect (n INTEGER NOT NULL)');
    await db.run('BEGIN');
    await db.run('INSERT INTO t_reconnect (n) VALUES (?)', [1]);
    // The engine's connection and this store's both carry the engine's name.
    t.is(await terminateEngineBackends(te.databaseUrl), 2);
    // Marked as the database being away (logged once by the store, quietly by the engine's callers).
    t.true(isDatabaseAway(await t.throwsAsync(db.run('INSERT INTO t_reconnect (n) VALUES (?)', [2]))));
    t.true(isDatabaseAway(await t.throwsAsync(db.run('COMMIT'))));
    // A new connection, after the transaction ended: the server rolled back the first insert, and the
    // second was not sent in autocommit on the new connection.
    t.deepEqual(await db.all('SELECT n FROM t_reconnect'), []);
    await db.run('INSERT INTO t_reconnect (n) VALUES (?)', [3]);
    t.deepEqual(await db.all('SELECT n FROM t_reconnect'), [{ n: 3 }]);
  },
);
