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

export interface DecisionTable {
  type: 'DECISION_TABLE';
  hitPolicy: HitPolicy;
  aggregation?: Aggregation;
  inputs: TableInput[];
  outputs: TableOutput[];
  rules: TableRule[];
}

/**
 * A decision's logic, or a part of it: DMN's boxed expressions. The type names are the decision types
 * Zeebe reports in a decision's audit. A context's entries see the entries before them; its last entry
 * without a name is the context's result. An invocation calls a business knowledge model (or a function
 * defined in an enclosing context) by name with named bindings.
 */
export type DecisionLogic =
  | DecisionTable
  | { type: 'LITERAL_EXPRESSION'; expression: string }
  | { type: 'CONTEXT'; entries: { name?: string; value: DecisionLogic }[] }
  | { type: 'LIST'; items: DecisionLogic[] }
  | { type: 'RELATION'; columns: string[]; rows: DecisionLogic[][] }
  | { type: 'INVOCATION'; callee: string; bindings: { name: string; value?: DecisionLogic }[] }
  | { type: 'FUNCTION_DEFINITION'; parameters: string[]; body: DecisionLogic }
  /** What the evaluator cannot run; refused at deploy (`element` 'none': no logic at all). */
  | { type: 'UNSUPPORTED'; element: string };

/**
 * A business knowledge model: a function (its encapsulated logic over its formal parameters) that
 * decisions and other models invoke by name — from a FEEL literal expression (`Fee(area, days)`) or an
 * invocation — once they name it in a knowledge requirement.
 */
export interface KnowledgeModel {
  id: string;
  /** The name it is called by: `<variable name>`, else its name. */
  name: string;
  parameters: string[];
  body: DecisionLogic;
  /** Ids of the knowledge models its logic may call. */
  requiredKnowledge: string[];
}

export interface DecisionModel {
  id: string;
  name: string;
  /** The variable the result is visible as in requiring decisions: `<variable name>`, else the id. */
  resultName: string;
  /** Ids of the decisions required through information requirements, in document order. */
  required: string[];
  /** Ids of the business knowledge models its logic may call (knowledge requirements). */
  requiredKnowledge: string[];
  logic: DecisionLogic;
  /** `<zeebe:versionTag value>` in the decision's extension elements (binding type versionTag). */
  versionTag?: string;
}

export interface DrgModel {
  id: string;
  name: string;
  decisions: Map<string, DecisionModel>;
  knowledge: Map<string, KnowledgeModel>;
}

type Node = Record<string, unknown>;

const LISTS = new Set([
  'decision',
  'businessKnowledgeModel',
  'knowledgeRequirement',
  'formalParameter',
  'contextEntry',
  'binding',
  'column',
  'row',
  'informationRequirement',
  'input',
  'output',
  'rule',
  'inputEntry',
  'outputEntry',
]);

// No entity processing by the parser (DTDs are refused before any parser sees the text); the five XML
// entities and character references are decoded here, where FEEL text needs them (`&lt; 10`).
/** The elements a boxed expression can be, in the order readLogic looks for them. */
const BOXED = [
  'decisionTable',
  'literalExpression',
  'context',
  'list',
  'relation',
  'invocation',
  'functionDefinition',
];

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  processEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // a list's or a relation row's items keep their order only as one array per kind: see boxedItems
  // (jPath defaults to true: the path is a string such as 'definitions.decision.list.literalExpression')
  isArray: (name, path) =>
    LISTS.has(name) || (BOXED.includes(name) && /\.(list|row)\.[^.]+$/.test(String(path))),
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
    const required = hrefs(list(d, 'informationRequirement'), 'requiredDecision');
    const versionTag = attr(
      (d.extensionElements as Node | undefined)?.versionTag as Node | undefined,
      'value',
    );
    decisions.set(id, {
      id,
      name: attr(d, 'name') ?? id,
      resultName: attr(d.variable as Node | undefined, 'name') ?? id,
      required,
      requiredKnowledge: hrefs(list(d, 'knowledgeRequirement'), 'requiredKnowledge'),
      logic: readLogic(d),
      ...(versionTag ? { versionTag } : {}),
    });
  }
  const knowledge = new Map<string, KnowledgeModel>();
  for (const k of list(defs, 'businessKnowledgeModel')) {
    const id = attr(k, 'id') ?? '';
    const logic = (k.encapsulatedLogic as Node | undefined) ?? {};
    knowledge.set(id, {
      id,
      name: attr(k.variable as Node | undefined, 'name') ?? attr(k, 'name') ?? id,
      parameters: list(logic, 'formalParameter').map((p) => attr(p, 'name') ?? ''),
      body: readLogic(logic),
      requiredKnowledge: hrefs(list(k, 'knowledgeRequirement'), 'requiredKnowledge'),
    });
  }
  return {
    id: attr(defs, 'id') ?? '',
    name: attr(defs, 'name') ?? attr(defs, 'id') ?? '',
    decisions,
    knowledge,
  };
}

/** The ids a list of requirements points at (`<requiredDecision href="#id"/>`). */
const hrefs = (requirements: Node[], child: string): string[] =>
  requirements
    .map((r) => attr(r[child] as Node | undefined, 'href'))
    .filter((href): href is string => href !== undefined)
    .map((href) => href.slice(href.indexOf('#') + 1));

/**
 * The boxed expressions inside a list or a relation row. The parser groups children by element name,
 * so items of more than one kind would lose their order: that is refused rather than guessed.
 */
function boxedItems(node: Node): DecisionLogic[] {
  const kinds = BOXED.filter((name) => node[name] !== undefined);
  if (kinds.length > 1) return [{ type: 'UNSUPPORTED', element: `${kinds.join(' and ')} mixed in one list` }];
  return kinds.flatMap((name) => (node[name] as Node[]).map((item) => readLogic({ [name]: item })));
}

/** The boxed expression held by `d` (a decision, a context entry, a binding, an encapsulated logic…). */
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
  const boxed = (name: string) =>
    typeof d[name] === 'object' && d[name] !== null ? (d[name] as Node) : undefined;
  const context = boxed('context') ?? (d.context === '' ? {} : undefined);
  if (context)
    return {
      type: 'CONTEXT',
      entries: list(context, 'contextEntry').map((e) => {
        const name = attr(e.variable as Node | undefined, 'name');
        return { ...(name !== undefined ? { name } : {}), value: readLogic(e) };
      }),
    };
  const items = boxed('list');
  if (items) return { type: 'LIST', items: boxedItems(items) };
  const relation = boxed('relation');
  if (relation)
    return {
      type: 'RELATION',
      columns: list(relation, 'column').map(
        (c) => attr(c, 'name') ?? attr(c, 'label') ?? attr(c, 'id') ?? '',
      ),
      rows: list(relation, 'row').map(boxedItems),
    };
  const invocation = boxed('invocation');
  if (invocation)
    return {
      type: 'INVOCATION',
      callee: textOf(invocation.literalExpression),
      bindings: list(invocation, 'binding').map((b) => {
        const hasValue = BOXED.some((name) => b[name] !== undefined);
        return {
          name: attr(b.parameter as Node | undefined, 'name') ?? '',
          ...(hasValue ? { value: readLogic(b) } : {}),
        };
      }),
    };
  const fn = boxed('functionDefinition');
  if (fn) {
    const kind = attr(fn, 'kind') ?? 'FEEL';
    if (kind !== 'FEEL') return { type: 'UNSUPPORTED', element: `functionDefinition of kind '${kind}'` };
    return {
      type: 'FUNCTION_DEFINITION',
      parameters: list(fn, 'formalParameter').map((p) => attr(p, 'name') ?? ''),
      body: readLogic(fn),
    };
  }
  return { type: 'UNSUPPORTED', element: 'none' };
}

/**
 * Deploy-time checks of what the evaluator will need, with messages naming the decision or knowledge
 * model: logic the evaluator runs (never silently skipped), known hit policy and aggregation, one entry
 * per input and output in every rule, output names where there are several, FEEL that parses, required
 * decisions and knowledge models that exist and no cycle between them.
 */
export function checkDrg(drg: DrgModel, feel: Feel): string[] {
  const problems: string[] = [];
  for (const d of drg.decisions.values()) {
    const at = (message: string) => problems.push(`decision '${d.id}': ${message}`);
    for (const r of d.required)
      if (!drg.decisions.has(r)) at(`requires decision '${r}', which is not in the resource`);
    for (const r of d.requiredKnowledge)
      if (!drg.knowledge.has(r)) at(`requires business knowledge model '${r}', which is not in the resource`);
    checkLogic(d.logic, feel, at);
  }
  for (const k of drg.knowledge.values()) {
    const at = (message: string) => problems.push(`business knowledge model '${k.id}': ${message}`);
    for (const r of k.requiredKnowledge)
      if (!drg.knowledge.has(r)) at(`requires business knowledge model '${r}', which is not in the resource`);
    k.parameters.forEach((p, i) => p || at(`formal parameter #${i + 1} has no name`));
    checkLogic(k.body, feel, at);
  }
  problems.push(...cycles('decisions', drg.decisions, (d) => d.required));
  problems.push(...cycles('business knowledge models', drg.knowledge, (k) => k.requiredKnowledge));
  return problems;
}

/** Checks one boxed expression and everything inside it. */
function checkLogic(logic: DecisionLogic, feel: Feel, at: (message: string) => void): void {
  const expression = (text: string, where = '') => {
    const r = feel.check(text);
    if (!r.ok) at(where + r.message);
  };
  switch (logic.type) {
    case 'LITERAL_EXPRESSION':
      return expression(logic.expression);
    case 'DECISION_TABLE':
      return checkTable(logic, feel, at);
    case 'CONTEXT':
      return logic.entries.forEach((e) => checkLogic(e.value, feel, at));
    case 'LIST':
      return logic.items.forEach((item) => checkLogic(item, feel, at));
    case 'RELATION':
      return logic.rows.forEach((row, index) => {
        if (row.length !== logic.columns.length)
          at(
            `relation row #${index + 1} has ${row.length} cells, but the relation has ${logic.columns.length} columns`,
          );
        row.forEach((cell) => checkLogic(cell, feel, at));
      });
    case 'INVOCATION':
      if (!logic.callee) at('an invocation names no business knowledge model to call');
      else expression(logic.callee, 'invocation: ');
      return logic.bindings.forEach((b) => {
        if (!b.name) at('an invocation binding names no parameter');
        if (b.value) checkLogic(b.value, feel, at);
      });
    case 'FUNCTION_DEFINITION':
      return checkLogic(logic.body, feel, at);
    case 'UNSUPPORTED':
      return at(
        logic.element === 'none'
          ? 'has no decision logic (a decision table or a boxed expression)'
          : `the decision logic '${logic.element}' is not supported`,
      );
  }
}

function checkTable(logic: DecisionTable, feel: Feel, at: (message: string) => void): void {
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

/** A cycle of requirements could never be evaluated: names the first one found. */
function cycles<T>(what: string, nodes: Map<string, T>, requires: (node: T) => string[]): string[] {
  const state = new Map<string, 'visiting' | 'done'>();
  const found: string[] = [];
  const visit = (id: string, path: string[]): boolean => {
    if (state.get(id) === 'done') return false;
    if (state.get(id) === 'visiting') {
      found.push(`${what} ${[...path, id].map((p) => `'${p}'`).join(' → ')} require each other in a cycle`);
      return true;
    }
    state.set(id, 'visiting');
    const node = nodes.get(id);
    for (const r of node ? requires(node) : []) if (visit(r, [...path, id])) return true;
    state.set(id, 'done');
    return false;
  };
  for (const id of nodes.keys()) if (visit(id, [])) break;
  return found;
}
/** Everything that would keep a DMN resource's decisions from evaluating (deploy-time validation). */
export function dmnProblems(xml: string, feel: Feel): string[] {
  const drg = readDrg(xml);
  return 'problem' in drg ? [drg.problem] : checkDrg(drg, feel);
}
