/**
 * The evaluation budget: every FEEL evaluation the engine runs is bounded in steps, list size, string
 * length and wall time, so that no expression in a deployed procedure can stall or exhaust the process
 * (issue 18: `count(for i in 1..100000000 return i)` took the hub down; at 1..10,000,000 it stalled the
 * event loop 6.5 s and reached 2.1 GB).
 *
 * WHY hooks and not a fork: @bpmn-io/feelin's interpreter is closed (one module, no extension points),
 * but every costly thing it does goes through two objects we can reach from outside:
 * - **Ranges.** `for i in 1..n`, `some`/`every` and filters iterate a range through its `map`, which
 *   builds the whole list (n contexts) at once. A Range's properties are set by `Object.assign(this,
 *   props)` in its constructor, which *assigns*: an accessor `map` on Range.prototype therefore sees every
 *   new range's `map` before any element exists, and we replace it by one that charges the range's size
 *   first. So 1..100000000 is refused before anything is materialised. (feelin's number range also never
 *   ends when its bounds are not a whole number apart, `1.5..3`: refused the same way.)
 * - **Function calls.** Every call, built-in or user-defined, goes through FunctionWrapper.prototype.invoke:
 *   one step per call, list arguments charged by their length (a list function is linear in it), string
 *   and list results checked against the size limits.
 * Plus the conversion of the result to JSON (one step per list element or context entry: a small
 * expression can build a huge value from shared parts).
 * Loops that touch neither (a cartesian `for a in l, b in l` over lists, a filter over a list) are
 * bounded by wall time: expressions that contain such constructs run under a watchdog (node:vm's
 * timeout, which terminates any JavaScript running during the call); the others are checked against the
 * clock every 1,024 steps.
 *
 * The hooks do nothing outside an evaluation started by `withBudget`, so other users of feelin in the
 * process (lint, tests) see feelin unchanged.
 */
import vm from 'node:vm';
import { evaluate as feelinEvaluate } from '@bpmn-io/feelin';

/** Limits of one evaluation; every field is a positive number. */
export interface FeelLimits {
  /** Function calls + elements iterated (ranges, list arguments) + values converted to JSON. */
  maxSteps: number;
  /** Elements of one list (a range iterated, a list argument or result). */
  maxListSize: number;
  /** Characters of one string (an argument or result of a function, the result). */
  maxStringLength: number;
  /** Wall time of one evaluation, in milliseconds. */
  maxTimeMs: number;
}

/**
 * Defaults (ENGINE_FEEL_MAX_* in the hub's configuration). Generous for procedures (lists of a few
 * thousand items, texts of a few pages) and small enough that one evaluation holds the engine for a
 * fraction of a second: `count(for i in 1..100000 return i)` takes ~150 ms on a quiet core here. The
 * wall time is the last line (steps and sizes are the deterministic ones): a cold process on a busy
 * machine took 180 ms for a filter over 5,000 elements, so it leaves room for that.
 */
export const DEFAULT_FEEL_LIMITS: FeelLimits = {
  maxSteps: 1_000_000,
  maxListSize: 100_000,
  maxStringLength: 1_000_000,
  maxTimeMs: 1000,
};

/** The setting that sets each limit, named in incident messages so the administrator knows what to change. */
const SETTING: Record<keyof FeelLimits, string> = {
  maxSteps: 'ENGINE_FEEL_MAX_STEPS',
  maxListSize: 'ENGINE_FEEL_MAX_LIST_SIZE',
  maxStringLength: 'ENGINE_FEEL_MAX_STRING_LENGTH',
  maxTimeMs: 'ENGINE_FEEL_MAX_TIME_MS',
};

const WHAT: Record<keyof FeelLimits, string> = {
  maxSteps: 'steps',
  maxListSize: 'list elements',
  maxStringLength: 'characters in a string',
  maxTimeMs: 'ms of evaluation time',
};

/** Thrown when an evaluation goes over its budget; the evaluator turns it into a failure (an incident). */
export class BudgetExceeded extends Error {
  constructor(
    readonly budget: keyof FeelLimits,
    readonly limit: number,
    detail?: string,
  ) {
    super(
      `the evaluation exceeded its budget of ${limit} ${WHAT[budget]} (${SETTING[budget]})${detail ? `: ${detail}` : ''}`,
    );
    this.name = 'BudgetExceeded';
  }
}

class Budget {
  steps = 0;
  private readonly deadline: number;
  constructor(readonly limits: FeelLimits) {
    this.deadline = performance.now() + limits.maxTimeMs;
  }

  charge(n: number, detail?: string) {
    const before = this.steps;
    this.steps += n;
    if (this.steps > this.limits.maxSteps) throw new BudgetExceeded('maxSteps', this.limits.maxSteps, detail);
    // The clock every 1,024 steps: cheap, and often enough for loops that go through a hook.
    if (before >> 10 !== this.steps >> 10) this.checkTime();
  }

  checkTime() {
    if (performance.now() > this.deadline) throw new BudgetExceeded('maxTimeMs', this.limits.maxTimeMs);
  }

  list(size: number, what: string) {
    if (size > this.limits.maxListSize)
      throw new BudgetExceeded('maxListSize', this.limits.maxListSize, `${what} of ${size} elements`);
  }

  string(length: number, what: string) {
    if (length > this.limits.maxStringLength)
      throw new BudgetExceeded(
        'maxStringLength',
        this.limits.maxStringLength,
        `${what} of ${length} characters`,
      );
  }

  /** A value crossing a function boundary: its own size only (nested values were checked where made). */
  value(v: unknown, what: string) {
    if (typeof v === 'string') this.string(v.length, what);
    else if (Array.isArray(v)) this.list(v.length, what);
  }
}

let current: Budget | undefined;

/** Charges `n` steps to the running evaluation's budget (no-op outside one). */
export function chargeSteps(n: number) {
  current?.charge(n);
}

/** Checks a string's length against the running evaluation's budget (no-op outside one). */
export function checkString(s: string, what: string) {
  current?.string(s.length, what);
}

// --- the hooks -------------------------------------------------------------------------------------

type RangeLike = { start: unknown; end: unknown; 'start included': boolean; 'end included': boolean };
type MapFn = (fn: (value: unknown) => unknown) => unknown[];

/** Elements a number range's map visits, or undefined when feelin's loop would never end. */
function numberRangeSize(range: RangeLike): number | undefined {
  const { start, end } = range;
  if (typeof start !== 'number' || typeof end !== 'number') return 0;
  const span = Math.abs(end - start);
  if (!Number.isFinite(span) || !Number.isInteger(span)) return undefined;
  return span + 1;
}

function installHooks() {
  // Reach feelin's classes through values it hands out: a range literal and a function.
  const rangeProto = Object.getPrototypeOf(feelinEvaluate('[1..2]').value) as object;
  const fnProto = Object.getPrototypeOf(feelinEvaluate('function(a) a').value) as {
    invoke: (this: unknown, contextOrArgs: unknown) => unknown;
  };
  if (!('map' in (feelinEvaluate('[1..2]').value as object)) || typeof fnProto.invoke !== 'function') {
    throw new Error(
      '@bpmn-io/feelin changed: the FEEL budget hooks cannot be installed (engine/feel/budget.ts)',
    );
  }

  Object.defineProperty(rangeProto, 'map', {
    configurable: true,
    get: () => undefined,
    set(this: RangeLike, map: MapFn) {
      const range: RangeLike = { ...this };
      Object.defineProperty(this, 'map', {
        configurable: true,
        enumerable: true,
        writable: true,
        value: (fn: (value: unknown) => unknown) => {
          const budget = current;
          if (budget) {
            const size = numberRangeSize(range);
            const shown = `${String(range.start)}..${String(range.end)}`;
            if (size === undefined) {
              // feelin steps by 1 until it meets the end exactly: this range would never end.
              throw new BudgetExceeded(
                'maxListSize',
                budget.limits.maxListSize,
                `the range ${shown} has no end`,
              );
            }
            budget.list(size, `the range ${shown}`);
            budget.charge(size, `iterating the range ${shown}`);
          }
          return map(fn);
        },
      });
    },
  });

  const invoke = fnProto.invoke;
  fnProto.invoke = function budgetedInvoke(this: unknown, contextOrArgs: unknown) {
    const budget = current;
    if (!budget) return invoke.call(this, contextOrArgs);
    let work = 1;
    const args = Array.isArray(contextOrArgs)
      ? contextOrArgs
      : contextOrArgs !== null && typeof contextOrArgs === 'object'
        ? Object.values(contextOrArgs)
        : [];
    for (const arg of args) {
      budget.value(arg, 'a function argument');
      if (Array.isArray(arg)) work += arg.length;
    }
    budget.charge(work);
    const result = invoke.call(this, contextOrArgs);
    budget.value(result, 'a function result');
    return result;
  };
}

installHooks();

// --- running an evaluation -------------------------------------------------------------------------

const sandbox = vm.createContext({ run: () => undefined as unknown });
const callRun = new vm.Script('run()');

/**
 * Runs `evaluation` (synchronous) under `limits`. With `watchdog`, the wall-time limit is also enforced
 * by node:vm, for loops no hook sees (it costs ~0.1 ms per call: a thread is started, so only expressions
 * with loops use it). `cleanup` runs after a watchdog termination, which skips `finally` blocks inside.
 */
export function withBudget<T>(
  limits: FeelLimits,
  watchdog: boolean,
  evaluation: () => T,
  cleanup: () => void,
): T {
  const outer = current;
  const budget = new Budget(limits);
  current = budget;
  try {
    if (!watchdog) return evaluation();
    (sandbox as { run: () => unknown }).run = evaluation;
    try {
      return callRun.runInContext(sandbox, { timeout: Math.max(1, Math.ceil(limits.maxTimeMs)) }) as T;
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
        cleanup();
        throw new BudgetExceeded('maxTimeMs', limits.maxTimeMs);
      }
      throw error;
    } finally {
      (sandbox as { run: () => unknown }).run = () => undefined;
    }
  } finally {
    current = outer;
  }
}

/** Merges partial limits over the defaults, refusing values that are not positive numbers. */
export function feelLimits(partial: Partial<FeelLimits> = {}): FeelLimits {
  const limits = { ...DEFAULT_FEEL_LIMITS };
  for (const key of Object.keys(DEFAULT_FEEL_LIMITS) as (keyof FeelLimits)[]) {
    const value = partial[key];
    if (value === undefined) continue;
    if (!(typeof value === 'number' && value > 0))
      throw new Error(`FEEL limit ${key} must be a positive number`);
    limits[key] = value;
  }
  return limits;
}
