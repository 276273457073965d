/**
 * MigrateProcessInstance over the real Zeebe client (@camunda8/sdk, gRPC): an instance moves to another
 * definition with its keys, variables, jobs (type kept, definition and element changed) and incidents;
 * catch events follow the mapping (a mapped timer keeps its due time, an unmapped one is re-created from
 * the target); and the refusals carry Zeebe's status and message. State is read back through the
 * engine's REST API, as the hub would read it.
 */
import test from 'ava';
import { startTestEngine, type TestEngine } from './helpers/engine.ts';
import { bpmn, chain, end, serviceTask, start } from './engine/support.ts';

let te: TestEngine;
test.before(async () => {
  te = await startTestEngine();
});
test.after.always(async () => {
  await te?.close();
});

async function rest(method: string, path: string, body?: unknown) {
  const res = await fetch(te.managementUrl + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await res.json()) as any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary fields
}

async function deploy(name: string, xml: string) {
  const res = await te.zbc.deployResource({ name, process: Buffer.from(xml) });
  return res.deployments[0]!.process;
}

const activate = (type: string) =>
  te.zbc.activateJobs({
    type,
    worker: 'migration-test',
    maxJobsToActivate: 10,
    timeout: 86_400_000,
    requestTimeout: -1,
  });

/** Waits (polling, no fixed sleep) for a job of the type, e.g. after a timer the scheduler fires. */
async function jobOf(type: string) {
  for (const until = Date.now() + 10_000; Date.now() < until;) {
    const jobs = await activate(type);
    if (jobs.length) return jobs;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no job of type ${type}`);
}

const migrate = (
  processInstanceKey: string,
  targetProcessDefinitionKey: string,
  map: Record<string, string>,
) =>
  te.zbc.migrateProcessInstance({
    processInstanceKey,
    migrationPlan: {
      targetProcessDefinitionKey,
      mappingInstructions: Object.entries(map).map(([sourceElementId, targetElementId]) => ({
        sourceElementId,
        targetElementId,
      })),
    },
  });

/** The gRPC status and the message of a refused call. */
async function refusal(t: import('ava').ExecutionContext, call: Promise<unknown>) {
  const err = (await t.throwsAsync(call)) as Error & { code?: number };
  return { code: err.code, message: err.message.replace(/^\d+ [A-Z_]+: /, '') };
}

const timerTask = (id: string, type: string, timerId: string, duration: string) =>
  serviceTask(id, type) +
  `<bpmn:boundaryEvent id="${timerId}" attachedToRef="${id}"><bpmn:timerEventDefinition><bpmn:timeDuration>${duration}</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>`;

test('an instance moves to a new version: same keys and variables, job keeps its type, new path taken', async (t) => {
  const v1 = await deploy(
    'order.bpmn',
    bpmn('order', start() + serviceTask('A', 'order-a') + end() + chain('start', 'A', 'end')),
  );
  const v2 = await deploy(
    'order.bpmn',
    bpmn(
      'order',
      start() +
        serviceTask('A2', 'order-a-new') +
        serviceTask('B', 'order-b') +
        end() +
        chain('start', 'A2', 'B', 'end'),
    ),
  );
  const pi = await te.zbc.createProcessInstance({
    bpmnProcessId: 'order',
    version: 1,
    variables: { 案件: 'A1', n: 1 },
  });
  const [job] = await activate('order-a');
  t.is(job!.processDefinitionVersion, 1);

  await migrate(pi.processInstanceKey, v2.processDefinitionKey, { A: 'A2' });

  const instance = await rest('GET', `/v2/process-instances/${pi.processInstanceKey}`);
  t.like(instance, {
    processInstanceKey: pi.processInstanceKey,
    processDefinitionKey: v2.processDefinitionKey,
    processDefinitionId: 'order',
    processDefinitionVersion: 2,
    state: 'ACTIVE',
  });
  const jobs = await rest('POST', '/v2/jobs/search', {
    filter: { processInstanceKey: pi.processInstanceKey },
  });
  t.deepEqual(
    jobs.items.map((j: Record<string, string>) => [j.jobKey, j.type, j.elementId, j.processDefinitionKey]),
    [[job!.key, 'order-a', 'A2', v2.processDefinitionKey]],
  );
  const elements = await rest('POST', '/v2/element-instances/search', {
    filter: { processInstanceKey: pi.processInstanceKey, state: 'ACTIVE' },
  });
  t.deepEqual(
    elements.items.map((e: Record<string, string>) => [e.elementId, e.type, e.processDefinitionKey]),
    [
      ['order', 'PROCESS', v2.processDefinitionKey],
      ['A2', 'SERVICE_TASK', v2.processDefinitionKey],
    ],
  );

  // the job keeps its key; completing it continues in the target definition (B, which v1 lacks)
  await te.zbc.completeJob({ jobKey: job!.key, variables: { done: true } });
  const [b] = await activate('order-b');
  t.is(b!.processInstanceKey, pi.processInstanceKey);
  t.is(b!.processDefinitionVersion, 2);
  t.deepEqual({ ...b!.variables }, { 案件: 'A1', n: 1, done: true });
  await te.zbc.completeJob({ jobKey: b!.key, variables: {} });
  t.is((await rest('GET', `/v2/process-instances/${pi.processInstanceKey}`)).state, 'COMPLETED');
  t.not(v1.processDefinitionKey, v2.processDefinitionKey);
});

test.serial(
  'a mapped timer boundary event keeps its due time; an unmapped one is re-created from the target',
  async (t) => {
    await te.clock.pin(Date.UTC(2026, 11, 1, 8));
    await deploy(
      'watch.bpmn',
      bpmn(
        'watch',
        start() +
          timerTask('T', 'watch-t', 'timer1', 'PT1H') +
          end() +
          end('end_late') +
          chain('start', 'T', 'end') +
          chain('timer1', 'end_late'),
      ),
    );
    const target = await deploy(
      'watch2.bpmn',
      bpmn(
        'watch2',
        start() +
          timerTask('T2', 'watch-t2', 'timer2', 'PT2H') +
          serviceTask('late', 'watch-late') +
          end() +
          chain('start', 'T2', 'end') +
          chain('timer2', 'late'),
      ),
    );
    const kept = await te.zbc.createProcessInstance({ bpmnProcessId: 'watch', variables: {} });
    const renewed = await te.zbc.createProcessInstance({ bpmnProcessId: 'watch', variables: {} });
    await te.clock.add(30 * 60_000);
    await migrate(kept.processInstanceKey, target.processDefinitionKey, { T: 'T2', timer1: 'timer2' });
    await migrate(renewed.processInstanceKey, target.processDefinitionKey, { T: 'T2' });

    // 1 h after start the mapped timer (still due at start + 1 h) fires; the re-created one (2 h from
    // migration) does not: both were due in the same scheduler pass if they were due at all
    await te.clock.add(31 * 60_000);
    const first = await jobOf('watch-late');
    t.deepEqual(
      first.map((j) => j.processInstanceKey),
      [kept.processInstanceKey],
    );
    await te.clock.add(2 * 60 * 60_000);
    const second = await jobOf('watch-late');
    t.deepEqual(
      second.map((j) => j.processInstanceKey),
      [renewed.processInstanceKey],
    );
    const path = await rest('POST', '/v2/element-instances/search', {
      filter: { processInstanceKey: kept.processInstanceKey },
      sort: [{ field: 'elementInstanceKey', order: 'ASC' }],
    });
    t.deepEqual(
      path.items.map((e: Record<string, string>) => `${e.elementId}:${e.state}`),
      ['watch2:ACTIVE', 'start:COMPLETED', 'T2:TERMINATED', 'timer2:COMPLETED', 'late:ACTIVE'],
    );
    await te.clock.reset();
  },
);

test('an incident moves with its element and is resolved in the target definition', async (t) => {
  await deploy(
    'fix.bpmn',
    bpmn('fix', start() + serviceTask('A', 'fix-a') + end() + chain('start', 'A', 'end')),
  );
  const target = await deploy(
    'fix.bpmn',
    bpmn(
      'fix',
      start() +
        serviceTask('A', 'fix-a') +
        serviceTask('check', 'fix-check') +
        end() +
        chain('start', 'A', 'check', 'end'),
    ),
  );
  const pi = await te.zbc.createProcessInstance({ bpmnProcessId: 'fix', version: 1, variables: {} });
  const [job] = await activate('fix-a');
  await te.zbc.failJob({ jobKey: job!.key, retries: 0, errorMessage: '无法派遣', retryBackOff: 0 });
  await migrate(pi.processInstanceKey, target.processDefinitionKey, { A: 'A' });

  const incidents = await rest('POST', '/v2/incidents/search', {
    filter: { processInstanceKey: pi.processInstanceKey },
  });
  t.deepEqual(
    incidents.items.map((i: Record<string, string>) => [
      i.state,
      i.errorType,
      i.errorMessage,
      i.elementId,
      i.processDefinitionKey,
      i.jobKey,
    ]),
    [['ACTIVE', 'JOB_NO_RETRIES', '无法派遣', 'A', target.processDefinitionKey, job!.key]],
  );
  await te.zbc.updateJobRetries({ jobKey: job!.key, retries: 1 });
  await te.zbc.resolveIncident({ incidentKey: incidents.items[0].incidentKey });
  const [again] = await activate('fix-a');
  t.is(again!.key, job!.key);
  await te.zbc.completeJob({ jobKey: again!.key, variables: {} });
  t.is((await activate('fix-check'))[0]!.processInstanceKey, pi.processInstanceKey);
});

test('refusals: Zeebe status and message; the instance stays on its definition', async (t) => {
  const source = await deploy(
    'strict.bpmn',
    bpmn(
      'strict',
      start() +
        `<bpmn:subProcess id="sub">${start('s_start')}${serviceTask('inner', 'strict-inner')}${end('s_end')}${chain('s_start', 'inner', 's_end')}</bpmn:subProcess>` +
        end() +
        chain('start', 'sub', 'end'),
    ),
  );
  const target = await deploy(
    'strict2.bpmn',
    bpmn(
      'strict2',
      start() +
        `<bpmn:subProcess id="sub2">${start('s_start')}${end('s_end')}${chain('s_start', 's_end')}</bpmn:subProcess>` +
        serviceTask('inner2', 'strict-inner') +
        `<bpmn:userTask id="form" />` +
        end() +
        chain('start', 'sub2', 'inner2', 'form', 'end'),
    ),
  );
  const pi = await te.zbc.createProcessInstance({ bpmnProcessId: 'strict', variables: {} });
  const key = pi.processInstanceKey;
  const prefix = `Command 'MIGRATE' rejected with code`;
  t.deepEqual(await refusal(t, migrate(key, target.processDefinitionKey, { sub: 'sub2' })), {
    code: 9,
    message: `${prefix} 'FAILED_PRECONDITION': Expected to migrate process instance '${key}' but no mapping instruction defined for active element with id 'inner'. Elements cannot be migrated without a mapping.`,
  });
  t.deepEqual(await refusal(t, migrate(key, target.processDefinitionKey, { sub: 'sub2', inner: 'form' })), {
    code: 9,
    message: `${prefix} 'FAILED_PRECONDITION': Expected to migrate process instance '${key}' but active element with id 'inner' and type 'SERVICE_TASK' is mapped to an element with id 'form' and different type 'USER_TASK'. Elements must be mapped to elements of the same type.`,
  });
  t.deepEqual(await refusal(t, migrate(key, target.processDefinitionKey, { sub: 'sub2', inner: 'inner2' })), {
    code: 9,
    message: `${prefix} 'FAILED_PRECONDITION': Expected to migrate process instance '${key}' but the flow scope of active element with id 'inner' is changed. The flow scope of the active element is expected to be 'sub2' but was 'strict2'. The flow scope of an element cannot be changed during migration yet.`,
  });
  t.deepEqual(await refusal(t, migrate(key, target.processDefinitionKey, { sub: 'sub2', nope: 'inner2' })), {
    code: 3,
    message: `${prefix} 'INVALID_ARGUMENT': Expected to migrate process instance '${key}' but mapping instructions contain a non-existing source element id 'nope'. Elements provided in mapping instructions must exist in the source process definition.`,
  });
  t.deepEqual(
    await refusal(
      t,
      te.zbc.migrateProcessInstance({
        processInstanceKey: key,
        migrationPlan: {
          targetProcessDefinitionKey: target.processDefinitionKey,
          mappingInstructions: [
            { sourceElementId: 'sub', targetElementId: 'sub2' },
            { sourceElementId: 'sub', targetElementId: 'inner2' },
          ],
        },
      }),
    ),
    {
      code: 3,
      message: `${prefix} 'INVALID_ARGUMENT': Expected to migrate process instance '${key}' but the mapping instructions contain duplicate source element ids '[sub]'.`,
    },
  );
  t.deepEqual(await refusal(t, migrate('2251799813999999', target.processDefinitionKey, {})), {
    code: 5,
    message: `${prefix} 'NOT_FOUND': Expected to migrate process instance but no process instance found with key '2251799813999999'`,
  });
  t.deepEqual(await refusal(t, migrate(key, '2251799813999998', {})), {
    code: 5,
    message: `${prefix} 'NOT_FOUND': Expected to migrate process instance to process definition but no process definition found with key '2251799813999998'`,
  });
  const still = await rest('GET', `/v2/process-instances/${key}`);
  t.is(still.processDefinitionKey, source.processDefinitionKey);
  t.is((await activate('strict-inner'))[0]!.processDefinitionVersion, 1);
});

test('unsupported: multi-instance and event-based gateways are refused by element and type', async (t) => {
  const mi = await deploy(
    'multi.bpmn',
    bpmn(
      'multi',
      start() +
        serviceTask('each', 'multi-each', {
          inner: `<bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=[1,2]" inputElement="x" /></bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics>`,
        }) +
        end() +
        chain('start', 'each', 'end'),
    ),
  );
  const pi = await te.zbc.createProcessInstance({ bpmnProcessId: 'multi', variables: {} });
  t.deepEqual(await refusal(t, migrate(pi.processInstanceKey, mi.processDefinitionKey, { each: 'each' })), {
    code: 9,
    message: `Command 'MIGRATE' rejected with code 'FAILED_PRECONDITION': Expected to migrate process instance '${pi.processInstanceKey}' but active element with id 'each' has an unsupported type. The migration of a MULTI_INSTANCE_BODY is not supported.`,
  });

  const catchEvent = (id: string, name: string) =>
    `<bpmn:intermediateCatchEvent id="${id}"><bpmn:messageEventDefinition messageRef="msg_${name}" /></bpmn:intermediateCatchEvent>`;
  const ebg = await deploy(
    'choice.bpmn',
    bpmn(
      'choice',
      start() +
        '<bpmn:eventBasedGateway id="gw" />' +
        catchEvent('yes', 'yes') +
        catchEvent('no', 'no') +
        end() +
        end('end2') +
        chain('start', 'gw', 'yes', 'end') +
        chain('gw', 'no', 'end2'),
      ['yes', 'no']
        .map(
          (n) =>
            `<bpmn:message id="msg_${n}" name="choice-${n}"><bpmn:extensionElements><zeebe:subscription correlationKey="=id" /></bpmn:extensionElements></bpmn:message>`,
        )
        .join(''),
    ),
  );
  const waiting = await te.zbc.createProcessInstance({ bpmnProcessId: 'choice', variables: { id: 'c-1' } });
  t.deepEqual(await refusal(t, migrate(waiting.processInstanceKey, ebg.processDefinitionKey, { gw: 'gw' })), {
    code: 9,
    message: `Command 'MIGRATE' rejected with code 'FAILED_PRECONDITION': Expected to migrate process instance '${waiting.processInstanceKey}' but active element with id 'gw' has an unsupported type. The migration of a EVENT_BASED_GATEWAY is not supported.`,
  });
});

test('inside a sub-process: scope and element mapped; a message boundary event the target adds is subscribed', async (t) => {
  const sub = (id: string, inner: string, type: string) =>
    `<bpmn:subProcess id="${id}">${start(`${id}_start`)}${serviceTask(inner, type)}${end(`${id}_end`)}${chain(`${id}_start`, inner, `${id}_end`)}</bpmn:subProcess>`;
  await deploy(
    'nest.bpmn',
    bpmn('nest', start() + sub('sub', 'inner', 'nest-inner') + end() + chain('start', 'sub', 'end')),
  );
  const target = await deploy(
    'nest.bpmn',
    bpmn(
      'nest',
      start() +
        sub('sub2', 'inner2', 'nest-inner2') +
        '<bpmn:boundaryEvent id="cancelled" attachedToRef="sub2"><bpmn:messageEventDefinition messageRef="msg_cancel" /></bpmn:boundaryEvent>' +
        serviceTask('undo', 'nest-undo') +
        end() +
        chain('start', 'sub2', 'end') +
        chain('cancelled', 'undo'),
      '<bpmn:message id="msg_cancel" name="nest-cancel"><bpmn:extensionElements><zeebe:subscription correlationKey="=caseId" /></bpmn:extensionElements></bpmn:message>',
    ),
  );
  const pi = await te.zbc.createProcessInstance({
    bpmnProcessId: 'nest',
    version: 1,
    variables: { caseId: 'N-1' },
  });
  const [job] = await activate('nest-inner');
  await migrate(pi.processInstanceKey, target.processDefinitionKey, { sub: 'sub2', inner: 'inner2' });
  t.deepEqual(
    (
      await rest('POST', '/v2/element-instances/search', {
        filter: { processInstanceKey: pi.processInstanceKey, state: 'ACTIVE' },
      })
    ).items.map((e: Record<string, string>) => e.elementId),
    ['nest', 'sub2', 'inner2'],
  );
  await te.zbc.publishMessage({ name: 'nest-cancel', correlationKey: 'N-1', variables: {}, timeToLive: 0 });
  const [undo] = await activate('nest-undo');
  t.is(undo!.processInstanceKey, pi.processInstanceKey);
  // the interrupting boundary event terminated the sub-process and the migrated job with it
  const err = (await t.throwsAsync(te.zbc.completeJob({ jobKey: job!.key, variables: {} }))) as {
    code?: number;
  };
  t.is(err.code, 5);
});

test('a Camunda user task keeps its key and assignee and names the target element; its implementation cannot change', async (t) => {
  const userTask = (id: string) =>
    `<bpmn:userTask id="${id}"><bpmn:extensionElements><zeebe:userTask /><zeebe:assignmentDefinition assignee="wang" /></bpmn:extensionElements></bpmn:userTask>`;
  await deploy(
    'review.bpmn',
    bpmn('review', start() + userTask('check') + end() + chain('start', 'check', 'end')),
  );
  const target = await deploy(
    'review.bpmn',
    bpmn(
      'review',
      start() +
        userTask('check2') +
        serviceTask('notify', 'review-notify') +
        '<bpmn:userTask id="jobTask" />' +
        end() +
        chain('start', 'check2', 'notify', 'jobTask', 'end'),
    ),
  );
  const pi = await te.zbc.createProcessInstance({ bpmnProcessId: 'review', version: 1, variables: {} });
  const [task] = (
    await rest('POST', '/v2/user-tasks/search', { filter: { processInstanceKey: pi.processInstanceKey } })
  ).items;
  t.deepEqual(
    await refusal(t, migrate(pi.processInstanceKey, target.processDefinitionKey, { check: 'jobTask' })),
    {
      code: 9,
      message: `Command 'MIGRATE' rejected with code 'FAILED_PRECONDITION': Expected to migrate process instance '${pi.processInstanceKey}' but active user task with id 'check' and implementation 'zeebe user task' is mapped to an user task with id 'jobTask' and different implementation 'job worker'. Elements must be mapped to elements of the same implementation.`,
    },
  );
  await migrate(pi.processInstanceKey, target.processDefinitionKey, { check: 'check2' });
  const moved = await rest('GET', `/v2/user-tasks/${task.userTaskKey}`);
  t.like(moved, {
    userTaskKey: task.userTaskKey,
    elementId: 'check2',
    elementInstanceKey: task.elementInstanceKey,
    processDefinitionKey: target.processDefinitionKey,
    processDefinitionVersion: 2,
    assignee: 'wang',
    state: 'CREATED',
  });
  const done = await fetch(`${te.managementUrl}/v2/user-tasks/${task.userTaskKey}/completion`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ variables: { ok: true } }),
  });
  t.is(done.status, 204);
  const [notify] = await activate('review-notify');
  t.is(notify!.processInstanceKey, pi.processInstanceKey);
});

test('event sub-process starts of the process: an unmapped one is closed, the target one opened', async (t) => {
  const esp = (id: string, message: string, type: string) =>
    `<bpmn:subProcess id="${id}" triggeredByEvent="true"><bpmn:startEvent id="${id}_start" isInterrupting="false"><bpmn:messageEventDefinition messageRef="msg_${message}" /></bpmn:startEvent>${serviceTask(`${id}_task`, type)}${end(`${id}_end`)}${chain(`${id}_start`, `${id}_task`, `${id}_end`)}</bpmn:subProcess>`;
  const message = (name: string) =>
    `<bpmn:message id="msg_${name}" name="${name}"><bpmn:extensionElements><zeebe:subscription correlationKey="=caseId" /></bpmn:extensionElements></bpmn:message>`;
  await deploy(
    'remind.bpmn',
    bpmn(
      'remind',
      start() +
        serviceTask('A', 'remind-a') +
        end() +
        chain('start', 'A', 'end') +
        esp('old', 'remind-old', 'remind-old-job'),
      message('remind-old'),
    ),
  );
  const target = await deploy(
    'remind.bpmn',
    bpmn(
      'remind',
      start() +
        serviceTask('A', 'remind-a') +
        end() +
        chain('start', 'A', 'end') +
        esp('new', 'remind-new', 'remind-new-job'),
      message('remind-new'),
    ),
  );
  const pi = await te.zbc.createProcessInstance({
    bpmnProcessId: 'remind',
    version: 1,
    variables: { caseId: 'R-1' },
  });
  await migrate(pi.processInstanceKey, target.processDefinitionKey, { A: 'A' });
  await te.zbc.publishMessage({ name: 'remind-old', correlationKey: 'R-1', variables: {}, timeToLive: 0 });
  await te.zbc.publishMessage({ name: 'remind-new', correlationKey: 'R-1', variables: {}, timeToLive: 0 });
  const [job] = await activate('remind-new-job');
  t.is(job!.processInstanceKey, pi.processInstanceKey);
  t.deepEqual(await activate('remind-old-job'), []);
});
