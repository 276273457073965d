/**
 * The periodic assessment: node-cron fires on ASSESSMENT_SCHEDULE (CALENDAR_TIMEZONE) and asks the
 * `assessment` procedure for the last complete period of ASSESSMENT_PERIOD (publishes
 * `assessment.requested`, processes/README.md), which computes, stores and mails the report.
 *
 * Several hub processes on one database each run this schedule; a Lease row per period decides which
 * one publishes (`assessment.schedule:<periodKey>`): taken by insert (or by taking over an expired
 * one), kept as `done` after the engine took the message, given up when publishing failed so a later
 * tick (of any process) tries again. A holder that dies between taking the lease and publishing leaves
 * it to expire; a later firing that still reports on that period then runs it (a monthly schedule has
 * none: the administrator runs it on demand). No catch-up on start: a hub started mid-month does
 * not report the previous month by itself.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { schedule as cronSchedule, validate as validCron, type ScheduledTask } from 'node-cron';
import { createLeases } from '../db/lease.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/index.ts';
import { validationError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ZeebeClient } from '../zeebe.ts';
import { lastCompletePeriod } from './reports.ts';

/** How long a holder has to publish before another process may take the period over. */
const RUN_LEASE_MS = 10 * 60_000;
/** Expiry of a done period's lease: never in practice. */
const DONE_UNTIL = new Date('9999-12-31T00:00:00Z');
/** How long the engine keeps the message if the procedure is not deployed yet (a hub still starting). */
const MESSAGE_TTL_MS = 60 * 60_000;

export interface AssessmentScheduleDeps {
  db: Pick<Db, 'prisma'>;
  zeebe: Pick<ZeebeClient, 'publishMessage'>;
  config: Pick<Config, 'ASSESSMENT_SCHEDULE' | 'ASSESSMENT_PERIOD' | 'CALENDAR_TIMEZONE'>;
  logger: Logger;
  /** this process's name on the lease (default host:pid:random) */
  holder?: string;
  /** the clock (default the system clock) */
  now?: () => Date;
}

export interface TickResult {
  periodKey: string;
  /** true when this process published the request; false when another one has (or is doing) it */
  ran: boolean;
}

export interface AssessmentSchedule {
  /** Starts the cron task (nothing when ASSESSMENT_SCHEDULE is `off`). */
  start(): void;
  /** Stops the cron task; a tick in flight finishes. */
  stop(): Promise<void>;
  /** One firing of the schedule at `at` (default now): what the cron task runs. */
  tick(at?: Date): Promise<TickResult>;
}

/** Lease name of a scheduled period. */
export const scheduleLeaseName = (periodKey: string) => `assessment.schedule:${periodKey}`;

/** Creates the schedule; checks ASSESSMENT_SCHEDULE at once. */
export function createAssessmentSchedule(deps: AssessmentScheduleDeps): AssessmentSchedule {
  const { config } = deps;
  const log = deps.logger.child({ component: 'assessment-schedule' });
  const now = deps.now ?? (() => new Date());
  const expression = config.ASSESSMENT_SCHEDULE.trim();
  const off = expression === 'off';
  if (!off && !validCron(expression)) {
    throw validationError(`ASSESSMENT_SCHEDULE is not a cron expression: ${JSON.stringify(expression)}`, [
      {
        field: 'ASSESSMENT_SCHEDULE',
        message: 'expected e.g. "0 2 1 * *" (monthly), "0 2 * * 1" (weekly) or off',
      },
    ]);
  }
  const holder = deps.holder ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const leases = createLeases(deps.db, holder, now);
  let task: ScheduledTask | undefined;
  let running: Promise<unknown> = Promise.resolve();

  async function tick(at: Date = now()): Promise<TickResult> {
    const zone = config.CALENDAR_TIMEZONE;
    const period = lastCompletePeriod(config.ASSESSMENT_PERIOD, at, zone);
    const name = scheduleLeaseName(period.periodKey);
    // A done period's lease belongs to `<holder> done`, which acquire() never matches: no second run,
    // also not by the process that ran it.
    if (!(await leases.acquire(name, RUN_LEASE_MS))) {
      log.debug({ periodKey: period.periodKey }, 'assessment period already run or running elsewhere');
      return { periodKey: period.periodKey, ran: false };
    }
    try {
      await deps.zeebe.publishMessage({
        name: 'assessment.requested',
        // one instance per period while it runs; the messageId drops a repeated publish
        correlationKey: period.periodKey,
        messageId: name,
        timeToLive: MESSAGE_TTL_MS,
        variables: {
          periodStart: period.start.toISODate()!,
          periodEnd: period.end.toISODate()!,
          scope: 'all',
        },
      });
    } catch (err) {
      await leases.release(name);
      throw err;
    }
    await leases.retire(name, DONE_UNTIL);
    log.info(
      { periodKey: period.periodKey },
      `assessment ${period.periodKey} requested from the assessment procedure`,
    );
    return { periodKey: period.periodKey, ran: true };
  }

  return {
    start() {
      if (off || task) return;
      task = cronSchedule(
        expression,
        () => {
          const run = tick().catch((err: unknown) => log.error({ err }, 'scheduled assessment failed'));
          running = run;
          return run;
        },
        { timezone: config.CALENDAR_TIMEZONE, name: 'assessment', noOverlap: true },
      );
      log.info(
        { schedule: expression, period: config.ASSESSMENT_PERIOD, holder },
        'assessment schedule started',
      );
    },
    async stop() {
      await task?.destroy();
      task = undefined;
      await running;
    },
    tick,
  };
}
