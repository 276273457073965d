/**
 * Evaluates a decision within its decision requirements graph: the decisions it requires (through
 * information requirements) first, depth first in document order and each once, their results visible
 * to the requiring decision under their result name (the decision's `<variable name>`, which modelers
 * set to the decision id); then the decision itself. Every evaluated decision is listed with its audit
 * (inputs, matched rules) in evaluation order, as Zeebe's evaluatedDecisions are. A failure stops the
 * evaluation: the failing decision is listed last, and the message reads as Zeebe's
 * ("Expected to evaluate decision '<requested>', but <reason>").
 *
 * Boxed expressions (contexts, lists, relations, invocations, function definitions) are evaluated as DMN
 * 1.3 defines them; the business knowledge models a decision requires are in its scope as FEEL functions
 * under their names, so a literal expression calls them as `Fee(area, days)` and an invocation by
 * binding. Only decisions are audited (a table inside a knowledge model leaves no matched rules), as in
 * Zeebe.
 */
import type { Feel } from '../feel/index.ts';
import type { DecisionLogic, DecisionModel, DrgModel, KnowledgeModel } from './model.ts';
import { DecisionFailure, evaluateTable, json, type TableAudit } from './table.ts';

type Vars = Record<string, unknown>;

export interface DecisionAudit extends TableAudit {
  decisionId: string;
  decisionName: string;
  decisionType: DecisionLogic['type'];
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
    const context: Vars = { ...variables, ...knowledgeScope(feel, drg, decision.requiredKnowledge) };
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
      const output = json(evaluateLogic(feel, logic, context, audit));
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

/**
 * The value of a boxed expression in `vars`, as a FEEL value (a date stays a date, a function stays a
 * function) so that it can be handed on to FEEL; the decision's result is turned into JSON at the end.
 */
function evaluateLogic(feel: Feel, logic: DecisionLogic, vars: Vars, audit?: TableAudit): unknown {
  switch (logic.type) {
    case 'DECISION_TABLE':
      return evaluateTable(feel, logic, vars, audit ?? { evaluatedInputs: [], matchedRules: [] });
    case 'LITERAL_EXPRESSION': {
      if (logic.expression === '') return null;
      const r = feel.evaluateValue(logic.expression, vars);
      if (!r.ok) throw new DecisionFailure(r.message);
      return r.value;
    }
    case 'CONTEXT': {
      const scope: Vars = { ...vars };
      const result: Vars = {};
      for (const [index, entry] of logic.entries.entries()) {
        const value = evaluateLogic(feel, entry.value, scope);
        // DMN: a last entry without a name is the context's result; the named ones make the context
        if (entry.name === undefined) {
          if (index === logic.entries.length - 1) return value;
          continue;
        }
        scope[entry.name] = value;
        result[entry.name] = value;
      }
      return result;
    }
    case 'LIST':
      return logic.items.map((item) => evaluateLogic(feel, item, vars));
    case 'RELATION':
      return logic.rows.map((row) =>
        Object.fromEntries(
          logic.columns.map((c, i) => [c, row[i] ? evaluateLogic(feel, row[i], vars) : null]),
        ),
      );
    case 'INVOCATION': {
      const callee = feel.evaluateValue(logic.callee, vars);
      if (!callee.ok) throw new DecisionFailure(callee.message);
      if (typeof callee.value !== 'function')
        throw new DecisionFailure(`no function found with name '${logic.callee}'`);
      const args = Object.fromEntries(
        logic.bindings.map((b) => [b.name, b.value ? evaluateLogic(feel, b.value, vars) : null]),
      );
      const fn = callee.value as FeelFunction;
      return fn(...(fn.$args ?? Object.keys(args)).map((name) => args[name] ?? null));
    }
    case 'FUNCTION_DEFINITION':
      return feelFunction(logic.parameters, (args) => evaluateLogic(feel, logic.body, { ...vars, ...args }));
    case 'UNSUPPORTED': // refused at deploy; a stored resource from before that check still fails cleanly
      throw new DecisionFailure(`the decision logic '${logic.element}' is not supported`);
  }
}

/** A JavaScript function FEEL can call, positionally or by name (feelin reads the names in `$args`). */
type FeelFunction = ((...args: unknown[]) => unknown) & { $args: string[] };

function feelFunction(parameters: string[], body: (args: Vars) => unknown): FeelFunction {
  const fn = (...values: unknown[]) =>
    body(Object.fromEntries(parameters.map((p, i) => [p, values[i] ?? null])));
  return Object.assign(fn, { $args: parameters });
}

/**
 * The required business knowledge models as FEEL functions under their names; each model's own body
 * sees the models it requires (cycles are refused at deploy, so this ends).
 */
function knowledgeScope(feel: Feel, drg: DrgModel, ids: string[]): Vars {
  const scope: Vars = {};
  for (const id of ids) {
    const model: KnowledgeModel | undefined = drg.knowledge.get(id);
    if (!model) continue;
    const inner = knowledgeScope(feel, drg, model.requiredKnowledge);
    scope[model.name] = feelFunction(model.parameters, (args) =>
      evaluateLogic(feel, model.body, { ...inner, ...args }),
    );
  }
  return scope;
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
