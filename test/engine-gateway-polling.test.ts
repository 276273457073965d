/**
 * ActivateJobs long polling and request validation of the embedded engine's gateway, over gRPC: the
 * real client for what it sends, a bare gRPC client for what it never would (malformed requests,
 * cancelled calls).
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import type { ServiceError } from '@grpc/grpc-js';
import {
  bpmnVariant,
  rawGatewayClient,
  rawUnary,
  startTestEngine,
  type RawGatewayClient,
  type TestEngine,
} from './helpers/engine.ts';

let engine: TestEngine;
let raw: RawGatewayClient;

test.before(async () => {
  engine = await startTestEngine();
  raw = rawGatewayClient(engine.address);
});
test.after.always(async () => {
  raw?.close();
  await engine?.close();
});

const oneTask = readFileSync(new URL('./fixtures/engine/one-task.bpmn', import.meta.url), 'utf8');

async function deploy(suffix: string) {
  const variant = bpmnVariant(oneTask, suffix);
  await engine.zbc.deployResource({ process: Buffer.from(variant.xml), name: `${suffix}.bpmn` });
  return { processId: variant.processIds[0]!, type: variant.jobTypes[0]! };
}

const activate = (type: string, requestTimeout: number, maxJobsToActivate = 1) =>
  engine.zbc.activateJobs({ type, worker: 'poller', maxJobsToActivate, timeout: 30_000, requestTimeout });

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a waiting ActivateJobs call returns a job created 1 s later', async (t) => {
  const { processId, type } = await deploy('late');
  const started = Date.now();
  const waiting = activate(type, 10_000);
  await delay(1000);
  const created = await engine.zbc.createProcessInstance({
    bpmnProcessId: processId,
    variables: { late: true },
  });
  const jobs = await waiting;
  const elapsed = Date.now() - started;
  t.is(jobs.length, 1);
  t.is(jobs[0]!.processInstanceKey, created.processInstanceKey);
  t.true(elapsed >= 950 && elapsed < 5000, `answered after ${elapsed} ms`);
});

test('with no job, ActivateJobs completes empty when its requestTimeout elapses', async (t) => {
  const started = Date.now();
  const jobs = await activate('nobody-creates-these', 1200);
  const elapsed = Date.now() - started;
  t.deepEqual(jobs, []);
  t.true(elapsed >= 1150 && elapsed < 4000, `answered after ${elapsed} ms`);
});

test('a negative requestTimeout answers at once instead of waiting the default 10 s', async (t) => {
  const started = Date.now();
  t.deepEqual(await activate('nobody-creates-these-either', -1), []);
  t.true(Date.now() - started < 5000, `answered after ${Date.now() - started} ms`);
});

test('waiting calls of one type are served first come, first served', async (t) => {
  const { processId, type } = await deploy('fair');
  const first = activate(type, 10_000);
  await delay(200);
  const second = activate(type, 10_000);
  await delay(200);
  const a = await engine.zbc.createProcessInstance({ bpmnProcessId: processId, variables: { n: 1 } });
  const firstJobs = await first;
  t.is(firstJobs.length, 1);
  t.is(firstJobs[0]!.processInstanceKey, a.processInstanceKey);
  const b = await engine.zbc.createProcessInstance({ bpmnProcessId: processId, variables: { n: 2 } });
  const secondJobs = await second;
  t.is(secondJobs.length, 1);
  t.is(secondJobs[0]!.processInstanceKey, b.processInstanceKey);
});

test('a cancelled waiting call gives up its place: the job goes to the next caller', async (t) => {
  const { processId, type } = await deploy('cancelled');
  const call = raw.ActivateJobs!({
    type,
    worker: 'gone',
    timeout: 30_000,
    maxJobsToActivate: 1,
    requestTimeout: 10_000,
  }) as import('@grpc/grpc-js').ClientReadableStream<unknown>;
  const received: unknown[] = [];
  call.on('data', (d) => received.push(d));
  call.on('error', () => {}); // the cancel surfaces as CANCELLED
  await delay(300);
  call.cancel();
  await delay(300);
  const next = activate(type, 10_000);
  await delay(200);
  const created = await engine.zbc.createProcessInstance({ bpmnProcessId: processId, variables: {} });
  const jobs = await next;
  t.is(jobs.length, 1);
  t.is(jobs[0]!.processInstanceKey, created.processInstanceKey);
  t.deepEqual(received, []);
});

/** Runs an ActivateJobs request on the bare client and returns the gRPC error it ends with. */
function activateError(request: object): Promise<ServiceError> {
  return new Promise((resolve, reject) => {
    const call = raw.ActivateJobs!(request) as import('@grpc/grpc-js').ClientReadableStream<unknown>;
    call.on('data', () => {});
    call.on('error', (err: ServiceError) => resolve(err));
    call.on('end', () => reject(new Error('ActivateJobs ended without an error')));
  });
}

const valid = { type: 'x', worker: 'w', timeout: 1000, maxJobsToActivate: 1, requestTimeout: -1 };

test('ActivateJobs validation: blank type, blank worker, timeout < 1, maxJobsToActivate < 1, foreign tenant', async (t) => {
  const cases: [object, RegExp][] = [
    [{ ...valid, type: '' }, /'type' was blank/],
    [{ ...valid, worker: ' ' }, /'worker' was blank/],
    [{ ...valid, timeout: 0 }, /timeout of at least 1 ms, but it was '0'/],
    [{ ...valid, maxJobsToActivate: 0 }, /max jobs to activate to be greater than zero, but it was '0'/],
    [{ ...valid, tenantIds: ['tenant-a'] }, /tenant identifier 'tenant-a', but multi-tenancy is disabled/],
  ];
  for (const [request, message] of cases) {
    const err = await activateError(request);
    t.is(err.code, 3, JSON.stringify(request));
    t.regex(err.details, message);
  }
});

test('variables that are not a JSON object are INVALID_ARGUMENT, naming the problem', async (t) => {
  const { processId } = await deploy('badjson');
  const broken = await t.throwsAsync<ServiceError>(
    rawUnary(raw, 'CreateProcessInstance', { bpmnProcessId: processId, version: -1, variables: '{"a": ' }),
  );
  t.is(broken.code, 3);
  t.regex(broken.details, /Property 'variables' is invalid: Expected document to be valid JSON/);
  const array = await t.throwsAsync<ServiceError>(
    rawUnary(raw, 'PublishMessage', { name: 'm', correlationKey: 'k', variables: '[1, 2]' }),
  );
  t.is(array.code, 3);
  t.is(
    array.details,
    "Property 'variables' is invalid: Expected document to be a root level object, but was 'ARRAY'",
  );
  const scalar = await t.throwsAsync<ServiceError>(
    rawUnary(raw, 'CompleteJob', { jobKey: '2251799813685249', variables: '"text"' }),
  );
  t.is(scalar.code, 3);
  t.regex(scalar.details, /but was 'STRING'/);
});

test('other request checks: no resources, retries < 1, blank error code, foreign tenant', async (t) => {
  const noResources = await t.throwsAsync<ServiceError>(rawUnary(raw, 'DeployResource', { resources: [] }));
  t.is(noResources.code, 3);
  t.is(noResources.details, 'Expected to deploy at least one resource, but none given');
  const retries = await t.throwsAsync<ServiceError>(
    rawUnary(raw, 'UpdateJobRetries', { jobKey: '2251799813685249', retries: 0 }),
  );
  t.is(retries.code, 3);
  t.regex(retries.details, /retries to be greater than zero, but it was '0'/);
  const errorCode = await t.throwsAsync<ServiceError>(
    rawUnary(raw, 'ThrowError', { jobKey: '2251799813685249', errorCode: '' }),
  );
  t.is(errorCode.code, 3);
  const tenant = await t.throwsAsync<ServiceError>(
    rawUnary(raw, 'CreateProcessInstance', { bpmnProcessId: 'p', version: -1, tenantId: 'tenant-a' }),
  );
  t.is(tenant.code, 3);
  t.regex(tenant.details, /CreateProcessInstance with tenant identifier 'tenant-a'/);
});

test('the deprecated DeployProcess deploys like DeployResource', async (t) => {
  const variant = bpmnVariant(oneTask, 'legacy');
  const res = await rawUnary(raw, 'DeployProcess', {
    processes: [{ name: 'legacy.bpmn', definition: Buffer.from(variant.xml) }],
  });
  const processes = res.processes as Record<string, unknown>[];
  t.is(processes.length, 1);
  t.like(processes[0]!, { bpmnProcessId: variant.processIds[0], version: 1, resourceName: 'legacy.bpmn' });
  t.regex(String(res.key), /^\d+$/);
  const created = await engine.zbc.createProcessInstance({
    bpmnProcessId: variant.processIds[0]!,
    variables: {},
  });
  t.is(created.processDefinitionKey, String(processes[0]!.processDefinitionKey));
});
