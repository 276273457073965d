/**
 * Working periods (班次) of a day, written as local wall-clock 'HH:MM' pairs. Breaks are the gaps
 * between periods. A period lies within one civil day ('24:00' may end it); a service running through
 * midnight is written as two periods, one on each day.
 */
import { validationError, type FieldError } from '../errors.ts';

/** One working period, local wall-clock time, e.g. { start: '08:30', end: '12:00' }. */
export interface Shift {
  start: string;
  end: string;
}

/** A shift as minutes after local midnight, [start, end). */
export type ShiftMinutes = readonly [start: number, end: number];

/** 08:30–12:00 and 13:30–17:30: the usual 机关 working day, 7.5 working hours. */
export const DEFAULT_SHIFTS: readonly Shift[] = [
  { start: '08:30', end: '12:00' },
  { start: '13:30', end: '17:30' },
];

const minuteOf = (hhmm: unknown): number | undefined => {
  if (typeof hhmm !== 'string') return undefined;
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!m) return undefined;
  const [h, min] = [Number(m[1]), Number(m[2])];
  if (min > 59 || h * 60 + min > 1440) return undefined;
  return h * 60 + min;
};

/**
 * Validates shifts and returns them as sorted minute ranges. Errors name the field under `field`
 * (e.g. `shifts[1].end`), so an administrator editing the calendar sees which entry is wrong.
 */
export function parseShifts(shifts: unknown, field: string): ShiftMinutes[] {
  if (!Array.isArray(shifts) || shifts.length === 0) {
    throw validationError(`${field} must list at least one working period`, [
      { field, message: 'expected a non-empty array of {start, end}' },
    ]);
  }
  const errors: FieldError[] = [];
  const ranges: (ShiftMinutes & { index: number })[] = [];
  shifts.forEach((shift: unknown, index) => {
    const s = shift as Partial<Shift> | null;
    const start = minuteOf(s?.start);
    const end = minuteOf(s?.end);
    if (start === undefined) errors.push({ field: `${field}[${index}].start`, message: 'expected HH:MM' });
    if (end === undefined) errors.push({ field: `${field}[${index}].end`, message: 'expected HH:MM' });
    if (start === undefined || end === undefined) return;
    if (end <= start) errors.push({ field: `${field}[${index}].end`, message: 'must be after start' });
    else ranges.push(Object.assign([start, end] as const, { index }));
  });
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i]![0] < ranges[i - 1]![1]) {
      errors.push({ field: `${field}[${ranges[i]!.index}]`, message: 'overlaps another working period' });
    }
  }
  if (errors.length) throw validationError(`invalid working periods in ${field}`, errors);
  return ranges.map(([start, end]) => [start, end] as const);
}

/** Back to 'HH:MM' pairs, for showing a day's periods. */
export const formatShifts = (ranges: readonly ShiftMinutes[]): Shift[] =>
  ranges.map(([start, end]) => ({ start: hhmm(start), end: hhmm(end) }));

const hhmm = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
