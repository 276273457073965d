/**
 * The 受理派遣台 (acceptor / dispatcher / shift-leader desk) read side: what waits for the command centre,
 * most urgent first, with a count per queue; the duplicate candidates of a case; who a case should go to.
 * The desk's actions are the case actions (actions.ts); nothing here writes.
 *
 * Queues (a case is in at most one at a time, by its status and timeline):
 * - `new`      新上报: reported, or accepted without a 核实 result (受理 / 派发核实 / 立案 / 合并 / 作废 next);
 * - `locate`   待定位: the procedure could not place it and waits for location repair (定位修复 next);
 * - `verified` 核实回来: accepted after a confirmed 核实, waiting for 立案;
 * - `dispatch` 待派遣: registered (after 立案, a 回退 or a 不满意 回访), waiting for 派遣;
 * - `approval` 待审批: a department's 延期 / 回退 / 挂账 request that nobody decided yet;
 * - `callback` 待回访: a closed hotline case without its 回访, closed within CALLBACK_LOOKBACK_DAYS.
 * Order: 特急, 紧急, 一般, then the longest waiting first. Every list reads an index in its order
 * (Case(status, urgency, reportedAt), Case(status, source, closedAt, …), CaseEvent(type, at)) or, for
 * 待定位, its few rows (Case(locationRepairAt, …)). Every count of cases is answered from an index alone,
 * reading no case row: Case(status, mergedIntoId, locationRepairAt, verifiedAt, id) holds every column the
 * conditions of 新上报, 核实回来 and 待派遣 read and the id Prisma's count selects; 待定位 and 待回访 have
 * theirs. Before, each count read every case row of its queue (bench/README.md, bench:ui; the plans are
 * checked by test/desk-indexes.test.ts).
 */
import { z } from 'zod';
import { defineRoute, type Route } from '../api/route.ts';
import type { Role } from '../auth/roles.ts';
import type { Config } from '../config.ts';
import type { Case, Db, Prisma, Urgency } from '../db/index.ts';
import { notFound } from '../errors.ts';
import { FINAL_STATUSES, OPEN_STATUSES, SOURCE_NEEDS_VERIFY } from './lifecycle.ts';
import { queryNumber } from '../api/validate.ts';

/** Roles that work at the desk (and administrators, who see everything). */
export const DESK_ROLES: Role[] = ['acceptor', 'dispatcher', 'shift_leader', 'administrator'];

export const QUEUES = ['new', 'locate', 'verified', 'dispatch', 'approval', 'callback'] as const;
export type Queue = (typeof QUEUES)[number];

/**
 * The columns a queue item is made of (toItem, and the age of each queue): a queue reads up to 200 rows
 * each time the desk refreshes, so not the case's other fifty columns.
 */
const ITEM_COLUMNS = {
  id: true,
  caseNo: true,
  status: true,
  source: true,
  categoryKind: true,
  categoryCode: true,
  urgency: true,
  description: true,
  address: true,
  gridCode: true,
  departmentId: true,
  reportedAt: true,
  verifiedAt: true,
  registeredAt: true,
  closedAt: true,
  locationRepairAt: true,
  locationRepairNote: true,
} satisfies Prisma.CaseSelect;
type ItemRow = Prisma.CaseGetPayload<{ select: typeof ITEM_COLUMNS }>;

/** Most urgent first: the stored enum's order is not the same on both databases, so one query each. */
const URGENCY_ORDER: Urgency[] = ['critical', 'urgent', 'normal'];
/** A closed hotline case is looked for a 回访 this many days back (the 回访 window is working time). */
const CALLBACK_LOOKBACK_DAYS = 14;
/** 待定位 cases read for its list at most, the longest waiting first (the count stays exact). */
const LOCATE_READ = 2000;
/** Request events looked at for 待审批 (a request older than this is long decided or cancelled). */
const REQUEST_LOOKBACK_DAYS = 60;
const REQUEST_TYPES = ['extension_requested', 'return_requested', 'suspension_requested'] as const;
/** What ends a request: its decision, or anything that ends or restarts the dispatch round (actions.ts). */
const REQUEST_ENDS = [
  'extension_approved',
  'extension_rejected',
  'returned',
  'return_rejected',
  'suspended',
  'suspension_rejected',
  'dispatched',
  'redispatched',
  'reassigned',
  'disposed',
  'check_failed',
  'resumed',
  'voided',
] as const;

const itemSchema = z.object({
  id: z.string(),
  caseNo: z.string(),
  queue: z.enum(QUEUES),
  status: z.string(),
  source: z.string(),
  categoryKind: z.string(),
  categoryCode: z.string(),
  urgency: z.string(),
  description: z.string(),
  address: z.string().nullable(),
  gridCode: z.string().nullable(),
  departmentId: z.string().nullable(),
  reportedAt: z.string(),
  /** Since when it waits in this queue (the request, the 结案, the 核实 …); the age the desk shows. */
  waitingSince: z.string(),
  /** For `approval`: what the department asks. */
  request: z
    .object({
      kind: z.enum(['extension', 'return', 'suspension']),
      at: z.string(),
      reason: z.string().nullable(),
      requestedDeadline: z.string().nullable(),
      actorName: z.string().nullable(),
    })
    .nullable(),
  /** The location is not usable yet (no grid cell): 立案 and 派遣 wait for the location repair. */
  needsLocation: z.boolean(),
  /** For `locate`: why the procedure could not place it (the geocoder's reading in words). */
  locationRepairNote: z.string().nullable(),
});
type Item = z.infer<typeof itemSchema>;

const queuesSchema = z.object({
  counts: z.record(z.enum(QUEUES), z.number().int()),
  queue: z.enum(QUEUES),
  items: z.array(itemSchema),
  /** Server time of the answer, so the desk shows ages without trusting the browser's clock. */
  at: z.string(),
});

const candidateSchema = z.object({
  id: z.string(),
  caseNo: z.string(),
  status: z.string(),
  description: z.string(),
  address: z.string().nullable(),
  reportedAt: z.string(),
  /** Metres between the two points; null when one of them has no coordinates (same cell or address). */
  distanceMeters: z.number().int().nullable(),
  departmentId: z.string().nullable(),
  /** Its point, for the desk's map (null without coordinates). */
  lng: z.number().nullable(),
  lat: z.number().nullable(),
});

const suggestionSchema = z.object({
  dispatch: z.array(
    z.object({
      assigneeType: z.enum(['department', 'subcenter']),
      assigneeId: z.string(),
      name: z.string(),
      why: z
        .enum(['owner', 'category', 'grid'])
        .describe(
          'owner: the 权属单位 of the case’s component (部件); category: the category’s unit; grid: the cell’s sub-centre',
        ),
    }),
  ),
  verify: z.array(
    z.object({
      userId: z.string(),
      name: z.string(),
      /** `nearest`: on duty and the nearest by last position; `grid`: the cell's own; `onDuty`: another on duty. */
      why: z.enum(['nearest', 'grid', 'onDuty']),
      /** The grid cell the case lies in is this supervisor's. */
      inGrid: z.boolean(),
      /** On duty now (上班 in 城管通, no 下班 yet). */
      onDuty: z.boolean(),
      /** Metres from the last known position to the case; null without either point. */
      distanceMeters: z.number().int().nullable(),
      /** When that position was recorded. */
      lastAt: z.string().nullable(),
    }),
  ),
});

/** Supervisors offered for 派发核实 at most (the desk may still leave it to the procedure). */
const VERIFY_SUGGESTIONS = 8;

/** Great-circle distance in metres (WGS84 sphere); plenty for "within a few hundred metres". */
export function metresBetween(a: { lng: number; lat: number }, b: { lng: number; lat: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The desk routes: GET /api/desk/queues, GET /api/cases/:id/duplicates, GET /api/cases/:id/suggestions. */
export function deskRoutes({
  db,
  config,
  now: clock = () => new Date(),
}: {
  db: Db;
  config: Pick<Config, 'DUPLICATE_CANDIDATE_METERS' | 'DUPLICATE_CANDIDATE_HOURS'>;
  now?: () => Date;
}): Route[] {
  const { prisma } = db;

  const queueWhere = (queue: Queue): Prisma.CaseWhereInput[] => {
    switch (queue) {
      case 'new':
        return [
          { status: 'reported', mergedIntoId: null, locationRepairAt: null },
          { status: 'accepted', verifiedAt: null, mergedIntoId: null, locationRepairAt: null },
        ];
      case 'locate':
        // Few rows (the locationRepairAt index); a case leaves when it is placed or ends. "Not final" and not
        // the open statuses listed: a list of statuses is what the status indexes answer, and SQLite without
        // statistics took it to read every open case there rather than these few rows.
        return [{ locationRepairAt: { not: null }, status: { notIn: [...FINAL_STATUSES] } }];
      case 'verified':
        return [{ status: 'accepted', verifiedAt: { not: null } }];
      case 'dispatch':
        return [{ status: 'registered' }];
      default:
        return [];
    }
  };

  async function statusQueue(queue: Queue, limit: number): Promise<ItemRow[]> {
    const rows: ItemRow[] = [];
    for (const urgency of URGENCY_ORDER) {
      if (rows.length >= limit) break;
      const parts = await Promise.all(
        queueWhere(queue).map((where) =>
          prisma.case.findMany({
            where: { ...where, urgency },
            select: ITEM_COLUMNS,
            orderBy: [{ reportedAt: 'asc' }, { id: 'asc' }],
            take: limit - rows.length,
          }),
        ),
      );
      rows.push(
        ...parts
          .flat()
          .sort((a, b) => a.reportedAt.getTime() - b.reportedAt.getTime())
          .slice(0, limit - rows.length),
      );
    }
    return rows;
  }

  /**
   * 待定位 in the queues' order, sorted here: its few rows are read from the locationRepairAt index. Asked in
   * reportedAt order per urgency, SQLite without statistics walked every case in reportedAt order instead.
   */
  async function locateQueue(limit: number): Promise<ItemRow[]> {
    const rows = await prisma.case.findMany({
      where: queueWhere('locate')[0],
      select: ITEM_COLUMNS,
      orderBy: [{ locationRepairAt: 'asc' }, { id: 'asc' }],
      take: LOCATE_READ,
    });
    const rank = (u: Urgency) => URGENCY_ORDER.indexOf(u);
    return rows
      .sort(
        (a, b) =>
          rank(a.urgency) - rank(b.urgency) ||
          a.reportedAt.getTime() - b.reportedAt.getTime() ||
          (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
      )
      .slice(0, limit);
  }

  /** Pending requests, newest request last: [caseId, request event]. */
  async function pendingRequests(now: Date) {
    const since = new Date(now.getTime() - REQUEST_LOOKBACK_DAYS * 86_400_000);
    const requests = await prisma.caseEvent.findMany({
      where: { type: { in: [...REQUEST_TYPES] }, at: { gte: since } },
      orderBy: [{ at: 'asc' }, { id: 'asc' }],
      take: 2000,
    });
    if (!requests.length) return [];
    const ends = await prisma.caseEvent.findMany({
      where: {
        caseId: { in: [...new Set(requests.map((r) => r.caseId))] },
        type: { in: [...REQUEST_ENDS] },
        at: { gte: requests[0]!.at },
      },
      select: { caseId: true, type: true, at: true, id: true },
    });
    const kindOf = (type: string) => type.replace('_requested', '') as 'extension' | 'return' | 'suspension';
    const ended = (r: (typeof requests)[number]) =>
      ends.some(
        (e) =>
          e.caseId === r.caseId &&
          (e.at > r.at || (e.at.getTime() === r.at.getTime() && e.id > r.id)) &&
          (!e.type.startsWith('extension') || kindOf(r.type) === 'extension') &&
          (!e.type.startsWith('return') || e.type === 'returned' || kindOf(r.type) === 'return') &&
          (!e.type.startsWith('suspension') || kindOf(r.type) === 'suspension'),
      );
    return requests.filter((r) => !ended(r));
  }

  function toItem(row: ItemRow, queue: Queue, waitingSince: Date, request: Item['request'] = null): Item {
    return {
      id: row.id,
      caseNo: row.caseNo,
      queue,
      status: row.status,
      source: row.source,
      categoryKind: row.categoryKind,
      categoryCode: row.categoryCode,
      urgency: row.urgency,
      description: row.description,
      address: row.address,
      gridCode: row.gridCode,
      departmentId: row.departmentId,
      reportedAt: row.reportedAt.toISOString(),
      waitingSince: waitingSince.toISOString(),
      request,
      needsLocation: !row.gridCode && !FINAL_STATUSES.includes(row.status),
      locationRepairNote: row.locationRepairNote,
    };
  }

  const callbackWhere = (now: Date): Prisma.CaseWhereInput => ({
    closedAt: { gte: new Date(now.getTime() - CALLBACK_LOOKBACK_DAYS * 86_400_000) },
    status: 'closed',
    source: 'hotline',
    OR: [{ callbackAt: null }, { callbackAt: { lt: prisma.case.fields.closedAt } }],
  });

  async function countOf(queue: Queue, now: Date, pending: () => Promise<unknown[]>): Promise<number> {
    if (queue === 'approval') return (await pending()).length;
    if (queue === 'callback') return prisma.case.count({ where: callbackWhere(now) });
    const counts = await Promise.all(queueWhere(queue).map((where) => prisma.case.count({ where })));
    return counts.reduce((a, b) => a + b, 0);
  }

  async function items(
    queue: Queue,
    limit: number,
    now: Date,
    pending: () => Promise<Awaited<ReturnType<typeof pendingRequests>>>,
  ): Promise<Item[]> {
    if (queue === 'approval') {
      const requests = await pending();
      const rows = new Map(
        (
          await prisma.case.findMany({
            where: { id: { in: [...new Set(requests.map((r) => r.caseId))] } },
            select: ITEM_COLUMNS,
          })
        ).map((r) => [r.id, r]),
      );
      const urgencyRank = (u: string) => URGENCY_ORDER.indexOf(u as Urgency);
      return requests
        .filter((r) => rows.has(r.caseId))
        .sort(
          (a, b) =>
            urgencyRank(rows.get(a.caseId)!.urgency) - urgencyRank(rows.get(b.caseId)!.urgency) ||
            a.at.getTime() - b.at.getTime(),
        )
        .slice(0, limit)
        .map((r) => {
          const data = (r.data ?? {}) as { reason?: string; requestedDeadline?: string };
          return toItem(rows.get(r.caseId)!, 'approval', r.at, {
            kind: r.type.replace('_requested', '') as 'extension' | 'return' | 'suspension',
            at: r.at.toISOString(),
            reason: data.reason ?? r.note,
            requestedDeadline: data.requestedDeadline ?? null,
            actorName: r.actorName,
          });
        });
    }
    if (queue === 'callback') {
      const rows = await prisma.case.findMany({
        where: callbackWhere(now),
        select: ITEM_COLUMNS,
        orderBy: [{ closedAt: 'asc' }, { id: 'asc' }],
        take: limit,
      });
      return rows.map((r) => toItem(r, 'callback', r.closedAt ?? r.reportedAt));
    }
    const rows = queue === 'locate' ? await locateQueue(limit) : await statusQueue(queue, limit);
    return rows.map((r) =>
      toItem(
        r,
        queue,
        (queue === 'verified'
          ? r.verifiedAt
          : queue === 'dispatch'
            ? r.registeredAt
            : queue === 'locate'
              ? r.locationRepairAt
              : null) ?? r.reportedAt,
      ),
    );
  }

  /**
   * Who could go and 核实: supervisors on duty (an open patrol shift of 城管通), the nearest by their last
   * known position first (the patrol track's latest point); without positions the cell's own supervisor
   * first. The cell's own supervisor is offered even off duty, last.
   */
  async function verifiers(
    row: Case,
    own: { id: string; displayName: string; active: boolean } | null,
  ): Promise<z.infer<typeof suggestionSchema>['verify']> {
    const shifts = await prisma.patrolShift.findMany({
      where: {
        endedAt: null,
        user: { active: true, roles: { some: { role: 'field_supervisor' } } },
      },
      include: { user: { select: { id: true, displayName: true } } },
      orderBy: [{ lastAt: 'desc' }, { startedAt: 'desc' }],
      take: 500,
    });
    const here = row.lng !== null && row.lat !== null ? { lng: row.lng, lat: row.lat } : null;
    const seen = new Set<string>();
    const onDuty = shifts
      .filter((s) => !seen.has(s.userId) && seen.add(s.userId))
      .map((s) => ({
        userId: s.userId,
        name: s.user.displayName,
        inGrid: s.userId === own?.id,
        onDuty: true,
        distanceMeters:
          here && s.lastLng !== null && s.lastLat !== null
            ? Math.round(metresBetween(here, { lng: s.lastLng, lat: s.lastLat }))
            : null,
        lastAt: s.lastAt?.toISOString() ?? null,
      }))
      .sort(
        (a, b) =>
          (a.distanceMeters ?? Infinity) - (b.distanceMeters ?? Infinity) ||
          Number(b.inGrid) - Number(a.inGrid),
      );
    const list = onDuty.map((s, i) => ({
      ...s,
      why: (s.inGrid ? 'grid' : i === 0 && s.distanceMeters !== null ? 'nearest' : 'onDuty') as
        'nearest' | 'grid' | 'onDuty',
    }));
    if (own?.active && !seen.has(own.id))
      list.push({
        userId: own.id,
        name: own.displayName,
        why: 'grid',
        inGrid: true,
        onDuty: false,
        distanceMeters: null,
        lastAt: null,
      });
    return list.slice(0, VERIFY_SUGGESTIONS);
  }

  async function loadCase(id: string) {
    const row = await prisma.case.findUnique({ where: { id } });
    if (!row) throw notFound(`case ${id}`);
    return row;
  }

  return [
    defineRoute({
      method: 'GET',
      path: '/api/desk/queues',
      summary: 'What waits for the command centre (受理派遣台), most urgent first, with a count per queue',
      description:
        'Queues: `new` (reported, or accepted without a 核实 result), `locate` (waiting for location repair, ' +
        '定位修复: actions/locate), `verified` (核实 confirmed, waiting for 立案), ' +
        '`dispatch` (registered, waiting for 派遣), `approval` (延期/回退/挂账 requests nobody decided), `callback` ' +
        '(closed hotline cases without their 回访). Order: 特急, 紧急, 一般, then the longest waiting first.',
      tags: ['desk'],
      access: DESK_ROLES,
      query: z.object({
        queue: z.enum(QUEUES).default('new'),
        limit: queryNumber(z.coerce.number().int().min(1).max(200)).default(50),
      }),
      responses: { 200: { description: 'Counts of every queue and the items of one', schema: queuesSchema } },
      handler: async ({ query }) => {
        const now = clock();
        let cached: Promise<Awaited<ReturnType<typeof pendingRequests>>> | undefined;
        const pending = () => (cached ??= pendingRequests(now));
        const [counts, list] = await Promise.all([
          Promise.all(QUEUES.map(async (q) => [q, await countOf(q, now, pending)] as const)),
          items(query.queue, query.limit, now, pending),
        ]);
        return {
          counts: Object.fromEntries(counts) as Record<Queue, number>,
          queue: query.queue,
          items: list,
          at: now.toISOString(),
        };
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/api/cases/:id/duplicates',
      summary: 'Duplicate candidates of a case: same category, nearby, reported close in time, still open',
      description:
        'Open cases (not merged) of the same category reported within DUPLICATE_CANDIDATE_HOURS before or after ' +
        'this one and within DUPLICATE_CANDIDATE_METERS of it (by coordinates; without coordinates: the same ' +
        'grid cell or the same address). Nearest first. The desk offers 合并 (actions/merge) into one of them.',
      tags: ['desk'],
      access: DESK_ROLES,
      params: z.object({ id: z.string() }),
      responses: {
        200: {
          description: 'The candidates, nearest first',
          schema: z.object({
            items: z.array(candidateSchema),
            windowHours: z.number(),
            distanceMeters: z.number(),
          }),
        },
      },
      handler: async ({ params }) => {
        const row = await loadCase(params.id);
        const windowMs = config.DUPLICATE_CANDIDATE_HOURS * 3_600_000;
        const maxMetres = config.DUPLICATE_CANDIDATE_METERS;
        const rows = await prisma.case.findMany({
          where: {
            categoryKind: row.categoryKind,
            categoryCode: row.categoryCode,
            reportedAt: {
              gte: new Date(row.reportedAt.getTime() - windowMs),
              lte: new Date(row.reportedAt.getTime() + windowMs),
            },
            id: { not: row.id },
            status: { in: OPEN_STATUSES },
            mergedIntoId: null,
          },
          orderBy: { reportedAt: 'desc' },
          take: 500,
        });
        const here = row.lng !== null && row.lat !== null ? { lng: row.lng, lat: row.lat } : null;
        const found = rows
          .map((c) => {
            const d =
              here && c.lng !== null && c.lat !== null
                ? Math.round(metresBetween(here, { lng: c.lng, lat: c.lat }))
                : null;
            const near =
              d !== null
                ? d <= maxMetres
                : (row.gridCode !== null && row.gridCode === c.gridCode) ||
                  (row.address !== null &&
                    row.address.trim() !== '' &&
                    row.address.trim() === c.address?.trim());
            return near ? { c, d } : null;
          })
          .filter((x): x is { c: Case; d: number | null } => x !== null)
          .sort((a, b) => (a.d ?? maxMetres) - (b.d ?? maxMetres))
          .slice(0, 20);
        return {
          items: found.map(({ c, d }) => ({
            id: c.id,
            caseNo: c.caseNo,
            status: c.status,
            description: c.description,
            address: c.address,
            reportedAt: c.reportedAt.toISOString(),
            distanceMeters: d,
            departmentId: c.departmentId,
            lng: c.lng,
            lat: c.lat,
          })),
          windowHours: config.DUPLICATE_CANDIDATE_HOURS,
          distanceMeters: maxMetres,
        };
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/api/cases/:id/suggestions',
      summary: 'Who a case should go to: 派遣 (the category’s department, the grid’s sub-centre) and 核实',
      description:
        '派遣: a 部件 case’s component owner (权属单位), the category’s responsible department (Category.defaultDepartmentId) and the street/town ' +
        'sub-centre whose name is the grid cell’s street. 核实: the supervisors on duty (an open 城管通 patrol ' +
        'shift), nearest by their last known position first, the grid cell’s own marked; that one is offered ' +
        'off duty too, last. ' +
        'Suggestions only: the dispatcher may choose any active unit.',
      tags: ['desk'],
      access: DESK_ROLES,
      params: z.object({ id: z.string() }),
      responses: { 200: { description: 'The suggestions, best first', schema: suggestionSchema } },
      handler: async ({ params }) => {
        const row = await loadCase(params.id);
        const [category, cell] = await Promise.all([
          prisma.category.findUnique({
            where: { kind_code: { kind: row.categoryKind, code: row.categoryCode } },
            include: { defaultDepartment: true },
          }),
          row.gridCode
            ? prisma.gridCell.findUnique({ where: { code: row.gridCode }, include: { supervisor: true } })
            : null,
        ]);
        const dispatch: z.infer<typeof suggestionSchema>['dispatch'] = [];
        // A 部件 case goes to whoever owns the component (its 权属/养护单位), before the category's unit.
        const owner = row.componentId
          ? (
              await prisma.component.findUnique({
                where: { id: row.componentId },
                include: { department: true },
              })
            )?.department
          : null;
        if (owner?.active)
          dispatch.push({
            assigneeType: owner.kind === 'street_center' ? 'subcenter' : 'department',
            assigneeId: owner.id,
            name: owner.name,
            why: 'owner',
          });
        const dept = category?.defaultDepartment;
        if (dept?.active && dept.id !== owner?.id)
          dispatch.push({
            assigneeType: dept.kind === 'street_center' ? 'subcenter' : 'department',
            assigneeId: dept.id,
            name: dept.name,
            why: 'category',
          });
        if (cell) {
          const centre = await prisma.department.findFirst({
            where: { kind: 'street_center', active: true, name: cell.street },
          });
          if (centre && centre.id !== dept?.id && centre.id !== owner?.id)
            dispatch.push({
              assigneeType: 'subcenter',
              assigneeId: centre.id,
              name: centre.name,
              why: 'grid',
            });
        }
        const verify = SOURCE_NEEDS_VERIFY[row.source] ? await verifiers(row, cell?.supervisor ?? null) : [];
        return { dispatch, verify };
      },
    }),
  ];
}
