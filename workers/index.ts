/**
 * The hub's job workers: one Zeebe worker per job type of processes/README.md, each running a handler
 * from its family module (intake, locate, classify, verify, dispatch, deadlines, notify, escalation,
 * close, callback, assessment, enforcement) through the real client (@camunda8/sdk ZeebeGrpcClient polling workers
 * with long polls), against the embedded engine or any Zeebe gateway.
 *
 *   const workers = createWorkers({ zeebe, db, mailer: createMailer(config, logger), logger, config });
 *   workers.start();
 *   …
 *   await workers.stop();
 */
import type { Zeebe } from '@camunda8/sdk';
import type { Config } from '../src/config.ts';
import { closeWorker } from '../src/zeebe.ts';
import { handlers as assessment } from './assessment.ts';
import { handlers as callback } from './callback.ts';
import { handlers as classify } from './classify.ts';
import { handlers as close } from './close.ts';
import { handlers as deadlines } from './deadlines.ts';
import { handlers as adPermit } from './ad-permit.ts';
import { handlers as dispatch } from './dispatch.ts';
import { handlers as enforcement } from './enforcement.ts';
import { handlers as escalation } from './escalation.ts';
import { handlers as intake } from './intake.ts';
import type { Handler, Outcome, WorkerDeps } from './job.ts';
import { handlers as locate } from './locate.ts';
import { handlers as notify } from './notify.ts';
import { handlers as verify } from './verify.ts';

export { BpmnError, defineHandler, isTransient, outcomeOf } from './job.ts';
export type { Handler, JobInput, Outcome, WorkerConfig, WorkerDeps } from './job.ts';
export { createMailer, sendOnce } from '../src/mail.ts';
export type { Mail, Mailer } from '../src/mail.ts';

/** Every job type and its handler. */
export const HANDLERS: Readonly<Record<string, Handler>> = {
  ...intake,
  ...locate,
  ...classify,
  ...verify,
  ...dispatch,
  ...deadlines,
  ...notify,
  ...escalation,
  ...close,
  ...callback,
  ...assessment,
  ...enforcement,
  ...adPermit,
};

/** The job types the workers serve. */
export const JOB_TYPES = Object.keys(HANDLERS);

export interface CreateWorkersDeps extends WorkerDeps {
  zeebe: Zeebe.ZeebeGrpcClient;
  config: WorkerDeps['config'] & Pick<Config, 'WORKER_MAX_JOBS_ACTIVE' | 'WORKER_JOB_TIMEOUT_MS'>;
  /** Worker name reported to the engine (default `chengguan-hub`). */
  workerName?: string;
  /** The job types to serve (default HANDLERS; adapters/ serves its own job types through this). */
  handlers?: Readonly<Record<string, Handler>>;
}

export interface Workers {
  /** Registers one worker per job type; idempotent. */
  start(): void;
  /** Closes the workers (waits for the jobs in hand to finish). */
  stop(): Promise<void>;
}

/** The job actions of the SDK's job object that the workers use. */
interface JobActions<Ack> {
  complete(variables: never): Promise<Ack>;
  fail(failure: { errorMessage: string; retries: number; retryBackOff: number }): Promise<Ack>;
  error(error: { errorCode: string; errorMessage: string; variables: never }): Promise<Ack>;
}

/** Sends a handler's outcome to the engine as the matching job action. */
function act<Ack>(job: JobActions<Ack>, outcome: Outcome): Promise<Ack> {
  switch (outcome.action) {
    case 'complete':
      return job.complete(outcome.variables as never);
    case 'fail':
      return job.fail({
        errorMessage: outcome.errorMessage,
        retries: outcome.retries,
        retryBackOff: outcome.retryBackOff,
      });
    case 'error':
      return job.error({
        errorCode: outcome.errorCode,
        errorMessage: outcome.errorMessage,
        variables: outcome.variables as never,
      });
  }
}

/** Creates the workers; nothing polls until start(). */
export function createWorkers(deps: CreateWorkersDeps): Workers {
  const { zeebe, config, logger } = deps;
  let workers: { close(): Promise<unknown> }[] = [];
  return {
    start() {
      if (workers.length) return;
      workers = Object.entries(deps.handlers ?? HANDLERS).map(([taskType, handler]) =>
        zeebe.createWorker({
          taskType,
          id: `${deps.workerName ?? 'chengguan-hub'}:${taskType}`,
          maxJobsToActivate: config.WORKER_MAX_JOBS_ACTIVE,
          timeout: config.WORKER_JOB_TIMEOUT_MS,
          // Long polls: the gateway answers as soon as a job exists, so no job waits for a poll interval.
          // Long ones: the SDK gives up on a poll 1 s after its request timeout and drops what arrives
          // later, and the jobs in it stay activated until their timeout. A process whose event loop
          // lags past that second (a loaded machine) lost jobs with 1–2 s polls, never with 30 s ones
          // unless the job comes in the poll's last moment. stop() ends the polls in flight (closeWorker).
          longPoll: 30_000,
          pollInterval: 300,
          taskHandler: async (job) => {
            const outcome = await handler(job, deps);
            logger.debug({ jobKey: job.key, type: job.type, action: outcome.action }, 'job done');
            return act(job, outcome);
          },
        }),
      );
      logger.info({ jobTypes: workers.length }, 'workers started');
    },
    async stop() {
      const closing = workers;
      workers = [];
      await Promise.all(closing.map((w) => closeWorker(w)));
    },
  };
}
