/**
 * hub.verify.assign — gives the 核实 (taskKind verify) or 核查 (taskKind check) task to the field
 * supervisor responsible for the case's grid cell, and records it on the timeline (派发核实 / 派发核查)
 * when the case is in the status for it (the API may have recorded it already). A cell without a
 * supervisor is a configuration problem (incident).
 */
import { canApply } from '../src/cases/index.ts';
import { validationError } from '../src/errors.ts';
import { defineHandler, loadCase, optionalString, requireOneOf } from './job.ts';
import { inTransaction, recordEvent } from './timeline.ts';

export const assignSupervisor = defineHandler(async (job, deps) => {
  const taskKind = requireOneOf(job, 'taskKind', ['verify', 'check'] as const);
  const row = await loadCase(job, deps);
  // A supervisor chosen at the desk (派发核实 with supervisorId) takes the 核实 instead of the cell's.
  const chosen =
    taskKind === 'verify' && row.status === 'verifying'
      ? ((
          (
            await deps.db.prisma.caseEvent.findFirst({
              where: { caseId: row.id, type: 'verify_requested' },
              orderBy: [{ at: 'desc' }, { id: 'desc' }],
              select: { data: true },
            })
          )?.data as { supervisorId?: unknown } | null
        )?.supervisorId ?? null)
      : null;
  if (typeof chosen === 'string') return { supervisorId: chosen };
  const gridCode = optionalString(job, 'gridCode') ?? row.gridCode;
  if (!gridCode) throw validationError(`case ${row.id} has no grid cell (variable gridCode)`);
  const cell = await deps.db.prisma.gridCell.findUnique({ where: { code: gridCode } });
  if (!cell) throw validationError(`grid cell ${gridCode} does not exist`);
  if (!cell.supervisorUserId) throw validationError(`grid cell ${gridCode} has no responsible supervisor`);
  const type = taskKind === 'verify' ? 'verify_requested' : 'check_requested';
  if (canApply(row.status, type)) {
    await inTransaction(deps.db.prisma, (tx) =>
      recordEvent(tx, {
        caseId: row.id,
        type,
        dedupeKey: `job:${job.key}`,
        at: deps.now?.() ?? new Date(),
        data: { supervisorId: cell.supervisorUserId },
      }),
    );
  }
  return { supervisorId: cell.supervisorUserId };
});

export const handlers = { 'hub.verify.assign': assignSupervisor };
