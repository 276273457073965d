/**
 * A 部件 case and its component: reporting the case sets the component's status (破损, 丢失, 占用 — what
 * the report says), its end (结案, or 作废: the report was wrong) gives back the status it had before.
 * Called by the case-state writer (src/cases/state) in the transaction that writes the case, so the case
 * and its component never disagree, whichever path (API, worker, adapter) moved the case.
 *
 * Several open cases on one component: the status comes back only when the last of them ends, and then
 * to the status before the first (each report carries that `restoreTo` forward). A component an
 * administrator or a survey meanwhile marked 废弃 or 拆除 keeps that.
 */
import type { ComponentStatus, Prisma } from '../db/index.ts';

/** The statuses a case about a component may report. */
export const CASE_COMPONENT_STATUSES = ['damaged', 'missing', 'occupied'] as const;
export type CaseComponentStatus = (typeof CASE_COMPONENT_STATUSES)[number];

/** Statuses that are the component's own end, which no case's end undoes. */
const KEPT: readonly ComponentStatus[] = ['scrapped', 'removed'];

/** Case statuses of an ended case (lifecycle.ts FINAL_STATUSES; not imported: cases imports this module). */
const ENDED = ['closed', 'voided'] as const;

export interface CaseLink {
  caseId: string;
  componentId: string;
  at: Date;
  actor: { userId?: string | null; name: string };
}

async function openCaseEvent(tx: Prisma.TransactionClient, link: CaseLink) {
  const others = await tx.case.findMany({
    where: { componentId: link.componentId, id: { not: link.caseId }, status: { notIn: [...ENDED] } },
    select: { id: true },
  });
  if (!others.length) return { others: 0, restoreTo: null as ComponentStatus | null };
  const earlier = await tx.componentEvent.findFirst({
    where: { componentId: link.componentId, type: 'case_reported', caseId: { in: others.map((o) => o.id) } },
    orderBy: [{ at: 'asc' }, { id: 'asc' }],
  });
  return { others: others.length, restoreTo: restoreToOf(earlier?.changes) };
}

const restoreToOf = (changes: unknown): ComponentStatus | null =>
  (changes as { restoreTo?: ComponentStatus } | null)?.restoreTo ?? null;

/** The case about `componentId` was reported (or reopened): the component takes `status`. */
export async function componentCaseReported(
  tx: Prisma.TransactionClient,
  link: CaseLink & { status: CaseComponentStatus },
): Promise<void> {
  const component = await tx.component.findUnique({ where: { id: link.componentId } });
  if (!component) return;
  const { restoreTo } = await openCaseEvent(tx, link);
  await tx.component.update({ where: { id: component.id }, data: { status: link.status } });
  await tx.componentEvent.create({
    data: {
      componentId: component.id,
      type: 'case_reported',
      at: link.at,
      actorUserId: link.actor.userId ?? null,
      actorName: link.actor.name,
      fromStatus: component.status,
      toStatus: link.status,
      caseId: link.caseId,
      changes: { restoreTo: restoreTo ?? component.status },
    },
  });
}

/** The case about `componentId` ended (结案 or 作废): the status before it comes back (see above). */
export async function componentCaseEnded(
  tx: Prisma.TransactionClient,
  link: CaseLink & { how: 'closed' | 'voided' },
): Promise<void> {
  const component = await tx.component.findUnique({ where: { id: link.componentId } });
  if (!component) return;
  const reported = await tx.componentEvent.findFirst({
    where: { componentId: component.id, caseId: link.caseId, type: 'case_reported' },
    orderBy: [{ at: 'desc' }, { id: 'desc' }],
  });
  const { others } = await openCaseEvent(tx, link);
  const restoreTo = restoreToOf(reported?.changes) ?? 'normal';
  const restore = !others && !KEPT.includes(component.status) && component.status !== restoreTo;
  if (restore) await tx.component.update({ where: { id: component.id }, data: { status: restoreTo } });
  const ended = link.how === 'closed' ? '案件结案' : '案件作废';
  await tx.componentEvent.create({
    data: {
      componentId: component.id,
      type: 'case_ended',
      at: link.at,
      actorUserId: link.actor.userId ?? null,
      actorName: link.actor.name,
      fromStatus: component.status,
      toStatus: restore ? restoreTo : component.status,
      caseId: link.caseId,
      note: others
        ? `${ended}；另有 ${others} 件案件未结，状态不变`
        : KEPT.includes(component.status)
          ? `${ended}；部件已${component.status === 'removed' ? '拆除' : '废弃'}，状态不变`
          : ended,
    },
  });
}

/** A reopened case (不满意 回访): its component takes again the status the case reported. */
export async function componentCaseReopened(tx: Prisma.TransactionClient, link: CaseLink): Promise<void> {
  const reported = await tx.componentEvent.findFirst({
    where: { componentId: link.componentId, caseId: link.caseId, type: 'case_reported' },
    orderBy: [{ at: 'desc' }, { id: 'desc' }],
  });
  const status = reported?.toStatus;
  if (status && (CASE_COMPONENT_STATUSES as readonly string[]).includes(status))
    await componentCaseReported(tx, { ...link, status: status as CaseComponentStatus });
}

/**
 * A report undone before anyone saw it (the engine refused its start): its component gets back the
 * status it had and the report leaves no trace in the history.
 */
export async function componentCaseDiscarded(tx: Prisma.TransactionClient, caseId: string): Promise<void> {
  const events = await tx.componentEvent.findMany({ where: { caseId, type: 'case_reported' } });
  for (const e of events) {
    if (e.fromStatus && e.toStatus)
      await tx.component.updateMany({
        where: { id: e.componentId, status: e.toStatus },
        data: { status: e.fromStatus },
      });
  }
  await tx.componentEvent.deleteMany({ where: { caseId } });
}
