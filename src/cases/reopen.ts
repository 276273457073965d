/**
 * 不满意 回访 → the SAME case reopened (domain.md §2: "unsatisfied → 回退 and redo"). Written in the
 * transaction that records the 不满意 `callback` event — by the hotline adapter (adapters/hotline) and by
 * the API's `callback` action — so the procedure's `hub.callback.record` finds it and sends the
 * instance back to 派遣 (processes/README.md step 9).
 */
import type { Prisma } from '../db/index.ts';
import { applyEvent } from './lifecycle.ts';

export interface Reopen {
  caseId: string;
  at: Date;
  actorName: string;
  actorUserId?: string | null;
  note?: string | null;
  data?: Record<string, unknown>;
  dedupeKey?: string | null;
}

/**
 * Records `reopened` (closed → registered; departmentId = the unit whose disposal the caller rejected,
 * which the assessment charges 返工) and puts the case back with the command centre like an approved
 * 回退: no unit, not closed, not signed for.
 */
export async function reopenCase(tx: Prisma.TransactionClient, input: Reopen) {
  const row = await tx.case.findUniqueOrThrow({
    where: { id: input.caseId },
    select: { status: true, departmentId: true },
  });
  const toStatus = applyEvent(row.status, 'reopened');
  const event = await tx.caseEvent.create({
    data: {
      caseId: input.caseId,
      type: 'reopened',
      at: input.at,
      actorUserId: input.actorUserId ?? null,
      actorName: input.actorName,
      fromStatus: row.status,
      toStatus,
      departmentId: row.departmentId,
      note: input.note ?? null,
      data: input.data as Prisma.InputJsonValue | undefined,
      dedupeKey: input.dedupeKey ?? null,
    },
  });
  await tx.case.update({
    where: { id: input.caseId },
    data: {
      status: toStatus,
      closedAt: null,
      departmentId: null,
      subCenterId: null,
      signedAt: null,
      callbackSatisfied: false,
      version: { increment: 1 },
    },
  });
  return event;
}
