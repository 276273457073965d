/**
 * The engine clock actuator on the management port (like Zeebe's /actuator/clock): pinning and adding
 * time moves timers; with clock control off the endpoints do not exist.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { bpmnVariant, startTestEngine, type TestEngine } from './helpers/engine.ts';

let engine: TestEngine;

test.before(async () => {
  engine = await startTestEngine();
});
test.after.always(async () => {
  await engine?.close();
});

const HOUR = 3_600_000;
const timerCatch = readFileSync(new URL('./fixtures/engine/timer-catch.bpmn', import.meta.url), 'utf8');

async function deploy(suffix: string) {
  const variant = bpmnVariant(timerCatch, suffix);
  await engine.zbc.deployResource({ process: Buffer.from(variant.xml), name: `${suffix}.bpmn` });
  return { processId: variant.processIds[0]!, type: variant.jobTypes[0]! };
}

const activate = (type: string, requestTimeout: number) =>
  engine.zbc.activateJobs({ type, worker: 'clock', maxJobsToActivate: 5, timeout: 30_000, requestTimeout });

test.serial('adding an hour to the clock fires a one-hour timer', async (t) => {
  const { processId, type } = await deploy('add');
  const created = await engine.zbc.createProcessInstance({ bpmnProcessId: processId, variables: {} });
  t.deepEqual(await activate(type, 500), [], 'the timer has not fired yet');
  const before = Date.now();
  const moved = await engine.clock.add(HOUR);
  t.true(moved >= before + HOUR && moved <= Date.now() + HOUR + 1000, `clock at ${moved}`);
  const jobs = await activate(type, 5000);
  t.is(jobs.length, 1);
  t.is(jobs[0]!.processInstanceKey, created.processInstanceKey);
  t.true((await engine.clock.reset()) < Date.now() + 1000, 'reset goes back to system time');
});

test.serial('pinning the clock past the due time fires the timer; GET shows the pinned time', async (t) => {
  const { processId, type } = await deploy('pin');
  const created = await engine.zbc.createProcessInstance({ bpmnProcessId: processId, variables: {} });
  t.deepEqual(await activate(type, 500), []);
  const target = Date.now() + 2 * HOUR;
  t.is(await engine.clock.pin(target), target);
  const jobs = await activate(type, 5000);
  t.is(jobs.length, 1);
  t.is(jobs[0]!.processInstanceKey, created.processInstanceKey);
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.is(await engine.clock.now(), target, 'a pinned clock does not advance');
  const res = await fetch(`${engine.managementUrl}/actuator/clock`);
  t.deepEqual(await res.json(), { epochMilli: target, instant: new Date(target).toISOString() });
  const reset = await engine.clock.reset();
  t.true(Math.abs(reset - Date.now()) < 1000);
});

test.serial('the actuator refuses bad bodies with 400 problem+json', async (t) => {
  const pin = await fetch(`${engine.managementUrl}/actuator/clock/pin`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ epochMilli: 'tomorrow' }),
  });
  t.is(pin.status, 400);
  t.is(pin.headers.get('content-type'), 'application/problem+json');
  t.like(await pin.json(), { status: 400, detail: 'expected "epochMilli" to be an integer ≥ 0' });
  const add = await fetch(`${engine.managementUrl}/actuator/clock/add`, { method: 'POST', body: 'not json' });
  t.is(add.status, 400);
  const wrongMethod = await fetch(`${engine.managementUrl}/actuator/clock/pin`);
  t.is(wrongMethod.status, 405);
});

test('health reports UP; with clock control off the clock endpoints do not exist', async (t) => {
  const other = await startTestEngine({ clockControl: false });
  t.teardown(() => other.close());
  const health = await fetch(`${other.managementUrl}/actuator/health`);
  t.is(health.status, 200);
  t.deepEqual(await health.json(), { status: 'UP' });
  t.is((await fetch(`${other.managementUrl}/actuator/clock`)).status, 404);
  const pin = await fetch(`${other.managementUrl}/actuator/clock/pin`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ epochMilli: 0 }),
  });
  t.is(pin.status, 404);
  t.is((await fetch(`${other.managementUrl}/actuator/clock`, { method: 'DELETE' })).status, 404);
});
