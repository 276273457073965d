/**
 * Parse-once support for @bpmn-io/feelin.
 *
 * WHY this exists: feelin's `evaluate(expression, context)` re-parses the expression text on
 * every call, and parsing is ~90% of its cost (measured: 33k parses/s for `amount > 100`, 7k/s
 * for a one-line `if`). The engine evaluates the same few expressions thousands of times per
 * second, and feelin has no API to evaluate an already parsed tree. Its parse step is exactly
 * `parser.configure({...}).parse(text)` on the shared `parser` of @bpmn-io/lezer-feel, so we wrap
 * that `configure` method: while a cached tree is "injected", `configure` returns a stub whose
 * `parse` hands back the cached (immutable) lezer tree. Outside an injection every call goes to
 * the original method untouched, so other users of lezer-feel in the process see no change.
 * Evaluation is synchronous, so the module-level injection slot cannot be observed by anyone
 * else. If a future feelin stops parsing through `configure`, the injected tree is simply not
 * consumed and feelin parses itself: slower, still correct (`parseCacheStats` shows it).
 */
import { parser } from '@bpmn-io/lezer-feel';
import type { parseExpression } from '@bpmn-io/feelin';

/** A lezer syntax tree as returned by feelin's parse functions. */
export type FeelTree = ReturnType<typeof parseExpression>;

type Configure = typeof parser.configure;

let injected: FeelTree | undefined;

/** Counters for tests and benchmarks: how often feelin really parsed, how often a tree was reused. */
export const parseCacheStats = { realParses: 0, reused: 0 };

const originalConfigure: Configure = parser.configure.bind(parser);

parser.configure = function configure(config) {
  if (injected === undefined) {
    parseCacheStats.realParses++;
    return originalConfigure(config);
  }
  const tree = injected;
  injected = undefined;
  parseCacheStats.reused++;
  // Only `parse` is used by feelin on the configured parser.
  return { parse: () => tree } as unknown as ReturnType<Configure>;
} as Configure;

/**
 * Runs `run` (a synchronous feelin call) so that its parse step yields `tree` instead of
 * parsing the text again.
 */
export function withParsedTree<T>(tree: FeelTree, run: () => T): T {
  injected = tree;
  try {
    return run();
  } finally {
    injected = undefined;
  }
}

/** Clears an injection a terminated evaluation left behind (a watchdog termination skips `finally`). */
export function clearInjectedTree() {
  injected = undefined;
}
