/**
 * Call activities' `zeebe:calledElement bindingType` over the real Zeebe client (@camunda8/sdk, gRPC):
 * `deployment` calls the version deployed together with the caller (and a deployment that lacks a
 * statically named called process is refused), `versionTag` calls the newest version carrying the tag
 * (none → CALLED_ELEMENT_ERROR incident), and the REST API returns each definition's version tag.
 */
import test from 'ava';
import { startTestEngine, type TestEngine } from './helpers/engine.ts';
import { bpmn, chain, end, serviceTask, start } from './engine/support.ts';

let te: TestEngine;
test.before(async () => {
  te = await startTestEngine();
});
test.after.always(async () => {
  await te?.close();
});

/** A process with one service task; `tag` adds a zeebe:versionTag. */
const child = (id: string, type: string, tag?: string) =>
  bpmn(
    id,
    (tag ? `<bpmn:extensionElements><zeebe:versionTag value="${tag}" /></bpmn:extensionElements>` : '') +
      start() +
      serviceTask('task', type) +
      end() +
      chain('start', 'task', 'end'),
  );

/** A process whose call activity calls `calledElement` attributes (processId, bindingType, versionTag). */
const parent = (id: string, attrs: string) =>
  bpmn(
    id,
    start() +
      `<bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement ${attrs} /></bpmn:extensionElements></bpmn:callActivity>` +
      end() +
      chain('start', 'call', 'end'),
  );

const activateNow = (type: string) =>
  te.zbc.activateJobs({
    type,
    worker: 'binding-test',
    maxJobsToActivate: 10,
    timeout: 60_000,
    requestTimeout: -1,
  });

async function rest(method: string, path: string, body?: unknown) {
  const res = await fetch(te.managementUrl + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary fields
}

const incidentsOf = async (processInstanceKey: string) =>
  (await rest('POST', '/v2/incidents/search', { filter: { processInstanceKey } })).body.items.map(
    (i: { errorType: string; errorMessage: string; elementId: string }) => [
      i.elementId,
      i.errorType,
      i.errorMessage,
    ],
  );

const versionsOf = (res: { deployments: unknown[] }) =>
  res.deployments.map((d) => {
    const p = (d as { process: { bpmnProcessId: string; version: number } }).process;
    return `${p.bpmnProcessId}:${p.version}`;
  });

test('bindingType deployment calls the version deployed with the caller, not the latest', async (t) => {
  const first = await te.zbc.deployResources([
    {
      name: 'dep-parent.bpmn',
      process: Buffer.from(parent('dep-parent', 'processId="dep-child" bindingType="deployment"')),
    },
    { name: 'dep-child.bpmn', process: Buffer.from(child('dep-child', 'dep-child-v1')) },
  ]);
  t.deepEqual(versionsOf(first), ['dep-parent:1', 'dep-child:1']);
  // a newer child on its own becomes the latest version, but the parent stays bound to its deployment's
  const second = await te.zbc.deployResource({
    name: 'dep-child.bpmn',
    process: Buffer.from(child('dep-child', 'dep-child-v2')),
  });
  t.is(second.deployments[0]!.process.version, 2);

  const pi = await te.zbc.createProcessInstance({ bpmnProcessId: 'dep-parent', variables: {} });
  const jobs = await activateNow('dep-child-v1');
  t.deepEqual(
    jobs.map((j) => [j.bpmnProcessId, j.processDefinitionVersion]),
    [['dep-child', 1]],
  );
  t.deepEqual(await activateNow('dep-child-v2'), []);
  await te.zbc.completeJob({ jobKey: jobs[0]!.key, variables: {} });
  const done = await rest('GET', `/v2/process-instances/${pi.processInstanceKey}`);
  t.is(done.body.state, 'COMPLETED');
});

test('a deployment whose bindingType deployment names a process it does not contain is refused', async (t) => {
  const err = await t.throwsAsync(
    te.zbc.deployResource({
      name: 'lonely.bpmn',
      process: Buffer.from(parent('lonely-parent', 'processId="not-here" bindingType="deployment"')),
    }),
  );
  t.is((err as { code?: number }).code, 3);
  t.true(
    err!.message.endsWith(
      "Expected to deploy new resources, but encountered the following errors:\n'lonely.bpmn': - Element: call\n    - ERROR: Expected to find process with id 'not-here' in current deployment, but not found.",
    ),
    err!.message,
  );
  const found = await rest('POST', '/v2/process-definitions/search', {
    filter: { processDefinitionId: 'lonely-parent' },
  });
  t.deepEqual(found.body.items, []);
});

test('bindingType deployment with a process id expression raises an incident when the deployment lacks it', async (t) => {
  const res = await te.zbc.deployResource({
    name: 'expr-parent.bpmn',
    process: Buffer.from(parent('expr-parent', 'processId="=childId" bindingType="deployment"')),
  });
  await te.zbc.deployResource({
    name: 'expr-child.bpmn',
    process: Buffer.from(child('expr-child', 'expr-child-job')),
  });
  const pi = await te.zbc.createProcessInstance({
    bpmnProcessId: 'expr-parent',
    variables: { childId: 'expr-child' },
  });
  t.deepEqual(await incidentsOf(pi.processInstanceKey), [
    [
      'call',
      'CALLED_ELEMENT_ERROR',
      `Expected to call process with BPMN process id 'expr-child' with binding type 'deployment', but no such process found in the deployment with key ${res.key} which contained the current process. To resolve this incident, migrate the process instance to a process definition that is deployed together with the intended process definition to call.`,
    ],
  ]);
  t.deepEqual(await activateNow('expr-child-job'), []);
});

test('when one resource of a deployment changed, every resource in it gets a new version (as Zeebe 8.6+)', async (t) => {
  const resources = (parentType: string) => [
    {
      name: 'pair-parent.bpmn',
      process: Buffer.from(
        parent('pair-parent', `processId="pair-child" bindingType="deployment" businessId="${parentType}"`),
      ),
    },
    { name: 'pair-child.bpmn', process: Buffer.from(child('pair-child', 'pair-child-job')) },
  ];
  t.deepEqual(versionsOf(await te.zbc.deployResources(resources('a'))), ['pair-parent:1', 'pair-child:1']);
  t.deepEqual(versionsOf(await te.zbc.deployResources(resources('a'))), ['pair-parent:1', 'pair-child:1']);
  t.deepEqual(versionsOf(await te.zbc.deployResources(resources('b'))), ['pair-parent:2', 'pair-child:2']);
});

test('bindingType versionTag calls the newest version with the tag; the REST API returns the tags', async (t) => {
  const v1 = await te.zbc.deployResource({
    name: 'tagged.bpmn',
    process: Buffer.from(child('tagged', 'tagged-v1', 'v1.0')),
  });
  const v2 = await te.zbc.deployResource({
    name: 'tagged.bpmn',
    process: Buffer.from(child('tagged', 'tagged-v2', 'v2.0')),
  });
  await te.zbc.deployResource({ name: 'tagged.bpmn', process: Buffer.from(child('tagged', 'tagged-v3')) });
  await te.zbc.deployResource({
    name: 'tag-parent.bpmn',
    process: Buffer.from(
      parent('tag-parent', 'processId="tagged" bindingType="versionTag" versionTag="v1.0"'),
    ),
  });
  await te.zbc.createProcessInstance({ bpmnProcessId: 'tag-parent', variables: {} });
  const jobs = await activateNow('tagged-v1');
  t.deepEqual(
    jobs.map((j) => [j.bpmnProcessId, j.processDefinitionVersion]),
    [['tagged', 1]],
  );
  t.deepEqual(await activateNow('tagged-v3'), []);

  const one = await rest('GET', `/v2/process-definitions/${v1.deployments[0]!.process.processDefinitionKey}`);
  t.is(one.body.versionTag, 'v1.0');
  const search = await rest('POST', '/v2/process-definitions/search', {
    filter: { processDefinitionId: 'tagged' },
    sort: [{ field: 'version', order: 'ASC' }],
  });
  t.deepEqual(
    search.body.items.map((i: { version: number; versionTag?: string }) => [i.version, i.versionTag ?? null]),
    [
      [1, 'v1.0'],
      [2, 'v2.0'],
      [3, null],
    ],
  );
  const byTag = await rest('POST', '/v2/process-definitions/search', { filter: { versionTag: 'v2.0' } });
  t.deepEqual(
    byTag.body.items.map((i: { processDefinitionKey: string }) => i.processDefinitionKey),
    [v2.deployments[0]!.process.processDefinitionKey],
  );
});

test('bindingType versionTag without such a version raises an incident; without a versionTag deploy is refused', async (t) => {
  await te.zbc.deployResource({
    name: 'untagged.bpmn',
    process: Buffer.from(child('untagged', 'untagged-job', 'v1')),
  });
  await te.zbc.deployResource({
    name: 'miss-parent.bpmn',
    process: Buffer.from(
      parent('miss-parent', 'processId="untagged" bindingType="versionTag" versionTag="v9"'),
    ),
  });
  const pi = await te.zbc.createProcessInstance({ bpmnProcessId: 'miss-parent', variables: {} });
  t.deepEqual(await incidentsOf(pi.processInstanceKey), [
    [
      'call',
      'CALLED_ELEMENT_ERROR',
      "Expected to call process with BPMN process id 'untagged' and version tag 'v9', but no such process found. To resolve this incident, deploy a process with the given process id and version tag.",
    ],
  ]);

  const err = await t.throwsAsync(
    te.zbc.deployResource({
      name: 'notag.bpmn',
      process: Buffer.from(parent('notag-parent', 'processId="untagged" bindingType="versionTag"')),
    }),
  );
  t.is((err as { code?: number }).code, 3);
  t.true(
    err!.message.endsWith(
      "'notag.bpmn': - Element: call\n    - ERROR: Attribute 'versionTag' must be present and not empty if 'bindingType' is 'versionTag'",
    ),
    err!.message,
  );
});
