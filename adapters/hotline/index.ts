/**
 * The 12319 hotline adapter (domain.md §2).
 * In:  tickets by signed webhook (`POST /api/adapters/hotline/tickets`), polling as the fallback for a
 *      lost push (`GET /api/tickets?after=` on the hotline, cursor `tickets`); both dedupe on the ticket
 *      number, so a ticket pushed twice, pushed and polled, or redelivered out of order is one case.
 *      A ticket becomes a case of source `hotline`, which the procedure sends to 核实 first.
 *      回访 results by signed webhook (`POST /api/adapters/hotline/callbacks`) → the `callback` timeline
 *      event and `case.callbackDone`; 不满意 reopens the SAME case (`reopened`: closed → registered),
 *      which the procedure sends back to 派遣 (see README.md).
 * Out: the case's progress as status updates, the final reply at 结案/作废/合并, the 回访 request
 *      (outbox rows `hotline`, in order per case). Progress comes from a change feed over the
 *      timeline of hotline cases (cursor `feed`), so the API, the workers and other adapters need not
 *      know the hotline exists.
 * Job: `hotline.notify` — a service task that sends a notice or a reply text to the ticket.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { recordCallback } from '../../src/cases/state/index.ts';
import type { OutboxMessage, Prisma } from '../../src/db/index.ts';
import { isUniqueViolation } from '../../src/db/index.ts';
import { validationError } from '../../src/errors.ts';
import { defineHandler, loadCase } from '../../workers/job.ts';
import type { Adapter, AdapterDeps, AdapterRuntime, InboundEvent, PollReceiver } from '../framework/index.ts';
import {
  callbackResultSchema,
  finalReply,
  FINAL_EVENTS,
  loggable,
  SATISFACTION,
  STATUS_OF_EVENT,
  ticketPushSchema,
  ticketSchema,
  ticketToCase,
  type CallbackResult,
  type Ticket,
} from './mapping.ts';
import type { HotlineTransport } from './transport.ts';

export { createHttpHotlineTransport } from './transport.ts';
export type { HotlineTransport } from './transport.ts';
export { ticketSchema, maskPhone, type Ticket } from './mapping.ts';

export const HOTLINE = 'hotline';
const ACTOR = '12319热线';
/** Events the feed looks at again each round (late commits of concurrent writers), ms. */
const FEED_OVERLAP_MS = 10 * 60_000;
const FEED_EVENTS = [...Object.keys(STATUS_OF_EVENT), ...FINAL_EVENTS];

export interface HotlineAdapterDeps extends AdapterDeps {
  transport: HotlineTransport;
  /** HMAC key of the hotline's webhooks. */
  webhookSecret: string;
  pollIntervalMs: number;
  /** How often the change feed turns timeline events into outbox rows, ms. */
  feedIntervalMs: number;
  /**
   * Why the hotline's API is not used (its address is not configured): then the adapter does not poll
   * and its health reports this reason; webhooks still work.
   */
  offline?: string;
}

/**
 * The ticket number a case reports to. Hubs before the same-case reopen opened follow-up cases
 * `<ticket>/R<n>` after an unsatisfied 回访; those still report to their ticket.
 */
const ticketOf = (sourceRef: string) => sourceRef.split('/')[0]!;

export function createHotlineAdapter(deps: HotlineAdapterDeps): Adapter {
  const { db, transport } = deps;
  const log = deps.logger.child({ adapter: HOTLINE });
  let runtime: AdapterRuntime | undefined;

  /** A ticket (parsed or not) as an inbox event: the ticket number is the source's id. */
  function ticketEvent(raw: unknown, parsed?: Ticket): InboundEvent {
    const no = (raw as { ticketNo?: unknown } | null)?.ticketNo;
    const sourceId =
      typeof no === 'string' && no.length <= 100
        ? `ticket:${no}`
        : `ticket:invalid:${createHash('sha256')
            .update(JSON.stringify(raw) ?? '')
            .digest('hex')
            .slice(0, 16)}`;
    return {
      sourceId,
      payload: raw,
      async apply(tx, ctx) {
        let ticket = parsed;
        if (!ticket) {
          const r = ticketSchema.safeParse(raw);
          if (!r.success)
            throw validationError(
              `invalid ticket: ${r.error.issues.map((i) => i.path.join('.')).join(', ')}`,
              r.error.issues.map((i) => ({
                field: ['ticket', ...i.path.map(String)].join('.'),
                message: i.message,
              })),
            );
          ticket = r.data;
        }
        const category = await tx.category.findUnique({
          where: { kind_code: { kind: 'event', code: ticket.category.code } },
          select: { active: true },
        });
        if (!category?.active)
          throw validationError('unknown category', [
            {
              field: 'body.ticket.category.code',
              message: `no active event category ${ticket.category.code}`,
            },
          ]);
        const created = await ctx.createCase({
          ...ticketToCase(ticket),
          reportData: {
            channel: '12319',
            ticketNo: ticket.ticketNo,
            ticketType: ticket.type,
            ticketCreatedAt: ticket.createdAt,
            ticketDeadline: ticket.deadline,
            street: ticket.street ?? null,
          },
        });
        log.info({ ...loggable(ticket), caseNo: created.caseNo }, 'hotline ticket → case');
        return { status: 'processed', caseId: created.id, note: created.caseNo };
      },
    };
  }

  function callbackEvent(result: CallbackResult): InboundEvent {
    return {
      sourceId: `callback:${result.callbackId}`,
      payload: result,
      async apply(tx, ctx) {
        const rounds = await tx.case.findMany({
          where: {
            source: 'hotline',
            OR: [{ sourceRef: result.ticketNo }, { sourceRef: { startsWith: `${result.ticketNo}/R` } }],
          },
          orderBy: { createdAt: 'desc' },
        });
        if (rounds.length === 0)
          throw validationError('unknown ticket', [
            { field: 'body.ticketNo', message: `no case for ticket ${result.ticketNo}` },
          ]);
        const current = rounds[0]!;
        if (current.status !== 'closed')
          return {
            status: 'ignored',
            caseId: current.id,
            note: `case ${current.caseNo} is ${current.status}, not waiting for 回访`,
          };
        const satisfaction = SATISFACTION[result.satisfaction];
        const reopen = satisfaction === 'unsatisfied';
        // One 回访 per closing round; 不满意 → 回退 and redo (domain.md §2): the same case goes back to
        // the dispatcher, and the procedure's 回访 path returns to 派遣 (processes/README.md step 9).
        const outcome = await recordCallback(tx, {
          row: current,
          satisfaction,
          at: new Date(result.at),
          actor: { name: ACTOR },
          note: result.note ?? null,
          data: { callbackId: result.callbackId, reopened: reopen },
          dedupeKey: `hotline:callback:${result.callbackId}`,
          reopen: {
            // the hub's clock, not the hotline's: the re-dispatch that follows is timed by it
            at: ctx.now,
            data: (round) => ({ callbackId: result.callbackId, round }),
            dedupeKey: `hotline:reopen:${result.callbackId}`,
          },
        });
        if (outcome.status === 'already-recorded')
          return {
            status: 'ignored',
            caseId: current.id,
            note: `回访 of ${current.caseNo} already recorded`,
          };
        const { event } = outcome;
        await ctx.publish({
          name: 'case.callbackDone',
          caseId: current.id,
          eventId: event.id,
          variables: { satisfaction },
        });
        log.info(
          { ticketNo: result.ticketNo, caseNo: current.caseNo, satisfaction, reopen },
          '回访 recorded',
        );
        return {
          status: 'processed',
          caseId: current.id,
          note: reopen ? `${current.caseNo} reopened` : undefined,
        };
      },
    };
  }

  /** One round of the change feed: timeline events of hotline cases → outbox rows (idempotent). */
  async function feed(caseId?: string): Promise<number> {
    const { prisma } = db;
    const cursorValue = caseId ? null : await runtime?.cursor.get('feed');
    const since = cursorValue ? new Date(new Date(cursorValue).getTime() - FEED_OVERLAP_MS) : new Date(0);
    const events = await prisma.caseEvent.findMany({
      where: {
        type: { in: FEED_EVENTS },
        at: { gte: since },
        case: { source: 'hotline' },
        ...(caseId ? { caseId } : {}),
      },
      orderBy: [{ at: 'asc' }, { id: 'asc' }],
      take: 1000,
      include: {
        case: { select: { caseNo: true, sourceRef: true, voidReason: true } },
        department: { select: { name: true } },
      },
    });
    let written = 0;
    for (const e of events) {
      const dedupeKey = `hotline:event:${e.id}`;
      if (await prisma.outboxMessage.findUnique({ where: { dedupeKey }, select: { id: true } })) continue;
      const ticketNo = ticketOf(e.case.sourceRef ?? '');
      if (!ticketNo) continue;
      const final = (FINAL_EVENTS as readonly string[]).includes(e.type);
      const payload = final
        ? {
            ticketNo,
            caseNo: e.case.caseNo,
            at: e.at.toISOString(),
            ...finalReply(
              e.type,
              e.note ?? (e.type === 'voided' ? e.case.voidReason : null),
              e.data as Record<string, unknown> | null,
            ),
          }
        : {
            ticketNo,
            caseNo: e.case.caseNo,
            at: e.at.toISOString(),
            ...STATUS_OF_EVENT[e.type]!,
            department: e.department?.name ?? null,
          };
      try {
        await prisma.outboxMessage.create({
          data: {
            adapter: HOTLINE,
            caseId: e.caseId,
            kind: final ? 'reply' : 'status',
            payload,
            dedupeKey,
            // Ordered by when it happened, not when the feed saw it (the 回访 request comes after the reply).
            createdAt: e.at,
          },
        });
        written++;
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
    }
    if (!caseId && events.length) {
      const newest = events.at(-1)!.at.toISOString();
      if (!cursorValue || newest > cursorValue) await runtime?.cursor.set('feed', newest);
    }
    if (written) runtime?.kick();
    return written;
  }

  async function deliver(row: OutboxMessage) {
    const p = row.payload as Record<string, unknown>;
    switch (row.kind) {
      case 'status':
        return transport.sendUpdate(String(p.ticketNo), {
          updateId: row.id,
          status: String(p.status),
          text: String(p.text),
          at: String(p.at),
          caseNo: String(p.caseNo),
          department: (p.department as string | null | undefined) ?? null,
        });
      case 'reply':
        return transport.sendReply(String(p.ticketNo), {
          replyId: row.id,
          result: String(p.result),
          text: String(p.text),
          at: String(p.at),
          caseNo: String(p.caseNo),
        });
      case 'callback': {
        // Written by hub.callback.request right after 结案: the final reply must reach the hotline first.
        if (row.caseId && (await feed(row.caseId)) > 0)
          throw new Error('the final reply was queued first; 回访 request follows it');
        // A feed run of the poller may have written the reply a moment ago (feed above then writes
        // nothing), after this row was picked as the case's oldest: wait until that reply is out.
        if (
          row.caseId &&
          (await db.prisma.outboxMessage.findFirst({
            where: { adapter: HOTLINE, caseId: row.caseId, kind: 'reply', status: { not: 'delivered' } },
            select: { id: true },
          }))
        )
          throw new Error('the final reply is not delivered yet; 回访 request follows it');
        return transport.requestCallback(ticketOf(String(p.sourceRef ?? '')), {
          requestId: row.id,
          caseNo: String(p.caseNo),
          closedAt: (p.closedAt as string | null) ?? null,
        });
      }
      default:
        throw new Error(`hotline outbox kind ${row.kind} is unknown`);
    }
  }

  const notify = defineHandler(async (job, handlerDeps) => {
    const row = await loadCase(job, handlerDeps);
    const notice = job.variables.notice === 'reply' ? 'reply' : 'status';
    const text =
      typeof job.variables.text === 'string' && job.variables.text.trim() ? job.variables.text.trim() : null;
    if (!text) throw validationError('hotline.notify: variable text is missing or empty');
    if (row.source !== 'hotline' || !row.sourceRef) return { hotlineNotified: false };
    const now = handlerDeps.now?.() ?? new Date();
    try {
      await db.prisma.outboxMessage.create({
        data: {
          adapter: HOTLINE,
          caseId: row.id,
          kind: notice,
          dedupeKey: `job:${job.key}`,
          payload: (notice === 'reply'
            ? {
                ticketNo: ticketOf(row.sourceRef),
                caseNo: row.caseNo,
                at: now.toISOString(),
                result: 'notice',
                text,
              }
            : {
                ticketNo: ticketOf(row.sourceRef),
                caseNo: row.caseNo,
                at: now.toISOString(),
                status: 'notice',
                text,
                department: null,
              }) as Prisma.InputJsonValue,
        },
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    runtime?.kick();
    return { hotlineNotified: true };
  });

  /** The fallback for a lost webhook push; only when the hotline's address is known. */
  const pollTickets: PollReceiver = {
    kind: 'poll',
    name: 'tickets',
    intervalMs: deps.pollIntervalMs,
    async poll(cursor) {
      const page = await transport.fetchTickets(cursor, 100);
      return { events: page.tickets.map((t) => ticketEvent(t)), cursor: page.cursor, more: page.more };
    },
  };

  return {
    name: HOTLINE,
    title: '12319 城建服务热线',
    receives: [
      {
        kind: 'webhook',
        path: 'tickets',
        summary: '12319 hotline: a new ticket (工单) → a case that needs 核实',
        secret: deps.webhookSecret,
        schema: ticketPushSchema,
        toEvents: (body: z.output<typeof ticketPushSchema>) => [ticketEvent(body.ticket, body.ticket)],
      },
      {
        kind: 'webhook',
        path: 'callbacks',
        summary: '12319 hotline: the 回访 result of a closed case (不满意 reopens the same case)',
        secret: deps.webhookSecret,
        schema: callbackResultSchema,
        toEvents: (body: CallbackResult) => [callbackEvent(body)],
      },
      ...(deps.offline ? [] : [pollTickets]),
    ],
    sends: {
      outbox: { adapters: [HOTLINE], deliver },
      jobs: { 'hotline.notify': notify },
    },
    health: async () => {
      if (deps.offline) throw new Error(deps.offline);
      await transport.ping();
    },
    start(rt) {
      runtime = rt;
      rt.every('feed', deps.feedIntervalMs, async () => {
        await feed();
      });
    },
  };
}
