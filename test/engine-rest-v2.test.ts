/**
 * The engine's v2 commands over real HTTP with Camunda's own REST-only TypeScript client
 * (@camunda8/orchestration-cluster-api 8.8): deploy (multipart) → start → the client's REST job worker
 * activates and completes → the instance is COMPLETED in the search; a failure with no retries left
 * makes an incident; a thrown error nobody catches too; long polling; messages and signals; refusals
 * as problem+json (400 naming the property, 404 for an unknown key).
 */
import test from 'ava';
import { startRestV2, type RestV2, problemCheck } from './helpers/rest-v2.ts';
import { bpmn, chain, end, eventually, serviceTask, start } from './engine/support.ts';

let v2: RestV2;
let te: RestV2['te'];
let camunda: RestV2['camunda'];
let rest: RestV2['rest'];
test.before(async () => {
  v2 = await startRestV2();
  ({ te, camunda, rest } = v2);
});
test.after.always(async () => {
  await v2?.close();
});

const oneTask = (id: string, type: string) =>
  bpmn(id, start() + serviceTask('task', type) + end() + chain('start', 'task', 'end'));

const file = (xml: string, name: string) => new File([xml], name, { type: 'application/xml' });

async function deploy(xml: string, name: string) {
  const r = await camunda.createDeployment({ resources: [file(xml, name)] });
  return r.deployments[0]!.processDefinition!;
}

async function instanceState(key: string) {
  const r = await rest('POST', '/v2/process-instances/search', { filter: { processInstanceKey: key } });
  return r.body.items[0]?.state as string | undefined;
}

test('deploy (multipart) → start → the REST job worker completes the job → COMPLETED in the search', async (t) => {
  const xml = oneTask('rest_v2_flow', 'v2-work');
  const deployment = await camunda.createDeployment({ resources: [file(xml, 'flow.bpmn')] });
  t.regex(String(deployment.deploymentKey), /^\d+$/);
  t.is(String(deployment.tenantId), '<default>');
  t.is(deployment.deployments.length, 1);
  const def = deployment.deployments[0]!.processDefinition!;
  t.like(def, {
    processDefinitionId: 'rest_v2_flow',
    processDefinitionVersion: 1,
    resourceName: 'flow.bpmn',
    tenantId: '<default>',
  });
  t.regex(String(def.processDefinitionKey), /^\d+$/);

  const created = await camunda.createProcessInstance({
    processDefinitionId: 'rest_v2_flow' as never,
    variables: { caseNo: 'NT-2026-0001' },
  });
  t.is(created.processDefinitionKey, def.processDefinitionKey);
  t.is(created.processDefinitionVersion, 1);
  t.regex(String(created.processInstanceKey), /^\d+$/);
  t.deepEqual(created.variables, {});
  t.is(await instanceState(String(created.processInstanceKey)), 'ACTIVE');

  const seen: { caseNo: unknown; jobKey: string; retries: number }[] = [];
  const worker = camunda.createJobWorker({
    jobType: 'v2-work',
    maxParallelJobs: 2,
    jobTimeoutMs: 30_000,
    pollIntervalMs: 50,
    pollTimeoutMs: 2_000,
    jobHandler: (job) => {
      seen.push({ caseNo: job.variables.caseNo, jobKey: String(job.jobKey), retries: job.retries });
      return job.complete({ variables: { handled: true } });
    },
  });
  try {
    await eventually(
      async () => (await instanceState(String(created.processInstanceKey))) === 'COMPLETED',
      10_000,
    );
  } finally {
    worker.stop();
  }
  t.is(seen.length, 1);
  t.is(seen[0]!.caseNo, 'NT-2026-0001');
  t.regex(seen[0]!.jobKey, /^\d+$/);
  t.is(seen[0]!.retries, 3);
});

test('awaitCompletion answers with the variables once the instance ends', async (t) => {
  await deploy(bpmn('rest_v2_none', start() + end() + chain('start', 'end')), 'none.bpmn');
  const r = await camunda.createProcessInstance({
    processDefinitionId: 'rest_v2_none' as never,
    variables: { a: 1, b: 'two' },
    awaitCompletion: true,
    fetchVariables: ['b'],
  });
  t.deepEqual(r.variables, { b: 'two' });
  t.is(await instanceState(String(r.processInstanceKey)), 'COMPLETED');
});

test('activation long-polls until a job appears; fail with retries 0 makes an incident', async (t) => {
  await deploy(oneTask('rest_v2_fail', 'v2-fail'), 'fail.bpmn');
  const started = Date.now();
  const waiting = rest('POST', '/v2/jobs/activation', {
    type: 'v2-fail',
    worker: 'rest-test',
    timeout: 60_000,
    maxJobsToActivate: 5,
    requestTimeout: 5_000,
  });
  await new Promise((r) => setTimeout(r, 300));
  const pi = await rest('POST', '/v2/process-instances', { processDefinitionId: 'rest_v2_fail' });
  t.is(pi.status, 200);
  const activated = await waiting;
  t.is(activated.status, 200);
  t.true(Date.now() - started < 4_000, 'answered when the job appeared, not at the request timeout');
  t.is(activated.body.jobs.length, 1);
  const job = activated.body.jobs[0];
  t.like(job, {
    type: 'v2-fail',
    processDefinitionId: 'rest_v2_fail',
    elementId: 'task',
    worker: 'rest-test',
    retries: 3,
    processInstanceKey: pi.body.processInstanceKey,
    tenantId: '<default>',
    kind: 'BPMN_ELEMENT',
  });
  t.regex(job.jobKey, /^\d+$/);

  await camunda.failJob({ jobKey: job.jobKey, retries: 0, errorMessage: '城管平台不可达' });
  const incidents = await rest('POST', '/v2/incidents/search', {
    filter: { processInstanceKey: pi.body.processInstanceKey },
  });
  t.is(incidents.body.items.length, 1);
  t.like(incidents.body.items[0], {
    errorType: 'JOB_NO_RETRIES',
    errorMessage: '城管平台不可达',
    state: 'ACTIVE',
    jobKey: job.jobKey,
    elementId: 'task',
  });

  // Retries back through PATCH, the incident resolved: the job is activatable again.
  t.is((await rest('PATCH', `/v2/jobs/${job.jobKey}`, { changeset: { retries: 2 } })).status, 204);
  const resolved = await rest('POST', `/v2/incidents/${incidents.body.items[0].incidentKey}/resolution`);
  t.is(resolved.status, 204);
  const again = await rest('POST', '/v2/jobs/activation', {
    type: 'v2-fail',
    timeout: 60_000,
    maxJobsToActivate: 1,
    requestTimeout: -1,
  });
  t.is(again.body.jobs[0]?.jobKey, job.jobKey);
  t.is(again.body.jobs[0]?.retries, 2);
  await camunda.completeJob({ jobKey: job.jobKey });
  t.is(await instanceState(pi.body.processInstanceKey), 'COMPLETED');

  // Nothing to activate now: requestTimeout < 0 answers at once with no jobs.
  const none = await rest('POST', '/v2/jobs/activation', {
    type: 'v2-fail',
    timeout: 1_000,
    maxJobsToActivate: 1,
    requestTimeout: -1,
  });
  t.deepEqual([none.status, none.body], [200, { jobs: [] }]);
});

test('a thrown error nobody catches is an incident; messages and signals answer with their keys', async (t) => {
  await deploy(oneTask('rest_v2_error', 'v2-error'), 'error.bpmn');
  const pi = await rest('POST', '/v2/process-instances', { processDefinitionId: 'rest_v2_error' });
  const { jobs } = await camunda.activateJobs({
    type: 'v2-error',
    timeout: 60_000,
    maxJobsToActivate: 1,
    requestTimeout: -1,
  });
  t.is(jobs.length, 1);
  const thrown = await rest('POST', `/v2/jobs/${jobs[0]!.jobKey}/error`, {
    errorCode: 'NO_OWNER',
    errorMessage: '无责任单位',
  });
  t.is(thrown.status, 204);
  const incidents = await rest('POST', '/v2/incidents/search', {
    filter: { processInstanceKey: pi.body.processInstanceKey },
  });
  t.is(incidents.body.items[0]?.errorType, 'UNHANDLED_ERROR_EVENT');

  const message = await camunda.publishMessage({
    name: 'v2-nobody-waits',
    correlationKey: 'c-1',
    timeToLive: 0,
  });
  t.regex(String(message.messageKey), /^\d+$/);
  t.is(String(message.tenantId), '<default>');
  const signal = await camunda.broadcastSignal({ signalName: 'v2-signal' });
  t.regex(String(signal.signalKey), /^\d+$/);
  t.is(String(signal.tenantId), '<default>');
});

test('bad input is 400 problem+json naming the property; an unknown key is 404', async (t) => {
  const problem = problemCheck(t);
  problem(
    await rest('POST', '/v2/jobs/activation', { timeout: 1000, maxJobsToActivate: 1 }),
    400,
    /^type is required/,
  );
  problem(
    await rest('POST', '/v2/jobs/activation', { type: 'x', timeout: 1000, maxJobsToActivate: 'ten' }),
    400,
    /^maxJobsToActivate must be an integer/,
  );
  problem(
    await rest('POST', '/v2/process-instances', { variables: {} }),
    400,
    /processDefinitionId or processDefinitionKey is required/,
  );
  problem(
    await rest('POST', '/v2/process-instances', { processDefinitionId: 'p', processDefinitionVersion: '1' }),
    400,
    /^processDefinitionVersion must be an integer/,
  );
  problem(
    await rest('POST', '/v2/process-instances', { processDefinitionId: 'p', vars: {} }),
    400,
    /^vars is not a known property/,
  );
  problem(await rest('POST', '/v2/messages/publication', { correlationKey: 'k' }), 400, /^name is required/);
  problem(
    await rest('POST', '/v2/signals/broadcast', { signalName: 7 }),
    400,
    /^signalName must be a string/,
  );
  problem(await rest('POST', '/v2/jobs/abc/completion', {}), 400, /^jobKey must be a key/);
  problem(await rest('POST', '/v2/deployments', {}), 400, /multipart\/form-data/);
  const form = new FormData();
  form.append('tenantId', '<default>');
  const empty = await fetch(`${te.managementUrl}/v2/deployments`, { method: 'POST', body: form });
  problem(
    { status: empty.status, type: empty.headers.get('content-type') ?? '', body: await empty.json() },
    400,
    /^resources is required/,
  );

  problem(
    await rest('PATCH', '/v2/jobs/1', { changeset: {} }),
    400,
    /^changeset must set retries or timeout/,
  );
  problem(
    await rest('PATCH', '/v2/jobs/1', { changeset: { retries: 0 } }),
    400,
    /^retries must be at least 1/,
  );
  problem(await rest('PATCH', '/v2/jobs/2251799813999999', { changeset: { retries: 1 } }), 404, /./);
  problem(await rest('POST', '/v2/jobs/2251799813999999/completion', {}), 404, /./);
  problem(await rest('POST', '/v2/jobs/2251799813999999/failure', { retries: 1 }), 404, /./);
  problem(await rest('POST', '/v2/jobs/2251799813999999/error', { errorCode: 'E' }), 404, /./);
  problem(
    await rest('POST', '/v2/process-instances', { processDefinitionId: 'rest_v2_no_such_process' }),
    404,
    /rest_v2_no_such_process/,
  );
  problem(
    await rest('POST', '/v2/process-instances', { processDefinitionKey: '2251799813999999' }),
    404,
    /./,
  );
});
