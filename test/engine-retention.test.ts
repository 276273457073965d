/**
 * History retention (ENGINE_HISTORY_RETENTION_DAYS): the scheduler deletes the history of process
 * instances that ended longer ago than the retention — feed events, element instances, incidents, the
 * variables they ended with, their decision instances and the instance, with its called instances and Camunda user tasks — while running instances and recently ended ones keep all of
 * theirs; standalone decision evaluations go by their own age. Instances are made and finished through the real Zeebe client (gRPC), the engine clock is
 * moved through the management port, and what is left is read through the REST API and the feed.
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import { startTestEngine, type TestEngine } from './helpers/engine.ts';
import { bpmn, chain, end, serviceTask, start } from './engine/support.ts';

let te: TestEngine;
test.before(async () => {
  te = await startTestEngine({ historyRetentionDays: 30 });
});
test.after.always(async () => {
  await te?.close();
});

const DAY = 24 * 60 * 60 * 1000;

async function rest(method: string, path: string, body?: unknown) {
  const res = await fetch(te.managementUrl + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary fields
}

const elementsOf = async (processInstanceKey: string) =>
  (
    await rest('POST', '/v2/element-instances/search', {
      filter: { processInstanceKey },
      sort: [{ field: 'elementInstanceKey', order: 'ASC' }],
    })
  ).body.items.map((e: Record<string, string>) => `${e.elementId}:${e.state}`);

/** Feed events of some instances, read page by page from the start. */
async function feedOf(keys: string[]) {
  const out: string[] = [];
  for (let after = '0'; ;) {
    const page = await te.engine!.readEvents(after, 1000);
    if (!page.length) return out;
    for (const e of page) if (keys.includes(e.processInstanceKey)) out.push(e.processInstanceKey);
    after = page[page.length - 1]!.position;
  }
}

/** The variables named `tag`, of running and ended instances: [processInstanceKey, value]. */
const tags = async () =>
  (
    await rest('POST', '/v2/variables/search', {
      filter: { name: 'tag' },
      sort: [{ field: 'variableKey', order: 'ASC' }],
    })
  ).body.items.map((v: Record<string, string>) => [v.processInstanceKey, v.value]);

async function finishJob(type: string) {
  const [job] = await te.zbc.activateJobs({
    type,
    worker: 'retention-test',
    maxJobsToActivate: 1,
    timeout: 365 * DAY,
    requestTimeout: -1,
  });
  await te.zbc.completeJob({ jobKey: job!.key, variables: {} });
  return job!;
}

test('ended instances older than the retention lose their whole history; running and recent ones keep theirs', async (t) => {
  const t0 = Date.UTC(2026, 0, 5, 9);
  await te.clock.pin(t0);
  await te.zbc.deployResources([
    {
      name: 'keep.bpmn',
      process: Buffer.from(
        bpmn('keep', start() + serviceTask('task', 'keep-job') + end() + chain('start', 'task', 'end')),
      ),
    },
    {
      name: 'child.bpmn',
      process: Buffer.from(
        bpmn('child', start() + serviceTask('work', 'child-job') + end() + chain('start', 'work', 'end')),
      ),
    },
    {
      name: 'ut-old.bpmn',
      process: Buffer.from(
        bpmn(
          'ut-old',
          start() +
            '<bpmn:userTask id="review"><bpmn:extensionElements><zeebe:userTask /></bpmn:extensionElements></bpmn:userTask>' +
            end() +
            chain('start', 'review', 'end'),
        ),
      ),
    },
    {
      name: 'parent.bpmn',
      process: Buffer.from(
        bpmn(
          'parent',
          start() +
            '<bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement processId="child" /></bpmn:extensionElements></bpmn:callActivity>' +
            end() +
            chain('start', 'call', 'end'),
        ),
      ),
    },
  ]);

  // old: ended at t0, one with an incident that was resolved, one with a called instance
  const old = await te.zbc.createProcessInstance({ bpmnProcessId: 'keep', variables: { tag: 'old' } });
  const [failing] = await te.zbc.activateJobs({
    type: 'keep-job',
    worker: 'w',
    maxJobsToActivate: 1,
    timeout: 365 * DAY,
    requestTimeout: -1,
  });
  await te.zbc.failJob({ jobKey: failing!.key, retries: 0, errorMessage: 'boom', retryBackOff: 0 });
  const incident = (
    await rest('POST', '/v2/incidents/search', { filter: { processInstanceKey: old.processInstanceKey } })
  ).body.items[0];
  await te.zbc.updateJobRetries({ jobKey: failing!.key, retries: 1 });
  await te.zbc.resolveIncident({ incidentKey: incident.incidentKey });
  await finishJob('keep-job');
  const parent = await te.zbc.createProcessInstance({
    bpmnProcessId: 'parent',
    variables: { tag: 'parent' },
  });
  const childJob = await finishJob('child-job');
  const child = childJob.processInstanceKey;
  t.is((await rest('GET', `/v2/process-instances/${parent.processInstanceKey}`)).body.state, 'COMPLETED');

  const withTask = await te.zbc.createProcessInstance({ bpmnProcessId: 'ut-old', variables: {} });
  const [userTask] = (
    await rest('POST', '/v2/user-tasks/search', {
      filter: { processInstanceKey: withTask.processInstanceKey },
    })
  ).body.items;
  t.is((await rest('POST', `/v2/user-tasks/${userTask.userTaskKey}/completion`, {})).status, 204);

  // running since t0, and one that ends 20 days later
  const running = await te.zbc.createProcessInstance({
    bpmnProcessId: 'keep',
    variables: { tag: 'running' },
  });
  const recent = await te.zbc.createProcessInstance({ bpmnProcessId: 'keep', variables: { tag: 'recent' } });
  const jobs = await te.zbc.activateJobs({
    type: 'keep-job',
    worker: 'w',
    maxJobsToActivate: 2,
    timeout: 365 * DAY,
    requestTimeout: -1,
  });
  // a standalone decision evaluation at t0, and one 20 days later
  await te.zbc.deployResource({
    name: 'decision-routing.dmn',
    decision: readFileSync(new URL('./fixtures/engine/decision-routing.dmn', import.meta.url)),
  });
  const oldEvaluation = await te.zbc.evaluateDecision({
    decisionId: 'base_hours',
    variables: { area: '核心区' },
  });
  await te.clock.add(20 * DAY);
  const recentEvaluation = await te.zbc.evaluateDecision({
    decisionId: 'base_hours',
    variables: { area: '外围' },
  });
  // the gRPC answer's decisionInstanceKey (the SDK's type leaves it out)
  const evaluationKey = (r: object) => (r as { decisionInstanceKey: string }).decisionInstanceKey;
  const evaluations = async () =>
    (
      await rest('POST', '/v2/decision-instances/search', {
        filter: { decisionDefinitionId: 'base_hours' },
        sort: [{ field: 'decisionEvaluationInstanceKey', order: 'ASC' }],
      })
    ).body.items.map((d: Record<string, string>) => [d.decisionEvaluationKey, d.result]);
  t.regex(evaluationKey(oldEvaluation), /^\d+$/);
  t.deepEqual(await evaluations(), [
    [evaluationKey(oldEvaluation), '2'],
    [evaluationKey(recentEvaluation), '4'],
  ]);
  await te.zbc.completeJob({
    jobKey: jobs.find((j) => j.processInstanceKey === recent.processInstanceKey)!.key,
    variables: {},
  });
  const runningBefore = await elementsOf(running.processInstanceKey);
  const recentBefore = await elementsOf(recent.processInstanceKey);
  t.deepEqual(runningBefore, ['keep:ACTIVE', 'start:COMPLETED', 'task:ACTIVE']);
  t.deepEqual(recentBefore, ['keep:COMPLETED', 'start:COMPLETED', 'task:COMPLETED', 'end:COMPLETED']);
  const gone = [old.processInstanceKey, parent.processInstanceKey, child, withTask.processInstanceKey];
  t.deepEqual([...new Set(await feedOf(gone))].sort(), [...gone].sort());
  // the variables the instances ended with (the called instance got the parent's) are listed until then
  t.deepEqual(await tags(), [
    [old.processInstanceKey, '"old"'],
    [parent.processInstanceKey, '"parent"'],
    [child, '"parent"'],
    [running.processInstanceKey, '"running"'],
    [recent.processInstanceKey, '"recent"'],
  ]);

  // 31 days after t0 the instances that ended at t0 are past the retention of 30 days
  await te.clock.add(11 * DAY);
  for (const until = Date.now() + 10_000; ;) {
    if ((await rest('GET', `/v2/process-instances/${old.processInstanceKey}`)).status === 404) break;
    if (Date.now() > until) throw new Error('retention did not run');
    await new Promise((r) => setTimeout(r, 25));
  }
  for (const key of gone) t.is((await rest('GET', `/v2/process-instances/${key}`)).status, 404, key);
  t.deepEqual(await elementsOf(old.processInstanceKey), []);
  t.deepEqual(await elementsOf(child), []);
  t.is((await rest('GET', `/v2/incidents/${incident.incidentKey}`)).status, 404);
  t.is((await rest('GET', `/v2/user-tasks/${userTask.userTaskKey}`)).status, 404);
  t.deepEqual(await feedOf(gone), []);
  t.deepEqual(await evaluations(), [[evaluationKey(recentEvaluation), '4']]);
  t.deepEqual(await tags(), [
    [running.processInstanceKey, '"running"'],
    [recent.processInstanceKey, '"recent"'],
  ]);

  t.deepEqual(await elementsOf(running.processInstanceKey), runningBefore);
  t.deepEqual(await elementsOf(recent.processInstanceKey), recentBefore);
  const listed = await rest('POST', '/v2/process-instances/search', {
    filter: { processDefinitionId: { $in: ['keep', 'parent', 'child', 'ut-old'] } },
  });
  t.deepEqual(
    listed.body.items.map((i: Record<string, string>) => [i.processInstanceKey, i.state]),
    [
      [running.processInstanceKey, 'ACTIVE'],
      [recent.processInstanceKey, 'COMPLETED'],
    ],
  );
  // the running instance is still fully alive
  await te.zbc.completeJob({
    jobKey: jobs.find((j) => j.processInstanceKey === running.processInstanceKey)!.key,
    variables: {},
  });
  t.is((await rest('GET', `/v2/process-instances/${running.processInstanceKey}`)).body.state, 'COMPLETED');
});
