/**
 * Timeline writes of the workers: one CaseEvent per side effect, keyed by `dedupeKey` (unique), so a
 * redelivered job finds its event and changes nothing twice. The status moves as the lifecycle says
 * (src/cases/lifecycle.ts), in the same transaction as the event.
 */
import { applyEvent, type CaseEventType } from '../src/cases/index.ts';
import type { CaseStatus, PrismaClient, Prisma } from '../src/db/index.ts';

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
}

/** The event already written under `dedupeKey`, if any. */
export const findEvent = (tx: Tx, dedupeKey: string) => tx.caseEvent.findUnique({ where: { dedupeKey } });

/**
 * Appends the event and moves the case's status, unless an event with the same dedupeKey exists.
 * Returns false when it did nothing (redelivery). A transition the lifecycle forbids throws a conflict
 * HubError (not retryable: an incident names the event and the status).
 */
export async function recordEvent(tx: Tx, input: EventInput): Promise<boolean> {
  if (await findEvent(tx, input.dedupeKey)) return false;
  const row = await tx.case.findUniqueOrThrow({ where: { id: input.caseId }, select: { status: true } });
  const toStatus: CaseStatus = applyEvent(row.status, input.type);
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
  await tx.case.update({
    where: { id: input.caseId },
    data: { ...input.caseUpdate, status: toStatus, version: { increment: 1 } },
  });
  return true;
}

/** Runs `fn` in one transaction of the case store. */
export function inTransaction<T>(prisma: PrismaClient, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return prisma.$transaction((tx) => fn(tx as Tx));
}
