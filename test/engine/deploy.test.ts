import test from 'ava';
import { EngineError } from '../../engine/index.ts';
import { bpmn, chain, end, serviceTask, start, useTestEngine } from './support.ts';

const te = useTestEngine(test);

const simple = (id: string, type = 'work') =>
  bpmn(id, [start(), serviceTask('task', type), end(), chain('start', 'task', 'end')].join('\n'));

test('keys carry partition 1 in the high bits; unchanged XML keeps version and key, changed XML gets version+1', async (t) => {
  const { engine } = te;
  const first = await engine.deployResource({
    resources: [{ name: 'v.bpmn', content: simple('versioned') }],
  });
  const p1 = first.deployments[0]!.process;
  t.is(first.tenantId, '<default>');
  t.is(p1.bpmnProcessId, 'versioned');
  t.is(p1.version, 1);
  t.is(p1.resourceName, 'v.bpmn');
  t.true(BigInt(p1.processDefinitionKey) > 2n ** 51n && BigInt(p1.processDefinitionKey) < 2n ** 52n);
  t.true(BigInt(first.key) >= 2251799813685249n);

  const again = await engine.deployResource({
    resources: [{ name: 'v.bpmn', content: Buffer.from(simple('versioned')) }],
  });
  t.is(again.deployments[0]!.process.version, 1);
  t.is(again.deployments[0]!.process.processDefinitionKey, p1.processDefinitionKey);

  const changed = await engine.deployResource({
    resources: [{ name: 'v.bpmn', content: simple('versioned', 'other') }],
  });
  t.is(changed.deployments[0]!.process.version, 2);
  t.not(changed.deployments[0]!.process.processDefinitionKey, p1.processDefinitionKey);
});

test('running instances keep their version; -1 starts the latest', async (t) => {
  const { engine } = te;
  await engine.deployResource({ resources: [{ name: 'k.bpmn', content: simple('keeper', 'keep-v1') }] });
  const old = await engine.createProcessInstance({ bpmnProcessId: 'keeper', version: -1 });
  await engine.deployResource({ resources: [{ name: 'k.bpmn', content: simple('keeper', 'keep-v2') }] });
  const latest = await engine.createProcessInstance({ bpmnProcessId: 'keeper', version: -1 });
  const byVersion = await engine.createProcessInstance({ bpmnProcessId: 'keeper', version: 1 });
  t.is(old.version, 1);
  t.is(latest.version, 2);
  t.is(byVersion.version, 1);
  const v1 = await engine.activateJobs({
    type: 'keep-v1',
    worker: 'w',
    timeout: 1000,
    maxJobsToActivate: 10,
  });
  t.deepEqual(
    v1.jobs.map((j) => j.processInstanceKey).sort(),
    [old.processInstanceKey, byVersion.processInstanceKey].sort(),
  );
  t.true(v1.jobs.every((j) => j.processDefinitionVersion === 1));
});

async function rejection(
  t: import('ava').ExecutionContext,
  xml: string,
  name = 'bad.bpmn',
): Promise<EngineError> {
  const err = await t.throwsAsync(te.engine.deployResource({ resources: [{ name, content: xml }] }));
  t.true(err instanceof EngineError);
  t.is((err as EngineError).code, 'INVALID_ARGUMENT');
  return err as EngineError;
}

test('a service task without job type rejects the deployment, naming the element', async (t) => {
  const xml = bpmn(
    'noType',
    [start(), '<bpmn:serviceTask id="lonely" />', end(), chain('start', 'lonely', 'end')].join('\n'),
  );
  const err = await rejection(t, xml);
  t.is(
    err.message,
    "Command 'CREATE' rejected with code 'INVALID_ARGUMENT': Expected to deploy new resources, but encountered the following errors:\n'bad.bpmn': - Element: lonely\n    - ERROR: Must have exactly one 'zeebe:taskDefinition' extension element",
  );
});

test('a process without start event is rejected', async (t) => {
  const err = await rejection(
    t,
    bpmn('noStart', [serviceTask('a', 'x'), end(), chain('a', 'end')].join('\n')),
  );
  t.regex(err.message, /- Element: noStart\n {4}- ERROR: Must have at least one start event/);
});

test('unsupported elements are refused by name, never ignored', async (t) => {
  const xml = bpmn(
    'adhoc',
    [
      start(),
      '<bpmn:adHocSubProcess id="adhocSub"><bpmn:task id="inner" /></bpmn:adHocSubProcess>',
      end(),
      chain('start', 'adhocSub', 'end'),
    ].join('\n'),
  );
  const err = await rejection(t, xml);
  t.regex(
    err.message,
    /- Element: adhocSub\n {4}- ERROR: Elements of type 'AdHocSubProcess' are not supported/,
  );
  const compensation = bpmn(
    'comp',
    [
      start(),
      '<bpmn:intermediateThrowEvent id="comp1"><bpmn:compensateEventDefinition /></bpmn:intermediateThrowEvent>',
      end(),
      chain('start', 'comp1', 'end'),
    ].join('\n'),
  );
  const err2 = await rejection(t, compensation);
  t.regex(
    err2.message,
    /- Element: comp1\n {4}- ERROR: Event definition 'CompensateEventDefinition' is not supported/,
  );
});

test('invalid FEEL is rejected at deploy time', async (t) => {
  const xml = bpmn(
    'badFeel',
    [start(), serviceTask('t', '=1 +* 2'), end(), chain('start', 't', 'end')].join('\n'),
  );
  const err = await rejection(t, xml);
  t.regex(err.message, /- Element: t\n {4}- ERROR: job type: failed to parse expression '1 \+\* 2'/);
});

test('exclusive gateway flows without condition (and not default) are rejected', async (t) => {
  const xml = bpmn(
    'gw',
    [
      start(),
      '<bpmn:exclusiveGateway id="x" />',
      end('e1'),
      end('e2'),
      chain('start', 'x'),
      '<bpmn:sequenceFlow id="a" sourceRef="x" targetRef="e1" />',
      '<bpmn:sequenceFlow id="b" sourceRef="x" targetRef="e2" />',
    ].join('\n'),
  );
  const err = await rejection(t, xml);
  t.regex(err.message, /Outgoing sequence flow 'a' must have a condition or be the default flow/);
});

test('conditions outside gateways and timer cycles on intermediate catch events are refused', async (t) => {
  const conditional = bpmn(
    'condTask',
    [
      start(),
      serviceTask('task', 'x'),
      end(),
      chain('start', 'task'),
      '<bpmn:sequenceFlow id="c1" sourceRef="task" targetRef="end"><bpmn:conditionExpression>=true</bpmn:conditionExpression></bpmn:sequenceFlow>',
    ].join('\n'),
  );
  const err = await rejection(t, conditional);
  t.regex(
    err.message,
    /- Element: c1\n {4}- ERROR: Conditional sequence flows are only supported as outgoing flows of exclusive and inclusive gateways/,
  );
  const cycle = bpmn(
    'cycleCatch',
    [
      start(),
      '<bpmn:intermediateCatchEvent id="again"><bpmn:timerEventDefinition><bpmn:timeCycle>R3/PT1M</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>',
      end(),
      chain('start', 'again', 'end'),
    ].join('\n'),
  );
  const err2 = await rejection(t, cycle);
  t.regex(
    err2.message,
    /- Element: again\n {4}- ERROR: Timer cycles are not supported on intermediate catch events/,
  );
});

test('DOCTYPE / entity declarations and broken XML are rejected before parsing', async (t) => {
  const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol2;</bpmn:definitions>`;
  const err = await rejection(t, bomb);
  t.regex(err.message, /'bad.bpmn': DOCTYPE and ENTITY declarations are not allowed in BPMN resources/);
  const xxe = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><x>&xxe;</x>`;
  await rejection(t, xxe);
  const broken = await rejection(
    t,
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn:process id="p"',
  );
  t.regex(broken.message, /Failed to parse BPMN|Invalid BPMN/);
  const huge = await rejection(t, simple('huge') + ' '.repeat(4 * 1024 * 1024));
  t.regex(huge.message, /Resource is larger than the allowed 4194304 bytes/);
});

test('one invalid resource rejects the whole deployment', async (t) => {
  const err = await t.throwsAsync(
    te.engine.deployResource({
      resources: [
        { name: 'good.bpmn', content: simple('atomicGood') },
        { name: 'bad.bpmn', content: bpmn('atomicBad', '<bpmn:serviceTask id="s" />') },
      ],
    }),
  );
  t.is((err as EngineError).code, 'INVALID_ARGUMENT');
  const create = await t.throwsAsync(
    te.engine.createProcessInstance({ bpmnProcessId: 'atomicGood', version: -1 }),
  );
  t.is((create as EngineError).code, 'NOT_FOUND');
  t.is(
    create!.message,
    "Command 'CREATE' rejected with code 'NOT_FOUND': Expected to find process definition with process ID 'atomicGood', but none found",
  );
});

test('resources of other types are refused with a message naming them', async (t) => {
  const err = await rejection(t, '<definitions/>', 'notes.txt');
  t.regex(err.message, /'notes.txt': Resources of this type are not supported/);
});

test('deleteResource cancels running instances and falls back to the previous version', async (t) => {
  const { engine } = te;
  await engine.deployResource({ resources: [{ name: 'd.bpmn', content: simple('deletable', 'del-v1') }] });
  const v2 = await engine.deployResource({
    resources: [{ name: 'd.bpmn', content: simple('deletable', 'del-v2') }],
  });
  const running = await engine.createProcessInstance({ bpmnProcessId: 'deletable', version: -1 });
  t.is(running.version, 2);
  await engine.deleteResource({ resourceKey: v2.deployments[0]!.process.processDefinitionKey });
  const cancel = await t.throwsAsync(
    engine.cancelProcessInstance({ processInstanceKey: running.processInstanceKey }),
  );
  t.is((cancel as EngineError).code, 'NOT_FOUND');
  const next = await engine.createProcessInstance({ bpmnProcessId: 'deletable', version: -1 });
  t.is(next.version, 1);
});
