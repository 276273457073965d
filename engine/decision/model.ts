/**
 * Reads a stored DMN resource into the executable form the evaluator walks: each decision with its
 * logic (a decision table or a literal expression), the decisions it requires, and the name its
 * result is known by in the decisions that require it. FEEL texts stay texts (engine/feel parses and
 * caches them); `checkDrg` parses them once at deploy time so a broken table is refused then.
 */
import { XMLParser } from 'fast-xml-parser';
import type { Feel } from '../feel/index.ts';

export type HitPolicy = 'UNIQUE' | 'FIRST' | 'PRIORITY' | 'ANY' | 'COLLECT' | 'RULE ORDER' | 'OUTPUT ORDER';
export type Aggregation = 'SUM' | 'MIN' | 'MAX' | 'COUNT';

export interface TableInput {
  id: string;
  /** What the audit calls the input: its label, else its expression. */
  name: string;
  expression: string;
}

export interface TableOutput {
  id: string;
  /** The key of the output in a rule's result (required when the table has several outputs). */
  name: string;
  /** `outputValues`, unquoted, in priority order (PRIORITY and OUTPUT ORDER sort by it). */
  priorities: string[];
  /** FEEL expression of the value used when no rule matched. */
  defaultValue?: string;
}

export interface TableRule {
  id: string;
  /** Unary tests per input ('-' for an empty cell). */
  inputEntries: string[];
  /** FEEL expression per output ('' = null). */
  outputEntries: string[];
}

export type DecisionLogic =
  | {
      type: 'DECISION_TABLE';
      hitPolicy: HitPolicy;
      aggregation?: Aggregation;
      inputs: TableInput[];
      outputs: TableOutput[];
      rules: TableRule[];
    }
  | { type: 'LITERAL_EXPRESSION'; expression: string }
  /** Boxed expressions the evaluator does not run (context, relation, invocation, list, function). */
  | { type: 'UNSUPPORTED'; element: string };

export interface DecisionModel {
  id: string;
  name: string;
  /** The variable the result is visible as in requiring decisions: `<variable name>`, else the id. */
  resultName: string;
  /** Ids of the decisions required through information requirements, in document order. */
  required: string[];
  logic: DecisionLogic;
  /** `<zeebe:versionTag value>` in the decision's extension elements (binding type versionTag). */
  versionTag?: string;
}

export interface DrgModel {
  id: string;
  name: string;
  decisions: Map<string, DecisionModel>;
}

type Node = Record<string, unknown>;

const LISTS = new Set([
  'decision',
  'informationRequirement',
  'input',
  'output',
  'rule',
  'inputEntry',
  'outputEntry',
]);

// No entity processing by the parser (DTDs are refused before any parser sees the text); the five XML
// entities and character references are decoded here, where FEEL text needs them (`&lt; 10`).
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  processEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  isArray: (name) => LISTS.has(name),
});

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|lt|gt|amp|quot|apos);/gi, (whole, ref: string) => {
    if (ref[0] !== '#') return ENTITIES[ref.toLowerCase()] ?? whole;
    const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
  });
}

const attr = (node: Node | undefined, name: string): string | undefined =>
  node && typeof node[name] === 'string' ? decode(node[name]) : undefined;

/** The text of a `<text>` child (`<inputExpression><text>…</text></inputExpression>`), trimmed. */
function textOf(node: unknown): string {
  if (node === undefined || node === null) return '';
  if (typeof node === 'string') return decode(node).trim();
  const text = (node as Node).text;
  if (text === undefined || text === null) return '';
  if (typeof text === 'string') return decode(text).trim();
  const inner = (text as Node)['#text'];
  return typeof inner === 'string' ? decode(inner).trim() : '';
}

const list = (node: Node, name: string): Node[] => (node[name] as Node[] | undefined) ?? [];

const HIT_POLICIES = new Set<string>([
  'UNIQUE',
  'FIRST',
  'PRIORITY',
  'ANY',
  'COLLECT',
  'RULE ORDER',
  'OUTPUT ORDER',
]);

/** `"high", "low"` → ['high', 'low'] (the texts PRIORITY and OUTPUT ORDER rank by). */
function priorities(text: string): string[] {
  if (!text) return [];
  return text
    .split(',')
    .map((v) => v.trim().replace(/^"(.*)"$/s, '$1'))
    .filter((v) => v !== '');
}

/** Parses a DMN document (already screened and stored) into its decisions, or a problem. */
export function readDrg(xml: string): DrgModel | { problem: string } {
  let doc: Node;
  try {
    doc = parser.parse(xml) as Node;
  } catch (err) {
    return { problem: `not a well-formed XML document: ${(err as Error).message}` };
  }
  const defs = doc.definitions as Node | undefined;
  if (!defs || typeof defs !== 'object')
    return { problem: 'not a DMN document: expected a <definitions> root' };
  const decisions = new Map<string, DecisionModel>();
  for (const d of list(defs, 'decision')) {
    const id = attr(d, 'id') ?? '';
    const required = list(d, 'informationRequirement')
      .map((r) => attr(r.requiredDecision as Node | undefined, 'href'))
      .filter((href): href is string => href !== undefined)
      .map((href) => href.slice(href.indexOf('#') + 1));
    const versionTag = attr(
      (d.extensionElements as Node | undefined)?.versionTag as Node | undefined,
      'value',
    );
    decisions.set(id, {
      id,
      name: attr(d, 'name') ?? id,
      resultName: attr(d.variable as Node | undefined, 'name') ?? id,
      required,
      logic: readLogic(d),
      ...(versionTag ? { versionTag } : {}),
    });
  }
  return { id: attr(defs, 'id') ?? '', name: attr(defs, 'name') ?? attr(defs, 'id') ?? '', decisions };
}

function readLogic(d: Node): DecisionLogic {
  const table = d.decisionTable as Node | undefined;
  if (table && typeof table === 'object') {
    const hit = (attr(table, 'hitPolicy') ?? 'UNIQUE').toUpperCase();
    const aggregation = attr(table, 'aggregation')?.toUpperCase() as Aggregation | undefined;
    const inputs = list(table, 'input').map((i) => {
      const expression = textOf(i.inputExpression);
      return { id: attr(i, 'id') ?? '', name: attr(i, 'label') ?? expression, expression };
    });
    const outputs = list(table, 'output').map((o) => {
      const def = o.defaultOutputEntry;
      return {
        id: attr(o, 'id') ?? '',
        name: attr(o, 'name') ?? attr(o, 'label') ?? attr(o, 'id') ?? '',
        priorities: priorities(textOf(o.outputValues)),
        ...(def !== undefined && textOf(def) !== '' ? { defaultValue: textOf(def) } : {}),
      };
    });
    const rules = list(table, 'rule').map((r) => ({
      id: attr(r, 'id') ?? '',
      inputEntries: list(r, 'inputEntry').map((e) => textOf(e) || '-'),
      outputEntries: list(r, 'outputEntry').map((e) => textOf(e)),
    }));
    return {
      type: 'DECISION_TABLE',
      hitPolicy: hit as HitPolicy, // an unknown one is refused by checkDrg
      ...(aggregation ? { aggregation } : {}),
      inputs,
      outputs,
      rules,
    };
  }
  if (d.literalExpression !== undefined)
    return { type: 'LITERAL_EXPRESSION', expression: textOf(d.literalExpression) };
  const element =
    ['context', 'relation', 'invocation', 'list', 'functionDefinition'].find((n) => d[n] !== undefined) ??
    'none';
  return { type: 'UNSUPPORTED', element };
}

/**
 * Deploy-time checks of what the evaluator will need, with messages naming the decision: known hit
 * policy and aggregation, one entry per input and output in every rule, output names where there are
 * several, FEEL that parses, required decisions that exist and no cycle between them.
 */
export function checkDrg(drg: DrgModel, feel: Feel): string[] {
  const problems: string[] = [];
  for (const d of drg.decisions.values()) {
    const at = (message: string) => problems.push(`decision '${d.id}': ${message}`);
    for (const r of d.required)
      if (!drg.decisions.has(r)) at(`requires decision '${r}', which is not in the resource`);
    const logic = d.logic;
    if (logic.type === 'LITERAL_EXPRESSION') {
      const r = feel.check(logic.expression);
      if (!r.ok) at(r.message);
    }
    if (logic.type !== 'DECISION_TABLE') continue;
    if (!HIT_POLICIES.has(logic.hitPolicy)) at(`hit policy '${logic.hitPolicy}' is not supported`);
    if (logic.aggregation) {
      if (!['SUM', 'MIN', 'MAX', 'COUNT'].includes(logic.aggregation))
        at(`aggregation '${logic.aggregation}' is not supported`);
      if (logic.hitPolicy !== 'COLLECT') at(`aggregation is only allowed with hit policy COLLECT`);
      if (logic.outputs.length > 1)
        at(`hit policy 'COLLECT' with aggregator is not defined for compound output`);
    }
    if (!logic.outputs.length) at('a decision table needs at least one output');
    if (logic.outputs.length > 1)
      for (const o of logic.outputs)
        if (!o.name || o.name === o.id) at(`output '${o.id}' has no name (needed with several outputs)`);
    for (const i of logic.inputs) {
      const r = feel.check(i.expression);
      if (!r.ok) at(`input '${i.id}': ${r.message}`);
    }
    for (const o of logic.outputs)
      if (o.defaultValue !== undefined) {
        const r = feel.check(o.defaultValue);
        if (!r.ok) at(`output '${o.id}' default: ${r.message}`);
      }
    logic.rules.forEach((rule, index) => {
      const name = rule.id || `#${index + 1}`;
      if (
        rule.inputEntries.length !== logic.inputs.length ||
        rule.outputEntries.length !== logic.outputs.length
      )
        at(
          `rule '${name}' has ${rule.inputEntries.length} input and ${rule.outputEntries.length} output entries, but the table has ${logic.inputs.length} inputs and ${logic.outputs.length} outputs`,
        );
      for (const e of rule.inputEntries) {
        const r = feel.checkUnaryTests(e);
        if (!r.ok) at(`rule '${name}': ${r.message}`);
      }
      for (const e of rule.outputEntries)
        if (e !== '') {
          const r = feel.check(e);
          if (!r.ok) at(`rule '${name}': ${r.message}`);
        }
    });
  }
  // a cycle of information requirements could never be evaluated
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]): boolean => {
    if (state.get(id) === 'done') return false;
    if (state.get(id) === 'visiting') {
      problems.push(
        `decisions ${[...path, id].map((p) => `'${p}'`).join(' → ')} require each other in a cycle`,
      );
      return true;
    }
    state.set(id, 'visiting');
    for (const r of drg.decisions.get(id)?.required ?? []) if (visit(r, [...path, id])) return true;
    state.set(id, 'done');
    return false;
  };
  for (const id of drg.decisions.keys()) if (visit(id, [])) break;
  return problems;
}

/** Everything that would keep a DMN resource's decisions from evaluating (deploy-time validation). */
export function dmnProblems(xml: string, feel: Feel): string[] {
  const drg = readDrg(xml);
  return 'problem' in drg ? [drg.problem] : checkDrg(drg, feel);
}
