/**
 * The adapter host: runs a set of adapters inside the hub process.
 * - routes(): each adapter's signed webhooks and the monitoring API (/api/adapters…);
 * - start(): the outbox deliverer (every adapter's sender, plus the case-start sender), the pollers,
 *   consumers and file importers (each under a lease, so one hub process runs it), the adapters' own
 *   background work and their Zeebe job workers; stop() ends them all.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Route } from '../../src/api/route.ts';
import type { Prisma } from '../../src/db/index.ts';
import { createInbox, type Inbox } from './inbox.ts';
import { createLeases, type Leases } from '../../src/db/lease.ts';
import { createOutbox, type Outbox, type OutboxSettings } from './outbox.ts';
import { monitoringRoutes } from './monitor.ts';
import { createCaseStarter } from '../../src/cases/start.ts';
import type { Adapter, AdapterRuntime, FrameworkDeps, InboundEvent, ReceiveResult, Sender } from './types.ts';
import { webhookRoute } from './webhook.ts';
import { createJobWorkers } from './jobs.ts';

export interface AdapterHost {
  readonly adapters: readonly Adapter[];
  readonly inbox: Inbox;
  readonly outbox: Outbox;
  readonly leases: Leases;
  /** Webhooks and the monitoring API; add them to the API's routes. */
  routes(): Route[];
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Runs every adapter's pollers once now (tests, the demo's "poll now"). */
  pollNow(adapter?: string): Promise<void>;
}

/** Outbox and lease settings from the configuration. */
export function outboxSettings(config: FrameworkDeps['config']): OutboxSettings {
  return {
    maxAttempts: config.ADAPTER_OUTBOX_MAX_ATTEMPTS,
    backoffMs: config.ADAPTER_OUTBOX_BACKOFF_MS,
    maxBackoffMs: config.ADAPTER_OUTBOX_MAX_BACKOFF_MS,
    intervalMs: config.ADAPTER_OUTBOX_INTERVAL_MS,
    concurrency: config.ADAPTER_OUTBOX_CONCURRENCY,
    claimMs: 60_000,
    leaseMs: config.ADAPTER_LEASE_MS,
  };
}

export function createAdapterHost(deps: FrameworkDeps, adapters: Adapter[]): AdapterHost {
  const { db, config } = deps;
  const log = deps.logger.child({ component: 'adapters' });
  const systemNow = () => new Date();
  const leases = createLeases(
    db,
    `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    systemNow,
  );
  const senders = new Map<string, Sender>();
  // Without the hub's starter: one of this host's own, whose reconciler runs with the host.
  const ownStarter =
    !deps.caseStarter && deps.zeebe
      ? createCaseStarter({
          db,
          zeebe: deps.zeebe,
          logger: deps.logger,
          claimMs: config.CASE_START_CLAIM_MS,
          timeoutMs: config.CASE_PUBLISH_TIMEOUT_MS,
          intervalMs: config.CASE_OUTBOX_RETRY_MS,
        })
      : undefined;
  const starter = deps.caseStarter ?? ownStarter;
  for (const a of adapters)
    for (const name of a.sends.outbox?.adapters ?? []) {
      if (senders.has(name)) throw new Error(`outbox adapter ${name} is delivered by two adapters`);
      senders.set(name, a.sends.outbox!.deliver);
    }
  const outbox = createOutbox({
    db,
    logger: deps.logger,
    now: systemNow,
    settings: outboxSettings(config),
    senders,
    leases,
  });
  const inbox = createInbox({
    db,
    logger: deps.logger,
    now: deps.now,
    outbox,
    publisher: deps.publisher,
    starter,
    // Cases from legacy systems are numbered like those reported through the API (src/cases/routes.ts).
    numbering: { prefix: config.CASE_NUMBER_PREFIX, timeZone: config.CALENDAR_TIMEZONE },
    coordinates: config.ADAPTER_COORDINATE_SYSTEMS,
  });
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<unknown>>();
  const closers: (() => Promise<void>)[] = [];
  const heldLeases = new Set<string>();
  let stopped = true;

  /** Runs fn every intervalMs while this process holds the lease (renewed each round). */
  function every(name: string, intervalMs: number, fn: () => Promise<void>) {
    let busy = false;
    const round = async () => {
      if (busy || stopped) return;
      busy = true;
      try {
        if (!(await leases.acquire(name, Math.max(config.ADAPTER_LEASE_MS, intervalMs * 2)))) return;
        heldLeases.add(name);
        await fn();
      } catch (err) {
        log.warn({ err, lease: name }, 'adapter task failed');
      } finally {
        busy = false;
      }
    };
    const tracked = () => {
      const p = round();
      running.add(p);
      void p.finally(() => running.delete(p));
    };
    const timer = setInterval(tracked, intervalMs);
    timer.unref();
    timers.push(timer);
    tracked();
  }

  const cursor = (adapter: string) => ({
    async get(name: string) {
      return (
        (await db.prisma.cursor.findUnique({ where: { adapter_name: { adapter, name } } }))?.value ?? null
      );
    },
    async set(name: string, value: string, tx?: Prisma.TransactionClient) {
      await (tx ?? db.prisma).cursor.upsert({
        where: { adapter_name: { adapter, name } },
        create: { adapter, name, value },
        update: { value },
      });
    },
  });

  /** Receives an event that has no caller to answer: a refusal becomes a failed inbox row. */
  async function receiveOrRecord(adapter: string, event: InboundEvent): Promise<ReceiveResult | null> {
    try {
      return await inbox.receive(adapter, event);
    } catch (err) {
      if ((err as { status?: number }).status === 400) {
        await inbox.recordFailure(adapter, event.sourceId, event.payload, err);
        return null;
      }
      throw err;
    }
  }

  const runtimeOf = (a: Adapter): AdapterRuntime => ({
    receive: (e) => inbox.receive(a.name, e),
    every: (name, ms, fn) => every(`${a.name}:${name}`, ms, fn),
    cursor: cursor(a.name),
    kick: () => outbox.kick(),
  });

  const pollers = new Map<string, (() => Promise<void>)[]>();
  for (const a of adapters) {
    const list: (() => Promise<void>)[] = [];
    for (const r of a.receives) {
      if (r.kind !== 'poll') continue;
      list.push(async () => {
        const c = cursor(a.name);
        for (let page = 0; page < 100; page++) {
          const from = await c.get(r.name);
          const { events, cursor: next, more } = await r.poll(from);
          // In order: a failure other than a refused event stops here and the cursor stays put.
          for (const e of events) await receiveOrRecord(a.name, e);
          if (next !== null && next !== from) await c.set(r.name, next);
          if (!more) break;
        }
      });
    }
    pollers.set(a.name, list);
  }

  const host: AdapterHost = {
    adapters,
    inbox,
    outbox,
    leases,
    routes() {
      const hooks = adapters.flatMap((a) =>
        a.receives.flatMap((r) =>
          r.kind === 'webhook'
            ? [
                webhookRoute(a.name, r, {
                  inbox,
                  maxBodyBytes: config.HUB_MAX_BODY_BYTES,
                  toleranceSeconds: config.ADAPTER_WEBHOOK_TOLERANCE_SECONDS,
                  now: () => Date.now(),
                }),
              ]
            : [],
        ),
      );
      const own = adapters.flatMap((a) => a.routes?.(runtimeOf(a)) ?? []);
      return [...hooks, ...own, ...monitoringRoutes({ db, adapters, outbox, now: systemNow })];
    },
    async start() {
      if (!stopped) return;
      stopped = false;
      outbox.start();
      ownStarter?.run();
      for (const a of adapters) {
        for (const r of a.receives) {
          if (r.kind === 'poll') {
            const run = pollers.get(a.name)![a.receives.filter((x) => x.kind === 'poll').indexOf(r)]!;
            every(`poll:${a.name}:${r.name}`, r.intervalMs, run);
          } else if (r.kind === 'file') {
            every(`file:${a.name}:${r.name}`, r.intervalMs, () => importFiles(a.name, r));
          } else if (r.kind === 'subscription') {
            // A consumer runs where its lease is held; another process takes over when it lapses.
            let sub: { close(): Promise<void> } | undefined;
            every(`sub:${a.name}:${r.name}`, Math.max(1000, config.ADAPTER_LEASE_MS / 3), async () => {
              sub ??= await r.subscribe((e) => inbox.receive(a.name, e));
            });
            closers.push(async () => {
              await sub?.close();
              sub = undefined;
            });
          }
        }
        await a.start?.(runtimeOf(a));
      }
      if (deps.zeebe) {
        const jobs = createJobWorkers({ ...deps, zeebe: deps.zeebe, adapters });
        jobs.start();
        closers.push(() => jobs.stop());
      }
      log.info({ adapters: adapters.map((a) => a.name) }, 'adapters started');
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await ownStarter?.stop();
      for (const t of timers.splice(0)) clearInterval(t);
      await Promise.allSettled([...running]);
      for (const close of closers.splice(0))
        await close().catch((err: unknown) => log.warn({ err }, 'closing failed'));
      for (const a of adapters)
        await a.stop?.().catch((err: unknown) => log.warn({ err, adapter: a.name }, 'stop failed'));
      await outbox.stop();
      for (const name of heldLeases) await leases.release(name).catch(() => undefined);
      heldLeases.clear();
    },
    async pollNow(adapter) {
      for (const [name, list] of pollers)
        if (!adapter || adapter === name) for (const run of list) await run();
    },
  };

  async function importFiles(adapter: string, r: Extract<Adapter['receives'][number], { kind: 'file' }>) {
    await mkdir(join(r.dir, 'done'), { recursive: true });
    for (const entry of (await readdir(r.dir, { withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort()) {
      const content = await readFile(join(r.dir, entry));
      let events: InboundEvent[];
      try {
        events = r.read(entry, content);
      } catch (err) {
        await inbox.recordFailure(adapter, `file:${entry}`, { file: entry }, err);
        continue;
      }
      for (const e of events) await receiveOrRecord(adapter, e);
      await rename(join(r.dir, entry), join(r.dir, 'done', entry));
    }
  }

  return host;
}
