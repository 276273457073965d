// The procedures in processes/ lint clean, the lint catches a broken procedure, the embedded engine
// accepts them, and processes/README.md (the contract for workers and API) matches the BPMN exactly.
import test from 'ava';
import { lintBpmn, newestCloudProfile } from '../processes/lint.ts';
import { parseBpmn } from '../engine/model/parse.ts';
import { createFeel } from '../engine/feel/index.ts';
import {
  type El,
  PROCESS_IDS,
  extension,
  flowElements,
  readProcessFile as read,
} from './helpers/bpmn-elements.ts';

/** What a process exposes to workers and the API, in a shape both BPMN and README reduce to. */
interface Contract {
  jobs: Record<string, { elements: string[]; errors: string[] }>;
  messages: Record<string, { key: string | null; elements: string[] }>;
  timers: Record<string, string>;
  escalations: Record<string, { thrownBy: string[]; caughtBy: string[] }>;
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();
async function bpmnContract(xml: string): Promise<Contract> {
  const elements = await flowElements(xml);
  const contract: Contract = { jobs: {}, messages: {}, timers: {}, escalations: {} };
  const jobType = (el: El) => extension(el, 'zeebe:TaskDefinition')?.type as string | undefined;
  const push = (list: string[], value: string) => list.push(value);
  for (const el of elements) {
    const type = jobType(el);
    if (type) push((contract.jobs[type] ??= { elements: [], errors: [] }).elements, el.id!);
    const definition = ((el.eventDefinitions as El[] | undefined) ?? [])[0];
    const messageRef = (el.$type === 'bpmn:ReceiveTask' ? el.messageRef : definition?.messageRef) as
      El | undefined;
    if (
      messageRef &&
      (el.$type === 'bpmn:ReceiveTask' || definition?.$type === 'bpmn:MessageEventDefinition')
    ) {
      const key = (extension(messageRef, 'zeebe:Subscription')?.correlationKey as string | undefined) ?? null;
      const entry = (contract.messages[messageRef.name!] ??= { key, elements: [] });
      push(entry.elements, el.id!);
    }
    if (definition?.$type === 'bpmn:TimerEventDefinition') {
      const kind = (['timeDate', 'timeCycle', 'timeDuration'] as const).find((k) => definition[k]);
      contract.timers[el.id!] = `${kind}:${(definition[kind!] as { body: string }).body}`;
    }
    if (definition?.$type === 'bpmn:ErrorEventDefinition' && el.$type === 'bpmn:BoundaryEvent') {
      const host = jobType(el.attachedToRef as El) ?? `(no job type on ${(el.attachedToRef as El).id})`;
      push(
        (contract.jobs[host] ??= { elements: [], errors: [] }).errors,
        (definition.errorRef as El).errorCode as string,
      );
    }
    if (definition?.$type === 'bpmn:EscalationEventDefinition') {
      const code = (definition.escalationRef as El).escalationCode as string;
      const entry = (contract.escalations[code] ??= { thrownBy: [], caughtBy: [] });
      push(el.$type === 'bpmn:BoundaryEvent' ? entry.caughtBy : entry.thrownBy, el.id!);
    }
  }
  return normalise(contract);
}

/** Reads the tables of one process's section of processes/README.md. */
function readmeContract(readme: string, processId: string): Contract {
  const section = readme.split(/^## /m).find((s) => s.startsWith(`\`${processId}\``));
  if (!section) throw new Error(`README has no section for ${processId}`);
  const rows = (title: string) => {
    const sub = section.split(/^### /m).find((s) => s.startsWith(title + '\n'));
    if (!sub) return [];
    return sub
      .split('\n')
      .filter((line) => line.startsWith('|'))
      .slice(2) // header and separator
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim()),
      );
  };
  const ticks = (cell = '') => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
  const contract: Contract = { jobs: {}, messages: {}, timers: {}, escalations: {} };
  for (const [type, elements, , , errors] of rows('Job types'))
    contract.jobs[ticks(type)[0]!] = {
      elements: ticks(elements),
      errors: ticks(errors).filter((t) => /^[A-Z][A-Z0-9_]+$/.test(t)),
    };
  for (const [name, key, elements] of rows('Messages'))
    contract.messages[ticks(name)[0]!] = { key: ticks(key)[0] ?? null, elements: ticks(elements) };
  for (const [element, kind, expression] of rows('Timers'))
    contract.timers[ticks(element)[0]!] = `${kind}:${ticks(expression)[0]}`;
  for (const [code, thrownBy, caughtBy] of rows('Escalations'))
    contract.escalations[ticks(code)[0]!] = { thrownBy: ticks(thrownBy), caughtBy: ticks(caughtBy) };
  return normalise(contract);
}

function normalise(c: Contract): Contract {
  const jobs = Object.fromEntries(
    Object.entries(c.jobs).map(([k, v]) => [k, { elements: sorted(v.elements), errors: sorted(v.errors) }]),
  );
  const messages = Object.fromEntries(
    Object.entries(c.messages).map(([k, v]) => [k, { key: v.key, elements: sorted(v.elements) }]),
  );
  const escalations = Object.fromEntries(
    Object.entries(c.escalations).map(([k, v]) => [
      k,
      { thrownBy: sorted(v.thrownBy), caughtBy: sorted(v.caughtBy) },
    ]),
  );
  return { jobs, messages, timers: c.timers, escalations };
}

for (const processId of PROCESS_IDS) {
  test(`${processId}.bpmn lints with no errors and no warnings`, async (t) => {
    t.deepEqual(await lintBpmn(read(`${processId}.bpmn`)), { errors: [], warnings: [] });
  });

  test(`${processId}.bpmn lints clean for the newest Camunda 8 profile too`, async (t) => {
    // Numerically newest, not by string order (8-9 sorts after 8-10 as text); the plugin is pinned.
    t.is(newestCloudProfile(), 'camunda-cloud-8-10');
    t.deepEqual(await lintBpmn(read(`${processId}.bpmn`), { profile: newestCloudProfile() }), {
      errors: [],
      warnings: [],
    });
  });

  test(`${processId}: README contract matches the BPMN (jobs, messages, timers, errors, escalations)`, async (t) => {
    const fromBpmn = await bpmnContract(read(`${processId}.bpmn`));
    const fromReadme = readmeContract(read('README.md'), processId);
    t.deepEqual(fromReadme.jobs, fromBpmn.jobs);
    t.deepEqual(fromReadme.messages, fromBpmn.messages);
    t.deepEqual(fromReadme.timers, fromBpmn.timers);
    t.deepEqual(fromReadme.escalations, fromBpmn.escalations);
  });

  test(`${processId}.bpmn is accepted by the embedded engine`, async (t) => {
    const result = await parseBpmn(read(`${processId}.bpmn`), createFeel());
    if ('problems' in result) return t.fail(result.problems.render());
    t.deepEqual(
      result.processes.map((p) => p.bpmnProcessId),
      [processId],
    );
  });
}

test('time limits come from variables: every timer is a FEEL expression; the assessment has none (the hub schedules it)', async (t) => {
  const timers = Object.entries({
    ...(await bpmnContract(read('case-disposal.bpmn'))).timers,
    ...(await bpmnContract(read('case-escalation.bpmn'))).timers,
  });
  t.is(timers.length, 7);
  for (const [id, timer] of timers) t.regex(timer, /^timeDate:=[a-zA-Z]+$/, id);
  t.deepEqual((await bpmnContract(read('assessment.bpmn'))).timers, {});
});

test('a service task without a job type is a camunda-compat error naming the element', async (t) => {
  const xml = read('case-disposal.bpmn');
  const broken = xml.replace('<zeebe:taskDefinition type="hub.case.intake" />', '');
  t.not(broken, xml);
  t.deepEqual(await lintBpmn(broken), {
    errors: [
      {
        id: 't_intake',
        message:
          'Element of type <bpmn:ServiceTask> must have one extension element of type <zeebe:TaskDefinition>',
        rule: 'camunda-compat/implementation',
      },
    ],
    warnings: [],
  });
});

test('a message without a correlation key and an unlabelled gateway are reported', async (t) => {
  const xml = read('case-escalation.bpmn');
  const broken = xml
    .replace('<zeebe:subscription correlationKey="=caseId" />', '')
    .replace('name="催办或责令处置?"', 'name=""');
  const { errors, warnings } = await lintBpmn(broken);
  t.deepEqual(warnings, []);
  t.deepEqual(
    errors.map((e) => [e.id, e.rule]),
    [
      ['ce_decided', 'camunda-compat/subscription'],
      ['gw_urge', 'label-required'],
    ],
  );
});

test('a document that is not BPMN is one bpmn-parse error', async (t) => {
  const { errors, warnings } = await lintBpmn('<notes>not a process</notes>');
  t.deepEqual(warnings, []);
  t.is(errors.length, 1);
  t.is(errors[0]!.rule, 'bpmn-parse');
  t.is(errors[0]!.id, '');
  t.regex(errors[0]!.message, /^not a BPMN document: /);
});
