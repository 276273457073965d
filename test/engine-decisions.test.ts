/**
 * DMN decisions evaluated by the embedded engine, through the real client over gRPC: EvaluateDecision
 * (every hit policy's exact output, no match, UNIQUE violated, required decisions, versions, the audit
 * of evaluated decisions, NOT_FOUND / INVALID_ARGUMENT), and business-rule tasks with
 * zeebe:calledDecision (result variable and output mappings, FEEL decision ids, binding types, the
 * incidents of a failing or missing decision and their resolution).
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import { rawGatewayClient, rawUnary, startTestEngine, type TestEngine } from './helpers/engine.ts';
import { bpmn, chain, end, escapeXml, eventually, serviceTask, start } from './engine/support.ts';

let te: TestEngine;
const fixture = (name: string) => readFileSync(new URL(`./fixtures/engine/${name}`, import.meta.url), 'utf8');
const HIT_POLICIES = fixture('decision-hit-policies.dmn');
const ROUTING = fixture('decision-routing.dmn');
/** Decision keys of the first deployment, by decision id. */
const keys = new Map<string, string>();
let routingDrgKey = '';

/** A client answer as plain JSON (the client wraps documents in LosslessDto objects). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as Record<string, any>;
/** The deployed decisions of a DeployResource answer. */
const decisionsOf = (res: unknown): { dmnDecisionId: string; decisionKey: string }[] =>
  plain(res)
    .deployments.filter((d: object) => 'decision' in d)
    .map((d: { decision: { dmnDecisionId: string; decisionKey: unknown } }) => ({
      dmnDecisionId: d.decision.dmnDecisionId,
      decisionKey: String(d.decision.decisionKey),
    }));

test.before(async () => {
  te = await startTestEngine();
  const res = await te.zbc.deployResources([
    { name: 'decision-hit-policies.dmn', decision: Buffer.from(HIT_POLICIES) },
    { name: 'decision-routing.dmn', decision: Buffer.from(ROUTING) },
  ]);
  for (const d of decisionsOf(res)) keys.set(d.dmnDecisionId, d.decisionKey);
  routingDrgKey = String(
    plain(res).deployments.find(
      (d: { decisionRequirements?: { dmnDecisionRequirementsId: string } }) =>
        d.decisionRequirements?.dmnDecisionRequirementsId === 'case-routing',
    ).decisionRequirements.decisionRequirementsKey,
  );
});
test.after.always(async () => {
  await te?.close();
});

type Variables = Parameters<typeof te.zbc.evaluateDecision>[0]['variables'];
const evaluate = (decisionId: string, variables: Record<string, unknown>) =>
  te.zbc.evaluateDecision({ decisionId, variables: variables as Variables });

/** The output and the ids of the matched rules of the requested (last evaluated) decision. */
async function outcome(decisionId: string, variables: Record<string, unknown>) {
  const res = await evaluate(decisionId, variables);
  const own = res.evaluatedDecisions[res.evaluatedDecisions.length - 1]!;
  return {
    output: JSON.parse(res.decisionOutput) as unknown,
    rules: own.matchedRules.map((r) => r.ruleId),
    failure: res.failureMessage,
  };
}

test('each hit policy gives its exact output', async (t) => {
  const cases: [string, Record<string, unknown>, unknown, string[]][] = [
    ['unique_dish', { season: '冬', guests: 4 }, '炖菜', ['unique_dish.r_stew']],
    ['first_dish', { season: '冬', guests: 8 }, '炖菜', ['first_dish.r_stew']],
    ['any_grade', { score: 97 }, '优', ['any_grade.r_a', 'any_grade.r_a2']],
    [
      'priority_level',
      { category: '井盖' },
      '紧急',
      ['priority_level.r_general', 'priority_level.r_cover', 'priority_level.r_light'],
    ],
    ['priority_level', { category: '路灯' }, '重要', ['priority_level.r_general', 'priority_level.r_light']],
    [
      'output_order_levels',
      { category: '井盖' },
      ['紧急', '重要', '一般'],
      ['output_order_levels.r_general', 'output_order_levels.r_cover', 'output_order_levels.r_light'],
    ],
    [
      'rule_order_levels',
      { category: '井盖' },
      ['一般', '紧急', '重要'],
      ['rule_order_levels.r_general', 'rule_order_levels.r_cover', 'rule_order_levels.r_light'],
    ],
    [
      'collect_routes',
      { category: '绿化', hours: 5 },
      [
        { dept: '网格', hours: 48 },
        { dept: '园林', hours: 10 },
      ],
      ['collect_routes.c_all', 'collect_routes.c_green'],
    ],
    ['unique_assign', { category: '井盖' }, { dept: '市政', limitHours: 2 }, ['unique_assign.u_cover']],
    ['unique_assign', { category: '路灯' }, { dept: '网格', limitHours: null }, ['unique_assign.u_other']],
  ];
  for (const [id, variables, output, rules] of cases)
    t.deepEqual(
      await outcome(id, variables),
      { output, rules, failure: '' },
      `${id} ${JSON.stringify(variables)}`,
    );

  const kinds = { kinds: ['垃圾', '井盖', '路灯'] };
  const all = ['p_garbage', 'p_cover', 'p_light'];
  for (const [agg, output] of [
    ['sum', 8.5],
    ['min', 1],
    ['max', 5.5],
    ['count', 3],
  ] as const)
    t.deepEqual(await outcome(`collect_${agg}`, kinds), {
      output,
      rules: all.map((r) => `collect_${agg}.${r}`),
      failure: '',
    });
});

test('no matching rule gives null, for COLLECT with or without aggregation too', async (t) => {
  t.deepEqual(await outcome('unique_dish', { season: '春', guests: 3 }), {
    output: null,
    rules: [],
    failure: '',
  });
  t.deepEqual(await outcome('collect_sum', { kinds: [] }), { output: null, rules: [], failure: '' });
  t.deepEqual(await outcome('collect_routes', { category: '井盖' }), {
    output: [
      { dept: '市政', hours: 24 },
      { dept: '网格', hours: 48 },
    ],
    rules: ['collect_routes.c_road', 'collect_routes.c_all'],
    failure: '',
  });
  // a missing variable is null (FEEL since Camunda 8.3), so the rule for winter does not match
  t.deepEqual(await outcome('unique_dish', { guests: 3 }), { output: null, rules: [], failure: '' });
});

test('UNIQUE with two matches and ANY with different results answer with a failure message', async (t) => {
  const res = await evaluate('unique_dish', { season: '冬', guests: 8 });
  t.like(res, {
    decisionId: 'unique_dish',
    decisionKey: keys.get('unique_dish'),
    decisionOutput: 'null',
    failedDecisionId: 'unique_dish',
    failureMessage:
      "Expected to evaluate decision 'unique_dish', but multiple values aren't allowed for UNIQUE hit policy. found: 'List(Map(dish -> ValString(炖菜)), Map(dish -> ValString(烤肉)))'",
  });
  t.deepEqual(
    res.evaluatedDecisions.map((d) => [
      d.decisionId,
      d.decisionOutput,
      d.matchedRules.map((r) => r.ruleIndex),
    ]),
    [['unique_dish', 'null', [1, 3]]],
  );
  const any = await evaluate('any_grade', { score: 88 });
  t.is(
    any.failureMessage,
    "Expected to evaluate decision 'any_grade', but different values aren't allowed for ANY hit policy. found: 'List(Map(grade -> ValString(合格)), Map(grade -> ValString(良)))'",
  );
});

test('by key: the whole answer with the audit of every evaluated decision', async (t) => {
  const res = await te.zbc.evaluateDecision({
    decisionKey: keys.get('route')!,
    variables: { amount: 20000, area: '核心区' },
  });
  const { decisionInstanceKey, ...rest } = JSON.parse(JSON.stringify(res)) as Record<string, unknown>;
  t.regex(String(decisionInstanceKey), /^\d+$/);
  t.deepEqual(rest, {
    decisionKey: keys.get('route'),
    decisionId: 'route',
    decisionName: '分派',
    decisionVersion: 1,
    decisionRequirementsId: 'case-routing',
    decisionRequirementsKey: routingDrgKey,
    decisionOutput: JSON.stringify({ dept: '应急中心', hours: 2 }),
    evaluatedDecisions: [
      {
        decisionKey: keys.get('severity'),
        decisionId: 'severity',
        decisionName: '严重程度',
        decisionVersion: 1,
        decisionType: 'DECISION_TABLE',
        decisionOutput: '"高"',
        matchedRules: [
          {
            ruleId: 's_high',
            ruleIndex: 1,
            evaluatedOutputs: [{ outputId: 'out_severity', outputName: 'severity', outputValue: '"高"' }],
          },
        ],
        evaluatedInputs: [{ inputId: 'in_amount', inputName: '涉及金额', inputValue: '20000' }],
        tenantId: '<default>',
      },
      {
        decisionKey: keys.get('base_hours'),
        decisionId: 'base_hours',
        decisionName: '基础时限',
        decisionVersion: 1,
        decisionType: 'LITERAL_EXPRESSION',
        decisionOutput: '2',
        matchedRules: [],
        evaluatedInputs: [],
        tenantId: '<default>',
      },
      {
        decisionKey: keys.get('route'),
        decisionId: 'route',
        decisionName: '分派',
        decisionVersion: 1,
        decisionType: 'DECISION_TABLE',
        decisionOutput: JSON.stringify({ dept: '应急中心', hours: 2 }),
        matchedRules: [
          {
            ruleId: 'route_high',
            ruleIndex: 1,
            evaluatedOutputs: [
              { outputId: 'out_route_dept', outputName: 'dept', outputValue: '"应急中心"' },
              { outputId: 'out_route_hours', outputName: 'hours', outputValue: '2' },
            ],
          },
        ],
        evaluatedInputs: [{ inputId: 'in_route_severity', inputName: '严重程度', inputValue: '"高"' }],
        tenantId: '<default>',
      },
    ],
    failedDecisionId: '',
    failureMessage: '',
    tenantId: '<default>',
  });
});

test('required decisions: results under their names; a failing one fails the requiring decision', async (t) => {
  t.deepEqual(await outcome('route', { amount: 5, area: '郊区' }), {
    output: { dept: '网格站', hours: 24 },
    rules: ['route_low'],
    failure: '',
  });
  t.deepEqual(await outcome('guarded_route', { amount: 500 }), { output: '复核', rules: [], failure: '' });
  const failed = await evaluate('guarded_route', {});
  t.like(failed, {
    decisionId: 'guarded_route',
    decisionOutput: 'null',
    failedDecisionId: 'checked_amount',
    failureMessage:
      "Expected to evaluate decision 'guarded_route', but Assertion failure on evaluate the expression 'assert(amount, amount != null)': The condition is not fulfilled",
  });
  t.deepEqual(
    failed.evaluatedDecisions.map((d) => d.decisionId),
    ['checked_amount'],
  );
});

test('by id the latest version is evaluated; by key the version of that key', async (t) => {
  const dmn = (value: string) => `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="versioned" name="versioned" namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="versioned_decision" name="版本"><literalExpression id="versioned_expr"><text>${value}</text></literalExpression></decision>
</definitions>`;
  const keyOf = (res: unknown) => decisionsOf(res)[0]!.decisionKey;
  const v1 = keyOf(
    await te.zbc.deployResource({ decision: Buffer.from(dmn('x + 1')), name: 'versioned.dmn' }),
  );
  const v2 = keyOf(
    await te.zbc.deployResource({ decision: Buffer.from(dmn('x * 10')), name: 'versioned.dmn' }),
  );
  t.like(await evaluate('versioned_decision', { x: 4 }), {
    decisionVersion: 2,
    decisionKey: v2,
    decisionOutput: '40',
  });
  t.like(await te.zbc.evaluateDecision({ decisionKey: v1, variables: { x: 4 } }), {
    decisionVersion: 1,
    decisionKey: v1,
    decisionOutput: '5',
  });
});

test('unknown decisions are NOT_FOUND; bad requests INVALID_ARGUMENT', async (t) => {
  const byId = await t.throwsAsync(evaluate('no_such_decision', {}));
  t.is((byId as { code?: number }).code, 5);
  t.regex(
    (byId as Error).message,
    /Expected to evaluate decision 'no_such_decision', but no decision found for id 'no_such_decision'/,
  );
  const byKey = await t.throwsAsync(
    te.zbc.evaluateDecision({ decisionKey: '2251799813999999', variables: {} }),
  );
  t.is((byKey as { code?: number }).code, 5);
  t.regex((byKey as Error).message, /no decision found for key '2251799813999999'/);

  const raw = rawGatewayClient(te.address);
  try {
    const refused = async (request: object) => {
      const err = await t.throwsAsync(rawUnary(raw, 'EvaluateDecision', request));
      t.is((err as { code?: number }).code, 3, JSON.stringify(request));
      return (err as { details?: string }).details;
    };
    t.is(await refused({}), 'Expected either a decision id or a valid decision key, but none provided');
    t.regex(
      (await refused({ decisionId: 'route', decisionKey: keys.get('route') })) ?? '',
      /^Expected either a decision id or a valid decision key, but both were provided/,
    );
    t.is(
      await refused({ decisionId: 'route', variables: '[1]' }),
      "Property 'variables' is invalid: Expected document to be a root level object, but was 'ARRAY'",
    );
    t.regex(
      (await refused({ decisionId: 'route', variables: '{"a":' })) ?? '',
      /^Property 'variables' is invalid: Expected document to be valid JSON/,
    );
    t.is(
      await refused({ decisionId: 'route', tenantId: 'other' }),
      "Expected to handle gRPC request EvaluateDecision with tenant identifier 'other', but multi-tenancy is disabled",
    );
  } finally {
    raw.close();
  }
});

test('a DMN whose decisions could not evaluate is refused at deploy time, naming the decision', async (t) => {
  const broken = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="broken" name="broken" namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="broken_decision" name="坏表">
    <decisionTable id="broken_table">
      <input id="broken_in"><inputExpression id="broken_in_expr"><text>x</text></inputExpression></input>
      <output id="broken_out" name="y" />
      <rule id="broken_rule"><inputEntry id="broken_ie"><text>[1..</text></inputEntry><outputEntry id="broken_oe"><text>1</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>`;
  const err = await t.throwsAsync(
    te.zbc.deployResource({ decision: Buffer.from(broken), name: 'broken.dmn' }),
  );
  t.is((err as { code?: number }).code, 3);
  t.regex(
    (err as Error).message,
    /'broken\.dmn': decision 'broken_decision': rule 'broken_rule': failed to parse unary tests '\[1\.\.': unexpected end of expression at position 5/,
  );
  const missing = await t.throwsAsync(evaluate('broken_decision', {}));
  t.is((missing as { code?: number }).code, 5); // nothing of the deployment was stored
});

test('business knowledge models and boxed expressions: called from FEEL and by invocation, contexts, lists, relations', async (t) => {
  await te.zbc.deployResource({
    name: 'decision-knowledge.dmn',
    decision: Buffer.from(fixture('decision-knowledge.dmn')),
  });
  const fee = await evaluate('occupation_fee', { area: 2, days: 5, zone: '老城区' });
  t.is(fee.failureMessage, '');
  t.is(fee.decisionOutput, '80'); // 2 m² × 5 days × 8 (the rate table's other zones)
  t.deepEqual(
    fee.evaluatedDecisions.map((d) => [
      d.decisionId,
      d.decisionType,
      d.decisionOutput,
      d.matchedRules.length,
    ]),
    [['occupation_fee', 'LITERAL_EXPRESSION', '80', 0]], // the models are functions, not audited decisions
  );
  // bindings by parameter name, in another order than the model's parameters
  const core = await evaluate('core_fee', { area: 3, days: 2, zone: '老城区' });
  t.deepEqual([core.decisionOutput, core.evaluatedDecisions[0]!.decisionType], ['120', 'INVOCATION']);

  const notice = await evaluate('notice', { area: 2, days: 5, zone: '核心区' });
  t.is(notice.failureMessage, '');
  t.deepEqual(JSON.parse(notice.decisionOutput), {
    summary: { fee: 200, reduced: 200 },
    steps: ['责令改正', '复查'],
    schedule: [
      { step: '整改', days: 3 },
      { step: '复查', days: 6 },
    ],
  });
  t.deepEqual(
    notice.evaluatedDecisions.map((d) => [
      d.decisionId,
      d.decisionType,
      JSON.parse(d.decisionOutput) as unknown,
    ]),
    [
      ['occupation_fee', 'LITERAL_EXPRESSION', 200],
      ['notice', 'CONTEXT', JSON.parse(notice.decisionOutput)],
    ],
  );
});

test('knowledge models and logic the engine cannot run are refused at deploy, naming the element', async (t) => {
  const dmn = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="refused" name="refused" namespace="http://camunda.org/schema/1.0/dmn">${body}</definitions>`;
  const refusal = async (body: string) => {
    const err = await t.throwsAsync(
      te.zbc.deployResource({ decision: Buffer.from(dmn(body)), name: 'refused.dmn' }),
    );
    t.is((err as { code?: number }).code, 3);
    return (err as Error).message;
  };
  t.regex(
    await refusal('<decision id="empty_decision" name="空" />'),
    /'refused\.dmn': decision 'empty_decision': has no decision logic/,
  );
  t.regex(
    await refusal(
      '<decision id="needs_missing" name="缺"><knowledgeRequirement><requiredKnowledge href="#nowhere" /></knowledgeRequirement><literalExpression><text>1</text></literalExpression></decision>',
    ),
    /decision 'needs_missing': requires business knowledge model 'nowhere', which is not in the resource/,
  );
  t.regex(
    await refusal(
      `<businessKnowledgeModel id="ping" name="ping"><encapsulatedLogic><literalExpression><text>pong()</text></literalExpression></encapsulatedLogic><knowledgeRequirement><requiredKnowledge href="#pong" /></knowledgeRequirement></businessKnowledgeModel>
       <businessKnowledgeModel id="pong" name="pong"><encapsulatedLogic><literalExpression><text>ping()</text></literalExpression></encapsulatedLogic><knowledgeRequirement><requiredKnowledge href="#ping" /></knowledgeRequirement></businessKnowledgeModel>
       <decision id="uses_ping" name="乒"><knowledgeRequirement><requiredKnowledge href="#ping" /></knowledgeRequirement><literalExpression><text>ping()</text></literalExpression></decision>`,
    ),
    /business knowledge models 'ping' → 'pong' → 'ping' require each other in a cycle/,
  );
  t.regex(
    await refusal(
      '<decision id="java_fn" name="Java"><functionDefinition kind="Java"><literalExpression><text>x</text></literalExpression></functionDefinition></decision>',
    ),
    /decision 'java_fn': the decision logic 'functionDefinition of kind 'Java'' is not supported/,
  );
  t.regex(
    await refusal(
      '<decision id="bad_context" name="坏"><context><contextEntry><variable name="a" /><literalExpression><text>1 +</text></literalExpression></contextEntry></context></decision>',
    ),
    /decision 'bad_context': failed to parse expression '1 \+'/,
  );
});

// --- business-rule tasks ----------------------------------------------------------------------------

function ruleTask(id: string, decision: string, result: string, inner = '', attrs = '') {
  return `<bpmn:businessRuleTask id="${id}"><bpmn:extensionElements><zeebe:calledDecision decisionId="${escapeXml(decision)}" resultVariable="${result}"${attrs} />${inner}</bpmn:extensionElements></bpmn:businessRuleTask>`;
}

const deployProcess = (xml: string, name: string) =>
  te.zbc.deployResource({ process: Buffer.from(xml), name });

async function incidents(processInstanceKey: string) {
  const res = await fetch(`${te.managementUrl}/v2/incidents/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ filter: { processInstanceKey, state: 'ACTIVE' } }),
  });
  const body = (await res.json()) as {
    items: { incidentKey: string; errorType: string; errorMessage: string; elementId: string }[];
  };
  return body.items;
}

test('a business-rule task evaluates its decision: result variable, output mappings, FEEL decision id', async (t) => {
  await deployProcess(
    bpmn(
      'brt-route',
      [
        start(),
        ruleTask(
          'decide',
          'route',
          'routing',
          '<zeebe:ioMapping><zeebe:output source="=routing.dept" target="dept" /><zeebe:output source="=routing" target="routing" /></zeebe:ioMapping>',
        ),
        ruleTask('decide2', '=which', 'level'),
        end(),
        chain('start', 'decide', 'decide2', 'end'),
      ].join('\n'),
    ),
    'brt-route.bpmn',
  );
  const res = await te.zbc.createProcessInstanceWithResult({
    bpmnProcessId: 'brt-route',
    requestTimeout: 10_000,
    variables: { amount: 12000, area: '郊区', which: 'priority_level', category: '路灯' },
  });
  t.deepEqual(plain(res.variables), {
    amount: 12000,
    area: '郊区',
    which: 'priority_level',
    category: '路灯',
    routing: { dept: '应急中心', hours: 4 },
    dept: '应急中心',
    level: '重要',
  });
});

test('a failing decision raises DECISION_EVALUATION_ERROR; fixing the variables and resolving retries', async (t) => {
  await deployProcess(
    bpmn(
      'brt-dish',
      [
        start(),
        ruleTask('dish', 'unique_dish', 'dish'),
        serviceTask('serve', 'brt-serve'),
        end(),
        chain('start', 'dish', 'serve', 'end'),
      ].join('\n'),
    ),
    'brt-dish.bpmn',
  );
  const pi = await te.zbc.createProcessInstance({
    bpmnProcessId: 'brt-dish',
    variables: { season: '冬', guests: 8 },
  });
  const [incident] = await eventually(async () => {
    const found = await incidents(pi.processInstanceKey);
    return found.length ? found : undefined;
  });
  t.like(incident, {
    elementId: 'dish',
    errorType: 'DECISION_EVALUATION_ERROR',
    errorMessage:
      "Expected to evaluate decision 'unique_dish', but multiple values aren't allowed for UNIQUE hit policy. found: 'List(Map(dish -> ValString(炖菜)), Map(dish -> ValString(烤肉)))'",
  });
  // resolving without a fix fails again with a new incident
  await te.zbc.resolveIncident({ incidentKey: incident!.incidentKey });
  const [again] = await incidents(pi.processInstanceKey);
  t.not(again!.incidentKey, incident!.incidentKey);
  t.is(again!.errorType, 'DECISION_EVALUATION_ERROR');

  await te.zbc.setVariables({
    elementInstanceKey: pi.processInstanceKey,
    variables: { guests: 6 },
    local: false,
  });
  await te.zbc.resolveIncident({ incidentKey: again!.incidentKey });
  const jobs = await te.zbc.activateJobs({
    type: 'brt-serve',
    worker: 'decisions-test',
    maxJobsToActivate: 1,
    timeout: 60_000,
    requestTimeout: 5_000,
  });
  t.is(jobs.length, 1);
  t.deepEqual(plain(jobs[0]!.variables), { season: '冬', guests: 6, dish: '炖菜' });
  t.deepEqual(await incidents(pi.processInstanceKey), []);
});

test('a missing decision raises CALLED_DECISION_ERROR; deploying it and resolving continues', async (t) => {
  await deployProcess(
    bpmn(
      'brt-missing',
      [start(), ruleTask('late', 'late_decision', 'answer'), end(), chain('start', 'late', 'end')].join('\n'),
    ),
    'brt-missing.bpmn',
  );
  const pi = await te.zbc.createProcessInstance({ bpmnProcessId: 'brt-missing', variables: { n: 2 } });
  const [incident] = await eventually(async () => {
    const found = await incidents(pi.processInstanceKey);
    return found.length ? found : undefined;
  });
  t.like(incident, {
    errorType: 'CALLED_DECISION_ERROR',
    errorMessage:
      "Expected to evaluate decision 'late_decision', but no decision found for id 'late_decision'",
  });
  await te.zbc.deployResource({
    name: 'late.dmn',
    decision: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="late" name="late" namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="late_decision" name="迟到的决策"><literalExpression id="late_expr"><text>n * 21</text></literalExpression></decision>
</definitions>`),
  });
  await te.zbc.resolveIncident({ incidentKey: incident!.incidentKey });
  const state = await eventually(async () => {
    const res = await fetch(`${te.managementUrl}/v2/process-instances/${pi.processInstanceKey}`);
    const body = (await res.json()) as { state: string };
    return body.state === 'COMPLETED' ? body.state : undefined;
  });
  t.is(state, 'COMPLETED');
});

test('binding type deployment takes the decision deployed with the process; job-worker rule tasks stay jobs', async (t) => {
  const dmn = (value: string) => `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="bound" name="bound" namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="bound_decision" name="绑定"><literalExpression id="bound_expr"><text>"${value}"</text></literalExpression></decision>
</definitions>`;
  const process = bpmn(
    'brt-bound',
    [
      start(),
      ruleTask('bound', 'bound_decision', 'answer', '', ' bindingType="deployment"'),
      `<bpmn:businessRuleTask id="worker"><bpmn:extensionElements><zeebe:taskDefinition type="brt-worker" /></bpmn:extensionElements></bpmn:businessRuleTask>`,
      end(),
      chain('start', 'bound', 'worker', 'end'),
    ].join('\n'),
  );
  await te.zbc.deployResources([
    { name: 'brt-bound.bpmn', process: Buffer.from(process) },
    { name: 'bound.dmn', decision: Buffer.from(dmn('同批')) },
  ]);
  // a newer version of the decision, deployed alone, is the latest but not the bound one
  await te.zbc.deployResource({ name: 'bound.dmn', decision: Buffer.from(dmn('更新')) });
  t.is((await evaluate('bound_decision', {})).decisionOutput, '"更新"');
  await te.zbc.createProcessInstance({ bpmnProcessId: 'brt-bound', variables: {} });
  const jobs = await te.zbc.activateJobs({
    type: 'brt-worker',
    worker: 'decisions-test',
    maxJobsToActivate: 1,
    timeout: 60_000,
    requestTimeout: 5_000,
  });
  t.is(jobs.length, 1);
  t.is(jobs[0]!.elementId, 'worker');
  t.deepEqual(plain(jobs[0]!.variables), { answer: '同批' });
});

test('a called decision without resultVariable, or next to a task definition, is refused at deploy time', async (t) => {
  const refused = async (task: string, name: string) => {
    const err = await t.throwsAsync(
      deployProcess(
        bpmn(name, [start(), task, end(), chain('start', 'bad', 'end')].join('\n')),
        `${name}.bpmn`,
      ),
    );
    t.is((err as { code?: number }).code, 3);
    return (err as Error).message;
  };
  t.regex(
    await refused(ruleTask('bad', 'route', ''), 'brt-bad'),
    /Element: bad\n\s+- ERROR: Missing required attribute 'resultVariable'/,
  );
  t.regex(
    await refused(ruleTask('bad', 'route', 'r', '<zeebe:taskDefinition type="x" />'), 'brt-bad2'),
    /Element: bad\n\s+- ERROR: Must have either one 'zeebe:calledDecision' or one 'zeebe:taskDefinition' extension element/,
  );
});

test('binding type versionTag takes the newest version carrying the tag; none is CALLED_DECISION_ERROR', async (t) => {
  const dmn = (tag: string, value: string) => `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="tagged" name="tagged" namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="tagged_decision" name="带版本标签">
    <extensionElements><zeebe:versionTag value="${tag}" /></extensionElements>
    <literalExpression id="tagged_expr"><text>"${value}"</text></literalExpression>
  </decision>
</definitions>`;
  await te.zbc.deployResource({ name: 'tagged.dmn', decision: Buffer.from(dmn('v1', '一')) });
  await te.zbc.deployResource({ name: 'tagged.dmn', decision: Buffer.from(dmn('v2', '二')) });
  const process = (id: string, tag: string) =>
    bpmn(
      id,
      [
        start(),
        ruleTask('tagged', 'tagged_decision', 'answer', '', ` bindingType="versionTag" versionTag="${tag}"`),
        end(),
        chain('start', 'tagged', 'end'),
      ].join('\n'),
    );
  await deployProcess(process('brt-tag-v1', 'v1'), 'brt-tag-v1.bpmn');
  await deployProcess(process('brt-tag-v9', 'v9'), 'brt-tag-v9.bpmn');
  const res = await te.zbc.createProcessInstanceWithResult({
    bpmnProcessId: 'brt-tag-v1',
    requestTimeout: 10_000,
    variables: {},
  });
  t.deepEqual(plain(res.variables), { answer: '一' });
  const pi = await te.zbc.createProcessInstance({ bpmnProcessId: 'brt-tag-v9', variables: {} });
  const [incident] = await eventually(async () => {
    const found = await incidents(pi.processInstanceKey);
    return found.length ? found : undefined;
  });
  t.like(incident, {
    elementId: 'tagged',
    errorType: 'CALLED_DECISION_ERROR',
    errorMessage:
      "Expected to evaluate decision with id 'tagged_decision' and version tag 'v9', but no such decision found. To resolve this incident, deploy a decision with the given id and version tag.",
  });
});

test('a FEEL decisionId that is not a string raises EXTRACT_VALUE_ERROR', async (t) => {
  await deployProcess(
    bpmn(
      'brt-dyn',
      [start(), ruleTask('dyn', '=which', 'answer'), end(), chain('start', 'dyn', 'end')].join('\n'),
    ),
    'brt-dyn.bpmn',
  );
  const pi = await te.zbc.createProcessInstance({ bpmnProcessId: 'brt-dyn', variables: { which: 7 } });
  const [incident] = await eventually(async () => {
    const found = await incidents(pi.processInstanceKey);
    return found.length ? found : undefined;
  });
  t.like(incident, {
    elementId: 'dyn',
    errorType: 'EXTRACT_VALUE_ERROR',
    errorMessage: "Expected result of the expression 'which' to be 'STRING', but was 'NUMBER'.",
  });
});

test("a deployment answers in Zeebe's order: processes, every decision, then their decision requirements, then forms", async (t) => {
  const dmn = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="ordered" name="ordered" namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="ordered_a" name="甲"><literalExpression id="ordered_a_expr"><text>1</text></literalExpression></decision>
  <decision id="ordered_b" name="乙"><literalExpression id="ordered_b_expr"><text>2</text></literalExpression></decision>
</definitions>`;
  const form = JSON.stringify({ id: 'ordered-form', type: 'default', components: [] });
  const proc = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="ordered-process" isExecutable="true"><bpmn:startEvent id="s"/></bpmn:process>
</bpmn:definitions>`;
  const kinds = (res: unknown) =>
    (plain(res).deployments as object[]).map((d) => {
      const [kind, value] = Object.entries(d).find(([, v]) => v)!;
      const v = value as {
        dmnDecisionId?: string;
        dmnDecisionRequirementsId?: string;
        formId?: string;
        bpmnProcessId?: string;
      };
      return `${kind}:${v.dmnDecisionId ?? v.dmnDecisionRequirementsId ?? v.formId ?? v.bpmnProcessId}`;
    });

  const single = await te.zbc.deployResource({ decision: Buffer.from(dmn), name: 'ordered.dmn' });
  t.deepEqual(kinds(single), ['decision:ordered_a', 'decision:ordered_b', 'decisionRequirements:ordered']);

  const mixed = await te.zbc.deployResources([
    { name: 'ordered.form', form: Buffer.from(form) },
    { name: 'ordered.dmn', decision: Buffer.from(dmn) },
    { name: 'ordered.bpmn', process: Buffer.from(proc) },
  ]);
  t.deepEqual(kinds(mixed), [
    'process:ordered-process',
    'decision:ordered_a',
    'decision:ordered_b',
    'decisionRequirements:ordered',
    'form:ordered-form',
  ]);
});
