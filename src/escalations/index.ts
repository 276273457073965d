/** The 督办 inbox: its items and the helper other case actions use to close a case's open items (the REST routes: routes.ts). */
import type { Prisma } from '../db/index.ts';

export type { InboxItem } from './inbox.ts';
export { DECISION_LABELS, levelLabel, levelWhere, mayDecideAt } from './inbox.ts';
export type { Decision } from './inbox.ts';

/**
 * Closes the case's open inbox items (status `superseded`), inside the transaction that records 签收,
 * 处置, an approved 延期/回退/挂账 or a void (processes/README.md: case-disposal cancels the escalation
 * instance then, so no worker closes the item). Returns how many items it closed.
 */
export async function supersedeOpenEscalations(
  tx: Pick<Prisma.TransactionClient, 'escalation'>,
  caseId: string,
): Promise<number> {
  const { count } = await tx.escalation.updateMany({
    where: { caseId, status: 'open' },
    data: { status: 'superseded', claimedBy: null, claimedAt: null },
  });
  return count;
}
