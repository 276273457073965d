// The element templates in processes/element-templates/ are valid Zeebe templates and offer exactly what
// the procedures use, so a task drawn from a template behaves like the ones in processes/*.bpmn.
import test from 'ava';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PROCESS_IDS, extension, flowElements, mappings, readProcessFile } from './helpers/bpmn-elements.ts';

interface Property {
  id?: string;
  type: string;
  value?: string;
  choices?: { name: string; value: string }[];
  binding: { type: string; name?: string; property?: string; source?: string };
}
interface Template {
  $schema: string;
  id: string;
  properties: Property[];
}
// The validator ships CommonJS without typings.
const { validateZeebe } = createRequire(import.meta.url)('@bpmn-io/element-templates-validator') as {
  validateZeebe(template: unknown): { valid: boolean; errors: unknown[] | null };
};

const files = readdirSync(new URL('../processes/element-templates/', import.meta.url)).filter((f) =>
  f.endsWith('.json'),
);
const templates = files.map((f) => JSON.parse(readProcessFile(`element-templates/${f}`)) as Template);
const jobTypeOf = (t: Template) =>
  t.properties.find((p) => p.binding.type === 'zeebe:taskDefinition' && p.binding.property === 'type')?.value;
const choicesOf = (t: Template, input: string) =>
  (t.properties.find((p) => p.binding.type === 'zeebe:input' && p.binding.name === input)?.choices ?? [])
    .map((c) => c.value)
    .sort();

/** Every service task of the three procedures with its job type, inputs and outputs. */
async function serviceTasks() {
  const tasks = [];
  for (const id of PROCESS_IDS)
    for (const el of await flowElements(readProcessFile(`${id}.bpmn`))) {
      const type = extension(el, 'zeebe:TaskDefinition')?.type as string | undefined;
      if (type)
        tasks.push({
          id: el.id!,
          type,
          inputs: mappings(el, 'inputParameters'),
          outputs: mappings(el, 'outputParameters'),
        });
    }
  return tasks;
}

test('there is a template for each notify job type and for the deadline computation', (t) => {
  t.deepEqual(templates.map(jobTypeOf).sort(), [
    'hub.deadlines.compute',
    'hub.notify.escalation',
    'hub.notify.report',
    'hub.notify.urge',
  ]);
});

for (const [i, file] of files.entries()) {
  test(`${file} is a valid Zeebe element template`, (t) => {
    const template = templates[i]!;
    t.is(
      template.$schema,
      'https://unpkg.com/@camunda/zeebe-element-templates-json-schema/resources/schema.json',
    );
    const { valid, errors } = validateZeebe(template);
    t.deepEqual(errors ?? [], []);
    t.true(valid);
  });
}

test('every template job type is used by the procedures', async (t) => {
  const used = new Set((await serviceTasks()).map((task) => task.type));
  for (const template of templates) t.true(used.has(jobTypeOf(template)!), template.id);
});

test('deadline template offers exactly the deadline kinds the procedures use, and their result sources', async (t) => {
  const tasks = (await serviceTasks()).filter((task) => task.type === 'hub.deadlines.compute');
  t.is(tasks.length, 7);
  const kinds = tasks.map((task) => task.inputs.find(([target]) => target === 'deadlineKind')![1]).sort();
  const template = templates.find((tpl) => jobTypeOf(tpl) === 'hub.deadlines.compute')!;
  t.deepEqual(choicesOf(template, 'deadlineKind'), kinds);
  const sources = new Set(tasks.flatMap((task) => task.outputs.map(([, source]) => source)));
  const templateSources = template.properties
    .filter((p) => p.binding.type === 'zeebe:output')
    .map((p) => p.binding.source);
  t.deepEqual([...sources].sort(), templateSources.sort());
});

test('urge template offers exactly the urge kinds the procedures use', async (t) => {
  const tasks = (await serviceTasks()).filter((task) => task.type === 'hub.notify.urge');
  const kinds = [
    ...new Set(tasks.map((task) => task.inputs.find(([target]) => target === 'urgeKind')![1])),
  ].sort();
  t.deepEqual(kinds, ['="overdue"', '="warning"', '=escalationDecision']);
  const template = templates.find((tpl) => jobTypeOf(tpl) === 'hub.notify.urge')!;
  t.deepEqual(choicesOf(template, 'urgeKind'), kinds);
});
