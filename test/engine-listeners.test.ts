/**
 * Execution listeners (zeebe:executionListeners) on the embedded engine, through the real client over
 * gRPC: start listeners after input mappings and before the element's job, end listeners after output
 * mappings, one after another in declaration order; their variables on the element's scope; process
 * listeners; a listener out of retries (EXECUTION_LISTENER_NO_RETRIES) and its resolution; BPMN errors
 * from listener jobs refused; cancellation removes a pending listener job; the job kind in the REST job
 * search; deploy-time refusals.
 */
import test from 'ava';
import { startTestEngine, type TestEngine } from './helpers/engine.ts';
import { bpmn, chain, end, escapeXml, eventually, flow, serviceTask, start } from './engine/support.ts';

let te: TestEngine;
test.before(async () => {
  te = await startTestEngine();
});
test.after.always(async () => {
  await te?.close();
});

/** A client answer as plain JSON (the client wraps documents in LosslessDto objects). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as Record<string, any>;

const listeners = (...items: [string, string, string?][]) =>
  `<zeebe:executionListeners>${items
    .map(
      ([eventType, type, retries]) =>
        `<zeebe:executionListener eventType="${eventType}" type="${escapeXml(type)}"${retries ? ` retries="${escapeXml(retries)}"` : ''} />`,
    )
    .join('')}</zeebe:executionListeners>`;

/** A process whose own extension elements come first (bpmn() has no slot for them). */
const withProcessExt = (xml: string, ext: string) =>
  xml.replace(/(<bpmn:process [^>]*>)/, `$1<bpmn:extensionElements>${ext}</bpmn:extensionElements>`);

async function deploy(xml: string, name: string) {
  await te.zbc.deployResource({ process: Buffer.from(xml), name });
}

const startInstance = async (processId: string, variables = {}) =>
  (await te.zbc.createProcessInstance({ bpmnProcessId: processId, variables })).processInstanceKey;

const activate = (type: string) =>
  te.zbc.activateJobs({
    type,
    worker: 'listener-test',
    maxJobsToActivate: 10,
    timeout: 60_000,
    requestTimeout: -1,
  });

/** Activates the one job of a type (polling: a command in flight may create it). */
async function one(type: string) {
  const jobs = await eventually(async () => {
    const found = await activate(type);
    return found.length ? found : undefined;
  });
  if (jobs.length !== 1) throw new Error(`expected one '${type}' job, got ${jobs.length}`);
  return jobs[0]!;
}

async function rest(method: string, path: string, body?: unknown) {
  const res = await fetch(te.managementUrl + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const json: any = res.status === 204 ? undefined : await res.json();
  return { status: res.status, body: json };
}

const jobsOf = async (pik: string) =>
  (
    await rest('POST', '/v2/jobs/search', {
      filter: { processInstanceKey: pik },
      sort: [{ field: 'jobKey' }],
    })
  ).body.items as { type: string; kind: string; listenerEventType: string; elementId: string }[];

const instanceState = async (pik: string) =>
  (await rest('GET', `/v2/process-instances/${pik}`)).body.state as string;

test('start listeners after input mappings, then the task job, then end listeners after output mappings; process listeners around it all', async (t) => {
  const task = serviceTask('task', 'el-task', {
    ext:
      '<zeebe:ioMapping><zeebe:input source="=amount * 2" target="doubled" /><zeebe:output source="=result + &quot;!&quot;" target="out" /></zeebe:ioMapping>' +
      listeners(['start', 'el-s1'], ['start', '="el-" + kind', '=1 + 1'], ['end', 'el-e1']),
  });
  await deploy(
    withProcessExt(
      bpmn('el-order', [start(), task, end(), chain('start', 'task', 'end')].join('\n')),
      listeners(['start', 'el-p-start'], ['end', 'el-p-end']),
    ),
    'el-order.bpmn',
  );
  const pik = await startInstance('el-order', { amount: 21, kind: 's2' });

  // the process start listener runs before anything in the process
  const pStart = await one('el-p-start');
  t.deepEqual(plain(pStart.variables), { amount: 21, kind: 's2' });
  t.deepEqual(await activate('el-s1'), []);
  await te.zbc.completeJob({ jobKey: pStart.key, variables: { opened: true } });

  // first start listener: the input mapping is applied already, the task job does not exist yet
  const s1 = await one('el-s1');
  t.is(s1.elementId, 'task');
  t.deepEqual(plain(s1.variables), { amount: 21, kind: 's2', opened: true, doubled: 42 });
  t.deepEqual(await activate('el-task'), []);
  t.deepEqual(
    (await jobsOf(pik)).map((j) => [j.type, j.kind, j.listenerEventType]),
    [['el-s1', 'EXECUTION_LISTENER', 'START']],
  );
  const filtered = async (filter: object) =>
    (await rest('POST', '/v2/jobs/search', { filter: { processInstanceKey: pik, ...filter } })).body.items
      .length as number;
  t.is(await filtered({ kind: 'EXECUTION_LISTENER', listenerEventType: 'START' }), 1);
  t.is(await filtered({ kind: 'BPMN_ELEMENT' }), 0);
  t.is(await filtered({ listenerEventType: { $in: ['END', 'UNSPECIFIED'] } }), 0);
  await te.zbc.completeJob({ jobKey: s1.key, variables: { fromS1: 'a' } });

  // second start listener: FEEL type and retries; sees the first one's variables
  const s2 = await one('el-s2');
  t.is(s2.retries, 2);
  t.is(plain(s2.variables).fromS1, 'a');
  await te.zbc.completeJob({ jobKey: s2.key, variables: { fromS2: 2 } });

  const job = await one('el-task');
  t.deepEqual(plain(job.variables), {
    amount: 21,
    kind: 's2',
    opened: true,
    doubled: 42,
    fromS1: 'a',
    fromS2: 2,
  });
  t.deepEqual(
    (await jobsOf(pik)).map((j) => [j.type, j.kind, j.listenerEventType]),
    [['el-task', 'BPMN_ELEMENT', 'UNSPECIFIED']],
  );
  await te.zbc.completeJob({ jobKey: job.key, variables: { result: 'ok' } });

  // end listener: the output mapping is applied already
  const e1 = await one('el-e1');
  t.is(plain(e1.variables).out, 'ok!');
  t.is((await jobsOf(pik))[0]!.listenerEventType, 'END');
  t.is(await instanceState(pik), 'ACTIVE');
  await te.zbc.completeJob({ jobKey: e1.key, variables: { fromEnd: 1 } });

  // the listeners' variables stayed on the task's scope: the process sees only the mapped output
  const pEnd = await one('el-p-end');
  t.deepEqual(plain(pEnd.variables), { amount: 21, kind: 's2', opened: true, out: 'ok!' });
  await te.zbc.completeJob({ jobKey: pEnd.key, variables: {} });
  await eventually(async () => (await instanceState(pik)) === 'COMPLETED');
  t.pass();
});

test('a gateway start listener provides the variable its conditions read', async (t) => {
  const gw = `<bpmn:exclusiveGateway id="gw" default="f_gw_low"><bpmn:extensionElements>${listeners(['start', 'el-route'])}</bpmn:extensionElements></bpmn:exclusiveGateway>`;
  await deploy(
    bpmn(
      'el-gateway',
      [
        start(),
        gw,
        serviceTask('high', 'el-high'),
        serviceTask('low', 'el-low'),
        end('e1'),
        end('e2'),
        chain('start', 'gw'),
        flow('gw', 'high', '=priority > 5'),
        flow('gw', 'low'),
        chain('high', 'e1'),
        chain('low', 'e2'),
      ].join('\n'),
    ),
    'el-gateway.bpmn',
  );
  const pik = await startInstance('el-gateway');
  const route = await one('el-route');
  t.is(route.elementId, 'gw');
  await te.zbc.completeJob({ jobKey: route.key, variables: { priority: 9 } });
  const high = await one('el-high');
  t.is(high.processInstanceKey, pik);
  t.deepEqual(await activate('el-low'), []);
});

test('a listener failed to zero retries raises EXECUTION_LISTENER_NO_RETRIES; new retries and a resolution run it again', async (t) => {
  await deploy(
    bpmn(
      'el-incident',
      [
        start(),
        serviceTask('task', 'el-inc-task', { ext: listeners(['start', 'el-inc-start']) }),
        end(),
        chain('start', 'task', 'end'),
      ].join('\n'),
    ),
    'el-incident.bpmn',
  );
  const pik = await startInstance('el-incident');
  const job = await one('el-inc-start');
  await te.zbc.failJob({ jobKey: job.key, retries: 0, errorMessage: '台账系统 503', retryBackOff: 0 });
  const listed = await rest('POST', '/v2/incidents/search', {
    filter: { processInstanceKey: pik, state: 'ACTIVE' },
  });
  t.is(listed.body.items.length, 1);
  const incident = listed.body.items[0];
  t.like(incident, {
    errorType: 'EXECUTION_LISTENER_NO_RETRIES',
    errorMessage: '台账系统 503',
    elementId: 'task',
    jobKey: job.key,
  });
  t.deepEqual(await activate('el-inc-start'), []);

  await te.zbc.updateJobRetries({ jobKey: job.key, retries: 1 });
  await te.zbc.resolveIncident({ incidentKey: incident.incidentKey });
  const again = await one('el-inc-start');
  t.is(again.key, job.key);
  t.is(again.retries, 1);
  await te.zbc.completeJob({ jobKey: again.key, variables: {} });
  const task = await one('el-inc-task');
  t.is(task.processInstanceKey, pik);
});

test('throwing a BPMN error from a listener job is refused; the job stays open', async (t) => {
  await deploy(
    bpmn(
      'el-error',
      [
        start(),
        serviceTask('task', 'el-err-task', { ext: listeners(['start', 'el-err-start']) }),
        end(),
        chain('start', 'task', 'end'),
      ].join('\n'),
    ),
    'el-error.bpmn',
  );
  await startInstance('el-error');
  const job = await one('el-err-start');
  const err = await t.throwsAsync(
    te.zbc.throwError({ jobKey: job.key, errorCode: 'E1', errorMessage: 'no' }),
  );
  t.is((err as { code?: number }).code, 9); // FAILED_PRECONDITION
  t.true(
    err!.message.includes(
      `Cannot throw BPMN error from EXECUTION_LISTENER job with key '${job.key}', type 'el-err-start'`,
    ),
    err!.message,
  );
  // still the same activated job: completing it goes on to the task
  await te.zbc.completeJob({ jobKey: job.key, variables: {} });
  await one('el-err-task');
});

test('cancelling an instance removes its pending listener job', async (t) => {
  await deploy(
    bpmn(
      'el-cancel',
      [
        start(),
        serviceTask('task', 'el-cancel-task', { ext: listeners(['end', 'el-cancel-end']) }),
        end(),
        chain('start', 'task', 'end'),
      ].join('\n'),
    ),
    'el-cancel.bpmn',
  );
  const pik = await startInstance('el-cancel');
  const task = await one('el-cancel-task');
  await te.zbc.completeJob({ jobKey: task.key, variables: {} });
  const endJob = await one('el-cancel-end');
  t.is(endJob.elementId, 'task');
  await te.zbc.cancelProcessInstance(pik);
  t.deepEqual(await jobsOf(pik), []);
  t.is(await instanceState(pik), 'TERMINATED');
  const err = await t.throwsAsync(te.zbc.completeJob({ jobKey: endJob.key, variables: {} }));
  t.is((err as { code?: number }).code, 5); // NOT_FOUND
});

test('unsupported listener combinations are refused at deploy time, naming the element', async (t) => {
  const refused = async (xml: string, expected: string) => {
    const err = await t.throwsAsync(deploy(xml, 'bad.bpmn'));
    t.true(err!.message.includes(expected), err!.message);
  };
  await refused(
    bpmn(
      'el-bad-gw',
      [
        start(),
        `<bpmn:parallelGateway id="gw"><bpmn:extensionElements>${listeners(['end', 'x'])}</bpmn:extensionElements></bpmn:parallelGateway>`,
        end(),
        chain('start', 'gw', 'end'),
      ].join('\n'),
    ),
    "- Element: gw\n    - ERROR: Execution listeners of type 'end' are not supported by gateways",
  );
  await refused(
    bpmn(
      'el-bad-boundary',
      [
        start(),
        serviceTask('task', 't'),
        `<bpmn:boundaryEvent id="b" attachedToRef="task"><bpmn:extensionElements>${listeners(['start', 'x'])}</bpmn:extensionElements><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>`,
        end(),
        end('e2'),
        chain('start', 'task', 'end'),
        chain('b', 'e2'),
      ].join('\n'),
    ),
    "- Element: b\n    - ERROR: Execution listeners of type 'start' are not supported by boundary events",
  );
  await refused(
    bpmn(
      'el-bad-dup',
      [
        start(),
        serviceTask('task', 't', { ext: listeners(['start', 'same'], ['start', 'same'], ['end', 'same']) }),
        end(),
        chain('start', 'task', 'end'),
      ].join('\n'),
    ),
    "- Element: task\n    - ERROR: Found '2' duplicates based on eventType[start] and type[same], these combinations should be unique.",
  );
  await refused(
    bpmn(
      'el-bad-type',
      [
        start(),
        serviceTask('task', 't', { ext: listeners(['start', '']) }),
        end(),
        chain('start', 'task', 'end'),
      ].join('\n'),
    ),
    "- Element: task\n    - ERROR: Attribute 'type' of an execution listener must be present and not empty",
  );
  // nothing of the refused deployments exists
  const defs = await rest('POST', '/v2/process-definitions/search', {
    filter: { processDefinitionId: { $like: 'el-bad-*' } },
  });
  t.is(defs.body.items.length, 0);
});

test('a sub-process runs its start listener before its content and its end listener after it; a multi-instance task runs its listeners per instance', async (t) => {
  const inner = [
    start('s_start'),
    serviceTask('mi', 'el-mi-task', {
      ext: `${listeners(['start', 'el-mi-start'])}`,
      inner:
        '<bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=items" inputElement="item" /></bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics>',
    }),
    end('s_end'),
    chain('s_start', 'mi', 's_end'),
  ].join('\n');
  const sub = `<bpmn:subProcess id="sub"><bpmn:extensionElements>${listeners(['start', 'el-sub-start'], ['end', 'el-sub-end'])}</bpmn:extensionElements>${inner}</bpmn:subProcess>`;
  await deploy(bpmn('el-sub', [start(), sub, end(), chain('start', 'sub', 'end')].join('\n')), 'el-sub.bpmn');
  const pik = await startInstance('el-sub');
  const subStart = await one('el-sub-start');
  t.is(subStart.elementId, 'sub');
  t.deepEqual(await activate('el-mi-start'), []);
  // the listener's variable is local to the sub-process: its content sees it
  await te.zbc.completeJob({ jobKey: subStart.key, variables: { items: ['甲', '乙'] } });

  const miStarts = await eventually(async () => {
    const found = await activate('el-mi-start');
    return found.length === 2 ? found : undefined;
  });
  t.deepEqual(miStarts.map((j) => plain(j.variables).item).sort(), ['乙', '甲']);
  t.deepEqual(await activate('el-mi-task'), []);
  for (const j of miStarts) await te.zbc.completeJob({ jobKey: j.key, variables: {} });
  const tasks = await eventually(async () => {
    const found = await activate('el-mi-task');
    return found.length === 2 ? found : undefined;
  });
  for (const j of tasks) await te.zbc.completeJob({ jobKey: j.key, variables: {} });

  const subEnd = await one('el-sub-end');
  t.is(subEnd.elementId, 'sub');
  t.deepEqual(plain(subEnd.variables).items, ['甲', '乙']);
  t.is(await instanceState(pik), 'ACTIVE');
  await te.zbc.completeJob({ jobKey: subEnd.key, variables: {} });
  await eventually(async () => (await instanceState(pik)) === 'COMPLETED');
  // two inner instances, each with its own listener and job
  const completed = await rest('POST', '/v2/element-instances/search', {
    filter: { processInstanceKey: pik, elementId: 'mi' },
  });
  t.is(completed.body.items.filter((i: { type: string }) => i.type === 'SERVICE_TASK').length, 2);
});

test('while its end listener runs, a task no longer listens to its boundary events', async (t) => {
  await deploy(
    bpmn(
      'el-boundary',
      [
        start(),
        serviceTask('task', 'el-b-task', { ext: listeners(['end', 'el-b-end']) }),
        `<bpmn:boundaryEvent id="cancelled" attachedToRef="task"><bpmn:messageEventDefinition messageRef="msg_cancel" /></bpmn:boundaryEvent>`,
        serviceTask('after', 'el-b-after'),
        serviceTask('onCancel', 'el-b-cancelled'),
        end(),
        end('e2'),
        chain('start', 'task', 'after', 'end'),
        chain('cancelled', 'onCancel', 'e2'),
      ].join('\n'),
      '<bpmn:message id="msg_cancel" name="el-cancel-case"><bpmn:extensionElements><zeebe:subscription correlationKey="=caseId" /></bpmn:extensionElements></bpmn:message>',
    ),
    'el-boundary.bpmn',
  );
  const pik = await startInstance('el-boundary', { caseId: 'C-1' });
  const task = await one('el-b-task');
  await te.zbc.completeJob({ jobKey: task.key, variables: {} });
  const endJob = await one('el-b-end');
  await te.zbc.publishMessage({
    name: 'el-cancel-case',
    correlationKey: 'C-1',
    variables: {},
    timeToLive: 0,
  });
  await te.zbc.completeJob({ jobKey: endJob.key, variables: {} });
  const after = await one('el-b-after');
  t.is(after.processInstanceKey, pik);
  t.deepEqual(await activate('el-b-cancelled'), []);
});

test('a listener type expression that fails is an incident on the element; setting the variable and resolving creates the job', async (t) => {
  await deploy(
    bpmn(
      'el-feel',
      [
        start(),
        serviceTask('task', 'el-feel-task', { ext: listeners(['start', '=listenerType']) }),
        end(),
        chain('start', 'task', 'end'),
      ].join('\n'),
    ),
    'el-feel.bpmn',
  );
  const pik = await startInstance('el-feel');
  const incidents = async () =>
    (await rest('POST', '/v2/incidents/search', { filter: { processInstanceKey: pik, state: 'ACTIVE' } }))
      .body.items as { incidentKey: string; errorType: string; elementId: string; jobKey?: string }[];
  const [incident] = await eventually(async () => {
    const found = await incidents();
    return found.length ? found : undefined;
  });
  t.like(incident, { errorType: 'EXTRACT_VALUE_ERROR', elementId: 'task' });
  t.is(incident!.jobKey, undefined);
  await te.zbc.setVariables({
    elementInstanceKey: pik,
    variables: { listenerType: 'el-feel-start' },
    local: false,
  });
  await te.zbc.resolveIncident({ incidentKey: incident!.incidentKey });
  const job = await one('el-feel-start');
  t.is(job.elementId, 'task');
  t.deepEqual(await incidents(), []);
});

test('a call activity calls its process only after its start listener, and completes after its end listener', async (t) => {
  await deploy(
    bpmn(
      'el-child',
      [start(), serviceTask('work', 'el-child-work'), end(), chain('start', 'work', 'end')].join('\n'),
    ),
    'el-child.bpmn',
  );
  const call = `<bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement processId="el-child" />${listeners(['start', 'el-call-start'], ['end', 'el-call-end'])}</bpmn:extensionElements></bpmn:callActivity>`;
  await deploy(
    bpmn('el-parent', [start(), call, end(), chain('start', 'call', 'end')].join('\n')),
    'el-parent.bpmn',
  );
  const pik = await startInstance('el-parent', { caseNo: 'A-7' });
  const callStart = await one('el-call-start');
  t.is(callStart.elementId, 'call');
  t.deepEqual(await activate('el-child-work'), []);
  await te.zbc.completeJob({ jobKey: callStart.key, variables: { ledger: 'L1' } });

  // the listener's variable is local to the call activity, so the called process gets it too
  const work = await one('el-child-work');
  t.not(work.processInstanceKey, pik);
  t.deepEqual(plain(work.variables), { caseNo: 'A-7', ledger: 'L1' });
  await te.zbc.completeJob({ jobKey: work.key, variables: { done: true } });

  const callEnd = await one('el-call-end');
  t.is(callEnd.processInstanceKey, pik);
  t.is(plain(callEnd.variables).done, true);
  t.is(await instanceState(pik), 'ACTIVE');
  await te.zbc.completeJob({ jobKey: callEnd.key, variables: {} });
  await eventually(async () => (await instanceState(pik)) === 'COMPLETED');
  t.pass();
});
