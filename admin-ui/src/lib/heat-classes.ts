/**
 * Classes of a heat map chosen from its data: counts of 1 or more cut into at most four classes at
 * the quartiles of the counted places, each cut rounded up to 1, 2, 5, 10, 20, 50 … so the legend reads
 * in round numbers (1 / 2 / 3–5 / 6 及以上); places with no count are in no class (left clear).
 */

export interface HeatClass {
  /** Lowest count of the class (the smallest count of the data for the first). */
  from: number;
  /** Highest count of the class (the largest count of the data for the last class). */
  to: number;
  /** The legend's words: "1", "3–5", "6 及以上". */
  label: string;
}

/** Sequential reds, light to dark: the more cases, the darker (readable by people who do not see red). */
export const HEAT_COLOURS = ['#fed976', '#fd8d3c', '#e31a1c', '#800026'] as const;

/** The round number at or above n: 1, 2, 5, 10, 20, 50, … */
function roundUp(n: number): number {
  for (let step = 1; ; step *= 10) {
    for (const m of [1, 2, 5]) if (m * step >= n) return m * step;
  }
}

export function heatClasses(counts: number[]): HeatClass[] {
  const sorted = counts.filter((n) => n > 0).sort((a, b) => a - b);
  if (!sorted.length) return [];
  const max = sorted.at(-1)!;
  const cuts: number[] = [];
  for (let q = 1; q < HEAT_COLOURS.length; q++) {
    const cut = roundUp(sorted[Math.ceil((q * sorted.length) / HEAT_COLOURS.length) - 1]!);
    if (cut < max && cut > (cuts.at(-1) ?? 0)) cuts.push(cut);
  }
  const bounds = [...cuts, max];
  return bounds.map((to, i) => {
    const from = i ? bounds[i - 1]! + 1 : sorted[0]!;
    const last = i === bounds.length - 1;
    const label = from === to ? String(from) : last ? `${from} 及以上` : `${from}–${to}`;
    return { from, to, label };
  });
}

/** The class of a count (its index), or -1 for none. */
export const classOf = (classes: HeatClass[], n: number) =>
  classes.findIndex((c) => n >= c.from && n <= c.to);
