// A case start whose answer is lost on the way back (src/cases/start.ts, src/hub.ts): the engine has
// created the instance, the connection drops before the hub reads the answer — as when the engine's
// thread restarts because its database went away, which the soak (bench/soak.ts) does. The hub must
// end with one case-disposal instance for the case: its next attempt looks the instance up and records
// it. The Zeebe SDK's own re-sending (on by default for every command) sent the create again and the
// case had two instances, one of them running unseen (the soak: 80 instances for 78 cases). Runs the
// case store and the engine on the database HUB_TEST_DB names.
import test from 'ava';
import { createTestDb, type TestDb } from './helpers/db.ts';
import { startTestEngine, type TestEngine } from './helpers/engine.ts';
import { bpmn, chain } from './engine/support.ts';
import { starterBehindLossyRelay } from './helpers/lossy-relay.ts';
import { insertReference } from './helpers/workers.ts';

let store: TestDb;
let te: TestEngine;
test.before(async () => {
  store = await createTestDb();
  await insertReference(store.db);
  te = await startTestEngine();
  // The procedure's id with a user task to wait in, so the instance stays active.
  const userTask =
    '<bpmn:userTask id="wait"><bpmn:extensionElements><zeebe:userTask /></bpmn:extensionElements></bpmn:userTask>';
  await te.zbc.deployResource({
    name: 'case-disposal.bpmn',
    process: Buffer.from(
      bpmn(
        'case-disposal',
        `<bpmn:startEvent id="s" />${userTask}<bpmn:endEvent id="e" />${chain('s', 'wait', 'e')}`,
      ),
    ),
  });
});
test.after.always(async () => {
  await te?.close();
  await store?.drop();
});

test('the create reached the engine, its answer was lost: one instance for the case, the one recorded', async (t) => {
  const { relay, engineQuery, starter, reported: c } = await starterBehindLossyRelay(t, te, store.db);
  relay.arm();

  let key: string | undefined;
  for (let i = 0; i < 50 && !key; i++) {
    const outcome = await starter
      .start(c.id)
      .catch((err: unknown) => (t.log(`attempt ${i}: ${String(err)}`), { busy: true as const }));
    if ('processInstanceKey' in outcome) key = outcome.processInstanceKey;
    else await new Promise((r) => setTimeout(r, 300));
  }
  t.truthy(key, 'the case got an instance');

  const instances = await engineQuery.searchProcessInstances({
    filter: {
      processDefinitionId: 'case-disposal',
      variables: [{ name: 'caseId', value: JSON.stringify(c.id) }],
    },
    page: { limit: 10 },
  });
  t.deepEqual(
    instances.items.map((i) => String(i.processInstanceKey)),
    [key],
    'exactly one instance, and it is the one on the case',
  );
  const row = await store.db.prisma.case.findUniqueOrThrow({ where: { id: c.id } });
  t.is(row.processInstanceKey, key ?? null);
});
