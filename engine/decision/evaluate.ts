/**
 * Evaluates a decision within its decision requirements graph: the decisions it requires (through
 * information requirements) first, depth first in document order and each once, their results visible
 * to the requiring decision under their result name (the decision's `<variable name>`, which modelers
 * set to the decision id); then the decision itself. Every evaluated decision is listed with its audit
 * (inputs, matched rules) in evaluation order, as Zeebe's evaluatedDecisions are. A failure stops the
 * evaluation: the failing decision is listed last, and the message reads as Zeebe's
 * ("Expected to evaluate decision '<requested>', but <reason>").
 */
import type { Feel } from '../feel/index.ts';
import type { DecisionModel, DrgModel } from './model.ts';
import { DecisionFailure, evaluateTable, type TableAudit } from './table.ts';

export interface DecisionAudit extends TableAudit {
  decisionId: string;
  decisionName: string;
  decisionType: 'DECISION_TABLE' | 'LITERAL_EXPRESSION' | 'UNSUPPORTED';
  /** JSON value (null while or when it failed). */
  decisionOutput: unknown;
}

export interface DrgResult {
  /** The requested decision's result (null when the evaluation failed). */
  output: unknown;
  evaluated: DecisionAudit[];
  failure?: { decisionId: string; message: string };
}

export function evaluateDrg(
  feel: Feel,
  drg: DrgModel,
  decisionId: string,
  variables: Record<string, unknown>,
): DrgResult {
  const evaluated: DecisionAudit[] = [];
  const results = new Map<string, unknown>();

  const evaluateOne = (decision: DecisionModel): unknown => {
    if (results.has(decision.id)) return results.get(decision.id);
    const context: Record<string, unknown> = { ...variables };
    for (const id of decision.required) {
      const required = drg.decisions.get(id)!;
      context[required.resultName] = evaluateOne(required);
    }
    const logic = decision.logic;
    const audit: DecisionAudit = {
      decisionId: decision.id,
      decisionName: decision.name,
      decisionType: logic.type,
      decisionOutput: null,
      evaluatedInputs: [],
      matchedRules: [],
    };
    evaluated.push(audit);
    try {
      let output: unknown;
      if (logic.type === 'DECISION_TABLE') output = evaluateTable(feel, logic, context, audit);
      else if (logic.type === 'LITERAL_EXPRESSION') {
        const r = feel.evaluate(logic.expression, context);
        if (!r.ok) throw new DecisionFailure(r.message);
        output = r.value;
      } else
        throw new DecisionFailure(
          logic.element === 'none'
            ? 'the decision has no decision logic'
            : `the decision logic '${logic.element}' is not supported by the embedded engine (decision tables and literal expressions are)`,
        );
      audit.decisionOutput = output;
      results.set(decision.id, output);
      return output;
    } catch (err) {
      if (err instanceof DecisionFailure && !(err instanceof FailedIn))
        throw new FailedIn(decision.id, err.message);
      throw err;
    }
  };

  const decision = drg.decisions.get(decisionId);
  if (!decision)
    return {
      output: null,
      evaluated,
      failure: {
        decisionId,
        message: `Expected to evaluate decision '${decisionId}', but no decision found for id '${decisionId}'`,
      },
    };
  try {
    return { output: evaluateOne(decision), evaluated };
  } catch (err) {
    if (!(err instanceof FailedIn)) throw err;
    return {
      output: null,
      evaluated,
      failure: {
        decisionId: err.decisionId,
        message: `Expected to evaluate decision '${decisionId}', but ${err.message}`,
      },
    };
  }
}

/** A failure with the decision it happened in (required decisions fail their requirers too). */
class FailedIn extends DecisionFailure {
  constructor(
    readonly decisionId: string,
    message: string,
  ) {
    super(message);
  }
}
