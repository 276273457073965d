/**
 * What the department-side adapters (sanitation, utilities) and video write on a case's timeline when a
 * legacy system reports something: one CaseEvent whose status move is checked by the lifecycle
 * (applyEvent — a report the case's state does not allow is refused with a 409 conflict naming both),
 * in the caller's transaction (the inbox transaction of the event), keyed by `dedupeKey`.
 * Returns the event so the caller can publish the matching case message with its id.
 *
 * An event that ends the wait a 督办 item is about (签收, 处置, …) closes the case's open items in the same
 * transaction, as the case API's actions do (src/cases/actions.ts `supersedeEscalations`): the procedure
 * cancels the escalation instance then, so no worker would close them and they would stay in the inbox.
 */
import { applyEvent, type CaseEventType } from '../src/cases/index.ts';
import type { Prisma } from '../src/db/index.ts';
import { notFound } from '../src/errors.ts';
import { supersedeOpenEscalations } from '../src/escalations/index.ts';

/** Event types after which the case's open 督办 items are superseded (the API's actions of the same). */
const SUPERSEDING: ReadonlySet<CaseEventType> = new Set<CaseEventType>([
  'signed',
  'disposed',
  'redispatched',
  'returned',
  'extension_approved',
  'suspended',
  'voided',
]);

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
  if (SUPERSEDING.has(input.type)) await supersedeOpenEscalations(tx, input.caseId);
  return event;
}
