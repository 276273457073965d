/**
 * Engine figures through the Zeebe gateway with the real client (@camunda8/sdk), printed as JSON.
 * The engine runs in-process on a fresh database chosen by HUB_TEST_DB (sqlite by default, or postgres).
 *
 *   npm run bench:engine -- [instances] [concurrency]
 *
 * Figure 1 — one-service-task instances per second, end to end: `instances` instances of
 * start → service task → end are created by `concurrency` concurrent callers while one worker
 * (maxJobsToActivate 200) completes their jobs; the time runs from the first create to the last
 * acknowledged completion.
 */
import { startTestEngine } from '../test/helpers/engine.ts';

const instances = Number(process.argv[2] ?? 2000);
const concurrency = Number(process.argv[3] ?? 50);

const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="bench-defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="bench-one-task" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    <bpmn:serviceTask id="task"><bpmn:extensionElements><zeebe:taskDefinition type="bench-one-task" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

const engine = await startTestEngine({ clockControl: false });
try {
  const { zbc } = engine;
  await zbc.deployResource({ process: Buffer.from(xml), name: 'bench-one-task.bpmn' });

  let completed = 0;
  let allCompleted!: () => void;
  const finished = new Promise<void>((resolve) => (allCompleted = resolve));
  const worker = zbc.createWorker({
    taskType: 'bench-one-task',
    maxJobsToActivate: 200,
    taskHandler: async (job) => {
      const ack = await job.complete({ done: true });
      if (++completed === instances) allCompleted();
      return ack;
    },
  });

  const createLatencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < instances) {
        next++;
        const t0 = performance.now();
        await zbc.createProcessInstance({ bpmnProcessId: 'bench-one-task', variables: { n: next } });
        createLatencies.push(performance.now() - t0);
      }
    }),
  );
  const createSeconds = (performance.now() - started) / 1000;
  await finished;
  const seconds = (performance.now() - started) / 1000;
  await worker.close();
  createLatencies.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      figure: 'one-service-task instances per second, end to end through gRPC (real client)',
      database: engine.db.provider,
      instances,
      concurrency,
      seconds: Number(seconds.toFixed(2)),
      instancesPerSecond: Math.round(instances / seconds),
      createsPerSecond: Math.round(instances / createSeconds),
      createLatencyMs: {
        p50: Number(percentile(createLatencies, 50).toFixed(1)),
        p99: Number(percentile(createLatencies, 99).toFixed(1)),
      },
      node: process.version,
    }),
  );
} finally {
  await engine.close();
}
