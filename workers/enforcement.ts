/**
 * The enforcement procedure's own tasks (processes/README.md, `enforcement`):
 * - hub.enforcement.due: the 责令整改 period ran out — `rectification_due` on the timeline and a mail to
 *   the unit's officers (law_enforcement users of the holding unit with a mail address, else the unit's
 *   contact address) that the re-inspection (复查) is due. Once per job (dedupeKey and SentMail by job key).
 * - hub.enforcement.finish: the round's outcome read from the timeline (src/enforcement/stage.ts) recorded
 *   as the disposal (`disposed`, data.outcome noViolation | corrected | penalty, data.decisionNo); the
 *   calling case-disposal instance then closes the case (hub.case.close). Idempotent by case and round.
 */
import { canApply } from '../src/cases/index.ts';
import { enforcementOutcome, enforcementRound } from '../src/enforcement/stage.ts';
import { validationError } from '../src/errors.ts';
import { defineHandler, loadCase } from './job.ts';
import { sendOnce } from '../src/mail.ts';
import { cityClock } from '../src/city-clock.ts';
import { inTransaction, recordEvent } from './timeline.ts';

const OUTCOME_LABELS = { noViolation: '未发现违法行为', corrected: '已整改到位', penalty: '已作出处罚决定' };

export const rectifyDue = defineHandler(async (job, deps) => {
  const row = await loadCase(job, deps);
  const { prisma } = deps.db;
  if (!canApply(row.status, 'rectification_due')) return {};
  const officers = row.departmentId
    ? await prisma.user.findMany({
        where: {
          active: true,
          email: { not: null },
          departmentId: row.departmentId,
          roles: { some: { role: 'law_enforcement' } },
        },
        orderBy: { username: 'asc' },
      })
    : [];
  const unit = row.departmentId
    ? await prisma.department.findUnique({ where: { id: row.departmentId } })
    : null;
  const to = officers.length ? officers.map((o) => o.email!) : unit?.contactEmail ? [unit.contactEmail] : [];
  const order = await prisma.caseEvent.findFirst({
    where: { caseId: row.id, type: 'deadline_set' },
    orderBy: [{ at: 'desc' }, { id: 'desc' }],
  });
  const dueAt = (order?.data as { step?: string; dueAt?: string } | null)?.dueAt;
  const subject = `【整改期满】${row.caseNo}：请复查`;
  const text = [
    `${unit?.name ?? '执法单位'}：`,
    `案件 ${row.caseNo} 的责令整改期限${dueAt ? `（${cityClock(deps.config).iso(new Date(dueAt))}）` : ''}已到，请到现场复查。`,
    `地址：${row.address ?? '—'}`,
    `问题描述：${row.description}`,
    `办理：${deps.config.HUB_PUBLIC_URL}/app/`,
  ].join('\n');
  if (to.length > 0) await sendOnce(deps, `job:${job.key}`, { to, subject, text }, row.id);
  if (to.length === 0)
    deps.logger.warn({ caseId: row.id }, 'enforcement unit has no mail address: 整改期满 not mailed');
  await inTransaction(prisma, (tx) =>
    recordEvent(tx, {
      caseId: row.id,
      type: 'rectification_due',
      dedupeKey: `job:${job.key}`,
      at: deps.now?.() ?? new Date(),
      departmentId: row.departmentId,
      note: to.length ? `${subject} → ${to.join(', ')}` : `${subject}（无邮箱，未发送）`,
      data: { to, mailed: to.length > 0 },
      onlyFrom: ['signed'],
    }),
  );
  return {};
});

export const finish = defineHandler(async (job, deps) => {
  const row = await loadCase(job, deps);
  const { prisma } = deps.db;
  const events = await prisma.caseEvent.findMany({
    where: { caseId: row.id },
    orderBy: [{ at: 'asc' }, { id: 'asc' }],
  });
  // Redelivered after the disposal was recorded: the round is over, nothing to do.
  if (!enforcementRound(events)) return {};
  const result = enforcementOutcome(events);
  if (!result)
    throw validationError(
      `case ${row.caseNo}: the enforcement procedure finished but the timeline has no outcome yet`,
    );
  const handed = events.filter((e) => e.type === 'enforcement_handed').at(-1)!;
  const now = deps.now?.() ?? new Date();
  await inTransaction(prisma, (tx) =>
    recordEvent(tx, {
      caseId: row.id,
      type: 'disposed',
      dedupeKey: `enforcement-finish:${handed.id}`,
      at: now,
      departmentId: row.departmentId,
      note: result.decisionNo
        ? `执法办结：${OUTCOME_LABELS[result.outcome]}（${result.decisionNo}）`
        : `执法办结：${OUTCOME_LABELS[result.outcome]}`,
      data: { enforcement: true, ...result },
      caseUpdate: { disposedAt: now },
    }),
  );
  return {};
});

export const handlers = { 'hub.enforcement.due': rectifyDue, 'hub.enforcement.finish': finish };
