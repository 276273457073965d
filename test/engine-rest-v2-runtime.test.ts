/**
 * The engine's v2 API for what runs: variables (search, get, set on a scope) and element instances (get,
 * names from the model), with Camunda's REST-only client validating the answers against Camunda's
 * schema; refusals as problem+json (400 naming the property, 404 for an unknown key).
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

/** Reads are consistent with the last command here: no waiting for Camunda's eventual consistency. */
const NOW = { consistency: { waitUpToMs: 0 } };

const file = (xml: string, name: string) => new File([xml], name, { type: 'application/xml' });

/** start → 核查 (a sub-process around one service task, 核查案件) → end. */
const inspection = (id: string, type: string) =>
  bpmn(
    id,
    start() +
      `<bpmn:subProcess id="sub" name="核查">` +
      start('subStart') +
      serviceTask('task', type, { attrs: ' name="核查案件"' }) +
      end('subEnd') +
      chain('subStart', 'task', 'subEnd') +
      `</bpmn:subProcess>` +
      end() +
      chain('start', 'sub', 'end'),
  );

async function startInspection(id: string, type: string, variables: Record<string, unknown>) {
  await v2.camunda.createDeployment({ resources: [file(inspection(id, type), `${id}.bpmn`)] });
  const pi = await v2.camunda.createProcessInstance({ processDefinitionId: id as never, variables });
  const { jobs } = await v2.camunda.activateJobs({
    type,
    timeout: 60_000,
    maxJobsToActivate: 1,
    requestTimeout: 5_000,
  });
  return { pik: String(pi.processInstanceKey), job: jobs[0]! };
}

const variablesOf = async (filter: Record<string, unknown>) =>
  (await v2.camunda.searchVariables({ filter: filter as never, sort: [{ field: 'name' }] }, NOW)).items;

test('variables: search (truncated long values), get by key, set in a scope and propagated', async (t) => {
  const note = '现场照片说明'.repeat(2000); // 12,000 characters
  const { pik, job } = await startInspection('v2_vars', 'v2-vars', { caseNo: 'NT-2026-0042', note });

  const root = await variablesOf({ processInstanceKey: pik });
  t.deepEqual(
    root.map((v) => [v.name, v.scopeKey, v.processInstanceKey, v.isTruncated, v.value.length, v.tenantId]),
    [
      ['caseNo', pik, pik, false, '"NT-2026-0042"'.length, '<default>'],
      ['note', pik, pik, true, 8191, '<default>'],
    ],
  );
  t.is(root[0]!.value, '"NT-2026-0042"');
  t.regex(String(root[0]!.variableKey), /^\d+$/);
  t.not(root[0]!.variableKey, root[1]!.variableKey);

  // the whole value: truncateValues=false, or GET by key
  const whole = await v2.camunda.searchVariables(
    { filter: { processInstanceKey: pik as never, name: 'note' }, truncateValues: false },
    NOW,
  );
  t.deepEqual(
    whole.items.map((v) => [v.value, v.isTruncated]),
    [[JSON.stringify(note), false]],
  );
  const one = await v2.camunda.getVariable({ variableKey: root[1]!.variableKey }, NOW);
  t.is(one.value, JSON.stringify(note));
  t.is(one.name, 'note');
  t.is((await v2.rest('GET', `/v2/variables/${root[1]!.variableKey}`)).body.isTruncated, undefined);

  // local: into the sub-process's own scope
  const elements = await v2.rest('POST', '/v2/element-instances/search', {
    filter: { processInstanceKey: pik, elementId: 'sub' },
  });
  const subKey: string = elements.body.items[0].elementInstanceKey;
  t.is(elements.body.items[0].elementName, '核查');
  await v2.camunda.createElementInstanceVariables({
    elementInstanceKey: subKey as never,
    variables: { inspector: '王强' },
    local: true,
  });
  // not local: caseNo is defined in the root scope, so it changes there (and keeps its key)
  await v2.camunda.createElementInstanceVariables({
    elementInstanceKey: String(job.elementInstanceKey) as never,
    variables: { caseNo: 'NT-2026-0043' },
  });
  const after = await variablesOf({ processInstanceKey: pik });
  t.deepEqual(
    after.map((v) => [v.name, v.scopeKey, v.value.slice(0, 20)]),
    [
      ['caseNo', pik, '"NT-2026-0043"'],
      ['inspector', subKey, '"王强"'],
      ['note', pik, JSON.stringify(note).slice(0, 20)],
    ],
  );
  t.is(after[0]!.variableKey, root[0]!.variableKey);
  t.deepEqual(
    (await variablesOf({ scopeKey: subKey })).map((v) => v.name),
    ['inspector'],
  );
  // the job sees both
  await v2.camunda.completeJob({ jobKey: job.jobKey });
  // as on Camunda, an ended instance's variables stay, with their keys and last values
  const kept = await v2.camunda.getVariable({ variableKey: root[0]!.variableKey }, NOW);
  t.like(kept, { name: 'caseNo', value: '"NT-2026-0043"', scopeKey: pik, processInstanceKey: pik });
  t.deepEqual(
    (await variablesOf({ processInstanceKey: pik })).map((v) => [v.variableKey, v.name, v.scopeKey]),
    after.map((v) => [v.variableKey, v.name, v.scopeKey]),
  );
});

test('variables of ended scopes and instances: listed with their last values; instances found by them in any state', async (t) => {
  const caseId = 'c-7f3a';
  const remark = '现场核查'.repeat(30); // longer than the indexed prefix of a value
  const done = await startInspection('v2_ended', 'v2-ended', { caseId, step: 1, remark });
  const subKey: string = (
    await v2.rest('POST', '/v2/element-instances/search', {
      filter: { processInstanceKey: done.pik, elementId: 'sub' },
    })
  ).body.items[0].elementInstanceKey;
  await v2.camunda.createElementInstanceVariables({
    elementInstanceKey: subKey as never,
    variables: { inspector: '王强' },
    local: true,
  });
  await v2.camunda.completeJob({ jobKey: done.job.jobKey, variables: { step: 2 } });
  // the same case id in a second instance, canceled; and a third that still runs
  const canceled = await v2.camunda.createProcessInstance({
    processDefinitionId: 'v2_ended' as never,
    variables: { caseId, step: 1 },
  });
  await v2.camunda.cancelProcessInstance({ processInstanceKey: canceled.processInstanceKey });
  const running = await v2.camunda.createProcessInstance({
    processDefinitionId: 'v2_ended' as never,
    variables: { caseId: 'c-other', step: 1 },
  });

  const completed = await eventually(async () => {
    const pi = await v2.camunda.getProcessInstance({ processInstanceKey: done.pik as never }, NOW);
    return pi.state === 'COMPLETED' && pi;
  });
  t.truthy(completed);
  t.deepEqual(
    (await variablesOf({ processInstanceKey: done.pik })).map((v) => [v.name, v.scopeKey, v.value]),
    [
      ['caseId', done.pik, '"c-7f3a"'],
      ['inspector', subKey, '"王强"'],
      ['remark', done.pik, JSON.stringify(remark)],
      ['step', done.pik, '2'],
    ],
    'the root and the sub-process scope, as they were when each ended',
  );
  const byName = await v2.camunda.searchVariables(
    { filter: { name: 'caseId', value: '"c-7f3a"' }, sort: [{ field: 'processInstanceKey' }] },
    NOW,
  );
  t.deepEqual(
    byName.items.map((v) => v.processInstanceKey),
    [done.pik, String(canceled.processInstanceKey)],
  );

  const instancesWith = async (filter: Record<string, unknown>) =>
    (
      await v2.camunda.searchProcessInstances(
        { filter: filter as never, sort: [{ field: 'processInstanceKey' }] },
        NOW,
      )
    ).items.map((i) => [i.processInstanceKey, i.state]);
  const byCase = [{ name: 'caseId', value: '"c-7f3a"' }];
  t.deepEqual(await instancesWith({ processDefinitionId: 'v2_ended', variables: byCase }), [
    [done.pik, 'COMPLETED'],
    [String(canceled.processInstanceKey), 'TERMINATED'],
  ]);
  t.deepEqual(await instancesWith({ variables: byCase, state: 'TERMINATED' }), [
    [String(canceled.processInstanceKey), 'TERMINATED'],
  ]);
  t.deepEqual(
    await instancesWith({ variables: [...byCase, { name: 'step', value: '2' }] }),
    [[done.pik, 'COMPLETED']],
    'every variable given must match, each with its last value',
  );
  t.deepEqual(
    await instancesWith({ variables: [{ name: 'remark', value: JSON.stringify(remark) }] }),
    [[done.pik, 'COMPLETED']],
    'a long value, whole',
  );
  t.deepEqual(
    await instancesWith({ variables: [{ name: 'remark', value: JSON.stringify(remark + '。') }] }),
    [],
    'the same beginning is not the same value',
  );
  t.deepEqual(await instancesWith({ variables: [{ name: 'caseId', value: '"c-other"' }] }), [
    [String(running.processInstanceKey), 'ACTIVE'],
  ]);
  await v2.camunda.cancelProcessInstance({ processInstanceKey: running.processInstanceKey });
});

test('element instances: get by key with its name, while active and after it completed', async (t) => {
  const { pik, job } = await startInspection('v2_elements', 'v2-elements', {});
  const key = String(job.elementInstanceKey);
  const active = await v2.camunda.getElementInstance({ elementInstanceKey: key as never }, NOW);
  t.like(active, {
    elementInstanceKey: key,
    elementId: 'task',
    elementName: '核查案件',
    type: 'SERVICE_TASK',
    state: 'ACTIVE',
    hasIncident: false,
    processInstanceKey: pik,
    processDefinitionId: 'v2_elements',
    tenantId: '<default>',
  });
  t.is(active.endDate, undefined);

  await v2.camunda.completeJob({ jobKey: job.jobKey });
  const done = await eventually(async () => {
    const e = await v2.camunda.getElementInstance({ elementInstanceKey: key as never }, NOW);
    return e.state === 'COMPLETED' && e;
  });
  t.regex(String(done.endDate), /^\d{4}-\d\d-\d\dT/);
  // the process instance is an element instance too; an element without a name answers its id
  const process = await v2.rest('GET', `/v2/element-instances/${pik}`);
  t.like(process.body, { elementId: 'v2_elements', type: 'PROCESS', state: 'COMPLETED' });
  const all = await v2.rest('POST', '/v2/element-instances/search', {
    filter: { processInstanceKey: pik, elementId: 'subStart' },
  });
  t.is(all.body.items[0].elementName, 'subStart');
});

test('variables and element instances: bad input is 400 naming the property, unknown keys 404', async (t) => {
  const problem = problemCheck(t);
  const unknown = '2251799813999999';
  problem(await v2.rest('GET', '/v2/variables/abc'), 400, /^variableKey must be a key/);
  problem(
    await v2.rest('GET', `/v2/variables/${unknown}`),
    404,
    /Variable with key '2251799813999999' not found/,
  );
  problem(
    await v2.rest('POST', '/v2/variables/search', { filter: { owner: 'x' } }),
    400,
    /^filter\.owner is not a filter/,
  );
  problem(
    await v2.rest('POST', '/v2/variables/search?truncateValues=maybe', {}),
    400,
    /^truncateValues must be true or false/,
  );
  problem(await v2.rest('GET', '/v2/element-instances/abc'), 400, /^elementInstanceKey must be a key/);
  problem(await v2.rest('GET', `/v2/element-instances/${unknown}`), 404, /Element instance with key/);
  problem(
    await v2.rest('PUT', `/v2/element-instances/${unknown}/variables`, { variables: { a: 1 } }),
    404,
    /no such element was found/,
  );
  problem(
    await v2.rest('PUT', `/v2/element-instances/${unknown}/variables`, {}),
    400,
    /^variables is required/,
  );
  problem(
    await v2.rest('PUT', `/v2/element-instances/${unknown}/variables`, { variables: [1] }),
    400,
    /^variables must be a JSON object/,
  );
  problem(
    await v2.rest('PUT', `/v2/element-instances/${unknown}/variables`, { variables: {}, scope: 'x' }),
    400,
    /^scope is not a known property/,
  );
  problem(
    await v2.rest('PUT', `/v2/element-instances/${unknown}/variables`, { variables: {}, local: 'yes' }),
    400,
    /^local must be true or false/,
  );
});

test('statistics per element (of a definition, filtered, and of one instance) and the call hierarchy', async (t) => {
  const child = bpmn(
    'v2_stat_child',
    start() + serviceTask('survey', 'stat-survey') + end() + chain('start', 'survey', 'end'),
  );
  const parent = bpmn(
    'v2_stat',
    start() +
      `<bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement processId="v2_stat_child" /></bpmn:extensionElements></bpmn:callActivity>` +
      serviceTask('check', 'stat-check') +
      end() +
      chain('start', 'call', 'check', 'end'),
  ).replace('<bpmn:process id="v2_stat"', '<bpmn:process id="v2_stat" name="巡查上报"');
  const deployed = await v2.camunda.createDeployment({
    resources: [file(child, 'child.bpmn'), file(parent, 'parent.bpmn')],
  });
  const parentKey = String(deployed.deployments[1]!.processDefinition!.processDefinitionKey);
  const activate = async (type: string) =>
    (await v2.camunda.activateJobs({ type, timeout: 60_000, maxJobsToActivate: 1, requestTimeout: 5_000 }))
      .jobs[0]!;
  const startOne = async () => {
    const pi = await v2.camunda.createProcessInstance({ processDefinitionId: 'v2_stat' as never });
    return { pik: String(pi.processInstanceKey), survey: await activate('stat-survey') };
  };
  const a = await startOne();
  const b = await startOne();
  const c = await startOne();
  for (const x of [a, b]) await v2.camunda.completeJob({ jobKey: x.survey.jobKey });
  await v2.camunda.completeJob({ jobKey: (await activate('stat-check')).jobKey });
  await v2.camunda.failJob({
    jobKey: (await activate('stat-check')).jobKey,
    retries: 0,
    errorMessage: '核查超时',
  });
  await v2.camunda.cancelProcessInstance({ processInstanceKey: c.pik as never });

  const row = (s: {
    elementId?: unknown;
    active?: unknown;
    completed?: unknown;
    canceled?: unknown;
    incidents?: unknown;
  }) => [String(s.elementId), Number(s.active), Number(s.completed), Number(s.canceled), Number(s.incidents)];
  const all = await v2.camunda.getProcessDefinitionStatistics(
    { processDefinitionKey: parentKey as never },
    NOW,
  );
  t.deepEqual(all.items!.map(row), [
    // elementId, active, completed, canceled, incidents
    ['call', 0, 2, 1, 0],
    ['check', 1, 1, 0, 1],
    ['end', 0, 1, 0, 0],
    ['start', 0, 3, 0, 0],
  ]);
  const running = await v2.camunda.getProcessDefinitionStatistics(
    { processDefinitionKey: parentKey as never, filter: { state: 'ACTIVE' } as never },
    NOW,
  );
  const expected = [
    ['call', 0, 1, 0, 0],
    ['check', 1, 0, 0, 1],
    ['start', 0, 1, 0, 0],
  ];
  t.deepEqual(running.items!.map(row), expected);
  const one = await v2.camunda.getProcessInstanceStatistics({ processInstanceKey: b.pik as never }, NOW);
  t.deepEqual(one.items!.map(row), expected);

  const childOfC = await v2.rest('POST', '/v2/process-instances/search', {
    filter: { parentProcessInstanceKey: c.pik },
  });
  const childKey: string = childOfC.body.items[0].processInstanceKey;
  const hierarchy = await v2.camunda.getProcessInstanceCallHierarchy(
    { processInstanceKey: childKey as never },
    NOW,
  );
  t.deepEqual(
    hierarchy.map((h) => [String(h.processInstanceKey), String(h.processDefinitionName)]),
    [
      [c.pik, '巡查上报'],
      [childKey, 'v2_stat_child'],
    ],
  );
  t.is(String(hierarchy[0]!.processDefinitionKey), parentKey);

  // incidents of an instance include those of the instances it called
  const d = await startOne();
  await v2.camunda.failJob({ jobKey: d.survey.jobKey, retries: 0, errorMessage: '无法到达现场' });
  const incidentsOf = async (pik: string) =>
    (await v2.camunda.searchProcessInstanceIncidents({ processInstanceKey: pik as never }, NOW)).items!.map(
      (i) => [String(i.errorMessage), String(i.processInstanceKey) === pik ? 'own' : 'called'],
    );
  t.deepEqual(await incidentsOf(b.pik), [['核查超时', 'own']]);
  t.deepEqual(await incidentsOf(d.pik), [['无法到达现场', 'called']]);
  t.deepEqual(await incidentsOf(a.pik), [], 'an empty page: no cursors, as the schema has them');

  const unknown = '2251799813999999';
  t.is((await v2.rest('POST', `/v2/process-instances/${unknown}/incidents/search`, {})).status, 404);
  const stat404 = await v2.rest('GET', `/v2/process-instances/${unknown}/statistics/element-instances`);
  t.is(stat404.status, 404);
  t.is((await v2.rest('GET', `/v2/process-instances/${unknown}/call-hierarchy`)).status, 404);
  t.is(
    (await v2.rest('POST', `/v2/process-definitions/${unknown}/statistics/element-instances`, {})).status,
    404,
  );
  const badFilter = await v2.rest(
    'POST',
    `/v2/process-definitions/${parentKey}/statistics/element-instances`,
    {
      filter: { colour: 'red' },
    },
  );
  t.is(badFilter.status, 400);
  t.regex(badFilter.body.detail, /^filter\.colour is not a filter/);
  const badBody = await v2.rest('POST', `/v2/process-definitions/${parentKey}/statistics/element-instances`, {
    page: {},
  });
  t.is(badBody.status, 400);
  t.regex(badBody.body.detail, /^page is not a known property/);
});

test('cursor pages through the client: every cursor has the form Camunda specifies', async (t) => {
  const xml = bpmn('v2_pages', start() + end() + chain('start', 'end'));
  await v2.camunda.createDeployment({ resources: [file(xml, 'pages.bpmn')] });
  const keys: string[] = [];
  for (let i = 0; i < 13; i++)
    keys.push(
      String(
        (await v2.camunda.createProcessInstance({ processDefinitionId: 'v2_pages' as never }))
          .processInstanceKey,
      ),
    );
  const filter = { processDefinitionId: 'v2_pages' as never };
  // the cursor of position 10 had no base64 padding before, which the client's validation refuses
  const first = await v2.camunda.searchProcessInstances({ filter, page: { limit: 11 } }, NOW);
  t.deepEqual(
    first.items.map((i) => String(i.processInstanceKey)),
    keys.slice(0, 11),
  );
  const next = await v2.camunda.searchProcessInstances(
    { filter, page: { after: first.page.endCursor!, limit: 11 } },
    NOW,
  );
  t.deepEqual(
    next.items.map((i) => String(i.processInstanceKey)),
    keys.slice(11),
  );
  const back = await v2.camunda.searchProcessInstances(
    { filter, page: { before: next.page.startCursor!, limit: 2 } },
    NOW,
  );
  t.deepEqual(
    back.items.map((i) => String(i.processInstanceKey)),
    keys.slice(9, 11),
  );
});
