/**
 * FEEL expression evaluation for the embedded engine, with Zeebe's (Camunda 8.8) semantics on
 * top of @bpmn-io/feelin, plus timer definitions (ISO 8601 dates, durations, repeating
 * intervals and cron).
 *
 * Null handling — decision: since Camunda 8.3 (FEEL-Scala 1.17) an expression does not fail on
 * a missing variable, a missing context entry, a missing function, a failed function invocation
 * or a type mismatch; the sub-expression becomes null and the evaluation carries on
 * (docs.camunda.io/docs/components/modeler/feel/language-guide/feel-error-handling, 8.8). feelin
 * behaves the same way, so `evaluate` returns `{ ok: true, value: null }` for `x.y` with no `x`,
 * and lists the suppressed failures in `warnings` (Zeebe adds them to an incident message when
 * the null result is then unusable, e.g. a condition that is not a boolean — that check belongs
 * to the caller, which knows the expected type). `evaluate` returns `{ ok: false }` — an incident
 * for the engine — only where Zeebe fails the evaluation: a syntax error, `assert()` failing, or
 * a result that cannot be stored as JSON (a function or a range).
 */
import { evaluate as feelinEvaluate, parseExpression, SyntaxError as FeelSyntaxError } from '@bpmn-io/feelin';
import { AssertionFailure, BUILTIN_NAMES, createBuiltins, TYPE_ONLY_NAMES } from './builtins.ts';
import { withParsedTree, type FeelTree } from './parse-cache.ts';
import { NotJsonError, toJson } from './values.ts';

export { parseTimerDate, addDuration, parseCycle, type Cycle } from './timers.ts';
export { parseCacheStats } from './parse-cache.ts';

/**
 * Result of an evaluation. `warnings` lists failures FEEL suppressed into null, formatted as
 * `[TYPE] message` (Zeebe's incident messages append them).
 */
export type FeelResult = { ok: true; value: unknown; warnings?: string[] } | { ok: false; message: string };

/** A FEEL evaluator bound to one engine clock. */
export interface Feel {
  /** Evaluates `expression` (WITHOUT Zeebe's leading '=') against JSON `variables`; the value is JSON. */
  evaluate(expression: string, variables: Record<string, unknown>): FeelResult;
  /** Parses only — for deploy-time validation. */
  check(expression: string): { ok: true } | { ok: false; message: string };
}

/** One parsed expression, kept for the life of the evaluator. */
interface Compiled {
  tree: FeelTree;
  /** Syntax error message, when the text does not parse. */
  error?: string;
  /** The added built-ins this expression names (only these are put into its context). */
  builtins: string[];
}

/** Expressions cached per evaluator; process models have a bounded set, this is a safety cap. */
const CACHE_LIMIT = 10_000;

/**
 * Parse context: the multi-word names of the added built-ins, so that lezer-feel reads
 * `get or else(...)` as one name (single words need no help, and a name like `date` in the parse
 * context would turn the `date(...)` literal into a plain call). Variables are deliberately NOT part of it — FEEL-Scala (Zeebe) does not allow
 * spaces in variable names either — which is what makes a parse reusable for any variables.
 */
const PARSE_CONTEXT: Record<string, unknown> = Object.fromEntries(
  BUILTIN_NAMES.filter((name) => name.includes(' ')).map((name) => [name, () => null]),
);

function syntaxErrorOf(tree: FeelTree, expression: string): string | undefined {
  let message: string | undefined;
  tree.iterate({
    enter(node) {
      if (message !== undefined) return false;
      if (!node.type.isError) return undefined;
      const at = expression.slice(node.from, node.to);
      message =
        node.from === expression.length || at === ''
          ? `unexpected end of expression at position ${node.from + 1}`
          : `unexpected '${at}' at position ${node.from + 1}`;
      return false;
    },
  });
  return message;
}

function compile(expression: string): Compiled {
  const tree = parseExpression(expression, PARSE_CONTEXT, undefined);
  const names = new Set<string>();
  const typeNames = new Set<string>();
  let typeDepth = 0;
  tree.iterate({
    enter(node) {
      if (node.name === 'Type') typeDepth++;
      if (node.name === 'VariableName') {
        const name = expression.slice(node.from, node.to).replace(/\s+/g, ' ');
        (typeDepth > 0 ? typeNames : names).add(name);
      }
    },
    leave(node) {
      if (node.name === 'Type') typeDepth--;
    },
  });
  const error = expression.trim() === '' ? 'the expression is empty' : syntaxErrorOf(tree, expression);
  const builtins = BUILTIN_NAMES.filter((n) =>
    TYPE_ONLY_NAMES.has(n) ? typeNames.has(n) : names.has(n) || typeNames.has(n),
  );
  return { tree, error, builtins };
}

function failure(expression: string, reason: string): { ok: false; message: string } {
  return { ok: false, message: `failed to evaluate expression '${expression}': ${reason}` };
}

/**
 * Creates a FEEL evaluator. `options.now` is the engine clock behind `now()` and `today()`
 * (default: the system clock).
 */
export function createFeel(options: { now?: () => Date } = {}): Feel {
  const cache = new Map<string, Compiled>();
  let warnings: string[] = [];
  const builtins = createBuiltins({
    now: options.now ?? (() => new Date()),
    warn: (message) => warnings.push(message),
  });

  function compiled(expression: string): Compiled {
    let entry = cache.get(expression);
    if (!entry) {
      entry = compile(expression);
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(expression, entry);
    }
    return entry;
  }

  return {
    check(expression) {
      const { error } = compiled(expression);
      return error === undefined
        ? { ok: true }
        : { ok: false, message: `failed to parse expression '${expression}': ${error}` };
    },

    evaluate(expression, variables) {
      const entry = compiled(expression);
      if (entry.error !== undefined) return failure(expression, entry.error);
      // Variables shadow built-ins of the same name, as feelin does for its own built-ins.
      const context: Record<string, unknown> = {};
      for (const name of entry.builtins) context[name] = builtins[name];
      Object.assign(context, variables);
      warnings = [];
      try {
        const result = withParsedTree(entry.tree, () => feelinEvaluate(expression, context));
        const value = toJson(result.value);
        const all = [...result.warnings.map((w) => `[${w.type}] ${w.message}`), ...warnings];
        return all.length ? { ok: true, value, warnings: all } : { ok: true, value };
      } catch (err) {
        if (err instanceof AssertionFailure) {
          return failure(
            expression,
            `Assertion failure on evaluate the expression '${expression}': ${err.message}`,
          );
        }
        if (err instanceof NotJsonError) return failure(expression, err.message);
        if (err instanceof FeelSyntaxError) return failure(expression, err.message);
        return failure(expression, err instanceof Error ? err.message : String(err));
      }
    },
  };
}
