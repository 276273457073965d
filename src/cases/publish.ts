/**
 * Publishing the case messages of processes/README.md (the API's half of the contract) through an
 * outbox, so an action recorded in the case store always reaches the engine.
 *
 * Why an outbox row rather than "publish, and let the client retry": the action is committed first
 * (the case store is the system of record and workers read it), so there is always a moment when the
 * event is stored and the message is not yet published. If the engine is down then, or the hub dies
 * right after the commit, a plain publish would be lost and the process would wait forever at a step
 * the case store says is done — and the action could not be repeated, because the case's status has
 * moved on (409). The row is written in the action's own transaction, so "recorded" implies "will be
 * published": the request publishes it at once, a client retrying the request publishes it again, and
 * the relay (`start()`) re-sends whatever is still pending, including after a restart.
 *
 * Re-sending is safe because every message carries `messageId` = `<caseId>:<message>:<eventId>`: the
 * engine refuses a second message with the same id while the first is still buffered (time to live,
 * CASE_MESSAGE_TTL_SECONDS), and ALREADY_EXISTS counts as delivered here. Messages of one case are sent
 * in the order they were recorded; a case whose oldest pending message fails is not sent further.
 *
 * Rows: OutboxMessage with adapter `engine`, kind = the message name, dedupeKey = the messageId,
 * payload `{ name, correlationKey, messageId, variables }`.
 *
 *   await prisma.$transaction(async (tx) => { …record the event…; await publisher.enqueue(tx, msg) });
 *   await publisher.flush(caseId); // throws a 503 HubError when the engine did not take it
 */
import type { Db, OutboxMessage, Prisma } from '../db/index.ts';
import { passFailureLog } from '../db/outage-log.ts';
import { unavailable } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ZeebeClient } from '../zeebe.ts';

/**
 * The messages the hub publishes and the only variables each may carry (processes/README.md, tables
 * "Messages"): message variables are merged into the process instance, so nothing else is sent.
 */
export const CASE_MESSAGE_VARIABLES = {
  'case.verified': ['verifyResult', 'voidReason'],
  'case.registered': [],
  'case.voided': ['voidReason'],
  'case.dispatched': ['assigneeType', 'assigneeId'],
  'case.signed': ['signedAt'],
  'case.disposed': ['disposedAt'],
  'case.redispatched': ['assigneeType', 'assigneeId'],
  'case.extensionRequested': [],
  'case.extensionDecided': ['extensionApproved'],
  'case.returnRequested': [],
  'case.returnDecided': ['returnApproved'],
  'case.suspensionRequested': [],
  'case.suspensionDecided': ['suspensionApproved'],
  'case.resumed': [],
  'case.located': [],
  'case.checked': ['checkResult'],
  'case.callbackDone': ['satisfaction'],
  'case.enforcementHanded': [],
  'enforcement.inspected': ['violationFound'],
  'enforcement.ordered': [],
  'enforcement.reinspected': ['reinspectResult'],
  'enforcement.penalized': [],
  'escalation.decided': [
    'escalationDecision',
    'decidedBy',
    'newDeadline',
    'assigneeType',
    'assigneeId',
    'voidReason',
  ],
} as const satisfies Record<string, readonly string[]>;

export type CaseMessageName = keyof typeof CASE_MESSAGE_VARIABLES;

/** The outbox adapter name of engine messages. */
export const ENGINE_OUTBOX = 'engine';

/** One message about one case, caused by one recorded timeline event. */
export interface CaseMessage<N extends CaseMessageName = CaseMessageName> {
  name: N;
  caseId: string;
  /** The CaseEvent the action recorded; part of the messageId. */
  eventId: string;
  variables?: Partial<Record<(typeof CASE_MESSAGE_VARIABLES)[N][number], unknown>>;
}

interface Payload {
  name: CaseMessageName;
  correlationKey: string;
  messageId: string;
  variables: Record<string, unknown>;
}

export interface CasePublisher {
  /**
   * Writes the message's outbox row inside the caller's transaction (the one that records the event).
   * Throws (a programming error) when a variable is not in the contract.
   */
  enqueue(
    tx: Prisma.TransactionClient,
    message: CaseMessage,
  ): Promise<{ messageId: string; row: OutboxMessage }>;
  /**
   * Publishes the case's pending messages, oldest first (or just `rows`, when the caller knows them: the
   * ones it enqueued after sending the earlier ones). Throws a 503 HubError naming the message when the
   * engine does not take one (the rest stay pending for the relay or the next flush).
   */
  flush(caseId: string, rows?: OutboxMessage[]): Promise<void>;
  /** True when the case has messages the engine has not taken yet. */
  pending(caseId: string): Promise<boolean>;
  /** One pass of the relay over every case's due messages; returns how many were delivered. */
  relay(): Promise<number>;
  /** Runs the relay every `retryMs` (idempotent). */
  start(): void;
  /** Stops the relay and waits for a pass in flight. */
  stop(): Promise<void>;
}

export interface CasePublisherDeps {
  db: Pick<Db, 'prisma'>;
  zeebe: Pick<ZeebeClient, 'publishMessage'>;
  logger: Logger;
  /** Time to live of each message in the engine's buffer (CASE_MESSAGE_TTL_SECONDS). */
  ttlMs: number;
  /** Relay period and the first back-off after a failed send (CASE_OUTBOX_RETRY_MS). */
  retryMs: number;
  /**
   * How long one publish may take (CASE_PUBLISH_TIMEOUT_MS). The SDK retries an unreachable gateway
   * without end, so without a limit a request would hang while the engine is away instead of answering
   * 503. A send given up on may still arrive later: the messageId makes the relay's re-send harmless.
   */
  timeoutMs: number;
}

/** gRPC status ALREADY_EXISTS: the engine has this messageId buffered, i.e. it was delivered. */
const ALREADY_EXISTS = 6;
const MAX_BACKOFF_MS = 5 * 60_000;

export function messageIdOf(message: Pick<CaseMessage, 'name' | 'caseId' | 'eventId'>): string {
  return `${message.caseId}:${message.name}:${message.eventId}`;
}

/** Checks the variables against the contract and drops the undefined ones. */
export function contractVariables(message: CaseMessage): Record<string, unknown> {
  const allowed: readonly string[] = CASE_MESSAGE_VARIABLES[message.name];
  if (!allowed) throw new Error(`unknown case message ${message.name}`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(message.variables ?? {})) {
    if (!allowed.includes(k))
      throw new Error(
        `${message.name} carries no variable ${k} (processes/README.md lists: ${allowed.join(', ') || 'none'})`,
      );
    if (v !== undefined) out[k] = v;
  }
  return out;
}

export function createCasePublisher(deps: CasePublisherDeps): CasePublisher {
  const { prisma } = deps.db;
  const log = deps.logger.child({ component: 'case-publisher' });
  const relayFailures = passFailureLog(log, 'case message relay pass');
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;

  /** Sends one row; true when the engine has it. */
  async function send(row: OutboxMessage): Promise<{ ok: true } | { ok: false; err: unknown }> {
    const p = row.payload as unknown as Payload;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        deps.zeebe.publishMessage({
          name: p.name,
          correlationKey: p.correlationKey,
          messageId: p.messageId,
          variables: p.variables as never,
          timeToLive: deps.ttlMs,
        }),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer from the engine within ${deps.timeoutMs} ms`)),
            deps.timeoutMs,
          );
        }),
      ]);
    } catch (err) {
      if ((err as { code?: unknown }).code !== ALREADY_EXISTS) {
        const attempts = row.attempts + 1;
        await prisma.outboxMessage.update({
          where: { id: row.id },
          data: {
            attempts,
            lastError: String((err as Error).message ?? err).slice(0, 1000),
            nextAttemptAt: new Date(
              Date.now() + Math.min(deps.retryMs * 2 ** (attempts - 1), MAX_BACKOFF_MS),
            ),
          },
        });
        return { ok: false, err };
      }
    } finally {
      clearTimeout(timer);
    }
    await prisma.outboxMessage.update({
      where: { id: row.id },
      data: { status: 'delivered', deliveredAt: new Date(), attempts: row.attempts + 1 },
    });
    return { ok: true };
  }

  const pendingOf = (caseId: string) =>
    prisma.outboxMessage.findMany({
      where: { adapter: ENGINE_OUTBOX, caseId, status: 'pending' },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });

  async function relayPass(): Promise<number> {
    const due = await prisma.outboxMessage.findMany({
      where: { adapter: ENGINE_OUTBOX, status: 'pending', nextAttemptAt: { lte: new Date() } },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      select: { caseId: true },
      take: 500,
    });
    let delivered = 0;
    for (const caseId of new Set(due.map((r) => r.caseId))) {
      if (!caseId) continue;
      for (const row of await pendingOf(caseId)) {
        const result = await send(row);
        if (!result.ok) {
          log.warn(
            { err: result.err, caseId, message: row.kind, attempts: row.attempts + 1 },
            're-sending a case message failed',
          );
          break;
        }
        delivered++;
        log.info({ caseId, message: row.kind }, 'case message re-sent');
      }
    }
    return delivered;
  }

  return {
    async enqueue(tx, message) {
      const variables = contractVariables(message);
      const messageId = messageIdOf(message);
      const payload: Payload = { name: message.name, correlationKey: message.caseId, messageId, variables };
      const row = await tx.outboxMessage.create({
        data: {
          adapter: ENGINE_OUTBOX,
          caseId: message.caseId,
          kind: message.name,
          payload: payload as unknown as Prisma.InputJsonValue,
          dedupeKey: messageId,
        },
      });
      return { messageId, row };
    },

    async flush(caseId, rows) {
      for (const row of rows ?? (await pendingOf(caseId))) {
        const result = await send(row);
        if (!result.ok) {
          log.warn({ err: result.err, caseId, message: row.kind }, 'publishing a case message failed');
          throw unavailable(
            `the engine did not take message ${row.kind} of case ${caseId}; the action is recorded and the hub re-sends the message (retrying the request is safe)`,
            result.err,
          );
        }
      }
    },

    async pending(caseId) {
      return (
        (await prisma.outboxMessage.count({ where: { adapter: ENGINE_OUTBOX, caseId, status: 'pending' } })) >
        0
      );
    },

    relay: relayPass,

    start() {
      if (timer) return;
      const tick = () => {
        if (running) return;
        running = relayPass()
          .then(
            () => relayFailures.succeeded(),
            (err: unknown) => relayFailures.failed(err),
          )
          .finally(() => {
            running = undefined;
          });
      };
      timer = setInterval(tick, deps.retryMs);
      timer.unref();
      tick();
    },

    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
