/**
 * Durability: everything an instance waits for is in the database. After a restart (new engine on the
 * same database) jobs, timers, buffered messages and keys continue where they were.
 */
import test from 'ava';
import {
  activate,
  bpmn,
  chain,
  deploy,
  end,
  eventually,
  serviceTask,
  start,
  useTestEngine,
} from './support.ts';

const te = useTestEngine(test);

test('a restart loses nothing: jobs, timers, messages, variables and key sequence survive', async (t) => {
  let engine = te.engine;
  const T0 = Date.parse('2026-07-01T00:00:00Z');
  engine.clock.pin(T0);
  await deploy(
    engine,
    bpmn(
      'durable',
      [
        start(),
        serviceTask('first', 'dur-first'),
        '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>P30D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>',
        '<bpmn:receiveTask id="receive" messageRef="m" />',
        serviceTask('last', 'dur-last'),
        end(),
        chain('start', 'first', 'wait', 'receive', 'last', 'end'),
      ].join('\n'),
      '<bpmn:message id="m" name="dur-msg"><bpmn:extensionElements><zeebe:subscription correlationKey="=id" /></bpmn:extensionElements></bpmn:message>',
    ),
  );
  const pi = await engine.createProcessInstance({
    bpmnProcessId: 'durable',
    version: -1,
    variables: { id: 'D1', n: 1 },
  });
  const [job] = await activate(engine, 'dur-first');

  engine = await te.restart();
  engine.clock.pin(T0);
  // the activated job is still activated; completing it after the restart works
  t.deepEqual(await activate(engine, 'dur-first'), []);
  await engine.completeJob({ jobKey: job!.key, variables: { n: 2 } });
  await engine.publishMessage({
    name: 'dur-msg',
    correlationKey: 'D1',
    timeToLive: 40 * 86_400_000,
    variables: { m: true },
  });

  engine = await te.restart();
  // 30 days later (beyond Node's 24.8-day setTimeout limit) the timer fires from the database
  engine.clock.pin(T0 + 30 * 86_400_000);
  const [last] = await eventually(async () => {
    const jobs = await activate(engine, 'dur-last');
    return jobs.length ? jobs : undefined;
  });
  t.is(last!.processInstanceKey, pi.processInstanceKey);
  t.deepEqual(last!.variables, { id: 'D1', n: 2, m: true });
  // keys keep growing across restarts
  t.true(BigInt(last!.key) > BigInt(job!.key));
  const again = await engine.createProcessInstance({
    bpmnProcessId: 'durable',
    version: -1,
    variables: { id: 'D2' },
  });
  t.true(BigInt(again.processInstanceKey) > BigInt(last!.key));
});
