/**
 * Timeline writes of the workers: one CaseEvent per side effect, keyed by `dedupeKey` (unique), so a
 * redelivered job finds its event and changes nothing twice. The status moves as the lifecycle says
 * (src/cases/lifecycle.ts), in the same transaction as the event.
 */
import { applyEvent, type CaseEventType } from '../src/cases/index.ts';
import type { CaseStatus, PrismaClient, Prisma } from '../src/db/index.ts';
import { HubError } from '../src/errors.ts';

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
  caseUpdate?: Prisma.CaseUpdateInput;
  /**
   * Record only when the case is in one of these statuses (read in the transaction with the version);
   * otherwise nothing is written and recordEvent returns false. Saves the caller a read of its own.
   */
  onlyFrom?: readonly CaseStatus[];
}

/** The event already written under `dedupeKey`, if any. */
export const findEvent = (tx: Tx, dedupeKey: string) => tx.caseEvent.findUnique({ where: { dedupeKey } });

/**
 * A case row changed between this transaction's read and its write (another worker or an API action
 * won the race); `inTransaction` re-runs the transaction against the new state.
 */
export class StaleCase extends HubError {
  constructor(caseId: string) {
    // Retryable: a job whose transaction ran outside `inTransaction` is retried by the engine instead.
    super('conflict', `case ${caseId} changed while the transaction ran`, { status: 409, retryable: true });
    this.name = 'StaleCase';
  }
}

/**
 * Appends the event and moves the case's status, unless an event with the same dedupeKey exists.
 * Returns false when it did nothing (redelivery, or a status outside `onlyFrom`). A transition the
 * lifecycle forbids throws a conflict HubError (not retryable: an incident names the event and the
 * status).
 *
 * The row is written only if its `version` is still the one read, as the case API's actions do: on
 * PostgreSQL two transactions can read the same status at once (READ COMMITTED), and without the check
 * both would pass — two events from one status, and the later commit's status overwriting the
 * earlier's. The loser throws StaleCase and is re-run by `inTransaction`.
 */
export async function recordEvent(tx: Tx, input: EventInput): Promise<boolean> {
  if (await findEvent(tx, input.dedupeKey)) return false;
  const row = await tx.case.findUniqueOrThrow({
    where: { id: input.caseId },
    select: { status: true, version: true },
  });
  if (input.onlyFrom && !input.onlyFrom.includes(row.status)) return false;
  const toStatus: CaseStatus = applyEvent(row.status, input.type);
  try {
    await tx.case.update({
      where: { id: input.caseId, version: row.version },
      data: { ...input.caseUpdate, status: toStatus, version: { increment: 1 } },
    });
  } catch (err) {
    // P2025: no row with that id and version (the row itself is never deleted under a running job).
    if ((err as { code?: unknown }).code === 'P2025') throw new StaleCase(input.caseId);
    throw err;
  }
  await tx.caseEvent.create({
    data: {
      caseId: input.caseId,
      type: input.type,
      at: input.at,
      actorName: WORKER_ACTOR,
      fromStatus: row.status,
      toStatus,
      departmentId: input.departmentId ?? null,
      note: input.note ?? null,
      data: (input.data ?? undefined) as Prisma.InputJsonValue | undefined,
      dedupeKey: input.dedupeKey,
    },
  });
  return true;
}

/** Attempts of a transaction that keeps losing the race for its case row. */
const STALE_ATTEMPTS = 5;

/**
 * Runs `fn` in one transaction of the case store; a transaction that lost the race for a case row
 * (StaleCase) is re-run from the start, so `fn` reads the new state (a redelivery check then finds the
 * winner's event, a lifecycle check the new status). Still stale after STALE_ATTEMPTS: a retryable
 * error, so the job is retried later.
 */
export async function inTransaction<T>(prisma: PrismaClient, fn: (tx: Tx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await prisma.$transaction((tx) => fn(tx as Tx));
    } catch (err) {
      if (!(err instanceof StaleCase)) throw err;
      if (attempt >= STALE_ATTEMPTS)
        throw new HubError('conflict', `${err.message} ${STALE_ATTEMPTS} times`, {
          status: 409,
          retryable: true,
          cause: err,
        });
    }
  }
}
