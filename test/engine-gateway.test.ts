/**
 * The embedded engine's Zeebe gateway, driven over gRPC by the real client (@camunda8/sdk): every RPC
 * the hub uses, with the answers and error statuses a Zeebe cluster gives.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { bpmnVariant, startTestEngine, type TestEngine } from './helpers/engine.ts';
import { closeWorker } from '../src/zeebe.ts';

let engine: TestEngine;

test.before(async () => {
  engine = await startTestEngine();
});
test.after.always(async () => {
  await engine?.close();
});

const fixture = (name: string) => readFileSync(new URL(`./fixtures/engine/${name}`, import.meta.url), 'utf8');

/** Deploys a renamed copy of a fixture; returns its process id and job types. */
async function deploy(file: string, suffix: string) {
  const variant = bpmnVariant(fixture(file), suffix);
  await engine.zbc.deployResource({ process: Buffer.from(variant.xml), name: `${suffix}-${file}` });
  return { processId: variant.processIds[0]!, types: variant.jobTypes };
}

/** Activates the jobs of a type that are there now (no long polling). */
const activateNow = (type: string, maxJobsToActivate = 10) =>
  engine.zbc.activateJobs({ type, worker: 'test', maxJobsToActivate, timeout: 30_000, requestTimeout: -1 });

/** Waits up to `ms` for a job of the type (long polling). */
async function activateOne(type: string, ms = 5000) {
  const jobs = await engine.zbc.activateJobs({
    type,
    worker: 'test',
    maxJobsToActivate: 1,
    timeout: 30_000,
    requestTimeout: ms,
  });
  if (jobs.length !== 1)
    throw new Error(`expected one job of type ${type} within ${ms} ms, got ${jobs.length}`);
  return jobs[0]!;
}

const plain = (value: object) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;

const FIRST_PARTITION_KEY = 2251799813685249n;

test('Topology: one broker at the gateway address, partition 1 leader and healthy', async (t) => {
  const topology = await engine.zbc.topology();
  const [host, port] = engine.address.split(':');
  t.is(topology.clusterSize, 1);
  t.is(topology.partitionsCount, 1);
  t.is(topology.replicationFactor, 1);
  t.regex(topology.gatewayVersion, /^8\.8\.\d+$/);
  t.is(topology.brokers.length, 1);
  const broker = topology.brokers[0]!;
  t.is(broker.host, host!);
  t.is(broker.port, Number(port));
  t.deepEqual(plain(broker.partitions), [{ partitionId: 1, role: 'LEADER', health: 'HEALTHY' }]);
});

test('DeployResource returns the process metadata with partition-1 keys', async (t) => {
  const variant = bpmnVariant(fixture('one-task.bpmn'), 'deploy');
  const res = await engine.zbc.deployResource({ process: Buffer.from(variant.xml), name: 'one-task.bpmn' });
  t.true(BigInt(res.key) >= FIRST_PARTITION_KEY);
  t.is(res.deployments.length, 1);
  const process = plain(res.deployments[0]!).process as Record<string, unknown>;
  t.is(process.bpmnProcessId, 'one-task-deploy');
  t.is(process.version, 1);
  t.is(process.resourceName, 'one-task.bpmn');
  t.is(process.tenantId, '<default>');
  t.true(BigInt(process.processDefinitionKey as string) >= FIRST_PARTITION_KEY);
});

test('DeployResource of broken XML is INVALID_ARGUMENT', async (t) => {
  const err = await t.throwsAsync(
    engine.zbc.deployResource({ process: Buffer.from('<bpmn:definitions'), name: 'broken.bpmn' }),
  );
  t.is((err as { code?: number }).code, 3);
});

test('a worker completes jobs with variables; CreateProcessInstanceWithResult returns the result', async (t) => {
  const { processId, types } = await deploy('one-task.bpmn', 'result');
  const worker = engine.zbc.createWorker({
    taskType: types[0]!,
    taskHandler: (job) =>
      job.complete({
        doubled: Number(job.variables.n) * 2,
        kind: String(job.customHeaders.kind),
        retriesSeen: job.retries,
      }),
  });
  t.teardown(() => closeWorker(worker));
  const result = await engine.zbc.createProcessInstanceWithResult({
    bpmnProcessId: processId,
    variables: { n: 21, note: '派遣' },
    requestTimeout: 10_000,
  });
  t.is(result.bpmnProcessId, processId);
  t.is(result.version, 1);
  t.true(BigInt(result.processInstanceKey) >= FIRST_PARTITION_KEY);
  t.deepEqual(plain(result.variables), { n: 21, note: '派遣', doubled: 42, kind: 'demo', retriesSeen: 3 });
});

test('CreateProcessInstanceWithResult with fetchVariables returns only those', async (t) => {
  const { processId, types } = await deploy('one-task.bpmn', 'fetch');
  const worker = engine.zbc.createWorker({
    taskType: types[0]!,
    taskHandler: (job) => job.complete({ b: 2 }),
  });
  t.teardown(() => closeWorker(worker));
  const result = await engine.zbc.createProcessInstanceWithResult({
    bpmnProcessId: processId,
    variables: { a: 1 },
    fetchVariables: ['b'],
    requestTimeout: 10_000,
  });
  t.deepEqual(plain(result.variables), { b: 2 });
});

test('CreateProcessInstance of an unknown process is NOT_FOUND', async (t) => {
  const err = await t.throwsAsync(
    engine.zbc.createProcessInstance({ bpmnProcessId: 'no-such-process', variables: {} }),
  );
  t.is((err as { code?: number }).code, 5);
});

test('ActivateJobs returns the job with its variables, headers and a deadline from the timeout', async (t) => {
  const { processId, types } = await deploy('one-task.bpmn', 'activate');
  const created = await engine.zbc.createProcessInstance({
    bpmnProcessId: processId,
    variables: { caseNo: 'RG-1' },
  });
  const before = Date.now();
  const job = await activateOne(types[0]!);
  t.is(job.type, types[0]!);
  t.is(job.processInstanceKey, created.processInstanceKey);
  t.is(plain(job).processDefinitionKey, created.processDefinitionKey);
  t.is(job.bpmnProcessId, processId);
  t.is(job.processDefinitionVersion, 1);
  t.is(job.elementId, 'work');
  t.is(job.worker, 'test');
  t.is(job.retries, 3);
  t.is(job.tenantId, '<default>');
  t.deepEqual(plain(job.variables), { caseNo: 'RG-1' });
  t.deepEqual(plain(job.customHeaders), { kind: 'demo' });
  const deadline = Number(job.deadline);
  t.true(deadline >= before + 29_000 && deadline <= Date.now() + 31_000, `deadline ${deadline}`);
  // Activated: nobody else gets it until the timeout.
  t.deepEqual(await activateNow(types[0]!), []);
  await engine.zbc.completeJob({ jobKey: job.key, variables: {} });
});

test('FailJob with retries left and a back-off makes the job activatable again after the back-off', async (t) => {
  const { processId, types } = await deploy('one-task.bpmn', 'backoff');
  await engine.zbc.createProcessInstance({ bpmnProcessId: processId, variables: {} });
  const first = await activateOne(types[0]!);
  t.is(first.retries, 3);
  const failedAt = Date.now(); // before the command, so the engine's back-off starts no earlier
  await engine.zbc.failJob({
    jobKey: first.key,
    retries: 2,
    errorMessage: 'sanitation platform down',
    retryBackOff: 1500,
  });
  t.deepEqual(await activateNow(types[0]!), [], 'not activatable during the back-off');
  const again = await activateOne(types[0]!, 10_000);
  t.is(again.key, first.key);
  t.is(again.retries, 2);
  t.true(Date.now() - failedAt >= 1490, `re-activated after ${Date.now() - failedAt} ms`);
  await engine.zbc.completeJob({ jobKey: again.key, variables: {} });
});

test('FailJob with no retries raises an incident; UpdateJobRetries and ResolveIncident make it work again', async (t) => {
  const inProcess = engine.engine;
  if (!inProcess) throw new Error('in-process engine expected');
  const { processId, types } = await deploy('one-task.bpmn', 'incident');
  const created = await engine.zbc.createProcessInstance({ bpmnProcessId: processId, variables: {} });
  const job = await activateOne(types[0]!);
  await engine.zbc.failJob({ jobKey: job.key, retries: 0, errorMessage: 'bad input', retryBackOff: 0 });
  t.deepEqual(await activateNow(types[0]!), [], 'a job without retries is not activatable');
  const events = await inProcess.readEvents('0', 10_000);
  const incident = events.find(
    (e) => e.intent === 'INCIDENT_CREATED' && e.processInstanceKey === created.processInstanceKey,
  );
  if (!incident) throw new Error('no INCIDENT_CREATED event for the instance');
  t.is(incident.payload.jobKey, job.key);
  t.is(incident.payload.errorMessage, 'bad input');
  const incidentKey = String(incident.payload.incidentKey);
  await engine.zbc.updateJobRetries({ jobKey: job.key, retries: 1 });
  await engine.zbc.resolveIncident({ incidentKey });
  const again = await activateOne(types[0]!);
  t.is(again.key, job.key);
  t.is(again.retries, 1);
  await engine.zbc.completeJob({ jobKey: again.key, variables: {} });
  const err = await t.throwsAsync(engine.zbc.resolveIncident({ incidentKey }));
  t.is((err as { code?: number }).code, 5, 'a resolved incident is gone');
});

test('ThrowError is caught by the error boundary event, with its variables', async (t) => {
  const { processId, types } = await deploy('error-boundary.bpmn', 'throw');
  const [checkType, notifyType] = types;
  await engine.zbc.createProcessInstance({ bpmnProcessId: processId, variables: { caseNo: 'RG-2' } });
  const check = await activateOne(checkType!);
  await engine.zbc.throwError({
    jobKey: check.key,
    errorCode: 'REJECTED',
    errorMessage: 'duplicate report',
    variables: { reason: 'duplicate' },
  });
  const notify = await activateOne(notifyType!);
  t.is(notify.elementId, 'notify');
  t.deepEqual(plain(notify.variables), { caseNo: 'RG-2', reason: 'duplicate' });
  const err = await t.throwsAsync(engine.zbc.completeJob({ jobKey: check.key, variables: {} }));
  t.is((err as { code?: number }).code, 5, 'the thrown job is gone');
});

test('PublishMessage correlates to a waiting instance and buffers for one that comes later', async (t) => {
  const { processId, types } = await deploy('message-catch.bpmn', 'msg');
  // Waiting first, then the message.
  const waiting = await engine.zbc.createProcessInstance({
    bpmnProcessId: processId,
    variables: { caseId: 'C-1' },
  });
  const published = await engine.zbc.publishMessage({
    name: 'approved',
    correlationKey: 'C-1',
    variables: { approvedBy: '值班长' },
    timeToLive: 0,
  });
  t.true(BigInt(published.key) >= FIRST_PARTITION_KEY);
  t.is(published.tenantId, '<default>');
  const first = await activateOne(types[0]!);
  t.is(first.processInstanceKey, waiting.processInstanceKey);
  t.deepEqual(plain(first.variables), { caseId: 'C-1', approvedBy: '值班长' });
  // Message first (buffered for a minute), then the instance.
  await engine.zbc.publishMessage({
    name: 'approved',
    correlationKey: 'C-2',
    variables: { early: true },
    timeToLive: 60_000,
  });
  const late = await engine.zbc.createProcessInstance({
    bpmnProcessId: processId,
    variables: { caseId: 'C-2' },
  });
  const second = await activateOne(types[0]!);
  t.is(second.processInstanceKey, late.processInstanceKey);
  t.deepEqual(plain(second.variables), { caseId: 'C-2', early: true });
});

test('PublishMessage with the id of a buffered message is ALREADY_EXISTS', async (t) => {
  const message = {
    name: 'approved',
    correlationKey: 'C-dup',
    messageId: 'msg-dup-1',
    timeToLive: 60_000,
    variables: {},
  };
  await engine.zbc.publishMessage(message);
  const err = await t.throwsAsync(engine.zbc.publishMessage(message));
  t.is((err as { code?: number }).code, 6);
});

test('SetVariables on the process instance changes what the next job sees', async (t) => {
  const { processId, types } = await deploy('message-catch.bpmn', 'setvars');
  const created = await engine.zbc.createProcessInstance({
    bpmnProcessId: processId,
    variables: { caseId: 'C-9', a: 1 },
  });
  await engine.zbc.setVariables({
    elementInstanceKey: created.processInstanceKey,
    variables: { a: 2, b: '城北街道' },
    local: false,
  });
  await engine.zbc.publishMessage({ name: 'approved', correlationKey: 'C-9', variables: {}, timeToLive: 0 });
  const job = await activateOne(types[0]!);
  t.deepEqual(plain(job.variables), { caseId: 'C-9', a: 2, b: '城北街道' });
  const err = await t.throwsAsync(
    engine.zbc.setVariables({ elementInstanceKey: '2251799813999999', variables: { a: 1 }, local: false }),
  );
  t.is((err as { code?: number }).code, 5);
});

test('CancelProcessInstance ends the instance and its job; a second cancel is NOT_FOUND', async (t) => {
  const { processId, types } = await deploy('one-task.bpmn', 'cancel');
  const created = await engine.zbc.createProcessInstance({ bpmnProcessId: processId, variables: {} });
  const job = await activateOne(types[0]!);
  await engine.zbc.cancelProcessInstance(created.processInstanceKey);
  const completeErr = await t.throwsAsync(engine.zbc.completeJob({ jobKey: job.key, variables: {} }));
  t.is((completeErr as { code?: number }).code, 5);
  const cancelErr = await t.throwsAsync(engine.zbc.cancelProcessInstance(created.processInstanceKey));
  t.is((cancelErr as { code?: number }).code, 5);
});

test('CompleteJob of an unknown job key is NOT_FOUND', async (t) => {
  const err = await t.throwsAsync(engine.zbc.completeJob({ jobKey: '2251799813999999', variables: {} }));
  t.is((err as { code?: number }).code, 5);
  t.regex((err as Error).message, /^5 NOT_FOUND: .*2251799813999999/);
});

test('StreamActivatedJobs pushes jobs created after the stream opened', async (t) => {
  const { processId, types } = await deploy('one-task.bpmn', 'stream');
  const seen: string[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const stream = await engine.zbc.streamJobs({
    type: types[0]!,
    worker: 'stream-worker',
    timeout: 30_000,
    tenantIds: ['<default>'],
    taskHandler: async (job) => {
      seen.push(String(job.variables.n));
      const ack = await job.complete({ streamed: true });
      if (seen.length === 2) done();
      return ack;
    },
  });
  t.teardown(() => stream.close());
  const results = await Promise.all(
    [1, 2].map((n) =>
      engine.zbc.createProcessInstanceWithResult({
        bpmnProcessId: processId,
        variables: { n },
        requestTimeout: 10_000,
      }),
    ),
  );
  await finished;
  t.deepEqual(seen.sort(), ['1', '2']);
  t.deepEqual(
    results.map((r) => plain(r.variables)),
    [
      { n: 1, streamed: true },
      { n: 2, streamed: true },
    ],
  );
});

test('UpdateJobTimeout shortens the lock: the job is activatable again soon after', async (t) => {
  const { processId, types } = await deploy('one-task.bpmn', 'jobtimeout');
  await engine.zbc.createProcessInstance({ bpmnProcessId: processId, variables: {} });
  const job = await activateOne(types[0]!);
  t.deepEqual(await activateNow(types[0]!), []);
  await engine.zbc.updateJobTimeout({ jobKey: job.key, timeout: 200 });
  const again = await activateOne(types[0]!, 10_000);
  t.is(again.key, job.key);
  t.is(again.retries, 3, 'a timed-out job keeps its retries');
  const err = await t.throwsAsync(engine.zbc.updateJobTimeout({ jobKey: '2251799813999999', timeout: 1000 }));
  t.is((err as { code?: number }).code, 5);
});

test('BroadcastSignal continues instances waiting for the signal, with its variables', async (t) => {
  const { processId, types } = await deploy('signal-catch.bpmn', 'signal');
  const created = await engine.zbc.createProcessInstance({
    bpmnProcessId: processId,
    variables: { caseNo: 'RG-7' },
  });
  t.deepEqual(await activateNow(types[0]!), []);
  const signal = await engine.zbc.broadcastSignal({
    signalName: 'case-closed',
    variables: { closedBy: '监督员' },
  });
  t.true(BigInt(signal.key) >= FIRST_PARTITION_KEY);
  const job = await activateOne(types[0]!);
  t.is(job.processInstanceKey, created.processInstanceKey);
  t.deepEqual(plain(job.variables), { caseNo: 'RG-7', closedBy: '监督员' });
});

test('ModifyProcessInstance terminates the waiting element and activates another, with variables', async (t) => {
  const inProcess = engine.engine;
  if (!inProcess) throw new Error('in-process engine expected');
  const { processId, types } = await deploy('message-catch.bpmn', 'modify');
  const created = await engine.zbc.createProcessInstance({
    bpmnProcessId: processId,
    variables: { caseId: 'C-m' },
  });
  const waiting = (await inProcess.readEvents('0', 100_000)).find(
    (e) =>
      e.intent === 'ELEMENT_ACTIVATED' &&
      e.processInstanceKey === created.processInstanceKey &&
      e.elementId === 'wait-approval',
  );
  if (!waiting) throw new Error('the message catch event was not activated');
  await engine.zbc.modifyProcessInstance({
    processInstanceKey: created.processInstanceKey,
    activateInstructions: [
      {
        elementId: 'after-message',
        ancestorElementInstanceKey: '-1',
        variableInstructions: [{ variables: { skipped: true }, scopeId: '' }],
      },
    ],
    terminateInstructions: [{ elementInstanceKey: waiting.key }],
  });
  const job = await activateOne(types[0]!);
  t.is(job.processInstanceKey, created.processInstanceKey);
  t.deepEqual(plain(job.variables), { caseId: 'C-m', skipped: true });
  const err = await t.throwsAsync(
    engine.zbc.modifyProcessInstance({ processInstanceKey: '2251799813999999', terminateInstructions: [] }),
  );
  t.is((err as { code?: number }).code, 5);
});

test('DeleteResource removes the process definition: new instances are NOT_FOUND', async (t) => {
  const variant = bpmnVariant(fixture('one-task.bpmn'), 'delete');
  const res = await engine.zbc.deployResource({ process: Buffer.from(variant.xml), name: 'delete.bpmn' });
  const { processDefinitionKey } = plain(res.deployments[0]!).process as { processDefinitionKey: string };
  await engine.zbc.deleteResource({ resourceKey: processDefinitionKey });
  const create = await t.throwsAsync(
    engine.zbc.createProcessInstance({ bpmnProcessId: variant.processIds[0]!, variables: {} }),
  );
  t.is((create as { code?: number }).code, 5);
  const again = await t.throwsAsync(engine.zbc.deleteResource({ resourceKey: processDefinitionKey }));
  t.is((again as { code?: number }).code, 5);
});
