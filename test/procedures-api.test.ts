/**
 * Procedure versions over a whole hub (embedded engine over gRPC, engine REST API, real HTTP): an
 * administrator deploys an XML with a lint error (422 naming the element), fixes it, deploys new
 * versions, reads them, rolls back; running instances keep the version they started on.
 */
import test from 'ava';
import { createLogger } from '../src/log.ts';
import { deployProcesses } from '../src/procedures/index.ts';
import { at, startScenarioHub, type ScenarioHub } from './helpers/scenario-hub.ts';

let s: ScenarioHub;
test.before(async () => {
  s = await startScenarioHub(at('2026-11-25 09:00'));
});
test.after.always(() => s?.close());

const DEFS = `xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:modeler="http://camunda.org/schema/modeler/1.0" modeler:executionPlatform="Camunda Cloud" modeler:executionPlatformVersion="8.8.0"`;

/** A one-task procedure; `task` is the service task's inner XML (its task definition, or nothing). */
const procedure = (id: string, name: string, task: string) => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${DEFS} id="defs_${id}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="${id}" name="${name}" isExecutable="true">
    <bpmn:startEvent id="start" name="开始"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="work" name="处理">${task}<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:serviceTask>
    <bpmn:endEvent id="end" name="结束"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="d1"><bpmndi:BPMNPlane id="p1" bpmnElement="${id}">
    <bpmndi:BPMNShape id="s_start" bpmnElement="start"><dc:Bounds x="100" y="100" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="s_work" bpmnElement="work"><dc:Bounds x="200" y="78" width="100" height="80" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="s_end" bpmnElement="end"><dc:Bounds x="360" y="100" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="e_f1" bpmnElement="f1"><di:waypoint x="136" y="118" /><di:waypoint x="200" y="118" /></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="e_f2" bpmnElement="f2"><di:waypoint x="300" y="118" /><di:waypoint x="360" y="118" /></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>
`;
const taskType = (type: string) =>
  `<bpmn:extensionElements><zeebe:taskDefinition type="${type}" /></bpmn:extensionElements>`;

const BROKEN = procedure('h5-permit', '占道审批', '');
const V1 = procedure('h5-permit', '占道审批', taskType('h5-permit-v1'));
const V2 = procedure('h5-permit', '占道审批 (二)', taskType('h5-permit-v2'));

/** The one process instance of h5-permit with this key, as the engine's REST API reports it. */
async function instance(key: string) {
  const res = await fetch(`${s.hub.engine!.restUrl}/v2/process-instances/${key}`);
  return (await res.json()) as { processDefinitionVersion: number; state: string };
}

test('deploy refuses lint errors naming the element; fixed XML deploys; versions listed, read and rolled back; running instances keep their version', async (t) => {
  const admin = s.as('administrator');

  // 1. a service task without a job type: refused, nothing deployed
  const refused = await admin.post('/api/procedures/deployments', { xml: BROKEN });
  t.is(refused.status, 422);
  t.regex(refused.headers.get('content-type')!, /^application\/problem\+json/);
  t.is(refused.body.detail, 'h5-permit.bpmn does not pass the Camunda 8.8 lint rules');
  t.true(refused.body.errors.length >= 1);
  t.true(
    refused.body.errors.some(
      (e: { field: string; message: string }) => e.field === 'work' && /zeebe:TaskDefinition/.test(e.message),
    ),
    JSON.stringify(refused.body.errors),
  );
  t.true(refused.body.lint.errors.every((e: { id: string; rule: string }) => e.id && e.rule));
  t.is(await s.hub.db.prisma.processVersion.count({ where: { bpmnProcessId: 'h5-permit' } }), 0);

  // 2. fixed: version 1; the same XML again is still version 1
  const v1 = await admin.post('/api/procedures/deployments', { xml: V1 });
  t.is(v1.status, 200, JSON.stringify(v1.body));
  t.like(v1.body.processes[0], {
    bpmnProcessId: 'h5-permit',
    version: 1,
    resourceName: 'h5-permit.bpmn',
    created: true,
  });
  t.deepEqual(v1.body.warnings, []);
  const again = await admin.post('/api/procedures/deployments', { xml: V1 });
  t.like(again.body.processes[0], { version: 1, created: false, engineKey: v1.body.processes[0].engineKey });

  // a case-like instance starts on version 1 and waits at its task
  const running = await s.hub.zeebe.createProcessInstance({ bpmnProcessId: 'h5-permit', variables: {} });
  t.is(running.version, 1);

  // 3. version 2
  const v2 = await admin.post('/api/procedures/deployments', { xml: V2 });
  t.like(v2.body.processes[0], { version: 2, created: true });

  // 4. the list: newest first, recorded by the hub and known to the engine
  const list = await admin.get('/api/procedures');
  t.is(list.status, 200);
  t.true(list.body.engineReachable);
  const permit = list.body.items.find((p: { bpmnProcessId: string }) => p.bpmnProcessId === 'h5-permit');
  t.is(permit.name, '占道审批 (二)');
  t.is(permit.latestVersion, 2);
  t.deepEqual(
    permit.versions.map((v: Record<string, unknown>) => [
      v.version,
      v.inHub,
      v.inEngine,
      (v.deployedBy as { id: string }).id,
    ]),
    [
      [2, true, true, s.userId.administrator],
      [1, true, true, s.userId.administrator],
    ],
  );
  // the shipped procedures are there too, deployed at start-up
  const shipped = list.body.items.find((p: { bpmnProcessId: string }) => p.bpmnProcessId === 'case-disposal');
  t.is(shipped.name, '案件处置');
  t.like(shipped.versions[0], { version: 1, inHub: true, inEngine: true, deployedBy: null });

  // 5. read version 1's XML
  const read = await admin.get('/api/procedures/h5-permit/versions/1');
  t.is(read.status, 200);
  t.is(read.body.xml, V1);
  t.is(read.body.engineKey, v1.body.processes[0].engineKey);
  t.deepEqual(read.body.lint, { errors: [], warnings: [] });

  // 6. roll back to version 1: a new version 3 with version 1's XML
  const rolled = await admin.post('/api/procedures/h5-permit/versions/1/rollback');
  t.is(rolled.status, 200, JSON.stringify(rolled.body));
  t.is(rolled.body.rolledBackTo, 1);
  t.like(rolled.body.processes[0], { bpmnProcessId: 'h5-permit', version: 3, created: true });
  t.is((await admin.get('/api/procedures/h5-permit/versions/3')).body.xml, V1);
  const engineXml = await fetch(
    `${s.hub.engine!.restUrl}/v2/process-definitions/${rolled.body.processes[0].engineKey}/xml`,
  );
  t.is(await engineXml.text(), V1);

  // 7. new instances start on version 3; the running one is still on version 1 and finishes there
  const fresh = await s.hub.zeebe.createProcessInstance({ bpmnProcessId: 'h5-permit', variables: {} });
  t.is(fresh.version, 3);
  t.is((await instance(running.processInstanceKey)).processDefinitionVersion, 1);
  const jobs = await s.hub.zeebe.activateJobs({
    type: 'h5-permit-v1',
    worker: 'test',
    maxJobsToActivate: 10,
    timeout: 60_000,
    requestTimeout: -1,
  });
  t.deepEqual(
    jobs.map((j) => [j.processInstanceKey, j.processDefinitionVersion]).sort(),
    [
      [fresh.processInstanceKey, 3],
      [running.processInstanceKey, 1],
    ].sort(),
  );
  for (const job of jobs) await s.hub.zeebe.completeJob({ jobKey: job.key, variables: {} });
  t.like(await instance(running.processInstanceKey), { state: 'COMPLETED', processDefinitionVersion: 1 });
});

test('refusals: XXE, wrong role, bad input, unknown versions', async (t) => {
  const admin = s.as('administrator');
  const xxe = `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>${V1.replace(/^<\?xml[^>]*>/, '')}`;
  const refused = await admin.post('/api/procedures/deployments', { xml: xxe });
  t.is(refused.status, 422);
  t.deepEqual(refused.body.errors, [
    { field: 'body.xml', message: 'DOCTYPE and ENTITY declarations are not allowed in BPMN' },
  ]);

  const notXml = await admin.post('/api/procedures/deployments', { xml: 'hello', resourceName: 'x.bpmn' });
  t.is(notXml.status, 422);
  t.is(notXml.body.errors[0].field, 'x.bpmn');
  t.regex(notXml.body.errors[0].message, /not a BPMN document/);

  const badName = await admin.post('/api/procedures/deployments', { xml: V1, resourceName: '../etc/x' });
  t.is(badName.status, 400);
  t.is(badName.body.errors[0].field, 'body.resourceName');
  const tooBig = await admin.post('/api/procedures/deployments', { xml: ' '.repeat(1_000_001) });
  t.true([400, 413].includes(tooBig.status), String(tooBig.status));

  for (const person of ['dispatcher', 'shift_leader', 'department_handler'] as const) {
    t.is((await s.as(person).get('/api/procedures')).status, 403);
    t.is((await s.as(person).post('/api/procedures/deployments', { xml: V1 })).status, 403);
  }
  const unknown = await admin.get('/api/procedures/h5-nothing/versions/7');
  t.is(unknown.status, 404);
  t.is(unknown.body.detail, 'version 7 of procedure h5-nothing not found');
  t.is((await admin.post('/api/procedures/h5-nothing/versions/7/rollback')).status, 404);
  t.is((await admin.get('/api/procedures/h5-permit/versions/zero')).status, 400);
  t.is(await s.hub.db.prisma.processVersion.count({ where: { bpmnProcessId: 'd' } }), 0);
});

test('a restart does not undo a designer deployment: start-up deploys only files that changed', async (t) => {
  const shipped = await s.hub.db.prisma.processVersion.findFirstOrThrow({
    where: { bpmnProcessId: 'assessment' },
    orderBy: { version: 'desc' },
  });
  const redrawn = shipped.xml.replace('name="考核评价"', 'name="考核评价 (改)"');
  t.not(redrawn, shipped.xml);
  const deployed = await s.as('administrator').post('/api/procedures/deployments', { xml: redrawn });
  t.is(deployed.status, 200, JSON.stringify(deployed.body));
  t.like(deployed.body.processes[0], {
    bpmnProcessId: 'assessment',
    version: shipped.version + 1,
    resourceName: shipped.resourceName,
    created: true,
  });

  // what npm start does on the next start: the file did not change, so nothing is deployed
  const again = await deployProcesses({ db: s.hub.db, zeebe: s.hub.zeebe, logger: createLogger('silent') });
  t.like(
    again.find((p) => p.bpmnProcessId === 'assessment'),
    { version: shipped.version, deployed: false },
  );
  const list = await s.as('administrator').get('/api/procedures');
  const assessment = list.body.items.find((p: { bpmnProcessId: string }) => p.bpmnProcessId === 'assessment');
  t.is(assessment.latestVersion, shipped.version + 1);
  t.is(assessment.name, '考核评价 (改)');
  const latest = await fetch(`${s.hub.engine!.restUrl}/v2/process-definitions/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      filter: { processDefinitionId: 'assessment' },
      sort: [{ field: 'version', order: 'DESC' }],
    }),
  });
  t.is(((await latest.json()) as { items: { version: number }[] }).items[0]!.version, shipped.version + 1);
});
