/**
 * Evaluates one DMN decision table: the input expressions, each rule's input entries (FEEL unary tests
 * against the input value), the output entries of the matched rules, and the hit policy that turns
 * them into the result — as Camunda 8 (dmn-scala) defines it:
 *
 * - no rule matched: the outputs' default values, else null (for every hit policy, COLLECT included);
 * - one output: a rule's result is the value; several: a context {outputName: value};
 * - UNIQUE fails on two or more matches; ANY fails when the matches' results differ; FIRST takes the
 *   first match (only its outputs are evaluated); PRIORITY takes the match whose output values come
 *   first in the outputs' `outputValues` lists; RULE ORDER and COLLECT give the list of results in rule
 *   order, OUTPUT ORDER in priority order; COLLECT with SUM, MIN, MAX (numbers only) or COUNT gives one
 *   number.
 *
 * An input entry that yields null (e.g. `> 10` for a null input) does not match. Failures are thrown as
 * DecisionFailure with the reason in FEEL-Scala's words; the audit collected so far stays filled in.
 */
import { NotJsonError, toJson, type Feel } from '../feel/index.ts';
import type { DecisionTable, TableOutput } from './model.ts';

type Table = DecisionTable;
type Vars = Record<string, unknown>;

/** Why a decision could not be evaluated (the caller prefixes "Expected to evaluate decision …, but"). */
export class DecisionFailure extends Error {
  constructor(message: string) {
    // Zeebe words a failed assert() without the "failed to evaluate expression" preamble
    super(message.replace(/^failed to evaluate expression '[\s\S]*?': (?=Assertion failure)/, ''));
  }
}

export interface EvaluatedInput {
  inputId: string;
  inputName: string;
  /** JSON value. */
  inputValue: unknown;
}

export interface MatchedRule {
  ruleId: string;
  /** 1-based position of the rule in the table. */
  ruleIndex: number;
  evaluatedOutputs: { outputId: string; outputName: string; outputValue: unknown }[];
}

export interface TableAudit {
  evaluatedInputs: EvaluatedInput[];
  matchedRules: MatchedRule[];
}

/** JSON from a feelin value; a function or a range has none, which fails the decision. */
export function json(value: unknown): unknown {
  try {
    return toJson(value);
  } catch (err) {
    if (err instanceof NotJsonError) throw new DecisionFailure(err.message);
    throw err;
  }
}

function evaluate(feel: Feel, expression: string, vars: Vars): unknown {
  if (expression === '') return null;
  const r = feel.evaluate(expression, vars);
  if (!r.ok) throw new DecisionFailure(r.message);
  return r.value;
}

export function evaluateTable(feel: Feel, table: Table, vars: Vars, audit: TableAudit): unknown {
  const inputs: unknown[] = [];
  for (const input of table.inputs) {
    const r = feel.evaluateValue(input.expression, vars);
    if (!r.ok) throw new DecisionFailure(r.message);
    inputs.push(r.value);
    audit.evaluatedInputs.push({ inputId: input.id, inputName: input.name, inputValue: json(r.value) });
  }

  const matched: number[] = [];
  table.rules.forEach((rule, index) => {
    for (let i = 0; i < rule.inputEntries.length; i++) {
      const r = feel.unaryTest(rule.inputEntries[i]!, inputs[i], vars);
      if (!r.ok) throw new DecisionFailure(r.message);
      if (r.value !== true) return;
    }
    matched.push(index);
  });

  if (!matched.length) {
    const defaults = table.outputs.filter((o) => o.defaultValue !== undefined);
    const values = Object.fromEntries(defaults.map((o) => [o.name, evaluate(feel, o.defaultValue!, vars)]));
    return defaults.length === 0 ? null : defaults.length === 1 ? values[defaults[0]!.name] : values;
  }

  const hits = table.hitPolicy === 'FIRST' ? matched.slice(0, 1) : matched;
  const results: Record<string, unknown>[] = [];
  for (const index of hits) {
    const rule = table.rules[index]!;
    const result: Record<string, unknown> = {};
    const evaluatedOutputs: MatchedRule['evaluatedOutputs'] = [];
    table.outputs.forEach((output, o) => {
      const value = evaluate(feel, rule.outputEntries[o] ?? '', vars);
      result[output.name] = value;
      evaluatedOutputs.push({ outputId: output.id, outputName: output.name, outputValue: value });
    });
    results.push(result);
    audit.matchedRules.push({ ruleId: rule.id, ruleIndex: index + 1, evaluatedOutputs });
  }
  return applyHitPolicy(table, results);
}

function applyHitPolicy(table: Table, results: Record<string, unknown>[]): unknown {
  const single = (r: Record<string, unknown>) => (table.outputs.length === 1 ? Object.values(r)[0] : r);
  switch (table.hitPolicy) {
    case 'FIRST':
      return single(results[0]!);
    case 'UNIQUE':
      if (results.length > 1)
        throw new DecisionFailure(
          `multiple values aren't allowed for UNIQUE hit policy. found: '${scalaList(results)}'`,
        );
      return single(results[0]!);
    case 'ANY': {
      const distinct = [...new Map(results.map((r) => [JSON.stringify(r), r])).values()];
      if (distinct.length > 1)
        throw new DecisionFailure(
          `different values aren't allowed for ANY hit policy. found: '${scalaList(distinct)}'`,
        );
      return single(results[0]!);
    }
    case 'PRIORITY':
      return single(byPriority(results, table.outputs)[0]!);
    case 'OUTPUT ORDER':
      return byPriority(results, table.outputs).map(single);
    case 'RULE ORDER':
      return results.map(single);
    case 'COLLECT':
      break;
  }
  if (!table.aggregation) return results.map(single);
  if (table.aggregation === 'COUNT') return results.length;
  if (table.outputs.length > 1)
    throw new DecisionFailure(`multiple values aren't allowed. found: ${scalaList(results)}`);
  const numbers = results.map((r) => {
    const v = single(r);
    if (typeof v !== 'number') throw new DecisionFailure(`expected number but found '${scalaVal(v)}'`);
    return v;
  });
  const value =
    table.aggregation === 'SUM'
      ? numbers.reduce((a, b) => a + b, 0)
      : table.aggregation === 'MIN'
        ? Math.min(...numbers)
        : Math.max(...numbers);
  return toJson(value); // a sum of decimals without binary artefacts (0.1 + 0.2 → 0.3)
}

/**
 * Sorts results by the rank of their values in each output's `outputValues` (first output first);
 * a value not in the list, or of a type other than string and number, ranks after all listed ones.
 * The sort is stable, so equal ranks keep rule order.
 */
function byPriority(results: Record<string, unknown>[], outputs: TableOutput[]): Record<string, unknown>[] {
  const rank = (r: Record<string, unknown>) =>
    outputs.map((o) => {
      const v = r[o.name];
      const i = typeof v === 'string' || typeof v === 'number' ? o.priorities.indexOf(String(v)) : -1;
      return i < 0 ? Infinity : i;
    });
  const ranked = results.map((r) => ({ r, key: rank(r) }));
  ranked.sort((a, b) => {
    for (let i = 0; i < a.key.length; i++) if (a.key[i] !== b.key[i]) return a.key[i]! - b.key[i]!;
    return 0;
  });
  return ranked.map((x) => x.r);
}

/** FEEL-Scala's rendering of values in its failure messages (`ValString(Steak)`), which Zeebe passes on. */
function scalaVal(v: unknown): string {
  if (v === null || v === undefined) return 'ValNull';
  if (typeof v === 'string') return `ValString(${v})`;
  if (typeof v === 'number') return `ValNumber(${v})`;
  if (typeof v === 'boolean') return `ValBoolean(${v})`;
  if (Array.isArray(v)) return `ValList(List(${v.map(scalaVal).join(', ')}))`;
  return `ValContext(${scalaMap(v as Record<string, unknown>)})`;
}

const scalaMap = (m: Record<string, unknown>) =>
  `Map(${Object.entries(m)
    .map(([k, v]) => `${k} -> ${scalaVal(v)}`)
    .join(', ')})`;

const scalaList = (results: Record<string, unknown>[]) => `List(${results.map(scalaMap).join(', ')})`;
