/**
 * What the browser needs to speak the hub's words and keep its clock: the case statuses and roles with
 * their 中文 names, and the city's time zone (CALENDAR_TIMEZONE) every local time is shown in. The admin UI
 * and the app read it once at start instead of keeping copies that drift from the server's.
 */
import { z } from 'zod';
import { ROLE_LABELS, ROLES } from '../auth/roles.ts';
import { CASE_STATUSES, FINAL_STATUSES, STATUS_LABELS } from '../cases/lifecycle.ts';
import { cityClock } from '../city-clock.ts';
import type { Config } from '../config.ts';
import { defineRoute, type Route } from './route.ts';

const metaSchema = z.object({
  timeZone: z.string().describe('CALENDAR_TIMEZONE: the IANA zone local times are shown and entered in'),
  statuses: z
    .array(z.object({ code: z.enum(CASE_STATUSES), label: z.string(), final: z.boolean() }))
    .describe('every case status in lifecycle order; final: nothing but 回访 and 批示 follows'),
  roles: z.array(z.object({ code: z.enum(ROLES), label: z.string() })),
});

export function metaRoutes(deps: { config: Pick<Config, 'CALENDAR_TIMEZONE'> }): Route[] {
  const meta: z.input<typeof metaSchema> = {
    timeZone: cityClock(deps.config).timeZone,
    statuses: CASE_STATUSES.map((code) => ({
      code,
      label: STATUS_LABELS[code],
      final: FINAL_STATUSES.includes(code),
    })),
    roles: ROLES.map((code) => ({ code, label: ROLE_LABELS[code] })),
  };
  return [
    defineRoute({
      method: 'GET',
      path: '/api/meta',
      summary: 'Case statuses and roles with their names, and the city time zone',
      tags: ['meta'],
      // Words and a time zone, nothing about anyone: the login page shows them before a session exists.
      access: 'public',
      responses: { 200: { description: 'The names and the zone', schema: metaSchema } },
      handler: async () => meta,
    }),
  ];
}
