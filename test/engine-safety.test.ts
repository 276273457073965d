/**
 * Issue 18, high finding 1, end to end: a procedure that passes lint and deploys — a one-shot timer start
 * and a script task `=count(for i in 1..100000000 return i)` — used to take the whole hub down (API and
 * engine in one process, out of memory) and to take it down again at every restart (the timer was still
 * due). Now: the instance gets an EXTRACT_VALUE_ERROR incident naming the budget, the hub's /healthz
 * answers meanwhile, and a restart comes up with the incident still there and nothing fired again.
 * Real hub (createHub), real engine, real @camunda8/sdk client over gRPC, the database of HUB_TEST_DB.
 */
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Camunda8 } from '@camunda8/sdk';
import { loadConfig } from '../src/config.ts';
import { createHub, type Hub } from '../src/hub.ts';
import { createLogger } from '../src/log.ts';
import { closeZeebeClient } from '../src/zeebe.ts';
import { lintBpmn } from '../processes/lint.ts';
import { clientConfig, createTestDatabase } from './helpers/engine.ts';
import { createTestDb } from './helpers/db.ts';

function poisonousProcess(dueAt: Date): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
  xmlns:modeler="http://camunda.org/schema/modeler/1.0" id="d" targetNamespace="http://bpmn.io/schema/bpmn"
  modeler:executionPlatform="Camunda Cloud" modeler:executionPlatformVersion="8.8.0">
  <bpmn:process id="poison" name="poison" isExecutable="true">
    <bpmn:startEvent id="start" name="once">
      <bpmn:outgoing>f1</bpmn:outgoing>
      <bpmn:timerEventDefinition id="td"><bpmn:timeDate xsi:type="bpmn:tFormalExpression" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">${dueAt.toISOString().replace(/\.\d{3}Z$/, 'Z')}</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:startEvent>
    <bpmn:scriptTask id="count" name="count">
      <bpmn:extensionElements><zeebe:script expression="=count(for i in 1..100000000 return i)" resultVariable="n" /></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end" name="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="count" />
    <bpmn:sequenceFlow id="f2" sourceRef="count" targetRef="end" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="dg"><bpmndi:BPMNPlane id="pl" bpmnElement="poison">
    <bpmndi:BPMNShape id="s1" bpmnElement="start"><dc:Bounds x="100" y="100" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="s2" bpmnElement="count"><dc:Bounds x="200" y="78" width="100" height="80" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="s3" bpmnElement="end"><dc:Bounds x="360" y="100" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="e1" bpmnElement="f1"><di:waypoint x="136" y="118" /><di:waypoint x="200" y="118" /></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="e2" bpmnElement="f2"><di:waypoint x="300" y="118" /><di:waypoint x="360" y="118" /></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>`;
}

interface Incident {
  errorType: string;
  errorMessage: string;
  elementId: string;
  processDefinitionId: string;
  state: string;
}

async function incidents(hub: Hub): Promise<Incident[]> {
  const res = await fetch(`${hub.engine!.restUrl}/v2/incidents/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ filter: { processDefinitionId: 'poison' } }),
  });
  return ((await res.json()) as { items: Incident[] }).items;
}

test('a costly expression becomes an incident naming the budget; /healthz answers; a restart comes up', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'hub-safety-'));
  const hubDb = await createTestDb({ migrate: false });
  const engineDb = await createTestDatabase('hub_t_engine');
  t.teardown(async () => {
    await hubDb.drop();
    await engineDb.drop();
    await rm(dataDir, { recursive: true, force: true });
  });
  const config = loadConfig({
    DATA_DIR: dataDir,
    DATABASE_URL: hubDb.url,
    HUB_PORT: '0',
    HUB_SEED_DEMO: 'false',
    ENGINE_DATABASE_URL: engineDb.url,
    ZEEBE_ADDRESS: '127.0.0.1:0',
    ENGINE_MANAGEMENT_PORT: '0',
  });
  let hub = createHub({ config, logger: createLogger('silent') });
  let { url } = await hub.start();
  t.teardown(() => hub.stop());

  const xml = poisonousProcess(new Date(Date.now() + 2000));
  // It passes the admin's lint (what the designer runs before deploying)…
  t.deepEqual((await lintBpmn(xml)).errors, []);
  // …and deploys through the real client.
  const c8 = new Camunda8(clientConfig(hub.engine!.gatewayAddress) as never);
  const zbc = c8.getZeebeGrpcApiClient();
  await zbc.deployResource({ process: Buffer.from(xml), name: 'poison.bpmn' });
  await closeZeebeClient(zbc);

  // While the timer fires and the script runs, the hub keeps answering.
  let slowest = 0;
  let found: Incident[] = [];
  const end = Date.now() + 20_000;
  while (found.length === 0 && Date.now() < end) {
    const started = performance.now();
    const res = await fetch(`${url}/healthz`);
    t.is(res.status, 200);
    slowest = Math.max(slowest, performance.now() - started);
    found = await incidents(hub);
    await delay(20);
  }
  t.true(slowest < 1000, `/healthz took ${slowest} ms`);
  t.like(found, [
    {
      errorType: 'EXTRACT_VALUE_ERROR',
      elementId: 'count',
      state: 'ACTIVE',
      errorMessage:
        "failed to evaluate expression 'count(for i in 1..100000000 return i)': the evaluation exceeded its budget of 100000 list elements (ENGINE_FEEL_MAX_LIST_SIZE): the range 1..100000000 of 100000000 elements",
    },
  ]);
  t.is(found.length, 1);

  // A restart on the same databases: the hub comes up, the incident is there, the timer did not fire again.
  await hub.stop();
  hub = createHub({ config, logger: createLogger('silent') });
  ({ url } = await hub.start());
  t.deepEqual(await (await fetch(`${url}/healthz`)).json(), { status: 'ok' });
  await delay(500);
  const after = await incidents(hub);
  t.is(after.length, 1);
  t.is(after[0]!.errorType, 'EXTRACT_VALUE_ERROR');
});
