/**
 * 领导通 (leader): the day's (or the month's) figures against the targets, the overdue and the escalated
 * cases, the open cases for the map, and 批示.
 *
 * - `GET /api/leader/dashboard?period=day|month`: 处置率, 结案率, 平均处置时长 of the period so far, computed by
 *   the assessment's own code (src/assessment: the period's cohort as the timeline stands now), each with
 *   its target and whether it is met; the overdue cases (the running step's deadline has passed), the
 *   escalated ones (an open 督办 item), and every open case with a position (the map).
 * - `GET/PUT /api/leader/targets`: the targets (Setting `leader.targets`, src/leader/targets.ts).
 * - `POST /api/cases/:id/instructions` (批示): recorded on the case's timeline (`instruction`) and as an
 *   Instruction row addressed to the unit holding the case (the command centre when nobody holds it),
 *   in one transaction; then mailed to the unit's address and its handlers' when a mailer is configured
 *   (a mail that fails does not undo the 批示: `mailed` says whether it went).
 * - `GET /api/instructions`: a unit's handlers see the 批示 sent to their unit, the command centre those
 *   for cases nobody holds, leaders and administrators all; `POST /api/instructions/:id/acknowledge`
 *   records the unit's acknowledgement (`instruction_acknowledged` on the timeline), once.
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import { defineRoute, type Route } from '../api/route.ts';
import { createAssessment, FIGURE_LABELS } from '../assessment/index.ts';
import type { Principal, Role } from '../auth/roles.ts';
import { randomUUID } from 'node:crypto';
import { STATUS_LABELS, CASE_STATUSES, OPEN_STATUSES } from '../cases/lifecycle.ts';
import { inCaseTransaction, readCase, recordEvent } from '../cases/state/index.ts';
import type { Config } from '../config.ts';
import type { Db, Instruction, Prisma } from '../db/index.ts';
import { conflict, forbidden, notFound } from '../errors.ts';
import type { Logger } from '../log.ts';
import { sendOnce, type Mailer } from '../mail.ts';
import { loadTargets, saveTargets, targetsSchema, type Targets } from './targets.ts';

const LEADERS: Role[] = ['leader', 'administrator'];
/** Who answers for cases nobody holds: the command centre. */
const COMMAND: Role[] = ['acceptor', 'dispatcher', 'shift_leader'];
/** Statuses of a case still being worked on (the dashboard's and the wall's open cases). */
const LIST_MAX = 200;
const MAP_MAX = 5000;

const figureSchema = z.object({
  key: z.enum(['disposalRate', 'closureRate', 'avgHandlingHours']),
  label: z.string(),
  value: z
    .number()
    .nullable()
    .describe('a share in [0, 1] for rates, working hours for the average; null: no case yet'),
  target: z.number(),
  met: z
    .boolean()
    .nullable()
    .describe('rates at or above, the average at or below the target; null without a value'),
  unit: z.enum(['rate', 'hours']),
  cases: z.number().int().describe('cases behind the figure (denominator of a rate, cases averaged)'),
});

const caseSummary = z.object({
  id: z.string(),
  caseNo: z.string(),
  status: z.enum(CASE_STATUSES),
  statusLabel: z.string(),
  categoryName: z.string(),
  address: z.string().nullable(),
  departmentName: z.string().nullable(),
  dueAt: z.string().nullable().describe('the running step’s deadline (overdue list)'),
  escalationLevel: z.number().int(),
});

const mapPoint = z.object({
  id: z.string(),
  caseNo: z.string(),
  lat: z.number(),
  lng: z.number(),
  status: z.enum(CASE_STATUSES),
  statusLabel: z.string(),
  overdue: z.boolean(),
});

const instructionSchema = z.object({
  id: z.string(),
  caseId: z.string(),
  caseNo: z.string(),
  text: z.string(),
  authorName: z.string(),
  departmentId: z.string().nullable(),
  departmentName: z.string().nullable().describe('null: sent to the command centre'),
  createdAt: z.string(),
  mailed: z.boolean(),
  acknowledgedAt: z.string().nullable(),
  acknowledgedByName: z.string().nullable(),
  acknowledgeNote: z.string().nullable(),
});

export interface LeaderRouteDeps {
  db: Db;
  config: Pick<Config, 'CALENDAR_TIMEZONE' | 'HUB_PUBLIC_URL'>;
  logger: Logger;
  /** Mails 批示 to the unit; without it nothing is mailed (`mailed` false). */
  mailer?: Mailer;
  now?: () => Date;
}

/** The deadline column of the step a status runs (for the overdue list and the map). */
const RUNNING_DEADLINE: Partial<
  Record<string, 'verifyDeadline' | 'signDeadline' | 'disposeDeadline' | 'checkDeadline'>
> = {
  verifying: 'verifyDeadline',
  dispatched: 'signDeadline',
  signed: 'disposeDeadline',
  checking: 'checkDeadline',
};

/** Open cases past their running step's deadline column at `now` (the dashboard's and the wall's overdue). */
export const overdueWhere = (now: Date): Prisma.CaseWhereInput => ({
  OR: [
    { status: 'verifying', verifyDeadline: { lt: now } },
    { status: 'dispatched', signDeadline: { lt: now } },
    { status: 'signed', disposeDeadline: { lt: now } },
    { status: 'checking', checkDeadline: { lt: now } },
  ],
});

export function leaderRoutes(deps: LeaderRouteDeps): Route[] {
  const { db, config, logger } = deps;
  const { prisma } = db;
  const now = deps.now ?? (() => new Date());
  const tz = config.CALENDAR_TIMEZONE;

  const summaryInclude = {
    category: { select: { name: true } },
    department: { select: { name: true } },
  } as const;
  type SummaryRow = Prisma.CaseGetPayload<{ include: typeof summaryInclude }>;
  const summarize = (row: SummaryRow) => {
    const column = RUNNING_DEADLINE[row.status];
    const due = column ? row[column] : null;
    return {
      id: row.id,
      caseNo: row.caseNo,
      status: row.status,
      statusLabel: STATUS_LABELS[row.status],
      categoryName: row.category.name,
      address: row.address,
      departmentName: row.department?.name ?? null,
      dueAt: due ? due.toISOString() : null,
      escalationLevel: row.escalationLevel,
    };
  };

  async function instructionViews(rows: Instruction[]) {
    const cases = await prisma.case.findMany({
      where: { id: { in: [...new Set(rows.map((r) => r.caseId))] } },
      select: { id: true, caseNo: true },
    });
    const units = await prisma.department.findMany({
      where: { id: { in: [...new Set(rows.flatMap((r) => (r.departmentId ? [r.departmentId] : [])))] } },
      select: { id: true, name: true },
    });
    const caseNo = new Map(cases.map((c) => [c.id, c.caseNo]));
    const unitName = new Map(units.map((u) => [u.id, u.name]));
    return rows.map((r) => ({
      id: r.id,
      caseId: r.caseId,
      caseNo: caseNo.get(r.caseId) ?? '',
      text: r.text,
      authorName: r.authorName,
      departmentId: r.departmentId,
      departmentName: r.departmentId ? (unitName.get(r.departmentId) ?? null) : null,
      createdAt: r.createdAt.toISOString(),
      mailed: r.mailed,
      acknowledgedAt: r.acknowledgedAt?.toISOString() ?? null,
      acknowledgedByName: r.acknowledgedByName,
      acknowledgeNote: r.acknowledgeNote,
    }));
  }

  /** Which 批示 a caller receives: its unit's; the command centre's; everything for leaders. */
  function addressedTo(principal: Principal): Prisma.InstructionWhereInput | null {
    if (principal.roles.some((r) => LEADERS.includes(r))) return {};
    const or: Prisma.InstructionWhereInput[] = [];
    if (principal.roles.includes('department_handler') && principal.departmentId)
      or.push({ departmentId: principal.departmentId });
    if (principal.roles.some((r) => COMMAND.includes(r))) or.push({ departmentId: null });
    return or.length ? { OR: or } : null;
  }

  /** Mails the 批示 to the unit's address and its handlers' (or to the command centre's people). */
  async function mailInstruction(instruction: Instruction, caseNo: string): Promise<boolean> {
    if (!deps.mailer) return false;
    const people = await prisma.user.findMany({
      where: {
        active: true,
        email: { not: null },
        ...(instruction.departmentId
          ? { departmentId: instruction.departmentId, roles: { some: { role: 'department_handler' } } }
          : { roles: { some: { role: { in: COMMAND } } } }),
      },
      select: { email: true },
    });
    const unit = instruction.departmentId
      ? await prisma.department.findUnique({ where: { id: instruction.departmentId } })
      : null;
    const to = [
      ...new Set([unit?.contactEmail, ...people.map((p) => p.email)].filter((e): e is string => !!e)),
    ];
    if (!to.length) return false;
    try {
      await sendOnce(
        { db, mailer: deps.mailer },
        `instruction:${instruction.id}`,
        {
          to,
          subject: `【领导批示】${caseNo}`,
          text: [
            `${unit?.name ?? '指挥中心'}：`,
            `${instruction.authorName}对案件 ${caseNo} 批示：`,
            instruction.text,
            `请阅知并确认：${config.HUB_PUBLIC_URL}/app/`,
          ].join('\n'),
        },
        instruction.caseId,
      );
      return true;
    } catch (err) {
      logger.warn({ err, instructionId: instruction.id }, '批示 mail failed; the 批示 stays recorded');
      return false;
    }
  }

  return [
    defineRoute({
      method: 'GET',
      path: '/api/leader/dashboard',
      summary:
        '领导通: the period’s figures against the targets, overdue and escalated cases, open cases for the map',
      tags: ['leader'],
      access: LEADERS,
      query: z.object({
        period: z.enum(['day', 'month']).default('day').describe('today so far, or this month so far'),
      }),
      responses: {
        200: {
          description: 'Figures of the period from its start until now (the assessment’s definitions)',
          schema: z.object({
            period: z.object({ kind: z.enum(['day', 'month']), from: z.string(), asOf: z.string() }),
            figures: z.array(figureSchema),
            registered: z.number().int().describe('立案数 of the period'),
            overdueCount: z.number().int(),
            escalatedCount: z.number().int(),
            overdue: z.array(caseSummary),
            escalated: z.array(caseSummary),
            openCases: z.array(mapPoint),
          }),
        },
      },
      handler: async ({ query }) => {
        const at = now();
        const from = DateTime.fromJSDate(at, { zone: tz }).startOf(query.period).toJSDate();
        const targets = await loadTargets(db);
        // Nothing registered yet in a period that has not started (00:00:00.000 exactly) has no figures.
        const result =
          at.getTime() > from.getTime()
            ? await createAssessment({ db, timezone: tz }).compute({ from, to: at, asOf: at })
            : null;
        const city = result?.city.figures ?? {};
        const figure = (key: keyof Targets, unit: 'rate' | 'hours') => {
          const f = city[key];
          const value = f?.value ?? null;
          const target = targets[key];
          return {
            key,
            label: FIGURE_LABELS[key]!.replace('(工作小时)', ''),
            value,
            target,
            met: value === null ? null : unit === 'rate' ? value >= target : value <= target,
            unit,
            cases: (unit === 'rate' ? f?.denominatorIds : f?.numeratorIds)?.length ?? 0,
          };
        };
        const open = { status: { in: OPEN_STATUSES } };
        const overdueRows = await prisma.case.findMany({
          where: { AND: [open, overdueWhere(at)] },
          include: summaryInclude,
          orderBy: { reportedAt: 'asc' },
          take: LIST_MAX,
        });
        const overdueCount = await prisma.case.count({ where: { AND: [open, overdueWhere(at)] } });
        const escalatedWhere: Prisma.CaseWhereInput = { ...open, escalations: { some: { status: 'open' } } };
        const escalatedRows = await prisma.case.findMany({
          where: escalatedWhere,
          include: summaryInclude,
          orderBy: [{ escalationLevel: 'desc' }, { reportedAt: 'asc' }],
          take: LIST_MAX,
        });
        const escalatedCount = await prisma.case.count({ where: escalatedWhere });
        const points = await prisma.case.findMany({
          where: { ...open, lat: { not: null }, lng: { not: null } },
          select: {
            id: true,
            caseNo: true,
            lat: true,
            lng: true,
            status: true,
            verifyDeadline: true,
            signDeadline: true,
            disposeDeadline: true,
            checkDeadline: true,
          },
          orderBy: { reportedAt: 'desc' },
          take: MAP_MAX,
        });
        return {
          period: { kind: query.period, from: from.toISOString(), asOf: at.toISOString() },
          figures: [
            figure('disposalRate', 'rate'),
            figure('closureRate', 'rate'),
            figure('avgHandlingHours', 'hours'),
          ],
          registered: city.registered?.value ?? 0,
          overdueCount,
          escalatedCount,
          overdue: overdueRows.map(summarize),
          escalated: escalatedRows.map(summarize),
          openCases: points.map((p) => {
            const column = RUNNING_DEADLINE[p.status];
            const due = column ? p[column] : null;
            return {
              id: p.id,
              caseNo: p.caseNo,
              lat: p.lat!,
              lng: p.lng!,
              status: p.status,
              statusLabel: STATUS_LABELS[p.status],
              overdue: due !== null && due < at,
            };
          }),
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/leader/targets',
      summary: '领导通: the targets the figures are held against',
      tags: ['leader'],
      access: [...LEADERS, 'shift_leader'],
      responses: { 200: { description: 'The targets in force', schema: targetsSchema } },
      handler: async () => loadTargets(db),
    }),
    defineRoute({
      method: 'PUT',
      path: '/api/leader/targets',
      summary: '领导通: set the targets (处置率, 结案率 as shares, 平均处置时长 in working hours)',
      tags: ['leader'],
      access: LEADERS,
      body: targetsSchema,
      responses: { 200: { description: 'The targets now in force', schema: targetsSchema } },
      handler: async ({ body, principal }) => saveTargets(db, body, principal.userId),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/cases/:id/instructions',
      summary: '批示: a leader’s instruction on a case, on its timeline, sent to the unit holding it',
      tags: ['leader'],
      access: ['leader'],
      params: z.object({ id: z.string() }),
      body: z.object({ text: z.string().trim().min(1).max(2000).describe('the instruction') }).strict(),
      responses: {
        201: { description: 'The 批示 as recorded (and whether it was mailed)', schema: instructionSchema },
      },
      handler: async ({ params, body, principal, ctx }) => {
        const at = now();
        // The Instruction row and its timeline event in one transaction (the event names the row).
        const { instruction, caseNo } = await inCaseTransaction(prisma, async (tx) => {
          const row = await readCase(tx, params.id);
          const instructionId = randomUUID();
          const recorded = await recordEvent(tx, {
            caseId: row.id,
            row,
            type: 'instruction',
            at,
            actor: { userId: principal.userId, name: principal.displayName },
            departmentId: row.departmentId,
            note: body.text,
            data: { instructionId, departmentId: row.departmentId },
          });
          const instruction = await tx.instruction.create({
            data: {
              id: instructionId,
              caseId: row.id,
              text: body.text,
              authorUserId: principal.userId,
              authorName: principal.displayName,
              departmentId: row.departmentId,
              createdAt: at,
              eventId: recorded!.event.id,
            },
          });
          return { instruction, caseNo: row.caseNo };
        });
        const mailed = await mailInstruction(instruction, caseNo);
        const stored = mailed
          ? await prisma.instruction.update({ where: { id: instruction.id }, data: { mailed } })
          : instruction;
        ctx.status = 201;
        return (await instructionViews([stored]))[0]!;
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/instructions',
      summary: '批示 sent to the caller’s unit (handlers), to the command centre, or all (leaders)',
      tags: ['leader'],
      access: [...LEADERS, 'department_handler', ...COMMAND],
      query: z.object({
        status: z.enum(['pending', 'acknowledged', 'all']).default('pending'),
        caseId: z.string().optional(),
      }),
      responses: {
        200: {
          description: 'Newest first (at most 200)',
          schema: z.object({ items: z.array(instructionSchema) }),
        },
      },
      handler: async ({ query, principal }) => {
        const scope = addressedTo(principal);
        if (!scope) return { items: [] };
        const rows = await prisma.instruction.findMany({
          where: {
            AND: [
              scope,
              query.status === 'pending' ? { acknowledgedAt: null } : {},
              query.status === 'acknowledged' ? { acknowledgedAt: { not: null } } : {},
              query.caseId ? { caseId: query.caseId } : {},
            ],
          },
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          take: LIST_MAX,
        });
        return { items: await instructionViews(rows) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/instructions/:id/acknowledge',
      summary: 'The unit acknowledges a 批示 (阅知), recorded on the case’s timeline',
      tags: ['leader'],
      access: ['department_handler', ...COMMAND],
      params: z.object({ id: z.string() }),
      body: z.object({ note: z.string().trim().min(1).max(2000).optional() }).strict(),
      responses: { 200: { description: 'The 批示 with its acknowledgement', schema: instructionSchema } },
      handler: async ({ params, body, principal }) => {
        const at = now();
        const done = await inCaseTransaction(prisma, async (tx) => {
          const row = await tx.instruction.findUnique({ where: { id: params.id } });
          const scope = addressedTo(principal);
          const mine =
            row &&
            (row.departmentId
              ? principal.roles.includes('department_handler') && principal.departmentId === row.departmentId
              : principal.roles.some((r) => COMMAND.includes(r)));
          if (!row || !scope) throw notFound(`instruction ${params.id}`);
          if (!mine) throw forbidden('this 批示 was sent to another unit');
          const claimed = await tx.instruction.updateMany({
            where: { id: row.id, acknowledgedAt: null },
            data: {
              acknowledgedAt: at,
              acknowledgedBy: principal.userId,
              acknowledgedByName: principal.displayName,
              acknowledgeNote: body.note ?? null,
            },
          });
          if (claimed.count !== 1) throw conflict(`the 批示 was already acknowledged`);
          await recordEvent(tx, {
            caseId: row.caseId,
            type: 'instruction_acknowledged',
            at,
            actor: { userId: principal.userId, name: principal.displayName },
            departmentId: row.departmentId,
            note: body.note ?? null,
            data: { instructionId: row.id },
          });
          return tx.instruction.findUniqueOrThrow({ where: { id: row.id } });
        });
        return (await instructionViews([done]))[0]!;
      },
    }),
  ];
}
