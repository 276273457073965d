/**
 * The FEEL evaluation budget (engine/feel/budget.ts, issue 18): every limit stops an expression that
 * would exceed it, with a failure (an incident for the engine) naming the budget, its limit and its
 * setting; ranges are refused before they are built; ordinary expressions are unaffected.
 */
import test from 'ava';
import { evaluate as feelinEvaluate } from '@bpmn-io/feelin';
import { createFeel, DEFAULT_FEEL_LIMITS } from '../engine/feel/index.ts';

const feel = createFeel();
// For what is not about time: the machine running the tests may be busy.
const patient = createFeel({ limits: { maxTimeMs: 10_000 } });

function failure(expression: string, variables: Record<string, unknown> = {}, f = feel): string {
  const r = f.evaluate(expression, variables);
  if (r.ok) throw new Error(`expected a failure for ${expression}, got ${JSON.stringify(r.value)}`);
  return r.message;
}

test('the defaults are the documented ones', (t) => {
  t.deepEqual(DEFAULT_FEEL_LIMITS, {
    maxSteps: 1_000_000,
    maxListSize: 100_000,
    maxStringLength: 1_000_000,
    maxTimeMs: 1000,
  });
});

test('a range of 100,000,000 is refused before it is built: quickly and without memory', (t) => {
  const rss = process.memoryUsage().rss;
  const started = performance.now();
  t.is(
    failure('count(for i in 1..100000000 return i)'),
    "failed to evaluate expression 'count(for i in 1..100000000 return i)': the evaluation exceeded its budget of 100000 list elements (ENGINE_FEEL_MAX_LIST_SIZE): the range 1..100000000 of 100000000 elements",
  );
  t.true(performance.now() - started < 500, `took ${performance.now() - started} ms`);
  // Building it would take gigabytes; 50 MB allows for the test runner's own noise.
  t.true(process.memoryUsage().rss - rss < 50e6);
  // The same in `some`/`every` and in reverse.
  t.regex(
    failure('some i in 1..100000000 satisfies i < 0'),
    /budget of 100000 list elements .*the range 1\.\.100000000/,
  );
  t.regex(failure('for i in 0..-100000000 return i'), /the range 0\.\.-100000000 of 100000001 elements/);
});

test('a number range whose bounds are not whole numbers apart (feelin would loop for ever) is refused', (t) => {
  t.regex(
    failure('for i in 1.5..3 return i'),
    /ENGINE_FEEL_MAX_LIST_SIZE\): the range 1\.5\.\.3 has no end$/,
  );
});

test('steps: nested ranges and results built from shared parts add up', (t) => {
  const small = createFeel({ limits: { maxSteps: 10_000, maxTimeMs: 10_000 } });
  t.regex(
    failure('for i in 1..200 return for j in 1..200 return i * j', {}, small),
    /exceeded its budget of 10000 steps \(ENGINE_FEEL_MAX_STEPS\)/,
  );
  // 1,000 lists of the same 1,000 numbers: 1,001,000 values in the result, over the default budget.
  t.regex(
    failure('{l: for i in 1..1000 return i, r: for i in 1..1000 return l}.r', {}, patient),
    /exceeded its budget of 1000000 steps \(ENGINE_FEEL_MAX_STEPS\)/,
  );
  t.deepEqual(small.evaluate('sum(flatten(for i in 1..100 return for j in 1..10 return j))', {}), {
    ok: true,
    value: 5500,
  });
});

test('list size: a list argument or result over the limit', (t) => {
  const small = createFeel({ limits: { maxListSize: 1000, maxTimeMs: 10_000 } });
  const list = Array.from({ length: 1001 }, (_, i) => i);
  t.regex(
    failure('count(l)', { l: list }, small),
    /budget of 1000 list elements \(ENGINE_FEEL_MAX_LIST_SIZE\): a function argument of 1001 elements$/,
  );
  t.regex(
    failure('concatenate(for i in 1..600 return i, for i in 1..600 return i)', {}, small),
    /a function result of 1200 elements$/,
  );
});

test('string length: function results and the result, including strings doubled by +', (t) => {
  t.regex(
    failure('string join(for i in 1..1000 return s)', { s: 'x'.repeat(10_000) }, patient),
    /budget of 1000000 characters in a string \(ENGINE_FEEL_MAX_STRING_LENGTH\): a function result of 10000000 characters$/,
  );
  t.regex(
    failure('{a: s+s, b: a+a, c: b+b, d: c+c, e: d+d, f: e+e, g: f+f}.g', { s: 'x'.repeat(10_000) }),
    /ENGINE_FEEL_MAX_STRING_LENGTH\): the result of 1280000 characters$/,
  );
  t.regex(
    failure('string length({a: s+s, b: a+a, c: b+b, d: c+c, e: d+d, f: e+e, g: f+f}.g)', {
      s: 'x'.repeat(10_000),
    }),
    /a function argument of 1280000 characters$/,
  );
});

test('wall time: a loop over lists (no range, no function call) is stopped by the watchdog', (t) => {
  const l = Array.from({ length: 5000 }, (_, i) => i);
  const quick = createFeel({ limits: { maxTimeMs: 200 } });
  const started = performance.now();
  t.is(
    failure('count(for a in l, b in l return 1)', { l }, quick),
    "failed to evaluate expression 'count(for a in l, b in l return 1)': the evaluation exceeded its budget of 200 ms of evaluation time (ENGINE_FEEL_MAX_TIME_MS)",
  );
  const took = performance.now() - started;
  t.true(took >= 195 && took < 2000, `took ${took} ms`);
  // The evaluator is fine afterwards (the termination left nothing behind).
  t.deepEqual(patient.evaluate('for x in l[item > 4997] return x + 1', { l }), {
    ok: true,
    value: [4999, 5000],
  });
  t.deepEqual(quick.evaluate('amount > 100', { amount: 150 }), { ok: true, value: true });
});

test('wall time through the hooks: a long chain of function calls stops at the limit', (t) => {
  const quick = createFeel({ limits: { maxTimeMs: 50 } });
  // 90,000 calls of a user function (each a step): under the step budget, over 50 ms.
  const r = quick.evaluate('count(for i in 1..90000 return {f: function(x) x + 1}.f(i))', {});
  t.false(r.ok);
  if (!r.ok) t.regex(r.message, /budget of 50 ms of evaluation time \(ENGINE_FEEL_MAX_TIME_MS\)$/);
});

test('within the budget nothing changes, and feelin used outside the engine is not limited', (t) => {
  t.deepEqual(patient.evaluate('count(for i in 1..50000 return i)', {}), { ok: true, value: 50000 });
  t.deepEqual(patient.evaluate('string join(for i in 1..3 return string(i), "-")', {}), {
    ok: true,
    value: '1-2-3',
  });
  t.deepEqual(patient.evaluate('every x in [1,2,3] satisfies x > 0', {}), { ok: true, value: true });
  // Outside an engine evaluation the hooks stand aside (lint, the admin UI's own FEEL use).
  t.is(feelinEvaluate('count(for i in 1..200000 return i)').value, 200000);
});

test('limits must be positive numbers', (t) => {
  t.throws(() => createFeel({ limits: { maxSteps: 0 } }), {
    message: 'FEEL limit maxSteps must be a positive number',
  });
});
