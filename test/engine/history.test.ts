/**
 * The history the query API reads: written with each command, kept after the runtime rows are gone, and
 * backfilled when a database from before the history tables (schema version 1) is opened. Serial: one
 * test drops the history tables and restarts the engine.
 */
import test from 'ava';
import { createEngineQueries } from '../../engine/query/index.ts';
import { createVariableQueries } from '../../engine/query/variables.ts';
import { activate, bpmn, chain, deploy, end, serviceTask, start, useTestEngine } from './support.ts';

const te = useTestEngine(test);
const queries = () => createEngineQueries(te.engine);

const XML = bpmn('hist', start() + serviceTask('task', 'hist-job') + end() + chain('start', 'task', 'end'));

test.serial('an upgraded version-1 database lists its running instances and open incidents', async (t) => {
  const processKey = await deploy(te.engine, XML, 'hist.bpmn');
  const a = await te.engine.createProcessInstance({ processDefinitionKey: processKey, variables: {} });
  const b = await te.engine.createProcessInstance({ processDefinitionKey: processKey, variables: {} });
  const jobs = await activate(te.engine, 'hist-job');
  const jobOfB = jobs.find((j) => j.processInstanceKey === b.processInstanceKey)!;
  await te.engine.failJob({ jobKey: jobOfB.key, retries: 0, errorMessage: 'boom' });
  const before = await queries().searchProcessInstances({ filter: { processDefinitionId: 'hist' } });
  t.deepEqual(
    before.items.map((i) => [i.processInstanceKey, i.state, i.hasIncident]),
    [
      [a.processInstanceKey, 'ACTIVE', false],
      [b.processInstanceKey, 'ACTIVE', true],
    ],
  );

  // what a database written by the engine before the history tables looks like
  await te.engine.readState(async (db) => {
    await db.run('DROP TABLE zb_q_process_instance');
    await db.run('DROP TABLE zb_q_incident');
    await db.run(`UPDATE zb_meta SET value = 1 WHERE name = 'schema_version'`);
  });
  await te.restart();

  const after = await queries().searchProcessInstances({ filter: { processDefinitionId: 'hist' } });
  t.deepEqual(
    after.items.map((i) => [i.processInstanceKey, i.state, i.hasIncident, i.processDefinitionVersion]),
    [
      [a.processInstanceKey, 'ACTIVE', false, 1],
      [b.processInstanceKey, 'ACTIVE', true, 1],
    ],
  );
  const incidents = await queries().searchIncidents({ filter: { processInstanceKey: b.processInstanceKey } });
  t.deepEqual(
    incidents.items.map((i) => [i.state, i.errorType, i.errorMessage, i.jobKey, i.processDefinitionKey]),
    [['ACTIVE', 'JOB_NO_RETRIES', 'boom', jobOfB.key, processKey]],
  );
  // and the history goes on: completing a's job completes it
  const jobOfA = jobs.find((j) => j.processInstanceKey === a.processInstanceKey)!;
  await te.engine.completeJob({ jobKey: jobOfA.key, variables: {} });
  t.is((await queries().getProcessInstance(a.processInstanceKey)).state, 'COMPLETED');
});

test.serial(
  'an upgraded version-6 database gives its variables keys, distinct from every later key',
  async (t) => {
    const processKey = await deploy(te.engine, XML.replace(/hist/g, 'hist_vars'), 'hist_vars.bpmn');
    const pi = await te.engine.createProcessInstance({
      processDefinitionKey: processKey,
      variables: { caseNo: 'NT-1', street: '人民路' },
    });
    // what a database written before variable keys looks like
    await te.engine.readState(async (db) => {
      await db.run('DROP INDEX zb_var_key');
      await db.run('UPDATE zb_variable SET key = NULL');
      await db.run(`UPDATE zb_meta SET value = 6 WHERE name = 'schema_version'`);
    });
    await te.restart();
    const vars = createVariableQueries(te.engine);
    const { items } = await vars.searchVariables(
      { filter: { processInstanceKey: pi.processInstanceKey }, sort: [{ field: 'name' }] },
      true,
    );
    t.deepEqual(
      items.map((v) => v.name),
      ['caseNo', 'street'],
    );
    t.true(items.every((v) => /^\d+$/.test(v.variableKey)));
    t.is(new Set(items.map((v) => v.variableKey)).size, 2);
    t.is((await vars.getVariable(items[1]!.variableKey)).value, '"人民路"');
    // keys taken after the upgrade come after the backfilled ones
    const later = await te.engine.createProcessInstance({ processDefinitionKey: processKey, variables: {} });
    t.true(BigInt(later.processInstanceKey) > BigInt(items[1]!.variableKey));
  },
);

test.serial('a read that fails is rolled back alone: the commands committed with it are kept', async (t) => {
  const processKey = await deploy(te.engine, XML.replace(/hist/g, 'hist2'), 'hist2.bpmn');
  const create = () => te.engine.createProcessInstance({ processDefinitionKey: processKey, variables: {} });
  // queued in one tick, so they share one transaction with the failing read
  const before = [create(), create()];
  const bad = te.engine.readState((db) => db.all('SELECT x FROM zb_no_such_table'));
  const after = [create(), create()];
  // better-sqlite3's SqliteError is not an Error to ava, so read the rejection by hand
  const failure = await bad.then(
    () => undefined,
    (e: unknown) => e as { message?: string },
  );
  t.regex(String(failure?.message), /zb_no_such_table/);
  const created = await Promise.all([...before, ...after]);
  const found = await queries().searchProcessInstances({ filter: { processDefinitionId: 'hist2' } });
  t.deepEqual(
    found.items.map((i) => i.processInstanceKey),
    created.map((c) => c.processInstanceKey),
  );
});

test.serial(
  'totalItems counts up to 10,000 and hasMoreTotalItems says there are more; pages past it still work',
  async (t) => {
    // 10,005 finished instances of one process, written straight into the history (fast to set up)
    await te.engine.readState((db) =>
      db.run(
        `WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 10005)
       INSERT INTO zb_q_process_instance (key, process_key, bpmn_process_id, version, parent_pi_key, parent_ei_key, state, start_ts, end_ts)
       SELECT 4000000000000000 + x, 1, 'many', 1, NULL, NULL, 'COMPLETED', x, x + 1 FROM n`,
      ),
    );
    const page = await queries().searchProcessInstances({
      filter: { processDefinitionId: 'many' },
      page: { from: 10_000, limit: 10 },
    });
    t.is(page.page.totalItems, 10_000);
    t.true(page.page.hasMoreTotalItems);
    t.deepEqual(
      page.items.map((i) => i.processInstanceKey),
      ['4000000000010001', '4000000000010002', '4000000000010003', '4000000000010004', '4000000000010005'],
    );
    const narrow = await queries().searchProcessInstances({
      filter: { processDefinitionId: 'many', startDate: { $lte: new Date(3).toISOString() } },
    });
    t.is(narrow.page.totalItems, 3);
    t.false(narrow.page.hasMoreTotalItems);
  },
);
