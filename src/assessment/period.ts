/** Assessment periods in the city's time zone. */
import { DateTime } from 'luxon';
import { validationError } from '../errors.ts';

/**
 * The calendar month `month` ('YYYY-MM') in `timezone`, end exclusive: 2026-10 in Asia/Shanghai is
 * [2026-09-30T16:00Z, 2026-10-31T16:00Z).
 */
export function monthPeriod(month: string, timezone: string): { from: Date; to: Date } {
  const start = DateTime.fromFormat(month, 'yyyy-MM', { zone: timezone });
  if (!/^\d{4}-\d{2}$/.test(month) || !start.isValid) {
    throw validationError(`not a month: ${JSON.stringify(month)}`, [
      { field: 'month', message: 'expected YYYY-MM' },
    ]);
  }
  return { from: start.toJSDate(), to: start.plus({ months: 1 }).toJSDate() };
}
