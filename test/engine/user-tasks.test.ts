/**
 * Camunda user tasks (zeebe:userTask, Camunda Modeler 8.8's default): deployed and started through the
 * real Zeebe client over gRPC, worked through the engine's REST API (v2) over real HTTP — search, get,
 * assign / unassign, update, complete — with the refusals (404 unknown key, 409 task no longer open or
 * already claimed, 400 naming the property); a timer boundary event, an interrupting event sub-process
 * and a cancellation cancel the open task; job-based user tasks stay jobs.
 */
import test from 'ava';
import { Camunda8 } from '@camunda8/sdk';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { bpmn, chain, end, eventually, feedOf, start } from './support.ts';

let te: TestEngine;
test.before(async () => {
  te = await startTestEngine();
});
test.after.always(async () => {
  await te?.close();
});

interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary fields
}

async function rest(method: string, path: string, body?: unknown): Promise<Reply> {
  const res = await fetch(te.managementUrl + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const searchTasks = async (filter: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
  const r = await rest('POST', '/v2/user-tasks/search', { filter, ...extra });
  if (r.status !== 200) throw new Error(`search answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body as { items: Record<string, any>[]; page: { totalItems: number } }; // eslint-disable-line @typescript-eslint/no-explicit-any
};

/** The one open task matching a filter (polled: the instance may still be on its way to the task). */
async function openTask(filter: Record<string, unknown>) {
  for (let i = 0; i < 250; i++) {
    const { items } = await searchTasks({ ...filter, state: 'CREATED' });
    if (items.length > 1) throw new Error(`more than one open task: ${JSON.stringify(items)}`);
    if (items[0]) return items[0];
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no open user task for ${JSON.stringify(filter)}`);
}

/** As Camunda Modeler 8.8 saves it: a Camunda user task with assignment, schedule, form and priority. */
function modelerXml(id: string) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:modeler="http://camunda.org/schema/modeler/1.0" id="Definitions_${id}" targetNamespace="http://bpmn.io/schema/bpmn" exporter="Camunda Modeler" exporterVersion="5.40.0" modeler:executionPlatform="Camunda Cloud" modeler:executionPlatformVersion="8.8.0">
  <bpmn:process id="${id}" name="案件受理" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1">
      <bpmn:outgoing>Flow_1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="Task_accept" name="受理案件">
      <bpmn:extensionElements>
        <zeebe:userTask />
        <zeebe:formDefinition formId="case-accept-form" bindingType="deployment" />
        <zeebe:assignmentDefinition assignee="=initiator" candidateGroups="dispatchers, supervisors" candidateUsers="=reviewers" />
        <zeebe:taskSchedule dueDate="=dueAt" followUpDate="2026-12-09T09:00:00+08:00" />
        <zeebe:priorityDefinition priority="=urgency" />
        <zeebe:taskHeaders>
          <zeebe:header key="channel" value="12345" />
        </zeebe:taskHeaders>
        <zeebe:ioMapping>
          <zeebe:output source="=decision" target="accepted" />
          <zeebe:output source="=note" target="acceptNote" />
        </zeebe:ioMapping>
      </bpmn:extensionElements>
      <bpmn:incoming>Flow_1</bpmn:incoming>
      <bpmn:outgoing>Flow_2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="Timer_overdue" attachedToRef="Task_accept">
      <bpmn:outgoing>Flow_3</bpmn:outgoing>
      <bpmn:timerEventDefinition id="TimerDef_1">
        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">PT2H</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="End_done">
      <bpmn:incoming>Flow_2</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:endEvent id="End_overdue">
      <bpmn:incoming>Flow_3</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_accept" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_accept" targetRef="End_done" />
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Timer_overdue" targetRef="End_overdue" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="${id}">
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="152" y="102" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Task_accept_di" bpmnElement="Task_accept">
        <dc:Bounds x="240" y="80" width="100" height="80" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="Flow_1_di" bpmnElement="Flow_1">
        <di:waypoint x="188" y="120" />
        <di:waypoint x="240" y="120" />
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>`;
}

const FORM = JSON.stringify({
  id: 'case-accept-form',
  type: 'default',
  schemaVersion: 18,
  components: [{ type: 'textfield', key: 'note', label: '意见' }],
});

const VARS = {
  initiator: 'zhang',
  reviewers: ['wang', 'zhao'],
  dueAt: '2026-12-10T09:00:00+08:00',
  urgency: 80,
};

async function deployWithForm(id: string) {
  const res = await te.zbc.deployResources([
    { name: `${id}.bpmn`, process: Buffer.from(modelerXml(id)) },
    { name: 'case-accept.form', form: Buffer.from(FORM) },
  ]);
  // the deployments of a DeployResource answer: one per resource, each naming its kind
  const deployments = res.deployments as {
    process?: { processDefinitionKey: string };
    form?: { formKey: string };
  }[];
  const process = deployments.find((d) => d.process)!;
  const form = deployments.find((d) => d.form)!;
  return {
    processDefinitionKey: String(process.process!.processDefinitionKey),
    formKey: String(form.form!.formKey),
  };
}

test('a Modeler 8.8 user task: created with its attributes, searched, assigned, updated, completed with variables', async (t) => {
  const { processDefinitionKey, formKey } = await deployWithForm('ut-flow');
  const before = Date.now() - 1000;
  const result = te.zbc.createProcessInstanceWithResult({
    bpmnProcessId: 'ut-flow',
    variables: VARS,
    requestTimeout: 20_000,
  });
  // the instance waits at the task; a task list finds it by its process
  const task = await openTask({ processDefinitionKey });
  const processInstanceKey = task.processInstanceKey as string;
  const userTaskKey = task.userTaskKey as string;
  t.regex(userTaskKey, /^\d+$/);
  t.true(Date.parse(task.creationDate) >= before);
  t.deepEqual(task, {
    userTaskKey,
    name: '受理案件',
    state: 'CREATED',
    assignee: 'zhang',
    elementId: 'Task_accept',
    elementInstanceKey: task.elementInstanceKey,
    candidateGroups: ['dispatchers', 'supervisors'],
    candidateUsers: ['wang', 'zhao'],
    processDefinitionId: 'ut-flow',
    processDefinitionKey,
    processDefinitionVersion: 1,
    processInstanceKey,
    formKey,
    creationDate: task.creationDate,
    dueDate: '2026-12-10T01:00:00.000Z',
    followUpDate: '2026-12-09T01:00:00.000Z',
    customHeaders: { channel: '12345' },
    priority: 80,
    tenantId: '<default>',
  });
  t.not(task.elementInstanceKey, processInstanceKey);

  // the filters a task list uses
  const keysOf = async (filter: Record<string, unknown>) =>
    (await searchTasks({ processInstanceKey, ...filter })).items.map((i) => i.userTaskKey);
  t.deepEqual(await keysOf({ candidateGroup: 'supervisors' }), [userTaskKey]);
  t.deepEqual(await keysOf({ candidateGroup: 'supervisor' }), []);
  t.deepEqual(await keysOf({ candidateGroup: { $in: ['x', 'dispatchers'] } }), [userTaskKey]);
  t.deepEqual(await keysOf({ candidateGroup: { $neq: 'dispatchers' } }), []);
  t.deepEqual(await keysOf({ candidateUser: 'zhao', assignee: 'zhang', elementId: 'Task_accept' }), [
    userTaskKey,
  ]);
  t.deepEqual(await keysOf({ state: 'COMPLETED' }), []);
  t.deepEqual(
    await keysOf({ userTaskKey, dueDate: { $lt: '2026-12-11T00:00:00Z' }, priority: { $gte: 50 } }),
    [userTaskKey],
  );

  // claim: someone else may not take it over, the same user may; then a real reassignment and unassign
  const claim = await rest('POST', `/v2/user-tasks/${userTaskKey}/assignment`, {
    assignee: 'li',
    allowOverride: false,
  });
  t.is(claim.status, 409);
  t.is(claim.body.title, 'FAILED_PRECONDITION');
  t.regex(
    claim.body.detail,
    new RegExp(`user task with key '${userTaskKey}', but it has already been assigned`),
  );
  t.is(
    (
      await rest('POST', `/v2/user-tasks/${userTaskKey}/assignment`, {
        assignee: 'zhang',
        allowOverride: false,
      })
    ).status,
    204,
  );
  t.is(
    (await rest('POST', `/v2/user-tasks/${userTaskKey}/assignment`, { assignee: 'li', action: 'reassign' }))
      .status,
    204,
  );
  t.is((await rest('GET', `/v2/user-tasks/${userTaskKey}`)).body.assignee, 'li');
  t.is((await rest('DELETE', `/v2/user-tasks/${userTaskKey}/assignee`)).status, 204);
  t.false('assignee' in (await rest('GET', `/v2/user-tasks/${userTaskKey}`)).body);

  // update: new candidates, priority and dates ('' clears one)
  const patched = await rest('PATCH', `/v2/user-tasks/${userTaskKey}`, {
    changeset: {
      candidateGroups: ['street-team'],
      priority: 20,
      dueDate: '2026-12-12T08:00:00Z',
      followUpDate: '',
    },
  });
  t.is(patched.status, 204);
  const updated = (await rest('GET', `/v2/user-tasks/${userTaskKey}`)).body;
  t.deepEqual(
    [
      updated.candidateGroups,
      updated.candidateUsers,
      updated.priority,
      updated.dueDate,
      updated.followUpDate,
    ],
    [['street-team'], ['wang', 'zhao'], 20, '2026-12-12T08:00:00.000Z', undefined],
  );
  t.deepEqual(await keysOf({ candidateGroup: 'supervisors' }), []);
  t.deepEqual(await keysOf({ candidateGroup: 'street-team' }), [userTaskKey]);

  // complete through the SDK's REST client, as a Camunda 8 application would
  const client = new Camunda8({
    ZEEBE_REST_ADDRESS: te.managementUrl,
    CAMUNDA_AUTH_STRATEGY: 'NONE',
    CAMUNDA_LOG_LEVEL: 'error',
  } as never).getCamundaRestClient();
  const viaSdk = await client.searchUserTasks({ filter: { processInstanceKey, state: 'CREATED' } });
  t.deepEqual(
    viaSdk.items.map((i) => i.userTaskKey),
    [userTaskKey],
  );
  await client.completeUserTask({ userTaskKey, variables: { decision: 'approve', note: '同意受理' } });
  const done = await result;
  t.is(done.processInstanceKey, processInstanceKey);
  // output mappings map the completion variables; without a mapping they would have reached the root
  t.deepEqual(done.variables, { ...VARS, accepted: 'approve', acceptNote: '同意受理' });

  const completed = (await rest('GET', `/v2/user-tasks/${userTaskKey}`)).body;
  t.is(completed.state, 'COMPLETED');
  t.true(Date.parse(completed.completionDate) >= Date.parse(completed.creationDate));
  const again = await rest('POST', `/v2/user-tasks/${userTaskKey}/completion`, {});
  t.is(again.status, 409);
  t.is(
    again.body.detail,
    `Command 'COMPLETE' rejected with code 'FAILED_PRECONDITION': Expected to complete user task with key '${userTaskKey}', but it is in state 'COMPLETED'`,
  );
  t.is((await rest('POST', `/v2/user-tasks/${userTaskKey}/assignment`, { assignee: 'li' })).status, 409);
  t.is((await rest('PATCH', `/v2/user-tasks/${userTaskKey}`, { changeset: { priority: 1 } })).status, 409);

  t.deepEqual(
    await feedOf(te.engine!, processInstanceKey, [
      'USER_TASK_CREATED',
      'USER_TASK_ASSIGNED',
      'USER_TASK_UPDATED',
      'USER_TASK_COMPLETED',
      'ELEMENT_ACTIVATED',
      'ELEMENT_COMPLETED',
    ]),
    [
      'ut-flow:ELEMENT_ACTIVATED',
      'StartEvent_1:ELEMENT_ACTIVATED',
      'StartEvent_1:ELEMENT_COMPLETED',
      'Task_accept:ELEMENT_ACTIVATED',
      'Task_accept:USER_TASK_CREATED',
      'Task_accept:USER_TASK_ASSIGNED',
      'Task_accept:USER_TASK_ASSIGNED',
      'Task_accept:USER_TASK_ASSIGNED',
      'Task_accept:USER_TASK_UPDATED',
      'Task_accept:USER_TASK_COMPLETED',
      'Task_accept:ELEMENT_COMPLETED',
      'End_done:ELEMENT_ACTIVATED',
      'End_done:ELEMENT_COMPLETED',
      'ut-flow:ELEMENT_COMPLETED',
    ],
  );
});

test.serial(
  'a timer boundary event cancels the open task; the instance leaves by the boundary',
  async (t) => {
    const { processDefinitionKey } = await deployWithForm('ut-timer');
    const { processInstanceKey } = await te.zbc.createProcessInstance({
      bpmnProcessId: 'ut-timer',
      variables: VARS,
    });
    const task = await openTask({ processDefinitionKey });
    t.is(task.processInstanceKey, processInstanceKey);
    await te.clock.add(2 * 3600_000 + 1000);
    const canceled = await eventually(async () => {
      const r = (await rest('GET', `/v2/user-tasks/${task.userTaskKey}`)).body;
      return r.state === 'CANCELED' && r;
    });
    t.truthy(canceled.completionDate);
    const instance = await eventually(async () => {
      const r = (await rest('GET', `/v2/process-instances/${processInstanceKey}`)).body;
      return r.state === 'COMPLETED' && r;
    });
    t.is(instance.processInstanceKey, processInstanceKey);
    t.deepEqual(
      await feedOf(te.engine!, processInstanceKey, [
        'USER_TASK_CANCELED',
        'ELEMENT_TERMINATED',
        'ELEMENT_COMPLETED',
      ]),
      [
        'StartEvent_1:ELEMENT_COMPLETED',
        'Task_accept:USER_TASK_CANCELED',
        'Task_accept:ELEMENT_TERMINATED',
        'Timer_overdue:ELEMENT_COMPLETED',
        'End_overdue:ELEMENT_COMPLETED',
        'ut-timer:ELEMENT_COMPLETED',
      ],
    );
    const late = await rest('POST', `/v2/user-tasks/${task.userTaskKey}/completion`, {
      variables: { decision: 'late' },
    });
    t.is(late.status, 409);
    t.regex(late.body.detail, /but it is in state 'CANCELED'$/);
    t.deepEqual(
      (await searchTasks({ processInstanceKey, state: 'CANCELED' })).items.map((i) => i.userTaskKey),
      [task.userTaskKey],
    );
  },
);

test('an interrupting event sub-process and a cancellation cancel open tasks; completion variables propagate', async (t) => {
  const xml = bpmn(
    'ut-esp',
    `${start()}<bpmn:userTask id="review"><bpmn:extensionElements><zeebe:userTask /><zeebe:assignmentDefinition candidateUsers="=[owner]" /><zeebe:taskSchedule dueDate="=now() + duration(&quot;P1D&quot;)" /></bpmn:extensionElements></bpmn:userTask>${end()}${chain('start', 'review', 'end')}
    <bpmn:subProcess id="withdrawn" triggeredByEvent="true">
      <bpmn:startEvent id="withdrawnStart" isInterrupting="true"><bpmn:messageEventDefinition messageRef="msg_withdraw" /></bpmn:startEvent>
      <bpmn:endEvent id="withdrawnEnd" />
      <bpmn:sequenceFlow id="fw" sourceRef="withdrawnStart" targetRef="withdrawnEnd" />
    </bpmn:subProcess>`,
    `<bpmn:message id="msg_withdraw" name="withdraw"><bpmn:extensionElements><zeebe:subscription correlationKey="=caseId" /></bpmn:extensionElements></bpmn:message>`,
  );
  const def = (await te.zbc.deployResource({ process: Buffer.from(xml), name: 'ut-esp.bpmn' }))
    .deployments[0]!.process;
  const processDefinitionKey = String(def.processDefinitionKey);
  const a = await te.zbc.createProcessInstance({
    bpmnProcessId: 'ut-esp',
    variables: { caseId: 'C-1', owner: 'wang', seen: 0 },
  });
  const b = await te.zbc.createProcessInstance({
    bpmnProcessId: 'ut-esp',
    variables: { caseId: 'C-2', owner: 'zhao', seen: 0 },
  });
  const cResult = te.zbc.createProcessInstanceWithResult({
    bpmnProcessId: 'ut-esp',
    variables: { caseId: 'C-3', owner: 'li', seen: 0 },
    requestTimeout: 20_000,
  });
  const taskA = await openTask({ processInstanceKey: a.processInstanceKey });
  const taskB = await openTask({ processInstanceKey: b.processInstanceKey });
  const taskC = await openTask({ processDefinitionKey, candidateUser: 'li' });
  t.deepEqual(taskA.candidateUsers, ['wang']);
  // a FEEL date-time (engine clock; FEEL reads it while evaluating, a moment after the command began)
  const ahead = Date.parse(taskA.dueDate) - Date.parse(taskA.creationDate);
  t.true(ahead >= 86_400_000 && ahead < 86_400_000 + 10_000, String(ahead));
  t.deepEqual(
    (
      await searchTasks(
        { processDefinitionKey, candidateUser: { $in: ['zhao', 'li'] } },
        { sort: [{ field: 'creationDate', order: 'DESC' }] },
      )
    ).items.map((i) => i.userTaskKey),
    [taskC.userTaskKey, taskB.userTaskKey],
  );

  await te.zbc.publishMessage({ name: 'withdraw', correlationKey: 'C-1', variables: {} });
  await te.zbc.cancelProcessInstance(b.processInstanceKey);
  // without output mappings the completion variables reach the instance's scope (seen exists there)
  t.is(
    (
      await rest('POST', `/v2/user-tasks/${taskC.userTaskKey}/completion`, {
        variables: { seen: 1, verdict: 'ok' },
      })
    ).status,
    204,
  );

  const states = async () =>
    (
      await searchTasks({ processDefinitionKey }, { sort: [{ field: 'creationDate', order: 'ASC' }] })
    ).items.map((i) => [i.userTaskKey, i.state]);
  t.deepEqual(
    await eventually(async () => {
      const s = await states();
      return s.every(([, st]) => st !== 'CREATED') && s;
    }),
    [
      [taskA.userTaskKey, 'CANCELED'],
      [taskB.userTaskKey, 'CANCELED'],
      [taskC.userTaskKey, 'COMPLETED'],
    ],
  );
  t.deepEqual(await feedOf(te.engine!, a.processInstanceKey, ['USER_TASK_CANCELED', 'ELEMENT_TERMINATED']), [
    'review:USER_TASK_CANCELED',
    'review:ELEMENT_TERMINATED',
  ]);
  t.deepEqual(await feedOf(te.engine!, b.processInstanceKey, ['USER_TASK_CANCELED', 'ELEMENT_TERMINATED']), [
    'review:USER_TASK_CANCELED',
    'review:ELEMENT_TERMINATED',
    'ut-esp:ELEMENT_TERMINATED',
  ]);
  const c = await cResult;
  t.is(c.processInstanceKey, taskC.processInstanceKey);
  t.deepEqual(c.variables, { caseId: 'C-3', owner: 'li', seen: 1, verdict: 'ok' });
  t.is((await rest('GET', `/v2/process-instances/${c.processInstanceKey}`)).body.state, 'COMPLETED');
});

test('refusals: 404 for an unknown key, 400 naming the property', async (t) => {
  const unknown = '2251799813999999';
  for (const [method, path, body] of [
    ['GET', `/v2/user-tasks/${unknown}`, undefined],
    ['POST', `/v2/user-tasks/${unknown}/completion`, { variables: {} }],
    ['POST', `/v2/user-tasks/${unknown}/assignment`, { assignee: 'li' }],
    ['DELETE', `/v2/user-tasks/${unknown}/assignee`, undefined],
    ['PATCH', `/v2/user-tasks/${unknown}`, { changeset: { priority: 10 } }],
  ] as const) {
    const r = await rest(method, path, body);
    t.is(r.status, 404, `${method} ${path}`);
    t.is(r.body.title, 'NOT_FOUND');
    t.is(r.body.instance, path);
  }
  t.is(
    (await rest('POST', `/v2/user-tasks/${unknown}/completion`, {})).body.detail,
    `Command 'COMPLETE' rejected with code 'NOT_FOUND': Expected to complete user task with key '${unknown}', but no such user task was found`,
  );
  t.is(
    (await rest('GET', `/v2/user-tasks/${unknown}`)).body.detail,
    `User task with key '${unknown}' not found`,
  );

  // a completion may carry a large form (up to Zeebe's 4 MiB; a search body stops at 64 KiB)
  const big = { variables: { photo: 'x'.repeat(300_000) } };
  t.is((await rest('POST', `/v2/user-tasks/${unknown}/completion`, big)).status, 404);

  const bad = async (method: string, path: string, body: unknown, detail: RegExp) => {
    const r = await rest(method, path, body);
    t.is(r.status, 400, `${method} ${path} ${JSON.stringify(body)}`);
    t.is(r.body.title, 'INVALID_ARGUMENT');
    t.regex(r.body.detail, detail);
  };
  await bad('GET', '/v2/user-tasks/abc', undefined, /^userTaskKey must be a key/);
  await bad('POST', '/v2/user-tasks/abc/completion', {}, /^userTaskKey must be a key/);
  await bad(
    'POST',
    `/v2/user-tasks/${unknown}/completion`,
    { variables: [1] },
    /^variables must be a JSON object/,
  );
  await bad(
    'POST',
    `/v2/user-tasks/${unknown}/completion`,
    { variable: {} },
    /^variable is not a known property/,
  );
  await bad('POST', `/v2/user-tasks/${unknown}/assignment`, {}, /^assignee is required/);
  await bad(
    'POST',
    `/v2/user-tasks/${unknown}/assignment`,
    { assignee: 'li', allowOverride: 'no' },
    /^allowOverride must be true or false/,
  );
  await bad('PATCH', `/v2/user-tasks/${unknown}`, {}, /^changeset must change at least one/);
  await bad(
    'PATCH',
    `/v2/user-tasks/${unknown}`,
    { changeset: { priority: 101 } },
    /^changeset\.priority must be an integer from 0 to 100/,
  );
  await bad(
    'PATCH',
    `/v2/user-tasks/${unknown}`,
    { changeset: { dueDate: 'tomorrow' } },
    /^changeset\.dueDate must be an ISO 8601 date-time/,
  );
  await bad(
    'PATCH',
    `/v2/user-tasks/${unknown}`,
    { changeset: { candidateUsers: 'li' } },
    /^changeset\.candidateUsers must be an array/,
  );
  await bad(
    'PATCH',
    `/v2/user-tasks/${unknown}`,
    { changeset: { assignee: 'li' } },
    /^assignee is not a known property of changeset/,
  );
  await bad(
    'POST',
    '/v2/user-tasks/search',
    { filter: { taskState: 'CREATED' } },
    /^filter\.taskState is not a filter/,
  );
  await bad('POST', '/v2/user-tasks/search', { filter: { state: 'OPEN' } }, /^filter\.state must be one of/);
  await bad(
    'POST',
    '/v2/user-tasks/search',
    { sort: [{ field: 'candidateGroup' }] },
    /^sort\[0\]\.field 'candidateGroup' is not sortable/,
  );
});

test('deployment checks the attributes; a missing form is an incident; job-based user tasks stay jobs', async (t) => {
  const refused = async (ext: string) => {
    const xml = bpmn(
      'ut-bad',
      `${start()}<bpmn:userTask id="task"><bpmn:extensionElements><zeebe:userTask />${ext}</bpmn:extensionElements></bpmn:userTask>${chain('start', 'task')}`,
    );
    const err = await te.zbc.deployResource({ process: Buffer.from(xml), name: 'ut-bad.bpmn' }).then(
      () => undefined,
      (e: Error) => e.message,
    );
    return err ?? 'deployed';
  };
  t.regex(
    await refused('<zeebe:taskSchedule dueDate="next week" />'),
    /- Element: task\n\s+- ERROR: Attribute 'dueDate' must be an ISO 8601 date-time/,
  );
  t.regex(
    await refused('<zeebe:priorityDefinition priority="101" />'),
    /- Element: task\n\s+- ERROR: Attribute 'priority' must be an integer from 0 to 100/,
  );
  t.regex(
    await refused('<zeebe:formDefinition formId="f" externalReference="https://x" />'),
    /exactly one of the attributes 'formId', 'externalReference' and 'formKey'/,
  );
  t.regex(
    await refused('<zeebe:assignmentDefinition assignee="=a +" />'),
    /- Element: task\n\s+- ERROR: assignee: failed to parse expression/,
  );

  // a linked form that was never deployed: the element waits with an incident, as in Zeebe
  const missing = bpmn(
    'ut-noform',
    `${start()}<bpmn:userTask id="task"><bpmn:extensionElements><zeebe:userTask /><zeebe:formDefinition formId="no-such-form" /></bpmn:extensionElements></bpmn:userTask>${end()}${chain('start', 'task', 'end')}`,
  );
  await te.zbc.deployResource({ process: Buffer.from(missing), name: 'ut-noform.bpmn' });
  const { processInstanceKey } = await te.zbc.createProcessInstance({
    bpmnProcessId: 'ut-noform',
    variables: {},
  });
  const incidents = (await rest('POST', '/v2/incidents/search', { filter: { processInstanceKey } })).body
    .items;
  t.deepEqual(
    incidents.map((i: { errorType: string; elementId: string }) => [i.errorType, i.elementId]),
    [['FORM_NOT_FOUND', 'task']],
  );
  t.is((await searchTasks({ processInstanceKey })).page.totalItems, 0);
  // deploying the form and resolving the incident creates the task
  const form = JSON.stringify({ id: 'no-such-form', type: 'default', components: [] });
  await te.zbc.deployResource({ form: Buffer.from(form), name: 'late.form' });
  t.is((await rest('POST', `/v2/incidents/${incidents[0].incidentKey}/resolution`, {})).status, 204);
  const late = await openTask({ processInstanceKey });
  t.regex(late.formKey, /^\d+$/);

  // without zeebe:userTask a user task is a job of type io.camunda.zeebe:userTask, as before
  const jobBased = bpmn(
    'ut-job',
    `${start()}<bpmn:userTask id="task"><bpmn:extensionElements><zeebe:assignmentDefinition assignee="li" /></bpmn:extensionElements></bpmn:userTask>${end()}${chain('start', 'task', 'end')}`,
  );
  await te.zbc.deployResource({ process: Buffer.from(jobBased), name: 'ut-job.bpmn' });
  const job = await te.zbc.createProcessInstance({ bpmnProcessId: 'ut-job', variables: {} });
  const jobs = await te.zbc.activateJobs({
    type: 'io.camunda.zeebe:userTask',
    worker: 'ut',
    maxJobsToActivate: 10,
    timeout: 60_000,
    requestTimeout: -1,
  });
  const mine = jobs.filter((j) => j.processInstanceKey === job.processInstanceKey);
  t.deepEqual(
    mine.map((j) => [j.elementId, j.customHeaders['io.camunda.zeebe:assignee']]),
    [['task', 'li']],
  );
  t.is((await searchTasks({ processInstanceKey: job.processInstanceKey })).page.totalItems, 0);
  await te.zbc.completeJob({ jobKey: mine[0]!.key, variables: {} });
  t.is((await rest('GET', `/v2/process-instances/${job.processInstanceKey}`)).body.state, 'COMPLETED');
});

test('a parallel multi-instance Camunda user task: one task per item; completion variables land in the local scope and are collected', async (t) => {
  const xml = bpmn(
    'ut-mi',
    `${start()}<bpmn:userTask id="sign" name="会签"><bpmn:extensionElements><zeebe:userTask /><zeebe:assignmentDefinition assignee="=signer" /><zeebe:ioMapping><zeebe:input source="=null" target="opinion" /></zeebe:ioMapping></bpmn:extensionElements>
      <bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=signers" inputElement="signer" outputCollection="opinions" outputElement="=opinion" /></bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>${end()}${chain('start', 'sign', 'end')}`,
  );
  await te.zbc.deployResource({ process: Buffer.from(xml), name: 'ut-mi.bpmn' });
  const result = te.zbc.createProcessInstanceWithResult({
    bpmnProcessId: 'ut-mi',
    variables: { signers: ['wang', 'zhao', 'li'] },
    requestTimeout: 20_000,
  });
  const tasks = await eventually(async () => {
    const { items } = await searchTasks(
      { processDefinitionId: 'ut-mi', state: 'CREATED' },
      { sort: [{ field: 'assignee', order: 'ASC' }] },
    );
    return items.length === 3 && items;
  });
  t.deepEqual(
    tasks.map((i) => [i.assignee, i.name, i.elementId]),
    [
      ['li', '会签', 'sign'],
      ['wang', '会签', 'sign'],
      ['zhao', '会签', 'sign'],
    ],
  );
  for (const task of tasks)
    t.is(
      (
        await rest('POST', `/v2/user-tasks/${task.userTaskKey}/completion`, {
          variables: { opinion: `${task.assignee} agrees` },
        })
      ).status,
      204,
    );
  const done = await result;
  t.deepEqual(done.variables, {
    signers: ['wang', 'zhao', 'li'],
    opinions: ['wang agrees', 'zhao agrees', 'li agrees'],
  });
  // the history lists the task elements like any other element
  const elements = await rest('POST', '/v2/element-instances/search', {
    filter: { processInstanceKey: done.processInstanceKey, type: 'USER_TASK' },
  });
  t.deepEqual(
    elements.body.items.map((e: { elementId: string; state: string }) => [e.elementId, e.state]),
    [
      ['sign', 'COMPLETED'],
      ['sign', 'COMPLETED'],
      ['sign', 'COMPLETED'],
    ],
  );
});

test('an open task survives a killed engine (SIGKILL, restart on the same database) and completes afterwards', async (t) => {
  const te2 = await startTestEngine({ childProcess: true });
  try {
    const xml = bpmn(
      'ut-restart',
      `${start()}<bpmn:userTask id="task"><bpmn:extensionElements><zeebe:userTask /></bpmn:extensionElements></bpmn:userTask>${end()}${chain('start', 'task', 'end')}`,
    );
    await te2.zbc.deployResource({ process: Buffer.from(xml), name: 'ut-restart.bpmn' });
    const { processInstanceKey } = await te2.zbc.createProcessInstance({
      bpmnProcessId: 'ut-restart',
      variables: {},
    });
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(te2.managementUrl + path, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };
    const before = await call('POST', '/v2/user-tasks/search', { filter: { processInstanceKey } });
    const [task] = before.body.items;
    t.is(task.state, 'CREATED');
    await te2.restart();
    t.is(
      (await call('POST', `/v2/user-tasks/${task.userTaskKey}/completion`, { variables: { ok: true } }))
        .status,
      204,
    );
    t.is((await call('GET', `/v2/process-instances/${processInstanceKey}`)).body.state, 'COMPLETED');
    t.is((await call('GET', `/v2/user-tasks/${task.userTaskKey}`)).body.state, 'COMPLETED');
  } finally {
    await te2.close();
  }
});
