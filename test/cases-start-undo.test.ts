// A report whose procedure start failed after the engine may have created the instance (src/cases/
// routes.ts): the answer lost on the way back, or recording the key failing because the database was slow
// or restarting. The report used to be undone whatever the failure, which left the created instance
// running for a case that no longer existed (the soak with the database killed: 5 such instances in
// 3 minutes, their intake jobs incidents). Now it is undone only when the engine shows no instance; else
// the case stays, the client gets 503 "still starting" and the reconciler records the instance.
import test from 'ava';
import { seedDemo } from '../src/app/seed.ts';
import type { EngineQuery } from '../src/incidents/engine-query.ts';
import type { ZeebeClient } from '../src/zeebe.ts';
import { call, startTestApi } from './helpers/api.ts';

const PASSWORD = 'undo-test-Pa55word';

/** An engine that carries out the create and loses the answer; its search shows what it created. */
function losingEngine() {
  const created: { key: string; caseId: string }[] = [];
  const zeebe = {
    createProcessInstance: async (req: { variables: { caseId: string } }) => {
      created.push({ key: String(2251799813685250 + created.length), caseId: req.variables.caseId });
      throw Object.assign(new Error('14 UNAVAILABLE: Connection dropped'), { code: 14 });
    },
  } as unknown as ZeebeClient;
  const engineQuery = {
    searchProcessInstances: async (req: { filter: { variables: { value: string }[] } }) => {
      const caseId = JSON.parse(req.filter.variables[0]!.value) as string;
      const items = created
        .filter((c) => c.caseId === caseId)
        .map((c) => ({ processInstanceKey: c.key, state: 'ACTIVE' }));
      return { items, page: { totalItems: items.length } };
    },
  } as unknown as EngineQuery;
  return { zeebe, engineQuery, created };
}

async function report(api: Awaited<ReturnType<typeof startTestApi>>) {
  await seedDemo(api.db, { password: PASSWORD });
  const login = await call(api.base, 'POST', '/api/auth/login', {
    body: { username: 'acceptor', password: PASSWORD },
  });
  const category = await api.db.prisma.category.findFirstOrThrow({ where: { kind: 'event', active: true } });
  return call(api.base, 'POST', '/api/cases', {
    token: login.body.token as string,
    headers: { 'idempotency-key': 'undo-test-1' },
    body: {
      source: 'supervisor',
      categoryCode: category.code,
      description: '人行道井盖缺失',
      address: '如皋市海阳路',
      lat: 32.38,
      lng: 120.56,
    },
  });
}

test('the engine created the instance, its answer was lost: the case stays, 503, its start intent pending', async (t) => {
  const engine = losingEngine();
  const api = await startTestApi({
    zeebe: engine.zeebe,
    engineQuery: engine.engineQuery,
    env: { CASE_START_CLAIM_MS: '500', CASE_PUBLISH_TIMEOUT_MS: '500' },
  });
  t.teardown(() => api.close());
  const res = await report(api);
  t.is(res.status, 503);
  t.true(engine.created.length >= 1, 'the engine carried out the create');
  const cases = await api.db.prisma.case.findMany({ select: { id: true } });
  t.deepEqual(
    cases.map((c) => c.id),
    [engine.created[0]!.caseId],
    'the case the instance was created for still exists',
  );
  const intent = await api.db.prisma.outboxMessage.findFirstOrThrow({ where: { adapter: 'case-start' } });
  t.is(intent.status, 'pending');
});
