/**
 * The engine behind the gateway: EngineApi on top of the processor, plus what lives between commands —
 * the scheduler that turns due timers, job deadlines and message TTLs into commands, job streams,
 * long-poll notifications and the waiters of CreateProcessInstanceWithResult. None of it holds
 * instance state: the scheduler keeps only the next due time.
 */
import {
  EngineError,
  type ActivatedJob,
  type Engine,
  type EngineClock,
  type EngineEvent,
  type EngineLogger,
  type JobStreamConsumer,
  type JobStreamRequest,
  type Variables,
} from '../api.ts';
import type { Feel } from '../feel/index.ts';
import { isDatabaseAway, type Db } from '../store/db.ts';
import { evaluateDecision } from './decisions.ts';
import { deleteProcess, deploy } from './deploy.ts';
import {
  cancelInstance,
  createInstance,
  modifyInstance,
  correlateMessage,
  publishMessage,
  resolveIncident,
  setVariables,
  timerDue,
} from './instances.ts';
import {
  activateJobs,
  completeJob,
  failJob,
  reactivate,
  throwError,
  updateRetries,
  updateTimeout,
} from './jobs.ts';
import { migrateInstance } from './migrate.ts';
import type { Models } from './models.ts';
import type { Processor } from './processor.ts';
import { purgeEndedInstances, RETENTION_BATCH } from './retention.ts';
import type { Effects } from './run.ts';
import { assignUserTask, completeUserTask, unassignUserTask, updateUserTask } from './user-tasks.ts';

/** CreateProcessInstanceWithResult default wait when the request gives none. */
const DEFAULT_RESULT_TIMEOUT_MS = 15_000;
/** The scheduler looks again at least this often (also bounds every setTimeout far below 24.8 days). */
const MAX_SLEEP_MS = 60_000;
/**
 * Jobs handed to one stream per command. More than one batch of commands can create (MAX_BATCH, each
 * command usually one job), so that pushing catches up with a backlog instead of trailing it.
 */
const STREAM_BATCH = 128;
/** Engine time between two history-retention passes (a pass that found a full batch goes on at once). */
const RETENTION_EVERY_MS = 60_000;
/** Completed instances remembered for result waiters that register a moment late. */
const RECENT_RESULTS = 10_000;

const EMPTY = {} as Record<string, never>;
const key = (k: string, what: string) => {
  if (!/^\d+$/.test(k))
    throw new EngineError('INVALID_ARGUMENT', `Expected ${what} to be a numeric key, but was '${k}'`);
  return Number(k);
};

interface Stream {
  req: JobStreamRequest;
  consumer: JobStreamConsumer;
}

export function createService(deps: {
  db: Db;
  processor: Processor;
  models: Models;
  feel: Feel;
  clock: EngineClock;
  log?: EngineLogger;
  setClockListener: (fn: () => void) => void;
  historyRetentionDays?: number;
}): Engine {
  const { db, processor, clock, log } = deps;
  const listeners = new Map<string, Set<() => void>>();
  const streams = new Map<string, Stream[]>();
  const streamTurn = new Map<string, number>();
  const pushing = new Set<string>();
  const pushAgain = new Set<string>();
  const waiters = new Map<number, { resolve: (v: Variables) => void; reject: (e: unknown) => void }>();
  const recent = new Map<number, Variables>();
  let closed = false;
  let started = false;

  // --- scheduler ---------------------------------------------------------------------------------
  let sleep: NodeJS.Timeout | undefined;
  let wakeAt = Infinity;
  let ticking = false;
  let tickAgain = false;

  function wakeBy(at: number) {
    if (closed || !started || at >= wakeAt) return;
    wakeAt = at;
    if (sleep) clearTimeout(sleep);
    sleep = setTimeout(() => void tick(), Math.max(0, Math.min(at - clock.now(), MAX_SLEEP_MS)));
  }

  async function tick() {
    sleep = undefined;
    wakeAt = Infinity;
    if (closed) return;
    if (ticking) {
      tickAgain = true;
      return;
    }
    ticking = true;
    try {
      const { result: due } = await processor.submit(async (run) => {
        const now = run.now;
        const timers = await db.all(`SELECT key FROM zb_timer WHERE due <= ? ORDER BY due, key LIMIT 500`, [
          now,
        ]);
        const jobs = await db.all(
          `SELECT key, state FROM zb_job WHERE state IN ('ACTIVATED', 'BACKOFF') AND deadline <= ? LIMIT 1000`,
          [now],
        );
        await db.run(
          `DELETE FROM zb_message_correlation WHERE message_key IN (SELECT key FROM zb_message WHERE deadline <= ?)`,
          [now],
        );
        await db.run(`DELETE FROM zb_message WHERE deadline <= ?`, [now]);
        const [next] = await db.all(
          `SELECT MIN(t) AS t FROM (SELECT MIN(due) AS t FROM zb_timer UNION ALL SELECT MIN(deadline) FROM zb_job WHERE state IN ('ACTIVATED', 'BACKOFF') UNION ALL SELECT MIN(deadline) FROM zb_message) x`,
        );
        return {
          timers: timers.map((r) => Number(r.key)),
          jobs: jobs.map((r) => ({ key: Number(r.key), state: String(r.state) })),
          next: next?.t === null || next?.t === undefined ? Infinity : Number(next.t),
        };
      });
      const work: Promise<unknown>[] = [];
      for (const t of due.timers)
        work.push(processor.submit((run, bpmn) => timerDue(run, bpmn, t), `timer:${t}`));
      if (due.jobs.length)
        work.push(
          processor.submit(async (run) => {
            for (const j of due.jobs) await reactivate(run, j.key, j.state as 'ACTIVATED' | 'BACKOFF', true);
          }),
        );
      const results = await Promise.allSettled(work);
      for (const r of results)
        if (r.status === 'rejected') {
          if (isDatabaseAway(r.reason)) log?.debug({ err: r.reason }, 'scheduled command failed');
          else log?.error({ err: r.reason }, 'scheduled command failed');
        }
      const more = due.timers.length === 500 || due.jobs.length === 1000 || (await retain());
      wakeBy(more ? clock.now() : due.next);
      if (!more && due.next === Infinity) wakeBy(clock.now() + MAX_SLEEP_MS);
    } catch (error) {
      // (a database away: the store logged it once at warn; the tick retries in a second)
      if (!closed) {
        if (isDatabaseAway(error)) log?.debug({ err: error }, 'scheduler tick failed');
        else log?.error({ err: error }, 'scheduler tick failed');
      }
      wakeBy(clock.now() + 1000);
    } finally {
      ticking = false;
      if (tickAgain) {
        tickAgain = false;
        wakeBy(clock.now());
      }
    }
  }

  const retentionMs = (deps.historyRetentionDays ?? 0) * 24 * 60 * 60 * 1000;
  let retainedAt = -Infinity;
  /** One retention pass when it is due (engine time); true when it may have left more to delete. */
  async function retain(): Promise<boolean> {
    const now = clock.now();
    // (a pinned clock may also have moved back: then the pass runs at once)
    if (retentionMs <= 0 || (now >= retainedAt && now - retainedAt < RETENTION_EVERY_MS)) return false;
    retainedAt = now;
    const { result: purged } = await processor.submit((run) =>
      purgeEndedInstances(run.uow.db, run.now - retentionMs),
    );
    if (purged) log?.debug({ purged }, 'history retention removed ended instances');
    if (purged < RETENTION_BATCH) return false;
    retainedAt = -Infinity;
    return true;
  }

  deps.setClockListener(() => {
    // the clock moved: everything may be due now
    wakeAt = Infinity;
    wakeBy(clock.now());
  });

  // --- after commit ------------------------------------------------------------------------------
  processor.onCommitted = (effects: Effects) => {
    if (effects.dueAt !== Infinity) wakeBy(effects.dueAt);
    for (const [k, vars] of effects.completed) {
      const w = waiters.get(k);
      if (w) {
        waiters.delete(k);
        w.resolve(vars);
      } else if (waitingForResults > 0) {
        recent.set(k, vars);
        if (recent.size > RECENT_RESULTS) recent.delete(recent.keys().next().value!);
      }
    }
    for (const type of effects.jobTypes) {
      if (streams.get(type)?.length) void pushToStreams(type);
      else notify(type);
    }
  };
  let waitingForResults = 0;

  function notify(type: string) {
    for (const fn of listeners.get(type) ?? []) {
      try {
        fn();
      } catch (error) {
        log?.error({ err: error }, 'job listener failed');
      }
    }
  }

  async function pushToStreams(type: string) {
    if (pushing.has(type)) {
      pushAgain.add(type);
      return;
    }
    pushing.add(type);
    try {
      for (;;) {
        const list = streams.get(type);
        if (!list?.length || closed) break;
        const turn = (streamTurn.get(type) ?? 0) % list.length;
        streamTurn.set(type, turn + 1);
        const stream = list[turn]!;
        const { result: jobs } = await processor.submitFirst((run) =>
          activateJobs(run, {
            type,
            worker: stream.req.worker,
            timeout: stream.req.timeout,
            max: STREAM_BATCH,
            fetchVariable: stream.req.fetchVariable,
          }),
        );
        const undelivered: number[] = [];
        for (const job of jobs) {
          let ok = false;
          try {
            ok = (streams.get(type) ?? []).includes(stream) && stream.consumer(job);
          } catch {
            ok = false;
          }
          if (!ok) undelivered.push(Number(job.key));
        }
        if (undelivered.length) {
          // yielded back to pollers only: pushing to the same failing stream again would spin
          await processor.submitFirst(async (run) => {
            for (const k of undelivered) await reactivate(run, k, 'ACTIVATED', false, false);
          });
          break;
        }
        if (jobs.length < STREAM_BATCH) {
          if (!pushAgain.delete(type)) break;
        }
      }
    } catch (error) {
      if (!closed) log?.error({ err: error }, 'job stream push failed');
    } finally {
      pushing.delete(type);
      notify(type);
    }
  }

  const submit = async <T>(cmd: Parameters<Processor['submit']>[0]) =>
    (await processor.submit(cmd)).result as T;

  return {
    clock,

    async start() {
      started = true;
      wakeBy(clock.now());
    },

    async close() {
      closed = true;
      if (sleep) clearTimeout(sleep);
      for (const w of waiters.values())
        w.reject(new EngineError('UNAVAILABLE', 'The engine is shutting down'));
      waiters.clear();
      streams.clear();
      listeners.clear();
      await processor.close();
      await db.close();
    },

    async topology() {
      return {
        brokers: [
          {
            nodeId: 0,
            host: '127.0.0.1',
            port: 26501,
            partitions: [{ partitionId: 1, role: 'LEADER', health: 'HEALTHY' }],
            version: '8.8.0',
          },
        ],
        clusterSize: 1,
        partitionsCount: 1,
        replicationFactor: 1,
        gatewayVersion: '8.8.0',
      };
    },

    deployResource: (req) => submit((run) => deploy(run, req)),

    async deleteResource(req) {
      const k = key(req.resourceKey, 'resourceKey');
      await submit((run) => deleteProcess(run, k));
      return EMPTY;
    },

    createProcessInstance: (req) => submit((run, bpmn) => createInstance(run, bpmn, req)),

    async createProcessInstanceWithResult(req) {
      const timeout =
        req.requestTimeout && req.requestTimeout > 0 ? req.requestTimeout : DEFAULT_RESULT_TIMEOUT_MS;
      waitingForResults++;
      try {
        const { result, effects } = await processor.submit((run, bpmn) =>
          createInstance(run, bpmn, req.request),
        );
        const k = Number(result.processInstanceKey);
        let vars = effects.completed.get(k) ?? recent.get(k);
        recent.delete(k);
        if (!vars)
          vars = await new Promise<Variables>((resolve, reject) => {
            const timer = setTimeout(() => {
              waiters.delete(k);
              reject(
                new EngineError(
                  'DEADLINE_EXCEEDED',
                  `Expected to complete process instance '${k}' within ${timeout} ms, but it did not complete in time`,
                ),
              );
            }, timeout);
            waiters.set(k, {
              resolve: (v) => {
                clearTimeout(timer);
                resolve(v);
              },
              reject: (e) => {
                clearTimeout(timer);
                reject(e);
              },
            });
          });
        const fetch = req.fetchVariables?.length ? req.fetchVariables : undefined;
        const variables = fetch
          ? Object.fromEntries(fetch.filter((n) => n in vars!).map((n) => [n, vars![n]]))
          : vars;
        return { ...result, variables };
      } finally {
        waitingForResults--;
      }
    },

    async cancelProcessInstance(req) {
      const k = key(req.processInstanceKey, 'processInstanceKey');
      await submit((run, bpmn) => cancelInstance(run, bpmn, k));
      return EMPTY;
    },

    async setVariables(req) {
      const k = key(req.elementInstanceKey, 'elementInstanceKey');
      const setKey = await submit<number>((run) => setVariables(run, k, req.variables, req.local ?? false));
      return { key: String(setKey) };
    },

    async modifyProcessInstance(req) {
      key(req.processInstanceKey, 'processInstanceKey');
      await submit((run, bpmn) => modifyInstance(run, bpmn, req));
      return EMPTY;
    },

    async migrateProcessInstance(req) {
      key(req.processInstanceKey, 'processInstanceKey');
      key(req.migrationPlan.targetProcessDefinitionKey, 'targetProcessDefinitionKey');
      await submit((run, bpmn) => migrateInstance(run, bpmn, req));
      return EMPTY;
    },

    async activateJobs(req) {
      if (!req.type)
        throw new EngineError('INVALID_ARGUMENT', 'Expected to activate jobs of a type, but type is empty');
      if (req.maxJobsToActivate < 1)
        throw new EngineError(
          'INVALID_ARGUMENT',
          `Expected to activate at least one job, but maxJobsToActivate was '${req.maxJobsToActivate}'`,
        );
      const jobs = await submit<ActivatedJob[]>((run) =>
        activateJobs(run, {
          type: req.type,
          worker: req.worker,
          timeout: req.timeout,
          max: req.maxJobsToActivate,
          fetchVariable: req.fetchVariable,
        }),
      );
      return { jobs };
    },

    async completeJob(req) {
      const k = key(req.jobKey, 'jobKey');
      await submit((run, bpmn) => completeJob(run, bpmn, k, req.variables ?? {}));
      return EMPTY;
    },

    async failJob(req) {
      const k = key(req.jobKey, 'jobKey');
      await submit((run) =>
        failJob(run, k, req.retries, req.errorMessage ?? '', req.retryBackOff ?? 0, req.variables ?? {}),
      );
      return EMPTY;
    },

    async throwError(req) {
      const k = key(req.jobKey, 'jobKey');
      await submit((run, bpmn) =>
        throwError(run, bpmn, k, req.errorCode, req.errorMessage ?? '', req.variables ?? {}),
      );
      return EMPTY;
    },

    async updateJobRetries(req) {
      const k = key(req.jobKey, 'jobKey');
      await submit((run) => updateRetries(run, k, req.retries));
      return EMPTY;
    },

    async updateJobTimeout(req) {
      const k = key(req.jobKey, 'jobKey');
      await submit((run) => updateTimeout(run, k, req.timeout));
      return EMPTY;
    },

    async publishMessage(req) {
      const k = await submit<number>((run, bpmn) => publishMessage(run, bpmn, req));
      return { key: String(k), tenantId: '<default>' };
    },

    async correlateMessage(req) {
      const r = await submit<{ messageKey: number; processInstanceKey: number }>((run, bpmn) =>
        correlateMessage(run, bpmn, req),
      );
      return {
        messageKey: String(r.messageKey),
        tenantId: '<default>',
        processInstanceKey: String(r.processInstanceKey),
      };
    },

    async broadcastSignal(req) {
      const k = await submit<number>(async (run, bpmn) => {
        const signalKey = run.keys.take();
        await bpmn.broadcastSignal(req.signalName, req.variables ?? {});
        return signalKey;
      });
      return { key: String(k), tenantId: '<default>' };
    },

    evaluateDecision: (req) => submit((run) => evaluateDecision(run, req)),

    async resolveIncident(req) {
      const k = key(req.incidentKey, 'incidentKey');
      await submit((run, bpmn) => resolveIncident(run, bpmn, k));
      return EMPTY;
    },

    async completeUserTask(req) {
      await submit((run, bpmn) => completeUserTask(run, bpmn, req));
    },

    async assignUserTask(req) {
      await submit((run) => assignUserTask(run, req));
    },

    async unassignUserTask(req) {
      await submit((run) => unassignUserTask(run, req));
    },

    async updateUserTask(req) {
      await submit((run) => updateUserTask(run, req));
    },

    onJobsAvailable(type, listener) {
      let set = listeners.get(type);
      if (!set) listeners.set(type, (set = new Set()));
      set.add(listener);
      return () => {
        listeners.get(type)?.delete(listener);
      };
    },

    openJobStream(req, consumer) {
      const stream: Stream = { req, consumer };
      const list = streams.get(req.type) ?? [];
      list.push(stream);
      streams.set(req.type, list);
      // jobs already waiting go to the new stream
      void pushToStreams(req.type);
      return () => {
        const l = streams.get(req.type);
        if (!l) return;
        const i = l.indexOf(stream);
        if (i >= 0) l.splice(i, 1);
        if (!l.length) streams.delete(req.type);
      };
    },

    async readState(read) {
      // A failed read is rolled back to its savepoint like a refused command (on PostgreSQL a failed
      // statement would otherwise spoil the batch's transaction), and its own error (a refused filter)
      // reaches the caller as it is. The EngineError marker keeps it out of the command-failure log.
      let failure: { error: unknown } | undefined;
      try {
        return await submit(() =>
          // the read may throw before it returns a promise (a statement that does not prepare)
          Promise.resolve()
            .then(() => read(db))
            .catch((error: unknown) => {
              failure = { error };
              throw new EngineError('INVALID_ARGUMENT', 'read failed');
            }),
        );
      } catch (err) {
        throw failure ? failure.error : err;
      }
    },

    async readEvents(afterPosition, limit) {
      const rows = await submit<Record<string, unknown>[]>(() =>
        db.all(`SELECT * FROM zb_event WHERE position > ? ORDER BY position LIMIT ?`, [
          Number(afterPosition),
          limit,
        ]),
      );
      return rows.map((r): EngineEvent => ({
        position: String(r.position),
        intent: String(r.intent),
        key: String(r.key),
        processInstanceKey: String(r.pi_key),
        bpmnProcessId: String(r.bpmn_process_id),
        elementId: String(r.element_id),
        elementType: String(r.element_type),
        timestamp: Number(r.ts),
        payload: JSON.parse(String(r.payload)) as Record<string, unknown>,
      }));
    },
  };
}
