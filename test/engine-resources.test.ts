/**
 * DeployResource with DMN decisions and Camunda forms, through the real client over gRPC: stored and
 * versioned like Zeebe does (unchanged → same keys, changed → new version), their keys returned; bad
 * resources refused by name, and the deployment is all-or-nothing.
 */
import test from 'ava';
import { startTestEngine, type TestEngine } from './helpers/engine.ts';
import { bpmn, chain, end, start } from './engine/support.ts';

let te: TestEngine;
test.before(async () => {
  te = await startTestEngine();
});
test.after.always(async () => {
  await te?.close();
});

const dmn = (rule: string) => `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="grading" name="考核评级" namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="grade" name="评级">
    <decisionTable id="t1">
      <input id="i1" label="得分"><inputExpression id="e1" typeRef="number"><text>score</text></inputExpression></input>
      <output id="o1" name="grade" typeRef="string" />
      <rule id="r1"><inputEntry id="ie1"><text>${rule}</text></inputEntry><outputEntry id="oe1"><text>"优秀"</text></outputEntry></rule>
    </decisionTable>
  </decision>
  <decision id="band" name="档次">
    <literalExpression id="l1"><text>"A"</text></literalExpression>
  </decision>
</definitions>`;

const form = (label: string) =>
  JSON.stringify({
    id: 'dispose-form',
    type: 'default',
    components: [{ type: 'textfield', key: 'note', label }],
  });

const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

test('DMN: decision requirements and decisions get keys and versions; unchanged keeps them', async (t) => {
  const first = plain(
    await te.zbc.deployResource({ decision: Buffer.from(dmn('>= 90')), name: 'grading.dmn' }),
  );
  const drg = first.deployments.find((d: object) => 'decisionRequirements' in d).decisionRequirements;
  t.like(drg, {
    dmnDecisionRequirementsId: 'grading',
    dmnDecisionRequirementsName: '考核评级',
    version: 1,
    resourceName: 'grading.dmn',
    tenantId: '<default>',
  });
  t.regex(String(drg.decisionRequirementsKey), /^\d+$/);
  const decisions = first.deployments
    .filter((d: object) => 'decision' in d)
    .map((d: { decision: object }) => d.decision);
  t.deepEqual(
    decisions.map((d: Record<string, unknown>) => [
      d.dmnDecisionId,
      d.dmnDecisionName,
      d.version,
      String(d.decisionRequirementsKey),
    ]),
    [
      ['grade', '评级', 1, String(drg.decisionRequirementsKey)],
      ['band', '档次', 1, String(drg.decisionRequirementsKey)],
    ],
  );

  const same = plain(
    await te.zbc.deployResource({ decision: Buffer.from(dmn('>= 90')), name: 'grading.dmn' }),
  );
  t.deepEqual(
    same.deployments.map((d: Record<string, Record<string, unknown>>) => Object.values(d)[0]!.version),
    [1, 1, 1],
  );
  t.is(
    String(same.deployments.find((d: object) => 'decision' in d).decision.decisionKey),
    String(decisions[0].decisionKey),
  );

  const changed = plain(
    await te.zbc.deployResource({ decision: Buffer.from(dmn('>= 85')), name: 'grading.dmn' }),
  );
  const drg2 = changed.deployments.find((d: object) => 'decisionRequirements' in d).decisionRequirements;
  t.is(drg2.version, 2);
  t.not(String(drg2.decisionRequirementsKey), String(drg.decisionRequirementsKey));
  t.deepEqual(
    changed.deployments
      .filter((d: object) => 'decision' in d)
      .map((d: { decision: { version: number } }) => d.decision.version),
    [2, 2],
  );
});

test('forms get a key and a version per form id; unchanged keeps them', async (t) => {
  const first = plain(
    await te.zbc.deployResource({ form: Buffer.from(form('处置说明')), name: 'dispose.form' }),
  );
  t.is(first.deployments.length, 1);
  const f1 = first.deployments[0].form;
  t.like(f1, { formId: 'dispose-form', version: 1, resourceName: 'dispose.form', tenantId: '<default>' });
  const same = plain(
    await te.zbc.deployResource({ form: Buffer.from(form('处置说明')), name: 'dispose.form' }),
  );
  t.deepEqual(same.deployments[0].form, f1);
  const changed = plain(
    await te.zbc.deployResource({ form: Buffer.from(form('处置情况')), name: 'dispose.form' }),
  );
  t.is(changed.deployments[0].form.version, 2);
  t.not(String(changed.deployments[0].form.formKey), String(f1.formKey));
});

test('one deployment of a process, a DMN and a form lists all three kinds', async (t) => {
  const res = plain(
    await te.zbc.deployResources([
      { name: 'mixed.bpmn', process: Buffer.from(bpmn('mixed', start() + end() + chain('start', 'end'))) },
      {
        name: 'mixed.dmn',
        decision: Buffer.from(
          dmn('>= 60')
            .replace(/grading/g, 'mixed')
            .replace(/"grade"/, '"mixed-grade"')
            .replace(/"band"/, '"mixed-band"'),
        ),
      },
      { name: 'mixed.form', form: Buffer.from(JSON.stringify({ id: 'mixed-form', components: [] })) },
    ]),
  );
  t.deepEqual(
    res.deployments.map((d: object) => Object.keys(d)[0]),
    ['process', 'decision', 'decision', 'decisionRequirements', 'form'], // Zeebe's order
  );
});

test('bad DMN and forms are refused by name and nothing of the deployment is stored', async (t) => {
  const refused = async (resources: { name: string; content: string }[]) => {
    const err = await t.throwsAsync(
      te.zbc.deployResources(
        resources.map((r) =>
          r.name.endsWith('.form')
            ? { name: r.name, form: Buffer.from(r.content) }
            : r.name.endsWith('.dmn')
              ? { name: r.name, decision: Buffer.from(r.content) }
              : { name: r.name, process: Buffer.from(r.content) },
        ),
      ),
    );
    t.is((err as { code?: number }).code, 3); // INVALID_ARGUMENT
    return err!.message;
  };
  t.regex(
    await refused([{ name: 'x.dmn', content: '<definitions id="x"><decision id="d"' }]),
    /'x\.dmn': not a well-formed XML document/,
  );
  t.regex(
    await refused([
      {
        name: 'xxe.dmn',
        content: '<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><definitions id="x"/>',
      },
    ]),
    /'xxe\.dmn': DOCTYPE and ENTITY declarations are not allowed in DMN resources/,
  );
  t.regex(
    await refused([{ name: 'empty.dmn', content: '<definitions id="x" name="x"/>' }]),
    /'empty\.dmn': the DMN resource declares no decision/,
  );
  t.regex(
    await refused([{ name: 'f.form', content: '{"components": []}' }]),
    /'f\.form': the form has no 'id'/,
  );
  t.regex(await refused([{ name: 'g.form', content: 'not json' }]), /'g\.form': not a JSON form/);
  t.regex(
    await refused([
      { name: 'a.form', content: '{"id": "twice"}' },
      { name: 'b.form', content: '{"id": "twice", "x": 1}' },
    ]),
    /Duplicated form id 'twice' in resources 'a\.form' and 'b\.form'/,
  );
  // atomic: the good process next to a bad form is not deployed either
  await refused([
    { name: 'atomic.bpmn', content: bpmn('atomic-res', start() + end() + chain('start', 'end')) },
    { name: 'h.form', content: '[]' },
  ]);
  const missing = await t.throwsAsync(
    te.zbc.createProcessInstance({ bpmnProcessId: 'atomic-res', variables: {} }),
  );
  t.is((missing as { code?: number }).code, 5); // NOT_FOUND
});
