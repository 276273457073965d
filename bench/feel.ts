/**
 * FEEL evaluation throughput: `npx tsx bench/feel.ts`.
 * Compares the engine's evaluator (parse cache) with calling @bpmn-io/feelin directly, which
 * re-parses the text on every call.
 */
import { evaluate as feelinEvaluate } from '@bpmn-io/feelin';
import { createFeel } from '../engine/feel/index.ts';

const feel = createFeel();

function measure(label: string, run: (i: number) => void, ms = 1500): void {
  for (let i = 0; i < 2000; i++) run(i); // warm-up
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (let k = 0; k < 1000; k++) run(n++);
  }
  const seconds = (performance.now() - start) / 1000;
  const perSecond = Math.round(n / seconds);
  console.log(
    `${label.padEnd(62)} ${perSecond.toLocaleString('en-US').padStart(10)} /s  ${(1e6 / perSecond).toFixed(1)} µs`,
  );
}

const simple = 'amount > 100';
const longer = 'if order.total > 100 and customer.vip = true then "gold" else "standard"';
const filter = 'sum(order.lines[qty > 1].qty)';
const order = { total: 150, lines: [{ qty: 2 }, { qty: 1 }, { qty: 5 }] };

measure(`createFeel().evaluate  ${simple}`, (i) => feel.evaluate(simple, { amount: i }));
measure(`feelin evaluate        ${simple}`, (i) => feelinEvaluate(simple, { amount: i }));
measure(`createFeel().evaluate  if … then … else …`, (i) =>
  feel.evaluate(longer, { order: { total: i }, customer: { vip: true } }),
);
measure(`feelin evaluate        if … then … else …`, (i) =>
  feelinEvaluate(longer, { order: { total: i }, customer: { vip: true } }),
);
measure(`createFeel().evaluate  ${filter}`, () => feel.evaluate(filter, { order }));
measure(`createFeel().evaluate  with a built-in: get or else(x, 0) + 1`, () =>
  feel.evaluate('get or else(x, 0) + 1', {}),
);
