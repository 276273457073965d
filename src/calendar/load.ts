/**
 * Builds the work calendar from what administrators keep in the case store: the standard working
 * periods (Setting `calendar.shifts`), the yellow threshold (Setting `calendar.yellowFraction`) and the
 * per-date overrides (WorkCalendarDay rows). The time zone comes from configuration
 * (CALENDAR_TIMEZONE). Callers reload after an administrator edits any of them.
 */
import type { Db } from '../db/index.ts';
import { HubError, validationError } from '../errors.ts';
import { createWorkCalendar, type CalendarOverride, type Shift, type WorkCalendar } from './work-calendar.ts';

/** Setting keys the loader reads. */
export const CALENDAR_SETTINGS = {
  shifts: 'calendar.shifts',
  yellowFraction: 'calendar.yellowFraction',
} as const;

export interface LoadWorkCalendarOptions {
  /** IANA time zone, normally config.CALENDAR_TIMEZONE; default Asia/Shanghai. */
  timezone?: string;
}

/**
 * Reads the calendar settings and overrides and returns a ready calendar. Stored values that do not
 * validate raise a validation HubError whose fields name the setting key or the WorkCalendarDay date,
 * so the administrator can find the bad entry.
 */
export async function loadWorkCalendar(
  db: Pick<Db, 'prisma'>,
  options: LoadWorkCalendarOptions = {},
): Promise<WorkCalendar> {
  const [settings, days] = await Promise.all([
    db.prisma.setting.findMany({ where: { key: { in: Object.values(CALENDAR_SETTINGS) } } }),
    db.prisma.workCalendarDay.findMany({ orderBy: { date: 'asc' } }),
  ]);
  const setting = (key: string) => settings.find((s) => s.key === key)?.value ?? undefined;
  const overrides: CalendarOverride[] = days.map((d) => ({
    date: d.date,
    kind: d.kind,
    shifts: (d.shifts ?? null) as Shift[] | null,
  }));
  try {
    return createWorkCalendar({
      timezone: options.timezone,
      shifts: setting(CALENDAR_SETTINGS.shifts) as Shift[] | undefined,
      yellowFraction: setting(CALENDAR_SETTINGS.yellowFraction) as number | undefined,
      overrides,
    });
  } catch (err) {
    if (!(err instanceof HubError) || err.type !== 'validation') throw err;
    // Option names mean nothing to an administrator; point at the stored setting or day instead.
    const locate = (field: string) =>
      field
        .replace(/^overrides\[(\d+)\]/, (_, i: string) => `WorkCalendarDay ${days[Number(i)]?.date ?? i}`)
        .replace(
          /^(shifts|yellowFraction)\b/,
          (key: string) => `Setting ${CALENDAR_SETTINGS[key as keyof typeof CALENDAR_SETTINGS]}`,
        )
        .replace(/^timezone$/, 'CALENDAR_TIMEZONE');
    throw validationError(
      `the stored work calendar is invalid: ${err.message}`,
      err.errors.map((e) => ({ ...e, field: locate(e.field) })),
      err,
    );
  }
}
