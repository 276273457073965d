/**
 * 城管通 on the hub (src/field): a field supervisor's duty (上班/下班) with its patrol track, the shift
 * leader's view of the tracks, the on-duty supervisors' latest positions (the desk's 派发核实
 * suggestion, the map's supervisors layer), and "my tasks" (核实 and 核查 assigned to me).
 *
 * The phone's clock may be off: every write from the app carries `X-Client-Sent-At` (the phone's time
 * when it sent the request). The hub's time is what is recorded; a fix's phone time is moved by the
 * phone's offset at sending (hub time − X-Client-Sent-At), and the phone's own times are kept beside
 * (clientStartedAt / clientEndedAt).
 */
import { z } from 'zod';
import { defineRoute, type Route } from '../api/route.ts';
import type { Role } from '../auth/roles.ts';
import type { Config } from '../config.ts';
import type { Db, Prisma } from '../db/index.ts';
import { conflict, notFound, validationError } from '../errors.ts';
import { caseClocks, clockSchema } from '../cases/clock.ts';
import { OPEN_STATUSES } from '../cases/lifecycle.ts';
import { distanceM, trackLength } from './track.ts';
import { queryNumber } from '../api/validate.ts';

/** Who watches supervisors' duty and tracks: the command centre and leaders. */
const WATCHERS: Role[] = ['shift_leader', 'dispatcher', 'acceptor', 'leader', 'administrator'];
const SUPERVISOR: Role[] = ['field_supervisor'];
/** Points per request: a phone offline for 4 hours at one fix per 30 s has 480. */
const MAX_POINTS = 1000;

const isoDateTime = z.string().datetime({ offset: true, message: 'an ISO 8601 date-time with offset' });

const shiftSchema = z.object({
  id: z.string(),
  userId: z.string(),
  displayName: z.string(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  clientStartedAt: z.string().nullable(),
  clientEndedAt: z.string().nullable(),
  /** Seconds on duty (to now while on duty). */
  durationSeconds: z.number().int(),
  distanceM: z.number(),
  pointCount: z.number().int(),
  last: z
    .object({ lng: z.number(), lat: z.number(), accuracy: z.number(), at: z.string() })
    .nullable()
    .describe('the latest position'),
});

type ShiftRow = Prisma.PatrolShiftGetPayload<{ include: { user: { select: { displayName: true } } } }>;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toShift(row: ShiftRow, now: Date): z.infer<typeof shiftSchema> {
  const end = row.endedAt ?? now;
  return {
    id: row.id,
    userId: row.userId,
    displayName: row.user.displayName,
    startedAt: row.startedAt.toISOString(),
    endedAt: iso(row.endedAt),
    clientStartedAt: iso(row.clientStartedAt),
    clientEndedAt: iso(row.clientEndedAt),
    durationSeconds: Math.max(0, Math.round((+end - +row.startedAt) / 1000)),
    distanceM: row.distanceM,
    pointCount: row.pointCount,
    last:
      row.lastLng !== null && row.lastLat !== null && row.lastAt
        ? {
            lng: row.lastLng,
            lat: row.lastLat,
            accuracy: row.lastAccuracy ?? 0,
            at: row.lastAt.toISOString(),
          }
        : null,
  };
}

/** The phone's offset (ms, hub − phone) from its X-Client-Sent-At header; 0 without one. */
function phoneOffset(header: string, now: Date): number {
  if (!header) return 0;
  const sent = Date.parse(header);
  if (Number.isNaN(sent)) {
    throw validationError('invalid X-Client-Sent-At', [
      { field: 'headers.x-client-sent-at', message: 'an ISO 8601 date-time' },
    ]);
  }
  return +now - sent;
}

const taskSchema = z.object({
  id: z.string(),
  caseNo: z.string(),
  /** 核实 (verify a report on site) or 核查 (re-inspect after disposal). */
  task: z.enum(['verify', 'check']),
  status: z.string(),
  categoryKind: z.string(),
  categoryCode: z.string(),
  urgency: z.string(),
  description: z.string(),
  address: z.string().nullable(),
  lng: z.number().nullable(),
  lat: z.number().nullable(),
  gridCode: z.string().nullable(),
  reportedAt: z.string(),
  /** When the task was given (派发核实 / 派发核查). */
  assignedAt: z.string(),
  clock: clockSchema,
});

const nearbySchema = z.object({
  id: z.string(),
  caseNo: z.string(),
  source: z.string(),
  status: z.string(),
  categoryKind: z.string(),
  categoryCode: z.string(),
  categoryName: z.string(),
  urgency: z.string(),
  description: z.string(),
  address: z.string().nullable(),
  lng: z.number(),
  lat: z.number(),
  /** Metres from the point asked about. */
  distanceM: z.number().int(),
  reportedAt: z.string(),
  /** Reported by the caller. */
  mine: z.boolean(),
});
/** 附近的上报: how far around the supervisor by default and at most, and how many cases. */
const NEARBY_DEFAULT_M = 500;
const NEARBY_MAX_M = 3000;
const NEARBY_MAX_ITEMS = 50;

export function fieldRoutes({
  db,
  config,
  now: clock = () => new Date(),
}: {
  db: Db;
  config: Pick<
    Config,
    'PATROL_POSITION_SECONDS' | 'PATROL_MAX_ACCURACY_M' | 'CALENDAR_TIMEZONE' | 'DEADLINE_WARN_FRACTION'
  >;
  now?: () => Date;
}): Route[] {
  const { prisma } = db;
  const withUser = { user: { select: { displayName: true } } } as const;
  const openShift = (userId: string) =>
    prisma.patrolShift.findFirst({
      where: { userId, endedAt: null },
      include: withUser,
      orderBy: { startedAt: 'desc' },
    });

  return [
    defineRoute({
      method: 'GET',
      path: '/api/field/duty',
      summary: '城管通: my duty now (the open shift or null) and how often to record the position',
      tags: ['field'],
      access: SUPERVISOR,
      responses: {
        200: {
          description: 'Duty state',
          schema: z.object({
            shift: shiftSchema.nullable(),
            positionSeconds: z.number().int(),
            maxAccuracyM: z.number().int(),
          }),
        },
      },
      handler: async ({ principal }) => {
        const row = await openShift(principal.userId);
        return {
          shift: row && toShift(row, clock()),
          positionSeconds: config.PATROL_POSITION_SECONDS,
          maxAccuracyM: config.PATROL_MAX_ACCURACY_M,
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/field/duty/start',
      summary: '城管通 上班: opens a shift (answers the open one when already on duty)',
      description:
        'The hub records its own time; `observedAt` (the phone’s clock when the button was pressed) is kept ' +
        'beside it. Repeating it while on duty (a re-sent request from the offline queue) answers the same shift.',
      tags: ['field'],
      access: SUPERVISOR,
      body: z.object({ observedAt: isoDateTime.optional() }).strict(),
      responses: { 200: { description: 'The open shift', schema: shiftSchema } },
      handler: async ({ principal, body }) => {
        const now = clock();
        const open = await openShift(principal.userId);
        if (open) return toShift(open, now);
        const row = await prisma.patrolShift.create({
          data: {
            userId: principal.userId,
            startedAt: now,
            clientStartedAt: body.observedAt ? new Date(body.observedAt) : null,
          },
          include: withUser,
        });
        return toShift(row, now);
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/field/duty/end',
      summary: '城管通 下班: closes the open shift',
      description:
        'Repeating it (a re-sent request) after the shift ended answers that shift again; 409 when never on duty.',
      tags: ['field'],
      access: SUPERVISOR,
      body: z.object({ observedAt: isoDateTime.optional() }).strict(),
      responses: { 200: { description: 'The closed shift', schema: shiftSchema } },
      handler: async ({ principal, body }) => {
        const now = clock();
        const open = await openShift(principal.userId);
        if (!open) {
          // The queue re-sent a 下班 whose answer was lost: answer with the shift it closed.
          const last = await prisma.patrolShift.findFirst({
            where: { userId: principal.userId },
            include: withUser,
            orderBy: { startedAt: 'desc' },
          });
          if (last?.endedAt && +now - +last.endedAt < 24 * 3600_000) return toShift(last, now);
          throw conflict('not on duty: 上班 first');
        }
        const row = await prisma.patrolShift.update({
          where: { id: open.id },
          data: { endedAt: now, clientEndedAt: body.observedAt ? new Date(body.observedAt) : null },
          include: withUser,
        });
        return toShift(row, now);
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/field/positions',
      summary: '城管通: positions of my patrol track (a batch, oldest first)',
      description:
        'Each point is a Geolocation fix: `lng`, `lat` (WGS84), `accuracy` (metres), `at` (the phone’s time of ' +
        'the fix, moved by the phone’s offset from the `X-Client-Sent-At` header). Points go to the shift ' +
        'that was open at their time (the open one, or the one they fall in when sent late); a fix sent twice ' +
        'is stored once. Answers the shift with its recomputed distance. 409 when no shift covers the points.',
      tags: ['field'],
      access: SUPERVISOR,
      body: z
        .object({
          points: z
            .array(
              z
                .object({
                  lng: z.number().min(-180).max(180),
                  lat: z.number().min(-90).max(90),
                  accuracy: z.number().min(0).max(100_000),
                  at: isoDateTime,
                })
                .strict(),
            )
            .min(1)
            .max(MAX_POINTS),
        })
        .strict(),
      responses: {
        200: {
          description: 'The shift after the points',
          schema: shiftSchema.extend({ accepted: z.number().int() }),
        },
      },
      handler: async ({ principal, body, ctx }) => {
        const now = clock();
        const offset = phoneOffset(ctx.get('x-client-sent-at'), now);
        const points = body.points.map((p) => ({
          ...p,
          clientAt: new Date(p.at),
          at: new Date(Date.parse(p.at) + offset),
        }));
        const first = points.reduce((a, p) => (p.at < a ? p.at : a), points[0]!.at);
        // The shift the batch belongs to: the newest one started before its first fix (a minute of slack for
        // a fix taken just before the 上班 request reached the hub).
        const shift = await prisma.patrolShift.findFirst({
          where: { userId: principal.userId, startedAt: { lte: new Date(+first + 60_000) } },
          orderBy: { startedAt: 'desc' },
        });
        if (!shift || (shift.endedAt && +first > +shift.endedAt + 60_000)) {
          throw conflict('not on duty at the time of these positions: 上班 first');
        }
        const result = await prisma.$transaction(async (tx) => {
          let accepted = 0;
          for (const p of points) {
            const existing = await tx.patrolPoint.findUnique({
              where: { shiftId_clientAt: { shiftId: shift.id, clientAt: p.clientAt } },
              select: { id: true },
            });
            if (existing) continue;
            await tx.patrolPoint.create({
              data: {
                shiftId: shift.id,
                at: p.at,
                clientAt: p.clientAt,
                lng: p.lng,
                lat: p.lat,
                accuracy: p.accuracy,
              },
            });
            accepted++;
          }
          const all = await tx.patrolPoint.findMany({
            where: { shiftId: shift.id },
            orderBy: { at: 'asc' },
            select: { lng: true, lat: true, accuracy: true, at: true },
          });
          const last = all.at(-1)!;
          const row = await tx.patrolShift.update({
            where: { id: shift.id },
            data: {
              distanceM: trackLength(all, config.PATROL_MAX_ACCURACY_M),
              pointCount: all.length,
              lastLng: last.lng,
              lastLat: last.lat,
              lastAccuracy: last.accuracy,
              lastAt: last.at,
            },
            include: withUser,
          });
          return { row, accepted };
        });
        return { ...toShift(result.row, now), accepted: result.accepted };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/field/shifts',
      summary: 'Supervisors’ shifts (on duty and past) with time on duty and distance patrolled',
      description:
        'For the shift leader’s map: each shift’s track is `GET /api/field/shifts/{id}/track`. A field ' +
        'supervisor sees only their own shifts.',
      tags: ['field'],
      access: [...WATCHERS, ...SUPERVISOR],
      query: z.object({
        userId: z.string().optional(),
        from: isoDateTime.optional().describe('shifts started at or after'),
        to: isoDateTime.optional().describe('shifts started before'),
        onDuty: z.enum(['true', 'false']).optional(),
        limit: queryNumber(z.coerce.number().int().min(1).max(500)).default(100),
      }),
      responses: {
        200: { description: 'Shifts, newest first', schema: z.object({ items: z.array(shiftSchema) }) },
      },
      handler: async ({ principal, query }) => {
        const watcher = principal.roles.some((r) => WATCHERS.includes(r));
        const where: Prisma.PatrolShiftWhereInput = {
          ...(watcher ? (query.userId ? { userId: query.userId } : {}) : { userId: principal.userId }),
          ...(query.from || query.to
            ? {
                startedAt: {
                  ...(query.from ? { gte: new Date(query.from) } : {}),
                  ...(query.to ? { lt: new Date(query.to) } : {}),
                },
              }
            : {}),
          ...(query.onDuty ? { endedAt: query.onDuty === 'true' ? null : { not: null } } : {}),
        };
        const rows = await prisma.patrolShift.findMany({
          where,
          include: withUser,
          orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
          take: query.limit,
        });
        const now = clock();
        return { items: rows.map((r) => toShift(r, now)) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/field/shifts/:id/track',
      summary: 'One shift’s patrol track (GeoJSON LineString, with each fix’s time and accuracy)',
      tags: ['field'],
      access: [...WATCHERS, ...SUPERVISOR],
      params: z.object({ id: z.string() }),
      responses: {
        200: {
          description: 'The track',
          schema: shiftSchema.extend({
            track: z.object({
              type: z.literal('Feature'),
              geometry: z.object({
                type: z.literal('LineString'),
                coordinates: z.array(z.array(z.number())),
              }),
              properties: z.object({ times: z.array(z.string()), accuracies: z.array(z.number()) }),
            }),
          }),
        },
      },
      handler: async ({ principal, params }) => {
        const watcher = principal.roles.some((r) => WATCHERS.includes(r));
        const row = await prisma.patrolShift.findFirst({
          where: { id: params.id, ...(watcher ? {} : { userId: principal.userId }) },
          include: { ...withUser, points: { orderBy: { at: 'asc' } } },
        });
        if (!row) throw notFound(`shift ${params.id}`);
        return {
          ...toShift(row, clock()),
          track: {
            type: 'Feature' as const,
            geometry: { type: 'LineString' as const, coordinates: row.points.map((p) => [p.lng, p.lat]) },
            properties: {
              times: row.points.map((p) => p.at.toISOString()),
              accuracies: row.points.map((p) => p.accuracy),
            },
          },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/field/supervisors/latest',
      summary: 'Supervisors on duty now with their latest position (desk 派发核实 suggestion, map layer)',
      tags: ['field'],
      access: WATCHERS,
      responses: {
        200: {
          description: 'On-duty supervisors, the most recently seen first',
          schema: z.object({ items: z.array(shiftSchema) }),
        },
      },
      handler: async () => {
        const rows = await prisma.patrolShift.findMany({
          where: { endedAt: null },
          include: withUser,
          orderBy: [{ lastAt: 'desc' }, { startedAt: 'desc' }],
        });
        const now = clock();
        return { items: rows.map((r) => toShift(r, now)) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/field/tasks',
      summary: '城管通 我的任务: 核实 and 核查 assigned to me, the most urgent first',
      description:
        'Cases in 核实中 or 核查中 whose latest 派发核实 / 派发核查 names me (the grid cell’s supervisor the ' +
        'procedure chose), with the time left (`clock`).',
      tags: ['field'],
      access: SUPERVISOR,
      responses: { 200: { description: 'My tasks', schema: z.object({ items: z.array(taskSchema) }) } },
      handler: async ({ principal }) => {
        const rows = await prisma.case.findMany({
          where: { status: { in: ['verifying', 'checking'] } },
          include: {
            events: {
              where: { type: { in: ['verify_requested', 'check_requested'] } },
              orderBy: [{ at: 'desc' }, { id: 'desc' }],
              take: 1,
            },
            grid: { select: { supervisorUserId: true } },
          },
          orderBy: { reportedAt: 'asc' },
          take: 2000,
        });
        // The procedure's assignment names the supervisor (hub.verify.assign); a 派发核实 the API recorded
        // first carries none, and then the cell's responsible supervisor is the one the procedure gives it to.
        const mine = rows.filter((r) => {
          const data = r.events[0]?.data as { supervisorId?: unknown } | null | undefined;
          const assigned =
            typeof data?.supervisorId === 'string' ? data.supervisorId : r.grid?.supervisorUserId;
          return assigned === principal.userId;
        });
        const now = clock();
        const clocks = await caseClocks(db, config, now, mine);
        const items = mine.map((r) => ({
          id: r.id,
          caseNo: r.caseNo,
          task: (r.status === 'verifying' ? 'verify' : 'check') as 'verify' | 'check',
          status: r.status,
          categoryKind: r.categoryKind,
          categoryCode: r.categoryCode,
          urgency: r.urgency,
          description: r.description,
          address: r.address,
          lng: r.lng,
          lat: r.lat,
          gridCode: r.gridCode,
          reportedAt: r.reportedAt.toISOString(),
          assignedAt: (r.events[0]?.at ?? r.updatedAt).toISOString(),
          clock: clocks.get(r.id) ?? null,
        }));
        const left = (t: (typeof items)[number]) =>
          t.clock?.remainingWorkingMinutes ?? Number.MAX_SAFE_INTEGER;
        return { items: items.sort((a, b) => left(a) - left(b)) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/field/nearby',
      summary: '城管通 附近的上报: open cases around a point, the nearest first',
      description:
        'What is already reported where the supervisor stands (any source, still open), so a problem is ' +
        'not reported twice: cases within `radius` metres (default 500, at most 3,000), at most 50.',
      tags: ['field'],
      access: SUPERVISOR,
      query: z.object({
        lng: queryNumber(z.coerce.number().min(-180).max(180)),
        lat: queryNumber(z.coerce.number().min(-90).max(90)),
        radius: queryNumber(z.coerce.number().int().min(50).max(NEARBY_MAX_M)).default(NEARBY_DEFAULT_M),
      }),
      responses: {
        200: {
          description: 'Open cases near the point, the nearest first',
          schema: z.object({ items: z.array(nearbySchema), radius: z.number().int() }),
        },
      },
      handler: async ({ query, principal }) => {
        const here = { lng: query.lng, lat: query.lat };
        // A box around the circle for the index (Case lng/lat), then the exact distance.
        const dLat = query.radius / 111_320;
        const dLng = query.radius / (111_320 * Math.cos((query.lat * Math.PI) / 180));
        const rows = await prisma.case.findMany({
          where: {
            status: { in: OPEN_STATUSES },
            lat: { gte: query.lat - dLat, lte: query.lat + dLat },
            lng: { gte: query.lng - dLng, lte: query.lng + dLng },
          },
          include: { category: { select: { name: true } } },
          orderBy: { reportedAt: 'desc' },
          take: 1000,
        });
        const items = rows
          .map((r) => ({ r, d: distanceM(here, { lng: r.lng!, lat: r.lat! }) }))
          .filter((x) => x.d <= query.radius)
          .sort((a, b) => a.d - b.d)
          .slice(0, NEARBY_MAX_ITEMS)
          .map(({ r, d }) => ({
            id: r.id,
            caseNo: r.caseNo,
            source: r.source,
            status: r.status,
            categoryKind: r.categoryKind,
            categoryCode: r.categoryCode,
            categoryName: r.category.name,
            urgency: r.urgency,
            description: r.description,
            address: r.address,
            lng: r.lng!,
            lat: r.lat!,
            distanceM: Math.round(d),
            reportedAt: r.reportedAt.toISOString(),
            mine: r.reporterUserId === principal.userId,
          }));
        return { items, radius: query.radius };
      },
    }),
  ];
}
