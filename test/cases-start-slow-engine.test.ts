// A case start whose create the engine answers late (src/cases/start.ts): the first attempt times out
// (the engine slow, its commit seconds away), the request keeps asking, as the report's wait does, and
// the claim time passes before the engine has committed the instance. The look-up by caseId cannot see
// an uncommitted instance; the hub used to create a second one and cancel one of the two (the soak at
// load 17: a terminated case-disposal instance no case names). The case must get the engine's one
// instance, created once. Runs the case store on the database HUB_TEST_DB names.
import test from 'ava';
import { createCaseStarter, enqueueStart, StartTimeout } from '../src/cases/start.ts';
import type { EngineQuery } from '../src/incidents/engine-query.ts';
import { createLogger } from '../src/log.ts';
import type { ZeebeClient } from '../src/zeebe.ts';
import { createTestDb, type TestDb } from './helpers/db.ts';
import { insertCase, insertReference } from './helpers/workers.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An engine whose first create commits (and answers) after `slowMs`; later ones at once. Its search,
 * like the real one, shows committed instances in any state (a cancelled one as TERMINATED), the first
 * created first.
 */
function slowEngine(slowMs: number) {
  const committed: { key: string; caseId: string }[] = [];
  const cancelled: string[] = [];
  let creates = 0;
  const zeebe = {
    createProcessInstance: async (req: { variables: { caseId: string } }) => {
      creates++;
      const key = String(2251799813685250 + creates);
      if (creates === 1) await sleep(slowMs);
      committed.push({ key, caseId: req.variables.caseId });
      return { processInstanceKey: key };
    },
    cancelProcessInstance: async (key: string) => {
      cancelled.push(key);
    },
  } as unknown as ZeebeClient;
  const engineQuery = {
    searchProcessInstances: async (req: { filter: { variables: { value: string }[] } }) => {
      const caseId = JSON.parse(req.filter.variables[0]!.value) as string;
      const items = committed
        .filter((c) => c.caseId === caseId)
        .sort((a, b) => (BigInt(a.key) < BigInt(b.key) ? -1 : 1))
        .map((c) => ({
          processInstanceKey: c.key,
          state: cancelled.includes(c.key) ? 'TERMINATED' : 'ACTIVE',
        }));
      return { items, page: { totalItems: items.length } };
    },
  } as unknown as EngineQuery;
  return { zeebe, engineQuery, committed, cancelled, creates: () => creates };
}

let store: TestDb;
test.before(async () => {
  store = await createTestDb();
  await insertReference(store.db);
});
test.after.always(async () => {
  await store?.drop();
});

test('the engine answers the create after the claim time: one instance created, the case records it', async (t) => {
  const engine = slowEngine(1_200); // past the claim time (400 ms), within 4 claim times
  const starter = createCaseStarter({
    db: store.db,
    zeebe: engine.zeebe,
    engineQuery: engine.engineQuery,
    logger: createLogger('silent'),
    claimMs: 400,
    timeoutMs: 100,
    intervalMs: 100,
  });
  t.teardown(() => starter.stop());

  const c = await insertCase(store.db, { status: 'reported' });
  // As the report does: the intent committed with the case, claimed by the request's first attempt.
  const intent = await store.db.prisma.$transaction((tx) => enqueueStart(tx, c, 400));
  await t.throwsAsync(starter.startClaimed(intent, c.source), { instanceOf: StartTimeout });

  // The request's wait (src/cases/routes.ts startedKey) and the reconciler keep asking meanwhile.
  let key: string | undefined;
  for (let i = 0; i < 80 && !key; i++) {
    await starter.reconcile();
    const outcome = await starter.start(c.id);
    if ('processInstanceKey' in outcome) key = outcome.processInstanceKey;
    else await sleep(50);
  }
  // Whatever was still under way has answered by now.
  await sleep(500);

  t.is(engine.creates(), 1, 'the engine was asked to create the instance once');
  t.deepEqual(engine.cancelled, [], 'no instance cancelled as a second one');
  const row = await store.db.prisma.case.findUniqueOrThrow({ where: { id: c.id } });
  t.is(row.processInstanceKey, engine.committed[0]!.key, 'the case records the engine’s one instance');
  t.is(key, row.processInstanceKey ?? undefined);
  const after = await store.db.prisma.outboxMessage.findFirstOrThrow({
    where: { adapter: 'case-start', caseId: c.id },
  });
  t.is(after.status, 'delivered');
});
