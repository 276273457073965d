import test from 'ava';
import { createFeel } from '../engine/feel/index.ts';

// Expected values are the examples of docs.camunda.io → components/modeler/feel/builtin-functions
// (8.8), worked through by hand where the docs give none.
const feel = createFeel({ now: () => new Date('2025-03-01T08:30:00Z') });

function value(expression: string, variables: Record<string, unknown> = {}): unknown {
  const r = feel.evaluate(expression, variables);
  if (!r.ok) throw new Error(`expected success for ${expression}: ${r.message}`);
  return r.value;
}

const cases: [string, unknown][] = [
  // boolean functions
  ['is defined(1)', true],
  ['is defined(null)', false],
  ['is defined(x)', false],
  ['is defined(x.y)', false],
  ['is defined({a: 1}.a)', true],
  ['get or else("this", "default")', 'this'],
  ['get or else(null, "default")', 'default'],
  ['get or else(null, null)', null],
  ['get or else(x.y, 0) + 1', 1],
  ['assert(2, 2 > 1)', 2],
  ['assert("v", true, "never shown")', 'v'],
  // string functions
  ['trim("  hello world  ")', 'hello world'],
  ['trim("\\t x \\n")', 'x'],
  ['is blank("")', true],
  ['is blank("  ")', true],
  ['is blank("hello world")', false],
  ['to base64("FEEL")', 'RkVFTA=='],
  ['to base64("城管")', '5Z+O566h'],
  ['extract("references are 1234, 1256, 1378", "12[0-9]*")', ['1234', '1256']],
  ['extract("no digits", "[0-9]+")', []],
  ['string join(["a", "b", "c"])', 'abc'],
  ['string join(["a", "b", "c"], ", ")', 'a, b, c'],
  ['string join(["a", "b", "c"], ", ", "[", "]")', '[a, b, c]'],
  ['string join(["a", null, "c"], "-")', 'a-c'],
  ['string join([], ",")', ''],
  ['string(1.5)', '1.5'],
  ['string(date("2012-12-25"))', '2012-12-25'],
  ['string(date and time("2020-07-01T10:00:00@Asia/Shanghai"))', '2020-07-01T10:00:00@Asia/Shanghai'],
  ['string(duration("PT36H"))', 'P1DT12H'],
  ['string(true)', 'true'],
  ['string(null)', null],
  ['string({a: 1})', '{"a":1}'],
  // conversion
  ['number("1500.5")', 1500.5],
  ['number("1,500", ",")', 1500],
  ['number("1 500.5", " ", ".")', 1500.5],
  ['number("1.500,5", ".", ",")', 1500.5],
  ['number("abc")', null],
  ['context([{key: "a", value: 1}, {key: "b", value: 2}])', { a: 1, b: 2 }],
  ['context([{key: "a", value: 1}, {key: "a", value: 2}])', { a: 2 }],
  // list functions
  ['is empty([])', true],
  ['is empty([1, 2, 3])', false],
  ['partition([1, 2, 3, 4, 5], 2)', [[1, 2], [3, 4], [5]]],
  ['partition([], 2)', []],
  ['partition([1, 2], 0)', null],
  ['duplicate values([1, 2, 3, 2, 1])', [1, 2]],
  ['duplicate values([1, 2, 3])', []],
  ['duplicate values([{a: 1}, {a: 1}, "x", "x", "x"])', [{ a: 1 }, 'x']],
  ['distinct values([1, 2, 3, 2, 1])', [1, 2, 3]],
  // numeric
  ['abs(-10)', 10],
  ['abs(duration("-PT5H"))', 'PT5H'],
  ['abs(duration("P1D"))', 'P1D'],
  ['random number() >= 0 and random number() < 1', true],
  ['floor(1.56, 1)', 1.5],
  ['round half up(5.5, 0)', 6],
  ['decimal(1/3, 2)', 0.33],
  ['modulo(-12, 5)', 3],
  // context functions
  ['get value({a: 1}, "a")', 1],
  ['get value({a: {b: {c: 3}}}, ["a", "b", "c"])', 3],
  ['get value({a: 1}, ["b", "c"])', null],
  ['get value({a: 1}, "b")', null],
  ['context put({x: 1}, ["y", "z"], 2)', null],
  ['context put({x: 1, y: {}}, ["y", "z"], 2)', { x: 1, y: { z: 2 } }],
  ['context merge([{a: 1}, {b: 2}, {a: 3}])', { a: 3, b: 2 }],
  // temporal functions
  ['now()', '2025-03-01T08:30Z[Etc/UTC]'],
  ['today()', '2025-03-01'],
  ['last day of month(date("2022-10-01"))', 31],
  ['last day of month(date("2024-02-10"))', 29],
  ['last day of month(date("2023-02-10"))', 28],
  ['last day of month(date and time("2022-11-16T12:00:00Z"))', 30],
  [
    'date and time(@"2020-07-31T14:27:30@Europe/Berlin", "America/Los_Angeles")',
    '2020-07-31T05:27:30-07:00[America/Los_Angeles]',
  ],
  ['date and time(now(), "Asia/Shanghai")', '2025-03-01T16:30+08:00[Asia/Shanghai]'],
  ['date and time(from: now(), timezone: "Asia/Shanghai").hour', 16],
  [
    'date and time(date and time("2025-03-01T09:00:00"), "Asia/Shanghai")',
    '2025-03-01T09:00+08:00[Asia/Shanghai]',
  ],
  ['date and time(now(), "Mars/Base")', null],
  ['date and time(date("2020-01-01"), time("10:15:00"))', '2020-01-01T10:15'],
  ['date and time(date("2020-01-01"), time("10:15:00+01:00"))', '2020-01-01T10:15+01:00'],
  ['date and time(date: date("2020-01-01"), time: time("10:15:00"))', '2020-01-01T10:15'],
  ['date and time("2020-01-01T10:00:00@Asia/Shanghai")', '2020-01-01T10:00+08:00[Asia/Shanghai]'],
  ['date and time("2020-01-01T10:00:00+01:00[Europe/Berlin]")', '2020-01-01T10:00+01:00[Europe/Berlin]'],
  ['date and time("2020-01-01T10:00:00.123Z")', '2020-01-01T10:00:00.123Z'],
  ['date and time("2020-01-01T10:00:00")', '2020-01-01T10:00'],
  ['date and time(from: "2020-01-01T10:00:00-03:00")', '2020-01-01T10:00-03:00'],
  ['date and time("2020-02-30T10:00:00Z")', null],
  ['date and time("yesterday")', null],
  ['date and time("2025-03-01T16:30:00@Asia/Shanghai") = now()', true],
  ['date and time("2025-03-02T00:00:00@Asia/Shanghai") - now()', 'PT7H30M'],
  ['years and months duration(date("2020-01-01"), date("2021-03-15"))', 'P1Y2M'],
  ['years and months duration(date("2020-01-31"), date("2020-03-30"))', 'P1M'],
  ['years and months duration(date("2021-03-15"), date("2020-01-01"))', '-P1Y2M'],
  ['years and months duration(date("2020-01-01"), date("2020-01-20"))', 'P0D'],
  ['day of week(date("2019-09-17"))', 'Tuesday'],
  ['day of year(date("2019-09-17"))', 260],
  ['week of year(date("2019-09-17"))', 38],
  ['month of year(date("2019-09-17"))', 'September'],
];

for (const [expression, expected] of cases) {
  test(`built-in ${expression}`, (t) => {
    t.deepEqual(value(expression), expected);
  });
}

test('date and time with bad input is null with a warning', (t) => {
  t.deepEqual(feel.evaluate('date and time(now(), "Mars/Base")', {}), {
    ok: true,
    value: null,
    warnings: [
      "[FUNCTION_INVOCATION_FAILURE] Failed to invoke function 'date and time': cannot place the value in time zone 'Mars/Base'",
    ],
  });
  t.deepEqual(feel.evaluate('date and time("yesterday")', {}), {
    ok: true,
    value: null,
    warnings: [
      "[FUNCTION_INVOCATION_FAILURE] Failed to invoke function 'date and time': invalid date-time 'yesterday'",
    ],
  });
});

test('uuid() gives a fresh version-4 UUID each time', (t) => {
  const a = value('uuid()');
  const b = value('uuid()');
  t.regex(String(a), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.not(a, b);
});

test('random number() is a number in [0, 1)', (t) => {
  const n = value('random number()');
  t.is(typeof n, 'number');
  t.true((n as number) >= 0 && (n as number) < 1);
});

test('assert fails the evaluation (an incident) when the condition is not met', (t) => {
  t.deepEqual(feel.evaluate('assert(x, x != null)', {}), {
    ok: false,
    message:
      "failed to evaluate expression 'assert(x, x != null)': Assertion failure on evaluate the expression 'assert(x, x != null)': The condition is not fulfilled",
  });
  t.deepEqual(feel.evaluate(`assert(b, b >= 0, "'b' should be positive")`, { b: -1 }), {
    ok: false,
    message: `failed to evaluate expression 'assert(b, b >= 0, "'b' should be positive")': Assertion failure on evaluate the expression 'assert(b, b >= 0, "'b' should be positive")': 'b' should be positive`,
  });
  t.deepEqual(feel.evaluate('assert(x, x != null)', { x: 'value' }), { ok: true, value: 'value' });
});

test('a built-in given the wrong types is null with a warning', (t) => {
  t.deepEqual(feel.evaluate('trim(5)', {}), {
    ok: true,
    value: null,
    warnings: ["[FUNCTION_INVOCATION_FAILURE] Failed to invoke function 'trim': expected a string"],
  });
  t.deepEqual(feel.evaluate('partition("abc", 2)', {}), {
    ok: true,
    value: null,
    warnings: [
      "[FUNCTION_INVOCATION_FAILURE] Failed to invoke function 'partition': expected a list and a positive integer size",
    ],
  });
  t.deepEqual(feel.evaluate('extract("a", "(")', {}), {
    ok: true,
    value: null,
    warnings: ["[FUNCTION_INVOCATION_FAILURE] Failed to invoke function 'extract': invalid pattern '('"],
  });
  // warnings belong to one evaluation only
  t.deepEqual(feel.evaluate('trim(" a ")', {}), { ok: true, value: 'a' });
});

test('built-ins can be called with named parameters', (t) => {
  t.is(value('get or else(value: null, default: 7)'), 7);
  t.deepEqual(value('partition(list: [1, 2, 3], size: 2)'), [[1, 2], [3]]);
  t.is(value('string join(list: ["a", "b"], delimiter: "/")'), 'a/b');
});
