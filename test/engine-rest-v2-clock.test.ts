/**
 * The engine clock over the v2 API (PUT /v2/clock, POST /v2/clock/reset) with Camunda's REST-only
 * client: a pinned clock fires a timer that is due, reset goes back to system time; without clock
 * control the engine refuses (409). A file of its own: moving the clock would expire other tests' jobs.
 */
import test from 'ava';
import { startTestEngine } from './helpers/engine.ts';
import { startRestV2, type RestV2 } from './helpers/rest-v2.ts';
import { bpmn, chain, end, eventually, start } from './engine/support.ts';

let v2: RestV2;
test.before(async () => {
  v2 = await startRestV2();
});
test.after.always(async () => {
  await v2?.close();
});

const HOUR = 3_600_000;

test.serial('pin fires a due timer; reset goes back to system time; bad timestamps are 400', async (t) => {
  const xml = bpmn(
    'v2_clock',
    start() +
      `<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>` +
      end() +
      chain('start', 'wait', 'end'),
  );
  await v2.camunda.createDeployment({
    resources: [new File([xml], 'clock.bpmn', { type: 'application/xml' })],
  });
  const t0 = Date.now();
  await v2.camunda.pinClock({ timestamp: t0 });
  t.is(await v2.te.clock.now(), t0);
  const pi = await v2.camunda.createProcessInstance({ processDefinitionId: 'v2_clock' as never });
  const state = async () =>
    (await v2.rest('GET', `/v2/process-instances/${pi.processInstanceKey}`)).body.state;
  t.is(await state(), 'ACTIVE');

  await v2.camunda.pinClock({ timestamp: t0 + 2 * HOUR });
  t.is(await v2.te.clock.now(), t0 + 2 * HOUR);
  await eventually(async () => (await state()) === 'COMPLETED');

  await v2.camunda.resetClock();
  t.true(Math.abs((await v2.te.clock.now()) - Date.now()) < 5_000);

  for (const [body, detail] of [
    [{}, /^timestamp is required/],
    [{ timestamp: -1 }, /^timestamp must be at least 0/],
    [{ timestamp: '2026-12-07' }, /^timestamp must be an integer/],
    [{ timestamp: 1, zone: 'UTC' }, /^zone is not a known property/],
  ] as const) {
    const r = await v2.rest('PUT', '/v2/clock', body);
    t.is(r.status, 400);
    t.regex(r.body.detail, detail);
  }
});

test.serial('without clock control the clock cannot be moved (409)', async (t) => {
  const te = await startTestEngine({ clockControl: false });
  try {
    const pin = await fetch(`${te.managementUrl}/v2/clock`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ timestamp: 0 }),
    });
    t.is(pin.status, 409);
    t.regex(((await pin.json()) as { detail: string }).detail, /^Clock control is disabled/);
    const reset = await fetch(`${te.managementUrl}/v2/clock/reset`, { method: 'POST' });
    t.is(reset.status, 409);
  } finally {
    await te.close();
  }
});
