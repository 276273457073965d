/**
 * ActivateJobs long polling, as Zeebe's gateway does it: a request that finds no job waits until jobs of
 * its type may have become activatable (the engine's onJobsAvailable) or its request timeout elapses,
 * then completes with what it got. Waiters of one type are served first come, first served, one
 * activation at a time, so an early waiter is never starved by a later one.
 */
import type { ActivateJobsRequest, ActivatedJob, EngineApi, EngineLogger } from '../api.ts';

/** What the poller needs from the engine. */
export type PollingEngine = Pick<EngineApi, 'activateJobs' | 'onJobsAvailable' | 'failJob'>;

/** One ActivateJobs call as the poller sees it. */
export interface PollCall {
  request: ActivateJobsRequest;
  /** ms to wait for jobs; < 0 = answer at once; already capped by the call's deadline. */
  waitMs: number;
  /** Sends the jobs and completes the call; returns false when the client is gone. */
  deliver(jobs: ActivatedJob[]): boolean;
  /** Completes the call without jobs. */
  finish(): void;
  /** Fails the call with the error thrown by the engine. */
  fail(err: unknown): void;
  /** Registers the callback for a client cancel. */
  onCancel(listener: () => void): void;
}

/** setTimeout's largest delay; longer waits would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

interface Waiter {
  call: PollCall;
  timer?: NodeJS.Timeout;
  done: boolean;
}

interface TypeQueue {
  waiters: Waiter[];
  unsubscribe: () => void;
  pumping: boolean;
  again: boolean;
}

export interface JobPoller {
  /** Serves one ActivateJobs call, now or when jobs appear. */
  activate(call: PollCall): void;
  /** Completes every waiting call without jobs (gateway shutdown). */
  close(): void;
  /** Number of calls waiting (for tests and metrics). */
  waiting(): number;
}

/** Creates the long-polling job activator over the engine. */
export function createJobPoller(engine: PollingEngine, logger: EngineLogger): JobPoller {
  const queues = new Map<string, TypeQueue>();

  const settle = (waiter: Waiter) => {
    waiter.done = true;
    clearTimeout(waiter.timer);
  };

  /**
   * Jobs activated for a call whose client went away would stay locked until their timeout; hand them
   * back at once (a fail with unchanged retries and no back-off makes them activatable again).
   */
  const giveBack = (jobs: ActivatedJob[]) => {
    for (const job of jobs) {
      engine
        .failJob({
          jobKey: job.key,
          retries: job.retries,
          errorMessage: 'activation not delivered',
          retryBackOff: 0,
        })
        .catch((err: unknown) =>
          logger.warn({ err, jobKey: job.key }, 'could not give back an undelivered job'),
        );
    }
  };

  const deliver = (waiter: Waiter, jobs: ActivatedJob[]) => {
    settle(waiter);
    if (!waiter.call.deliver(jobs)) giveBack(jobs);
  };

  async function pump(type: string, queue: TypeQueue): Promise<void> {
    if (queue.pumping) {
      queue.again = true;
      return;
    }
    queue.pumping = true;
    try {
      do {
        queue.again = false;
        for (const waiter of [...queue.waiters]) {
          if (waiter.done) continue;
          let jobs: ActivatedJob[];
          try {
            jobs = (await engine.activateJobs(waiter.call.request)).jobs;
          } catch (err) {
            settle(waiter);
            waiter.call.fail(err);
            continue;
          }
          if (waiter.done) {
            giveBack(jobs); // cancelled or timed out while the activation ran
            continue;
          }
          if (jobs.length === 0) break; // nothing activatable now; the rest keep waiting
          deliver(waiter, jobs);
        }
      } while (queue.again);
    } finally {
      queue.pumping = false;
    }
    prune(type, queue);
  }

  /** Drops settled waiters; a type nobody waits for any more stops listening to the engine. */
  function prune(type: string, queue: TypeQueue) {
    queue.waiters = queue.waiters.filter((w) => !w.done);
    if (queue.waiters.length === 0 && !queue.pumping && queues.get(type) === queue) {
      queue.unsubscribe();
      queues.delete(type);
    }
  }

  const run = (type: string, queue: TypeQueue) => {
    pump(type, queue).catch((err: unknown) => logger.error({ err, type }, 'job long polling failed'));
  };

  function queueOf(type: string): TypeQueue {
    let queue = queues.get(type);
    if (!queue) {
      const created: TypeQueue = { waiters: [], unsubscribe: () => {}, pumping: false, again: false };
      // Subscribe before the first activation attempt so a job created in between is not missed.
      created.unsubscribe = engine.onJobsAvailable(type, () => run(type, created));
      queues.set(type, created);
      queue = created;
    }
    return queue;
  }

  return {
    activate(call) {
      if (call.waitMs < 0) {
        engine.activateJobs(call.request).then(
          ({ jobs }) => {
            if (!call.deliver(jobs)) giveBack(jobs);
          },
          (err: unknown) => call.fail(err),
        );
        return;
      }
      const type = call.request.type;
      const queue = queueOf(type);
      const waiter: Waiter = { call, done: false };
      waiter.timer = setTimeout(
        () => {
          if (waiter.done) return;
          settle(waiter);
          prune(type, queue);
          call.finish();
        },
        Math.min(call.waitMs, MAX_TIMER_MS),
      );
      call.onCancel(() => {
        settle(waiter);
        prune(type, queue);
      });
      queue.waiters.push(waiter);
      run(type, queue);
    },
    close() {
      for (const [type, queue] of queues) {
        for (const waiter of queue.waiters) {
          if (waiter.done) continue;
          settle(waiter);
          waiter.call.finish();
        }
        queue.waiters = [];
        queue.unsubscribe();
        queues.delete(type);
      }
    },
    waiting() {
      let n = 0;
      for (const queue of queues.values()) n += queue.waiters.filter((w) => !w.done).length;
      return n;
    },
  };
}
