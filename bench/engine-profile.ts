/**
 * A fixed amount of engine work through the gateway with the real client (in-process engine, as
 * bench:engine drives it), for CPU profiles: `npx tsx bench/engine-profile.ts [one|ten] [N] [profile.cpuprofile]`.
 * `one-api` / `ten-api` call the engine's API directly instead (no gRPC, no client): the engine's own
 * CPU per instance and task.
 * Wall time means little on a loaded machine; the CPU time per instance and per task it prints (client
 * and engine together, as in bench:engine) and the profile's self time by function do. The profile
 * covers only the measured part (not start-up and deployment).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { startTestEngine } from '../test/helpers/engine.ts';

const mode = process.argv[2] ?? 'one';
const N = Number(process.argv[3] ?? 2000);
const tasksPer = mode.startsWith('ten') ? 10 : 1;
const direct = mode.endsWith('-api');
const te = await startTestEngine();
const zbc = te.zbc;
const parts = ['<bpmn:startEvent id="start" />'];
let prev = 'start';
for (let i = 1; i <= tasksPer; i++) {
  parts.push(
    `<bpmn:sequenceFlow id="f${i}" sourceRef="${prev}" targetRef="t${i}" />`,
    `<bpmn:serviceTask id="t${i}"><bpmn:extensionElements><zeebe:taskDefinition type="prof" /></bpmn:extensionElements></bpmn:serviceTask>`,
  );
  prev = `t${i}`;
}
parts.push(`<bpmn:sequenceFlow id="fe" sourceRef="${prev}" targetRef="end" />`, '<bpmn:endEvent id="end" />');
const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="x">
<bpmn:process id="prof" isExecutable="true">${parts.join('\n')}</bpmn:process></bpmn:definitions>`;
await zbc.deployResource({ process: Buffer.from(xml), name: 'prof.bpmn' });

let done = 0;
let finished!: () => void;
const all = new Promise<void>((r) => (finished = r));
const engine = te.engine!;
const worker = direct
  ? { close: async () => {} }
  : zbc.createWorker({
      taskType: 'prof',
      maxJobsToActivate: 200,
      taskHandler: async (job) => {
        const ack = await job.complete();
        if (++done === N * tasksPer) finished();
        return ack;
      },
    });
/** The API-only worker: activates up to 200 jobs at a time and completes them concurrently. */
async function directWorker() {
  while (done < N * tasksPer) {
    const { jobs } = await engine.activateJobs({
      type: 'prof',
      worker: 'prof',
      timeout: 60_000,
      maxJobsToActivate: 200,
    });
    if (!jobs.length) await new Promise((r) => setTimeout(r, 1));
    await Promise.all(
      jobs.map(async (j) => {
        await engine.completeJob({ jobKey: j.key, variables: {} });
        if (++done === N * tasksPer) finished();
      }),
    );
  }
}
const profileFile = process.argv[4];
const session = new Session();
if (profileFile) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let next = 0;
const working = direct ? directWorker() : Promise.resolve();
await Promise.all(
  Array.from({ length: 50 }, async () => {
    while (next < N) {
      next++;
      if (direct)
        await engine.createProcessInstance({
          bpmnProcessId: 'prof',
          version: -1,
          variables: { caseId: next },
        });
      else await zbc.createProcessInstance({ bpmnProcessId: 'prof', variables: { caseId: next } });
    }
  }),
);
await all;
await working;
const cpu = process.cpuUsage(cpu0);
const wall = performance.now() - t0;
if (profileFile) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(profileFile, JSON.stringify(profile));
  session.disconnect();
}
await worker.close();
await te.close();
const cpuMs = (cpu.user + cpu.system) / 1000;
console.log(
  JSON.stringify({
    mode,
    instances: N,
    tasks: N * tasksPer,
    wallMs: Math.round(wall),
    cpuMs: Math.round(cpuMs),
    cpuMsPerInstance: +(cpuMs / N).toFixed(3),
    cpuMsPerTask: +(cpuMs / (N * tasksPer)).toFixed(3),
    db: process.env.HUB_TEST_DB ?? 'sqlite',
  }),
);
