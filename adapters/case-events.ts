/**
 * What the department-side adapters (sanitation, utilities) and video write on a case's timeline when a
 * legacy system reports something: one CaseEvent whose status move is checked by the lifecycle
 * (applyEvent — a report the case's state does not allow is refused with a 409 conflict naming both),
 * in the caller's transaction (the inbox transaction of the event), keyed by `dedupeKey`.
 * Returns the event so the caller can publish the matching case message with its id.
 */
import { applyEvent, type CaseEventType } from '../src/cases/index.ts';
import type { Prisma } from '../src/db/index.ts';
import { notFound } from '../src/errors.ts';

export interface AdapterEventInput {
  caseId: string;
  type: CaseEventType;
  /** shown as who acted, e.g. `智慧环卫平台 (环卫一队)` */
  actorName: string;
  at: Date;
  dedupeKey: string;
  note?: string | null;
  data?: Record<string, unknown>;
  departmentId?: string | null;
  caseUpdate?: Prisma.CaseUncheckedUpdateInput;
}

export async function recordAdapterEvent(tx: Prisma.TransactionClient, input: AdapterEventInput) {
  const earlier = await tx.caseEvent.findUnique({ where: { dedupeKey: input.dedupeKey } });
  if (earlier) return earlier;
  const row = await tx.case.findUnique({
    where: { id: input.caseId },
    select: { status: true, departmentId: true },
  });
  if (!row) throw notFound(`case ${input.caseId}`);
  const toStatus = applyEvent(row.status, input.type);
  const event = await tx.caseEvent.create({
    data: {
      caseId: input.caseId,
      type: input.type,
      at: input.at,
      actorName: input.actorName,
      fromStatus: row.status,
      toStatus,
      departmentId: input.departmentId === undefined ? row.departmentId : input.departmentId,
      note: input.note ?? null,
      data: input.data as Prisma.InputJsonValue | undefined,
      dedupeKey: input.dedupeKey,
    },
  });
  await tx.case.update({
    where: { id: input.caseId },
    data: { ...input.caseUpdate, status: toStatus, version: { increment: 1 } },
  });
  return event;
}
