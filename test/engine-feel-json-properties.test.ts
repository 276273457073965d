import test from 'ava';
import fc from 'fast-check';
import { createFeel } from '../engine/feel/index.ts';

// Property: JSON variables pass through FEEL unchanged — a variable read back, inside a list
// and inside a context, is deep-equal to what went in. Numbers are limited to 15 significant
// digits, the precision the evaluator guarantees (see engine/feel/index.ts, "Numbers").

const feel = createFeel();

const json = fc.jsonValue({ maxDepth: 3 }).map(function clean(v: unknown): unknown {
  if (typeof v === 'number') return Object.is(v, -0) ? 0 : Number(v.toPrecision(15));
  if (Array.isArray(v)) return v.map(clean);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clean(x)]));
  }
  return v;
});

test('JSON values survive a round trip through FEEL', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(json, (v) => {
        const direct = feel.evaluate('x', { x: v });
        const inList = feel.evaluate('[x, 1]', { x: v });
        const inContext = feel.evaluate('{a: x}.a', { x: v });
        const expect = { ok: true, value: v };
        return (
          JSON.stringify(direct) === JSON.stringify(expect) &&
          JSON.stringify(inList) === JSON.stringify({ ok: true, value: [v, 1] }) &&
          JSON.stringify(inContext) === JSON.stringify(expect)
        );
      }),
      { numRuns: 300 },
    ),
  );
});

test('keys that are JavaScript object internals stay ordinary keys', (t) => {
  const v = JSON.parse('{"__proto__": {"a": 1}, "constructor": 2, "toString": "x"}') as unknown;
  t.is(JSON.stringify(feel.evaluate('x', { x: v })), JSON.stringify({ ok: true, value: v }));
  t.deepEqual(feel.evaluate('x.toString', { x: v }), { ok: true, value: 'x' });
  t.deepEqual(feel.evaluate('{a: 1}.hasOwnProperty', {}), {
    ok: true,
    value: null,
    warnings: ["[NO_CONTEXT_ENTRY_FOUND] No context entry found with key 'hasOwnProperty'"],
  });
});
