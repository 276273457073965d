/**
 * Starting a case's procedure, exactly once, also across a crash.
 *
 * The case row and the intent to start its procedure are committed together: an OutboxMessage of
 * adapter `case-start` (`enqueueStart`, in the transaction that creates the case — the API's report,
 * the adapters' inbox). The starter turns an intent into `CreateProcessInstance { case-disposal,
 * { caseId, source } }` and records the instance key on the case and the intent as delivered in one
 * transaction. Zeebe's create is not idempotent, so "exactly once" rests on three rules:
 * - an attempt is counted (`attempts`, committed) before the engine is asked, and the intent is claimed
 *   for `claimMs` (`nextAttemptAt`), so two starters (the request, the reconciler, another hub process)
 *   never ask at once;
 * - an intent whose earlier attempt may have created an instance (attempts > 0: the process died, or
 *   the answer was lost, between the create and its record) first looks the instance up by its business
 *   key — the engine's process-instance search with the variable `caseId`, in any state (an instance
 *   that already completed is found by the variables it ended with) — and records the one found;
 * - the record is "only if the case has none yet" (state `setProcessInstance`); a loser cancels its own
 *   instance, so a case never runs two.
 * The reconciler (`reconcile`, at hub start and every `intervalMs`) picks up intents left behind.
 * A look-up cannot see a create the engine has not committed yet, so while a create of this process is
 * unanswered (it timed out, the engine slow) no attempt of this process takes the intent over: its
 * answer records the instance (or, refused, lets the next attempt look first). Before, the request's
 * own wait or the reconciler took the intent over once the claim time had passed, found nothing and
 * created a second instance, one of the two then cancelled (the soak at load 17: a terminated
 * case-disposal instance no case names). An answer that never comes frees the case after 4 claim times.
 * Known limit: on a Camunda 8 cluster the search reads an exported index that may lag the create by a
 * few seconds; the claim time (CASE_START_CLAIM_MS) should exceed that lag.
 */
import type { Db, OutboxMessage, Prisma } from '../db/index.ts';
import { passFailureLog } from '../db/outage-log.ts';
import { unavailable } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { EngineQuery } from '../incidents/engine-query.ts';
import type { ZeebeClient } from '../zeebe.ts';
import { inCaseTransaction, setProcessInstance } from './state/index.ts';

/** OutboxMessage.adapter of start intents (the adapters' inbox writes the same rows). */
export const CASE_START = 'case-start';
const PROCESS_ID = 'case-disposal';

/**
 * Writes the start intent of a new case in the caller's transaction; the caller then calls `start`, or
 * with `claimMs` (the intent is written already claimed by the caller's first attempt, which saves the
 * claim's read and write) `startClaimed` with the row returned.
 */
export async function enqueueStart(
  tx: Prisma.TransactionClient,
  c: { id: string; source: string },
  claimMs?: number,
): Promise<OutboxMessage> {
  // Due at once, on the system clock the starter claims by (not a test's pinned hub clock). Claimed:
  // the attempt counts (the reconciler looks the instance up first) and the intent is held for claimMs.
  return tx.outboxMessage.create({
    data: {
      adapter: CASE_START,
      kind: 'start',
      caseId: c.id,
      payload: { caseId: c.id, source: c.source },
      dedupeKey: `start:${c.id}`,
      ...(claimMs === undefined ? {} : { attempts: 1, nextAttemptAt: new Date(Date.now() + claimMs) }),
    },
  });
}

export interface CaseStarterDeps {
  db: Pick<Db, 'prisma'>;
  zeebe: Pick<ZeebeClient, 'createProcessInstance' | 'cancelProcessInstance'>;
  /** The engine's search (the embedded engine's REST API or a cluster's); without it a retry cannot look. */
  engineQuery?: Pick<EngineQuery, 'searchProcessInstances'>;
  logger: Logger;
  /** How long an attempt holds its intent (longer than `timeoutMs`), ms. */
  claimMs: number;
  /** How long a create may take before the attempt counts as failed, ms. */
  timeoutMs: number;
  /** How often the reconciler looks for intents left behind, ms. */
  intervalMs: number;
  now?: () => Date;
}

/** The engine did not answer the create in time: it may still create the instance (never undo the case). */
export class StartTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`no answer from the engine within ${timeoutMs} ms`);
    this.name = 'StartTimeout';
  }
}

export type StartOutcome = { processInstanceKey: string } | { busy: true };

export interface CaseStarter {
  /**
   * Starts the case's procedure now unless it has one (answers its key) or another attempt holds the
   * intent (`busy`). Throws when the engine did not take it (the intent stays for the reconciler).
   */
  start(caseId: string): Promise<StartOutcome>;
  /**
   * The first attempt of a case created with a claimed intent (`enqueueStart(tx, c, claimMs)`): creates
   * the instance at once. Throws as `start` does (StartTimeout: the late answer is still recorded).
   */
  startClaimed(intent: OutboxMessage, source: string): Promise<{ processInstanceKey: string }>;
  /** One pass over the intents due (left behind, or failed earlier); returns how many were started. */
  reconcile(): Promise<number>;
  /** Runs `reconcile` now and every intervalMs. */
  run(): void;
  stop(): Promise<void>;
}

export function createCaseStarter(deps: CaseStarterDeps): CaseStarter {
  const { prisma } = deps.db;
  const now = deps.now ?? (() => new Date());
  const log = deps.logger.child({ component: 'case-start' });
  const reconcilerFailures = passFailureLog(log, 'case start reconciler');
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  /** Cases with a create of this process not answered yet (and its late record not done), since when. */
  const unanswered = new Map<string, number>();
  const awaitingAnswer = (caseId: string) => {
    const since = unanswered.get(caseId);
    return since !== undefined && Date.now() - since < 4 * deps.claimMs;
  };

  /** Claims the intent for one attempt; the row as it was before the claim, or null when not ours now. */
  async function claim(caseId: string): Promise<OutboxMessage | null> {
    const row = await prisma.outboxMessage.findFirst({ where: { adapter: CASE_START, caseId } });
    if (!row || row.status !== 'pending') return row;
    const at = now();
    if (row.nextAttemptAt > at) return null;
    const { count } = await prisma.outboxMessage.updateMany({
      where: { id: row.id, status: 'pending', attempts: row.attempts, nextAttemptAt: { lte: at } },
      data: { attempts: { increment: 1 }, nextAttemptAt: new Date(at.getTime() + deps.claimMs) },
    });
    return count === 1 ? row : null;
  }

  /**
   * The instance an earlier attempt created for the case, in whatever state it is now: one that already
   * ended (a short procedure, a merged duplicate closing at once) is still the case's instance, and
   * creating another would leave one no case names. The engine's search keeps an ended instance's
   * variables (as Camunda's does). Several (never by this starter's rules): the first created.
   */
  async function existingInstance(caseId: string): Promise<string | null> {
    if (!deps.engineQuery) {
      log.warn({ caseId }, 'no engine search configured: a start retried after a lost answer may run twice');
      return null;
    }
    const found = await deps.engineQuery.searchProcessInstances({
      filter: {
        processDefinitionId: PROCESS_ID,
        variables: [{ name: 'caseId', value: JSON.stringify(caseId) }],
      },
      sort: [{ field: 'processInstanceKey', order: 'ASC' }],
      page: { limit: 1 },
    });
    return found.items[0]?.processInstanceKey ?? null;
  }

  /** Creates the instance; an answer later than timeoutMs is still recorded by `late`. */
  async function create(
    caseId: string,
    source: string,
    late: (key: string) => Promise<unknown>,
  ): Promise<string> {
    let timeout: NodeJS.Timeout | undefined;
    const since = Date.now();
    unanswered.set(caseId, since);
    const creating = deps.zeebe
      .createProcessInstance({ bpmnProcessId: PROCESS_ID, variables: { caseId, source } })
      .then((started) => String(started.processInstanceKey));
    // Settles once the answer is in (and, after a timeout, its late record done): then the case is free.
    let settled: Promise<unknown> = creating;
    try {
      return await Promise.race([
        creating,
        new Promise<never>((_, reject) => {
          timeout = setTimeout(() => reject(new StartTimeout(deps.timeoutMs)), deps.timeoutMs);
        }),
      ]);
    } catch (err) {
      if (err instanceof StartTimeout)
        settled = creating
          .then(late)
          .catch((e: unknown) => log.warn({ err: e, caseId }, 'a late start failed'));
      throw err;
    } finally {
      clearTimeout(timeout);
      const release = () => {
        if (unanswered.get(caseId) === since) unanswered.delete(caseId);
      };
      settled.then(release, release);
    }
  }

  /** The instance key on the case and the intent delivered, together; false when the case has another. */
  const record = (intentId: string, caseId: string, key: string) =>
    inCaseTransaction(prisma, async (tx) => {
      const ours = await setProcessInstance(tx, caseId, key);
      await tx.outboxMessage.update({
        where: { id: intentId },
        data: { status: 'delivered', deliveredAt: now(), lastError: null },
      });
      return ours;
    });

  async function start(caseId: string): Promise<StartOutcome> {
    const known = await prisma.case.findUnique({
      where: { id: caseId },
      select: { processInstanceKey: true, source: true },
    });
    if (!known) throw unavailable(`case ${caseId} no longer exists`);
    // This process's own create is still under way: its answer records the instance.
    if (!known.processInstanceKey && awaitingAnswer(caseId)) return { busy: true };
    const intent = await claim(caseId);
    if (known.processInstanceKey) {
      if (intent?.status === 'pending') await record(intent.id, caseId, known.processInstanceKey);
      return { processInstanceKey: known.processInstanceKey };
    }
    if (!intent) return { busy: true };
    if (intent.status !== 'pending') {
      // Delivered: the key was recorded meanwhile.
      const row = await prisma.case.findUniqueOrThrow({ where: { id: caseId } });
      return row.processInstanceKey ? { processInstanceKey: row.processInstanceKey } : { busy: true };
    }
    // An earlier attempt may have created the instance and died before recording it.
    return attempt(intent, caseId, known.source, intent.attempts > 0);
  }

  /** One claimed attempt: the instance found (`lookFirst`) or created, recorded (or cancelled as second). */
  async function attempt(
    intent: OutboxMessage,
    caseId: string,
    source: string,
    lookFirst: boolean,
  ): Promise<{ processInstanceKey: string }> {
    try {
      let key = lookFirst ? await existingInstance(caseId) : null;
      if (key) log.info({ caseId, processInstanceKey: key }, 'found the instance of an earlier attempt');
      const recordOrCancel = async (created: string) => {
        if (await record(intent.id, caseId, created)) return true;
        // Another start won (a claim outlived by a slow engine): ours is the second instance.
        await deps.zeebe.cancelProcessInstance(created).catch((err: unknown) => {
          log.error({ err, caseId, processInstanceKey: created }, 'cancelling a second instance failed');
        });
        return false;
      };
      key ??= await create(caseId, source, recordOrCancel);
      if (await recordOrCancel(key)) return { processInstanceKey: key };
      const row = await prisma.case.findUniqueOrThrow({ where: { id: caseId } });
      return { processInstanceKey: row.processInstanceKey! };
    } catch (err) {
      // Still holding the claim: the late answer records the instance (the claim outlives the timeout).
      if (err instanceof StartTimeout) throw err;
      // Due again soon (not after the whole claim): the next attempt looks the instance up first.
      await prisma.outboxMessage.updateMany({
        where: { id: intent.id, status: 'pending' },
        data: {
          lastError: String((err as Error)?.message ?? err).slice(0, 1000),
          nextAttemptAt: new Date(now().getTime() + Math.min(deps.intervalMs, deps.claimMs)),
        },
      });
      throw err;
    }
  }

  async function reconcile(): Promise<number> {
    const due = await prisma.outboxMessage.findMany({
      where: { adapter: CASE_START, status: 'pending', nextAttemptAt: { lte: now() } },
      orderBy: [{ nextAttemptAt: 'asc' }, { id: 'asc' }],
      take: 100,
      select: { caseId: true },
    });
    let started = 0;
    for (const { caseId } of due) {
      if (!caseId) continue;
      try {
        if ('processInstanceKey' in (await start(caseId))) started++;
      } catch (err) {
        log.warn({ err, caseId }, 'starting the procedure failed; retried later');
      }
    }
    if (started) log.info({ started }, 'procedures started for intents left behind');
    return started;
  }

  const pass = () => {
    running ??= reconcile()
      .then(
        () => reconcilerFailures.succeeded(),
        (err: unknown) => reconcilerFailures.failed(err),
      )
      .finally(() => (running = undefined));
    return running;
  };

  return {
    start,
    // Nobody else holds a fresh claim, and no earlier attempt can have created an instance.
    startClaimed: (intent, source) => attempt(intent, intent.caseId!, source, false),
    reconcile,
    run() {
      void pass();
      timer = setInterval(() => void pass(), deps.intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
