/**
 * Timeline writes of the workers, through the case-state writer (src/cases/state): one CaseEvent per
 * side effect, keyed by `dedupeKey` (unique), so a redelivered job finds its event and changes nothing
 * twice; the status moves as the lifecycle says, with the version check, in the same transaction.
 */
import { inCaseTransaction, recordEvent as writeEvent, StaleCase } from '../src/cases/state/index.ts';
import type { CaseEventType } from '../src/cases/index.ts';
import type { Case, CaseStatus, PrismaClient, Prisma } from '../src/db/index.ts';

export { StaleCase };

/** A Prisma client or the client of a running transaction. */
export type Tx = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

/** The name workers write into CaseEvent.actorName. */
export const WORKER_ACTOR = '系统 (workers)';

export interface EventInput {
  caseId: string;
  type: CaseEventType;
  dedupeKey: string;
  at: Date;
  note?: string;
  data?: Record<string, unknown>;
  departmentId?: string | null;
  /** Extra columns of the case row to set with the event (e.g. closedAt). */
  caseUpdate?: Prisma.CaseUncheckedUpdateManyInput;
  /**
   * Record only when the case is in one of these statuses (read in the transaction with the version);
   * otherwise nothing is written and recordEvent returns false. Saves the caller a read of its own.
   */
  onlyFrom?: readonly CaseStatus[];
  /** The case row read before (first attempt only: src/cases/state `recordEvent`). */
  row?: Case;
  /** The caller found no event under dedupeKey just before. */
  dedupeChecked?: boolean;
}

/** The event already written under `dedupeKey`, if any. */
export const findEvent = (tx: Tx, dedupeKey: string) => tx.caseEvent.findUnique({ where: { dedupeKey } });

/**
 * Appends the event and moves the case's status (src/cases/state `recordEvent`), unless an event with
 * the same dedupeKey exists. Returns false when it did nothing (redelivery, or a status outside
 * `onlyFrom`). A transition the lifecycle forbids throws a conflict HubError (not retryable: an incident
 * names the event and the status); a lost race throws StaleCase, re-run by `inTransaction`.
 */
export async function recordEvent(tx: Tx, input: EventInput): Promise<boolean> {
  const recorded = await writeEvent(tx as Prisma.TransactionClient, {
    ...input,
    departmentId: input.departmentId ?? null,
    actor: { name: WORKER_ACTOR },
  });
  return recorded !== null && !recorded.duplicate;
}

/**
 * Runs `fn` in one transaction of the case store, re-run when it lost the race for a case row
 * (src/cases/state `inCaseTransaction`); still stale after its attempts: a retryable error, so the job
 * is retried later.
 */
export const inTransaction = <T>(prisma: PrismaClient, fn: (tx: Tx) => Promise<T>): Promise<T> =>
  inCaseTransaction(prisma, (tx) => fn(tx as Tx));

/**
 * The row a job read before its transaction, for the transaction's first attempt only: a re-run after
 * StaleCase reads afresh (undefined). `const first = firstAttempt(row)` … `recordEvent(tx, { row: first() })`.
 */
export function firstAttempt(row: Case): () => Case | undefined {
  let left: Case | undefined = row;
  return () => {
    const r = left;
    left = undefined;
    return r;
  };
}
