/**
 * The one "stale row" signal of the case store and the one retry-on-stale helper. Every write of a case
 * row goes through this folder with the version it read (`UPDATE … WHERE id = ? AND version = ?`): on
 * PostgreSQL (READ COMMITTED) two transactions can read the same status at once, and without the check
 * both would pass — two events from one status, the later commit's status overwriting the earlier's.
 * The loser throws StaleCase; `inCaseTransaction` re-runs its whole transaction against the new state.
 */
import type { PrismaClient, Prisma } from '../../db/index.ts';
import { HubError } from '../../errors.ts';

/** A case row changed between this transaction's read and its write. */
export class StaleCase extends HubError {
  constructor(readonly caseId: string) {
    // Retryable: a job whose transaction ran outside `inCaseTransaction` is retried by the engine instead.
    super('conflict', `case ${caseId} changed while the transaction ran`, { status: 409, retryable: true });
    this.name = 'StaleCase';
  }
}

/** Attempts of a transaction that keeps losing the race for its case row. */
export const STALE_ATTEMPTS = 5;

export interface RetryOptions {
  /** Attempts before giving up (default STALE_ATTEMPTS). */
  attempts?: number;
  /** The error thrown when every attempt met a newer version (default: a retryable 409 naming the case). */
  exhausted?: (err: StaleCase) => Error;
}

/**
 * Runs `fn` in one transaction of the case store; a transaction that lost the race for a case row
 * (StaleCase) is re-run from the start, so `fn` reads the new state (a redelivery check then finds the
 * winner's event, a lifecycle check the new status).
 */
export async function inCaseTransaction<T>(
  prisma: PrismaClient,
  fn: (tx: Prisma.TransactionClient) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? STALE_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await prisma.$transaction((tx) => fn(tx));
    } catch (err) {
      if (!(err instanceof StaleCase)) throw err;
      if (attempt >= attempts)
        throw (
          options.exhausted?.(err) ??
          new HubError('conflict', `${err.message} ${attempts} times`, {
            status: 409,
            retryable: true,
            cause: err,
          })
        );
    }
  }
}
