// How a period's statistics rows are read (src/statistics/query.ts periodParts): whatever the period, the
// parts added and taken out cover each of its days exactly once and no day outside it; whole years and
// months come from their own rows, and a period far inside a year is the year less its edges.
import test from 'ava';
import { DateTime } from 'luxon';
import { periodParts, type Part } from '../src/statistics/query.ts';

/** How many times each day is counted: a yearly or monthly part counts each of its days. */
function coverage(parts: Part[]): Map<string, number> {
  const counted = new Map<string, number>();
  for (const part of parts) {
    const first = DateTime.fromISO(part.from);
    const last = DateTime.fromISO(part.to);
    const end =
      part.level === '@year' ? last.endOf('year') : part.level === '@month' ? last.endOf('month') : last;
    for (let d = first; d <= end; d = d.plus({ days: 1 })) {
      const day = d.toISODate()!;
      counted.set(day, (counted.get(day) ?? 0) + part.sign);
    }
  }
  return counted;
}

test('every period: each of its days counted once, no other day', (t) => {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const origin = DateTime.fromISO('2024-01-01');
  for (let i = 0; i < 120; i++) {
    const from = origin.plus({ days: rnd(1100) });
    const to = from.plus({ days: rnd(800) });
    const counted = coverage(periodParts({ from: from.toISODate()!, to: to.toISODate()! }));
    for (const [day, n] of counted) {
      const inside = day >= from.toISODate()! && day <= to.toISODate()!;
      if (n !== (inside ? 1 : 0)) t.fail(`${from.toISODate()}..${to.toISODate()}: ${day} counted ${n}`);
    }
    for (let d = from; d <= to; d = d.plus({ days: 1 }))
      if (counted.get(d.toISODate()!) !== 1) t.fail(`${d.toISODate()} not counted`);
  }
  t.pass();
});

test('whole years and months from their rows; a period deep inside a year is the year less its edges', (t) => {
  t.deepEqual(periodParts({ from: '2025-01-01', to: '2026-12-31' }), [
    { level: '@year', from: '2025-01-01', to: '2026-01-01', sign: 1 },
  ]);
  t.deepEqual(periodParts({ from: '2026-10-01', to: '2026-12-31' }), [
    { level: '@month', from: '2026-10-01', to: '2026-12-01', sign: 1 },
  ]);
  t.deepEqual(periodParts({ from: '2026-10-12', to: '2026-10-13' }), [
    { level: '', from: '2026-10-12', to: '2026-10-13', sign: 1 },
  ]);
  t.deepEqual(periodParts({ from: '2025-01-15', to: '2026-12-20' }), [
    { level: '@year', from: '2025-01-01', to: '2026-01-01', sign: 1 },
    { level: '', from: '2025-01-01', to: '2025-01-14', sign: -1 },
    { level: '', from: '2026-12-21', to: '2026-12-31', sign: -1 },
  ]);
});
