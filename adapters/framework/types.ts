/**
 * The adapter contract. An adapter joins one legacy system to the hub: it DECLARES what it receives
 * (webhook, polling with a cursor, a subscription such as MQTT, file import) and what it sends (outbox
 * kinds it delivers, Zeebe job types it serves), and the framework runs those declarations with the
 * guarantees of design.md "Adapters": inbound dedupe in the transaction of the effect, ordered outbox
 * delivery with back-off and dead letters, leases, cursors, signed webhooks, monitoring.
 *
 * An adapter is a factory with its transport injected: `createXAdapter({ ...deps, transport })`, so
 * tests swap the transport (or point it at the simulator), never the logic.
 */
import type { Route } from '../../src/api/route.ts';
import type { Config } from '../../src/config.ts';
import type { CasePublisher, CaseMessage } from '../../src/cases/publish.ts';
import type { NewCase } from '../../src/cases/create.ts';
import type { CaseStarter } from '../../src/cases/start.ts';
import type { Db, OutboxMessage, Prisma } from '../../src/db/index.ts';
import type { Logger } from '../../src/log.ts';
import type { ZeebeClient } from '../../src/zeebe.ts';
import type { Handler } from '../../workers/index.ts';
import type { z } from 'zod';

/** What every adapter factory gets (plus its own transport and settings). */
export interface AdapterDeps {
  db: Db;
  logger: Logger;
  config: Config;
  /** The hub's clock (the embedded engine's in tests). */
  now: () => Date;
}

/** One event from a legacy system, as an adapter hands it to the framework. */
export interface InboundEvent {
  /** The source system's own id of this event (ticket number + revision, alarm id, row id, …). */
  sourceId: string;
  /** Stored as received in InboxEvent.payload (the database may hold private fields; logs never do). */
  payload: unknown;
  /**
   * The effect, run inside the transaction that inserts the InboxEvent row. Throw a HubError
   * (validationError naming the field) to refuse the event: the transaction rolls back, nothing is stored.
   */
  apply(tx: Prisma.TransactionClient, ctx: EffectContext): Promise<EffectResult>;
}

/** Helpers an effect may use inside its transaction. */
export interface EffectContext {
  adapter: string;
  now: Date;
  /**
   * Creates a case (Case row + `reported` event, as POST /api/cases does) and queues the start of its
   * case-disposal instance, which the framework runs right after the commit (and retries until the
   * engine takes it).
   */
  createCase(input: NewCase): Promise<{ id: string; caseNo: string }>;
  /**
   * Queues a case message (processes/README.md "Messages") through the API's publisher, in this
   * transaction; it is published right after the commit and re-sent until the engine takes it.
   */
  publish(message: CaseMessage): Promise<void>;
  /** Queues an outbound message to a legacy system (an OutboxMessage row of this transaction). */
  enqueue(message: OutboundMessage): Promise<void>;
}

export interface EffectResult {
  /** `processed` (something changed) or `ignored` (nothing to do: stale, unknown, no-op). */
  status: 'processed' | 'ignored';
  /** The case the event created or touched. */
  caseId?: string | null;
  /** Shown in the answer of a webhook and in the adapter's failure list. */
  note?: string;
}

/** How an inbound event ended. */
export interface ReceiveResult {
  /** `duplicate`: the same sourceId was received before; its first effect stands. */
  result: 'processed' | 'ignored' | 'duplicate';
  inboxId: string;
  caseId: string | null;
  note?: string;
}

/** A message for a legacy system (one OutboxMessage row). */
export interface OutboundMessage {
  adapter: string;
  kind: string;
  caseId?: string | null;
  payload: unknown;
  /** Makes enqueueing idempotent (a redelivered job or feed event enqueues once). */
  dedupeKey?: string;
  /**
   * Where the message stands among its case's messages (they go oldest first); default now. A change
   * feed passes the time of the change, so a message it writes late still goes before later ones.
   */
  createdAt?: Date;
}

/** Thrown by a sender when retrying cannot help (the target refused the message as invalid): dead at once. */
export class PermanentDeliveryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentDeliveryError';
  }
}

/** Receives by signed webhook: POST /api/adapters/<adapter>/<path>. */
export interface WebhookReceiver<S extends z.ZodType = z.ZodType> {
  kind: 'webhook';
  /** Path segment under /api/adapters/<adapter>/, e.g. `tickets`. */
  path: string;
  summary: string;
  /** HMAC-SHA256 key shared with the sender (from config). */
  secret: string;
  /** The body's schema: a failure is a 400 naming `body.<field>`, nothing stored. */
  schema: S;
  /** Turns one valid body into the events it carries (usually one). */
  toEvents(body: z.output<S>): InboundEvent[];
}

/** Receives by polling the source with a cursor (a Cursor row), under a lease. */
export interface PollReceiver {
  kind: 'poll';
  name: string;
  intervalMs: number;
  /**
   * One page after `cursor` (null the first time). Events of a page are received in order, then the
   * cursor is saved; a page whose events fail to parse records them as failed inbox rows.
   */
  poll(cursor: string | null): Promise<{ events: InboundEvent[]; cursor: string | null; more?: boolean }>;
}

/** Receives from a subscription (MQTT, a message queue), under a lease so one hub process consumes. */
export interface SubscriptionReceiver {
  kind: 'subscription';
  name: string;
  /** Starts consuming; `deliver` dedupes and applies one event (resolve it before acknowledging). */
  subscribe(deliver: (event: InboundEvent) => Promise<ReceiveResult>): Promise<{ close(): Promise<void> }>;
}

/** Imports files dropped in a folder (each row an event; the file name + row id is the source id). */
export interface FileReceiver {
  kind: 'file';
  name: string;
  dir: string;
  intervalMs: number;
  /** Events of one file; a file is moved to `<dir>/done/` after all of them were received. */
  read(fileName: string, content: Buffer): InboundEvent[];
}

export type Receiver = WebhookReceiver | PollReceiver | SubscriptionReceiver | FileReceiver;

/** Delivers one outbox message; throw to retry (PermanentDeliveryError: dead at once). */
export type Sender = (message: OutboxMessage) => Promise<void>;

/** What an adapter is, as the framework runs it. */
export interface Adapter {
  /** Short name, used in InboxEvent/OutboxMessage.adapter, leases, cursors, routes: `hotline`. */
  name: string;
  /** Shown in the admin UI, e.g. `12319 城建服务热线`. */
  title: string;
  receives: Receiver[];
  sends: {
    /**
     * OutboxMessage.adapter values this adapter delivers (usually its own name); the framework
     * delivers their rows in order per case through `deliver`.
     */
    outbox?: { adapters: string[]; deliver: Sender };
    /** Zeebe job types served as workers (each with an element template in the adapter's folder). */
    jobs?: Record<string, Handler>;
  };
  /**
   * API routes of the adapter's own beyond its webhooks (e.g. the Open311 server); they receive through
   * `runtime.receive` like every other inbound path.
   */
  routes?(runtime: AdapterRuntime): Route[];
  /** Is the legacy system reachable? (The admin UI shows it; a throw means down.) */
  health?(): Promise<void>;
  /** Background work of the adapter's own (e.g. a change feed), started with the hub. */
  start?(ctx: AdapterRuntime): Promise<void> | void;
  stop?(): Promise<void>;
}

/** What the framework gives an adapter's own start(). */
export interface AdapterRuntime {
  /** Dedupes and applies one event (the same path webhooks and pollers use). */
  receive(event: InboundEvent): Promise<ReceiveResult>;
  /** Runs `fn` every `intervalMs` while this hub process holds lease `name` (one process at a time). */
  every(name: string, intervalMs: number, fn: () => Promise<void>): void;
  /** Reads and writes a Cursor row of this adapter. */
  cursor: {
    get(name: string): Promise<string | null>;
    set(name: string, value: string, tx?: Prisma.TransactionClient): Promise<void>;
  };
  /** Wakes the outbox deliverer (after enqueueing outside an inbound event). */
  kick(): void;
}

/** The framework's own dependencies. */
export interface FrameworkDeps extends AdapterDeps {
  /** The engine client: starts case-disposal for new cases and serves adapter job types. */
  zeebe?: ZeebeClient;
  /** Publishes case messages (src/cases/publish.ts). */
  publisher?: CasePublisher;
  /**
   * Starts new cases' procedures exactly once (src/cases/start.ts); the hub passes its own, whose
   * reconciler it runs. Without it, a host with `zeebe` makes one and runs its reconciler itself.
   */
  caseStarter?: CaseStarter;
}
