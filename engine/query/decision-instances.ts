/**
 * The decision-instance searches of Camunda 8.8's REST API (v2), read from zb_q_decision_instance (one
 * row per decision an evaluation went through: a business-rule task's, or EvaluateDecision's):
 *
 *   POST /v2/decision-instances/search                      GET /v2/decision-instances/{key}
 *
 * Items as Camunda's DecisionInstanceResult: state EVALUATED or FAILED (the decision the evaluation
 * failed in, with evaluationFailure), result as JSON text, the process instance, definition and element
 * instance of a business-rule task (absent for a standalone evaluation). GET adds the evaluated inputs
 * and matched rules. Decision types other than DECISION_TABLE and LITERAL_EXPRESSION (contexts, lists,
 * relations, invocations) are UNKNOWN, the only other value Camunda's schema has for them.
 */
import type { Engine } from '../api.ts';
import type { Row } from '../store/db.ts';
import {
  invalid,
  isoDate,
  keyString,
  QueryProblem,
  search,
  TENANT,
  tenantField,
  type SearchResult,
  type SearchSpec,
} from './search.ts';

export interface DecisionInstanceItem {
  decisionEvaluationInstanceKey: string;
  state: 'EVALUATED' | 'FAILED';
  evaluationDate: string;
  evaluationFailure?: string;
  decisionDefinitionId: string;
  decisionDefinitionName: string;
  decisionDefinitionVersion: number;
  decisionDefinitionType: string;
  result: string;
  tenantId: string;
  decisionEvaluationKey: string;
  processDefinitionKey?: string;
  processInstanceKey?: string;
  decisionDefinitionKey: string;
  elementInstanceKey?: string;
}

export interface DecisionInstanceDetail extends DecisionInstanceItem {
  evaluatedInputs: { inputId: string; inputName: string; inputValue: string }[];
  matchedRules: {
    ruleId: string;
    ruleIndex: number;
    evaluatedOutputs: { outputId: string; outputName: string; outputValue: string }[];
  }[];
}

const TYPE_SQL = `(CASE WHEN d.decision_type IN ('DECISION_TABLE', 'LITERAL_EXPRESSION') THEN d.decision_type ELSE 'UNKNOWN' END)`;

function item(r: Row): DecisionInstanceItem {
  const out: DecisionInstanceItem = {
    decisionEvaluationInstanceKey: String(r.key),
    state: r.state as DecisionInstanceItem['state'],
    evaluationDate: isoDate(r.evaluated_at)!,
    decisionDefinitionId: String(r.decision_id),
    decisionDefinitionName: String(r.decision_name),
    decisionDefinitionVersion: Number(r.decision_version),
    decisionDefinitionType: String(r.type),
    result: String(r.result),
    tenantId: TENANT,
    decisionEvaluationKey: String(r.evaluation_key),
    decisionDefinitionKey: String(r.decision_key),
  };
  // absent rather than null: Camunda's schema has these optional, not nullable
  if (r.failure !== null && r.failure !== undefined) out.evaluationFailure = String(r.failure);
  const pi = keyString(r.pi_key);
  if (pi !== undefined) {
    out.processInstanceKey = pi;
    out.processDefinitionKey = keyString(r.process_key);
    out.elementInstanceKey = keyString(r.ei_key);
  }
  return out;
}

const spec: SearchSpec<DecisionInstanceItem & { _detail: Row }> = {
  from: 'zb_q_decision_instance d',
  fields: {
    decisionEvaluationInstanceKey: { sql: 'd.key', type: 'key' },
    state: { sql: 'd.state', type: 'string', values: ['EVALUATED', 'FAILED', 'UNSPECIFIED', 'UNKNOWN'] },
    evaluationFailure: { sql: 'd.failure', type: 'string' },
    evaluationDate: { sql: 'd.evaluated_at', type: 'date' },
    decisionDefinitionId: { sql: 'd.decision_id', type: 'string' },
    decisionDefinitionName: { sql: 'd.decision_name', type: 'string' },
    decisionDefinitionVersion: { sql: 'd.decision_version', type: 'int' },
    decisionDefinitionType: {
      sql: TYPE_SQL,
      type: 'string',
      values: ['DECISION_TABLE', 'LITERAL_EXPRESSION', 'UNSPECIFIED', 'UNKNOWN'],
    },
    tenantId: tenantField,
    decisionEvaluationKey: { sql: 'd.evaluation_key', type: 'key' },
    processDefinitionKey: { sql: 'd.process_key', type: 'key' },
    processInstanceKey: { sql: 'd.pi_key', type: 'key' },
    decisionDefinitionKey: { sql: 'd.decision_key', type: 'key' },
    elementInstanceKey: { sql: 'd.ei_key', type: 'key' },
  },
  keyField: 'decisionEvaluationInstanceKey',
  select: `d.*, ${TYPE_SQL} AS type`,
  toItem: (r) => ({ ...item(r), _detail: r }),
};

export interface DecisionInstanceQueries {
  searchDecisionInstances(body: unknown): Promise<SearchResult<DecisionInstanceItem>>;
  getDecisionInstance(key: string): Promise<DecisionInstanceDetail>;
}

export function createDecisionInstanceQueries(engine: Pick<Engine, 'readState'>): DecisionInstanceQueries {
  return {
    async searchDecisionInstances(body) {
      const result = await engine.readState((db) => search(db, spec, body));
      return {
        ...result,
        items: result.items.map(({ _detail: _, ...rest }) => rest),
      };
    },
    async getDecisionInstance(key) {
      if (!/^\d{1,16}$/.test(key))
        throw invalid(`decisionEvaluationInstanceKey must be a key (a string of digits), but was '${key}'`);
      const { items } = await engine.readState((db) =>
        search(db, spec, { filter: { decisionEvaluationInstanceKey: key } }),
      );
      const found = items[0];
      if (!found) throw new QueryProblem(404, 'NOT_FOUND', `Decision instance with key '${key}' not found`);
      const { _detail: r, ...rest } = found;
      return {
        ...rest,
        evaluatedInputs: JSON.parse(String(r.inputs)) as DecisionInstanceDetail['evaluatedInputs'],
        matchedRules: JSON.parse(String(r.rules)) as DecisionInstanceDetail['matchedRules'],
      };
    },
  };
}
