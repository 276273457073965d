/**
 * hub.case.intake (受理登记) — decides the route of a new case from the case store:
 * - needsVerify: the source's reports need 核实 on site before 立案 (SOURCE_NEEDS_VERIFY);
 * - selfHandled: the supervisor fixed it on the spot (the API recorded `self_handled`);
 * - callbackRequired: hotline cases get a 回访 after 结案, and 市民通 reports (the citizen rates the result);
 * - duplicateOf: an open case with the same grid cell and category reported within
 *   DUPLICATE_WINDOW_MINUTES before this one (scenario 4); this case is then merged into it (timeline
 *   `merged`, status voided) and the procedure ends. Only a case whose cell is already known (the
 *   reporting app or adapter located it) can be matched, because intake runs before locate.
 * Otherwise a `reported` case is recorded as accepted (受理). Idempotent by case id.
 */
import { OPEN_STATUSES, SOURCE_NEEDS_VERIFY } from '../src/cases/index.ts';
import { defineHandler, loadCase, type WorkerDeps } from './job.ts';
import { firstAttempt, recordEvent, inTransaction } from './timeline.ts';

async function findOriginal(
  deps: Pick<WorkerDeps, 'db' | 'config'>,
  row: Awaited<ReturnType<typeof loadCase>>,
) {
  if (!row.gridCode) return null;
  const since = new Date(row.reportedAt.getTime() - deps.config.DUPLICATE_WINDOW_MINUTES * 60_000);
  return deps.db.prisma.case.findFirst({
    where: {
      id: { not: row.id },
      gridCode: row.gridCode,
      categoryKind: row.categoryKind,
      categoryCode: row.categoryCode,
      status: { in: OPEN_STATUSES },
      mergedIntoId: null,
      reportedAt: { gte: since, lte: row.reportedAt },
    },
    orderBy: { reportedAt: 'asc' },
  });
}

export const intake = defineHandler(async (job, deps) => {
  const row = await loadCase(job, deps);
  const now = deps.now?.() ?? new Date();
  // self_handled moves a case out of `reported` for good: a reported case has none (no read).
  const selfHandled =
    row.status !== 'reported' &&
    (await deps.db.prisma.caseEvent.count({ where: { caseId: row.id, type: 'self_handled' } })) > 0;
  const route = {
    needsVerify: SOURCE_NEEDS_VERIFY[row.source],
    selfHandled,
    // Hotline callers are called back; a 市民通 citizen rates the result in the app instead (same 回访 step).
    callbackRequired:
      row.source === 'hotline' ||
      (row.source === 'open311' &&
        (await deps.db.prisma.citizenReport.count({ where: { caseId: row.id } })) > 0),
  };
  if (row.mergedIntoId) return { ...route, duplicateOf: row.mergedIntoId };
  const original =
    selfHandled || (row.status !== 'reported' && row.status !== 'accepted')
      ? null
      : await findOriginal(deps, row);
  const first = firstAttempt(row);
  await inTransaction(deps.db.prisma, async (tx) => {
    const known = first();
    // Both of intake's events move a case out of `reported`, and nothing moves one back: a row read
    // `reported`, at the version its write checks, has no intake event yet (no look-up of the key).
    // A re-run reads afresh and looks it up.
    const dedupeChecked = known?.status === 'reported';
    if (original) {
      await recordEvent(tx, {
        caseId: row.id,
        type: 'merged',
        dedupeKey: `intake:${row.id}`,
        dedupeChecked,
        row: known,
        at: now,
        note: `重复上报，合并到 ${original.caseNo}`,
        data: { mergedInto: original.id },
        caseUpdate: {
          mergedIntoId: original.id,
          voidedAt: now,
          voidReason: `重复上报，合并到 ${original.caseNo}`,
        },
      });
    } else {
      // Only from `reported`: the write checks the version of the row read above, so after a lost race
      // (an acceptor's 受理 at the same moment) the re-run reads the case accepted and leaves it alone.
      await recordEvent(tx, {
        caseId: row.id,
        type: 'accepted',
        dedupeKey: `intake:${row.id}`,
        dedupeChecked,
        row: known,
        at: now,
        caseUpdate: { acceptedAt: now },
        onlyFrom: ['reported'],
      });
    }
  });
  return { ...route, duplicateOf: original?.id ?? null };
});

export const handlers = { 'hub.case.intake': intake };
