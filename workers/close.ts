/**
 * hub.case.close (结案) and hub.case.void (作废): the final timeline event and status. Idempotent by
 * case id: a case already closed (or voided) is left as it is. Closing a case that is not disposed or
 * checking is a conflict the lifecycle names (incident).
 */
import { defineHandler, loadCase, requireString } from './job.ts';
import { roundSuffix } from './rounds.ts';
import { inTransaction, recordEvent } from './timeline.ts';

export const close = defineHandler(async (job, deps) => {
  const row = await loadCase(job, deps);
  if (row.status === 'closed') return {};
  const now = deps.now?.() ?? new Date();
  await inTransaction(deps.db.prisma, async (tx) =>
    recordEvent(tx, {
      caseId: row.id,
      type: 'closed',
      // a case reopened by a 不满意 回访 closes again in its next round
      dedupeKey: `close:${row.id}${await roundSuffix(tx, row.id)}`,
      at: now,
      departmentId: row.departmentId,
      caseUpdate: { closedAt: now },
    }),
  );
  return {};
});

export const voidCase = defineHandler(async (job, deps) => {
  const voidReason = requireString(job, 'voidReason');
  const row = await loadCase(job, deps);
  if (row.status === 'voided') return {};
  const now = deps.now?.() ?? new Date();
  await inTransaction(deps.db.prisma, (tx) =>
    recordEvent(tx, {
      caseId: row.id,
      type: 'voided',
      dedupeKey: `void:${row.id}`,
      at: now,
      note: voidReason,
      caseUpdate: { voidedAt: now, voidReason },
    }),
  );
  return {};
});

export const handlers = { 'hub.case.close': close, 'hub.case.void': voidCase };
