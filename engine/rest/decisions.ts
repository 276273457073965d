/**
 * Decisions in Camunda 8.8's REST API (v2):
 *
 *   POST /v2/decision-definitions/evaluation  {decisionDefinitionId | decisionDefinitionKey, variables?,
 *        tenantId?} → 200 {decisionDefinitionId, …, output, evaluatedDecisions, failedDecisionDefinitionId,
 *        failureMessage, decisionEvaluationKey}
 *   POST /v2/decision-definitions/search      GET /v2/decision-definitions/{key}     GET …/{key}/xml
 *   POST /v2/decision-requirements/search     GET /v2/decision-requirements/{key}    GET …/{key}/xml
 *   POST /v2/decision-instances/search        GET /v2/decision-instances/{decisionEvaluationInstanceKey}
 *
 * The evaluation is the gRPC EvaluateDecision: an unknown decision is 404, a decision that fails to
 * evaluate is still a 200 with failedDecisionDefinitionId and failureMessage, as in Zeebe. Each decision
 * it went through is recorded as a decision instance (so is every business-rule task's evaluation); its
 * evaluated decisions carry their decisionEvaluationInstanceKey.
 */
import type { Engine, EvaluateDecisionResponse } from '../api.ts';
import { createDecisionInstanceQueries } from '../query/decision-instances.ts';
import { createDecisionQueries } from '../query/decisions.ts';
import { invalid } from '../query/search.ts';
import { objectOf, str, variables, type RestIo, type Route } from './body.ts';

/** The variables of an evaluation: up to Zeebe's default message size. */
const MAX_EVALUATION_BYTES = 4 * 1024 * 1024;

/** The v2 EvaluateDecisionResult of the engine's (gRPC-shaped) answer. */
function evaluationResult(r: EvaluateDecisionResponse) {
  return {
    decisionDefinitionId: r.decisionId,
    decisionDefinitionKey: r.decisionKey,
    decisionDefinitionName: r.decisionName,
    decisionDefinitionVersion: r.decisionVersion,
    decisionRequirementsId: r.decisionRequirementsId,
    decisionRequirementsKey: r.decisionRequirementsKey,
    output: r.decisionOutput,
    failedDecisionDefinitionId: r.failedDecisionId,
    failureMessage: r.failureMessage,
    tenantId: r.tenantId,
    decisionEvaluationKey: r.decisionInstanceKey,
    decisionInstanceKey: r.decisionInstanceKey, // the deprecated name of the same key
    evaluatedDecisions: r.evaluatedDecisions.map((d) => ({
      decisionDefinitionId: d.decisionId,
      decisionDefinitionKey: d.decisionKey,
      decisionDefinitionName: d.decisionName,
      decisionDefinitionVersion: d.decisionVersion,
      decisionDefinitionType: d.decisionType,
      output: d.decisionOutput,
      tenantId: d.tenantId,
      matchedRules: d.matchedRules,
      evaluatedInputs: d.evaluatedInputs,
      decisionEvaluationInstanceKey: d.decisionEvaluationInstanceKey,
    })),
  };
}

export function decisionRoutes(engine: Engine, io: RestIo): Route[] {
  const q = createDecisionQueries(engine);
  const instances = createDecisionInstanceQueries(engine);
  const xml = 'text/xml';
  return [
    [
      'POST',
      /^\/v2\/decision-definitions\/evaluation$/,
      async (_m, req, res) => {
        const b = objectOf(
          await io.readJson(req, MAX_EVALUATION_BYTES),
          ['decisionDefinitionId', 'decisionDefinitionKey', 'variables', 'tenantId'],
          'the decision evaluation request',
        );
        const decisionId = str(b, 'decisionDefinitionId');
        const decisionKey = str(b, 'decisionDefinitionKey');
        if ((decisionId === undefined) === (decisionKey === undefined))
          throw invalid('give one of decisionDefinitionId and decisionDefinitionKey');
        if (decisionKey !== undefined && !/^\d{1,19}$/.test(decisionKey))
          throw invalid(`decisionDefinitionKey must be a key (a string of digits), but was '${decisionKey}'`);
        const r = await engine.evaluateDecision({
          decisionId,
          decisionKey,
          variables: variables(b),
          tenantId: str(b, 'tenantId'),
        });
        io.send(res, 200, evaluationResult(r));
      },
    ],
    [
      'POST',
      /^\/v2\/decision-definitions\/search$/,
      async (_m, req, res) => io.send(res, 200, await q.searchDecisionDefinitions(await io.readJson(req))),
    ],
    [
      'GET',
      /^\/v2\/decision-definitions\/([^/]+)\/xml$/,
      async ([key], _req, res) => io.send(res, 200, await q.getDecisionDefinitionXml(key!), xml),
    ],
    [
      'GET',
      /^\/v2\/decision-definitions\/([^/]+)$/,
      async ([key], _req, res) => io.send(res, 200, await q.getDecisionDefinition(key!)),
    ],
    [
      'POST',
      /^\/v2\/decision-instances\/search$/,
      async (_m, req, res) =>
        io.send(res, 200, await instances.searchDecisionInstances(await io.readJson(req))),
    ],
    [
      'GET',
      /^\/v2\/decision-instances\/([^/]+)$/,
      async ([key], _req, res) => io.send(res, 200, await instances.getDecisionInstance(key!)),
    ],
    [
      'POST',
      /^\/v2\/decision-requirements\/search$/,
      async (_m, req, res) => io.send(res, 200, await q.searchDecisionRequirements(await io.readJson(req))),
    ],
    [
      'GET',
      /^\/v2\/decision-requirements\/([^/]+)\/xml$/,
      async ([key], _req, res) => io.send(res, 200, await q.getDecisionRequirementsXml(key!), xml),
    ],
    [
      'GET',
      /^\/v2\/decision-requirements\/([^/]+)$/,
      async ([key], _req, res) => io.send(res, 200, await q.getDecisionRequirements(key!)),
    ],
  ];
}
