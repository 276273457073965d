/**
 * The work calendar over the API: every day of a year as the running calendar sees it (official
 * holidays and 调休 workdays from chinese-days, administrator overrides, shift hours), overrides added
 * and removed, the standard shifts and the yellow threshold changed. Every change bumps the reference
 * generation in its transaction (src/reference/generation.ts): the deadline worker keeps the calendar
 * in memory until the generation moves, the assessment loads it each time (loadWorkCalendar), so a
 * change here applies to the next deadline on every hub instance without a restart.
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import { defineRoute, type Route } from '../api/route.ts';
import {
  CALENDAR_SETTINGS,
  createWorkCalendar,
  loadWorkCalendar,
  NoticeUnreadable,
  parseHolidayNotice,
  type CalendarOverride,
  type ParsedNotice,
  type Shift,
} from '../calendar/index.ts';
import type { Config } from '../config.ts';
import { Prisma, type Db } from '../db/index.ts';
import { HubError, notFound, validationError } from '../errors.ts';
import { bumpReferenceGeneration } from './generation.ts';
import { ADMIN, logChange } from './admin.ts';
import { queryNumber } from '../api/validate.ts';

const shiftSchema = z.object({ start: z.string(), end: z.string() });

const daySchema = z.object({
  date: z.string(),
  working: z.boolean(),
  source: z.enum(['override', 'official', 'statutory', 'weekday']),
  name: z.string().nullable().describe('festival of an official or statutory day, e.g. 国庆节'),
  beyondOfficialData: z
    .literal(true)
    .optional()
    .describe(
      'a day of a year the State Council schedule (chinese-days) does not cover yet: its statutory holidays ' +
        '(source statutory) are derived from the holiday rules, but its 调休 workdays are unknown until the ' +
        'year’s notice is entered (POST /api/calendar/notice) or the package is updated',
    ),
  shifts: z.array(shiftSchema),
  note: z.string().nullable().describe('the override’s note'),
});

const settingsSchema = z.object({
  timezone: z.string(),
  shifts: z.array(shiftSchema).describe('standard working periods of a working day'),
  standardDayMinutes: z.number(),
  yellowFraction: z.number(),
  officialYears: z.object({ first: z.number().int(), last: z.number().int() }),
});

const overrideSchema = z.object({
  date: z.string(),
  kind: z.enum(['holiday', 'workday']),
  shifts: z.array(shiftSchema).nullable(),
  note: z.string().nullable(),
  updatedBy: z.string().nullable(),
  updatedAt: z.iso.datetime(),
});

const noticeSchema = z.object({
  year: z.number().int(),
  festivals: z.array(
    z.object({
      name: z.string(),
      holidays: z.array(z.string()),
      workdays: z.array(z.string()).describe('调休 working days'),
      line: z.number().int().describe('line of the item in the pasted text'),
    }),
  ),
  days: z.array(z.object({ date: z.string(), kind: z.enum(['holiday', 'workday']), name: z.string() })),
  warnings: z.array(z.string()),
  applied: z.number().int().describe('overrides written (0 without apply)'),
});

const dateParam = z.object({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD'),
});

/**
 * Builds a calendar from candidate values; a validation error's fields are renamed to where the
 * caller put them (`shifts[1].end` → `body.shifts[1].end`).
 */
function validateCalendar(
  options: Parameters<typeof createWorkCalendar>[0],
  rename: (field: string) => string,
) {
  try {
    return createWorkCalendar(options);
  } catch (err) {
    if (err instanceof HubError && err.type === 'validation') {
      throw validationError(
        err.message,
        err.errors.map((e) => ({ ...e, field: rename(e.field) })),
        err,
      );
    }
    throw err;
  }
}

/** GET /api/calendar/:year, PUT/DELETE /api/calendar/days/:date, GET/PUT /api/calendar/settings. */
export function calendarRoutes({
  db,
  config,
}: {
  db: Db;
  config: Pick<Config, 'CALENDAR_TIMEZONE'>;
}): Route[] {
  const { prisma } = db;
  const timezone = config.CALENDAR_TIMEZONE;
  const load = () => loadWorkCalendar(db, { timezone });

  async function storedSettings() {
    const rows = await prisma.setting.findMany({ where: { key: { in: Object.values(CALENDAR_SETTINGS) } } });
    const value = (key: string) => rows.find((r) => r.key === key)?.value ?? undefined;
    return {
      shifts: value(CALENDAR_SETTINGS.shifts) as Shift[] | undefined,
      yellowFraction: value(CALENDAR_SETTINGS.yellowFraction) as number | undefined,
    };
  }

  async function settingsView() {
    const calendar = await load();
    // The standard shifts are what an ordinary weekday without override works.
    const stored = await storedSettings();
    return {
      timezone: calendar.timezone,
      shifts: stored.shifts ?? calendar.day('2000-01-03').shifts,
      standardDayMinutes: calendar.standardDayMinutes,
      yellowFraction: calendar.yellowFraction,
      officialYears: { ...calendar.officialYears },
    };
  }

  return [
    defineRoute({
      method: 'GET',
      path: '/api/calendar/settings',
      summary:
        'The standard shifts, the yellow threshold, the time zone and the years the official holiday data covers',
      tags: ['calendar'],
      access: 'authenticated',
      responses: { 200: { description: 'Calendar settings', schema: settingsSchema } },
      handler: settingsView,
    }),
    defineRoute({
      method: 'PUT',
      path: '/api/calendar/settings',
      summary: 'Change the standard shifts and/or the yellow threshold',
      description:
        'Fields left out keep their value. Working time already elapsed is not recounted; deadlines computed from now on use the new shifts.',
      tags: ['calendar'],
      access: ADMIN,
      body: z.object({
        shifts: z.array(shiftSchema).optional(),
        yellowFraction: z.number().optional(),
      }),
      responses: { 200: { description: 'The settings now in force', schema: settingsSchema } },
      handler: async ({ body, principal, log }) => {
        const current = await storedSettings();
        const overrides = await prisma.workCalendarDay.findMany();
        validateCalendar(
          {
            timezone,
            shifts: body.shifts ?? current.shifts,
            yellowFraction: body.yellowFraction ?? current.yellowFraction,
            overrides: overrides.map((d) => ({
              date: d.date,
              kind: d.kind,
              shifts: d.shifts as Shift[] | null,
            })),
          },
          (field) => (/^(shifts|yellowFraction)\b/.test(field) ? `body.${field}` : field),
        );
        await prisma.$transaction(async (tx) => {
          for (const [name, value] of [
            ['shifts', body.shifts],
            ['yellowFraction', body.yellowFraction],
          ] as const) {
            if (value === undefined) continue;
            const key = CALENDAR_SETTINGS[name];
            await tx.setting.upsert({
              where: { key },
              create: { key, value, updatedBy: principal.username },
              update: { value, updatedBy: principal.username },
            });
          }
          await bumpReferenceGeneration(tx);
        });
        logChange(log, principal, 'calendar settings changed', { change: body });
        return settingsView();
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/calendar/days',
      summary: 'The administrator’s overrides, by date',
      tags: ['calendar'],
      access: 'authenticated',
      responses: { 200: { description: 'Overrides', schema: z.object({ items: z.array(overrideSchema) }) } },
      handler: async () => {
        const rows = await prisma.workCalendarDay.findMany({ orderBy: { date: 'asc' } });
        return {
          items: rows.map((r) => ({
            ...r,
            shifts: (r.shifts ?? null) as Shift[] | null,
            updatedAt: r.updatedAt.toISOString(),
          })),
        };
      },
    }),
    defineRoute({
      method: 'PUT',
      path: '/api/calendar/days/:date',
      summary: 'Set an override for one date: a holiday, or a workday (optionally with its own shifts)',
      description:
        'Wins over the official schedule. `shifts` only for a workday; absent means the standard shifts.',
      tags: ['calendar'],
      access: ADMIN,
      params: dateParam,
      body: z.object({
        kind: z.enum(['holiday', 'workday']),
        shifts: z.array(shiftSchema).nullable().optional(),
        note: z.string().trim().max(200).nullable().optional(),
      }),
      responses: { 200: { description: 'The stored override', schema: overrideSchema } },
      handler: async ({ params, body, principal, log }) => {
        if (!DateTime.fromISO(params.date, { zone: 'utc' }).isValid) {
          throw validationError(`not a date: ${params.date}`, [
            { field: 'params.date', message: 'no such day' },
          ]);
        }
        const override: CalendarOverride = {
          date: params.date,
          kind: body.kind,
          shifts: body.shifts ?? null,
        };
        validateCalendar({ timezone, overrides: [override] }, (field) =>
          field.replace(/^overrides\[0\]\.?/, 'body.').replace(/^body\.$/, 'body'),
        );
        const data = {
          kind: body.kind,
          shifts: body.shifts ?? undefined,
          note: body.note ?? null,
          updatedBy: principal.username,
        };
        const [row] = await prisma.$transaction([
          prisma.workCalendarDay.upsert({
            where: { date: params.date },
            create: { date: params.date, ...data },
            // shifts: null must clear stored shifts; Prisma wants DbNull for a Json column
            update: { ...data, shifts: body.shifts ?? Prisma.DbNull },
          }),
          bumpReferenceGeneration(prisma),
        ]);
        logChange(log, principal, 'calendar day overridden', {
          date: params.date,
          kind: body.kind,
          shifts: body.shifts ?? null,
        });
        return {
          ...row,
          shifts: (row.shifts ?? null) as Shift[] | null,
          updatedAt: row.updatedAt.toISOString(),
        };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/calendar/days/:date',
      summary: 'Remove the override of a date (the official schedule applies again)',
      tags: ['calendar'],
      access: ADMIN,
      params: dateParam,
      responses: { 204: { description: 'Removed' } },
      handler: async ({ params, principal, log }) => {
        const [{ count }] = await prisma.$transaction([
          prisma.workCalendarDay.deleteMany({ where: { date: params.date } }),
          bumpReferenceGeneration(prisma),
        ]);
        if (count === 0) throw notFound(`calendar override for ${params.date}`);
        logChange(log, principal, 'calendar override removed', { date: params.date });
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/calendar/notice',
      summary: 'Read the State Council’s yearly holiday notice; with apply, enter its days as overrides',
      description:
        'The administrator pastes the notice (国务院办公厅关于XXXX年部分节假日安排的通知) as published. Without ' +
        '`apply` the answer shows what was read, for confirmation; with `apply: true` every holiday and 调休 ' +
        'workday of the notice becomes an override in one transaction. A notice any numbered item of which ' +
        'cannot be read completely (festival, dates, the weekday each date is annotated with, 共N天) is ' +
        'refused with the lines named, and nothing applies.',
      tags: ['calendar'],
      access: ADMIN,
      body: z.object({
        text: z.string().trim().min(1).max(20_000),
        year: z.number().int().min(2008).max(2099).optional().describe('when the pasted text has no title'),
        apply: z.boolean().default(false),
      }),
      responses: {
        200: { description: 'What the notice says, and how many days were applied', schema: noticeSchema },
      },
      handler: async ({ body, principal, log }) => {
        let notice: ParsedNotice;
        try {
          notice = parseHolidayNotice(body.text, { year: body.year });
        } catch (err) {
          if (!(err instanceof NoticeUnreadable)) throw err;
          throw validationError(
            'the holiday notice could not be read; nothing was applied',
            err.problems.map((p) => ({
              field: 'body.text',
              message: p.line > 0 ? `第${p.line}行（${p.text}）：${p.message}` : p.message,
            })),
            err,
          );
        }
        if (!body.apply) return { ...notice, applied: 0 };
        const note = (name: string) => `${notice.year}年节假日安排（国务院通知）：${name}`;
        await prisma.$transaction(async (tx) => {
          for (const day of notice.days) {
            const data = { kind: day.kind, note: note(day.name), updatedBy: principal.username };
            await tx.workCalendarDay.upsert({
              where: { date: day.date },
              create: { date: day.date, ...data },
              update: { ...data, shifts: Prisma.DbNull },
            });
          }
          await bumpReferenceGeneration(tx);
        });
        logChange(log, principal, 'holiday notice applied', { year: notice.year, days: notice.days.length });
        return { ...notice, applied: notice.days.length };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/calendar/:year',
      summary: 'Every day of a year as the running calendar sees it',
      description:
        'Working or not, who decided (an override, the State Council schedule from chinese-days, or the Monday–Friday rule), the festival name and the working periods of each day.',
      tags: ['calendar'],
      access: 'authenticated',
      params: z.object({ year: queryNumber(z.coerce.number().int().min(2000).max(2100)) }),
      responses: {
        200: {
          description: 'The days of the year, 1 January first',
          schema: z.object({ year: z.number().int(), days: z.array(daySchema) }),
        },
      },
      handler: async ({ params }) => {
        const calendar = await load();
        const notes = new Map(
          (
            await prisma.workCalendarDay.findMany({
              where: { date: { gte: `${params.year}-01-01`, lte: `${params.year}-12-31` } },
              select: { date: true, note: true },
            })
          ).map((d) => [d.date, d.note]),
        );
        const days = [];
        for (let d = DateTime.utc(params.year, 1, 1); d.year === params.year; d = d.plus({ days: 1 })) {
          const date = d.toISODate()!;
          const day = calendar.day(date);
          days.push({ ...day, name: day.name ?? null, note: notes.get(date) ?? null });
        }
        return { year: params.year, days };
      },
    }),
  ];
}
