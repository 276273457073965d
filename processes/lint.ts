/**
 * Lints a BPMN resource with the rules in processes/.bpmnlintrc (bpmnlint's recommended rules plus
 * camunda-compat's Camunda 8.8 rules), so what the admin UI deploys is held to the same standard as the
 * procedures in this folder. Rules are resolved from node_modules at run time: no bundling step.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BpmnModdle } from 'bpmn-moddle';
import zeebeSchema from 'zeebe-bpmn-moddle/resources/zeebe.json' with { type: 'json' };
import { cycleMinGapMs, parseCycle } from '../engine/feel/timers.ts';

/** One finding: the element it names (`''` for the whole resource), what is wrong, and the rule. */
export interface LintIssue {
  id: string;
  message: string;
  rule: string;
}

export interface LintResult {
  errors: LintIssue[];
  warnings: LintIssue[];
}

/** What bpmnlint reports per rule (its package ships no importable typings). */
interface Report {
  id?: string;
  message: string;
  category: 'error' | 'warn' | 'info' | 'rule-error';
}
interface Linter {
  lint(definitions: unknown): Promise<Record<string, Report[]>>;
}
type LinterCtor = new (options: { config: unknown; resolver: unknown }) => Linter;
type ResolverCtor = new (options: { require: NodeJS.Require }) => unknown;

// bpmnlint is CommonJS and resolves rule modules with the `require` it is handed, so hand it one
// rooted here; that finds bpmnlint's own rules and the camunda-compat plugin in node_modules.
const require = createRequire(import.meta.url);
const { Linter } = require('bpmnlint') as { Linter: LinterCtor };
const NodeResolver = require('bpmnlint/lib/resolver/node-resolver') as ResolverCtor;

/** The lint configuration, read from processes/.bpmnlintrc so the CLI and the API agree. */
export const lintConfig: unknown = JSON.parse(
  readFileSync(new URL('./.bpmnlintrc', import.meta.url), 'utf8'),
);

const moddle = new BpmnModdle({ zeebe: zeebeSchema });

/**
 * The newest Camunda 8 profile the installed camunda-compat plugin has (e.g. `camunda-cloud-8-10`), so a
 * plugin upgrade tightens the check without an edit here. The procedures must lint clean against it as
 * well as against the profile in .bpmnlintrc, which is what the engine's behaviour is written to.
 */
export function newestCloudProfile(): string {
  const { configs } = require('bpmnlint-plugin-camunda-compat') as { configs: Record<string, unknown> };
  const version = (name: string) => name.replace('camunda-cloud-', '').split('-').map(Number);
  const [newest] = Object.keys(configs)
    .filter((name) => /^camunda-cloud-\d+-\d+$/.test(name))
    .sort((a, b) => {
      const [am, an] = version(a);
      const [bm, bn] = version(b);
      return bm! - am! || bn! - an!;
    });
  if (!newest) throw new Error('bpmnlint-plugin-camunda-compat has no camunda-cloud profile');
  return newest;
}

const byPosition = (a: LintIssue, b: LintIssue) =>
  a.id.localeCompare(b.id) || a.rule.localeCompare(b.rule) || a.message.localeCompare(b.message);

/**
 * Lints one BPMN XML document. XML that does not parse as BPMN comes back as one error with rule
 * `bpmn-parse`; unknown attributes or elements the parser skipped come back as `bpmn-parse` warnings.
 * Rule findings of category `info` are returned as warnings so nothing is hidden from the administrator.
 */
export async function lintBpmn(
  xml: string,
  options: { minTimerCycleSeconds?: number; profile?: string } = {},
): Promise<LintResult> {
  let parsed: Awaited<ReturnType<BpmnModdle['fromXML']>>;
  try {
    parsed = await moddle.fromXML(xml);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      errors: [{ id: '', message: `not a BPMN document: ${message}`, rule: 'bpmn-parse' }],
      warnings: [],
    };
  }
  // A fresh Linter per document: some rules (no-duplicate-sequence-flows) keep state across lint() calls.
  const config = options.profile
    ? { extends: ['bpmnlint:recommended', `plugin:camunda-compat/${options.profile}`] }
    : lintConfig;
  const linter = new Linter({ config, resolver: new NodeResolver({ require }) });
  const reports = await linter.lint(parsed.rootElement);

  const errors: LintIssue[] = [];
  const warnings: LintIssue[] = parsed.warnings.map((w) => ({
    id: '',
    message: w.message,
    rule: 'bpmn-parse',
  }));
  for (const [rule, list] of Object.entries(reports)) {
    for (const r of list) {
      const issue = { id: r.id ?? '', message: r.message, rule };
      (r.category === 'error' || r.category === 'rule-error' ? errors : warnings).push(issue);
    }
  }
  warnings.push(...timerCycleWarnings(parsed.rootElement, options.minTimerCycleSeconds ?? 10));
  return { errors: errors.sort(byPosition), warnings: warnings.sort(byPosition) };
}

interface ModdleNode {
  $type: string;
  id?: string;
  [key: string]: unknown;
}

/**
 * Rule `hub/timer-cycle-minimum`: a static timer cycle repeating more often than the embedded engine's
 * minimum (ENGINE_TIMER_MIN_CYCLE_SECONDS, default 10 s) — e.g. `R/PT0.001S`, which started ~550
 * instances a second. A warning, not an error: Camunda 8 takes it; the embedded engine refuses it.
 */
function timerCycleWarnings(root: unknown, minSeconds: number): LintIssue[] {
  const issues: LintIssue[] = [];
  const seen = new Set<unknown>();
  const visit = (node: unknown, owner: string) => {
    if (!node || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      for (const n of node) visit(n, owner);
      return;
    }
    const el = node as ModdleNode;
    const id = typeof el.id === 'string' && el.$type !== 'bpmn:TimerEventDefinition' ? el.id : owner;
    if (el.$type === 'bpmn:TimerEventDefinition') {
      const text = (el.timeCycle as { body?: string } | undefined)?.body?.trim();
      if (text && !text.startsWith('=')) {
        const now = new Date();
        const cycle = parseCycle(text, now);
        const gap = 'error' in cycle ? Infinity : cycleMinGapMs(cycle, now);
        if (gap < minSeconds * 1000)
          issues.push({
            id,
            message: `Timer cycle '${text}' repeats every ${gap / 1000} s, more often than the minimum interval of ${minSeconds} s (ENGINE_TIMER_MIN_CYCLE_SECONDS): the embedded engine refuses it`,
            rule: 'hub/timer-cycle-minimum',
          });
      }
    }
    for (const [key, value] of Object.entries(el))
      if (!key.startsWith('$') && typeof value === 'object') visit(value, id);
  };
  visit(root, '');
  return issues;
}
