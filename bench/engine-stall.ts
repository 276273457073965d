/**
 * Event-loop stall and memory of the process that embeds the engine (the hub's, when ENGINE_MODE is
 * embedded) while procedures evaluate costly FEEL:
 * `npx tsx bench/engine-stall.ts [n] [instances] [lift] [thread]`.
 *
 * Starts the engine in-process on SQLite in a temp dir, deploys a procedure whose script task is
 * `=count(for i in 1..<n> return i)`, starts <instances> instances through the real Zeebe client, and
 * prints the longest event-loop stall of this process (the longest gap between ticks of a 5 ms timer:
 * what an API request arriving then would wait) and the peak RSS (sampled by that timer, so a stalled
 * loop samples late) until every instance has finished or has an incident.
 * `lift` raises the FEEL limits out of the way (what the engine did before they existed); `thread` runs
 * the engine in its own worker thread (engine/thread.ts, the hub's ENGINE_THREAD) instead of in-process.
 * Defaults: n = 100000 (within the default budget), instances = 1.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Camunda8 } from '@camunda8/sdk';
import { startStandaloneEngine } from '../engine/standalone.ts';
import { startEngineThread } from '../engine/thread.ts';
import { createLogger } from '../src/log.ts';
import { closeZeebeClient } from '../src/zeebe.ts';

const n = Number(process.argv[2] ?? 100_000);
const instances = Number(process.argv[3] ?? 1);
const lift = process.argv.includes('lift');
const thread = process.argv.includes('thread');

const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="costly" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:scriptTask id="count"><bpmn:extensionElements><zeebe:script expression="=count(for i in 1..${n} return i)" resultVariable="n" /></bpmn:extensionElements></bpmn:scriptTask>
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="count" />
    <bpmn:sequenceFlow id="f2" sourceRef="count" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>`;

const dir = await mkdtemp(join(tmpdir(), 'engine-stall-'));
const options = {
  databaseUrl: `file:${join(dir, 'engine.db')}`,
  address: '127.0.0.1:0',
  managementPort: 0,
  clockControl: false,
  maxMessageBytes: 4 * 1024 * 1024,
  feelLimits: lift ? { maxSteps: 1e12, maxListSize: 1e12, maxTimeMs: 3_600_000 } : undefined,
  logger: createLogger('silent'),
};
const node = thread
  ? await startEngineThread({ ...options, logLevel: 'silent' })
  : await startStandaloneEngine(options);
const c8 = new Camunda8({
  ZEEBE_GRPC_ADDRESS: `grpc://${node.gatewayAddress}`,
  CAMUNDA_AUTH_STRATEGY: 'NONE',
  CAMUNDA_LOG_LEVEL: 'error',
  zeebeGrpcSettings: { ZEEBE_CLIENT_LOG_LEVEL: 'NONE' },
} as never);
const zbc = c8.getZeebeGrpcApiClient();
await zbc.deployResource({ process: Buffer.from(xml), name: 'costly.bpmn' });

const rssBefore = process.memoryUsage().rss;
let rssPeak = rssBefore;
// The longest gap between two ticks of a 5 ms timer: how long an API request arriving then would wait.
let lastTick = performance.now();
let longestGap = 0;
const sampler = setInterval(() => {
  const now = performance.now();
  longestGap = Math.max(longestGap, now - lastTick - 5);
  lastTick = now;
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
}, 5);
const started = performance.now();
const rest = async <T>(path: string, body: unknown): Promise<T> =>
  (await (
    await fetch(`${node.restUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  ).json()) as T;
await Promise.all(
  Array.from({ length: instances }, () =>
    zbc.createProcessInstance({ bpmnProcessId: 'costly', variables: {} }),
  ),
);
// Until every instance has completed or holds an incident.
let completed: number;
for (;;) {
  const { items } = await rest<{ items: { state: string; hasIncident: boolean }[] }>(
    '/v2/process-instances/search',
    { page: { limit: 10_000 } },
  );
  completed = items.filter((i) => i.state === 'COMPLETED').length;
  if (items.length === instances && items.every((i) => i.state !== 'ACTIVE' || i.hasIncident)) break;
  await new Promise((resolve) => setTimeout(resolve, 20));
}
const elapsed = performance.now() - started;
clearInterval(sampler);
const incidents = await rest<{ items: { errorMessage: string }[] }>('/v2/incidents/search', {});

console.log(
  `count(for i in 1..${n} return i) × ${instances}${lift ? ' (limits lifted)' : ''}, engine ${thread ? 'in its own thread' : 'in-process'}`,
);
console.log(`  instances: ${completed} completed, ${incidents.items.length} incidents`);
if (incidents.items[0]) console.log(`  incident: ${incidents.items[0].errorMessage.slice(0, 160)}`);
console.log(`  wall time: ${elapsed.toFixed(0)} ms`);
console.log(`  longest event-loop stall: ${longestGap.toFixed(0)} ms`);
console.log(`  RSS: ${(rssBefore / 1e6).toFixed(0)} MB before, peak ${(rssPeak / 1e6).toFixed(0)} MB`);
await closeZeebeClient(zbc);
await node.close();
await rm(dir, { recursive: true, force: true });
