import test from 'ava';
import { createFeel, parseCacheStats, type FeelResult } from '../engine/feel/index.ts';

// The engine clock, pinned: Saturday 2025-03-01 08:30:00 UTC.
const feel = createFeel({ now: () => new Date('2025-03-01T08:30:00Z') });

const vars = {
  amount: 150,
  name: 'Rugao',
  nothing: null,
  order: {
    id: 'o-1',
    total: 99.5,
    lines: [
      { sku: 'a', qty: 2 },
      { sku: 'b', qty: 5 },
    ],
  },
  list: [3, 1, 2],
  day: '2024-01-31',
  案件: { 状态: '已立案', 街道: '城北街道' },
};

function value(expression: string, variables: Record<string, unknown> = vars): unknown {
  const r = feel.evaluate(expression, variables);
  if (!r.ok) throw new Error(`expected success for ${expression}: ${r.message}`);
  return r.value;
}

const cases: [string, unknown][] = [
  // arithmetic
  ['1 + 2 * 3', 7],
  ['(1 + 2) * 3', 9],
  ['10 / 4', 2.5],
  ['10 / 2', 5],
  ['2 ** 10', 1024],
  ['-amount + 50', -100],
  ['7 - -1', 8],
  ['0.1 + 0.2', 0.3],
  ['1.1 * 3', 3.3],
  ['1 / 0', null],
  ['amount > 100', true],
  ['amount >= 150 and amount < 151', true],
  ['amount != 150', false],
  // strings
  ['"a" + "b"', 'ab'],
  ['name + "-" + string(amount)', 'Rugao-150'],
  ['upper case(name)', 'RUGAO'],
  ['substring(name, 2, 3)', 'uga'],
  ['string length("如皋")', 2],
  ['contains(name, "ga")', true],
  ['starts with(name, "Ru")', true],
  ['split("a,b,c", ",")', ['a', 'b', 'c']],
  ['replace("abc", "b", "x")', 'axc'],
  ['matches("abc123", "^[a-z]+\\d+$")', true],
  ['"a" < "b"', true],
  // lists
  ['[1, 2, 3]', [1, 2, 3]],
  ['list[1]', 3],
  ['list[-1]', 2],
  ['list[item > 1]', [3, 2]],
  ['count(list)', 3],
  ['sum(list)', 6],
  ['max(list)', 3],
  ['mean([1, 2])', 1.5],
  ['sort(list, function(a, b) a < b)', [1, 2, 3]],
  ['list contains(list, 2)', true],
  ['append(list, 4)', [3, 1, 2, 4]],
  ['distinct values([1, 1, 2])', [1, 2]],
  ['flatten([[1], [2, [3]]])', [1, 2, 3]],
  ['index of([1, 2, 1], 1)', [1, 3]],
  // contexts and paths
  ['{a: 1, b: a + 1}', { a: 1, b: 2 }],
  ['{"zone name": "城北街道"}', { 'zone name': '城北街道' }],
  ['order.id', 'o-1'],
  ['order.lines.sku', ['a', 'b']],
  ['order.lines[qty > 2].sku', ['b']],
  ['order.lines[1].qty', 2],
  ['sum(order.lines.qty)', 7],
  ['{a: {b: [1, 2]}}.a.b[2]', 2],
  ['context put({a: 1}, "b", 2)', { a: 1, b: 2 }],
  ['context merge({a: 1}, {b: 2})', { a: 1, b: 2 }],
  ['get entries({a: 1})', [{ key: 'a', value: 1 }]],
  // Chinese names, as the hub's processes use them
  ['案件.状态 = "已立案"', true],
  ['案件.街道 + "/" + name', '城北街道/Rugao'],
  // for / some / every / if
  ['for x in list return x * 2', [6, 2, 4]],
  ['for i in 1..3 return i * i', [1, 4, 9]],
  ['for i in 1..2, j in [10, 20] return i * j', [10, 20, 20, 40]],
  ['some x in list satisfies x > 2', true],
  ['every x in list satisfies x > 2', false],
  ['if amount > 100 then "big" else "small"', 'big'],
  ['if nothing = null then "none" else "some"', 'none'],
  // between / in
  ['amount between 100 and 200', true],
  ['5 between 6 and 10', false],
  ['amount in [100..200]', true],
  ['amount in (150..200]', false],
  ['amount in > 100', true],
  ['amount in [1, 150, 3]', true],
  ['"b" in ["a", "b"]', true],
  // booleans, three-valued logic
  ['true and nothing', null],
  ['false and nothing', false],
  ['true or nothing', true],
  ['not(amount > 1)', false],
  ['nothing = null', true],
];

for (const [expression, expected] of cases) {
  test(`evaluates ${expression}`, (t) => {
    t.deepEqual(value(expression), expected);
  });
}

test('temporal arithmetic against the pinned engine clock', (t) => {
  t.is(value('now()'), '2025-03-01T08:30Z[Etc/UTC]');
  t.is(value('today()'), '2025-03-01');
  t.is(value('now() + duration("P1D")'), '2025-03-02T08:30Z[Etc/UTC]');
  t.is(value('now() - duration("PT30M")'), '2025-03-01T08:00Z[Etc/UTC]');
  t.is(value('today() - date("2025-01-01")'), 'P59D');
  t.is(value('date(day) + duration("P1M")'), '2024-02-29');
  t.is(value('date("2024-02-29") + duration("P1Y")'), '2025-02-28');
  t.is(value('date and time("2020-01-02T06:00:00Z") - date and time("2020-01-01T04:30:00Z")'), 'P1DT1H30M');
  t.is(value('years and months duration(date("2020-01-01"), today())'), 'P5Y2M');
  t.true(value('date("2020-01-01") < date("2020-02-01")') as boolean);
  t.true(value('duration("P1D") > duration("PT23H")') as boolean);
  t.true(value('now() > date and time("2025-03-01T08:29:59Z")') as boolean);
  t.is(value('date("2020-01-01").year'), 2020);
  t.is(value('date("2024-01-01").weekday'), 1);
  t.is(value('duration("P1DT2H").hours'), 2);
  t.is(value('time("10:15:00") + duration("PT1H")'), '11:15');
  t.is(value('@"2020-05-06"'), '2020-05-06');
});

test('a clock change is seen by the next evaluation', (t) => {
  let now = new Date('2025-01-01T00:00:01Z');
  const f = createFeel({ now: () => now });
  t.deepEqual(f.evaluate('now()', {}), { ok: true, value: '2025-01-01T00:00:01Z[Etc/UTC]' });
  now = new Date('2030-06-15T23:59:59.250Z');
  t.deepEqual(f.evaluate('now()', {}), { ok: true, value: '2030-06-15T23:59:59.250Z[Etc/UTC]' });
  t.deepEqual(f.evaluate('today()', {}), { ok: true, value: '2030-06-15' });
});

test('results are JSON as Zeebe stores them', (t) => {
  // Temporal values: Java's toString() of the FEEL value (camunda/camunda#8842), which leaves
  // out zero seconds.
  t.is(value('date("2020-01-01")'), '2020-01-01');
  t.is(value('time("10:15:00")'), '10:15');
  t.is(value('time("10:15:30")'), '10:15:30');
  t.is(value('time("10:15:00+01:00")'), '10:15+01:00');
  t.is(value('date and time("2020-01-01T10:00:00")'), '2020-01-01T10:00');
  t.is(value('date and time("2020-01-01T10:00:00Z")'), '2020-01-01T10:00Z');
  t.is(value('date and time("2020-01-01T10:00:07Z")'), '2020-01-01T10:00:07Z');
  // midnight UTC stays a date-time (feelin alone would type it as a date)
  t.is(value('date and time("2020-01-01T00:00:00Z")'), '2020-01-01T00:00Z');
  t.is(value('date and time("2020-01-01T00:00:00Z") instance of date and time'), true);
  t.is(value('date and time("2019-12-31T23:00:00Z") + duration("PT1H")'), '2020-01-01T00:00Z');
  t.is(value('date and time("2020-01-01T10:00:00.5Z")'), '2020-01-01T10:00:00.500Z');
  t.is(value('date and time("2020-01-01T10:00:00+08:00")'), '2020-01-01T10:00+08:00');
  t.is(value('date and time("2020-07-01T10:00:00@Asia/Shanghai")'), '2020-07-01T10:00+08:00[Asia/Shanghai]');
  // FEEL's string() keeps FEEL's own format
  t.is(value('string(now())'), '2025-03-01T08:30:00@Etc/UTC');
  t.is(value('string(date and time("2020-01-01T10:00:00+08:00"))'), '2020-01-01T10:00:00+08:00');
  t.is(value('duration("PT36H")'), 'P1DT12H');
  t.is(value('duration("P14M")'), 'P1Y2M');
  t.is(value('duration("PT0S")'), 'PT0S');
  t.is(value('duration("-PT90M")'), '-PT1H30M');
  t.is(value('duration("PT1.5S")'), 'PT1.5S');
  t.deepEqual(value('{d: date("2020-01-01"), l: [duration("P1D")], n: {x: null}}'), {
    d: '2020-01-01',
    l: ['P1D'],
    n: { x: null },
  });
  // Integers stay integers; JSON numbers pass through untouched.
  t.true(Number.isInteger(value('4 / 2')));
  t.is(JSON.stringify(value('amount * 2')), '300');
  t.is(value('x', { x: 9007199254740991 }), 9007199254740991);
  t.is(value('x', { x: 0.1234567890123 }), 0.1234567890123);
  t.is(value('x / 3', { x: 1 }), 1 / 3);
  t.deepEqual(value('order'), vars.order);
});

test('a function or a range cannot become a variable: evaluation fails', (t) => {
  t.deepEqual(feel.evaluate('function(a) a + 1', {}), {
    ok: false,
    message: "failed to evaluate expression 'function(a) a + 1': a function cannot be stored as a variable",
  });
  t.deepEqual(feel.evaluate('[1..3]', {}), {
    ok: false,
    message: "failed to evaluate expression '[1..3]': a range cannot be stored as a variable",
  });
});

test('missing variables and entries are null with warnings, as in Camunda 8.3+', (t) => {
  t.deepEqual(feel.evaluate('x', {}), {
    ok: true,
    value: null,
    warnings: ["[NO_VARIABLE_FOUND] No variable found with name 'x'"],
  });
  t.deepEqual(feel.evaluate('x.y', {}), {
    ok: true,
    value: null,
    warnings: [
      "[NO_VARIABLE_FOUND] No variable found with name 'x'",
      "[NO_PROPERTY_FOUND] Property 'y' not found in 'null'",
    ],
  });
  t.deepEqual(feel.evaluate('order.customer.name', vars), {
    ok: true,
    value: null,
    warnings: [
      "[NO_CONTEXT_ENTRY_FOUND] No context entry found with key 'customer'",
      "[NO_PROPERTY_FOUND] Property 'name' not found in 'null'",
    ],
  });
  // a comparison with a missing variable is null, not false (the engine decides what that means)
  t.is(value('x > 5', {}), null);
  t.is(value('x = null', {}), true);
  t.deepEqual(value('[{a: 1}, {b: 2}].a', {}), [1, null]);
  t.deepEqual(value('[{a: 1}, {b: 2}][a < 10]', {}), [{ a: 1 }]);
  t.is(value('x != null and x.y > 10', {}), false);
  t.is(value('get or else(x, "prio-99")', {}), 'prio-99');
  t.deepEqual(feel.evaluate('"order-" + 123', {}), {
    ok: true,
    value: null,
    warnings: [`[INVALID_TYPE] Can't add '123' to '"order-"'`],
  });
  // a variable whose value is null is found (no warning)
  t.deepEqual(feel.evaluate('nothing', vars), { ok: true, value: null });
});

test('syntax errors fail the evaluation with a Zeebe-like message', (t) => {
  t.deepEqual(feel.evaluate('1 +', {}), {
    ok: false,
    message: "failed to evaluate expression '1 +': unexpected end of expression at position 4",
  });
  t.deepEqual(feel.evaluate('if then', {}), {
    ok: false,
    message: "failed to evaluate expression 'if then': unexpected 'then' at position 4",
  });
  t.deepEqual(feel.evaluate('', {}), {
    ok: false,
    message: "failed to evaluate expression '': the expression is empty",
  });
  t.deepEqual(feel.evaluate('{a: 1', {}), {
    ok: false,
    message: "failed to evaluate expression '{a: 1': unexpected end of expression at position 6",
  });
});

test('check parses without evaluating', (t) => {
  t.deepEqual(feel.check('amount > 100 and order.total < 5'), { ok: true });
  t.deepEqual(feel.check('for i in 1..100000000 return i'), { ok: true });
  t.deepEqual(feel.check('get or else(x, 1)'), { ok: true });
  t.deepEqual(feel.check('amount >'), {
    ok: false,
    message: "failed to parse expression 'amount >': unexpected end of expression at position 9",
  });
  t.deepEqual(feel.check('a ) b'), {
    ok: false,
    message: "failed to parse expression 'a ) b': unexpected ')' at position 3",
  });
});

test('instance of checks FEEL types', (t) => {
  const v = { n: 1, s: 'x', b: true, l: [1], c: { a: 1 }, z: null };
  t.deepEqual(
    value(
      '[n instance of number, s instance of string, b instance of boolean, l instance of list, c instance of context, n instance of string, z instance of number]',
      v,
    ),
    [true, true, true, true, true, false, false],
  );
  t.deepEqual(
    value(
      '[date("2020-01-01") instance of date, time("10:00:00") instance of time, now() instance of date]',
      v,
    ),
    [true, true, false],
  );
  t.deepEqual(
    value(
      '[now() instance of date and time, date("2020-01-01") instance of date and time, duration("P1D") instance of days and time duration, duration("P1Y") instance of years and months duration, duration("P1Y") instance of days and time duration, duration("PT1H") instance of years and months duration]',
      v,
    ),
    [true, false, true, true, false, false],
  );
  // the conversion functions of the same name still work next to a type test
  t.deepEqual(value('[number("12") instance of number, string(1) instance of string]', v), [true, true]);
});

test('variables are not mutated and do not leak between evaluations', (t) => {
  const input = { a: { b: 1 }, l: [1, 2] };
  const snapshot = structuredClone(input);
  value('context put(a, "c", 2)', input);
  value('append(l, 3)', input);
  t.deepEqual(input, snapshot);
  t.deepEqual(feel.evaluate('a', {}), {
    ok: true,
    value: null,
    warnings: ["[NO_VARIABLE_FOUND] No variable found with name 'a'"],
  });
});

test('a variable may shadow an added built-in name', (t) => {
  t.is(value('trim', { trim: 'value' }), 'value');
  t.is(value('trim("  x ")', {}), 'x');
});

test('parsed expressions are cached: repeated evaluations do not parse again', (t) => {
  const f = createFeel();
  const expression = 'amount > 100 and order.total < 1000 /* cache probe */';
  const first: FeelResult = f.evaluate(expression, { amount: 1, order: { total: 1 } });
  t.deepEqual(first, { ok: true, value: false });
  const before = { ...parseCacheStats };
  for (let i = 0; i < 50; i++) {
    t.deepEqual(f.evaluate(expression, { amount: 101 + i, order: { total: i } }), { ok: true, value: true });
  }
  t.is(parseCacheStats.realParses, before.realParses);
  t.is(parseCacheStats.reused, before.reused + 50);
});
