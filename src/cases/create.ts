/**
 * Writing a new case: the Case row (status `reported`) and its `reported` timeline event, inside a
 * transaction the caller owns. The case API (routes.ts) and the adapters (adapters/framework, which
 * write their InboxEvent row in the same transaction) both create cases through here, so a case looks
 * the same whichever way it came in.
 */
import type { CaseSource, Prisma, Urgency } from '../db/index.ts';
import { applyEvent } from './lifecycle.ts';

/** What a new case needs; optional fields are stored as null. */
export interface NewCase {
  source: CaseSource;
  sourceRef?: string | null;
  idempotencyKey?: string | null;
  categoryKind: 'event' | 'component';
  categoryCode: string;
  urgency: Urgency;
  description: string;
  address?: string | null;
  lng?: number | null;
  lat?: number | null;
  componentId?: string | null;
  reporterName?: string | null;
  reporterPhone?: string | null;
}

/** Who reported it: a user (API) or a system (an adapter: no user id, a name such as `12319热线`). */
export interface Reporter {
  userId: string | null;
  displayName: string;
}

/** RG + the report's day in Asia/Shanghai + a 4-digit number within the day. */
export async function nextCaseNo(tx: Prisma.TransactionClient, now: Date): Promise<string> {
  const day = new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');
  const prefix = `RG${day}`;
  const last = await tx.case.findFirst({
    where: { caseNo: { startsWith: prefix } },
    orderBy: { caseNo: 'desc' },
    select: { caseNo: true },
  });
  const seq = last ? Number(last.caseNo.slice(prefix.length)) + 1 : 1;
  return `${prefix}${String(seq).padStart(4, '0')}`;
}

/**
 * Inserts the case and its `reported` event in `tx`. Two transactions racing for the same case number
 * make one fail with a unique violation on caseNo: the caller retries its whole transaction.
 */
export async function insertCase(
  tx: Prisma.TransactionClient,
  input: NewCase,
  reporter: Reporter,
  now: Date,
) {
  const row = await tx.case.create({
    data: {
      caseNo: await nextCaseNo(tx, now),
      source: input.source,
      sourceRef: input.sourceRef ?? null,
      idempotencyKey: input.idempotencyKey ?? null,
      categoryKind: input.categoryKind,
      categoryCode: input.categoryCode,
      urgency: input.urgency,
      status: applyEvent(null, 'reported'),
      description: input.description,
      address: input.address ?? null,
      lng: input.lng ?? null,
      lat: input.lat ?? null,
      componentId: input.componentId ?? null,
      reporterName: input.reporterName ?? null,
      reporterPhone: input.reporterPhone ?? null,
      reporterUserId: reporter.userId,
      reportedAt: now,
      createdAt: now,
    },
  });
  await tx.caseEvent.create({
    data: {
      caseId: row.id,
      type: 'reported',
      at: now,
      actorUserId: reporter.userId,
      actorName: reporter.displayName,
      toStatus: row.status,
    },
  });
  return row;
}
