/**
 * The 督办 inbox API (src/escalations/README.md): list the open items of the caller's level, most urgent
 * first; follow changes with a `since` cursor; claim / release an item; decide it.
 *
 * A decision is recorded in one transaction — the Escalation row (decided, by whom, when, the note), the
 * case's timeline event with the actor (延期 `extension_approved`, 改派 `reassigned`, 作废 `voided`,
 * 催办/责令处置 `urged`) and the case columns it changes (the stage deadline, the unit, the void reason) —
 * together with the outbox row of the `escalation.decided` message (src/cases/publish.ts: correlation
 * key = caseId, messageId `<caseId>:escalation.decided:<event id>`, only the variables the contract
 * lists). The message is then published at once; when the engine does not take it the decision stays
 * recorded and the hub's relay re-sends it.
 *
 * Only one decision per item: the row moves from `open` to `decided` with a conditional update, so of
 * two concurrent decisions (or a decision racing a department's 签收 that supersedes the item) exactly
 * one wins and the other gets 409.
 */
import { z } from 'zod';
import { defineRoute, type Route } from '../api/route.ts';
import type { Principal, Role } from '../auth/roles.ts';
import { loadWorkCalendar, type WorkCalendar } from '../calendar/index.ts';
import { inCaseTransaction, recordEvent } from '../cases/state/index.ts';
import type { CasePublisher } from '../cases/publish.ts';
import { cityClock } from '../city-clock.ts';
import type { Config } from '../config.ts';
import type { Db, Escalation, Prisma } from '../db/index.ts';
import { conflict, forbidden, notFound, unavailable, validationError } from '../errors.ts';
import {
  byUrgency,
  DECISION_LABELS,
  levelLabel,
  levelWhere,
  mayDecideAt,
  toItems,
  type Decision,
  type InboxItem,
} from './inbox.ts';

/** Who works the inbox. */
export const INBOX_ROLES: Role[] = ['shift_leader', 'leader', 'administrator'];

/** Changes younger than this are left for the next poll, so a slower commit is not skipped. */
export const CURSOR_LAG_MS = 2000;
const LIST_MAX = 500;

export interface EscalationRouteDeps {
  db: Db;
  config: Pick<Config, 'CALENDAR_TIMEZONE' | 'ESCALATION_DECISION_MINUTES'>;
  /** The hub's publisher of case messages (its relay runs with the hub); without it a decision answers 503. */
  casePublisher?: CasePublisher;
  /** The hub's clock (the engine's in tests with clock control). */
  now?: () => Date;
}

const person = z.object({ id: z.string(), name: z.string().nullable() }).nullable();
export const inboxItemSchema = z.object({
  id: z.string(),
  status: z.enum(['open', 'decided', 'superseded']),
  stage: z.enum(['sign', 'dispose']),
  stageLabel: z.string(),
  level: z.number().int(),
  levelLabel: z.string(),
  deadline: z.string().describe('the stage limit that was missed, ISO 8601 with the city offset'),
  overdueWorkingMinutes: z.number().describe('working minutes since the missed limit'),
  decisionDueAt: z.string().describe('when this level’s time to decide runs out (then the next level)'),
  remainingWorkingMinutes: z.number().describe('working minutes left until decisionDueAt (negative: past)'),
  raisedAt: z.string(),
  openedAt: z.string(),
  updatedAt: z.string(),
  assignee: z.object({ type: z.string(), id: z.string(), name: z.string().nullable() }),
  claimedBy: person,
  claimedAt: z.string().nullable(),
  decision: z.string().nullable(),
  decisionNote: z.string().nullable(),
  decidedBy: person,
  decidedAt: z.string().nullable(),
  case: z.object({
    id: z.string(),
    caseNo: z.string(),
    status: z.string(),
    source: z.string(),
    categoryCode: z.string(),
    categoryName: z.string().nullable(),
    urgency: z.string(),
    description: z.string(),
    address: z.string().nullable(),
    gridCode: z.string().nullable(),
    departmentId: z.string().nullable(),
    reportedAt: z.string(),
  }),
});

const isoDateTime = z.string().datetime({ offset: true, message: 'an ISO 8601 date-time with offset' });
const note = z.string().trim().max(2000).optional();
const decideSchema = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('extend'), newDeadline: isoDateTime, note }).strict(),
  z
    .object({
      decision: z.literal('reassign'),
      assigneeType: z.enum(['department', 'subcenter']),
      assigneeId: z.string().min(1),
      note,
    })
    .strict(),
  z.object({ decision: z.literal('urge'), note }).strict(),
  z.object({ decision: z.literal('urgent'), note }).strict(),
  z.object({ decision: z.literal('void'), voidReason: z.string().trim().min(1).max(500) }).strict(),
]);
type DecideBody = z.infer<typeof decideSchema>;

const encodeCursor = (ms: number) => Buffer.from(JSON.stringify({ t: ms })).toString('base64url');
function decodeCursor(cursor: string): number {
  try {
    const { t } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { t?: unknown };
    if (typeof t !== 'number' || !Number.isFinite(t)) throw new Error('bad cursor');
    return t;
  } catch {
    throw validationError('invalid cursor', [
      { field: 'query.since', message: 'not a cursor from this API (use the `cursor` of the last answer)' },
    ]);
  }
}

/** The item is no longer open for this caller: the decision is rolled back and refused. */
class NotOpen extends Error {}

const STAGE_COLUMN = { sign: 'signDeadline', dispose: 'disposeDeadline' } as const;

export function escalationRoutes(deps: EscalationRouteDeps): Route[] {
  const { prisma } = deps.db;
  const tz = deps.config.CALENDAR_TIMEZONE;
  const clock = deps.now ?? (() => new Date());
  const publisher = deps.casePublisher;

  const calendar = () => loadWorkCalendar(deps.db, { timezone: tz });
  const view = async (rows: Escalation[], cal?: WorkCalendar) =>
    toItems(rows, {
      prisma,
      calendar: cal ?? (await calendar()),
      clock: cityClock(deps.config),
      decisionMinutes: deps.config.ESCALATION_DECISION_MINUTES,
      now: clock(),
    });

  /** The item, 404 when missing, 403 when it is at a level the caller does not decide at. */
  async function itemFor(id: string, principal: Principal): Promise<Escalation> {
    const row = await prisma.escalation.findUnique({ where: { id } });
    if (!row) throw notFound(`inbox item ${id}`);
    if (!mayDecideAt(principal, row.level))
      throw forbidden(`inbox item ${id} is at 督办 level ${row.level} (${levelLabel(row.level)})`);
    return row;
  }

  /** Why an item cannot be claimed or decided by `principal` now. */
  async function refusal(id: string, principal: Principal, action: string) {
    const row = await prisma.escalation.findUniqueOrThrow({ where: { id } });
    if (row.status !== 'open') {
      const by = row.decidedBy
        ? await prisma.user.findUnique({ where: { id: row.decidedBy }, select: { displayName: true } })
        : null;
      const what =
        row.status === 'decided'
          ? `already decided (${row.decision}${by ? ` by ${by.displayName}` : ''})`
          : 'closed: the department acted first (superseded)';
      return conflict(`cannot ${action} inbox item ${id}: it is ${what}`, {
        itemStatus: row.status,
        decision: row.decision,
      });
    }
    if (row.claimedBy && row.claimedBy !== principal.userId) {
      const holder = await prisma.user.findUnique({
        where: { id: row.claimedBy },
        select: { id: true, displayName: true },
      });
      return conflict(`inbox item ${id} is claimed by ${holder?.displayName ?? row.claimedBy}`, {
        claimedBy: { id: row.claimedBy, name: holder?.displayName ?? null },
      });
    }
    return conflict(`cannot ${action} inbox item ${id} now; reload it`);
  }

  async function checkDecision(
    body: DecideBody,
    row: Escalation,
    caseRow: { urgency: string; categoryKind: string; categoryCode: string },
    now: Date,
  ) {
    if (body.decision === 'extend') {
      const due = new Date(body.newDeadline);
      if (due <= now)
        throw validationError('the new deadline must be in the future', [
          { field: 'body.newDeadline', message: `${body.newDeadline} is not after now` },
        ]);
      const limit = await prisma.categoryLimit.findFirst({
        where: {
          category: { kind: caseRow.categoryKind as 'event', code: caseRow.categoryCode },
          urgency: caseRow.urgency as 'normal',
          step: row.stage as 'sign',
        },
        select: { timeMode: true },
      });
      // A limit counted in natural hours (emergencies) may end at any hour; a working-time one ends
      // inside working hours (the end of a shift included).
      if (limit?.timeMode !== 'natural') {
        const cal = await calendar();
        const inside = (t: Date) => cal.nextWorkingInstant(t).getTime() === t.getTime();
        if (!inside(due) && !inside(new Date(due.getTime() - 1)))
          throw validationError('the new deadline is outside working hours', [
            {
              field: 'body.newDeadline',
              message: `${body.newDeadline} is not within working hours of the work calendar (next working time ${cal.nextWorkingInstant(due).toISOString()})`,
            },
          ]);
      }
    }
    if (body.decision === 'reassign') {
      const unit = await prisma.department.findUnique({ where: { id: body.assigneeId } });
      if (!unit?.active)
        throw validationError('unknown department', [
          { field: 'body.assigneeId', message: `no active department ${body.assigneeId}` },
        ]);
      if ((body.assigneeType === 'subcenter') !== (unit.kind === 'street_center'))
        throw validationError('assignee type does not match the unit', [
          {
            field: 'body.assigneeType',
            message: `${unit.name} is ${unit.kind === 'street_center' ? 'a street/town sub-centre: use subcenter' : 'not a sub-centre: use department'}`,
          },
        ]);
      if (body.assigneeId === row.assigneeId)
        throw validationError('reassign to another unit', [
          { field: 'body.assigneeId', message: `${unit.name} already holds the case` },
        ]);
    }
  }

  /** The timeline event, the case columns and the message variables of a decision. */
  function effects(body: DecideBody, row: Escalation, principal: Principal) {
    const base = { escalationDecision: body.decision, decidedBy: principal.userId };
    switch (body.decision) {
      case 'extend':
        return {
          type: 'extension_approved' as const,
          note: body.note ?? null,
          // step: the stage whose limit moves (the deadlines worker should apply it to that step only).
          data: { newDeadline: body.newDeadline, step: row.stage },
          caseData: {
            [STAGE_COLUMN[row.stage as 'sign' | 'dispose']]: new Date(body.newDeadline),
            extensionCount: { increment: 1 },
          } as Prisma.CaseUncheckedUpdateInput,
          departmentId: row.assigneeId,
          variables: { ...base, newDeadline: body.newDeadline },
        };
      case 'reassign':
        return {
          type: 'reassigned' as const,
          note: body.note ?? null,
          data: { assigneeType: body.assigneeType, assigneeId: body.assigneeId, from: row.assigneeId },
          caseData: (body.assigneeType === 'subcenter'
            ? { departmentId: body.assigneeId, subCenterId: body.assigneeId }
            : { departmentId: body.assigneeId, subCenterId: null }) as Prisma.CaseUncheckedUpdateInput,
          departmentId: body.assigneeId,
          variables: { ...base, assigneeType: body.assigneeType, assigneeId: body.assigneeId },
        };
      case 'void':
        return {
          type: 'voided' as const,
          note: body.voidReason,
          data: {},
          caseData: { voidReason: body.voidReason } as Prisma.CaseUncheckedUpdateInput,
          departmentId: row.assigneeId,
          variables: { ...base, voidReason: body.voidReason },
        };
      default:
        return {
          type: 'urged' as const,
          note: body.note ?? null,
          data: { urgeKind: body.decision, stage: row.stage },
          caseData: {} as Prisma.CaseUncheckedUpdateInput,
          departmentId: row.assigneeId,
          variables: base,
        };
    }
  }

  /**
   * The decision's writes, in the lock order of the case actions (case row, then the item), so a
   * decision racing a department's 签收 cannot deadlock: the case row only if its version is the one
   * read (else StaleCase: inCaseTransaction reads again), then the item only if still open and not claimed by someone else
   * (else NotOpen: the whole decision rolls back).
   */
  async function record(
    tx: Prisma.TransactionClient,
    row: Escalation,
    body: DecideBody,
    effect: ReturnType<typeof effects>,
    principal: Principal,
    now: Date,
  ): Promise<Escalation> {
    const { event } = (await recordEvent(tx, {
      caseId: row.caseId,
      type: effect.type,
      at: now,
      actor: { userId: principal.userId, name: principal.displayName },
      departmentId: effect.departmentId,
      note: effect.note,
      data: {
        ...effect.data,
        inboxItemId: row.id,
        decision: body.decision,
        level: row.level,
        stage: row.stage,
      },
      caseUpdate: {
        ...(effect.caseData as Prisma.CaseUncheckedUpdateManyInput),
        ...(effect.type === 'voided' ? { voidedAt: now } : {}),
      },
    }))!;
    const { count } = await tx.escalation.updateMany({
      where: { id: row.id, status: 'open', OR: [{ claimedBy: null }, { claimedBy: principal.userId }] },
      data: {
        status: 'decided',
        decision: body.decision,
        decidedBy: principal.userId,
        decidedAt: now,
        decisionNote: effect.note,
        claimedBy: principal.userId,
        claimedAt: row.claimedAt ?? now,
      },
    });
    if (count === 0) throw new NotOpen();
    await publisher!.enqueue(tx, {
      name: 'escalation.decided',
      caseId: row.caseId,
      eventId: event.id,
      variables: effect.variables,
    });
    return tx.escalation.findUniqueOrThrow({ where: { id: row.id } });
  }

  const oneItem = { 200: { description: 'The inbox item', schema: inboxItemSchema } };
  const idParams = z.object({ id: z.string() });

  return [
    defineRoute({
      method: 'GET',
      path: '/api/inbox',
      summary: '督办 inbox: items of the caller’s level, most urgent first',
      description:
        'Shift leaders see level 1, leaders level 2 and up, administrators every level. Sorted by ' +
        '`decisionDueAt` (the level’s time to decide runs out soonest first), then by the missed deadline. ' +
        '`cursor` is where GET /api/inbox/events continues from.',
      tags: ['inbox'],
      access: INBOX_ROLES,
      query: z.object({
        status: z.enum(['open', 'decided', 'superseded']).default('open'),
        stage: z.enum(['sign', 'dispose']).optional(),
        caseId: z.string().optional(),
      }),
      responses: {
        200: {
          description: 'The items (at most 500) and the change cursor',
          schema: z.object({ items: z.array(inboxItemSchema), cursor: z.string() }),
        },
      },
      handler: async ({ query, principal }) => {
        const cursor = encodeCursor(Date.now() - CURSOR_LAG_MS);
        const levels = levelWhere(principal);
        const rows = await prisma.escalation.findMany({
          where: {
            AND: [
              { status: query.status },
              ...(levels ? [levels] : []),
              ...(query.stage ? [{ stage: query.stage }] : []),
              ...(query.caseId ? [{ caseId: query.caseId }] : []),
            ],
          },
          orderBy: [{ deadline: 'asc' }, { id: 'asc' }],
          take: LIST_MAX,
        });
        const items = await view(rows);
        if (query.status === 'open') items.sort(byUrgency);
        else items.sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt));
        return { items, cursor };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/inbox/events',
      summary: 'Inbox changes since a cursor (poll for new and changed items)',
      description:
        'Every item of the caller’s levels created or changed (opened, raised a level, claimed, released, ' +
        'decided, superseded) after `since`, oldest change first, and the cursor to pass next time. ' +
        `Without \`since\` it starts now (no items). Changes show up ${CURSOR_LAG_MS / 1000} s after they ` +
        'happen, so a change committed slowly is not skipped; each change is reported once. An item that ' +
        'rose above the caller’s level is reported once more with its new level, so a list can drop it.',
      tags: ['inbox'],
      access: INBOX_ROLES,
      query: z.object({ since: z.string().optional().describe('`cursor` of the previous answer') }),
      responses: {
        200: {
          description: 'Changed items and the next cursor',
          schema: z.object({ items: z.array(inboxItemSchema), cursor: z.string() }),
        },
      },
      handler: async ({ query, principal }) => {
        const upTo = Date.now() - CURSOR_LAG_MS;
        if (!query.since) return { items: [], cursor: encodeCursor(upTo) };
        const from = decodeCursor(query.since);
        if (from >= upTo) return { items: [], cursor: query.since };
        const rows = await prisma.escalation.findMany({
          where: { updatedAt: { gt: new Date(from), lte: new Date(upTo) } },
          orderBy: [{ updatedAt: 'asc' }, { id: 'asc' }],
          take: LIST_MAX,
        });
        // A full page: continue after its last change rather than skip the rest.
        const next = rows.length === LIST_MAX ? rows.at(-1)!.updatedAt.getTime() : upTo;
        const visible = rows.filter((r) => {
          if (mayDecideAt(principal, r.level)) return true;
          // An item raised out of the caller's level: tell the lower level once, so its list drops it.
          return r.level > 1 && mayDecideAt(principal, r.level - 1) && r.status === 'open';
        });
        return { items: await view(visible), cursor: encodeCursor(next) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/inbox/:id',
      summary: 'One inbox item',
      tags: ['inbox'],
      access: INBOX_ROLES,
      params: idParams,
      responses: oneItem,
      handler: async ({ params, principal }) => (await view([await itemFor(params.id, principal)]))[0]!,
    }),
    defineRoute({
      method: 'POST',
      path: '/api/inbox/:id/claim',
      summary: 'Claim an inbox item (one person works on it at a time)',
      description:
        'Claiming an item you hold already succeeds again. An item someone else holds answers 409 naming ' +
        'them (`claimedBy`); a decided or superseded item answers 409.',
      tags: ['inbox'],
      access: INBOX_ROLES,
      params: idParams,
      responses: oneItem,
      handler: async ({ params, principal }) => {
        await itemFor(params.id, principal);
        const { count } = await prisma.escalation.updateMany({
          where: { id: params.id, status: 'open', claimedBy: null },
          data: { claimedBy: principal.userId, claimedAt: clock() },
        });
        const row = await prisma.escalation.findUniqueOrThrow({ where: { id: params.id } });
        if (count === 0 && !(row.status === 'open' && row.claimedBy === principal.userId))
          throw await refusal(params.id, principal, 'claim');
        return (await view([row]))[0]!;
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/inbox/:id/release',
      summary: 'Release a claimed inbox item',
      description:
        'The holder (or an administrator) releases the item so others can claim it. Releasing an ' +
        'unclaimed item succeeds; releasing someone else’s claim answers 409 naming them.',
      tags: ['inbox'],
      access: INBOX_ROLES,
      params: idParams,
      responses: oneItem,
      handler: async ({ params, principal }) => {
        const row = await itemFor(params.id, principal);
        if (row.claimedBy) {
          const admin = principal.roles.includes('administrator');
          const { count } = await prisma.escalation.updateMany({
            where: {
              id: params.id,
              status: 'open',
              ...(admin ? {} : { claimedBy: principal.userId }),
            },
            data: { claimedBy: null, claimedAt: null },
          });
          if (count === 0) throw await refusal(params.id, principal, 'release');
        }
        return (await view([await prisma.escalation.findUniqueOrThrow({ where: { id: params.id } })]))[0]!;
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/inbox/:id/decide',
      summary: 'Decide an inbox item: 延期, 改派, 催办, 责令处置 or 作废',
      description:
        'Body by `decision`: `extend` with `newDeadline` (future, within working hours unless the stage’s ' +
        'limit counts natural time), `reassign` with `assigneeType` (department | subcenter) and ' +
        '`assigneeId`, `urge` / `urgent` with an optional `note`, `void` with `voidReason`. Recorded on ' +
        'the item and the case (timeline, deadline, unit) in one transaction, then published to the ' +
        'procedure as `escalation.decided`. An item held by someone else, already decided or closed ' +
        'answers 409. An unclaimed item is claimed by the decision.',
      tags: ['inbox'],
      access: INBOX_ROLES,
      params: idParams,
      body: decideSchema,
      responses: oneItem,
      handler: async ({ params, body, principal, log }) => {
        const row = await itemFor(params.id, principal);
        if (row.status !== 'open' || (row.claimedBy && row.claimedBy !== principal.userId))
          throw await refusal(row.id, principal, 'decide');
        if (!publisher) throw unavailable('the engine is not connected');
        const now = clock();
        const caseRow = await prisma.case.findUniqueOrThrow({ where: { id: row.caseId } });
        await checkDecision(body, row, caseRow, now);
        const effect = effects(body, row, principal);
        // Messages of this case still waiting for the engine go first, so it gets them in order.
        if (await publisher.pending(row.caseId)) await publisher.flush(row.caseId);
        let decided: Escalation;
        try {
          decided = await inCaseTransaction(prisma, (tx) => record(tx, row, body, effect, principal, now), {
            attempts: 6,
            exhausted: () => conflict(`case ${row.caseId} kept changing; reload it and retry`),
          });
        } catch (err) {
          if (err instanceof NotOpen) throw await refusal(row.id, principal, 'decide');
          throw err;
        }
        log.info(
          { caseId: row.caseId, inboxItemId: row.id, decision: body.decision, level: row.level },
          `督办 decided: ${DECISION_LABELS[body.decision as Decision]}`,
        );
        await publisher.flush(row.caseId);
        return (await view([decided]))[0]!;
      },
    }),
  ];
}

export type { InboxItem };
