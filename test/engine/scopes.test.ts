/**
 * Scopes and structure: embedded and event sub-processes, call activities, multi-instance, error and
 * escalation end events, terminate end, links, script tasks, job-based user tasks.
 */
import test from 'ava';
import type { Engine } from '../../engine/index.ts';
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

const te = useTestEngine(test);

const jobsOf = async (type: string, min = 1) =>
  eventually(async () => {
    const jobs = await activate(te.engine, type, 100);
    return jobs.length >= min ? jobs : undefined;
  });

async function withResult(engine: Engine, bpmnProcessId: string, variables: Record<string, unknown> = {}) {
  return engine.createProcessInstanceWithResult({
    request: { bpmnProcessId, version: -1, variables },
    requestTimeout: 10_000,
  });
}

test('embedded sub-process: local variables stay inside, completion continues outside', async (t) => {
  const { engine } = te;
  await deploy(
    engine,
    bpmn(
      'withSub',
      [
        start(),
        `<bpmn:subProcess id="sub"><bpmn:extensionElements><zeebe:ioMapping><zeebe:input source="=0" target="attempt" /><zeebe:output source="=attempt" target="attempts" /></zeebe:ioMapping></bpmn:extensionElements>
          ${start('subStart')} ${serviceTask('inner', 'sub-inner')} ${end('subEnd')} ${chain('subStart', 'inner', 'subEnd')}
        </bpmn:subProcess>`,
        end(),
        chain('start', 'sub', 'end'),
      ].join('\n'),
    ),
  );
  const result = withResult(engine, 'withSub', { caseId: 1 });
  const [job] = await jobsOf('sub-inner');
  t.deepEqual(job!.variables, { caseId: 1, attempt: 0 });
  await engine.completeJob({ jobKey: job!.key, variables: { attempt: 3, outcome: 'done' } });
  const r = await result;
  // `attempt` was defined in the sub-process scope: updated there, mapped out as `attempts`
  t.deepEqual(r.variables, { caseId: 1, outcome: 'done', attempts: 3 });
  t.deepEqual(await feedOf(engine, r.processInstanceKey, ['ELEMENT_COMPLETED']), [
    'start:ELEMENT_COMPLETED',
    'subStart:ELEMENT_COMPLETED',
    'inner:ELEMENT_COMPLETED',
    'subEnd:ELEMENT_COMPLETED',
    'sub:ELEMENT_COMPLETED',
    'end:ELEMENT_COMPLETED',
    'withSub:ELEMENT_COMPLETED',
  ]);
});

test('error end event inside a sub-process is caught by the boundary event of the sub-process', async (t) => {
  const { engine } = te;
  await deploy(
    engine,
    bpmn(
      'errEnd',
      [
        start(),
        `<bpmn:subProcess id="sub">${start('s2')}<bpmn:endEvent id="fail"><bpmn:errorEventDefinition errorRef="e1" /></bpmn:endEvent>${chain('s2', 'fail')}</bpmn:subProcess>`,
        '<bpmn:boundaryEvent id="caught" attachedToRef="sub"><bpmn:errorEventDefinition errorRef="e2" /></bpmn:boundaryEvent>',
        end(),
        end('handled'),
        chain('start', 'sub', 'end'),
        chain('caught', 'handled'),
      ].join('\n'),
      '<bpmn:error id="e1" errorCode="=&quot;INVALID_&quot; + kind" /><bpmn:error id="e2" errorCode="INVALID_REPORT" />',
    ),
  );
  const r = await withResult(engine, 'errEnd', { kind: 'REPORT' });
  t.deepEqual(await feedOf(engine, r.processInstanceKey, ['ELEMENT_COMPLETED', 'ELEMENT_TERMINATED']), [
    'start:ELEMENT_COMPLETED',
    's2:ELEMENT_COMPLETED',
    'fail:ELEMENT_TERMINATED',
    'sub:ELEMENT_TERMINATED',
    'caught:ELEMENT_COMPLETED',
    'handled:ELEMENT_COMPLETED',
    'errEnd:ELEMENT_COMPLETED',
  ]);
});

test('event sub-processes: non-interrupting message runs alongside, interrupting error ends the scope', async (t) => {
  const { engine } = te;
  await deploy(
    engine,
    bpmn(
      'esp',
      [
        start(),
        serviceTask('work', 'esp-work'),
        end(),
        chain('start', 'work', 'end'),
        `<bpmn:subProcess id="onUrge" triggeredByEvent="true">
           <bpmn:startEvent id="urged" isInterrupting="false"><bpmn:messageEventDefinition messageRef="m1" /></bpmn:startEvent>
           ${serviceTask('notify', 'esp-notify')} ${end('urgeEnd')} ${chain('urged', 'notify', 'urgeEnd')}
         </bpmn:subProcess>`,
        `<bpmn:subProcess id="onError" triggeredByEvent="true">
           <bpmn:startEvent id="failed"><bpmn:extensionElements><zeebe:ioMapping><zeebe:output source="=why" target="why" /></zeebe:ioMapping></bpmn:extensionElements><bpmn:errorEventDefinition errorRef="e1" /></bpmn:startEvent>
           ${serviceTask('cleanup', 'esp-cleanup')} ${end('errEnd')} ${chain('failed', 'cleanup', 'errEnd')}
         </bpmn:subProcess>`,
      ].join('\n'),
      '<bpmn:message id="m1" name="urge"><bpmn:extensionElements><zeebe:subscription correlationKey="=caseId" /></bpmn:extensionElements></bpmn:message><bpmn:error id="e1" errorCode="BROKEN" />',
    ),
  );
  const result = withResult(engine, 'esp', { caseId: 'U1' });
  const [work] = await jobsOf('esp-work');
  await engine.publishMessage({ name: 'urge', correlationKey: 'U1', variables: { urgedBy: 'leader' } });
  const [notify] = await jobsOf('esp-notify');
  t.is(notify!.variables.urgedBy, 'leader');
  await engine.completeJob({ jobKey: notify!.key });
  await engine.throwError({ jobKey: work!.key, errorCode: 'BROKEN', variables: { why: 'x' } });
  const [cleanup] = await jobsOf('esp-cleanup');
  t.is(cleanup!.variables.why, 'x');
  await engine.completeJob({ jobKey: cleanup!.key });
  const r = await result;
  t.deepEqual(r.variables, { caseId: 'U1', urgedBy: 'leader', why: 'x' });
  const feed = await feedOf(engine, r.processInstanceKey, ['ELEMENT_COMPLETED', 'ELEMENT_TERMINATED']);
  t.true(feed.includes('work:ELEMENT_TERMINATED'));
  t.deepEqual(feed.slice(-5), [
    'failed:ELEMENT_COMPLETED',
    'cleanup:ELEMENT_COMPLETED',
    'errEnd:ELEMENT_COMPLETED',
    'onError:ELEMENT_COMPLETED',
    'esp:ELEMENT_COMPLETED',
  ]);
});

test('call activity: parent variables go in, child variables come back; errors cross into the parent', async (t) => {
  const { engine } = te;
  await deploy(
    engine,
    bpmn(
      'child',
      [start(), serviceTask('childTask', 'child-work'), end(), chain('start', 'childTask', 'end')].join('\n'),
    ),
  );
  await deploy(
    engine,
    bpmn(
      'parent',
      [
        start(),
        '<bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement processId="=childId" /></bpmn:extensionElements></bpmn:callActivity>',
        '<bpmn:boundaryEvent id="childFailed" attachedToRef="call"><bpmn:errorEventDefinition errorRef="e1" /></bpmn:boundaryEvent>',
        end(),
        end('failedEnd'),
        chain('start', 'call', 'end'),
        chain('childFailed', 'failedEnd'),
      ].join('\n'),
      '<bpmn:error id="e1" errorCode="CHILD_FAILED" />',
    ),
  );
  const result = withResult(engine, 'parent', { childId: 'child', fromParent: 1 });
  const [job] = await jobsOf('child-work');
  t.is(job!.bpmnProcessId, 'child');
  t.deepEqual(job!.variables, { childId: 'child', fromParent: 1 });
  await engine.completeJob({ jobKey: job!.key, variables: { fromChild: 2 } });
  const r = await result;
  t.deepEqual(r.variables, { childId: 'child', fromParent: 1, fromChild: 2 });

  const failing = withResult(engine, 'parent', { childId: 'child' });
  const [job2] = await jobsOf('child-work');
  await engine.throwError({ jobKey: job2!.key, errorCode: 'CHILD_FAILED' });
  const r2 = await failing;
  const feed = await feedOf(engine, r2.processInstanceKey, ['ELEMENT_COMPLETED', 'ELEMENT_TERMINATED']);
  t.deepEqual(feed, [
    'start:ELEMENT_COMPLETED',
    'call:ELEMENT_TERMINATED',
    'childFailed:ELEMENT_COMPLETED',
    'failedEnd:ELEMENT_COMPLETED',
    'parent:ELEMENT_COMPLETED',
  ]);
  // a called instance cannot be cancelled on its own
  const p3 = await engine.createProcessInstance({
    bpmnProcessId: 'parent',
    version: -1,
    variables: { childId: 'child' },
  });
  const [job3] = await jobsOf('child-work');
  const err = await t.throwsAsync(
    engine.cancelProcessInstance({ processInstanceKey: job3!.processInstanceKey }),
  );
  t.regex(err!.message, /it is created by a parent process instance/);
  await engine.cancelProcessInstance({ processInstanceKey: p3.processInstanceKey });
  t.deepEqual(await activate(engine, 'child-work'), []);
  // calling a process that is not deployed raises an incident
  const missing = await engine.createProcessInstance({
    bpmnProcessId: 'parent',
    version: -1,
    variables: { childId: 'nowhere' },
  });
  const inc = (await engine.readEvents('0', 100_000)).find(
    (e) => e.processInstanceKey === missing.processInstanceKey && e.intent === 'INCIDENT_CREATED',
  );
  t.is(inc?.payload.errorType, 'CALLED_ELEMENT_ERROR');
  t.is(
    inc?.payload.errorMessage,
    "Expected process with BPMN process id 'nowhere' to be deployed, but not found.",
  );
});

const miTask = (id: string, type: string, sequential: boolean, extra = '') =>
  serviceTask(id, type, {
    inner: `<bpmn:multiInstanceLoopCharacteristics isSequential="${sequential}"><bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=departments" inputElement="dept" outputCollection="answers" outputElement="=answer" /></bpmn:extensionElements>${extra}</bpmn:multiInstanceLoopCharacteristics>`,
  });

test('parallel multi-instance: one job per item, outputs collected in order', async (t) => {
  const { engine } = te;
  await deploy(
    engine,
    bpmn('fanout', [start(), miTask('ask', 'mi-par', false), end(), chain('start', 'ask', 'end')].join('\n')),
  );
  const result = withResult(engine, 'fanout', { departments: ['water', 'power', 'gas'] });
  const jobs = await jobsOf('mi-par', 3);
  t.deepEqual(
    jobs.map((j) => [j.variables.dept, j.variables.loopCounter]),
    [
      ['water', 1],
      ['power', 2],
      ['gas', 3],
    ],
  );
  // complete out of order
  for (const j of [jobs[2]!, jobs[0]!, jobs[1]!])
    await engine.completeJob({ jobKey: j.key, variables: { answer: `${String(j.variables.dept)}-ok` } });
  const r = await result;
  t.deepEqual(r.variables, {
    departments: ['water', 'power', 'gas'],
    answers: ['water-ok', 'power-ok', 'gas-ok'],
  });
});

test('sequential multi-instance runs one at a time; completion condition ends it early; empty collection skips', async (t) => {
  const { engine } = te;
  await deploy(
    engine,
    bpmn(
      'fanseq',
      [
        start(),
        miTask(
          'ask',
          'mi-seq',
          true,
          '<bpmn:completionCondition>=answer = "stop"</bpmn:completionCondition>',
        ),
        end(),
        chain('start', 'ask', 'end'),
      ].join('\n'),
    ),
  );
  const result = withResult(engine, 'fanseq', { departments: ['a', 'b', 'c'] });
  const [first] = await jobsOf('mi-seq');
  t.deepEqual(await activate(engine, 'mi-seq'), []);
  t.is(first!.variables.dept, 'a');
  await engine.completeJob({ jobKey: first!.key, variables: { answer: 'go' } });
  const [second] = await jobsOf('mi-seq');
  t.is(second!.variables.dept, 'b');
  await engine.completeJob({ jobKey: second!.key, variables: { answer: 'stop' } });
  const r = await result;
  t.deepEqual(r.variables.answers, ['go', 'stop', null]);
  t.deepEqual(await activate(engine, 'mi-seq'), []);
  const empty = await withResult(engine, 'fanseq', { departments: [] });
  t.deepEqual(empty.variables, { departments: [], answers: [] });
  const notList = await engine.createProcessInstance({
    bpmnProcessId: 'fanseq',
    version: -1,
    variables: { departments: 'water' },
  });
  const inc = (await engine.readEvents('0', 100_000)).find(
    (e) => e.processInstanceKey === notList.processInstanceKey && e.intent === 'INCIDENT_CREATED',
  );
  t.is(
    inc?.payload.errorMessage,
    "Expected result of the expression 'departments' to be 'ARRAY', but was 'STRING'.",
  );
});

test('script task (zeebe:script), job-based user task headers, manual and undefined tasks', async (t) => {
  const { engine } = te;
  await deploy(
    engine,
    bpmn(
      'mixed',
      [
        start(),
        '<bpmn:scriptTask id="calc"><bpmn:extensionElements><zeebe:script expression="=hours * 60" resultVariable="minutes" /></bpmn:extensionElements></bpmn:scriptTask>',
        '<bpmn:manualTask id="manual" />',
        '<bpmn:task id="plain" />',
        `<bpmn:userTask id="approve"><bpmn:extensionElements>
           <zeebe:assignmentDefinition assignee="=supervisor" candidateGroups="leaders, duty" />
           <zeebe:taskSchedule dueDate="2026-06-01T08:00:00Z" />
           <zeebe:formDefinition formKey="camunda-forms:bpmn:approveForm" />
         </bpmn:extensionElements></bpmn:userTask>`,
        end(),
        chain('start', 'calc', 'manual', 'plain', 'approve', 'end'),
      ].join('\n'),
    ),
  );
  const result = withResult(engine, 'mixed', { hours: 2, supervisor: 'wang' });
  const [task] = await jobsOf('io.camunda.zeebe:userTask');
  t.deepEqual(task!.customHeaders, {
    'io.camunda.zeebe:assignee': 'wang',
    'io.camunda.zeebe:candidateGroups': '["leaders","duty"]',
    'io.camunda.zeebe:dueDate': '2026-06-01T08:00:00Z',
    'io.camunda.zeebe:formKey': 'camunda-forms:bpmn:approveForm',
  });
  t.is(task!.variables.minutes, 120);
  await engine.completeJob({ jobKey: task!.key, variables: { approved: true } });
  t.deepEqual((await result).variables, { hours: 2, supervisor: 'wang', minutes: 120, approved: true });
});

test('terminate end event ends the whole scope; link events jump; escalation is caught non-interrupting', async (t) => {
  const { engine } = te;
  await deploy(
    engine,
    bpmn(
      'terminate',
      [
        start(),
        '<bpmn:parallelGateway id="fork" />',
        serviceTask('never', 'term-never'),
        '<bpmn:endEvent id="stop"><bpmn:terminateEventDefinition /></bpmn:endEvent>',
        end(),
        chain('start', 'fork'),
        chain('fork', 'never', 'end'),
        chain('fork', 'stop'),
      ].join('\n'),
    ),
  );
  const r = await withResult(engine, 'terminate');
  t.deepEqual(await activate(engine, 'term-never'), []);
  t.true((await feedOf(engine, r.processInstanceKey)).includes('never:ELEMENT_TERMINATED'));

  await deploy(
    engine,
    bpmn(
      'links',
      [
        start(),
        '<bpmn:intermediateThrowEvent id="goto"><bpmn:linkEventDefinition name="B" /></bpmn:intermediateThrowEvent>',
        '<bpmn:intermediateCatchEvent id="landing"><bpmn:linkEventDefinition name="B" /></bpmn:intermediateCatchEvent>',
        serviceTask('afterLink', 'link-after'),
        end(),
        chain('start', 'goto'),
        chain('landing', 'afterLink', 'end'),
      ].join('\n'),
    ),
  );
  const l = await engine.createProcessInstance({ bpmnProcessId: 'links', version: -1 });
  const [lj] = await jobsOf('link-after');
  t.is(lj!.processInstanceKey, l.processInstanceKey);

  await deploy(
    engine,
    bpmn(
      'escalate',
      [
        start(),
        `<bpmn:subProcess id="sub">${start('s2')}<bpmn:intermediateThrowEvent id="raise"><bpmn:escalationEventDefinition escalationRef="esc" /></bpmn:intermediateThrowEvent>${serviceTask('continue', 'esc-continue')}${end('e2')}${chain('s2', 'raise', 'continue', 'e2')}</bpmn:subProcess>`,
        '<bpmn:boundaryEvent id="noticed" attachedToRef="sub" cancelActivity="false"><bpmn:escalationEventDefinition escalationRef="esc" /></bpmn:boundaryEvent>',
        serviceTask('inform', 'esc-inform'),
        end(),
        end('e3'),
        chain('start', 'sub', 'end'),
        chain('noticed', 'inform', 'e3'),
      ].join('\n'),
      '<bpmn:escalation id="esc" escalationCode="LATE" />',
    ),
  );
  const e = await engine.createProcessInstance({ bpmnProcessId: 'escalate', version: -1 });
  const [inform] = await jobsOf('esc-inform');
  const [cont] = await jobsOf('esc-continue');
  t.is(inform!.processInstanceKey, e.processInstanceKey);
  t.is(cont!.processInstanceKey, e.processInstanceKey);
});
