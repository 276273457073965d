/**
 * What every worker shares: the job a handler sees, the outcome it ends in, the dependencies it gets,
 * and `defineHandler`, which turns a function that returns output variables (or throws) into a handler
 * that always ends in one explicit job action:
 * - returns variables → complete with exactly those variables;
 * - throws `BpmnError` → BPMN error with the contract's code and variables (a business outcome);
 * - cannot reach the case store (unreachable, connection lost, no transaction in time) → fail with its
 *   retries unchanged and the back-off: an outage ends by itself and /readyz reports it, so it is no
 *   reason for an incident a person must resolve;
 * - throws a retryable HubError or another passing error (SMTP, HTTP) → fail with retries − 1 and a
 *   back-off (the engine offers the job again later);
 * - throws anything else (bad input, unknown case, missing configuration, a bug) → fail with retries 0,
 *   which raises an incident whose message names the problem.
 */
import type { WorkCalendar } from '../src/calendar/index.ts';
import type { Config } from '../src/config.ts';
import { databaseOutage, type Db } from '../src/db/index.ts';
import { HubError, validationError } from '../src/errors.ts';
import type { Logger } from '../src/log.ts';
import type { Mailer } from '../src/mail.ts';

/** The part of a Zeebe job a handler reads (the SDK's job satisfies it). */
export interface JobInput {
  readonly key: string;
  readonly type: string;
  readonly processInstanceKey: string;
  readonly elementId: string;
  readonly retries: number;
  readonly variables: Readonly<Record<string, unknown>>;
}

/** How a job ends. */
export type Outcome =
  | { action: 'complete'; variables: Record<string, unknown> }
  | { action: 'fail'; errorMessage: string; retries: number; retryBackOff: number }
  | { action: 'error'; errorCode: string; errorMessage: string; variables: Record<string, unknown> };

/** Settings the handlers read (a subset of the hub's Config). */
export type WorkerConfig = Pick<
  Config,
  | 'CALENDAR_TIMEZONE'
  | 'MAIL_FROM'
  | 'ASSESSMENT_RECIPIENTS'
  | 'WORKER_RETRY_BACKOFF_MS'
  | 'DEADLINE_WARN_FRACTION'
  | 'CALLBACK_WINDOW_MINUTES'
  | 'ESCALATION_DECISION_MINUTES'
  | 'ESCALATION_TOP_LEVEL'
  | 'HUB_PUBLIC_URL'
  | 'DUPLICATE_WINDOW_MINUTES'
  | 'GEOCODE_MIN_CONFIDENCE'
  | 'ENFORCEMENT_RECTIFY_DAYS'
>;

/** What a handler may use. */
export interface WorkerDeps {
  db: Pick<Db, 'prisma' | 'provider'>;
  /**
   * The work calendar; when absent it comes from the case store (the deadline worker keeps it until the
   * reference generation moves, src/reference/generation.ts), so admin edits apply at the next job.
   */
  calendar?: WorkCalendar;
  mailer: Mailer;
  logger: Logger;
  config: WorkerConfig;
  /** The clock deadlines start from (default: the system clock). */
  now?: () => Date;
}

/** A handler: a plain function from a job to its outcome, unit-testable without an engine. */
export type Handler = (job: JobInput, deps: WorkerDeps) => Promise<Outcome>;

/** A business outcome the procedure catches as a BPMN error (processes/README.md lists the codes). */
export class BpmnError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly variables: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'BpmnError';
  }
}

/** Network-level error codes (SMTP, HTTP) after which a retry may succeed. */
const TRANSIENT_NET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ESOCKET',
  'ECONNECTION',
]);

/** True when retrying the job later may succeed. */
export function isTransient(err: unknown): boolean {
  // The database's passing troubles (unreachable, connection lost, no transaction in time) are one list,
  // shared with the API's 503 (src/db/errors.ts).
  if (databaseOutage(err)) return true;
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    if (e instanceof HubError) return e.retryable;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSIENT_NET_CODES.has(code)) return true;
    // SMTP: 4xx replies are temporary by definition (RFC 5321 §4.2.1).
    const responseCode = (e as { responseCode?: unknown }).responseCode;
    if (typeof responseCode === 'number' && responseCode >= 400 && responseCode < 500) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Turns a thrown value into the job's outcome (see the module comment). */
export function outcomeOf(err: unknown, job: JobInput, deps: Pick<WorkerDeps, 'config'>): Outcome {
  if (err instanceof BpmnError) {
    return { action: 'error', errorCode: err.code, errorMessage: err.message, variables: err.variables };
  }
  const message = `${job.type}: ${err instanceof Error ? err.message : String(err)}`;
  // The soak: with the database restarted eleven times in 30 minutes under load, 14 jobs used up their
  // retries (3 × 10 s) on outages that lasted up to 30 s and stopped their cases as incidents.
  if (databaseOutage(err)) {
    return {
      action: 'fail',
      errorMessage: message,
      retries: job.retries,
      retryBackOff: deps.config.WORKER_RETRY_BACKOFF_MS,
    };
  }
  if (isTransient(err)) {
    return {
      action: 'fail',
      errorMessage: message,
      retries: Math.max(job.retries - 1, 0),
      retryBackOff: deps.config.WORKER_RETRY_BACKOFF_MS,
    };
  }
  return { action: 'fail', errorMessage: message, retries: 0, retryBackOff: 0 };
}

/** Wraps `run` (returns the output variables, or throws) into a Handler with explicit outcomes. */
export function defineHandler(
  run: (job: JobInput, deps: WorkerDeps) => Promise<Record<string, unknown>>,
): Handler {
  return async (job, deps) => {
    try {
      return { action: 'complete', variables: await run(job, deps) };
    } catch (err) {
      const outcome = outcomeOf(err, job, deps);
      const log = { jobKey: job.key, type: job.type, processInstanceKey: job.processInstanceKey };
      if (outcome.action === 'fail')
        deps.logger.warn({ ...log, err, retries: outcome.retries }, 'job failed');
      return outcome;
    }
  };
}

// --- reading job variables ------------------------------------------------------------------------

const bad = (job: JobInput, name: string, expected: string) =>
  validationError(
    `variable ${name} must be ${expected}, got ${JSON.stringify(job.variables[name]) ?? 'nothing'}`,
    [{ field: name, message: `expected ${expected}` }],
  );

/** A required non-empty string variable. */
export function requireString(job: JobInput, name: string): string {
  const value = job.variables[name];
  if (typeof value !== 'string' || value === '') throw bad(job, name, 'a non-empty string');
  return value;
}

/** An optional string variable (absent or null → undefined). */
export function optionalString(job: JobInput, name: string): string | undefined {
  const value = job.variables[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw bad(job, name, 'a string');
  return value;
}

/** A required string variable with one of the allowed values. */
export function requireOneOf<T extends string>(job: JobInput, name: string, allowed: readonly T[]): T {
  const value = job.variables[name];
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value))
    throw bad(job, name, `one of ${allowed.join(', ')}`);
  return value as T;
}

/** An optional whole-number variable (absent or null → undefined). */
export function optionalInt(job: JobInput, name: string): number | undefined {
  const value = job.variables[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw bad(job, name, 'a whole number');
  return value;
}

/** An optional ISO 8601 date-time variable (absent or null → undefined). */
export function optionalDateTime(job: JobInput, name: string): Date | undefined {
  const value = optionalString(job, name);
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(date.getTime()))
    throw bad(job, name, 'an ISO 8601 date-time');
  return date;
}

/** The case named by the job's `caseId`; an unknown case is bad input (incident). */
export async function loadCase(job: JobInput, deps: Pick<WorkerDeps, 'db'>) {
  const caseId = requireString(job, 'caseId');
  const row = await deps.db.prisma.case.findUnique({ where: { id: caseId } });
  if (!row)
    throw validationError(`case ${caseId} does not exist`, [{ field: 'caseId', message: 'unknown case' }]);
  return row;
}
