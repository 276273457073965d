// An action with a place in the procedure (立案 waits at ebg_register …) asks the engine where the case's
// procedure waits (src/cases/actions/index.ts checkProcedureWaits): waiting there, the action goes on
// whatever else the instance does (its incidents are not asked); waiting elsewhere, the answer is 409
// naming the step, and an incident that stops the procedure is named with its message.
import test from 'ava';
import type { EngineQuery } from '../src/incidents/engine-query.ts';
import type { ZeebeClient } from '../src/zeebe.ts';
import { call, startTestApi } from './helpers/api.ts';

const PASSWORD = 'procedure-check-Pa55word';
const INSTANCE = '2251799813685251';

/** An engine whose instance waits at `waitsAt`, with one incident elsewhere; counts the incident searches. */
function engineWaitingAt(waitsAt: { elementId: string; type: string }) {
  const asked = { incidents: 0 };
  const zeebe = {
    createProcessInstance: async () => ({ processInstanceKey: INSTANCE }),
    publishMessage: async () => ({ key: '2251799813685260' }),
  } as unknown as ZeebeClient;
  const engineQuery = {
    searchElementInstances: async () => ({ items: [waitsAt], page: { totalItems: 1 } }),
    searchIncidents: async () => {
      asked.incidents++;
      const items = [{ elementId: 'st_sign_deadline', errorMessage: 'no time limit for category 0402' }];
      return { items, page: { totalItems: 1 } };
    },
    processInstance: async () => {
      throw new Error('not in this test');
    },
  } as unknown as EngineQuery;
  return { zeebe, engineQuery, asked };
}

async function acceptedCase(waitsAt: { elementId: string; type: string }) {
  const engine = engineWaitingAt(waitsAt);
  const api = await startTestApi({
    zeebe: engine.zeebe,
    engineQuery: engine.engineQuery,
    publishMessages: true,
    demoPassword: PASSWORD,
  });
  const token = async (username: string) =>
    (await call(api.base, 'POST', '/api/auth/login', { body: { username, password: PASSWORD } })).body
      .token as string;
  const category = await api.db.prisma.category.findFirstOrThrow({ where: { kind: 'event', active: true } });
  const report = await call(api.base, 'POST', '/api/cases', {
    token: await token('field_supervisor'),
    body: {
      source: 'supervisor',
      categoryCode: category.code,
      description: '人行道井盖缺失',
      address: '海阳路',
    },
  });
  if (report.status !== 201) throw new Error(JSON.stringify(report.body));
  const id = report.body.id as string;
  // Intake's part (no workers run here): the case as the intake job leaves it.
  await api.db.prisma.case.update({ where: { id }, data: { status: 'accepted', version: { increment: 1 } } });
  return { api, engine, id, dispatcher: await token('dispatcher') };
}

test('waiting where the action goes on: registered, the incidents not asked', async (t) => {
  const { api, engine, id, dispatcher } = await acceptedCase({
    elementId: 'ebg_register',
    type: 'EVENT_BASED_GATEWAY',
  });
  t.teardown(() => api.close());
  const res = await call(api.base, 'POST', `/api/cases/${id}/actions/register`, {
    token: dispatcher,
    body: {},
  });
  t.is(res.status, 200, JSON.stringify(res.body));
  t.is(res.body.status, 'registered');
  t.is(engine.asked.incidents, 0);
});

test('waiting elsewhere with an incident: 409 naming the incident, nothing written', async (t) => {
  const { api, id, dispatcher } = await acceptedCase({ elementId: 'rt_locate_repair', type: 'RECEIVE_TASK' });
  t.teardown(() => api.close());
  const res = await call(api.base, 'POST', `/api/cases/${id}/actions/register`, {
    token: dispatcher,
    body: {},
  });
  t.is(res.status, 409);
  t.like(res.body.waitingAt, { elementId: 'st_sign_deadline', incident: 'no time limit for category 0402' });
  t.regex(res.body.detail, /stopped by an incident: no time limit for category 0402/);
  t.is((await api.db.prisma.case.findUniqueOrThrow({ where: { id } })).status, 'accepted');
});
