/**
 * Engine figures through the Zeebe gateway with the real client (@camunda8/sdk). Prints progress lines
 * and, as its last line, one JSON object. Every engine runs on free ports with a fresh database
 * (SQLite temp file, or a fresh PostgreSQL database with `--db postgres`) that is dropped at the end.
 *
 *   npm run bench:engine -- [instances] [concurrency] [--seconds N] [--waiting N] [--timers N]
 *                           [--db sqlite|postgres] [--only 1,2,…] [--engine-cpu-prof DIR]
 *
 * 1. one-service-task instances/s, created → completed (`instances`, `concurrency` callers, one worker);
 * 2. a ten-service-task process: tasks/s sustained for `--seconds` (default 60), with the engine in a
 *    child process of its own and this process as its client (creators and the SDK's polling worker),
 *    as a real deployment runs them; with the engine's and the client's CPU per task, which the load of
 *    a shared machine distorts far less than the rate (`--engine-cpu-prof DIR`: V8 profile of the engine);
 * 3. job activation latency with a streaming worker at 100 instances/s for ~20 s: from the
 *    createProcessInstance call to the worker receiving the job (an upper bound of creation → receipt);
 * 4. `--waiting` (default 100,000) instances each waiting on a timer and a message (event-based gateway)
 *    in an engine child process: its RSS, restart-to-ready after SIGKILL, and how late the timers fire
 *    (job received by a streaming worker − due time);
 * 5. the same ten-task process on the npm package `bpmn-engine` in memory, tasks/s; ratioToPeer = (2)/(5);
 * 6. timer precision apart from backlog: `--timers` (default 10,000) instances whose timers fall due
 *    spread evenly over one minute, in an engine child process; lateness = job received by a streaming
 *    worker − due time (so it includes the job the timer creates and its push).
 * `--only 2,6` runs just those figures.
 * Nothing is tuned to hit a target: the figures are what one run measured.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seconds: { type: 'string', default: '60' },
    waiting: { type: 'string', default: '100000' },
    timers: { type: 'string', default: '10000' },
    db: { type: 'string', default: process.env.HUB_TEST_DB ?? 'sqlite' },
    only: { type: 'string', default: '1,2,3,4,5,6' },
    'engine-cpu-prof': { type: 'string' },
  },
});
const instances = Number(positionals[0] ?? 2000);
const concurrency = Number(positionals[1] ?? 50);
const seconds = Number(values.seconds);
const waiting = Number(values.waiting);
const timerCount = Number(values.timers);
const only = new Set(values.only.split(',').map((f) => f.trim()));
for (const f of only) if (!/^[1-6]$/.test(f)) throw new Error(`--only takes figure numbers 1–6, not '${f}'`);
if (values.db !== 'sqlite' && values.db !== 'postgres') throw new Error('--db must be sqlite or postgres');
// The test helper picks the database from HUB_TEST_DB when it creates one.
process.env.HUB_TEST_DB = values.db;
const { startTestEngine } = await import('../test/helpers/engine.ts');
type TestEngine = Awaited<ReturnType<typeof startTestEngine>>;

const progress = (msg: string) => console.log(`[${new Date().toISOString()}] ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
const round1 = (n: number) => Number(n.toFixed(1));

const defs = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="bench-defs" targetNamespace="http://bpmn.io/schema/bpmn">
${body}
</bpmn:definitions>`;

/** start → N service tasks (all of job type `type`, or a peer `implementation`) → end. */
function tasksProcess(id: string, count: number, task: (i: number) => string): string {
  const parts = ['<bpmn:startEvent id="start" />'];
  let prev = 'start';
  for (let i = 1; i <= count; i++) {
    parts.push(`<bpmn:sequenceFlow id="f${i}" sourceRef="${prev}" targetRef="t${i}" />`, task(i));
    prev = `t${i}`;
  }
  parts.push(
    `<bpmn:sequenceFlow id="fEnd" sourceRef="${prev}" targetRef="end" />`,
    '<bpmn:endEvent id="end" />',
  );
  return defs(`<bpmn:process id="${id}" isExecutable="true">${parts.join('\n')}</bpmn:process>`);
}
const zeebeTask = (type: string) => (i: number) =>
  `<bpmn:serviceTask id="t${i}"><bpmn:extensionElements><zeebe:taskDefinition type="${type}" /></bpmn:extensionElements></bpmn:serviceTask>`;

const waitingXml = defs(`<bpmn:process id="bench-waiting" isExecutable="true">
  <bpmn:startEvent id="start" />
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw" />
  <bpmn:eventBasedGateway id="gw" />
  <bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="timer" />
  <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="msg" />
  <bpmn:intermediateCatchEvent id="timer"><bpmn:timerEventDefinition><bpmn:timeDate>=due</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
  <bpmn:intermediateCatchEvent id="msg"><bpmn:messageEventDefinition messageRef="wakeUp" /></bpmn:intermediateCatchEvent>
  <bpmn:sequenceFlow id="f4" sourceRef="timer" targetRef="fired" />
  <bpmn:serviceTask id="fired"><bpmn:extensionElements><zeebe:taskDefinition type="bench-timer-fired" /></bpmn:extensionElements></bpmn:serviceTask>
  <bpmn:sequenceFlow id="f5" sourceRef="fired" targetRef="end" />
  <bpmn:sequenceFlow id="f6" sourceRef="msg" targetRef="end2" />
  <bpmn:endEvent id="end" />
  <bpmn:endEvent id="end2" />
</bpmn:process>
<bpmn:message id="wakeUp" name="bench-wake-up"><bpmn:extensionElements><zeebe:subscription correlationKey="=id" /></bpmn:extensionElements></bpmn:message>`);

/** Runs `create` from `callers` concurrent loops until `more()` says stop. */
async function createWhile(callers: number, more: () => boolean, create: () => Promise<unknown>) {
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (more()) await create();
    }),
  );
}

/** Figure 1: one-service-task instances/s, created → completed. */
/**
 * Figures 4 and 6: streams the jobs the bench's timers create and records how late each one arrived
 * (receipt − the instance's `due`), so lateness includes the job the timer creates and its push.
 */
async function timerLateness(zbc: TestEngine['zbc'], worker: string) {
  const late: number[] = [];
  const stream = await zbc.streamJobs({
    type: 'bench-timer-fired',
    worker,
    timeout: 60_000,
    tenantIds: ['<default>'],
    taskHandler: (job) => {
      late.push(Date.now() - Date.parse(String(job.variables.due)));
      return job.complete();
    },
  });
  return { late, close: () => stream.close() };
}

/**
 * Waits until `expected` timers have fired, or none did for `stallSeconds` once `dueAt` passed; a
 * progress line every 10 s.
 */
async function awaitTimers(
  late: number[],
  expected: number,
  dueAt: number,
  stallSeconds: number,
  line: () => string,
) {
  let last = -1;
  let stalled = 0;
  let ticks = 0;
  while (late.length < expected && stalled < stallSeconds) {
    await sleep(1000);
    if (Date.now() < dueAt) continue;
    stalled = late.length === last ? stalled + 1 : 0;
    last = late.length;
    if (++ticks % 10 === 0) progress(line());
  }
}

/** Ends the probe instances (ids `${prefix}1`…), which wait an hour, by their message. */
async function wakeProbes(zbc: TestEngine['zbc'], prefix: string, count: number) {
  for (let n = 1; n <= count; n++)
    await zbc.publishMessage({
      name: 'bench-wake-up',
      correlationKey: `${prefix}${n}`,
      variables: {},
      timeToLive: 0,
    });
}

async function oneTask(engine: TestEngine) {
  const { zbc } = engine;
  await zbc.deployResource({
    process: Buffer.from(tasksProcess('bench-one-task', 1, zeebeTask('bench-one-task'))),
    name: 'one.bpmn',
  });
  let completed = 0;
  let allCompleted!: () => void;
  const finished = new Promise<void>((resolve) => (allCompleted = resolve));
  const worker = zbc.createWorker({
    taskType: 'bench-one-task',
    maxJobsToActivate: 200,
    taskHandler: async (job) => {
      const ack = await job.complete();
      if (++completed === instances) allCompleted();
      return ack;
    },
  });
  const createLatencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await createWhile(
    concurrency,
    () => next < instances,
    async () => {
      next++;
      const t0 = performance.now();
      await zbc.createProcessInstance({ bpmnProcessId: 'bench-one-task', variables: {} });
      createLatencies.push(performance.now() - t0);
    },
  );
  await finished;
  const secs = (performance.now() - started) / 1000;
  await worker.close();
  return {
    oneTaskInstancesPerSec: Math.round(instances / secs),
    oneTaskCreateP50Ms: round1(percentile(createLatencies, 50)),
    oneTaskCreateP99Ms: round1(percentile(createLatencies, 99)),
  };
}

/** Figure 2: ten-service-task process, tasks completed per second over `seconds`, engine in its own process. */
async function tenTasks() {
  const profileDir = values['engine-cpu-prof'];
  const engine = await startTestEngine({
    childProcess: true,
    clockControl: false,
    nodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  });
  try {
    const { zbc } = engine;
    await zbc.deployResource({
      process: Buffer.from(tasksProcess('bench-ten', 10, zeebeTask('bench-ten'))),
      name: 'ten.bpmn',
    });
    const enginePid = engineChildPid();
    let tasks = 0;
    let inFlight = 0;
    let counting = true;
    const worker = zbc.createWorker({
      taskType: 'bench-ten',
      maxJobsToActivate: 200,
      taskHandler: async (job) => {
        const ack = await job.complete();
        if (counting) tasks++;
        if (job.elementId === 't10') inFlight--;
        return ack;
      },
    });
    const load = loadAverage();
    const engineCpu0 = cpuSeconds(enginePid);
    const clientCpu0 = process.cpuUsage();
    const started = performance.now();
    const end = started + seconds * 1000;
    const ticker = setInterval(
      () => progress(`ten-task: ${tasks} tasks so far, ${inFlight} instances in flight`),
      10_000,
    );
    // Keep enough instances open that the worker always has jobs, without an unbounded backlog.
    await createWhile(
      20,
      () => performance.now() < end,
      async () => {
        if (inFlight >= 300) return sleep(5);
        inFlight++;
        await zbc.createProcessInstance({ bpmnProcessId: 'bench-ten', variables: {} });
      },
    );
    counting = false;
    const secs = (performance.now() - started) / 1000;
    const engineCpu = cpuSeconds(enginePid) - engineCpu0;
    const clientCpuUsage = process.cpuUsage(clientCpu0);
    const clientCpu = (clientCpuUsage.user + clientCpuUsage.system) / 1e6;
    clearInterval(ticker);
    await worker.close();
    return {
      tasksPerSec: Math.round(tasks / secs),
      tenTaskSeconds: round1(secs),
      tenTaskEngineCpuMsPerTask: Number(((engineCpu * 1000) / tasks).toFixed(3)),
      tenTaskClientCpuMsPerTask: Number(((clientCpu * 1000) / tasks).toFixed(3)),
      tenTaskLoadAverage: `${load} → ${loadAverage()}`,
    };
  } finally {
    await engine.close();
  }
}

/** Figure 3: creation → streaming-worker receipt at a steady 100 instances/s for ~20 s. */
async function activationLatency(engine: TestEngine) {
  const { zbc } = engine;
  await zbc.deployResource({
    process: Buffer.from(tasksProcess('bench-latency', 1, zeebeTask('bench-latency'))),
    name: 'latency.bpmn',
  });
  const latencies: number[] = [];
  const stream = await zbc.streamJobs({
    type: 'bench-latency',
    worker: 'bench-latency-worker',
    timeout: 30_000,
    tenantIds: ['<default>'],
    taskHandler: (job) => {
      latencies.push(Date.now() - Number(job.variables.sentAt));
      return job.complete();
    },
  });
  await sleep(1000); // let the stream open before the first job exists
  const total = 2000;
  const started = performance.now();
  const creates: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const wait = started + i * 10 - performance.now();
    if (wait > 0) await sleep(wait);
    creates.push(
      zbc.createProcessInstance({ bpmnProcessId: 'bench-latency', variables: { sentAt: Date.now() } }),
    );
  }
  await Promise.all(creates);
  const deadline = Date.now() + 60_000;
  while (latencies.length < total && Date.now() < deadline) await sleep(100);
  stream.close();
  return {
    activationP50Ms: round1(percentile(latencies, 50)),
    activationP99Ms: round1(percentile(latencies, 99)),
    activationJobsReceived: latencies.length,
    activationOfferedPerSec: Math.round(total / ((performance.now() - started) / 1000)),
  };
}

/** The pid of the engine child process (`src/engine-main.ts`) this bench started. */
function engineChildPid(): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (ppid === process.pid && cmd.includes('src/engine-main.ts')) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  throw new Error('engine child process not found');
}
/** User + system CPU seconds a process has used (from /proc; clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[11] and [12] are utime and stime (fields 14 and 15 of proc(5), counted from the state field)
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const rssMB = (pid: number) =>
  Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);

/** Figure 4: `waiting` instances on a timer + message; RSS, restart-to-ready, timer lateness. */
async function waitingInstances() {
  const engine = await startTestEngine({ childProcess: true, clockControl: false });
  try {
    const { zbc } = engine;
    await zbc.deployResource({ process: Buffer.from(waitingXml), name: 'waiting.bpmn' });
    const rssEmptyMB = rssMB(engineChildPid());
    // All timers share one due time: the creation time estimated from the first 1% plus 30 s, so they
    // fall due shortly after the restart.
    const probe = Math.max(50, Math.ceil(waiting / 100));
    let created = 0;
    let due = '';
    const started = performance.now();
    const create = async () => {
      const n = ++created;
      await zbc.createProcessInstance({
        bpmnProcessId: 'bench-waiting',
        variables: { id: `w-${n}`, due: due || new Date(Date.now() + 3_600_000).toISOString() },
      });
      if (n % 10_000 === 0) progress(`waiting: ${n} instances created`);
    };
    await createWhile(50, () => created < Math.min(probe, waiting), create);
    const perSec = created / ((performance.now() - started) / 1000);
    const dueAt = Date.now() + ((waiting - created) / perSec) * 1000 * 1.3 + 30_000;
    due = new Date(dueAt).toISOString();
    progress(`waiting: ${Math.round(perSec)}/s on the probe; the timers fall due at ${due}`);
    // The probe instances wait an hour; correlate their messages away so that all remaining ones share `due`.
    const probeCount = created;
    await createWhile(50, () => created < waiting, create);
    const createSec = (performance.now() - started) / 1000;
    await wakeProbes(zbc, 'w-', probeCount);
    await sleep(2000);
    const waitingRssMB = rssMB(engineChildPid());
    progress(
      `waiting: ${waiting} instances created in ${createSec.toFixed(1)} s; engine RSS ${waitingRssMB} MB`,
    );
    if (Date.now() > dueAt)
      progress('waiting: creation overran the due time; timers fire before the restart');

    const restartStarted = performance.now();
    await engine.restart(); // SIGKILL, then start on the same database and ports
    for (;;) {
      try {
        await engine.zbc.topology();
        break;
      } catch {
        await sleep(20);
      }
    }
    const restartToReadySec = (performance.now() - restartStarted) / 1000;
    const rssAfterRestartMB = rssMB(engineChildPid());
    progress(`waiting: ready ${restartToReadySec.toFixed(2)} s after SIGKILL; RSS ${rssAfterRestartMB} MB`);

    const expected = waiting - probeCount;
    const { late, close } = await timerLateness(engine.zbc, 'bench-timer-worker');
    await awaitTimers(late, expected, dueAt, 60, () => `waiting: ${late.length}/${expected} timers fired`);
    close();
    return {
      waitingInstances: waiting,
      waitingCreatePerSec: Math.round(waiting / createSec),
      rssEmptyMB,
      waitingRssMB,
      rssAfterRestartMB,
      restartToReadySec: Number(restartToReadySec.toFixed(2)),
      timersFired: late.length,
      timerLateP50Ms: Math.round(percentile(late, 50)),
      timerLateP99Ms: Math.round(percentile(late, 99)),
    };
  } finally {
    await engine.close();
  }
}

/** Figure 6: `timerCount` timers due spread evenly over one minute: how late each one fires. */
async function timerPrecision() {
  const engine = await startTestEngine({ childProcess: true, clockControl: false });
  try {
    const { zbc } = engine;
    await zbc.deployResource({ process: Buffer.from(waitingXml), name: 'waiting.bpmn' });
    const { late, close } = await timerLateness(zbc, 'bench-timer-precision');
    await sleep(1000); // let the stream open before the first job exists
    // A probe of 1% (waiting an hour, then ended by message) measures the creation rate, so that the
    // first timer falls due only after the last instance exists: lateness then owes nothing to creation.
    const probe = Math.max(50, Math.ceil(timerCount / 100));
    let created = 0;
    let firstDue = 0;
    const spacing = 60_000 / timerCount;
    const started = performance.now();
    const create = async () => {
      const n = ++created;
      const due = firstDue ? firstDue + (n - probe - 1) * spacing : Date.now() + 3_600_000;
      await zbc.createProcessInstance({
        bpmnProcessId: 'bench-waiting',
        variables: { id: `p-${n}`, due: new Date(due).toISOString() },
      });
    };
    await createWhile(50, () => created < probe, create);
    const perSec = created / ((performance.now() - started) / 1000);
    firstDue = Math.ceil(Date.now() + (timerCount / perSec) * 1000 * 1.5 + 3000);
    progress(
      `timer precision: ${Math.round(perSec)}/s on the probe; ${timerCount} timers due from ${new Date(firstDue).toISOString()} over 60 s`,
    );
    await createWhile(50, () => created < probe + timerCount, create);
    const createdBeforeFirstDue = Date.now() < firstDue;
    await wakeProbes(zbc, 'p-', probe);
    const load = loadAverage();
    await awaitTimers(
      late,
      timerCount,
      firstDue,
      30,
      () => `timer precision: ${late.length}/${timerCount} fired, the last late ${late.at(-1) ?? '-'} ms`,
    );
    close();
    return {
      precisionTimers: timerCount,
      precisionTimersFired: late.length,
      precisionCreatedBeforeFirstDue: createdBeforeFirstDue,
      precisionLateP50Ms: Math.round(percentile(late, 50)),
      precisionLateP99Ms: Math.round(percentile(late, 99)),
      precisionLateMaxMs: Math.round(percentile(late, 100)),
      precisionLoadAverage: `${load} → ${loadAverage()}`,
    };
  } finally {
    await engine.close();
  }
}

/** Figure 5: the ten-task process on bpmn-engine in memory, tasks/s over `seconds`. */
async function peer() {
  const { Engine } = await import('bpmn-engine');
  const { BpmnModdle } = await import('bpmn-moddle');
  const xml = tasksProcess(
    'peer-ten',
    10,
    (i) => `<bpmn:serviceTask id="t${i}" implementation="\${environment.services.work}" />`,
  );
  const moddleContext = await new BpmnModdle().fromXML(xml);
  let tasks = 0;
  let counting = true;
  const services = {
    work(_ctx: unknown, callback: (err: Error | null, out?: unknown) => void) {
      // Answer on a later turn, as a worker would, so one instance cannot starve the others.
      setImmediate(() => {
        if (counting) tasks++;
        callback(null, {});
      });
    },
  };
  const runOne = () =>
    new Promise<void>((resolve, reject) => {
      const engine = new Engine({ name: 'peer', moddleContext: moddleContext as never, services });
      engine.once('end', () => resolve());
      engine.once('error', reject);
      engine.execute().catch(reject);
    });
  const started = performance.now();
  const end = started + seconds * 1000;
  await createWhile(50, () => performance.now() < end, runOne);
  counting = false;
  const secs = (performance.now() - started) / 1000;
  return { peerBpmnEngineTasksPerSec: Math.round(tasks / secs) };
}

progress(
  `bench:engine on ${values.db}: figures ${[...only].join(',')}; ${instances} one-task instances, ${seconds} s ten-task, ${waiting} waiting, ${timerCount} spread timers`,
);
const result: Record<string, unknown> = { db: values.db };
if (only.has('1') || only.has('3')) {
  const engine = await startTestEngine({ clockControl: false });
  try {
    if (only.has('1')) {
      Object.assign(result, await oneTask(engine));
      progress(`1. one-task: ${JSON.stringify(result)}`);
    }
    if (only.has('3')) {
      const latency = await activationLatency(engine);
      Object.assign(result, latency);
      progress(`3. activation latency: ${JSON.stringify(latency)}`);
    }
  } finally {
    await engine.close();
  }
}
if (only.has('2')) {
  const ten = await tenTasks();
  Object.assign(result, ten);
  progress(`2. ten-task: ${JSON.stringify(ten)}`);
}
if (only.has('4')) {
  const waitingResult = await waitingInstances();
  Object.assign(result, waitingResult);
  progress(`4. waiting instances: ${JSON.stringify(waitingResult)}`);
}
if (only.has('6')) {
  const precision = await timerPrecision();
  Object.assign(result, precision);
  progress(`6. timer precision: ${JSON.stringify(precision)}`);
}
if (only.has('5')) {
  Object.assign(result, await peer());
  if (only.has('2'))
    result.ratioToPeer = Number(
      (Number(result.tasksPerSec) / Number(result.peerBpmnEngineTasksPerSec)).toFixed(3),
    );
}
result.node = process.version;
result.flags = { instances, concurrency, seconds, waiting, timers: timerCount };
console.log(JSON.stringify(result));
process.exit(0);
