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
  incidentsOf,
  serviceTask,
  start,
  useTestEngine,
} from './support.ts';

const te = useTestEngine(test);

const oneTask = (id: string, type: string, task = serviceTask('task', type)) =>
  bpmn(id, [start(), task, end(), chain('start', 'task', 'end')].join('\n'));

test('a job carries all visible variables, custom headers and FEEL retries; fetchVariable restricts', async (t) => {
  const { engine } = te;
  await deploy(
    engine,
    oneTask(
      'headers',
      'hdr',
      serviceTask('task', 'hdr', {
        retries: '=tries + 1',
        ext: '<zeebe:taskHeaders><zeebe:header key="channel" value="sms" /><zeebe:header key="level" value="2" /></zeebe:taskHeaders>',
      }),
    ),
  );
  const pi = await engine.createProcessInstance({
    bpmnProcessId: 'headers',
    version: -1,
    variables: { tries: 4, name: 'x', nested: { a: [1, 2] } },
  });
  const [job] = await activate(engine, 'hdr');
  t.truthy(job);
  t.is(job!.processInstanceKey, pi.processInstanceKey);
  t.is(job!.retries, 5);
  t.deepEqual(job!.customHeaders, { channel: 'sms', level: '2' });
  t.deepEqual(job!.variables, { tries: 4, name: 'x', nested: { a: [1, 2] } });
  t.is(job!.elementId, 'task');
  t.is(job!.bpmnProcessId, 'headers');
  t.is(job!.worker, 'test');
  t.is(job!.tenantId, '<default>');

  const pi2 = await engine.createProcessInstance({
    bpmnProcessId: 'headers',
    version: -1,
    variables: { tries: 0, name: 'y', other: true },
  });
  const [job2] = await activate(engine, 'hdr', 10, ['name', 'missing']);
  t.is(job2!.processInstanceKey, pi2.processInstanceKey);
  t.deepEqual(job2!.variables, { name: 'y' });
  // activated jobs are not handed out twice
  t.deepEqual(await activate(engine, 'hdr'), []);
});

test('job type from FEEL; a null type raises an EXTRACT_VALUE_ERROR incident with Zeebe’s message', async (t) => {
  const { engine } = te;
  await deploy(engine, oneTask('dynType', '=kind', serviceTask('task', '=kind')));
  const ok = await engine.createProcessInstance({
    bpmnProcessId: 'dynType',
    version: -1,
    variables: { kind: 'dyn-a' },
  });
  const [job] = await activate(engine, 'dyn-a');
  t.is(job!.processInstanceKey, ok.processInstanceKey);
  const bad = await engine.createProcessInstance({ bpmnProcessId: 'dynType', version: -1 });
  const [incident] = await incidentsOf(engine, bad.processInstanceKey);
  t.deepEqual(
    { type: incident!.errorType, message: incident!.errorMessage, element: incident!.elementId },
    {
      type: 'EXTRACT_VALUE_ERROR',
      message: "Expected result of the expression 'kind' to be 'STRING', but was 'NULL'.",
      element: 'task',
    },
  );
  // fix the variable, resolve: the task is activated again and creates its job
  await engine.setVariables({ elementInstanceKey: bad.processInstanceKey, variables: { kind: 'dyn-b' } });
  await engine.resolveIncident({ incidentKey: incident!.key });
  const [job2] = await activate(engine, 'dyn-b');
  t.is(job2!.processInstanceKey, bad.processInstanceKey);
});

test('completion variables propagate to the process; input and output mappings shape them', async (t) => {
  const { engine } = te;
  await deploy(engine, oneTask('plain', 'plain-work'));
  const pi = await engine.createProcessInstance({ bpmnProcessId: 'plain', version: -1, variables: { a: 1 } });
  const [job] = await activate(engine, 'plain-work');
  await engine.completeJob({ jobKey: job!.key, variables: { b: 2, a: 5 } });
  const feed = await feedOf(engine, pi.processInstanceKey, ['ELEMENT_COMPLETED']);
  t.deepEqual(feed, [
    'start:ELEMENT_COMPLETED',
    'task:ELEMENT_COMPLETED',
    'end:ELEMENT_COMPLETED',
    'plain:ELEMENT_COMPLETED',
  ]);

  const mapped = serviceTask('task', 'mapped-work', {
    ext: `<zeebe:ioMapping>
      <zeebe:input source="=order.id" target="orderId" />
      <zeebe:input source="=orderId * 10" target="scaled" />
      <zeebe:input source="static" target="label" />
      <zeebe:output source="=result.total" target="total" />
      <zeebe:output source="=scaled" target="summary.scaled" />
    </zeebe:ioMapping>`,
  });
  await deploy(engine, oneTask('mapped', 'mapped-work', mapped));
  const withResult = engine.createProcessInstanceWithResult({
    request: {
      bpmnProcessId: 'mapped',
      version: -1,
      variables: { order: { id: 7 }, summary: { kept: true } },
    },
    requestTimeout: 10_000,
  });
  const [mjob] = await eventually(async () => {
    const jobs = await activate(engine, 'mapped-work');
    return jobs.length ? jobs : undefined;
  });
  t.deepEqual(mjob!.variables, {
    order: { id: 7 },
    summary: { kept: true },
    orderId: 7,
    scaled: 70,
    label: 'static',
  });
  await engine.completeJob({ jobKey: mjob!.key, variables: { result: { total: 99 }, noise: 1 } });
  const result = await withResult;
  // output mappings: only the mapped values reach the process; local variables are gone
  t.deepEqual(result.variables, { order: { id: 7 }, summary: { kept: true, scaled: 70 }, total: 99 });
});

test('fail with retries left makes the job activatable again; retries 0 raises JOB_NO_RETRIES; update retries + resolve retries it', async (t) => {
  const { engine } = te;
  await deploy(engine, oneTask('failing', 'flaky'));
  const pi = await engine.createProcessInstance({ bpmnProcessId: 'failing', version: -1 });
  const [job] = await activate(engine, 'flaky');
  t.is(job!.retries, 3);
  await engine.failJob({ jobKey: job!.key, retries: 2, errorMessage: 'timeout talking to 12319' });
  const [again] = await activate(engine, 'flaky');
  t.is(again!.key, job!.key);
  t.is(again!.retries, 2);
  await engine.failJob({ jobKey: job!.key, retries: 0, errorMessage: 'gave up' });
  t.deepEqual(await activate(engine, 'flaky'), []);
  const [incident] = await incidentsOf(engine, pi.processInstanceKey);
  t.is(incident!.errorType, 'JOB_NO_RETRIES');
  t.is(incident!.errorMessage, 'gave up');
  const complete = await t.throwsAsync(engine.completeJob({ jobKey: job!.key }));
  t.is((complete as EngineError).code, 'FAILED_PRECONDITION');

  // resolving without new retries fails again with a new incident
  await engine.resolveIncident({ incidentKey: incident!.key });
  const list = await incidentsOf(engine, pi.processInstanceKey);
  t.is(list.length, 2);
  t.deepEqual(await activate(engine, 'flaky'), []);

  await engine.updateJobRetries({ jobKey: job!.key, retries: 1 });
  await engine.resolveIncident({ incidentKey: list[1]!.key });
  const [retried] = await activate(engine, 'flaky');
  t.is(retried!.key, job!.key);
  t.is(retried!.retries, 1);
  await engine.completeJob({ jobKey: job!.key });
  const missing = await t.throwsAsync(engine.completeJob({ jobKey: job!.key }));
  t.is((missing as EngineError).code, 'NOT_FOUND');
  t.is(
    missing!.message,
    `Command 'COMPLETE' rejected with code 'NOT_FOUND': Expected to complete job with key '${job!.key}', but no such job was found`,
  );
  const resolveGone = await t.throwsAsync(engine.resolveIncident({ incidentKey: '2251799813685249' }));
  t.is((resolveGone as EngineError).code, 'NOT_FOUND');
  const badRetries = await t.throwsAsync(engine.updateJobRetries({ jobKey: job!.key, retries: 0 }));
  t.is((badRetries as EngineError).code, 'INVALID_ARGUMENT');
});

test.serial('retry back-off and activation timeout follow the engine clock', async (t) => {
  const { engine } = te;
  engine.clock.pin(Date.parse('2026-03-01T08:00:00Z'));
  t.teardown(() => engine.clock.reset());
  await deploy(engine, oneTask('backoff', 'slow'));
  await engine.createProcessInstance({ bpmnProcessId: 'backoff', version: -1 });
  const [job] = await activate(engine, 'slow');
  t.is(job!.deadline, Date.parse('2026-03-01T08:01:00Z'));
  await engine.failJob({ jobKey: job!.key, retries: 2, errorMessage: 'busy', retryBackOff: 30_000 });
  t.deepEqual(await activate(engine, 'slow'), []);
  engine.clock.add(30_000);
  const [back] = await eventually(async () => {
    const jobs = await activate(engine, 'slow');
    return jobs.length ? jobs : undefined;
  });
  t.is(back!.key, job!.key);
  // not completed within its timeout: activatable again after the deadline
  engine.clock.add(59_000);
  await new Promise((r) => setTimeout(r, 50));
  t.deepEqual(await activate(engine, 'slow'), []);
  engine.clock.add(2_000);
  const [timedOut] = await eventually(async () => {
    const jobs = await activate(engine, 'slow');
    return jobs.length ? jobs : undefined;
  });
  t.is(timedOut!.key, job!.key);
  t.is(timedOut!.retries, 2);
  // UpdateJobTimeout moves the deadline from now
  await engine.updateJobTimeout({ jobKey: job!.key, timeout: 5_000 });
  engine.clock.add(6_000);
  const [extended] = await eventually(async () => {
    const jobs = await activate(engine, 'slow');
    return jobs.length ? jobs : undefined;
  });
  t.is(extended!.key, job!.key);
});

test('throwError is caught by an error boundary event matching the code; its variables reach the process', async (t) => {
  const { engine } = te;
  const xml = bpmn(
    'caught',
    [
      start(),
      serviceTask('task', 'risky'),
      // with an output mapping only the mapped error variables reach the process
      '<bpmn:boundaryEvent id="onReject" attachedToRef="task"><bpmn:extensionElements><zeebe:ioMapping><zeebe:output source="=reason" target="rejectReason" /></zeebe:ioMapping></bpmn:extensionElements><bpmn:errorEventDefinition errorRef="err1" /></bpmn:boundaryEvent>',
      end(),
      end('rejected'),
      chain('start', 'task', 'end'),
      chain('onReject', 'rejected'),
    ].join('\n'),
    '<bpmn:error id="err1" name="Rejected" errorCode="REJECTED" />',
  );
  await deploy(engine, xml);
  const result = engine.createProcessInstanceWithResult({
    request: { bpmnProcessId: 'caught', version: -1 },
    requestTimeout: 10_000,
  });
  const [job] = await eventually(async () => {
    const jobs = await activate(engine, 'risky');
    return jobs.length ? jobs : undefined;
  });
  await engine.throwError({
    jobKey: job!.key,
    errorCode: 'REJECTED',
    errorMessage: 'not our district',
    variables: { reason: 'district', extra: 1 },
  });
  const done = await result;
  t.deepEqual(done.variables, { rejectReason: 'district' });
  const feed = await feedOf(engine, done.processInstanceKey, [
    'ELEMENT_ACTIVATED',
    'ELEMENT_COMPLETED',
    'ELEMENT_TERMINATED',
  ]);
  t.deepEqual(feed, [
    'caught:ELEMENT_ACTIVATED',
    'start:ELEMENT_ACTIVATED',
    'start:ELEMENT_COMPLETED',
    'task:ELEMENT_ACTIVATED',
    'task:ELEMENT_TERMINATED',
    'onReject:ELEMENT_ACTIVATED',
    'onReject:ELEMENT_COMPLETED',
    'rejected:ELEMENT_ACTIVATED',
    'rejected:ELEMENT_COMPLETED',
    'caught:ELEMENT_COMPLETED',
  ]);
});

test('an uncaught error raises UNHANDLED_ERROR_EVENT; resolving makes the job activatable again', async (t) => {
  const { engine } = te;
  await deploy(engine, oneTask('uncaught', 'throws'));
  const pi = await engine.createProcessInstance({ bpmnProcessId: 'uncaught', version: -1 });
  const [job] = await activate(engine, 'throws');
  await engine.throwError({ jobKey: job!.key, errorCode: 'NOPE', errorMessage: 'no handler' });
  const [incident] = await incidentsOf(engine, pi.processInstanceKey);
  t.is(incident!.errorType, 'UNHANDLED_ERROR_EVENT');
  t.is(
    incident!.errorMessage,
    "Expected to throw an error event with the code 'NOPE' with message 'no handler', but it was not caught. No error events are available in the scope.",
  );
  const again = await t.throwsAsync(engine.throwError({ jobKey: job!.key, errorCode: 'NOPE' }));
  t.is((again as EngineError).code, 'FAILED_PRECONDITION');
  await engine.resolveIncident({ incidentKey: incident!.key });
  const [back] = await activate(engine, 'throws');
  t.is(back!.key, job!.key);
});

test('onJobsAvailable fires after a job is created; a job stream receives activated jobs', async (t) => {
  const { engine } = te;
  await deploy(engine, oneTask('notify', 'notified'));
  let fired = 0;
  const off = engine.onJobsAvailable('notified', () => fired++);
  await engine.createProcessInstance({ bpmnProcessId: 'notify', version: -1 });
  t.is(fired, 1);
  off();
  await engine.createProcessInstance({ bpmnProcessId: 'notify', version: -1 });
  t.is(fired, 1);

  await deploy(engine, oneTask('streamed', 'streamed-work'));
  const received: string[] = [];
  const close = engine.openJobStream(
    { type: 'streamed-work', worker: 'streamer', timeout: 10_000 },
    (job) => {
      received.push(job.processInstanceKey);
      t.is(job.worker, 'streamer');
      return true;
    },
  );
  const a = await engine.createProcessInstance({
    bpmnProcessId: 'streamed',
    version: -1,
    variables: { n: 1 },
  });
  const b = await engine.createProcessInstance({
    bpmnProcessId: 'streamed',
    version: -1,
    variables: { n: 2 },
  });
  await eventually(async () => received.length === 2);
  t.deepEqual(received, [a.processInstanceKey, b.processInstanceKey]);
  // pushed jobs are activated for the stream: polling finds nothing
  t.deepEqual(await activate(engine, 'streamed-work'), []);
  close();
  // a stream that cannot deliver yields the job back
  const refuse = engine.openJobStream(
    { type: 'streamed-work', worker: 'gone', timeout: 10_000 },
    () => false,
  );
  const c = await engine.createProcessInstance({ bpmnProcessId: 'streamed', version: -1 });
  const [yielded] = await eventually(async () => {
    const jobs = await activate(engine, 'streamed-work');
    return jobs.length ? jobs : undefined;
  });
  refuse();
  t.is(yielded!.processInstanceKey, c.processInstanceKey);
});

test('createProcessInstanceWithResult returns fetched variables, or DEADLINE_EXCEEDED', async (t) => {
  const { engine } = te;
  await deploy(engine, bpmn('instant', [start(), end(), chain('start', 'end')].join('\n')));
  const r = await engine.createProcessInstanceWithResult({
    request: { bpmnProcessId: 'instant', version: -1, variables: { x: 1, y: 2 } },
    fetchVariables: ['y'],
  });
  t.deepEqual(r.variables, { y: 2 });
  t.is(r.bpmnProcessId, 'instant');
  await deploy(engine, oneTask('waits', 'never-done'));
  const err = await t.throwsAsync(
    engine.createProcessInstanceWithResult({
      request: { bpmnProcessId: 'waits', version: -1 },
      requestTimeout: 100,
    }),
  );
  t.is((err as EngineError).code, 'DEADLINE_EXCEEDED');
});
