/**
 * The 督办 inbox (case-escalation).
 * - hub.escalation.open: the stage's limit passed. Opens the inbox item of this escalation instance at
 *   level 1, or raises it one level (capped at ESCALATION_TOP_LEVEL) when nobody decided in time; the
 *   case row's escalationLevel follows and the timeline gets `escalated` (data.level). Idempotent by job
 *   key: a redelivered job answers what it recorded.
 * - hub.escalation.close: validates the decision the API published (escalation.decided) and marks the
 *   item decided. A decision without what it needs (extend without newDeadline, reassign without a
 *   unit, void without a reason) is bad input (incident).
 */
import { canApply } from '../src/cases/index.ts';
import { updateCase } from '../src/cases/state/index.ts';
import type { Prisma } from '../src/db/index.ts';
import { validationError } from '../src/errors.ts';
import {
  defineHandler,
  loadCase,
  optionalDateTime,
  optionalInt,
  optionalString,
  requireOneOf,
  requireString,
} from './job.ts';
import { findEvent, inTransaction, recordEvent } from './timeline.ts';

export const DECISIONS = ['extend', 'reassign', 'urge', 'urgent', 'void'] as const;

export const openEscalation = defineHandler(async (job, deps) => {
  const stage = requireOneOf(job, 'stage', ['sign', 'dispose'] as const);
  const deadline = optionalDateTime(job, 'deadline');
  if (!deadline) throw validationError('variable deadline must be an ISO 8601 date-time');
  const assigneeType = requireOneOf(job, 'assigneeType', ['department', 'subcenter'] as const);
  const assigneeId = requireString(job, 'assigneeId');
  const previous = optionalInt(job, 'escalationLevel');
  const row = await loadCase(job, deps);
  const { prisma } = deps.db;
  const dedupeKey = `job:${job.key}`;
  const done = await findEvent(prisma, dedupeKey);
  if (done) {
    const data = done.data as { level: number; inboxItemId: string };
    return { escalationLevel: data.level, inboxItemId: data.inboxItemId };
  }
  const level = Math.min((previous ?? 0) + 1, deps.config.ESCALATION_TOP_LEVEL);
  const now = deps.now?.() ?? new Date();
  const item = await inTransaction(prisma, async (tx) => {
    const escalation = await tx.escalation.upsert({
      where: { processKey: job.processInstanceKey },
      create: {
        caseId: row.id,
        stage,
        level,
        deadline,
        assigneeType,
        assigneeId,
        processKey: job.processInstanceKey,
      },
      update: { level, status: 'open' },
    });
    await updateCase(tx as Prisma.TransactionClient, row.id, {
      escalationLevel: Math.max(row.escalationLevel, level),
    });
    if (canApply(row.status, 'escalated')) {
      await recordEvent(tx, {
        caseId: row.id,
        type: 'escalated',
        dedupeKey,
        at: now,
        departmentId: assigneeId,
        note: `${stage === 'sign' ? '签收' : '处置'}超时，督办第${level}级`,
        data: { level, stage, inboxItemId: escalation.id },
      });
    }
    return escalation;
  });
  return { escalationLevel: level, inboxItemId: item.id };
});

export const closeEscalation = defineHandler(async (job, deps) => {
  const decision = requireOneOf(job, 'escalationDecision', DECISIONS);
  const inboxItemId = requireString(job, 'inboxItemId');
  const decidedBy = optionalString(job, 'decidedBy') ?? null;
  const voidReason = optionalString(job, 'voidReason');
  if (decision === 'extend' && !optionalDateTime(job, 'newDeadline'))
    throw validationError('decision extend needs newDeadline (an ISO 8601 date-time)');
  if (decision === 'reassign') {
    const assigneeId = requireString(job, 'assigneeId');
    const unit = await deps.db.prisma.department.findUnique({ where: { id: assigneeId } });
    if (!unit?.active)
      throw validationError(`decision reassign: department ${assigneeId} does not exist or is inactive`);
  }
  if (decision === 'void' && !voidReason) throw validationError('decision void needs a voidReason');
  const { prisma } = deps.db;
  const item = await prisma.escalation.findUnique({ where: { id: inboxItemId } });
  if (!item) throw validationError(`inbox item ${inboxItemId} does not exist`);
  if (item.status === 'open')
    await prisma.escalation.update({
      where: { id: item.id },
      data: { status: 'decided', decision, decidedBy, decidedAt: deps.now?.() ?? new Date() },
    });
  return { escalationDecision: decision, voidReason: decision === 'void' ? voidReason : null };
});

export const handlers = { 'hub.escalation.open': openEscalation, 'hub.escalation.close': closeEscalation };
