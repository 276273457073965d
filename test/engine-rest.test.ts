/**
 * The embedded engine's REST API (a subset of Camunda 8.8's v2 API) over real HTTP, with the state made
 * through the real Zeebe client over gRPC: searches with filters, sorting and paging, one instance's
 * path, incidents and their resolution, and the refusals (problem+json naming the property). The SDK's
 * own CamundaRestClient reads it too, as the hub would read a Camunda 8 cluster.
 */
import test from 'ava';
import { Camunda8 } from '@camunda8/sdk';
import { startTestEngine, type TestEngine } from './helpers/engine.ts';
import { bpmn, chain, end, serviceTask, start } from './engine/support.ts';

let te: TestEngine;
test.before(async () => {
  te = await startTestEngine();
});
test.after.always(async () => {
  await te?.close();
});

interface Reply {
  status: number;
  type: string;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary fields
}

async function rest(method: string, path: string, body?: unknown, raw?: string): Promise<Reply> {
  const res = await fetch(te.managementUrl + path, {
    method,
    headers: body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {},
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, type, body: /json/.test(type) ? JSON.parse(text) : text };
}

const oneTask = (id: string, type: string, name = '') =>
  bpmn(id, start() + serviceTask('task', type) + end() + chain('start', 'task', 'end')).replace(
    `<bpmn:process id="${id}"`,
    `<bpmn:process id="${id}"${name ? ` name="${name}"` : ''}`,
  );

async function deploy(xml: string, name: string) {
  const res = await te.zbc.deployResource({ process: Buffer.from(xml), name });
  return res.deployments[0]!.process;
}

const startInstance = async (processId: string, variables = {}) =>
  (await te.zbc.createProcessInstance({ bpmnProcessId: processId, variables })).processInstanceKey;

const activate = (type: string, max = 10) =>
  te.zbc.activateJobs({
    type,
    worker: 'rest-test',
    maxJobsToActivate: max,
    timeout: 60_000,
    requestTimeout: -1,
  });

test('process definitions: search by id with versions sorted, one definition, its XML; unknown key 404', async (t) => {
  const v1xml = oneTask('rest-defs', 'rest-defs-job', '定义 &amp; one');
  const v1 = await deploy(v1xml, 'rest-defs.bpmn');
  const v2xml = oneTask('rest-defs', 'rest-defs-job2', '定义 two');
  const v2 = await deploy(v2xml, 'rest-defs.bpmn');
  t.is(v2.version, 2);

  const found = await rest('POST', '/v2/process-definitions/search', {
    filter: { processDefinitionId: 'rest-defs' },
    sort: [{ field: 'version', order: 'DESC' }],
  });
  t.is(found.status, 200);
  t.deepEqual(found.body.items, [
    {
      processDefinitionKey: String(v2.processDefinitionKey),
      processDefinitionId: 'rest-defs',
      name: '定义 two',
      version: 2,
      resourceName: 'rest-defs.bpmn',
      tenantId: '<default>',
    },
    {
      processDefinitionKey: String(v1.processDefinitionKey),
      processDefinitionId: 'rest-defs',
      name: '定义 & one',
      version: 1,
      resourceName: 'rest-defs.bpmn',
      tenantId: '<default>',
    },
  ]);
  t.is(found.body.page.totalItems, 2);

  const one = await rest('GET', `/v2/process-definitions/${v1.processDefinitionKey}`);
  t.is(one.status, 200);
  t.is(one.body.version, 1);
  const xml = await rest('GET', `/v2/process-definitions/${v1.processDefinitionKey}/xml`);
  t.is(xml.status, 200);
  t.regex(xml.type, /^text\/xml/);
  t.is(xml.body, v1xml);

  const missing = await rest('GET', '/v2/process-definitions/2251799813999999/xml');
  t.is(missing.status, 404);
  t.regex(missing.type, /^application\/problem\+json/);
  t.is(missing.body.title, 'NOT_FOUND');
  t.is(missing.body.detail, "Process definition with key '2251799813999999' not found");
  t.is(missing.body.instance, '/v2/process-definitions/2251799813999999/xml');
});

test('process instances: state filters, sorting, offset and cursor pages, dates, get by key', async (t) => {
  const def = await deploy(oneTask('rest-pi', 'rest-pi-job', 'Instances'), 'rest-pi.bpmn');
  const before = new Date(Date.now() - 1000).toISOString();
  const keys: string[] = [];
  for (let i = 0; i < 5; i++) keys.push(await startInstance('rest-pi', { i }));
  // complete the jobs of instances 0 and 1, cancel instance 2
  const jobs = await activate('rest-pi-job');
  t.is(jobs.length, 5);
  for (const job of jobs.filter((j) => [keys[0], keys[1]].includes(j.processInstanceKey)))
    await te.zbc.completeJob({ jobKey: job.key, variables: {} });
  await te.zbc.cancelProcessInstance(keys[2]!);

  const byState = async (state: string) =>
    (
      await rest('POST', '/v2/process-instances/search', {
        filter: { processDefinitionId: 'rest-pi', state },
      })
    ).body.items.map((i: { processInstanceKey: string }) => i.processInstanceKey);
  t.deepEqual(await byState('COMPLETED'), [keys[0], keys[1]]);
  t.deepEqual(await byState('TERMINATED'), [keys[2]]);
  t.deepEqual(await byState('ACTIVE'), [keys[3], keys[4]]);

  const completed = await rest('GET', `/v2/process-instances/${keys[0]}`);
  t.is(completed.status, 200);
  const { startDate, endDate, ...rest0 } = completed.body;
  t.deepEqual(rest0, {
    processInstanceKey: keys[0],
    processDefinitionKey: String(def.processDefinitionKey),
    processDefinitionId: 'rest-pi',
    processDefinitionName: 'Instances',
    processDefinitionVersion: 1,
    state: 'COMPLETED',
    hasIncident: false,
    tenantId: '<default>',
  });
  t.true(Date.parse(startDate) <= Date.parse(endDate));
  t.true(startDate >= before);
  const active = await rest('GET', `/v2/process-instances/${keys[3]}`);
  t.is(active.body.state, 'ACTIVE');
  t.false('endDate' in active.body);

  // sorted newest first, two per page: offset pages and cursor pages agree
  const query = {
    filter: { processDefinitionId: 'rest-pi' },
    sort: [{ field: 'processInstanceKey', order: 'DESC' }],
  };
  const p1 = await rest('POST', '/v2/process-instances/search', { ...query, page: { from: 0, limit: 2 } });
  t.deepEqual(
    p1.body.items.map((i: { processInstanceKey: string }) => i.processInstanceKey),
    [keys[4], keys[3]],
  );
  t.is(p1.body.page.totalItems, 5);
  t.false(p1.body.page.hasMoreTotalItems);
  const p2 = await rest('POST', '/v2/process-instances/search', {
    ...query,
    page: { after: p1.body.page.endCursor, limit: 2 },
  });
  t.deepEqual(
    p2.body.items.map((i: { processInstanceKey: string }) => i.processInstanceKey),
    [keys[2], keys[1]],
  );
  const p3 = await rest('POST', '/v2/process-instances/search', {
    ...query,
    page: { after: p2.body.page.endCursor, limit: 2 },
  });
  t.deepEqual(
    p3.body.items.map((i: { processInstanceKey: string }) => i.processInstanceKey),
    [keys[0]],
  );
  const back = await rest('POST', '/v2/process-instances/search', {
    ...query,
    page: { before: p2.body.page.startCursor, limit: 2 },
  });
  t.deepEqual(
    back.body.items.map((i: { processInstanceKey: string }) => i.processInstanceKey),
    [keys[4], keys[3]],
  );

  // advanced filters: $in on keys, $gte on the start date, $exists on the end date
  const advanced = await rest('POST', '/v2/process-instances/search', {
    filter: {
      processInstanceKey: { $in: [keys[1], keys[3]] },
      startDate: { $gte: before },
      endDate: { $exists: true },
    },
  });
  t.deepEqual(
    advanced.body.items.map((i: { processInstanceKey: string }) => i.processInstanceKey),
    [keys[1]],
  );
  const future = await rest('POST', '/v2/process-instances/search', {
    filter: {
      processDefinitionId: 'rest-pi',
      startDate: { $gt: new Date(Date.now() + 3_600_000).toISOString() },
    },
  });
  t.is(future.body.page.totalItems, 0);
  t.deepEqual(future.body.items, []);
  t.false('endCursor' in future.body.page, 'an empty page has no cursors');

  const missing = await rest('GET', '/v2/process-instances/2251799813999999');
  t.is(missing.status, 404);
  t.is(missing.body.detail, "Process instance with key '2251799813999999' not found");
});

test('element instances: the path an instance took, its current step, and refusals', async (t) => {
  await deploy(
    bpmn(
      'rest-path',
      start() +
        serviceTask('first', 'rest-path-1') +
        serviceTask('second', 'rest-path-2') +
        end() +
        chain('start', 'first', 'second', 'end'),
    ),
    'rest-path.bpmn',
  );
  const pik = await startInstance('rest-path');
  const [job] = await activate('rest-path-1');
  await te.zbc.completeJob({ jobKey: job!.key, variables: {} });

  const path = await rest('POST', '/v2/element-instances/search', {
    filter: { processInstanceKey: pik },
    sort: [{ field: 'startDate' }],
  });
  t.is(path.status, 200);
  const rows = path.body.items.map((i: Record<string, unknown>) => [
    i.elementId,
    i.type,
    i.state,
    'endDate' in i,
  ]);
  t.deepEqual(rows, [
    ['rest-path', 'PROCESS', 'ACTIVE', false],
    ['start', 'START_EVENT', 'COMPLETED', true],
    ['first', 'SERVICE_TASK', 'COMPLETED', true],
    ['second', 'SERVICE_TASK', 'ACTIVE', false],
  ]);
  for (const item of path.body.items) {
    t.is(item.processInstanceKey, pik);
    t.is(item.processDefinitionId, 'rest-path');
    t.false(item.hasIncident);
  }

  const current = await rest('POST', '/v2/element-instances/search', {
    filter: { processInstanceKey: pik, state: 'ACTIVE', type: { $neq: 'PROCESS' } },
  });
  t.deepEqual(
    current.body.items.map((i: { elementId: string }) => i.elementId),
    ['second'],
  );

  const unscoped = await rest('POST', '/v2/element-instances/search', { filter: { state: 'ACTIVE' } });
  t.is(unscoped.status, 400);
  t.regex(unscoped.body.detail, /filter\.processInstanceKey is required/);
  const badType = await rest('POST', '/v2/element-instances/search', {
    filter: { processInstanceKey: pik, type: 'NOT_A_TYPE' },
  });
  t.is(badType.status, 400);
  t.regex(badType.body.detail, /^filter\.type must be one of UNSPECIFIED, PROCESS/);
});

test('incidents: a job out of retries shows with its message; new retries and a resolution finish the instance', async (t) => {
  await deploy(oneTask('rest-inc', 'rest-inc-job'), 'rest-inc.bpmn');
  const pik = await startInstance('rest-inc');
  const [job] = await activate('rest-inc-job');
  await te.zbc.failJob({ jobKey: job!.key, retries: 0, errorMessage: '下游系统 503', retryBackOff: 0 });

  const listed = await rest('POST', '/v2/incidents/search', {
    filter: { processInstanceKey: pik, state: 'ACTIVE' },
  });
  t.is(listed.status, 200);
  t.is(listed.body.items.length, 1);
  const incident = listed.body.items[0];
  const { creationTime, incidentKey, elementInstanceKey, processDefinitionKey: _def, ...fields } = incident;
  t.deepEqual(fields, {
    processDefinitionId: 'rest-inc',
    processInstanceKey: pik,
    errorType: 'JOB_NO_RETRIES',
    errorMessage: '下游系统 503',
    elementId: 'task',
    state: 'ACTIVE',
    jobKey: job!.key,
    tenantId: '<default>',
  });
  t.regex(incidentKey, /^\d+$/);
  const liked = await rest('POST', '/v2/incidents/search', {
    filter: { errorMessage: { $like: '下游*50?' }, processDefinitionId: 'rest-inc' },
  });
  t.deepEqual(
    liked.body.items.map((i: { incidentKey: string }) => i.incidentKey),
    [incidentKey],
  );
  t.false(Number.isNaN(Date.parse(creationTime)));

  const task = await rest('POST', '/v2/element-instances/search', {
    filter: { processInstanceKey: pik, elementId: 'task' },
  });
  t.is(task.body.items[0].elementInstanceKey, elementInstanceKey);
  t.true(task.body.items[0].hasIncident);
  t.is(task.body.items[0].incidentKey, incidentKey);
  t.true((await rest('GET', `/v2/process-instances/${pik}`)).body.hasIncident);
  const withIncident = await rest('POST', '/v2/process-instances/search', {
    filter: { processDefinitionId: 'rest-inc', hasIncident: true },
  });
  t.deepEqual(
    withIncident.body.items.map((i: { processInstanceKey: string }) => i.processInstanceKey),
    [pik],
  );
  t.is(
    (await rest('POST', '/v2/jobs/search', { filter: { processInstanceKey: pik } })).body.items[0].state,
    'FAILED',
  );

  // what an operator does: give the job retries (gRPC), then resolve the incident (REST)
  await te.zbc.updateJobRetries({ jobKey: job!.key, retries: 1 });
  const resolved = await rest('POST', `/v2/incidents/${incidentKey}/resolution`, {});
  t.is(resolved.status, 204);
  t.is((await rest('GET', `/v2/incidents/${incidentKey}`)).body.state, 'RESOLVED');
  t.false((await rest('GET', `/v2/process-instances/${pik}`)).body.hasIncident);
  const jobs = await rest('POST', '/v2/jobs/search', {
    filter: { type: 'rest-inc-job', state: 'CREATED' },
  });
  t.deepEqual(
    jobs.body.items.map((j: { jobKey: string; retries: number }) => [j.jobKey, j.retries]),
    [[job!.key, 1]],
  );
  const [again] = await activate('rest-inc-job');
  await te.zbc.completeJob({ jobKey: again!.key, variables: {} });
  t.is((await rest('GET', `/v2/process-instances/${pik}`)).body.state, 'COMPLETED');

  const twice = await rest('POST', `/v2/incidents/${incidentKey}/resolution`);
  t.is(twice.status, 404);
  t.is(twice.body.title, 'NOT_FOUND');
  t.regex(twice.body.detail, new RegExp(`incident with key '${incidentKey}'`));
});

test('bad requests get problem+json naming the property, and the engine keeps answering', async (t) => {
  const cases: [string, string, unknown, string | undefined, number, RegExp][] = [
    [
      'POST',
      '/v2/process-instances/search',
      { filter: { colour: 'red' } },
      undefined,
      400,
      /^filter\.colour is not a filter/,
    ],
    [
      'POST',
      '/v2/process-instances/search',
      { filter: { processInstanceKey: 'abc' } },
      undefined,
      400,
      /^filter\.processInstanceKey must be a key/,
    ],
    [
      'POST',
      '/v2/process-instances/search',
      { filter: { state: 'RUNNING' } },
      undefined,
      400,
      /^filter\.state must be one of ACTIVE, COMPLETED, TERMINATED/,
    ],
    [
      'POST',
      '/v2/process-instances/search',
      { filter: { startDate: 'yesterday' } },
      undefined,
      400,
      /^filter\.startDate must be an ISO 8601 date-time/,
    ],
    [
      'POST',
      '/v2/process-instances/search',
      { filter: { processDefinitionId: { $regex: 'x' } } },
      undefined,
      400,
      /^filter\.processDefinitionId\.\$regex is not a known filter operator/,
    ],
    [
      'POST',
      '/v2/process-instances/search',
      { sort: [{ field: 'colour' }] },
      undefined,
      400,
      /^sort\[0\]\.field 'colour' is not sortable/,
    ],
    [
      'POST',
      '/v2/process-instances/search',
      { sort: [{ field: 'startDate', order: 'UP' }] },
      undefined,
      400,
      /^sort\[0\]\.order must be ASC or DESC/,
    ],
    [
      'POST',
      '/v2/process-instances/search',
      { page: { from: 0, after: 'x' } },
      undefined,
      400,
      /^page takes one of from, after and before/,
    ],
    [
      'POST',
      '/v2/process-instances/search',
      { page: { limit: 0 } },
      undefined,
      400,
      /^page\.limit must be an integer from 1 to 10000/,
    ],
    [
      'POST',
      '/v2/process-instances/search',
      { page: { after: 'not-a-cursor' } },
      undefined,
      400,
      /^page\.after is not a cursor this engine issued/,
    ],
    [
      'POST',
      '/v2/process-instances/search',
      undefined,
      '{"filter": ',
      400,
      /^The request body is not valid JSON/,
    ],
    [
      'POST',
      '/v2/process-instances/search',
      { query: {} },
      undefined,
      400,
      /^query is not a known property of a search/,
    ],
    ['GET', '/v2/process-instances/12x', undefined, undefined, 400, /^processInstanceKey must be a key/],
    ['GET', '/v2/process-instances/search', undefined, undefined, 400, /^processInstanceKey must be a key/],
    [
      'DELETE',
      '/v2/incidents/search',
      undefined,
      undefined,
      405,
      /^DELETE is not allowed on \/v2\/incidents\/search/,
    ],
    [
      'POST',
      '/v2/batch-operations/search',
      {},
      undefined,
      404,
      /^No endpoint \/v2\/batch-operations\/search/,
    ],
    ['POST', '/v2/incidents/1/resolution', {}, undefined, 404, /no such incident was found/],
  ];
  for (const [method, path, body, raw, status, detail] of cases) {
    const reply = await rest(method, path, body, raw);
    t.is(reply.status, status, `${method} ${path} ${raw ?? JSON.stringify(body)}`);
    t.regex(reply.type, /^application\/problem\+json/);
    t.is(reply.body.status, status);
    t.regex(reply.body.detail, detail);
  }
  const huge = await rest(
    'POST',
    '/v2/jobs/search',
    undefined,
    JSON.stringify({ filter: { type: 'x'.repeat(70_000) } }),
  );
  t.is(huge.status, 413);
  t.is((await rest('POST', '/v2/process-definitions/search', {})).status, 200);
  t.is((await rest('GET', '/actuator/health')).status, 200);
});

test("@camunda8/sdk's CamundaRestClient reads the same answers", async (t) => {
  const def = await deploy(oneTask('rest-sdk', 'rest-sdk-job'), 'rest-sdk.bpmn');
  const pik = await startInstance('rest-sdk');
  const client = new Camunda8({
    ZEEBE_REST_ADDRESS: te.managementUrl,
    CAMUNDA_AUTH_STRATEGY: 'NONE',
    CAMUNDA_LOG_LEVEL: 'error',
  } as never).getCamundaRestClient();
  const found = await client.searchProcessInstances({ filter: { processDefinitionId: 'rest-sdk' } });
  t.deepEqual(
    found.items.map((i) => [i.processInstanceKey, i.state]),
    [[pik, 'ACTIVE']],
  );
  t.is(
    await client.getProcessDefinitionXML(String(def.processDefinitionKey)),
    oneTask('rest-sdk', 'rest-sdk-job'),
  );
  const elements = await client.searchElementInstances({
    filter: { processInstanceKey: pik, state: 'ACTIVE' },
  });
  t.deepEqual(elements.items.map((e) => e.elementId).sort(), ['rest-sdk', 'task']);
  const incidents = await client.searchIncidents({ filter: { processInstanceKey: pik } });
  t.is(incidents.page.totalItems, 0);
});

test('an oversized body is refused with 413 without breaking requests sharing its keep-alive connection', async (t) => {
  // fetch (undici) reuses idle keep-alive connections; an answer that leaves the rest of a large body
  // unread on a connection that stays open breaks the next request sent on it ("fetch failed").
  const huge = JSON.stringify({ filter: { type: 'x'.repeat(1024 * 1024) } });
  for (let round = 0; round < 5; round++) {
    const replies = await Promise.all([
      rest('POST', '/v2/jobs/search', undefined, huge),
      ...Array.from({ length: 4 }, () => rest('POST', '/v2/process-definitions/search', {})),
      rest('POST', '/v2/jobs/search', undefined, huge),
      ...Array.from({ length: 4 }, () => rest('GET', '/v2/topology')),
    ]);
    t.deepEqual(
      replies.map((r) => r.status),
      [413, 200, 200, 200, 200, 413, 200, 200, 200, 200],
    );
    t.is(replies[0]!.body.detail, 'The request body exceeds 65536 bytes');
  }
});

test('process instances: a cancellation answers 204 and ends the instance; an unknown or ended one 404', async (t) => {
  await deploy(oneTask('rest-cancel', 'rest-cancel-job'), 'rest-cancel.bpmn');
  const pik = await startInstance('rest-cancel');

  const cancelled = await rest('POST', `/v2/process-instances/${pik}/cancellation`, {});
  t.is(cancelled.status, 204);
  t.is((await rest('GET', `/v2/process-instances/${pik}`)).body.state, 'TERMINATED');
  t.deepEqual(await activate('rest-cancel-job'), []);

  const again = await rest('POST', `/v2/process-instances/${pik}/cancellation`);
  t.is(again.status, 404);
  t.is(again.type, 'application/problem+json; charset=utf-8');
  t.is(again.body.title, 'NOT_FOUND');

  const unknown = await rest('POST', '/v2/process-instances/2251799813999999/cancellation');
  t.is(unknown.status, 404);
  t.is((await rest('GET', `/v2/process-instances/${pik}/cancellation`)).status, 405);
});
