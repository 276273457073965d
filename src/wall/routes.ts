/**
 * 指挥大屏, the command hall's wall: what came in today and in the last hour by source, the escalations
 * waiting by level, and each street sub-centre's load (open cases it or its second-level units hold,
 * and how many of them are past their running step's deadline). The wall page shows it beside the
 * leader dashboard's figures and targets (GET /api/leader/dashboard) and the map; it polls both.
 * Every figure is a count over indexed columns, so the wall costs the hub a few small queries a poll.
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import { defineRoute, type Route } from '../api/route.ts';
import type { Role } from '../auth/roles.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/index.ts';
import { OPEN_STATUSES } from '../cases/lifecycle.ts';
import { overdueWhere } from '../leader/routes.ts';

/** Who sees the wall: the roles that read the leader dashboard it stands beside. */
const WALL: Role[] = ['leader', 'administrator'];
const bySource = z.array(z.object({ source: z.string(), count: z.number().int() }));

export function wallRoutes(deps: {
  db: Db;
  config: Pick<Config, 'CALENDAR_TIMEZONE'>;
  now?: () => Date;
}): Route[] {
  const { prisma } = deps.db;
  const now = deps.now ?? (() => new Date());

  const countBySource = async (since: Date) =>
    (
      await prisma.case.groupBy({
        by: ['source'],
        where: { reportedAt: { gte: since } },
        _count: { _all: true },
      })
    )
      .map((g) => ({ source: g.source as string, count: g._count._all }))
      .sort((a, b) => b.count - a.count || a.source.localeCompare(b.source));

  return [
    defineRoute({
      method: 'GET',
      path: '/api/wall/activity',
      summary:
        '指挥大屏: reports today and in the last hour by source, escalations waiting, sub-centres’ load',
      tags: ['leader'],
      access: WALL,
      responses: {
        200: {
          description: 'Counts as of `asOf`',
          schema: z.object({
            asOf: z.string(),
            today: bySource.describe('cases reported since midnight in the city, by source'),
            lastHour: bySource.describe('cases reported in the last 60 minutes, by source'),
            escalations: z
              .array(z.object({ level: z.number().int(), count: z.number().int() }))
              .describe('督办 items waiting for a decision, by level (1 值班长, 2 领导, …)'),
            subCentres: z.array(
              z.object({
                id: z.string(),
                name: z.string(),
                open: z.number().int().describe('open cases the sub-centre or its units hold'),
                overdue: z.number().int().describe('of those, past their running step’s deadline'),
              }),
            ),
          }),
        },
      },
      handler: async () => {
        const at = now();
        const midnight = DateTime.fromJSDate(at, { zone: deps.config.CALENDAR_TIMEZONE }).startOf('day');
        const [today, lastHour, escalations, centres] = await Promise.all([
          countBySource(midnight.toJSDate()),
          countBySource(new Date(at.getTime() - 3_600_000)),
          prisma.escalation.groupBy({ by: ['level'], where: { status: 'open' }, _count: { _all: true } }),
          prisma.department.findMany({
            where: { kind: 'street_center', active: true },
            select: { id: true, name: true, children: { select: { id: true } } },
            orderBy: { code: 'asc' },
          }),
        ]);
        const subCentres = await Promise.all(
          centres.map(async (c) => {
            const held = {
              status: { in: OPEN_STATUSES },
              departmentId: { in: [c.id, ...c.children.map((u) => u.id)] },
            };
            const [open, late] = await Promise.all([
              prisma.case.count({ where: held }),
              prisma.case.count({ where: { AND: [held, overdueWhere(at)] } }),
            ]);
            return { id: c.id, name: c.name, open, overdue: late };
          }),
        );
        return {
          asOf: at.toISOString(),
          today,
          lastHour,
          escalations: escalations
            .map((e) => ({ level: e.level, count: e._count._all }))
            .sort((a, b) => a.level - b.level),
          subCentres,
        };
      },
    }),
  ];
}
