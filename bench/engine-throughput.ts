/**
 * In-process engine throughput (no gRPC): one-task instances created per second, and tasks
 * (activate + complete) per second, on a fresh SQLite file. `npx tsx bench/engine-throughput.ts [N]`.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../engine/index.ts';

const N = Number(process.argv[2] ?? 5000);
const file = join(tmpdir(), `engine-bench-${process.pid}.db`);
const engine = await createEngine({ databaseUrl: `file:${file}` });
await engine.start();
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
await engine.deployResource({ resources: [{ name: 'bench.bpmn', content: xml }] });

let t = performance.now();
const inFlight = 200;
let created = 0;
await Promise.all(
  Array.from({ length: inFlight }, async () => {
    while (created < N) {
      created++;
      await engine.createProcessInstance({
        bpmnProcessId: 'bench',
        version: -1,
        variables: { caseId: created, district: 'north' },
      });
    }
  }),
);
const createRate = (N / (performance.now() - t)) * 1000;

t = performance.now();
let done = 0;
await Promise.all(
  Array.from({ length: 4 }, async () => {
    while (done < N) {
      const { jobs } = await engine.activateJobs({
        type: 'bench-work',
        worker: 'bench',
        timeout: 60_000,
        maxJobsToActivate: 64,
      });
      if (!jobs.length) break;
      await Promise.all(jobs.map((j) => engine.completeJob({ jobKey: j.key, variables: { ok: true } })));
      done += jobs.length;
    }
  }),
);
const taskRate = (done / (performance.now() - t)) * 1000;
console.log(
  `instances created: ${createRate.toFixed(0)}/s; tasks activated+completed: ${taskRate.toFixed(0)}/s (N=${N}, SQLite, in-process)`,
);
await engine.close();
for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
