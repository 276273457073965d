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
 * a result that cannot be stored as JSON (a function or a range). Note `is defined(x)` is false
 * for a variable holding null, as documented since Camunda 8.7.
 *
 * Values: variables come in as JSON; results go out as JSON (values.ts): temporal values as the
 * strings Zeebe stores, durations normalised (`P1DT12H`), contexts as objects.
 *
 * Numbers — limits: feelin computes with IEEE doubles, FEEL-Scala with 34-digit decimals.
 * Integers are exact up to 2^53 − 1 (9007199254740991) and stay JSON integers; larger integers
 * (in variables or literals) lose precision. Decimal results are cleaned of binary artefacts
 * on the way out (0.1 + 0.2 → 0.3), but inside an expression the artefact is still there:
 * `0.1 + 0.2 = 0.3` is false here and true on Zeebe. That clean-up applies to every number
 * leaving the evaluator, so a non-integer with 16–17 significant digits whose 15-digit form is
 * much shorter (1.0000000000000002) comes back rounded; up to 15 significant digits every
 * number round-trips exactly (test/engine-feel-json-properties.test.ts). NaN and ±Infinity
 * (e.g. overflow) become null.
 *
 * Other known differences from FEEL-Scala, all inherited from feelin: comparing values of
 * different types (`1 < "2"`) gives JavaScript's answer instead of null; a date-time at exactly
 * midnight UTC made by feelin's own constructors (`@"2020-01-01T00:00:00Z"`, `date and time(d, t)`
 * arithmetic aside) is typed, compared and stored as a date; names may contain spaces (`a b` is one
 * unknown variable, not a syntax error); backtick names are not supported.
 */
import {
  evaluate as feelinEvaluate,
  parseExpression,
  parseUnaryTests,
  SyntaxError as FeelSyntaxError,
  unaryTest as feelinUnaryTest,
  type Warning,
} from '@bpmn-io/feelin';
import { BudgetExceeded, feelLimits, withBudget, type FeelLimits } from './budget.ts';
import { AssertionFailure, BUILTIN_NAMES, createBuiltins, TYPE_ONLY_NAMES } from './builtins.ts';
import { clearInjectedTree, withParsedTree, type FeelTree } from './parse-cache.ts';
import { NotJsonError, toJson } from './values.ts';

export { parseTimerDate, addDuration, parseCycle, cycleMinGapMs, type Cycle } from './timers.ts';
export { toJson, NotJsonError } from './values.ts';
export { parseCacheStats } from './parse-cache.ts';
export { DEFAULT_FEEL_LIMITS, BudgetExceeded, type FeelLimits } from './budget.ts';

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
  /**
   * Like `evaluate`, but the value is feelin's own (a date stays a date), for values that are fed
   * back into FEEL — a decision table's input value is tested by its input entries. `toJson` turns it
   * into JSON (it throws NotJsonError for functions and ranges).
   */
  evaluateValue(expression: string, variables: Record<string, unknown>): FeelResult;
  /**
   * Evaluates FEEL unary tests (a DMN input entry such as `>= 10`, `"a","b"`, `-`, `not(1)`) against
   * `input` (the `?` of the tests, a value from `evaluateValue` or JSON); the value is true, false or
   * null (null: the tests could not be decided, which a decision table counts as no match).
   */
  unaryTest(tests: string, input: unknown, variables: Record<string, unknown>): FeelResult;
  /** Parses unary tests only — for deploy-time validation. */
  checkUnaryTests(tests: string): { ok: true } | { ok: false; message: string };
}

/** One parsed expression, kept for the life of the evaluator. */
interface Compiled {
  tree: FeelTree;
  /** Syntax error message, when the text does not parse. */
  error?: string;
  /** The added built-ins this expression names (only these are put into its context). */
  builtins: string[];
  /**
   * Whether it has a loop that no budget hook sees (iteration over a list, a filter, a user function
   * that may recurse): it then runs under the wall-time watchdog (budget.ts).
   */
  loops: boolean;
}

/** Node types whose evaluation can loop over a list without calling a function or mapping a range. */
const LOOP_NODES = new Set([
  'ForExpression',
  'QuantifiedExpression',
  'FilterExpression',
  'FunctionDefinition',
]);

/** Expressions cached per evaluator; process models have a bounded set, this is a safety cap. */
const CACHE_LIMIT = 10_000;

/**
 * Parse context: the multi-word names of the added built-ins, so that lezer-feel reads
 * `get or else(...)` as one name and `date and time(...)` as a call of our function rather
 * than feelin's literal. Single words need no help (and `date` here would turn the `date(...)`
 * literal into a plain call). Variables are deliberately NOT part of it — FEEL-Scala (Zeebe)
 * does not allow spaces in variable names either — which makes one parse reusable for any
 * variables.
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

function compile(expression: string, unary = false): Compiled {
  const tree = (unary ? parseUnaryTests : parseExpression)(expression, PARSE_CONTEXT, undefined);
  const names = new Set<string>();
  const typeNames = new Set<string>();
  let typeDepth = 0;
  let loops = false;
  tree.iterate({
    enter(node) {
      if (LOOP_NODES.has(node.name)) loops = true;
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
  return { tree, error, builtins, loops };
}

/**
 * `[TYPE] message`, the form Zeebe appends to an incident ("The evaluation reported the
 * following warnings: …"). The two most common messages are worded as FEEL-Scala words them;
 * the rest keep feelin's wording.
 */
function formatWarning(w: Warning): string {
  const name = /'(.*)'/.exec(w.message)?.[1];
  if (w.type === 'NO_VARIABLE_FOUND' && name !== undefined) {
    return `[NO_VARIABLE_FOUND] No variable found with name '${name}'`;
  }
  if (w.type === 'NO_CONTEXT_ENTRY_FOUND' && name !== undefined) {
    return `[NO_CONTEXT_ENTRY_FOUND] No context entry found with key '${name.split("' not found")[0]}'`;
  }
  return `[${w.type}] ${w.message}`;
}

function failure(expression: string, reason: string): { ok: false; message: string } {
  return { ok: false, message: `failed to evaluate expression '${expression}': ${reason}` };
}

/**
 * Creates a FEEL evaluator. `options.now` is the engine clock behind `now()` and `today()`
 * (default: the system clock); `options.limits` bound every evaluation (budget.ts; defaults
 * DEFAULT_FEEL_LIMITS). An evaluation over its budget fails (an incident) naming the limit.
 */
export function createFeel(options: { now?: () => Date; limits?: Partial<FeelLimits> } = {}): Feel {
  const limits = feelLimits(options.limits);
  const cache = new Map<string, Compiled>();
  let warnings: string[] = [];
  const builtins = createBuiltins({
    now: options.now ?? (() => new Date()),
    warn: (message) => warnings.push(message),
  });

  // Unary tests parse differently from expressions (`< 10` is not an expression), so they have a cache
  // key of their own.
  function compiled(expression: string, unary = false): Compiled {
    const cacheKey = unary ? `\u0000unary:${expression}` : expression;
    let entry = cache.get(cacheKey);
    if (!entry) {
      entry = compile(expression, unary);
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(cacheKey, entry);
    }
    return entry;
  }

  /** Runs one feelin call on a compiled tree with the added built-ins; failures as Zeebe words them. */
  function run(
    expression: string,
    entry: Compiled,
    variables: Record<string, unknown>,
    call: (context: Record<string, unknown>) => { value: unknown; warnings: Warning[] },
    convert: (value: unknown) => unknown,
  ): FeelResult {
    if (entry.error !== undefined) return failure(expression, entry.error);
    // Variables shadow built-ins of the same name, as feelin does for its own built-ins.
    const context: Record<string, unknown> = {};
    for (const name of entry.builtins) context[name] = builtins[name];
    Object.assign(context, variables);
    // A DMN knowledge model called from an expression evaluates its own body inside this one: each
    // evaluation collects its own warnings, and the outer one gets its list back afterwards.
    const outerWarnings = warnings;
    warnings = [];
    try {
      const { result, value } = withBudget(
        limits,
        entry.loops,
        () => {
          const result = withParsedTree(entry.tree, () => call(context));
          return { result, value: convert(result.value) };
        },
        clearInjectedTree,
      );
      const all = [...result.warnings.map(formatWarning), ...warnings];
      return all.length ? { ok: true, value, warnings: all } : { ok: true, value };
    } catch (err) {
      if (err instanceof AssertionFailure) {
        return failure(
          expression,
          `Assertion failure on evaluate the expression '${expression}': ${err.message}`,
        );
      }
      if (err instanceof NotJsonError) return failure(expression, err.message);
      if (err instanceof BudgetExceeded) return failure(expression, err.message);
      if (err instanceof FeelSyntaxError) return failure(expression, err.message);
      return failure(expression, err instanceof Error ? err.message : String(err));
    } finally {
      warnings = outerWarnings;
    }
  }

  return {
    check(expression) {
      const { error } = compiled(expression);
      return error === undefined
        ? { ok: true }
        : { ok: false, message: `failed to parse expression '${expression}': ${error}` };
    },

    evaluate(expression, variables) {
      return run(
        expression,
        compiled(expression),
        variables,
        (context) => feelinEvaluate(expression, context),
        toJson,
      );
    },

    evaluateValue(expression, variables) {
      return run(
        expression,
        compiled(expression),
        variables,
        (context) => feelinEvaluate(expression, context),
        (value) => value,
      );
    },

    unaryTest(tests, input, variables) {
      return run(
        tests,
        compiled(tests, true),
        { ...variables, '?': input ?? null },
        (context) => feelinUnaryTest(tests, context),
        (value) => (value === true || value === false ? value : null),
      );
    },

    checkUnaryTests(tests) {
      const { error } = compiled(tests, true);
      return error === undefined
        ? { ok: true }
        : { ok: false, message: `failed to parse unary tests '${tests}': ${error}` };
    },
  };
}
