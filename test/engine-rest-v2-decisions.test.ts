/**
 * Decisions over the engine's v2 API with Camunda's REST-only client (answers validated against
 * Camunda's schema): deploy a DMN, evaluate by id and by key (required decisions first, a failing one
 * named), search and get decision definitions and decision requirements with their XML; refusals as
 * problem+json (400 naming the property, 404 for an unknown decision or key).
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import { startRestV2, type RestV2, problemCheck } from './helpers/rest-v2.ts';

let v2: RestV2;
test.before(async () => {
  v2 = await startRestV2();
});
test.after.always(async () => {
  await v2?.close();
});

/** Reads are consistent with the last command here: no waiting for Camunda's eventual consistency. */
const NOW = { consistency: { waitUpToMs: 0 } };
const ROUTING = readFileSync(new URL('./fixtures/engine/decision-routing.dmn', import.meta.url), 'utf8');

async function deployRouting() {
  const r = await v2.camunda.createDeployment({
    resources: [new File([ROUTING], 'decision-routing.dmn', { type: 'application/xml' })],
  });
  return r.deployments;
}

test.serial(
  'deploy a DMN, evaluate by id and by key: output, evaluated decisions, matched rules, failures',
  async (t) => {
    const deployments = await deployRouting();
    t.deepEqual(
      deployments.map(
        (d) => d.decisionDefinition?.decisionDefinitionId ?? d.decisionRequirements?.decisionRequirementsId,
      ),
      ['severity', 'base_hours', 'route', 'checked_amount', 'guarded_route', 'case-routing'],
    );

    const r = await v2.unchecked.evaluateDecision({
      decisionDefinitionId: 'route' as never,
      variables: { amount: 20_000, area: '核心区' },
    });
    t.like(r, {
      decisionDefinitionId: 'route',
      decisionDefinitionName: '分派',
      decisionDefinitionVersion: 1,
      decisionRequirementsId: 'case-routing',
      failedDecisionDefinitionId: '',
      failureMessage: '',
      tenantId: '<default>',
    });
    t.deepEqual(JSON.parse(r.output), { dept: '应急中心', hours: 2 });
    t.regex(String(r.decisionEvaluationKey), /^\d+$/);
    t.is(String(r.decisionDefinitionKey), String(deployments[2]!.decisionDefinition!.decisionDefinitionKey));
    t.deepEqual(
      r.evaluatedDecisions.map((d) => [d.decisionDefinitionId, d.decisionDefinitionType, d.output]),
      [
        ['severity', 'DECISION_TABLE', '"高"'],
        ['base_hours', 'LITERAL_EXPRESSION', '2'],
        ['route', 'DECISION_TABLE', JSON.stringify({ dept: '应急中心', hours: 2 })],
      ],
    );
    const route = r.evaluatedDecisions[2]!;
    t.deepEqual(
      route.matchedRules!.map((m) => [m.ruleId, m.ruleIndex, m.evaluatedOutputs!.map((o) => o.outputValue)]),
      [['route_high', 1, ['"应急中心"', '2']]],
    );
    t.deepEqual(route.evaluatedInputs, [
      { inputId: 'in_route_severity', inputName: '严重程度', inputValue: '"高"' },
    ]);

    // by key; a required decision that fails is named, and the answer is still 200
    const guarded = deployments[4]!.decisionDefinition!;
    const failed = await v2.camunda.evaluateDecision({
      decisionDefinitionKey: guarded.decisionDefinitionKey!,
      variables: {},
    });
    t.is(String(failed.decisionDefinitionId), 'guarded_route');
    t.is(String(failed.failedDecisionDefinitionId), 'checked_amount');
    t.regex(failed.failureMessage, /^Expected to evaluate decision 'guarded_route', but /);
    t.is(failed.output, 'null');
  },
);

test.serial('decision definitions and requirements: search, get, XML', async (t) => {
  const found = await v2.camunda.searchDecisionDefinitions(
    { filter: { decisionRequirementsId: 'case-routing' }, sort: [{ field: 'decisionDefinitionId' }] },
    NOW,
  );
  t.deepEqual(
    found.items!.map((d) => [d.decisionDefinitionId, d.name, d.version, d.tenantId]),
    [
      ['base_hours', '基础时限', 1, '<default>'],
      ['checked_amount', '金额校验', 1, '<default>'],
      ['guarded_route', '带校验的分派', 1, '<default>'],
      ['route', '分派', 1, '<default>'],
      ['severity', '严重程度', 1, '<default>'],
    ],
  );
  t.is(Number(found.page.totalItems), 5);
  const route = found.items![3]!;
  t.deepEqual(
    await v2.camunda.getDecisionDefinition({ decisionDefinitionKey: route.decisionDefinitionKey! }, NOW),
    route,
  );
  const xml = await v2.rest('GET', `/v2/decision-definitions/${route.decisionDefinitionKey}/xml`);
  t.is(xml.status, 200);
  t.regex(xml.type, /^text\/xml/);
  t.is(xml.body, ROUTING);

  const drgs = await v2.camunda.searchDecisionRequirements(
    { filter: { decisionRequirementsId: 'case-routing' } },
    NOW,
  );
  t.deepEqual(
    drgs.items!.map((g) => [
      g.decisionRequirementsName,
      g.version,
      g.resourceName,
      g.decisionRequirementsKey,
    ]),
    [['案件分派', 1, 'decision-routing.dmn', route.decisionRequirementsKey]],
  );
  const drg = await v2.camunda.getDecisionRequirements(
    { decisionRequirementsKey: route.decisionRequirementsKey! },
    NOW,
  );
  t.is(drg.decisionRequirementsId, 'case-routing');
  t.is(
    (await v2.rest('GET', `/v2/decision-requirements/${route.decisionRequirementsKey}/xml`)).body,
    ROUTING,
  );
});

test('decisions: bad input is 400 naming the property, unknown decisions and keys 404', async (t) => {
  const problem = problemCheck(t);
  const unknown = '2251799813999999';
  const evaluate = (body: unknown) => v2.rest('POST', '/v2/decision-definitions/evaluation', body);
  problem(await evaluate({ variables: {} }), 400, /one of decisionDefinitionId and decisionDefinitionKey/);
  problem(
    await evaluate({ decisionDefinitionId: 'route', decisionDefinitionKey: unknown }),
    400,
    /one of decisionDefinitionId and decisionDefinitionKey/,
  );
  problem(await evaluate({ decisionDefinitionKey: 'route' }), 400, /^decisionDefinitionKey must be a key/);
  problem(
    await evaluate({ decisionDefinitionId: 'route', inputs: {} }),
    400,
    /^inputs is not a known property/,
  );
  problem(
    await evaluate({ decisionDefinitionId: 'route', variables: 'x' }),
    400,
    /^variables must be a JSON object/,
  );
  problem(
    await evaluate({ decisionDefinitionId: 'no_such_decision' }),
    404,
    /no decision found for id 'no_such_decision'/,
  );
  problem(await evaluate({ decisionDefinitionKey: unknown }), 404, /no decision found for key/);
  problem(await v2.rest('GET', '/v2/decision-definitions/abc'), 400, /^decisionDefinitionKey must be a key/);
  problem(await v2.rest('GET', `/v2/decision-definitions/${unknown}`), 404, /Decision definition with key/);
  problem(
    await v2.rest('GET', `/v2/decision-definitions/${unknown}/xml`),
    404,
    /Decision definition with key/,
  );
  problem(
    await v2.rest('GET', `/v2/decision-requirements/${unknown}`),
    404,
    /Decision requirements with key/,
  );
  problem(
    await v2.rest('GET', `/v2/decision-requirements/${unknown}/xml`),
    404,
    /Decision requirements with key/,
  );
  problem(
    await v2.rest('POST', '/v2/decision-definitions/search', { filter: { decisionType: 'x' } }),
    400,
    /^filter\.decisionType is not a filter/,
  );
});
