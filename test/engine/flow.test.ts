import test from 'ava';
import { EngineError } from '../../engine/index.ts';
import {
  activate,
  bpmn,
  chain,
  deploy,
  end,
  feedOf,
  flow,
  incidentsOf,
  serviceTask,
  start,
  useTestEngine,
} from './support.ts';

const te = useTestEngine(test);

const exclusive = bpmn(
  'route',
  [
    start(),
    '<bpmn:exclusiveGateway id="which" default="toOther" />',
    serviceTask('urgent', 'route-urgent'),
    serviceTask('normal', 'route-normal'),
    serviceTask('other', 'route-other'),
    end('e1'),
    end('e2'),
    end('e3'),
    chain('start', 'which'),
    flow('which', 'urgent', '=level >= 3', 'toUrgent'),
    flow('which', 'normal', '=level < 3', 'toNormal'),
    flow('which', 'other', undefined, 'toOther'),
    chain('urgent', 'e1'),
    chain('normal', 'e2'),
    chain('other', 'e3'),
  ].join('\n'),
);

test('exclusive gateway takes the first true condition, else the default flow', async (t) => {
  const { engine } = te;
  await deploy(engine, exclusive);
  const a = await engine.createProcessInstance({
    bpmnProcessId: 'route',
    version: -1,
    variables: { level: 4 },
  });
  const b = await engine.createProcessInstance({
    bpmnProcessId: 'route',
    version: -1,
    variables: { level: 1 },
  });
  const c = await engine.createProcessInstance({
    bpmnProcessId: 'route',
    version: -1,
    variables: { level: 'n/a' },
  });
  t.deepEqual(
    (await activate(engine, 'route-urgent')).map((j) => j.processInstanceKey),
    [a.processInstanceKey],
  );
  t.deepEqual(
    (await activate(engine, 'route-normal')).map((j) => j.processInstanceKey),
    [b.processInstanceKey],
  );
  // comparing a string with a number is null in FEEL: neither condition holds → default flow
  t.deepEqual(
    (await activate(engine, 'route-other')).map((j) => j.processInstanceKey),
    [c.processInstanceKey],
  );
});

test('exclusive gateway without match and default raises a CONDITION_ERROR incident; resolve re-evaluates', async (t) => {
  const { engine } = te;
  await deploy(
    engine,
    bpmn(
      'nomatch',
      [
        start(),
        '<bpmn:exclusiveGateway id="gw" />',
        serviceTask('yes', 'nomatch-yes'),
        end('e1'),
        end('e2'),
        chain('start', 'gw'),
        flow('gw', 'yes', '=ok = true', 'fYes'),
        flow('gw', 'e2', '=ok = false', 'fNo'),
        chain('yes', 'e1'),
      ].join('\n'),
    ),
  );
  const pi = await engine.createProcessInstance({ bpmnProcessId: 'nomatch', version: -1 });
  const [incident] = await incidentsOf(engine, pi.processInstanceKey);
  t.deepEqual(
    { type: incident!.errorType, message: incident!.errorMessage, element: incident!.elementId },
    {
      type: 'CONDITION_ERROR',
      message: 'Expected at least one condition to evaluate to true, or to have a default flow',
      element: 'gw',
    },
  );
  await engine.setVariables({ elementInstanceKey: pi.processInstanceKey, variables: { ok: true } });
  await engine.resolveIncident({ incidentKey: incident!.key });
  t.deepEqual(
    (await activate(engine, 'nomatch-yes')).map((j) => j.processInstanceKey),
    [pi.processInstanceKey],
  );
});

test('parallel gateway forks and joins; the instance completes after both branches', async (t) => {
  const { engine } = te;
  await deploy(
    engine,
    bpmn(
      'parallel',
      [
        start(),
        '<bpmn:parallelGateway id="fork" />',
        serviceTask('a', 'par-a'),
        serviceTask('b', 'par-b'),
        '<bpmn:parallelGateway id="join" />',
        end(),
        chain('start', 'fork'),
        chain('fork', 'a', 'join'),
        chain('fork', 'b', 'join'),
        chain('join', 'end'),
      ].join('\n'),
    ),
  );
  const pi = await engine.createProcessInstance({ bpmnProcessId: 'parallel', version: -1 });
  const [ja] = await activate(engine, 'par-a');
  const [jb] = await activate(engine, 'par-b');
  await engine.completeJob({ jobKey: ja!.key, variables: { a: 1 } });
  let feed = await feedOf(engine, pi.processInstanceKey, ['ELEMENT_COMPLETED']);
  t.false(feed.includes('join:ELEMENT_COMPLETED'));
  await engine.completeJob({ jobKey: jb!.key, variables: { b: 2 } });
  feed = await feedOf(engine, pi.processInstanceKey, ['ELEMENT_ACTIVATED', 'ELEMENT_COMPLETED']);
  t.deepEqual(feed, [
    'parallel:ELEMENT_ACTIVATED',
    'start:ELEMENT_ACTIVATED',
    'start:ELEMENT_COMPLETED',
    'fork:ELEMENT_ACTIVATED',
    'fork:ELEMENT_COMPLETED',
    'a:ELEMENT_ACTIVATED',
    'b:ELEMENT_ACTIVATED',
    'a:ELEMENT_COMPLETED',
    'b:ELEMENT_COMPLETED',
    'join:ELEMENT_ACTIVATED',
    'join:ELEMENT_COMPLETED',
    'end:ELEMENT_ACTIVATED',
    'end:ELEMENT_COMPLETED',
    'parallel:ELEMENT_COMPLETED',
  ]);
});

test('inclusive gateway forks to every flow whose condition holds', async (t) => {
  const { engine } = te;
  await deploy(
    engine,
    bpmn(
      'inclusive',
      [
        start(),
        '<bpmn:inclusiveGateway id="or" default="fNone" />',
        serviceTask('mail', 'inc-mail'),
        serviceTask('sms', 'inc-sms'),
        serviceTask('none', 'inc-none'),
        end('e1'),
        end('e2'),
        end('e3'),
        chain('start', 'or'),
        flow('or', 'mail', '=mail', 'fMail'),
        flow('or', 'sms', '=sms', 'fSms'),
        flow('or', 'none', undefined, 'fNone'),
        chain('mail', 'e1'),
        chain('sms', 'e2'),
        chain('none', 'e3'),
      ].join('\n'),
    ),
  );
  const both = await engine.createProcessInstance({
    bpmnProcessId: 'inclusive',
    version: -1,
    variables: { mail: true, sms: true },
  });
  const neither = await engine.createProcessInstance({
    bpmnProcessId: 'inclusive',
    version: -1,
    variables: { mail: false, sms: false },
  });
  t.deepEqual(
    (await activate(engine, 'inc-mail')).map((j) => j.processInstanceKey),
    [both.processInstanceKey],
  );
  t.deepEqual(
    (await activate(engine, 'inc-sms')).map((j) => j.processInstanceKey),
    [both.processInstanceKey],
  );
  t.deepEqual(
    (await activate(engine, 'inc-none')).map((j) => j.processInstanceKey),
    [neither.processInstanceKey],
  );
});

test('joining inclusive gateway waits only for the branches that were taken', async (t) => {
  const { engine } = te;
  await deploy(
    engine,
    bpmn(
      'orJoin',
      [
        start(),
        '<bpmn:inclusiveGateway id="split" />',
        serviceTask('water', 'or-water'),
        serviceTask('power', 'or-power'),
        serviceTask('gas', 'or-gas'),
        '<bpmn:inclusiveGateway id="merge" />',
        serviceTask('report', 'or-report'),
        end(),
        chain('start', 'split'),
        flow('split', 'water', '=list contains(list, "water")', 'toWater'),
        flow('split', 'power', '=list contains(list, "power")', 'toPower'),
        flow('split', 'gas', '=list contains(list, "gas")', 'toGas'),
        chain('water', 'merge'),
        chain('power', 'merge'),
        chain('gas', 'merge'),
        chain('merge', 'report', 'end'),
      ].join('\n'),
    ),
  );
  const two = await engine.createProcessInstance({
    bpmnProcessId: 'orJoin',
    version: -1,
    variables: { list: ['water', 'gas'] },
  });
  const [w] = await activate(engine, 'or-water');
  const [g] = await activate(engine, 'or-gas');
  t.deepEqual(await activate(engine, 'or-power'), []);
  await engine.completeJob({ jobKey: w!.key });
  t.deepEqual(await activate(engine, 'or-report'), []);
  await engine.completeJob({ jobKey: g!.key });
  const [r] = await activate(engine, 'or-report');
  t.is(r!.processInstanceKey, two.processInstanceKey);
  // exactly one merge activation
  const merges = await feedOf(engine, two.processInstanceKey, ['ELEMENT_ACTIVATED']);
  t.is(merges.filter((e) => e === 'merge:ELEMENT_ACTIVATED').length, 1);

  const one = await engine.createProcessInstance({
    bpmnProcessId: 'orJoin',
    version: -1,
    variables: { list: ['power'] },
  });
  const [p] = await activate(engine, 'or-power');
  await engine.completeJob({ jobKey: p!.key });
  const [r2] = await activate(engine, 'or-report');
  t.is(r2!.processInstanceKey, one.processInstanceKey);
});

test('cancel terminates the instance and its jobs; cancelling again is NOT_FOUND', async (t) => {
  const { engine } = te;
  await deploy(
    engine,
    bpmn(
      'cancellable',
      [start(), serviceTask('task', 'cancel-me'), end(), chain('start', 'task', 'end')].join('\n'),
    ),
  );
  const pi = await engine.createProcessInstance({ bpmnProcessId: 'cancellable', version: -1 });
  await engine.cancelProcessInstance({ processInstanceKey: pi.processInstanceKey });
  t.deepEqual(await activate(engine, 'cancel-me'), []);
  const feed = await feedOf(engine, pi.processInstanceKey, ['ELEMENT_TERMINATED']);
  t.deepEqual(feed, ['task:ELEMENT_TERMINATED', 'cancellable:ELEMENT_TERMINATED']);
  const again = await t.throwsAsync(
    engine.cancelProcessInstance({ processInstanceKey: pi.processInstanceKey }),
  );
  t.is((again as EngineError).code, 'NOT_FOUND');
  t.is(
    again!.message,
    `Command 'CANCEL' rejected with code 'NOT_FOUND': Expected to cancel a process instance with key '${pi.processInstanceKey}', but no such process was found`,
  );
});

test('setVariables: local stays in the element scope, otherwise propagates to where the name is defined', async (t) => {
  const { engine } = te;
  await deploy(
    engine,
    bpmn(
      'vars',
      [
        start(),
        serviceTask('task', 'vars-work', {
          ext: '<zeebe:ioMapping><zeebe:input source="=1" target="local1" /></zeebe:ioMapping>',
        }),
        end(),
        chain('start', 'task', 'end'),
      ].join('\n'),
    ),
  );
  const result = engine.createProcessInstanceWithResult({
    request: { bpmnProcessId: 'vars', version: -1, variables: { root: 'r' } },
    requestTimeout: 10_000,
  });
  let jobs = await activate(engine, 'vars-work');
  for (let i = 0; !jobs.length && i < 50; i++) {
    await new Promise((r) => setTimeout(r, 20));
    jobs = await activate(engine, 'vars-work');
  }
  const job = jobs[0]!;
  await engine.setVariables({
    elementInstanceKey: job.elementInstanceKey,
    variables: { onlyHere: 1, local1: 5 },
    local: true,
  });
  await engine.setVariables({
    elementInstanceKey: job.elementInstanceKey,
    variables: { root: 'changed', brandNew: true },
  });
  await engine.failJob({ jobKey: job.key, retries: 1, errorMessage: 'again' });
  const [again] = await activate(engine, 'vars-work');
  t.deepEqual(again!.variables, { root: 'changed', brandNew: true, local1: 5, onlyHere: 1 });
  await engine.completeJob({ jobKey: job.key });
  t.deepEqual((await result).variables, { root: 'changed', brandNew: true });
  const missing = await t.throwsAsync(
    engine.setVariables({ elementInstanceKey: '2251799813685249', variables: {} }),
  );
  t.is((missing as EngineError).code, 'NOT_FOUND');
});

test('start instructions start the instance before the given elements', async (t) => {
  const { engine } = te;
  await deploy(
    engine,
    bpmn(
      'skip',
      [
        start(),
        serviceTask('first', 'skip-1'),
        serviceTask('second', 'skip-2'),
        end(),
        chain('start', 'first', 'second', 'end'),
      ].join('\n'),
    ),
  );
  const pi = await engine.createProcessInstance({
    bpmnProcessId: 'skip',
    version: -1,
    startInstructions: [{ elementId: 'second' }],
  });
  t.deepEqual(await activate(engine, 'skip-1'), []);
  t.deepEqual(
    (await activate(engine, 'skip-2')).map((j) => j.processInstanceKey),
    [pi.processInstanceKey],
  );
  const bad = await t.throwsAsync(
    engine.createProcessInstance({
      bpmnProcessId: 'skip',
      version: -1,
      startInstructions: [{ elementId: 'nope' }],
    }),
  );
  t.is((bad as EngineError).code, 'INVALID_ARGUMENT');
  const byKey = await engine.createProcessInstance({ processDefinitionKey: pi.processDefinitionKey });
  t.is(byKey.bpmnProcessId, 'skip');
  const missingKey = await t.throwsAsync(
    engine.createProcessInstance({ processDefinitionKey: '2251799813685249' }),
  );
  t.is((missingKey as EngineError).code, 'NOT_FOUND');
  const missingVersion = await t.throwsAsync(
    engine.createProcessInstance({ bpmnProcessId: 'skip', version: 9 }),
  );
  t.is(
    missingVersion!.message,
    "Command 'CREATE' rejected with code 'NOT_FOUND': Expected to find process definition with process ID 'skip' and version '9', but none found",
  );
});

test('modifyProcessInstance activates and terminates elements', async (t) => {
  const { engine } = te;
  await deploy(
    engine,
    bpmn(
      'modify',
      [
        start(),
        serviceTask('a', 'mod-a'),
        serviceTask('b', 'mod-b'),
        end(),
        chain('start', 'a', 'b', 'end'),
      ].join('\n'),
    ),
  );
  const pi = await engine.createProcessInstance({ bpmnProcessId: 'modify', version: -1 });
  const [ja] = await activate(engine, 'mod-a');
  await engine.modifyProcessInstance({
    processInstanceKey: pi.processInstanceKey,
    activateInstructions: [{ elementId: 'b', variableInstructions: [{ variables: { moved: true } }] }],
    terminateInstructions: [{ elementInstanceKey: ja!.elementInstanceKey }],
  });
  const [jb] = await activate(engine, 'mod-b');
  t.is(jb!.processInstanceKey, pi.processInstanceKey);
  t.deepEqual(jb!.variables, { moved: true });
  await engine.modifyProcessInstance({
    processInstanceKey: pi.processInstanceKey,
    terminateInstructions: [{ elementInstanceKey: jb!.elementInstanceKey }],
  });
  const feed = await feedOf(engine, pi.processInstanceKey, ['ELEMENT_TERMINATED']);
  t.deepEqual(feed, ['a:ELEMENT_TERMINATED', 'b:ELEMENT_TERMINATED', 'modify:ELEMENT_TERMINATED']);
});

test('modification inside a sub-process uses the ancestor scope instance', async (t) => {
  const { engine } = te;
  await deploy(
    engine,
    bpmn(
      'modSub',
      [
        start(),
        `<bpmn:subProcess id="sub">${start('s2')}${serviceTask('a', 'modsub-a')}${serviceTask('b', 'modsub-b')}${end('e2')}${chain('s2', 'a', 'e2')}${chain('b', 'e2')}</bpmn:subProcess>`,
        end(),
        chain('start', 'sub', 'end'),
      ].join('\n'),
    ),
  );
  const pi = await engine.createProcessInstance({ bpmnProcessId: 'modSub', version: -1 });
  const subKey = (await engine.readEvents('0', 100_000)).find(
    (e) =>
      e.processInstanceKey === pi.processInstanceKey &&
      e.elementId === 'sub' &&
      e.intent === 'ELEMENT_ACTIVATED',
  )!.key;
  const wrong = await t.throwsAsync(
    engine.modifyProcessInstance({
      processInstanceKey: pi.processInstanceKey,
      activateInstructions: [{ elementId: 'b', ancestorElementInstanceKey: pi.processInstanceKey }],
    }),
  );
  t.is((wrong as EngineError).code, 'INVALID_ARGUMENT');
  await engine.modifyProcessInstance({
    processInstanceKey: pi.processInstanceKey,
    activateInstructions: [{ elementId: 'b', ancestorElementInstanceKey: subKey }],
  });
  const [b] = await activate(engine, 'modsub-b');
  t.is(b!.processInstanceKey, pi.processInstanceKey);
});
