/**
 * Figures for the work calendar: how long elapsed time across a year and deadlines of a few hundred
 * working hours take, on a fresh calendar (empty day cache) and on a warm one. Run: npx tsx bench/calendar.ts
 */
import { createWorkCalendar } from '../src/calendar/index.ts';

const at = (wall: string) => new Date(`${wall.replace(' ', 'T')}+08:00`);
const time = (label: string, repeat: number, fn: (i: number) => unknown) => {
  const t0 = performance.now();
  for (let i = 0; i < repeat; i++) fn(i);
  const each = (performance.now() - t0) / repeat;
  console.log(`${label.padEnd(58)} ${each < 1 ? `${(each * 1000).toFixed(1)} µs` : `${each.toFixed(2)} ms`}`);
};

const from = at('2026-01-05 09:00');
const to = at('2026-12-31 17:00');
// Warm the code paths (JIT) so "fresh" measures an empty day cache, not compilation.
for (let i = 0; i < 5; i++) createWorkCalendar().addWorkingTime(from, { hours: 3000 });
time('workingTimeBetween over 2026, fresh calendar', 20, () =>
  createWorkCalendar().workingTimeBetween(from, to),
);
const warm = createWorkCalendar();
warm.workingTimeBetween(from, to);
time('workingTimeBetween over 2026, warm calendar', 2000, () => warm.workingTimeBetween(from, to));
time('addWorkingTime 300 h, fresh calendar', 20, () =>
  createWorkCalendar().addWorkingTime(from, { hours: 300 }),
);
time('addWorkingTime 300 h from 1000 different hours, warm', 1000, (i) =>
  warm.addWorkingTime(new Date(from.getTime() + i * 3_600_000), { hours: 300 }),
);
time('addWorkingTime 4 h, warm', 10000, (i) =>
  warm.addWorkingTime(new Date(from.getTime() + i * 60_000), { hours: 4 }),
);
time('state(start, deadline, now), warm', 10000, (i) =>
  warm.state(from, at('2026-01-09 12:00'), new Date(from.getTime() + i * 60_000)),
);
