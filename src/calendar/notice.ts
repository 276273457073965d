/**
 * Reads the State Council's yearly holiday notice (国务院办公厅关于XXXX年部分节假日安排的通知) as an
 * administrator pastes it, into the year's holidays and 调休 workdays. The notice is the only source of
 * the 调休 days, and it arrives in the autumn for the next year, usually before the chinese-days
 * package carries it.
 *
 * Strict by design: every numbered item (一、二、…) must be understood completely — festival names, dates,
 * the weekday each date is annotated with, the day count (共N天) — or the whole notice is refused with
 * the lines that could not be read, so that nothing applies from a half-understood notice. Lines that
 * are not items (salutation, preamble, closing duties, signature, date) are passed over, unless they
 * carry an arrangement (a date with 放假 or 上班) that an item did not.
 */

export interface NoticeDay {
  /** Local date 'YYYY-MM-DD'. */
  date: string;
  kind: 'holiday' | 'workday';
  /** The festival(s) of the item, e.g. 春节 or 国庆节、中秋节. */
  name: string;
}

export interface NoticeFestival {
  name: string;
  holidays: string[];
  workdays: string[];
  /** 1-based line of the item in the pasted text. */
  line: number;
}

export interface ParsedNotice {
  year: number;
  festivals: NoticeFestival[];
  /** Every date the notice names, in date order. */
  days: NoticeDay[];
  /** What the notice lacks but does not make it unreadable (e.g. a festival it does not mention). */
  warnings: string[];
}

export interface NoticeProblem {
  /** 1-based line in the pasted text (0: the notice as a whole). */
  line: number;
  text: string;
  message: string;
}

/** The notice could not be read as a whole; `problems` name each line. */
export class NoticeUnreadable extends Error {
  constructor(readonly problems: NoticeProblem[]) {
    super(`the notice could not be read: ${problems.map((p) => `line ${p.line}: ${p.message}`).join('; ')}`);
    this.name = 'NoticeUnreadable';
  }
}

/** Festival names as the notices write them → the names the official data uses. */
const FESTIVALS: Record<string, string> = {
  元旦: '元旦',
  春节: '春节',
  清明节: '清明',
  清明: '清明',
  劳动节: '劳动节',
  五一劳动节: '劳动节',
  端午节: '端午',
  端午: '端午',
  中秋节: '中秋',
  中秋: '中秋',
  国庆节: '国庆节',
  国庆: '国庆节',
};
const ALL_FESTIVALS = ['元旦', '春节', '清明', '劳动节', '端午', '中秋', '国庆节'];
const WEEKDAYS = '日一二三四五六';

/** Full-width digits and punctuation as ASCII, so one set of patterns reads every typesetting. */
function normalise(line: string): string {
  return line
    .replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))
    .replace(/（/g, '(')
    .replace(/）/g, ')')
    .replace(/：/g, ':')
    .replace(/，/g, ',')
    .replace(/；/g, ';')
    .replace(/\s+/g, '')
    .trim();
}

const ITEM = /^([一二三四五六七八九十]+)、([^:]+):(.+)$/;
// A date, optionally with its own year, then an optional annotation such as (周四) or (农历腊月二十八、周日).
const DATE = String.raw`(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日(?:\(([^)]*)\))?`;
const RANGE = new RegExp(`${DATE}(?:至${DATE})?`, 'g');
const HAS_DATE = /\d{1,2}月\d{1,2}日/;

interface DateRef {
  date: string;
  note: string | undefined;
}

export function parseHolidayNotice(text: string, options: { year?: number } = {}): ParsedNotice {
  const lines = text.split(/\r?\n/);
  const problems: NoticeProblem[] = [];
  const problem = (line: number, message: string) =>
    problems.push({ line, text: (lines[line - 1] ?? '').trim(), message });

  const title = /(\d{4})年(?:部分)?节假日安排/.exec(normalise(text));
  const year = options.year ?? (title ? Number(title[1]) : undefined);
  if (year === undefined) {
    throw new NoticeUnreadable([
      { line: 0, text: '', message: '通知中找不到年份（如“2027年部分节假日安排”），请一并粘贴标题' },
    ]);
  }
  if (title && options.year !== undefined && Number(title[1]) !== options.year) {
    // Every date would then be read in the wrong year: say that alone.
    throw new NoticeUnreadable([
      { line: 0, text: '', message: `标题是${title[1]}年的安排，不是${options.year}年` },
    ]);
  }

  const festivals: NoticeFestival[] = [];
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = normalise(raw);
    if (!line) return;
    const item = ITEM.exec(line);
    if (!item) {
      if (HAS_DATE.test(line) && /放假|上班/.test(line)) {
        problem(lineNo, '这一行有放假或上班的日期，但不是编号的条目（一、二、……），无法确定属于哪个节日');
      }
      return;
    }
    const before = problems.length;
    const names = item[2]!.split(/[、,和及]/).filter(Boolean);
    const canonical = names.map((n) => FESTIVALS[n]);
    names.forEach((n, i) => {
      if (!canonical[i]) problem(lineNo, `不认识的节日“${n}”`);
    });
    const festival: NoticeFestival = {
      name: canonical.filter(Boolean).join('、'),
      holidays: [],
      workdays: [],
      line: lineNo,
    };
    // Clauses, not sentences: notices put the day count (共N天) in a clause of its own after the dates,
    // and sometimes join the 上班 days to the same sentence with a comma.
    const segments: { days: string[]; stated?: number }[] = [];
    for (const clause of item[3]!.split(/[.。;,]/).filter(Boolean)) {
      const count = /共(\d+)天|放假(\d+)天/.exec(clause);
      const stated = count ? Number(count[1] ?? count[2]) : undefined;
      const isHoliday = clause.includes('放假');
      const isWorkday = clause.includes('上班');
      if (!HAS_DATE.test(clause)) {
        if (stated !== undefined && segments.length > 0 && !isWorkday) segments.at(-1)!.stated = stated;
        else if (isHoliday || isWorkday) problem(lineNo, `“${clause}”说了放假或上班，却没有日期`);
        continue;
      }
      if (isHoliday === isWorkday) {
        problem(lineNo, `“${clause}”：看不出这些日期是放假还是上班`);
        continue;
      }
      const ranges = readRanges(clause, year, (m) => problem(lineNo, m));
      if (isWorkday) {
        for (const r of ranges) festival.workdays.push(...r.days);
        continue;
      }
      if (ranges.length !== 1) {
        if (ranges.length > 1) problem(lineNo, `“${clause}”：一句放假安排应只有一段日期`);
        continue;
      }
      segments.push({ days: ranges[0]!.days, ...(stated !== undefined && { stated }) });
    }
    for (const { days, stated } of segments) {
      if (stated !== undefined && stated !== days.length) {
        problem(lineNo, `写明共${stated}天，日期却是${days.length}天（${days[0]} 至 ${days.at(-1)}）`);
      }
      festival.holidays.push(...days);
    }
    if (festival.holidays.length === 0 && problems.length === before) {
      problem(lineNo, `“${item[2]}”一项没有放假日期`);
    }
    festivals.push(festival);
  });

  const days = new Map<string, NoticeDay>();
  for (const f of festivals) {
    for (const [kind, list] of [
      ['holiday', f.holidays],
      ['workday', f.workdays],
    ] as const) {
      for (const date of list) {
        const seen = days.get(date);
        if (seen && (seen.kind !== kind || seen.name !== f.name)) {
          problem(f.line, `${date} 已经是${seen.name}的${seen.kind === 'holiday' ? '假日' : '上班日'}`);
        }
        days.set(date, { date, kind, name: f.name });
      }
    }
  }
  if (festivals.length === 0) {
    problem(0, '通知中没有编号的放假条目（如“一、元旦：1月1日放假，共1天。”）');
  }
  if (problems.length > 0) throw new NoticeUnreadable(problems);

  const mentioned = new Set(festivals.flatMap((f) => f.name.split('、')));
  const warnings = ALL_FESTIVALS.filter((f) => !mentioned.has(f)).map((f) => `通知中没有${f}的安排`);
  return {
    year,
    festivals,
    days: [...days.values()].sort((a, b) => a.date.localeCompare(b.date)),
    warnings,
  };
}

/** The date ranges of a sentence: each a start date and an optional 至 end date, as lists of days. */
function readRanges(sentence: string, year: number, report: (message: string) => void): { days: string[] }[] {
  const out: { days: string[] }[] = [];
  let previousMonth: number | undefined;
  for (const m of sentence.matchAll(RANGE)) {
    const start = toDate(m[1], m[2], m[3]!, m[4], year, previousMonth, report);
    if (!start) continue;
    previousMonth = start.month;
    let end: (DateRef & { month: number }) | undefined;
    if (m[7] !== undefined) {
      end = toDate(m[5], m[6], m[7], m[8], start.year, start.month, report);
      if (!end) continue;
      previousMonth = end.month;
    }
    const days = end ? daysBetween(start.date, end.date) : [start.date];
    if (days.length === 0) {
      report(`${start.date} 至 ${end!.date}：结束日期早于开始日期`);
      continue;
    }
    if (days.length > 40) {
      report(`${start.date} 至 ${end!.date}：${days.length}天，不像一段假期`);
      continue;
    }
    out.push({ days });
  }
  return out;
}

function toDate(
  yearText: string | undefined,
  monthText: string | undefined,
  dayText: string,
  note: string | undefined,
  year: number,
  previousMonth: number | undefined,
  report: (message: string) => void,
): (DateRef & { month: number; year: number }) | undefined {
  const y = yearText ? Number(yearText) : year;
  const month = monthText ? Number(monthText) : previousMonth;
  if (month === undefined) {
    report(`“${dayText}日”没有月份`);
    return undefined;
  }
  const d = Number(dayText);
  const at = new Date(Date.UTC(y, month - 1, d));
  if (month < 1 || month > 12 || at.getUTCMonth() !== month - 1 || at.getUTCDate() !== d) {
    report(`${y}年${month}月${d}日不是一个日期`);
    return undefined;
  }
  const date = at.toISOString().slice(0, 10);
  const weekday = note && /(?:周|星期)([一二三四五六日天])/.exec(note);
  if (weekday) {
    const stated = weekday[1] === '天' ? 0 : WEEKDAYS.indexOf(weekday[1]!);
    if (stated !== at.getUTCDay()) {
      report(`${date} 是星期${WEEKDAYS[at.getUTCDay()]}，通知写的是${weekday[0]}`);
      return undefined;
    }
  }
  return { date, note, month, year: y };
}

function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}
