/**
 * Decisions inside commands: the EvaluateDecision RPC, and business-rule tasks with
 * zeebe:calledDecision, which the engine evaluates itself when the task is activated (as Zeebe does,
 * no job). A decision that cannot be found raises CALLED_DECISION_ERROR, one that fails to evaluate
 * DECISION_EVALUATION_ERROR, both with Zeebe's messages; resolving the incident evaluates again with the
 * decisions and variables of that moment.
 */
import { EngineError, type EvaluateDecisionRequest, type EvaluateDecisionResponse } from '../api.ts';
import {
  decisionByKey,
  decisionOfDeployment,
  decisionWithVersionTag,
  evaluateStored,
  latestDecision,
  type StoredDecision,
} from '../decision/store.ts';
import type { FlowNode } from '../model/types.ts';
import { IncidentSignal, type Run } from './run.ts';
import type { EiRow, PiRow } from './state.ts';

/** EvaluateDecision: by key, or the latest version of an id; NOT_FOUND when there is none. */
export async function evaluateDecision(
  run: Run,
  req: EvaluateDecisionRequest,
): Promise<EvaluateDecisionResponse> {
  const db = run.uow.db;
  const id = req.decisionId ?? '';
  const key = req.decisionKey && req.decisionKey !== '0' ? req.decisionKey : '';
  let decision: StoredDecision | undefined;
  if (id) {
    decision = await latestDecision(db, id);
    if (!decision)
      throw new EngineError(
        'NOT_FOUND',
        `Command 'EVALUATE' rejected with code 'NOT_FOUND': Expected to evaluate decision '${id}', but no decision found for id '${id}'`,
      );
  } else {
    decision = /^\d+$/.test(key) ? await decisionByKey(db, Number(key)) : undefined;
    if (!decision)
      throw new EngineError(
        'NOT_FOUND',
        `Command 'EVALUATE' rejected with code 'NOT_FOUND': Expected to evaluate decision '${key}', but no decision found for key '${key}'`,
      );
  }
  const { output: _output, ...response } = await evaluateStored(
    db,
    run.feel,
    run.models,
    decision,
    req.variables ?? {},
    run.keys.take(),
  );
  recordInstances(run, response, null);
  return response;
}

/**
 * Records each decision an evaluation went through as a decision instance (EVALUATED, or FAILED for the
 * one that failed: the evaluation lists it last) and gives its key to the answer's evaluated decision.
 */
function recordInstances(run: Run, r: EvaluateDecisionResponse, link: { pi: PiRow; ei: EiRow } | null): void {
  const last = r.evaluatedDecisions.length - 1;
  r.evaluatedDecisions.forEach((d, i) => {
    const failed = r.failureMessage !== '' && i === last && d.decisionId === r.failedDecisionId;
    const key = run.keys.take();
    d.decisionEvaluationInstanceKey = String(key);
    run.decisionInstances.push({
      key,
      evaluationKey: Number(r.decisionInstanceKey),
      state: failed ? 'FAILED' : 'EVALUATED',
      failure: failed ? r.failureMessage : null,
      decisionKey: Number(d.decisionKey),
      decisionId: d.decisionId,
      decisionName: d.decisionName,
      decisionVersion: d.decisionVersion,
      decisionType: d.decisionType,
      result: failed ? 'null' : d.decisionOutput,
      piKey: link?.pi.key ?? null,
      processKey: link?.pi.processKey ?? null,
      elementInstanceKey: link?.ei.key ?? null,
      inputs: d.evaluatedInputs,
      rules: d.matchedRules,
    });
  });
}

/**
 * A business-rule task's called decision: finds the decision (FEEL decisionId, binding type), evaluates
 * it with the task's visible variables and returns `{ resultVariable: output }`; failures throw the
 * IncidentSignal the activation turns into an incident.
 */
export async function evaluateCalledDecision(
  run: Run,
  pi: PiRow,
  ei: EiRow,
  node: FlowNode,
): Promise<Record<string, unknown>> {
  const spec = node.decision!;
  const variables = run.visibleVariables(ei.key);
  const id = run.evaluateAs(spec.decisionId, 'STRING', variables) as string;
  const db = run.uow.db;
  let decision: StoredDecision | undefined;
  if (spec.bindingType === 'deployment') {
    const process = await run.processOf(pi);
    decision = await decisionOfDeployment(db, id, process.deploymentKey);
    if (!decision)
      throw new IncidentSignal(
        'CALLED_DECISION_ERROR',
        `Expected to evaluate decision with id '${id}' with binding type 'deployment', but no such decision found in the deployment with key ${process.deploymentKey} which contained the current process. To resolve this incident, migrate the process instance to a process definition that is deployed together with the intended decision to evaluate.`,
      );
  } else if (spec.bindingType === 'versionTag') {
    decision = await decisionWithVersionTag(db, run.models, id, spec.versionTag!);
    if (!decision)
      throw new IncidentSignal(
        'CALLED_DECISION_ERROR',
        `Expected to evaluate decision with id '${id}' and version tag '${spec.versionTag}', but no such decision found. To resolve this incident, deploy a decision with the given id and version tag.`,
      );
  } else {
    decision = await latestDecision(db, id);
    if (!decision)
      throw new IncidentSignal(
        'CALLED_DECISION_ERROR',
        `Expected to evaluate decision '${id}', but no decision found for id '${id}'`,
      );
  }
  const result = await evaluateStored(db, run.feel, run.models, decision, variables, run.keys.take());
  recordInstances(run, result, { pi, ei });
  if (result.failureMessage) throw new IncidentSignal('DECISION_EVALUATION_ERROR', result.failureMessage);
  return { [spec.resultVariable]: result.output };
}
