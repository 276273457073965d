/**
 * Starting a new case's procedure: the sender of outbox rows `case-start`, which the inbox writes in the
 * transaction that creates the case. `CreateProcessInstance { case-disposal, { caseId, source } }`
 * (processes/README.md), then the instance key on the case row. Zeebe has no idempotent create, so a
 * case that already has its instance key is not started again (a retry after a lost answer).
 */
import { inCaseTransaction, updateCase } from '../../src/cases/state/index.ts';
import type { Db, PrismaClient } from '../../src/db/index.ts';
import type { ZeebeClient } from '../../src/zeebe.ts';
import { PermanentDeliveryError, type Sender } from './types.ts';

export const CASE_START_OUTBOX = 'case-start';

export function caseStarter(
  db: Pick<Db, 'prisma'>,
  zeebe: Pick<ZeebeClient, 'createProcessInstance'>,
): Sender {
  return async (message) => {
    const { caseId } = message.payload as { caseId: string };
    const row = await db.prisma.case.findUnique({
      where: { id: caseId },
      select: { processInstanceKey: true, source: true },
    });
    if (!row) throw new PermanentDeliveryError(`case ${caseId} no longer exists`);
    if (row.processInstanceKey) return;
    const started = await zeebe.createProcessInstance({
      bpmnProcessId: 'case-disposal',
      variables: { caseId, source: row.source },
    });
    const processInstanceKey = String(started.processInstanceKey);
    await inCaseTransaction(db.prisma as PrismaClient, (tx) =>
      updateCase(tx, caseId, { processInstanceKey }),
    );
  };
}
