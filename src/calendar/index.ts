/** The working-time calendar: deadlines, elapsed and remaining time, clock states. */
export { createWorkCalendar } from './work-calendar.ts';
export type {
  CalendarDay,
  CalendarOverride,
  ClockState,
  Shift,
  TimeAmount,
  TimeLimit,
  TimeMode,
  WorkCalendar,
  WorkCalendarOptions,
} from './work-calendar.ts';
export { DEFAULT_SHIFTS } from './shifts.ts';
export { CALENDAR_SETTINGS, loadWorkCalendar } from './load.ts';
export type { LoadWorkCalendarOptions } from './load.ts';
export { FIRST_STATUTORY_YEAR, statutoryHolidays } from './statutory.ts';
export type { StatutoryHoliday } from './statutory.ts';
export { NoticeUnreadable, parseHolidayNotice } from './notice.ts';
export type { NoticeDay, NoticeFestival, NoticeProblem, ParsedNotice } from './notice.ts';
