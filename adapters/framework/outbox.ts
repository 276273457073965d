/**
 * The outbox deliverer: OutboxMessage rows of the adapters that registered a sender are delivered
 * - in order per case: only the oldest undelivered row of a case (per adapter) is ever sent, so a
 *   status update never overtakes the one before it; rows without a case are independent;
 * - with retries: a failed send waits base × 2^(attempts−1), capped, with equal jitter (half fixed,
 *   half random) so a recovering target is not hit by every case at the same instant;
 * - dead-lettered after the configured attempts (or at once on PermanentDeliveryError). A dead row
 *   keeps blocking the later rows of its case, so replaying it (API) resumes the case in order.
 * Each send first claims its row (pending and due → due again only after the claim time), so two hub
 * processes, or the background pass and an inline flush, never send the same row at once.
 * Rows of adapter `engine` belong to src/cases/publish.ts and are not touched here.
 */
import type { Db, OutboxMessage, Prisma } from '../../src/db/index.ts';
import type { Logger } from '../../src/log.ts';
import type { Leases } from '../../src/db/lease.ts';
import { passFailureLog } from '../../src/db/outage-log.ts';
import { RetryableHttpError } from './http-client.ts';
import { PermanentDeliveryError, type OutboundMessage, type Sender } from './types.ts';

export interface OutboxSettings {
  /** Attempts before a row is dead. */
  maxAttempts: number;
  /** Back-off after the first failure, ms. */
  backoffMs: number;
  /** Longest back-off, ms. */
  maxBackoffMs: number;
  /** How often the background pass looks for due rows, ms. */
  intervalMs: number;
  /** Sends running at once (different cases) per adapter. */
  concurrency: number;
  /** How long a claimed row is not offered again (longer than a send may take), ms. */
  claimMs: number;
  /** Lease time of an adapter's background pass, ms. */
  leaseMs: number;
}

export interface Outbox {
  /** Writes a row in the caller's transaction (idempotent with a dedupeKey). */
  enqueue(tx: Prisma.TransactionClient, message: OutboundMessage): Promise<void>;
  /** Sends the case's due rows of `adapter` now, in order; failures stay for the background pass. */
  deliverCase(adapter: string, caseId: string): Promise<void>;
  /** One background pass over `adapter`'s due rows; returns how many were delivered. */
  pass(adapter: string): Promise<number>;
  /** Runs the passes of every adapter with a sender (under a lease per adapter). */
  start(): void;
  stop(): Promise<void>;
  /** Runs a pass soon (after an enqueue outside the deliverer). */
  kick(): void;
  /** Dead rows of `adapter` (or the one with `id`) → pending, attempts 0, due now. */
  replay(adapter: string, id?: string): Promise<number>;
}

/** Delay before attempt `attempts + 1`: exponential, capped, equal jitter. */
export function backoffDelay(
  attempts: number,
  s: Pick<OutboxSettings, 'backoffMs' | 'maxBackoffMs'>,
  random = Math.random,
) {
  const full = Math.min(s.maxBackoffMs, s.backoffMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(full / 2 + (random() * full) / 2);
}

export function createOutbox(deps: {
  db: Pick<Db, 'prisma'>;
  logger: Logger;
  /** Delivery runs on the system clock (rows default to the database's now()), not a pinned test clock. */
  now: () => Date;
  settings: OutboxSettings;
  senders: ReadonlyMap<string, Sender>;
  leases: Leases;
}): Outbox {
  const { prisma } = deps.db;
  const { settings, senders } = deps;
  const log = deps.logger.child({ component: 'outbox' });
  const passFailures = passFailureLog(log, 'outbox pass');
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let again = false;
  let stopped = true;

  /** The row of this case that must go next (oldest not delivered), or null. */
  const headOf = (adapter: string, caseId: string) =>
    prisma.outboxMessage.findFirst({
      where: { adapter, caseId, status: { in: ['pending', 'dead'] } },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });

  async function claim(row: OutboxMessage): Promise<boolean> {
    const at = deps.now();
    const { count } = await prisma.outboxMessage.updateMany({
      where: { id: row.id, status: 'pending', nextAttemptAt: { lte: at } },
      data: { nextAttemptAt: new Date(at.getTime() + settings.claimMs) },
    });
    return count === 1;
  }

  /** The back-off, or longer when the system said when to come back (Retry-After). */
  const retryDelay = (err: unknown, attempts: number) =>
    Math.max(
      backoffDelay(attempts, settings),
      err instanceof RetryableHttpError ? (err.retryAfterMs ?? 0) : 0,
    );

  /** Sends a claimed row; true when delivered. */
  async function send(row: OutboxMessage): Promise<boolean> {
    const sender = senders.get(row.adapter);
    if (!sender) return false;
    try {
      await sender(row);
    } catch (err) {
      const attempts = row.attempts + 1;
      const permanent = err instanceof PermanentDeliveryError;
      const dead = permanent || attempts >= settings.maxAttempts;
      const message = String((err as Error)?.message ?? err).slice(0, 1000);
      await prisma.outboxMessage.update({
        where: { id: row.id },
        data: {
          attempts,
          lastError: message,
          status: dead ? 'dead' : 'pending',
          nextAttemptAt: new Date(deps.now().getTime() + (dead ? 0 : retryDelay(err, attempts))),
        },
      });
      const fields = {
        adapter: row.adapter,
        kind: row.kind,
        caseId: row.caseId,
        id: row.id,
        attempts,
        error: message,
      };
      if (dead) log.error(fields, 'outbox message dead-lettered');
      else log.warn(fields, 'outbox delivery failed; will retry');
      return false;
    }
    await prisma.outboxMessage.update({
      where: { id: row.id },
      data: { status: 'delivered', deliveredAt: deps.now(), attempts: row.attempts + 1, lastError: null },
    });
    return true;
  }

  /** Delivers a case's rows in order until one fails, is not due, or is dead. */
  async function drainCase(adapter: string, caseId: string): Promise<number> {
    let delivered = 0;
    for (;;) {
      const head = await headOf(adapter, caseId);
      if (!head || head.status === 'dead' || head.nextAttemptAt > deps.now()) return delivered;
      if (!(await claim(head))) return delivered;
      if (!(await send(head))) return delivered;
      delivered++;
    }
  }

  async function pass(adapter: string): Promise<number> {
    const due = await prisma.outboxMessage.findMany({
      where: { adapter, status: 'pending', nextAttemptAt: { lte: deps.now() } },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: 1000,
    });
    const caseIds = [...new Set(due.filter((r) => r.caseId).map((r) => r.caseId!))];
    const loose = due.filter((r) => !r.caseId);
    const jobs: (() => Promise<number>)[] = [
      ...caseIds.map((c) => () => drainCase(adapter, c)),
      ...loose.map((r) => async () => ((await claim(r)) && (await send(r)) ? 1 : 0)),
    ];
    let delivered = 0;
    let next = 0;
    const lanes = Array.from({ length: Math.min(settings.concurrency, jobs.length) }, async () => {
      while (next < jobs.length) delivered += await jobs[next++]!();
    });
    await Promise.all(lanes);
    return delivered;
  }

  async function tick() {
    for (const adapter of senders.keys()) {
      if (stopped) return;
      try {
        if (await deps.leases.acquire(`outbox:${adapter}`, settings.leaseMs))
          // A full page delivered: there may be more right away.
          while (!stopped && (await pass(adapter)) > 0);
        passFailures.succeeded();
      } catch (err) {
        passFailures.failed(err, { adapter });
      }
    }
  }

  function schedule() {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = tick().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        schedule();
      }
    });
  }

  return {
    async enqueue(tx, message) {
      if (
        message.dedupeKey &&
        (await tx.outboxMessage.findUnique({ where: { dedupeKey: message.dedupeKey } }))
      )
        return;
      await tx.outboxMessage.create({
        data: {
          adapter: message.adapter,
          kind: message.kind,
          caseId: message.caseId ?? null,
          payload: message.payload as Prisma.InputJsonValue,
          dedupeKey: message.dedupeKey ?? null,
          ...(message.createdAt ? { createdAt: message.createdAt } : {}),
        },
      });
    },
    async deliverCase(adapter, caseId) {
      try {
        await drainCase(adapter, caseId);
      } catch (err) {
        log.warn({ err, adapter, caseId }, 'inline outbox delivery failed; the background pass retries');
      }
    },
    pass,
    start() {
      if (!stopped) return;
      stopped = false;
      timer = setInterval(schedule, settings.intervalMs);
      timer.unref();
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
      for (const adapter of senders.keys())
        await deps.leases.release(`outbox:${adapter}`).catch(() => undefined);
    },
    kick: schedule,
    async replay(adapter, id) {
      const { count } = await prisma.outboxMessage.updateMany({
        where: { adapter, status: 'dead', ...(id ? { id } : {}) },
        data: { status: 'pending', attempts: 0, nextAttemptAt: deps.now(), lastError: null },
      });
      if (count) schedule();
      return count;
    },
  };
}
