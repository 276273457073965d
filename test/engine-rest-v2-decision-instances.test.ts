/**
 * Decision instances over the engine's v2 API with Camunda's REST-only client (answers validated against
 * Camunda's schema): every decision a business-rule task or an evaluation goes through is recorded —
 * EVALUATED with its result, or FAILED with the failure — and listed by POST /v2/decision-instances/search
 * and GET /v2/decision-instances/{key} (with inputs and matched rules); refusals as problem+json.
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import { startRestV2, type RestV2, problemCheck } from './helpers/rest-v2.ts';
import { bpmn, chain, end, eventually, serviceTask, start } from './engine/support.ts';

let v2: RestV2;
test.before(async () => {
  v2 = await startRestV2();
  const ROUTING = readFileSync(new URL('./fixtures/engine/decision-routing.dmn', import.meta.url), 'utf8');
  const deciding = (id: string, decisionId: string) =>
    bpmn(
      id,
      start() +
        `<bpmn:businessRuleTask id="decide" name="分派决策"><bpmn:extensionElements><zeebe:calledDecision decisionId="${decisionId}" resultVariable="routing" /></bpmn:extensionElements></bpmn:businessRuleTask>` +
        serviceTask('dispatch', `${id}-dispatch`) +
        end() +
        chain('start', 'decide', 'dispatch', 'end'),
    );
  await v2.camunda.createDeployment({
    resources: [
      new File([ROUTING], 'decision-routing.dmn', { type: 'application/xml' }),
      new File([deciding('v2_di_route', 'route')], 'route.bpmn', { type: 'application/xml' }),
      new File([deciding('v2_di_guarded', 'guarded_route')], 'guarded.bpmn', { type: 'application/xml' }),
    ],
  });
});
test.after.always(async () => {
  await v2?.close();
});

/** Reads are consistent with the last command here: no waiting for Camunda's eventual consistency. */
const NOW = { consistency: { waitUpToMs: 0 } };

const instancesOf = async (filter: Record<string, unknown>) =>
  (
    await v2.camunda.searchDecisionInstances(
      { filter: filter as never, sort: [{ field: 'decisionEvaluationInstanceKey' }] },
      NOW,
    )
  ).items!;

test('a business-rule task: each decision it went through, linked to its instance and element', async (t) => {
  const pi = await v2.camunda.createProcessInstance({
    processDefinitionId: 'v2_di_route' as never,
    variables: { amount: 500, area: '外围' },
  });
  const pik = String(pi.processInstanceKey);
  const decide = await eventually(async () => {
    const r = await v2.rest('POST', '/v2/element-instances/search', {
      filter: { processInstanceKey: pik, elementId: 'decide', state: 'COMPLETED' },
    });
    return r.body.items[0] as { elementInstanceKey: string } | undefined;
  });

  const found = await instancesOf({ processInstanceKey: pik });
  t.deepEqual(
    found.map((d) => [
      d.decisionDefinitionId,
      d.decisionDefinitionName,
      d.decisionDefinitionType,
      d.state,
      d.result,
    ]),
    [
      ['severity', '严重程度', 'DECISION_TABLE', 'EVALUATED', '"低"'],
      ['base_hours', '基础时限', 'LITERAL_EXPRESSION', 'EVALUATED', '4'],
      ['route', '分派', 'DECISION_TABLE', 'EVALUATED', JSON.stringify({ dept: '网格站', hours: 24 })],
    ],
  );
  for (const d of found) {
    t.is(String(d.processInstanceKey), pik);
    t.is(String(d.processDefinitionKey), String(pi.processDefinitionKey));
    t.is(String(d.elementInstanceKey), decide.elementInstanceKey);
    t.is(d.decisionEvaluationKey, found[0]!.decisionEvaluationKey, 'one evaluation');
    t.is(d.decisionDefinitionVersion, 1);
    t.is(String(d.tenantId), '<default>');
    t.is(d.evaluationFailure, undefined);
    t.regex(String(d.evaluationDate), /^\d{4}-\d\d-\d\dT/);
  }

  const route = await v2.camunda.getDecisionInstance(
    { decisionEvaluationInstanceKey: found[2]!.decisionEvaluationInstanceKey! },
    NOW,
  );
  t.like(route, { decisionDefinitionId: 'route', state: 'EVALUATED', processInstanceKey: pik });
  t.deepEqual(route.evaluatedInputs, [
    { inputId: 'in_route_severity', inputName: '严重程度', inputValue: '"低"' },
  ]);
  t.deepEqual(
    route.matchedRules!.map((m) => [m.ruleId, m.ruleIndex, m.evaluatedOutputs!.map((o) => o.outputValue)]),
    [['route_low', 2, ['"网格站"', '24']]],
  );
});

test('a business-rule task whose decision fails: the failed decision instance beside the incident', async (t) => {
  const pi = await v2.camunda.createProcessInstance({
    processDefinitionId: 'v2_di_guarded' as never,
    variables: {},
  });
  const pik = String(pi.processInstanceKey);
  const incident = await eventually(async () => {
    const r = await v2.rest('POST', '/v2/incidents/search', { filter: { processInstanceKey: pik } });
    return r.body.items[0] as { errorType: string; errorMessage: string } | undefined;
  });
  t.is(incident.errorType, 'DECISION_EVALUATION_ERROR');
  const found = await instancesOf({ processInstanceKey: pik });
  t.deepEqual(
    found.map((d) => [d.decisionDefinitionId, d.state, d.result, d.evaluationFailure]),
    [['checked_amount', 'FAILED', 'null', incident.errorMessage]],
  );
});

test('a standalone evaluation: its decision instances, keyed as in the evaluation answer', async (t) => {
  const ok = await v2.unchecked.evaluateDecision({
    decisionDefinitionId: 'route' as never,
    variables: { amount: 20_000, area: '核心区' },
  });
  const keys = ok.evaluatedDecisions.map((d) => String(d.decisionEvaluationInstanceKey));
  t.is(new Set(keys).size, 3);
  const listed = await instancesOf({ decisionEvaluationKey: String(ok.decisionEvaluationKey) });
  t.deepEqual(
    listed.map((d) => [d.decisionEvaluationInstanceKey, d.decisionDefinitionId, d.state]),
    [
      [keys[0], 'severity', 'EVALUATED'],
      [keys[1], 'base_hours', 'EVALUATED'],
      [keys[2], 'route', 'EVALUATED'],
    ],
  );
  for (const d of listed) {
    t.is(d.processInstanceKey, undefined, 'no process instance');
    t.is(d.elementInstanceKey, undefined);
  }
  const one = await v2.camunda.getDecisionInstance({ decisionEvaluationInstanceKey: keys[2]! as never }, NOW);
  t.is(one.result, JSON.stringify({ dept: '应急中心', hours: 2 }));
  t.is(String(one.decisionDefinitionKey), String(ok.decisionDefinitionKey));

  const failed = await v2.camunda.evaluateDecision({
    decisionDefinitionId: 'guarded_route' as never,
    variables: {},
  });
  const failedOnes = await instancesOf({ decisionEvaluationKey: String(failed.decisionEvaluationKey) });
  t.deepEqual(
    failedOnes.map((d) => [d.decisionDefinitionId, d.state, d.evaluationFailure]),
    [['checked_amount', 'FAILED', failed.failureMessage]],
  );
  // filters and sort: by state and definition, newest first
  const failures = await v2.camunda.searchDecisionInstances(
    {
      filter: { state: 'FAILED', decisionDefinitionId: 'checked_amount' as never },
      sort: [{ field: 'evaluationDate', order: 'DESC' }],
    },
    NOW,
  );
  t.true(failures.items!.every((d) => d.state === 'FAILED' && d.decisionDefinitionId === 'checked_amount'));
  t.true(
    failures.items!.some(
      (d) => d.decisionEvaluationInstanceKey === failedOnes[0]!.decisionEvaluationInstanceKey,
    ),
  );
  const dates = failures.items!.map((d) => String(d.evaluationDate));
  t.deepEqual(dates, [...dates].sort().reverse(), 'newest first');
});

test('decision instances: bad input is 400 naming the property, an unknown key 404', async (t) => {
  const problem = problemCheck(t);
  problem(
    await v2.rest('GET', '/v2/decision-instances/abc'),
    400,
    /^decisionEvaluationInstanceKey must be a key/,
  );
  problem(
    await v2.rest('GET', '/v2/decision-instances/2251799813999999'),
    404,
    /Decision instance with key '2251799813999999' not found/,
  );
  const searching = (body: unknown) => v2.rest('POST', '/v2/decision-instances/search', body);
  problem(await searching({ filter: { decisionId: 'x' } }), 400, /^filter\.decisionId is not a filter/);
  problem(
    await searching({ filter: { state: 'DONE' } }),
    400,
    /^filter\.state must be one of EVALUATED, FAILED/,
  );
  problem(await searching({ sort: [{ field: 'output' }] }), 400, /output/);
});
