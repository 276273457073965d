/**
 * Engine operations over a whole hub (embedded engine, its workers, engine REST API, real HTTP): the
 * BPMN path of a reported case with its current step, and engine incidents listed with their message
 * and retried by an administrator until the instance finishes.
 */
import test from 'ava';
import { at, startScenarioHub, until, type ScenarioHub } from './helpers/scenario-hub.ts';

let s: ScenarioHub;
let point: { lng: number; lat: number };
test.before(async () => {
  s = await startScenarioHub(at('2026-11-25 09:00'));
  const cell = await s.hub.db.prisma.gridCell.findFirstOrThrow({
    where: { street: '城北街道', active: true },
    orderBy: { code: 'asc' },
  });
  point = { lng: (cell.minLng + cell.maxLng) / 2, lat: (cell.minLat + cell.maxLat) / 2 };
});
test.after.always(() => s?.close());

const caseStatus = async (id: string) =>
  (await s.hub.db.prisma.case.findUniqueOrThrow({ where: { id } })).status;

test('a case shows its diagram, the path taken and the step it waits at', async (t) => {
  const reported = await s.as('field_supervisor').post('/api/cases', {
    source: 'supervisor',
    categoryCode: '0102',
    description: '城北街道 垃圾满溢 (process path)',
    ...point,
  });
  t.is(reported.status, 201, JSON.stringify(reported.body));
  const id: string = reported.body.id;
  await until('accepted', async () => (await caseStatus(id)) === 'accepted');

  const path = await until('the case waiting for 立案', async () => {
    const res = await s.as('acceptor').get(`/api/cases/${id}/process`);
    return res.status === 200 && res.body.activeElementIds.includes('ebg_register') ? res : undefined;
  });
  const body = path.body;
  const row = await s.hub.db.prisma.case.findUniqueOrThrow({ where: { id } });
  t.is(body.caseId, id);
  t.is(body.processInstanceKey, row.processInstanceKey);
  t.is(body.bpmnProcessId, 'case-disposal');
  t.is(body.version, 1);
  t.is(body.state, 'ACTIVE');
  t.is(body.endDate, null);
  const shipped = await s.hub.db.prisma.processVersion.findFirstOrThrow({
    where: { bpmnProcessId: 'case-disposal', version: 1 },
  });
  t.is(body.processDefinitionKey, shipped.engineKey);
  t.is(body.xml, shipped.xml);
  t.deepEqual(body.activeElementIds, ['ebg_register']);
  t.deepEqual(body.incidents, []);
  // the path: a supervisor's report needs no 核实, so intake → locate → classify → wait for 立案
  const taken = body.elements.map((e: { elementId: string; state: string }) => `${e.elementId}:${e.state}`);
  t.deepEqual(taken.slice(0, 2), ['case-disposal:ACTIVE', 'start_reported:COMPLETED']);
  for (const step of ['t_intake', 't_locate', 't_classify', 'gw_route'])
    t.true(taken.includes(`${step}:COMPLETED`), `${step} in ${taken.join(', ')}`);
  t.is(taken.at(-1), 'ebg_register:ACTIVE');
  t.false(taken.some((e: string) => e.startsWith('rt_verify')));
  const starts = body.elements.map((e: { startDate: string }) => Date.parse(e.startDate));
  t.deepEqual(
    starts,
    [...starts].sort((a, b) => a - b),
  );

  // every case-reading role sees it; a department handler of another department does not
  t.is((await s.as('dispatcher').get(`/api/cases/${id}/process`)).status, 200);
  t.is((await s.as('water_handler').get(`/api/cases/${id}/process`)).status, 404);
  t.is((await s.as('acceptor').get('/api/cases/no-such-case/process')).status, 404);
});

const FAILING = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="h5-sync" name="同步" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:serviceTask id="push" name="推送"><bpmn:extensionElements><zeebe:taskDefinition type="h5-sync-push" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="push" />
    <bpmn:sequenceFlow id="f2" sourceRef="push" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>`;

test('incidents are listed with their message and a retry resolves them', async (t) => {
  const { zeebe } = s.hub;
  await zeebe.deployResource({ process: Buffer.from(FAILING), name: 'h5-sync.bpmn' });
  const { processInstanceKey: pik } = await zeebe.createProcessInstance({
    bpmnProcessId: 'h5-sync',
    variables: {},
  });
  const activate = () =>
    zeebe.activateJobs({
      type: 'h5-sync-push',
      worker: 'test',
      maxJobsToActivate: 1,
      timeout: 60_000,
      requestTimeout: -1,
    });
  const [job] = await activate();
  await zeebe.failJob({
    jobKey: job!.key,
    retries: 0,
    errorMessage: '城管通 接口超时 (504)',
    retryBackOff: 0,
  });

  const admin = s.as('administrator');
  const listed = await admin.get(`/api/engine/incidents?processInstanceKey=${pik}`);
  t.is(listed.status, 200);
  t.is(listed.body.total, 1);
  t.true(listed.body.available);
  const [incident] = listed.body.items;
  t.like(incident, {
    processInstanceKey: pik,
    processDefinitionId: 'h5-sync',
    elementId: 'push',
    elementName: '推送',
    errorType: 'JOB_NO_RETRIES',
    errorMessage: '城管通 接口超时 (504)',
    state: 'ACTIVE',
    jobKey: job!.key,
    caseId: null,
    caseNo: null,
  });
  const all = await admin.get('/api/engine/incidents?bpmnProcessId=h5-sync&limit=10');
  t.deepEqual(
    all.body.items.map((i: { incidentKey: string }) => i.incidentKey),
    [incident.incidentKey],
  );
  t.is(all.body.nextCursor, null);

  for (const person of ['dispatcher', 'shift_leader', 'acceptor'] as const) {
    t.is((await s.as(person).get('/api/engine/incidents')).status, 403);
    t.is((await s.as(person).post(`/api/engine/incidents/${incident.incidentKey}/retry`, {})).status, 403);
  }

  const retried = await admin.post(`/api/engine/incidents/${incident.incidentKey}/retry`, { retries: 2 });
  t.is(retried.status, 200, JSON.stringify(retried.body));
  t.deepEqual(retried.body, { incidentKey: incident.incidentKey, jobKey: job!.key, retries: 2 });
  t.is((await admin.get(`/api/engine/incidents?processInstanceKey=${pik}`)).body.total, 0);
  const resolved = await admin.get(`/api/engine/incidents?processInstanceKey=${pik}&state=RESOLVED`);
  t.is(resolved.body.items[0].incidentKey, incident.incidentKey);

  // the job is back with the new retries; completing it ends the instance
  const [again] = await activate();
  t.is(again!.key, job!.key);
  t.is(again!.retries, 2);
  await zeebe.completeJob({ jobKey: again!.key, variables: {} });
  const done = await fetch(`${s.hub.engine!.restUrl}/v2/process-instances/${pik}`);
  t.is(((await done.json()) as { state: string }).state, 'COMPLETED');

  const twice = await admin.post(`/api/engine/incidents/${incident.incidentKey}/retry`, {});
  t.is(twice.status, 409);
  t.is(twice.body.detail, `incident ${incident.incidentKey} is already RESOLVED`);
  const unknown = await admin.post('/api/engine/incidents/2251799813999999/retry', {});
  t.is(unknown.status, 404);
  t.is((await admin.get('/api/engine/incidents?state=OPEN')).status, 400);
});
