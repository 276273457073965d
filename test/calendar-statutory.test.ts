// The statutory holidays the hub derives for years the official schedule (chinese-days) does not cover,
// held against every year it does cover; and the State Council notice parser, held against the two
// notices whose days the package carries (2025 and 2026), and refusing every kind of fault by line.
import { readFileSync } from 'node:fs';
import test from 'ava';
import data from 'chinese-days/dist/chinese-days.json' with { type: 'json' };
import {
  createWorkCalendar,
  NoticeUnreadable,
  parseHolidayNotice,
  statutoryHolidays,
} from '../src/calendar/index.ts';
import { officialDay, officialYears } from '../src/calendar/official-days.ts';

const notice = (year: number) =>
  readFileSync(new URL(`./fixtures/holiday-notice-${year}.txt`, import.meta.url), 'utf8');

const weekday = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay();

test('every statutory holiday of 2008–2026 is a day off in the official schedule', (t) => {
  for (let year = 2008; year <= officialYears.last; year++) {
    const days = statutoryHolidays(year);
    t.is(days.length, year >= 2025 ? 13 : 11, `${year}: 11 days before the 2024 revision, 13 from 2025`);
    for (const { date, name } of days) {
      const official = officialDay(date);
      // The package's 2012 data lists 22 and 24 June for 端午 but not the 23rd, a Saturday (its typo): a
      // statutory day must be a day off, as a holiday or as a weekend that no 调休 turned into a workday.
      const off =
        official?.kind === 'holiday' ||
        (official === undefined && (weekday(date) === 0 || weekday(date) === 6));
      t.true(off, `${year}: ${date} (${name}) is not a day off in the official schedule`);
      if (official?.kind === 'holiday' && !['国庆节', '中秋'].includes(name)) {
        // 中秋 and 国庆节 share days in some years (2017, 2020, 2023, 2025); the others must agree by name.
        t.is(official.name, name, `${year}: ${date}`);
      }
    }
  }
});

test('2027, which the data does not cover: 元旦, 除夕 to 初三, 清明, 5.1–5.2, 端午, 中秋 and 10.1–10.3', (t) => {
  t.deepEqual(
    statutoryHolidays(2027).map((d) => `${d.date} ${d.name}`),
    [
      '2027-01-01 元旦',
      '2027-02-05 春节', // 除夕
      '2027-02-06 春节', // 正月初一
      '2027-02-07 春节',
      '2027-02-08 春节',
      '2027-04-05 清明',
      '2027-05-01 劳动节',
      '2027-05-02 劳动节',
      '2027-06-09 端午',
      '2027-09-15 中秋',
      '2027-10-01 国庆节',
      '2027-10-02 国庆节',
      '2027-10-03 国庆节',
    ],
  );
  t.throws(() => statutoryHolidays(2007), { instanceOf: RangeError });
});

test('the derivation does not depend on the host time zone', (t) => {
  const expected = statutoryHolidays(2029);
  const saved = process.env.TZ;
  try {
    for (const tz of ['America/Los_Angeles', 'Pacific/Kiritimati', 'UTC']) {
      process.env.TZ = tz;
      t.deepEqual(statutoryHolidays(2029), expected, tz);
    }
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});

test('a 4-working-hour limit before the 2027 Spring Festival runs across it (statutory days, no 调休 known)', (t) => {
  const calendar = createWorkCalendar({ timezone: 'Asia/Shanghai' });
  t.false(calendar.day('2027-01-01').working);
  t.false(calendar.day('2027-10-01').working);
  // Thursday 4 February 2027, 16:30: one hour left that day (to 17:30); 5–8 February are 除夕 to 初三 (and
  // the weekend); the other three hours from 08:30 on Tuesday 9 February.
  const due = calendar.addWorkingTime(new Date('2027-02-04T16:30:00+08:00'), { minutes: 240 });
  t.is(due.toISOString(), new Date('2027-02-09T11:30:00+08:00').toISOString());
});

test('the 2026 and 2025 notices read as exactly the days chinese-days has for those years', (t) => {
  for (const year of [2025, 2026]) {
    const parsed = parseHolidayNotice(notice(year));
    t.is(parsed.year, year);
    t.deepEqual(parsed.warnings, []);
    const official = [
      ...Object.keys(data.holidays)
        .filter((d) => d.startsWith(`${year}-`))
        .map((d) => `${d} holiday`),
      ...Object.keys(data.workdays)
        .filter((d) => d.startsWith(`${year}-`))
        .map((d) => `${d} workday`),
    ].sort();
    t.deepEqual(
      parsed.days.map((d) => `${d.date} ${d.kind}`),
      official,
      `${year}`,
    );
  }
  const y2025 = parseHolidayNotice(notice(2025));
  t.deepEqual(
    y2025.festivals.map((f) => [f.name, f.holidays.length, f.workdays, f.line]),
    [
      ['元旦', 1, [], 4],
      ['春节', 8, ['2025-01-26', '2025-02-08'], 5],
      ['清明', 3, [], 6],
      ['劳动节', 5, ['2025-04-27'], 7],
      ['端午', 3, [], 8],
      ['国庆节、中秋', 8, ['2025-09-28', '2025-10-11'], 9],
    ],
  );
});

/** The problems of an unreadable notice as "line: message". */
function problems(text: string, options?: { year?: number }): string[] {
  try {
    parseHolidayNotice(text, options);
  } catch (err) {
    if (err instanceof NoticeUnreadable) return err.problems.map((p) => `${p.line}: ${p.message}`);
    throw err;
  }
  return [];
}

test('a notice with a fault is refused whole, naming each line it cannot read', (t) => {
  const base = notice(2026);
  const lineOf = (needle: string) => base.split('\n').findIndex((l) => l.includes(needle)) + 1;
  const edit = (from: string, to: string) => {
    t.true(base.includes(from), from);
    return base.replace(from, to);
  };

  t.deepEqual(problems(edit('共3天。\n　　四', '共4天。\n　　四')), [
    `${lineOf('三、清明节')}: 写明共4天，日期却是3天（2026-04-04 至 2026-04-06）`,
  ]);
  t.deepEqual(problems(edit('5月9日（周六）上班', '5月9日（周日）上班')), [
    `${lineOf('四、劳动节')}: 2026-05-09 是星期六，通知写的是周日`,
  ]);
  t.deepEqual(problems(edit('五、端午节', '五、龙舟节')), [`${lineOf('五、端午节')}: 不认识的节日“龙舟节”`]);
  t.deepEqual(problems(edit('9月25日（周五）', '9月31日（周五）')), [
    `${lineOf('六、中秋节')}: 2026年9月31日不是一个日期`,
  ]);
  t.deepEqual(problems(edit('10月10日（周六）上班', '10月10日（周六）照常')), [
    `${lineOf('七、国庆节')}: “9月20日(周日)、10月10日(周六)照常”：看不出这些日期是放假还是上班`,
  ]);
  // An arrangement outside the numbered items would be lost: refused rather than passed over.
  t.deepEqual(problems(edit('国务院办公厅\n', '另：12月31日（周四）下午放假。\n')), [
    `${base.split('\n').indexOf('国务院办公厅') + 1}: 这一行有放假或上班的日期，但不是编号的条目（一、二、……），无法确定属于哪个节日`,
  ]);
  t.deepEqual(problems('一、元旦：1月1日放假，共1天。'), [
    '0: 通知中找不到年份（如“2027年部分节假日安排”），请一并粘贴标题',
  ]);
  t.deepEqual(problems(base, { year: 2027 }), ['0: 标题是2026年的安排，不是2027年']);
  t.deepEqual(problems('国务院办公厅关于2027年部分节假日安排的通知\n经国务院批准，现将安排通知如下。'), [
    '0: 通知中没有编号的放假条目（如“一、元旦：1月1日放假，共1天。”）',
  ]);
});

test('variants: full-width digits, 星期, a range across months and years, a missing festival warned', (t) => {
  const parsed = parseHolidayNotice(
    [
      '关于２０２７年部分节假日安排的通知',
      '一、元旦：２０２６年１２月３１日（星期四）至２０２７年１月２日（星期六）放假，共３天。',
      '二、国庆节：9月30日(周四)至10月7日(周四)放假调休，共8天，9月26日（周日）、10月9日（周六）上班。',
    ].join('\n'),
  );
  t.is(parsed.year, 2027);
  t.deepEqual(parsed.festivals[0]!.holidays, ['2026-12-31', '2027-01-01', '2027-01-02']);
  t.deepEqual(parsed.festivals[1]!.workdays, ['2027-09-26', '2027-10-09']);
  t.is(parsed.festivals[1]!.holidays.length, 8);
  t.deepEqual(parsed.warnings, [
    '通知中没有春节的安排',
    '通知中没有清明的安排',
    '通知中没有劳动节的安排',
    '通知中没有端午的安排',
    '通知中没有中秋的安排',
  ]);
});
