/**
 * The monitoring API of the adapters (the admin UI's adapter page): per adapter its health, inbound
 * lag and failures, outbound backlog, retries and dead letters, cursors; replay of dead letters.
 */
import { z } from 'zod';
import { defineRoute, type Route } from '../../src/api/route.ts';
import type { Role } from '../../src/auth/roles.ts';
import type { Db } from '../../src/db/index.ts';
import { notFound } from '../../src/errors.ts';
import type { Outbox } from './outbox.ts';
import type { Adapter } from './types.ts';

const READERS: Role[] = ['administrator', 'shift_leader'];
const OPERATORS: Role[] = ['administrator'];
const HEALTH_TIMEOUT_MS = 3000;

const iso = z.string().nullable();
const statusSchema = z.object({
  name: z.string(),
  title: z.string(),
  receives: z.array(
    z.object({ kind: z.enum(['webhook', 'poll', 'subscription', 'file']), name: z.string() }),
  ),
  sends: z.object({ outbox: z.array(z.string()), jobTypes: z.array(z.string()) }),
  health: z.object({
    status: z.enum(['up', 'down', 'unknown']).describe('whether the legacy system answered its health check'),
    error: z.string().nullable(),
    checkedAt: z.string(),
  }),
  inbound: z.object({
    received: z.number().int().describe('inbox events applied or ignored, all time'),
    failed: z.number().int().describe('inbox events refused (bad payload from a poll or consumer)'),
    lastReceivedAt: iso,
    lagSeconds: z
      .number()
      .nullable()
      .describe('seconds since the newest cursor moved (polling), or since the last event otherwise'),
    cursors: z.array(z.object({ name: z.string(), value: z.string(), updatedAt: z.string() })),
  }),
  outbound: z.object({
    backlog: z.number().int().describe('messages not delivered yet (pending)'),
    retrying: z.number().int().describe('pending messages that failed at least once'),
    deadLetters: z.number().int().describe('messages given up on; they block later messages of their case'),
    oldestPendingAt: iso,
    lagSeconds: z.number().nullable().describe('age of the oldest pending message'),
    lastDeliveredAt: iso,
    lastError: z.string().nullable(),
  }),
});

const outboxItem = z.object({
  id: z.string(),
  adapter: z.string(),
  caseId: z.string().nullable(),
  kind: z.string(),
  status: z.enum(['pending', 'delivered', 'dead']),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string(),
  createdAt: z.string(),
  payload: z.unknown(),
});

const inboxItem = z.object({
  id: z.string(),
  sourceId: z.string(),
  status: z.string(),
  error: z.string().nullable(),
  receivedAt: z.string(),
});

type OutboxRow = {
  id: string;
  adapter: string;
  caseId: string | null;
  kind: string;
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  lastError: string | null;
  nextAttemptAt: Date;
  createdAt: Date;
  payload: unknown;
};
const outboxView = (r: OutboxRow) => ({
  ...r,
  nextAttemptAt: r.nextAttemptAt.toISOString(),
  createdAt: r.createdAt.toISOString(),
  payload: r.payload ?? null,
});

export function monitoringRoutes(deps: {
  db: Pick<Db, 'prisma'>;
  adapters: readonly Adapter[];
  outbox: Outbox;
  now: () => Date;
}): Route[] {
  const { prisma } = deps.db;
  const byName = (name: string) => {
    const a = deps.adapters.find((x) => x.name === name);
    if (!a) throw notFound(`adapter ${name}`);
    return a;
  };
  const outboxNames = (a: Adapter) => a.sends.outbox?.adapters ?? [];

  async function health(a: Adapter) {
    const checkedAt = deps.now().toISOString();
    if (!a.health) return { status: 'unknown' as const, error: null, checkedAt };
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        a.health(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${HEALTH_TIMEOUT_MS} ms`)),
            HEALTH_TIMEOUT_MS,
          );
        }),
      ]);
      return { status: 'up' as const, error: null, checkedAt };
    } catch (err) {
      return { status: 'down' as const, error: String((err as Error).message ?? err), checkedAt };
    } finally {
      clearTimeout(timer);
    }
  }

  async function status(a: Adapter): Promise<z.input<typeof statusSchema>> {
    const now = deps.now();
    const names = outboxNames(a);
    const [received, failed, lastIn, cursors, backlog, retrying, dead, oldest, lastOut, lastFailure, h] =
      await Promise.all([
        prisma.inboxEvent.count({ where: { adapter: a.name, status: { in: ['processed', 'ignored'] } } }),
        prisma.inboxEvent.count({ where: { adapter: a.name, status: 'failed' } }),
        prisma.inboxEvent.findFirst({
          where: { adapter: a.name },
          orderBy: { receivedAt: 'desc' },
          select: { receivedAt: true },
        }),
        prisma.cursor.findMany({ where: { adapter: a.name }, orderBy: { name: 'asc' } }),
        prisma.outboxMessage.count({ where: { adapter: { in: names }, status: 'pending' } }),
        prisma.outboxMessage.count({
          where: { adapter: { in: names }, status: 'pending', attempts: { gt: 0 } },
        }),
        prisma.outboxMessage.count({ where: { adapter: { in: names }, status: 'dead' } }),
        prisma.outboxMessage.findFirst({
          where: { adapter: { in: names }, status: 'pending' },
          orderBy: { createdAt: 'asc' },
          select: { createdAt: true },
        }),
        prisma.outboxMessage.findFirst({
          where: { adapter: { in: names }, status: 'delivered' },
          orderBy: { deliveredAt: 'desc' },
          select: { deliveredAt: true },
        }),
        prisma.outboxMessage.findFirst({
          where: { adapter: { in: names }, lastError: { not: null } },
          orderBy: { nextAttemptAt: 'desc' },
          select: { lastError: true },
        }),
        health(a),
      ]);
    const newestCursor = cursors.reduce<Date | null>(
      (m, c) => (!m || c.updatedAt > m ? c.updatedAt : m),
      null,
    );
    const since = newestCursor ?? lastIn?.receivedAt ?? null;
    const seconds = (d: Date | null) => (d ? Math.max(0, (now.getTime() - d.getTime()) / 1000) : null);
    return {
      name: a.name,
      title: a.title,
      receives: a.receives.map((r) => ({ kind: r.kind, name: r.kind === 'webhook' ? r.path : r.name })),
      sends: { outbox: names, jobTypes: Object.keys(a.sends.jobs ?? {}) },
      health: h,
      inbound: {
        received,
        failed,
        lastReceivedAt: lastIn?.receivedAt.toISOString() ?? null,
        lagSeconds: seconds(since),
        cursors: cursors.map((c) => ({ name: c.name, value: c.value, updatedAt: c.updatedAt.toISOString() })),
      },
      outbound: {
        backlog,
        retrying,
        deadLetters: dead,
        oldestPendingAt: oldest?.createdAt.toISOString() ?? null,
        lagSeconds: seconds(oldest?.createdAt ?? null),
        lastDeliveredAt: lastOut?.deliveredAt?.toISOString() ?? null,
        lastError: lastFailure?.lastError ?? null,
      },
    };
  }

  const nameParam = z.object({ name: z.string() });
  return [
    defineRoute({
      method: 'GET',
      path: '/api/adapters',
      summary: 'Every adapter with its health, lag, backlog, failures and dead letters',
      tags: ['adapters'],
      access: READERS,
      responses: { 200: { description: 'The adapters', schema: z.object({ items: z.array(statusSchema) }) } },
      handler: async () => ({ items: await Promise.all(deps.adapters.map(status)) }),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/adapters/:name',
      summary: 'One adapter: health, lag, backlog, failures and dead letters',
      tags: ['adapters'],
      access: READERS,
      params: nameParam,
      responses: { 200: { description: 'The adapter', schema: statusSchema } },
      handler: async ({ params }) => status(byName(params.name)),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/adapters/:name/failures',
      summary: 'Refused inbound events and outbound messages being retried, newest first',
      tags: ['adapters'],
      access: READERS,
      params: nameParam,
      responses: {
        200: {
          description: 'The failures',
          schema: z.object({ inbound: z.array(inboxItem), outbound: z.array(outboxItem) }),
        },
      },
      handler: async ({ params }) => {
        const a = byName(params.name);
        const [inbound, outbound] = await Promise.all([
          prisma.inboxEvent.findMany({
            where: { adapter: a.name, status: 'failed' },
            orderBy: { receivedAt: 'desc' },
            take: 100,
            select: { id: true, sourceId: true, status: true, error: true, receivedAt: true },
          }),
          prisma.outboxMessage.findMany({
            where: { adapter: { in: outboxNames(a) }, status: 'pending', attempts: { gt: 0 } },
            orderBy: { createdAt: 'desc' },
            take: 100,
          }),
        ]);
        return {
          inbound: inbound.map((r) => ({ ...r, receivedAt: r.receivedAt.toISOString() })),
          outbound: outbound.map(outboxView),
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/adapters/:name/dead-letters',
      summary: 'Outbound messages given up on (oldest first); replay them once the cause is fixed',
      tags: ['adapters'],
      access: READERS,
      params: nameParam,
      responses: {
        200: { description: 'The dead letters', schema: z.object({ items: z.array(outboxItem) }) },
      },
      handler: async ({ params }) => {
        const a = byName(params.name);
        const rows = await prisma.outboxMessage.findMany({
          where: { adapter: { in: outboxNames(a) }, status: 'dead' },
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
          take: 500,
        });
        return { items: rows.map(outboxView) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/adapters/:name/dead-letters/replay',
      summary:
        'Replay every dead letter of the adapter (pending again, attempts reset, in the original order)',
      tags: ['adapters'],
      access: OPERATORS,
      params: nameParam,
      responses: {
        200: { description: 'How many were replayed', schema: z.object({ replayed: z.number().int() }) },
      },
      handler: async ({ params, log }) => {
        const a = byName(params.name);
        let replayed = 0;
        for (const name of outboxNames(a)) replayed += await deps.outbox.replay(name);
        log.info({ adapter: a.name, replayed }, 'dead letters replayed');
        return { replayed };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/adapters/:name/dead-letters/:id/replay',
      summary: 'Replay one dead letter',
      tags: ['adapters'],
      access: OPERATORS,
      params: z.object({ name: z.string(), id: z.string() }),
      responses: { 200: { description: 'Replayed', schema: z.object({ replayed: z.number().int() }) } },
      handler: async ({ params, log }) => {
        const a = byName(params.name);
        const row = await prisma.outboxMessage.findFirst({
          where: { id: params.id, adapter: { in: outboxNames(a) }, status: 'dead' },
        });
        if (!row) throw notFound(`dead letter ${params.id} of adapter ${a.name}`);
        const replayed = await deps.outbox.replay(row.adapter, row.id);
        log.info({ adapter: a.name, id: row.id }, 'dead letter replayed');
        return { replayed };
      },
    }),
  ];
}
