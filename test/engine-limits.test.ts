/**
 * Limits that keep one procedure from exhausting the embedded engine (issue 18, finding 6 and siblings),
 * through the real @camunda8/sdk client over gRPC on the database of HUB_TEST_DB:
 * - a timer cycle faster than ENGINE_TIMER_MIN_CYCLE_SECONDS is refused at deploy time (static) or raises
 *   an incident (FEEL), and the lint the admin's designer runs warns about it;
 * - a cycle that fell behind (engine down for an hour) fires once and goes on from now, instead of
 *   catching up every missed occurrence.
 * Serial: they move the engine clock.
 */
import test from 'ava';
import { lintBpmn } from '../processes/lint.ts';
import { startTestEngine, type TestEngine } from './helpers/engine.ts';
import { bpmn, chain, end, serviceTask, start } from './engine/support.ts';

const T0 = Date.parse('2026-05-01T00:00:00Z');
let te: TestEngine;
/** An engine with small limits, for the siblings (the defaults would take long to reach). */
let small: TestEngine;
test.before(async () => {
  te = await startTestEngine();
  await te.clock.pin(T0);
  small = await startTestEngine({
    limits: { maxMultiInstance: 100, maxCallDepth: 10, maxActivationsPerCommand: 2000 },
  });
});
test.after.always(async () => {
  await te?.close();
  await small?.close();
});

async function incidentsOf(engine: TestEngine, processInstanceKey: string) {
  const res = await fetch(`${engine.managementUrl}/v2/incidents/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ filter: { processInstanceKey } }),
  });
  return ((await res.json()) as { items: { errorType: string; errorMessage: string; elementId: string }[] })
    .items;
}

const timerStart = (cycle: string) =>
  `<bpmn:startEvent id="tick"><bpmn:timerEventDefinition><bpmn:timeCycle>${cycle}</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>`;

async function rest<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`${te.managementUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as T;
}

const instancesOf = async (processDefinitionId: string) =>
  (
    await rest<{ items: unknown[] }>('/v2/process-instances/search', {
      filter: { processDefinitionId },
      page: { limit: 1000 },
    })
  ).items.length;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `read` stops changing (the scheduler has done what was due). */
async function settled(read: () => Promise<number>): Promise<number> {
  let last = await read();
  for (;;) {
    await delay(300);
    const now = await read();
    if (now === last) return now;
    last = now;
  }
}

test.serial(
  'R/PT0.001S: lint warns, the deployment is refused naming the minimum and its setting',
  async (t) => {
    const xml = bpmn('storm', [timerStart('R/PT0.001S'), end(), chain('tick', 'end')].join('\n'));
    const lint = await lintBpmn(xml);
    t.deepEqual(
      lint.warnings.filter((w) => w.rule === 'hub/timer-cycle-minimum'),
      [
        {
          id: 'tick',
          rule: 'hub/timer-cycle-minimum',
          message:
            "Timer cycle 'R/PT0.001S' repeats every 0.001 s, more often than the minimum interval of 10 s (ENGINE_TIMER_MIN_CYCLE_SECONDS): the embedded engine refuses it",
        },
      ],
    );
    const err = await t.throwsAsync(te.zbc.deployResource({ process: Buffer.from(xml), name: 'storm.bpmn' }));
    t.is((err as { code?: number }).code, 3); // INVALID_ARGUMENT
    t.regex(
      err!.message,
      /- Element: tick\n {4}- ERROR: Expected a valid timer cycle 'R\/PT0\.001S', but it repeats every 0\.001 s, more often than the minimum interval of 10 s \(ENGINE_TIMER_MIN_CYCLE_SECONDS\)/,
    );
    // Cron every second, and a non-interrupting boundary cycle, likewise; 10 s itself is fine.
    const cron = bpmn('cronStorm', [timerStart('* * * * * *'), end(), chain('tick', 'end')].join('\n'));
    t.regex(
      (await t.throwsAsync(te.zbc.deployResource({ process: Buffer.from(cron), name: 'cron.bpmn' })))!
        .message,
      /Expected a valid timer cycle '\* \* \* \* \* \*', but it repeats every 1 s/,
    );
    const boundary = bpmn(
      'remindStorm',
      [
        start(),
        serviceTask('work', 'remind-storm-work'),
        '<bpmn:boundaryEvent id="remind" attachedToRef="work" cancelActivity="false"><bpmn:timerEventDefinition><bpmn:timeCycle>R/PT1S</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:boundaryEvent>',
        end(),
        end('reminded'),
        chain('start', 'work', 'end'),
        chain('remind', 'reminded'),
      ].join('\n'),
    );
    t.regex(
      (await t.throwsAsync(te.zbc.deployResource({ process: Buffer.from(boundary), name: 'b.bpmn' })))!
        .message,
      /- Element: remind\n {4}- ERROR: Expected a valid timer cycle 'R\/PT1S', but it repeats every 1 s/,
    );
    const ok = bpmn('tenSeconds', [timerStart('R3/PT10S'), end(), chain('tick', 'end')].join('\n'));
    t.deepEqual((await lintBpmn(ok)).warnings, []);
    await te.zbc.deployResource({ process: Buffer.from(ok), name: 'ok.bpmn' });
    await te.clock.add(30_000);
    t.is(await settled(() => instancesOf('tenSeconds')), 3);
  },
);

test.serial('a cycle computed by FEEL below the minimum is an incident naming it', async (t) => {
  const xml = bpmn(
    'feelStorm',
    [
      start(),
      serviceTask('work', 'feel-storm-work'),
      '<bpmn:boundaryEvent id="remind" attachedToRef="work" cancelActivity="false"><bpmn:timerEventDefinition><bpmn:timeCycle>=cadence</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:boundaryEvent>',
      end(),
      end('reminded'),
      chain('start', 'work', 'end'),
      chain('remind', 'reminded'),
    ].join('\n'),
  );
  await te.zbc.deployResource({ process: Buffer.from(xml), name: 'feel.bpmn' });
  const pi = await te.zbc.createProcessInstance({
    bpmnProcessId: 'feelStorm',
    variables: { cadence: 'R/PT0.01S' },
  });
  const found = await rest<{ items: { errorType: string; errorMessage: string; elementId: string }[] }>(
    '/v2/incidents/search',
    { filter: { processInstanceKey: pi.processInstanceKey } },
  );
  t.like(found.items, [
    {
      errorType: 'EXTRACT_VALUE_ERROR',
      elementId: 'work',
      errorMessage:
        "Expected a valid timer cycle 'R/PT0.01S', but it repeats every 0.01 s, more often than the minimum interval of 10 s (ENGINE_TIMER_MIN_CYCLE_SECONDS)",
    },
  ]);
});

test.serial(
  'after an hour behind, a one-minute cycle fires once and goes on from now (no catch-up storm)',
  async (t) => {
    const xml = bpmn('minutely', [timerStart('R/PT1M'), end(), chain('tick', 'end')].join('\n'));
    await te.zbc.deployResource({ process: Buffer.from(xml), name: 'minutely.bpmn' });
    await te.clock.add(60_000);
    t.is(await settled(() => instancesOf('minutely')), 1);
    // The engine "was down" for an hour: 60 occurrences were missed.
    await te.clock.add(3_600_000);
    t.is(await settled(() => instancesOf('minutely')), 2);
    // And the cadence goes on from now.
    await te.clock.add(60_000);
    t.is(await settled(() => instancesOf('minutely')), 3);
  },
);

test('a multi-instance over more elements than ENGINE_MAX_MULTI_INSTANCE is an incident, before any is created', async (t) => {
  const xml = bpmn(
    'fanOut',
    [
      start(),
      '<bpmn:serviceTask id="each"><bpmn:extensionElements><zeebe:taskDefinition type="fan-out-each" /></bpmn:extensionElements><bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=items" inputElement="item" /></bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics></bpmn:serviceTask>',
      end(),
      chain('start', 'each', 'end'),
    ].join('\n'),
  );
  await small.zbc.deployResource({ process: Buffer.from(xml), name: 'fan.bpmn' });
  const items = Array.from({ length: 101 }, (_, i) => i);
  const pi = await small.zbc.createProcessInstance({ bpmnProcessId: 'fanOut', variables: { items } });
  t.like(await incidentsOf(small, pi.processInstanceKey), [
    {
      errorType: 'EXTRACT_VALUE_ERROR',
      elementId: 'each',
      errorMessage:
        "Expected the input collection 'items' to have at most 100 elements (ENGINE_MAX_MULTI_INSTANCE), but it has 101.",
    },
  ]);
  const jobs = await small.zbc.activateJobs({
    type: 'fan-out-each',
    maxJobsToActivate: 5,
    timeout: 1000,
    worker: 't',
    requestTimeout: 100,
  });
  t.is(jobs.length, 0);
});

test('a process that calls itself stops at ENGINE_MAX_CALL_DEPTH with an incident', async (t) => {
  const xml = bpmn(
    'selfCall',
    [
      start(),
      '<bpmn:callActivity id="again"><bpmn:extensionElements><zeebe:calledElement processId="selfCall" propagateAllChildVariables="false" /></bpmn:extensionElements></bpmn:callActivity>',
      end(),
      chain('start', 'again', 'end'),
    ].join('\n'),
  );
  await small.zbc.deployResource({ process: Buffer.from(xml), name: 'self.bpmn' });
  await small.zbc.createProcessInstance({ bpmnProcessId: 'selfCall', variables: {} });
  const res = await fetch(`${small.managementUrl}/v2/incidents/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ filter: { processDefinitionId: 'selfCall' } }),
  });
  const found = ((await res.json()) as { items: { errorType: string; errorMessage: string }[] }).items;
  t.is(found.length, 1);
  t.is(found[0]!.errorType, 'CALLED_ELEMENT_ERROR');
  t.is(
    found[0]!.errorMessage,
    "Expected to call process with BPMN process id 'selfCall', but the call would nest 11 called instances, more than the maximum of 10 (ENGINE_MAX_CALL_DEPTH).",
  );
  // The root and the 10 called instances it nests.
  t.is(await instancesOfOn(small, 'selfCall'), 11);
});

test('a loop without a wait state is held after ENGINE_MAX_ACTIVATIONS_PER_COMMAND activations', async (t) => {
  const xml = bpmn(
    'spin',
    [
      start(),
      '<bpmn:exclusiveGateway id="again" />',
      '<bpmn:scriptTask id="step"><bpmn:extensionElements><zeebe:script expression="=1" resultVariable="x" /></bpmn:extensionElements></bpmn:scriptTask>',
      chain('start', 'again', 'step'),
      '<bpmn:sequenceFlow id="back" sourceRef="step" targetRef="again" />',
    ].join('\n'),
  );
  await small.zbc.deployResource({ process: Buffer.from(xml), name: 'spin.bpmn' });
  const pi = await small.zbc.createProcessInstance({ bpmnProcessId: 'spin', variables: {} });
  const found = await incidentsOf(small, pi.processInstanceKey);
  t.is(found.length, 1);
  t.is(found[0]!.errorType, 'UNKNOWN');
  t.regex(
    found[0]!.errorMessage,
    /^Expected to activate at most 2000 elements in one step \(ENGINE_MAX_ACTIVATIONS_PER_COMMAND\)/,
  );
});

async function instancesOfOn(engine: TestEngine, processDefinitionId: string) {
  const res = await fetch(`${engine.managementUrl}/v2/process-instances/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ filter: { processDefinitionId }, page: { limit: 1000 } }),
  });
  return ((await res.json()) as { items: unknown[] }).items.length;
}
