// A case start whose answer is lost while its instance has already ended (src/cases/start.ts): the
// engine created the instance and ran it to its end in the same step (a procedure that closes at once,
// as a merged duplicate's does), the hub never read the answer. The retry looks the instance up by the
// case's id: it must find the completed instance too — before, the look-up saw only active instances,
// missed it and created a second one, leaving a completed case-disposal instance no case names (the
// soak). Runs the case store and the engine on the database HUB_TEST_DB names.
import test from 'ava';
import { createTestDb, type TestDb } from './helpers/db.ts';
import { startTestEngine, type TestEngine } from './helpers/engine.ts';
import { starterBehindLossyRelay } from './helpers/lossy-relay.ts';
import { insertReference } from './helpers/workers.ts';
import { bpmn, chain } from './engine/support.ts';

let store: TestDb;
let te: TestEngine;
test.before(async () => {
  store = await createTestDb();
  await insertReference(store.db);
  te = await startTestEngine();
  // The procedure's id, with nothing to wait in: an instance completes in the step that creates it.
  await te.zbc.deployResource({
    name: 'case-disposal.bpmn',
    process: Buffer.from(
      bpmn('case-disposal', `<bpmn:startEvent id="s" /><bpmn:endEvent id="e" />${chain('s', 'e')}`),
    ),
  });
});
test.after.always(async () => {
  await te?.close();
  await store?.drop();
});

test('the answer was lost and the instance has already completed: the retry records it, no second instance', async (t) => {
  const { relay, engineQuery, starter, reported: c } = await starterBehindLossyRelay(t, te, store.db);
  relay.arm();

  // The first attempt's create reaches the engine and its answer is lost: the attempt fails.
  await t.throwsAsync(starter.start(c.id));
  const afterLoss = await engineQuery.searchProcessInstances({
    filter: { processDefinitionId: 'case-disposal' },
    page: { limit: 10 },
  });
  t.deepEqual(
    afterLoss.items.map((i) => i.state),
    ['COMPLETED'],
    'the lost create made one instance, which has already completed',
  );
  const first = String(afterLoss.items[0]!.processInstanceKey);
  t.is((await store.db.prisma.case.findUniqueOrThrow({ where: { id: c.id } })).processInstanceKey, null);

  // The retry (as the reconciler makes it once the attempt's failure is recorded).
  let outcome = await starter.start(c.id);
  for (let i = 0; i < 50 && !('processInstanceKey' in outcome); i++) {
    await new Promise((r) => setTimeout(r, 200));
    outcome = await starter.start(c.id);
  }
  t.deepEqual(outcome, { processInstanceKey: first }, 'the retry answers the completed instance');

  const all = await engineQuery.searchProcessInstances({
    filter: { processDefinitionId: 'case-disposal' },
    page: { limit: 10 },
  });
  t.deepEqual(
    all.items.map((i) => [String(i.processInstanceKey), i.state]),
    [[first, 'COMPLETED']],
    'exactly one instance of the procedure',
  );
  const byCase = await engineQuery.searchProcessInstances({
    filter: {
      processDefinitionId: 'case-disposal',
      variables: [{ name: 'caseId', value: JSON.stringify(c.id) }],
    },
    page: { limit: 10 },
  });
  t.deepEqual(
    byCase.items.map((i) => String(i.processInstanceKey)),
    [first],
    'found by the case id it ended with',
  );
  const row = await store.db.prisma.case.findUniqueOrThrow({ where: { id: c.id } });
  t.is(row.processInstanceKey, first, 'the case names it');
  const intent = await store.db.prisma.outboxMessage.findFirstOrThrow({
    where: { adapter: 'case-start', caseId: c.id },
  });
  t.is(intent.status, 'delivered');
});
