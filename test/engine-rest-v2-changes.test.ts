/**
 * Changing running instances over the engine's v2 API with Camunda's REST-only client (answers validated
 * against Camunda's schema): modification (activate with variables, terminate) and migration to another
 * definition; refusals as problem+json (400 naming the property or the engine's reason, 404 for an
 * unknown instance, 409 for what the instance's state does not allow).
 */
import test from 'ava';
import { startRestV2, type RestV2, problemCheck } from './helpers/rest-v2.ts';
import { bpmn, chain, end, eventually, serviceTask, start } from './engine/support.ts';

let v2: RestV2;
test.before(async () => {
  v2 = await startRestV2();
});
test.after.always(async () => {
  await v2?.close();
});

const NOW = { consistency: { waitUpToMs: 0 } };
const file = (xml: string, name: string) => new File([xml], name, { type: 'application/xml' });

/** start → a → b → end, two service tasks. */
const twoTasks = (id: string, a: string, b: string, typeA: string, typeB: string) =>
  bpmn(id, start() + serviceTask(a, typeA) + serviceTask(b, typeB) + end() + chain('start', a, b, 'end'));

async function deploy(xml: string, name: string) {
  const r = await v2.camunda.createDeployment({ resources: [file(xml, name)] });
  return String(r.deployments[0]!.processDefinition!.processDefinitionKey);
}

const elementsOf = async (pik: string) =>
  (
    await v2.rest('POST', '/v2/element-instances/search', {
      filter: { processInstanceKey: pik, type: 'SERVICE_TASK' },
      sort: [{ field: 'elementInstanceKey' }],
    })
  ).body.items.map((e: { elementId: string; state: string }) => `${e.elementId}:${e.state}`);

const activate = async (type: string) =>
  (await v2.camunda.activateJobs({ type, timeout: 60_000, maxJobsToActivate: 5, requestTimeout: -1 })).jobs;

test('modification: activate an element with variables, terminate another; migration to another definition', async (t) => {
  await deploy(twoTasks('v2_mod', 'check', 'dispatch', 'mod-check', 'mod-dispatch'), 'mod.bpmn');
  const pi = await v2.camunda.createProcessInstance({
    processDefinitionId: 'v2_mod' as never,
    variables: {},
  });
  const pik = String(pi.processInstanceKey);
  const [check] = await activate('mod-check');

  await v2.camunda.modifyProcessInstance({
    processInstanceKey: pik as never,
    activateInstructions: [
      {
        elementId: 'dispatch' as never,
        variableInstructions: [{ variables: { reason: '现场已处置，直接派遣' } }],
      },
    ],
    terminateInstructions: [{ elementInstanceKey: check!.elementInstanceKey }],
  });
  t.deepEqual(await elementsOf(pik), ['check:TERMINATED', 'dispatch:ACTIVE']);
  const vars = await v2.camunda.searchVariables({ filter: { processInstanceKey: pik as never } }, NOW);
  t.deepEqual(
    vars.items.map((v) => [v.name, v.value, v.scopeKey]),
    [['reason', '"现场已处置，直接派遣"', pik]],
  );
  t.deepEqual(await activate('mod-check'), [], 'the terminated task has no job any more');

  // migration: dispatch → assign of another definition (same job type), keys kept
  const target = await deploy(
    twoTasks('v2_mod_target', 'review', 'assign', 'mod-review', 'mod-dispatch'),
    'target.bpmn',
  );
  await v2.camunda.migrateProcessInstance({
    processInstanceKey: pik as never,
    targetProcessDefinitionKey: target as never,
    mappingInstructions: [{ sourceElementId: 'dispatch' as never, targetElementId: 'assign' as never }],
  });
  const migrated = await v2.camunda.getProcessInstance({ processInstanceKey: pik as never }, NOW);
  t.is(String(migrated.processDefinitionId), 'v2_mod_target');
  t.is(String(migrated.processDefinitionKey), target);
  t.deepEqual(await elementsOf(pik), ['check:TERMINATED', 'assign:ACTIVE']);
  const [dispatch] = await activate('mod-dispatch');
  t.is(String(dispatch!.elementId), 'assign');
  await v2.camunda.completeJob({ jobKey: dispatch!.jobKey });
  await eventually(
    async () => (await v2.rest('GET', `/v2/process-instances/${pik}`)).body.state === 'COMPLETED',
  );
  t.pass();
});

test('modification and migration: refusals name the property or the reason', async (t) => {
  const problem = problemCheck(t);
  await deploy(twoTasks('v2_mod_refuse', 'a', 'b', 'refuse-a', 'refuse-b'), 'refuse.bpmn');
  const target = await deploy(twoTasks('v2_mod_refuse2', 'x', 'y', 'refuse-a', 'refuse-b'), 'refuse2.bpmn');
  const pik = String(
    (await v2.camunda.createProcessInstance({ processDefinitionId: 'v2_mod_refuse' as never }))
      .processInstanceKey,
  );
  const unknown = '2251799813999999';
  const modify = (key: string, body: unknown) =>
    v2.rest('POST', `/v2/process-instances/${key}/modification`, body);
  const migrate = (key: string, body: unknown) =>
    v2.rest('POST', `/v2/process-instances/${key}/migration`, body);

  problem(await modify('abc', {}), 400, /^processInstanceKey must be a key/);
  problem(await modify(pik, { activateInstructions: {} }), 400, /^activateInstructions must be an array/);
  problem(await modify(pik, { activateInstructions: [{}] }), 400, /^elementId is required/);
  problem(
    await modify(pik, { activateInstructions: [{ elementId: 'b', ancestorElementInstanceKey: 'root' }] }),
    400,
    /^activateInstructions\[0\]\.ancestorElementInstanceKey must be a key/,
  );
  problem(
    await modify(pik, {
      activateInstructions: [{ elementId: 'b', variableInstructions: [{ scopeId: 'b' }] }],
    }),
    400,
    /^activateInstructions\[0\]\.variableInstructions\[0\]\.variables is required/,
  );
  problem(
    await modify(pik, { terminateInstructions: [{ key: 1 }] }),
    400,
    /^key is not a known property of terminateInstructions\[0\]/,
  );
  problem(await modify(pik, { moveInstructions: [] }), 400, /^moveInstructions is not a known property/);
  problem(
    await modify(pik, { activateInstructions: [{ elementId: 'nope' }] }),
    400,
    /activate instructions with an element that could not be found: 'nope'/,
  );
  problem(await modify(unknown, {}), 404, /no process instance found with key '2251799813999999'/);

  problem(await migrate(pik, { mappingInstructions: [] }), 400, /^targetProcessDefinitionKey is required/);
  problem(
    await migrate(pik, { targetProcessDefinitionKey: target }),
    400,
    /^mappingInstructions is required/,
  );
  problem(
    await migrate(pik, {
      targetProcessDefinitionKey: target,
      mappingInstructions: [{ sourceElementId: 'a' }],
    }),
    400,
    /^targetElementId is required/,
  );
  problem(
    await migrate(pik, { targetProcessDefinitionKey: target, mappingInstructions: [] }),
    409,
    /no mapping instruction defined for active element with id 'a'/,
  );
  problem(await migrate(unknown, { targetProcessDefinitionKey: target, mappingInstructions: [] }), 404, /./);
  // nothing changed
  t.deepEqual(await elementsOf(pik), ['a:ACTIVE']);
});

test('resource deletion: the definition goes, its running instances are canceled; unknown keys 404', async (t) => {
  const key = await deploy(twoTasks('v2_delete', 'a', 'b', 'delete-a', 'delete-b'), 'delete.bpmn');
  const pi = await v2.camunda.createProcessInstance({ processDefinitionId: 'v2_delete' as never });
  await v2.camunda.deleteResource({ resourceKey: key as never });
  const instance = await v2.rest('GET', `/v2/process-instances/${pi.processInstanceKey}`);
  t.is(instance.body.state, 'TERMINATED');
  t.is((await v2.rest('GET', `/v2/process-definitions/${key}`)).status, 404);
  const start = await v2.rest('POST', '/v2/process-instances', { processDefinitionId: 'v2_delete' });
  t.is(start.status, 404);

  const again = await v2.rest('POST', `/v2/resources/${key}/deletion`, {});
  t.is(again.status, 404);
  t.regex(again.body.detail, /no resource found with key `\d+`/);
  const bad = await v2.rest('POST', '/v2/resources/bpmn/deletion', {});
  t.is(bad.status, 400);
  t.regex(bad.body.detail, /^resourceKey must be a key/);
  const extra = await v2.rest('POST', `/v2/resources/${key}/deletion`, { deleteHistory: true });
  t.is(extra.status, 400);
  t.regex(extra.body.detail, /^deleteHistory is not a known property/);
});
