/**
 * Timers (pinned engine clock), messages and signals. Tests are serial: they move the engine clock.
 */
import test from 'ava';
import { EngineError } from '../../engine/index.ts';
import {
  activate,
  bpmn,
  chain,
  deploy,
  end,
  eventually,
  feedOf,
  serviceTask,
  start,
  useTestEngine,
} from './support.ts';

const T0 = Date.parse('2026-05-01T00:00:00Z');
const te = useTestEngine(test, { setup: ({ engine }) => void engine.clock.pin(T0) });

const jobsOf = async (type: string) =>
  eventually(async () => {
    const jobs = await activate(te.engine, type);
    return jobs.length ? jobs : undefined;
  });

const timerCatch = (id: string, kind: 'timeDuration' | 'timeDate' | 'timeCycle', value: string) =>
  `<bpmn:intermediateCatchEvent id="${id}"><bpmn:timerEventDefinition><bpmn:${kind}>${value}</bpmn:${kind}></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>`;

test.serial('intermediate timer (duration and date) fires when the engine clock reaches it', async (t) => {
  const { engine } = te;
  await deploy(
    engine,
    bpmn(
      'wait',
      [
        start(),
        timerCatch('pause', 'timeDuration', 'PT10M'),
        serviceTask('after', 'after-wait'),
        end(),
        chain('start', 'pause', 'after', 'end'),
      ].join('\n'),
    ),
  );
  await deploy(
    engine,
    bpmn(
      'waitDate',
      [
        start(),
        timerCatch('until', 'timeDate', '=due'),
        serviceTask('after', 'after-date'),
        end(),
        chain('start', 'until', 'after', 'end'),
      ].join('\n'),
    ),
  );
  const pi = await engine.createProcessInstance({ bpmnProcessId: 'wait', version: -1 });
  const pd = await engine.createProcessInstance({
    bpmnProcessId: 'waitDate',
    version: -1,
    variables: { due: '2026-05-01T00:20:00Z' },
  });
  engine.clock.add(9 * 60_000);
  await new Promise((r) => setTimeout(r, 100));
  t.deepEqual(await activate(engine, 'after-wait'), []);
  engine.clock.add(60_000);
  const [job] = await jobsOf('after-wait');
  t.is(job!.processInstanceKey, pi.processInstanceKey);
  t.deepEqual(await activate(engine, 'after-date'), []);
  engine.clock.add(10 * 60_000);
  const [jd] = await jobsOf('after-date');
  t.is(jd!.processInstanceKey, pd.processInstanceKey);
});

test.serial(
  'interrupting timer boundary cancels the task; non-interrupting cycle fires alongside',
  async (t) => {
    const { engine } = te;
    const xml = bpmn(
      'sla',
      [
        start(),
        serviceTask('handle', 'sla-handle'),
        '<bpmn:boundaryEvent id="remind" attachedToRef="handle" cancelActivity="false"><bpmn:timerEventDefinition><bpmn:timeCycle>R2/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:boundaryEvent>',
        '<bpmn:boundaryEvent id="overdue" attachedToRef="handle"><bpmn:timerEventDefinition><bpmn:timeDuration>PT4H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>',
        serviceTask('reminder', 'sla-remind'),
        serviceTask('escalate', 'sla-escalate'),
        end(),
        end('e2'),
        end('e3'),
        chain('start', 'handle', 'end'),
        chain('remind', 'reminder', 'e2'),
        chain('overdue', 'escalate', 'e3'),
      ].join('\n'),
    );
    await deploy(engine, xml);
    const pi = await engine.createProcessInstance({ bpmnProcessId: 'sla', version: -1 });
    for (let i = 0; i < 3; i++) {
      engine.clock.add(3_600_000);
      await new Promise((r) => setTimeout(r, 80));
    }
    const reminders = await eventually(async () => {
      const jobs = await activate(engine, 'sla-remind');
      return jobs.length ? jobs : undefined;
    });
    // R2: two reminders, not three
    const more = await activate(engine, 'sla-remind');
    t.is(reminders.length + more.length, 2);
    t.deepEqual(await activate(engine, 'sla-escalate'), []);
    engine.clock.add(3_600_000);
    const [esc] = await jobsOf('sla-escalate');
    t.is(esc!.processInstanceKey, pi.processInstanceKey);
    t.deepEqual(await activate(engine, 'sla-handle'), []);
    const feed = await feedOf(engine, pi.processInstanceKey, ['ELEMENT_TERMINATED']);
    t.deepEqual(feed, ['handle:ELEMENT_TERMINATED']);
  },
);

test.serial(
  'timer start event with a cycle creates instances on schedule; a new version replaces the timer',
  async (t) => {
    const { engine } = te;
    const xml = (type: string) =>
      bpmn(
        'ticker',
        [
          '<bpmn:startEvent id="tick"><bpmn:timerEventDefinition><bpmn:timeCycle>R/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>',
          serviceTask('work', type),
          end(),
          chain('tick', 'work', 'end'),
        ].join('\n'),
      );
    await deploy(engine, xml('tick-v1'));
    engine.clock.add(3_600_000);
    const [first] = await jobsOf('tick-v1');
    t.is(first!.bpmnProcessId, 'ticker');
    await engine.completeJob({ jobKey: first!.key });
    engine.clock.add(3_600_000);
    const [second] = await jobsOf('tick-v1');
    t.not(second!.processInstanceKey, first!.processInstanceKey);
    await engine.completeJob({ jobKey: second!.key });
    await deploy(engine, xml('tick-v2'));
    engine.clock.add(3_600_000);
    await jobsOf('tick-v2');
    t.deepEqual(await activate(engine, 'tick-v1'), []);
    const err = await t.throwsAsync(engine.createProcessInstance({ bpmnProcessId: 'ticker', version: -1 }));
    t.is((err as EngineError).code, 'FAILED_PRECONDITION');
  },
);

const message = (id: string, name: string, key: string) =>
  `<bpmn:message id="${id}" name="${name}"><bpmn:extensionElements><zeebe:subscription correlationKey="${key}" /></bpmn:extensionElements></bpmn:message>`;

test.serial('message catch correlates by name and key, once per instance; variables propagate', async (t) => {
  const { engine } = te;
  await deploy(
    engine,
    bpmn(
      'await',
      [
        start(),
        '<bpmn:intermediateCatchEvent id="answer"><bpmn:messageEventDefinition messageRef="m1" /></bpmn:intermediateCatchEvent>',
        serviceTask('after', 'after-message'),
        end(),
        chain('start', 'answer', 'after', 'end'),
      ].join('\n'),
      message('m1', 'callback', '=caseId'),
    ),
  );
  const a = await engine.createProcessInstance({
    bpmnProcessId: 'await',
    version: -1,
    variables: { caseId: 'C-1' },
  });
  const b = await engine.createProcessInstance({
    bpmnProcessId: 'await',
    version: -1,
    variables: { caseId: 'C-2' },
  });
  await engine.publishMessage({ name: 'callback', correlationKey: 'C-2', variables: { satisfied: true } });
  const [job] = await jobsOf('after-message');
  t.is(job!.processInstanceKey, b.processInstanceKey);
  t.deepEqual(job!.variables, { caseId: 'C-2', satisfied: true });
  // no TTL: a message for nobody is dropped
  await engine.publishMessage({ name: 'callback', correlationKey: 'C-9' });
  t.deepEqual(await activate(engine, 'after-message'), []);
  t.truthy(a);
});

test.serial(
  'buffered messages (TTL) correlate to later subscriptions; messageId is unique while alive',
  async (t) => {
    const { engine } = te;
    await deploy(
      engine,
      bpmn(
        'late',
        [
          start(),
          '<bpmn:receiveTask id="receive" messageRef="m2" />',
          serviceTask('after', 'after-late'),
          end(),
          chain('start', 'receive', 'after', 'end'),
        ].join('\n'),
        message('m2', 'report', '=string(no)'),
      ),
    );
    const published = await engine.publishMessage({
      name: 'report',
      correlationKey: '42',
      timeToLive: 60_000,
      messageId: 'r-42',
      variables: { photo: 'p.jpg' },
    });
    t.regex(published.key, /^\d+$/);
    const dup = await t.throwsAsync(
      engine.publishMessage({ name: 'report', correlationKey: '42', timeToLive: 60_000, messageId: 'r-42' }),
    );
    t.is((dup as EngineError).code, 'ALREADY_EXISTS');
    t.is(
      dup!.message,
      "Command 'PUBLISH' rejected with code 'ALREADY_EXISTS': Expected to publish a new message with id 'r-42', but a message with that id was already published",
    );
    const pi = await engine.createProcessInstance({
      bpmnProcessId: 'late',
      version: -1,
      variables: { no: 42 },
    });
    const [job] = await jobsOf('after-late');
    t.is(job!.processInstanceKey, pi.processInstanceKey);
    t.is(job!.variables.photo, 'p.jpg');
    await engine.completeJob({ jobKey: job!.key });
    // after the TTL the message is gone
    engine.clock.add(61_000);
    await new Promise((r) => setTimeout(r, 100));
    await engine.publishMessage({
      name: 'report',
      correlationKey: '42',
      timeToLive: 1000,
      messageId: 'r-42',
    });
    const later = await engine.createProcessInstance({
      bpmnProcessId: 'late',
      version: -1,
      variables: { no: 42 },
    });
    const [job2] = await jobsOf('after-late');
    t.is(job2!.processInstanceKey, later.processInstanceKey);
  },
);

test.serial('message start event: one active instance per correlation key', async (t) => {
  const { engine } = te;
  await deploy(
    engine,
    bpmn(
      'intake',
      [
        '<bpmn:startEvent id="reported"><bpmn:messageEventDefinition messageRef="m3" /></bpmn:startEvent>',
        serviceTask('triage', 'intake-triage'),
        end(),
        chain('reported', 'triage', 'end'),
      ].join('\n'),
      '<bpmn:message id="m3" name="hotline-report" />',
    ),
  );
  await engine.publishMessage({
    name: 'hotline-report',
    correlationKey: 'H-1',
    variables: { text: 'pothole' },
  });
  await engine.publishMessage({
    name: 'hotline-report',
    correlationKey: 'H-1',
    variables: { text: 'duplicate' },
  });
  await engine.publishMessage({
    name: 'hotline-report',
    correlationKey: 'H-2',
    variables: { text: 'litter' },
  });
  const jobs = await activate(engine, 'intake-triage');
  t.deepEqual(jobs.map((j) => j.variables.text).sort(), ['litter', 'pothole']);
  // a buffered message for an active key starts the next instance when the active one ends
  await engine.publishMessage({
    name: 'hotline-report',
    correlationKey: 'H-1',
    timeToLive: 3_600_000,
    variables: { text: 'second report' },
  });
  t.deepEqual(await activate(engine, 'intake-triage'), []);
  const first = jobs.find((j) => j.variables.text === 'pothole')!;
  await engine.completeJob({ jobKey: first.key });
  const [next] = await jobsOf('intake-triage');
  t.is(next!.variables.text, 'second report');
  t.not(next!.processInstanceKey, first.processInstanceKey);
});

test.serial('message boundary interrupts; event-based gateway takes the first event', async (t) => {
  const { engine } = te;
  await deploy(
    engine,
    bpmn(
      'recall',
      [
        start(),
        serviceTask('dispose', 'recall-dispose'),
        '<bpmn:boundaryEvent id="withdrawn" attachedToRef="dispose"><bpmn:messageEventDefinition messageRef="m4" /></bpmn:boundaryEvent>',
        end(),
        end('stopped'),
        chain('start', 'dispose', 'end'),
        chain('withdrawn', 'stopped'),
      ].join('\n'),
      message('m4', 'withdraw', '=caseId'),
    ),
  );
  const pi = await engine.createProcessInstance({
    bpmnProcessId: 'recall',
    version: -1,
    variables: { caseId: 'W-1' },
  });
  await engine.publishMessage({ name: 'withdraw', correlationKey: 'W-1', variables: { by: 'citizen' } });
  t.deepEqual(await activate(engine, 'recall-dispose'), []);
  t.deepEqual(await feedOf(engine, pi.processInstanceKey, ['ELEMENT_TERMINATED', 'ELEMENT_COMPLETED']), [
    'start:ELEMENT_COMPLETED',
    'dispose:ELEMENT_TERMINATED',
    'withdrawn:ELEMENT_COMPLETED',
    'stopped:ELEMENT_COMPLETED',
    'recall:ELEMENT_COMPLETED',
  ]);

  await deploy(
    engine,
    bpmn(
      'race',
      [
        start(),
        '<bpmn:eventBasedGateway id="gw" />',
        '<bpmn:intermediateCatchEvent id="confirmed"><bpmn:messageEventDefinition messageRef="m5" /></bpmn:intermediateCatchEvent>',
        timerCatch('timeout', 'timeDuration', 'PT1H'),
        serviceTask('ok', 'race-ok'),
        serviceTask('late', 'race-late'),
        end('e1'),
        end('e2'),
        chain('start', 'gw'),
        chain('gw', 'confirmed', 'ok', 'e1'),
        chain('gw', 'timeout', 'late', 'e2'),
      ].join('\n'),
      message('m5', 'confirm', '=id'),
    ),
  );
  const fast = await engine.createProcessInstance({
    bpmnProcessId: 'race',
    version: -1,
    variables: { id: 'a' },
  });
  const slow = await engine.createProcessInstance({
    bpmnProcessId: 'race',
    version: -1,
    variables: { id: 'b' },
  });
  await engine.publishMessage({ name: 'confirm', correlationKey: 'a' });
  const [ok] = await jobsOf('race-ok');
  t.is(ok!.processInstanceKey, fast.processInstanceKey);
  engine.clock.add(3_600_000);
  const [late] = await jobsOf('race-late');
  t.is(late!.processInstanceKey, slow.processInstanceKey);
  // the fast instance's timer was closed with the gateway
  t.deepEqual(await activate(engine, 'race-late'), []);
});

test.serial('signals: broadcast reaches catch events and starts processes', async (t) => {
  const { engine } = te;
  await deploy(
    engine,
    bpmn(
      'signalled',
      [
        start(),
        '<bpmn:intermediateCatchEvent id="go"><bpmn:signalEventDefinition signalRef="s1" /></bpmn:intermediateCatchEvent>',
        serviceTask('after', 'after-signal'),
        end(),
        chain('start', 'go', 'after', 'end'),
      ].join('\n'),
      '<bpmn:signal id="s1" name="storm-warning" />',
    ),
  );
  await deploy(
    engine,
    bpmn(
      'signalStart',
      [
        '<bpmn:startEvent id="s"><bpmn:signalEventDefinition signalRef="s2" /></bpmn:startEvent>',
        serviceTask('prep', 'storm-prep'),
        end(),
        chain('s', 'prep', 'end'),
      ].join('\n'),
      '<bpmn:signal id="s2" name="storm-warning" />',
    ),
  );
  const a = await engine.createProcessInstance({ bpmnProcessId: 'signalled', version: -1 });
  const b = await engine.createProcessInstance({ bpmnProcessId: 'signalled', version: -1 });
  const r = await engine.broadcastSignal({ signalName: 'storm-warning', variables: { level: 'orange' } });
  t.is(r.tenantId, '<default>');
  const after = await activate(engine, 'after-signal');
  t.deepEqual(
    after.map((j) => j.processInstanceKey).sort(),
    [a.processInstanceKey, b.processInstanceKey].sort(),
  );
  t.true(after.every((j) => j.variables.level === 'orange'));
  const [prep] = await activate(engine, 'storm-prep');
  t.is(prep!.variables.level, 'orange');
});

test.serial(
  'non-interrupting timer event sub-process repeats while the process waits; signal boundary interrupts',
  async (t) => {
    const { engine } = te;
    await deploy(
      engine,
      bpmn(
        'nagging',
        [
          start(),
          serviceTask('work', 'nag-work'),
          '<bpmn:boundaryEvent id="stopSignal" attachedToRef="work"><bpmn:signalEventDefinition signalRef="sg" /></bpmn:boundaryEvent>',
          end(),
          end('stopped'),
          chain('start', 'work', 'end'),
          chain('stopSignal', 'stopped'),
          `<bpmn:subProcess id="nag" triggeredByEvent="true">
           <bpmn:startEvent id="every" isInterrupting="false"><bpmn:timerEventDefinition><bpmn:timeCycle>R/PT30M</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>
           ${serviceTask('remind', 'nag-remind')} ${end('nagEnd')} ${chain('every', 'remind', 'nagEnd')}
         </bpmn:subProcess>`,
        ].join('\n'),
        '<bpmn:signal id="sg" name="case-withdrawn" />',
      ),
    );
    const pi = await engine.createProcessInstance({ bpmnProcessId: 'nagging', version: -1 });
    for (let i = 0; i < 2; i++) {
      engine.clock.add(30 * 60_000);
      const [r] = await jobsOf('nag-remind');
      t.is(r!.processInstanceKey, pi.processInstanceKey);
      await engine.completeJob({ jobKey: r!.key });
    }
    await engine.broadcastSignal({ signalName: 'case-withdrawn' });
    t.deepEqual(await activate(engine, 'nag-work'), []);
    // the work task was interrupted, the process completed: no more reminders
    engine.clock.add(30 * 60_000);
    await new Promise((r) => setTimeout(r, 100));
    t.deepEqual(await activate(engine, 'nag-remind'), []);
    const feed = await feedOf(engine, pi.processInstanceKey, ['ELEMENT_COMPLETED', 'ELEMENT_TERMINATED']);
    t.deepEqual(feed.slice(-4), [
      'work:ELEMENT_TERMINATED',
      'stopSignal:ELEMENT_COMPLETED',
      'stopped:ELEMENT_COMPLETED',
      'nagging:ELEMENT_COMPLETED',
    ]);
    t.is(feed.filter((e) => e === 'nag:ELEMENT_COMPLETED').length, 2);
  },
);

test.serial(
  'one message correlates to one subscription per instance; an uncaught escalation just continues',
  async (t) => {
    const { engine } = te;
    await deploy(
      engine,
      bpmn(
        'twoWaits',
        [
          start(),
          '<bpmn:parallelGateway id="fork" />',
          '<bpmn:receiveTask id="r1" messageRef="mm" />',
          '<bpmn:receiveTask id="r2" messageRef="mm" />',
          serviceTask('a1', 'two-a1'),
          serviceTask('a2', 'two-a2'),
          end('e1'),
          end('e2'),
          chain('start', 'fork'),
          chain('fork', 'r1', 'a1', 'e1'),
          chain('fork', 'r2', 'a2', 'e2'),
        ].join('\n'),
        message('mm', 'nudge', '=k'),
      ),
    );
    await engine.createProcessInstance({ bpmnProcessId: 'twoWaits', version: -1, variables: { k: 'N1' } });
    await engine.publishMessage({ name: 'nudge', correlationKey: 'N1' });
    const first = [...(await activate(engine, 'two-a1')), ...(await activate(engine, 'two-a2'))];
    t.is(first.length, 1);
    await engine.publishMessage({ name: 'nudge', correlationKey: 'N1' });
    const second = [...(await activate(engine, 'two-a1')), ...(await activate(engine, 'two-a2'))];
    t.is(second.length, 1);
    t.not(second[0]!.elementId, first[0]!.elementId);

    await deploy(
      engine,
      bpmn(
        'loudly',
        [
          start(),
          '<bpmn:intermediateThrowEvent id="shout"><bpmn:escalationEventDefinition escalationRef="x" /></bpmn:intermediateThrowEvent>',
          serviceTask('next', 'after-shout'),
          end(),
          chain('start', 'shout', 'next', 'end'),
        ].join('\n'),
        '<bpmn:escalation id="x" escalationCode="NOBODY_LISTENS" />',
      ),
    );
    const pi = await engine.createProcessInstance({ bpmnProcessId: 'loudly', version: -1 });
    const [next] = await activate(engine, 'after-shout');
    t.is(next!.processInstanceKey, pi.processInstanceKey);
    const incidents = (await engine.readEvents('0', 100_000)).filter(
      (e) => e.processInstanceKey === pi.processInstanceKey && e.intent === 'INCIDENT_CREATED',
    );
    t.deepEqual(incidents, []);
  },
);
