/**
 * Appending a timeline event and moving the case's status: the one implementation. The status the event
 * leads to comes from the lifecycle table (lifecycle.ts `applyEvent`), never from the caller; the row is
 * written only if its `version` is the one read in this transaction (else StaleCase, re-run by
 * `inCaseTransaction`); the row is written before the event, so every writer takes the case row's lock
 * first and two of them never deadlock.
 */
import type { Case, CaseEvent, CaseStatus, Prisma, PrismaClient } from '../../db/index.ts';
import { notFound } from '../../errors.ts';
import { applyEvent, FINAL_STATUSES, type CaseEventType } from '../lifecycle.ts';
import { componentCaseEnded, componentCaseReopened } from '../../components/cases.ts';
import { inCaseTransaction, StaleCase } from './stale.ts';

/** Who acted: a user (API, inbox) or a system (a worker, an adapter: no user id). */
export interface Actor {
  userId?: string | null;
  /** CaseEvent.actorName, e.g. `执法局处置员`, `系统 (workers)`, `12319热线`. */
  name: string;
}

export interface EventInput {
  caseId: string;
  type: CaseEventType;
  at: Date;
  actor: Actor;
  note?: string | null;
  data?: Record<string, unknown>;
  /** CaseEvent.departmentId: the unit concerned (null when not given, unless `departmentOfHolder`). */
  departmentId?: string | null;
  /** With no `departmentId`: the unit holding the case when the event happens (adapters' default). */
  departmentOfHolder?: boolean;
  /** Further columns of the case row written with the status (e.g. closedAt). */
  caseUpdate?: Prisma.CaseUncheckedUpdateManyInput;
  /** Unique: an event already recorded under it is returned (`duplicate`) and nothing is written. */
  dedupeKey?: string | null;
  /** Record only in one of these statuses; otherwise nothing is written and the answer is null. */
  onlyFrom?: readonly CaseStatus[];
  /** For `resumed`: the status before 挂账 (read from the timeline when not given). */
  suspendedFrom?: CaseStatus | null;
  /**
   * The case row as read in this transaction, or before it (saves a read): its version is the one
   * checked, so a row changed since makes the write fail (StaleCase) and the re-run must read afresh.
   */
  row?: Case;
  /** The caller looked `dedupeKey` up just before and found nothing (a racing twice fails on the key). */
  dedupeChecked?: boolean;
}

export interface Recorded {
  event: CaseEvent;
  /** True when the event was recorded earlier under the same dedupeKey (nothing written now). */
  duplicate: boolean;
  /** The case's version after the write (null for a duplicate). */
  version: number | null;
  /** The case row after the write (absent for a duplicate). */
  row?: Case;
}

/** The case row of `caseId` in `tx`, or a 404 HubError. */
export async function readCase(tx: Prisma.TransactionClient, caseId: string): Promise<Case> {
  try {
    return await tx.case.findUniqueOrThrow({ where: { id: caseId } });
  } catch (err) {
    if ((err as { code?: unknown }).code === 'P2025') throw notFound(`case ${caseId}`);
    throw err;
  }
}

/** The status a suspended case had before 挂账 (the `fromStatus` of its last `suspended` event). */
export async function statusBeforeSuspension(
  tx: Prisma.TransactionClient,
  caseId: string,
): Promise<CaseStatus | null> {
  const last = await tx.caseEvent.findFirst({
    where: { caseId, type: 'suspended' },
    orderBy: [{ at: 'desc' }, { id: 'desc' }],
    select: { fromStatus: true },
  });
  return last?.fromStatus ?? null;
}

/**
 * Writes `data` on the case row if its version is still `version` (bumping it); StaleCase otherwise.
 * Returns the row as written (one UPDATE … RETURNING: the caller needs no read after it).
 */
export async function writeCaseRow(
  tx: Prisma.TransactionClient,
  caseId: string,
  version: number,
  data: Prisma.CaseUncheckedUpdateInput,
): Promise<Case> {
  try {
    return await tx.case.update({
      where: { id: caseId, version },
      data: { ...data, version: { increment: 1 } },
    });
  } catch (err) {
    // P2025: no row with this id and version — another writer moved it (or it is gone: re-read says 404).
    if ((err as { code?: unknown }).code === 'P2025') throw new StaleCase(caseId);
    throw err;
  }
}

/**
 * Columns of a case that are not its status (the grid cell found by locate, the unit a dispatch names,
 * the 督办 level, the process instance key …): written with the version check, in `tx`. `version`: the
 * one the caller read in this transaction; without it the row is read here. Returns the new version.
 */
export async function updateCase(
  tx: Prisma.TransactionClient,
  caseId: string,
  data: Prisma.CaseUncheckedUpdateManyInput,
  version?: number,
): Promise<number> {
  const read = version ?? (await readCase(tx, caseId)).version;
  return (await writeCaseRow(tx, caseId, read, data)).version;
}

/**
 * `updateCase` outside a transaction from a row read before it: one UPDATE when the row has not changed
 * since (its version), else read and written again in a transaction. Returns the new version.
 */
export async function updateCaseFrom(
  prisma: PrismaClient,
  row: Pick<Case, 'id' | 'version'>,
  data: Prisma.CaseUncheckedUpdateManyInput,
): Promise<number> {
  try {
    return (await writeCaseRow(prisma as unknown as Prisma.TransactionClient, row.id, row.version, data))
      .version;
  } catch (err) {
    if (!(err instanceof StaleCase)) throw err;
  }
  return inCaseTransaction(prisma, (tx) => updateCase(tx, row.id, data));
}

/**
 * Appends the event and moves the case's status as the lifecycle says, in `tx`. A transition the
 * lifecycle forbids throws its 409 conflict HubError (naming the event, the status and where it is
 * allowed) and writes nothing. Null when the case is outside `onlyFrom`.
 */
export async function recordEvent(tx: Prisma.TransactionClient, input: EventInput): Promise<Recorded | null> {
  if (input.dedupeKey && !input.dedupeChecked) {
    const earlier = await tx.caseEvent.findUnique({ where: { dedupeKey: input.dedupeKey } });
    if (earlier) return { event: earlier, duplicate: true, version: null };
  }
  const row = input.row ?? (await readCase(tx, input.caseId));
  if (input.onlyFrom && !input.onlyFrom.includes(row.status)) return null;
  const suspendedFrom =
    input.type === 'resumed' && input.suspendedFrom === undefined
      ? await statusBeforeSuspension(tx, row.id)
      : input.suspendedFrom;
  const toStatus: CaseStatus = applyEvent(row.status, input.type, suspendedFrom);
  const written = await writeCaseRow(tx, row.id, row.version, { ...input.caseUpdate, status: toStatus });
  const event = await tx.caseEvent.create({
    data: {
      caseId: row.id,
      type: input.type,
      at: input.at,
      actorUserId: input.actor.userId ?? null,
      actorName: input.actor.name,
      fromStatus: row.status,
      toStatus,
      departmentId:
        input.departmentId !== undefined
          ? input.departmentId
          : input.departmentOfHolder
            ? row.departmentId
            : null,
      note: input.note ?? null,
      data: input.data as Prisma.InputJsonValue | undefined,
      dedupeKey: input.dedupeKey ?? null,
    },
  });
  // A 部件 case's end gives its component back the status before it; a reopened one sets it again.
  if (row.componentId) {
    const link = { caseId: row.id, componentId: row.componentId, at: input.at, actor: input.actor };
    const wasEnded = FINAL_STATUSES.includes(row.status);
    const ended = FINAL_STATUSES.includes(toStatus);
    if (!wasEnded && ended)
      await componentCaseEnded(tx, { ...link, how: toStatus === 'closed' ? 'closed' : 'voided' });
    else if (wasEnded && !ended) await componentCaseReopened(tx, link);
  }
  return { event, duplicate: false, version: written.version, row: written };
}
