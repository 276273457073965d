/**
 * China's statutory public holidays (全体公民放假的节日) of a year, derived from the rules of 全国年节及纪念日
 * 放假办法 rather than typed in, for the years the official schedule (chinese-days) does not cover yet:
 *
 * | in force      | 元旦 | 春节                      | 清明 | 劳动节   | 端午 | 中秋 | 国庆      | days |
 * |---------------|------|---------------------------|------|----------|------|------|-----------|------|
 * | 2008–2013     | 1.1  | 除夕, 初一, 初二          | 清明 | 5.1      | 五.五 | 八.十五 | 10.1–10.3 | 11 |
 * | 2014–2024     | 1.1  | 初一–初三                 | 清明 | 5.1      | 五.五 | 八.十五 | 10.1–10.3 | 11 |
 * | 2025 onwards  | 1.1  | 除夕, 初一–初三           | 清明 | 5.1–5.2  | 五.五 | 八.十五 | 10.1–10.3 | 13 |
 *
 * What these rules cannot give is the yearly 调休 (moved working weekends and bridging days): the State
 * Council announces them each autumn for the next year, and an administrator enters them by pasting
 * that notice (notice.ts).
 *
 * Lunar dates come from chinese-days' lunar table (getLunarDate). Its functions print dates with the
 * host's local time zone, but the lunar fields it computes depend only on the instant of the UTC
 * midnight it parses from 'YYYY-MM-DD', so we ask it about dates we name and read only those fields.
 * 清明 is the day the sun reaches 15° ecliptic longitude; the well-known century formula
 * ⌊Y·0.2422 + C⌋ − ⌊Y/4⌋ gives that day for 1901–2099 (the property tests hold it against every 清明
 * of the official data).
 */
import chineseDays from 'chinese-days';

export interface StatutoryHoliday {
  /** Local date 'YYYY-MM-DD'. */
  date: string;
  /** Chinese name of the festival, as the official data names it (e.g. 春节, 国庆节). */
  name: string;
}

/** First year of the 2007 rules (清明, 端午, 中秋 became holidays); earlier years are not derived. */
export const FIRST_STATUTORY_YEAR = 2008;

const lunarOf = (date: string) => chineseDays.getLunarDate(date);

const iso = (year: number, month: number, day: number) =>
  new Date(Date.UTC(year, month - 1, day)).toISOString().slice(0, 10);

const addDays = (date: string, days: number) => {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return iso(y, m, d + days);
};

/** The Gregorian date within [from, from + span days) that is lunar month/day of `year` (not a leap month). */
function findLunar(year: number, month: number, day: number, from: string, span: number): string {
  for (let i = 0; i < span; i++) {
    const date = addDays(from, i);
    const l = lunarOf(date);
    if (l.lunarYear === year && l.lunarMon === month && l.lunarDay === day && !l.isLeap) return date;
  }
  throw new Error(`no lunar ${year}-${month}-${day} between ${from} and ${addDays(from, span - 1)}`);
}

/** 清明's day in April: the sun at 15° ecliptic longitude (Beijing time). */
export function qingmingDay(year: number): number {
  const y = year % 100;
  const c = year >= 2000 ? 4.81 : 5.59;
  return Math.floor(y * 0.2422 + c) - Math.floor(y / 4);
}

/** The statutory holidays of `year` (2008 onwards), in date order. */
export function statutoryHolidays(year: number): StatutoryHoliday[] {
  if (!Number.isInteger(year) || year < FIRST_STATUTORY_YEAR || year > 2099) {
    throw new RangeError(`statutory holidays are derived for ${FIRST_STATUTORY_YEAR}–2099, not ${year}`);
  }
  // 正月初一 falls between 21 January and 20 February.
  const newYear = findLunar(year, 1, 1, iso(year, 1, 20), 33);
  const springDays = year >= 2025 ? [-1, 0, 1, 2] : year >= 2014 ? [0, 1, 2] : [-1, 0, 1]; // days from 初一 (−1 = 除夕)
  const days: StatutoryHoliday[] = [
    { date: iso(year, 1, 1), name: '元旦' },
    ...springDays.map((d) => ({ date: addDays(newYear, d), name: '春节' })),
    { date: iso(year, 4, qingmingDay(year)), name: '清明' },
    ...(year >= 2025 ? [1, 2] : [1]).map((d) => ({ date: iso(year, 5, d), name: '劳动节' })),
    // 端午 (五月初五) falls between 28 May and 25 June, 中秋 (八月十五) between 7 September and 8 October.
    { date: findLunar(year, 5, 5, iso(year, 5, 25), 35), name: '端午' },
    { date: findLunar(year, 8, 15, iso(year, 9, 5), 36), name: '中秋' },
    ...[1, 2, 3].map((d) => ({ date: iso(year, 10, d), name: '国庆节' })),
  ];
  return days.sort((a, b) => a.date.localeCompare(b.date));
}

const byYear = new Map<number, Map<string, string>>();

/** The festival a date is a statutory holiday of, or undefined (outside 2008–2099 too). */
export function statutoryHolidayName(date: string): string | undefined {
  const year = Number(date.slice(0, 4));
  if (year < FIRST_STATUTORY_YEAR || year > 2099) return undefined;
  let days = byYear.get(year);
  if (!days) {
    days = new Map(statutoryHolidays(year).map((d) => [d.date, d.name]));
    byYear.set(year, days);
  }
  return days.get(date);
}
