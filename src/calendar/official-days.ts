/**
 * China's official public holidays and 调休 working weekends, from the `chinese-days` package. The
 * package follows the State Council's yearly 节假日安排 notice (its repository fetches the notice daily
 * and opens a pull request when it changes; a new npm release follows), so keeping the hub current is
 * `npm install chinese-days@latest`. Years it does not cover yet fall back to the plain Monday–Friday
 * rule (days flagged `beyondOfficialData`, see work-calendar.ts); administrators fill them in with
 * calendar overrides until the package catches up.
 *
 * We read the package's published JSON (documented in its README for exactly this use) rather than its
 * functions, because those parse dates in the host's time zone and the hub's calendar has its own.
 */
import data from 'chinese-days/dist/chinese-days.json' with { type: 'json' };

/** How the State Council notice classes a date that is not an ordinary weekday or weekend. */
export interface OfficialDay {
  kind: 'holiday' | 'workday';
  /** Chinese name of the festival the day belongs to, e.g. 国庆节 (for a 调休 workday, the festival it makes up for). */
  name: string;
}

// Entries read "English name,中文名,days": keep the Chinese name, the one users of the hub see.
const chineseName = (entry: string): string => entry.split(',')[1] ?? entry;

const table = new Map<string, OfficialDay>();
for (const [date, entry] of Object.entries(data.holidays)) {
  table.set(date, { kind: 'holiday', name: chineseName(entry) });
}
for (const [date, entry] of Object.entries(data.workdays)) {
  table.set(date, { kind: 'workday', name: chineseName(entry) });
}

const years = [...table.keys()].map((date) => Number(date.slice(0, 4)));

/** First and last year for which `chinese-days` carries the official schedule. */
export const officialYears = { first: Math.min(...years), last: Math.max(...years) } as const;

/** The official classification of a 'YYYY-MM-DD' date, or undefined for an ordinary day. */
export const officialDay = (date: string): OfficialDay | undefined => table.get(date);
