/**
 * Engine throughput through the Zeebe gateway with the real @camunda8/sdk client (SQLite, one
 * process): one-task instances created per second, then tasks completed per second by a worker.
 * `npx tsx bench/engine-grpc-throughput.ts [N]`.
 */
import { startTestEngine } from '../test/helpers/engine.ts';

const N = Number(process.argv[2] ?? 3000);
const te = await startTestEngine();
const zbc = te.zbc;
const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="x">
  <bpmn:process id="bench" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:serviceTask id="task"><bpmn:extensionElements><zeebe:taskDefinition type="bench-work" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>`;
await zbc.deployResource({ process: Buffer.from(xml), name: 'bench.bpmn' });

let t = performance.now();
let created = 0;
await Promise.all(
  Array.from({ length: 100 }, async () => {
    while (created < N) {
      created++;
      await zbc.createProcessInstance({ bpmnProcessId: 'bench', variables: { caseId: created } });
    }
  }),
);
const createRate = (N / (performance.now() - t)) * 1000;

t = performance.now();
let done = 0;
await new Promise<void>((resolve) => {
  zbc.createWorker({
    taskType: 'bench-work',
    maxJobsToActivate: 200,
    timeout: 60_000,
    pollInterval: 10,
    taskHandler: async (job) => {
      const r = await job.complete({ ok: true });
      if (++done === N) resolve();
      return r;
    },
  });
});
const taskRate = (N / (performance.now() - t)) * 1000;
console.log(
  `gRPC: instances created ${createRate.toFixed(0)}/s; tasks completed ${taskRate.toFixed(0)}/s (N=${N}, SQLite)`,
);
await te.close();
