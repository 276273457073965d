/**
 * 不满意 回访 → the SAME case reopened (domain.md §2: "unsatisfied → 回退 and redo"). Written in the
 * transaction that records the 不满意 `callback` event (callback.ts), so the procedure's
 * `hub.callback.record` finds it and sends the instance back to 派遣 (processes/README.md step 9).
 */
import type { Prisma } from '../../db/index.ts';
import { recordEvent } from './record.ts';

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
  const recorded = await recordEvent(tx, {
    caseId: input.caseId,
    type: 'reopened',
    at: input.at,
    actor: { userId: input.actorUserId ?? null, name: input.actorName },
    note: input.note ?? null,
    data: input.data,
    dedupeKey: input.dedupeKey ?? null,
    departmentOfHolder: true,
    caseUpdate: {
      closedAt: null,
      departmentId: null,
      subCenterId: null,
      signedAt: null,
      callbackSatisfied: false,
    },
  });
  return recorded!.event;
}
