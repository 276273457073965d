/**
 * The statistics rollup as a hub job: one run in the background when the hub starts (a first build of a
 * large store takes minutes; the API serves meanwhile and says the rows are not ready), then one every
 * STATISTICS_ROLLUP_INTERVAL_MS. Requests never run it: they read the rows as they are and say when
 * they were made (`rollupAsOf`).
 *
 * Several hub processes may share one database: a Lease row (`statistics.rollup`, src/db/lease.ts) makes
 * one of them do the work. Its holder renews it between months of a run, so a long first build keeps
 * it, and stops the run if it lost it (its process stalled past the lease); the others skip their turn.
 */
import type { Leases } from '../db/lease.ts';
import type { Logger } from '../log.ts';
import type { Rollup, RollupRun } from './rollup.ts';

export const ROLLUP_LEASE = 'statistics.rollup';

export interface StatisticsJobDeps {
  rollup: Rollup;
  leases: Pick<Leases, 'acquire' | 'release'>;
  logger: Logger;
  intervalMs: number;
}

export interface StatisticsJob {
  /** Starts the timer and the first run (in the background). */
  start(): void;
  /** Stops the timer, waits for a run under way, gives the lease up. */
  stop(): Promise<void>;
  /**
   * One turn now, after any turn under way (whose reading may predate the latest writes): the run's
   * figures, or null when another process holds the lease.
   */
  runNow(): Promise<RollupRun | null>;
}

class LeaseLost extends Error {}

export function createStatisticsJob(deps: StatisticsJobDeps): StatisticsJob {
  const log = deps.logger.child({ component: 'statistics-rollup' });
  // Long enough that a renewal between two months is never late: a month of a million-case store takes
  // seconds, not a minute.
  const ttlMs = Math.max(deps.intervalMs * 2, 60_000);
  let timer: NodeJS.Timeout | undefined;
  let turn: Promise<RollupRun | null> = Promise.resolve(null);
  let queued = 0;

  async function once(): Promise<RollupRun | null> {
    if (!(await deps.leases.acquire(ROLLUP_LEASE, ttlMs))) return null;
    const between = async () => {
      if (!(await deps.leases.acquire(ROLLUP_LEASE, ttlMs))) throw new LeaseLost();
    };
    try {
      const run = await deps.rollup.run({ between });
      if (run.full || run.ms > 5_000) log.info(run, 'statistics rows built');
      else if (run.days) log.debug(run, 'statistics rows brought up to date');
      return run;
    } catch (err) {
      if (!(err instanceof LeaseLost)) throw err;
      log.warn('the statistics lease passed to another hub process during a run; it carries on');
      return null;
    }
  }

  /** Turns one after another, never two at once in this process. */
  function next(): Promise<RollupRun | null> {
    queued++;
    const mine = turn.catch(() => null).then(once);
    turn = mine;
    mine.then(
      () => queued--,
      () => queued--,
    );
    return mine;
  }

  // A timer tick during a turn (a first build outlasts many intervals) is skipped, not queued.
  const tick = () => {
    if (queued > 0) return;
    next().catch((err: unknown) => log.error({ err }, 'statistics rollup failed; the next turn retries'));
  };

  return {
    start() {
      if (timer) return;
      timer = setInterval(tick, deps.intervalMs);
      timer.unref();
      tick();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await turn.catch(() => null);
      await deps.leases.release(ROLLUP_LEASE);
    },
    runNow: next,
  };
}
