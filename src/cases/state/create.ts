/**
 * Writing a new case: the Case row (status `reported`) and its `reported` timeline event, inside a
 * transaction the caller owns. The case API (routes.ts) and the adapters (adapters/framework, which
 * write their InboxEvent row in the same transaction) both create cases through here, so a case looks
 * the same whichever way it came in.
 */
import { cityClock } from '../../city-clock.ts';
import type { CaseSource, Prisma, Urgency } from '../../db/index.ts';
import { applyEvent } from '../lifecycle.ts';
import { indexCase } from '../search.ts';
import { readCase } from './record.ts';
import {
  componentCaseDiscarded,
  componentCaseReported,
  type CaseComponentStatus,
} from '../../components/cases.ts';
import { adSignCaseDiscarded, adSignCaseReported } from '../../adsigns/cases.ts';

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
  /** What the case says of its component (破损 by default): the component takes it until the case ends. */
  componentStatus?: CaseComponentStatus | null;
  /** The 广告店招 archive entry the case is about (an unpermitted sign): its history lists the case. */
  adSignId?: string | null;
  /** The grid cell when the reporter's location already gives it (so duplicates are found at intake). */
  gridCode?: string | null;
  reporterName?: string | null;
  reporterPhone?: string | null;
  reporterEmail?: string | null;
  /**
   * Stored as the `reported` event's data: what the channel knows of the report (the phone's own time
   * of the report, observedAt; the hotline's ticket; the Open311 client …).
   */
  reportData?: Prisma.InputJsonObject | null;
}

/** Who reported it: a user (API) or a system (an adapter: no user id, a name such as `12319热线`). */
export interface Reporter {
  userId: string | null;
  displayName: string;
}

/** How case numbers look: `<prefix>-<year>-<sequence>` with the year in `timeZone` (CALENDAR_TIMEZONE). */
export interface CaseNumbering {
  /** CASE_NUMBER_PREFIX */
  prefix: string;
  /** CALENDAR_TIMEZONE */
  timeZone: string;
}

/**
 * The next case number, e.g. RG-2026-000123: the prefix, the report's year in the city's time zone and
 * the year's sequence (at least 6 digits; a city with more than 999,999 cases a year gets 7). The
 * sequence is the Counter row `caseNo:<prefix>:<year>`, incremented by one atomic upsert in the caller's
 * transaction (INSERT … ON CONFLICT DO UPDATE on both databases), so concurrent reports never share a
 * number and a rolled-back report gives its number back.
 */
export async function nextCaseNo(
  tx: Prisma.TransactionClient,
  now: Date,
  numbering: CaseNumbering,
): Promise<string> {
  const year = cityClock({ CALENDAR_TIMEZONE: numbering.timeZone }).year(now);
  const name = `caseNo:${numbering.prefix}:${year}`;
  const { value } = await tx.counter.upsert({
    where: { name },
    create: { name, value: 1 },
    update: { value: { increment: 1 } },
  });
  return `${numbering.prefix}-${year}-${String(value).padStart(6, '0')}`;
}

/**
 * Inserts the case, its `reported` event and its search index rows (search.ts) in `tx`. Returns the
 * case row; `reportedEventId` is the id of its `reported` event (attachments of the report hang there).
 */
export async function insertCase(
  tx: Prisma.TransactionClient,
  input: NewCase,
  reporter: Reporter,
  now: Date,
  numbering: CaseNumbering,
) {
  const row = await tx.case.create({
    data: {
      caseNo: await nextCaseNo(tx, now, numbering),
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
      gridCode: input.gridCode ?? null,
      reporterName: input.reporterName ?? null,
      reporterPhone: input.reporterPhone ?? null,
      reporterEmail: input.reporterEmail ?? null,
      reporterUserId: reporter.userId,
      reportedAt: now,
      createdAt: now,
    },
  });
  await indexCase(tx, row);
  const event = await tx.caseEvent.create({
    data: {
      caseId: row.id,
      type: 'reported',
      at: now,
      actorUserId: reporter.userId,
      actorName: reporter.displayName,
      toStatus: row.status,
      ...(input.reportData ? { data: input.reportData } : {}),
    },
  });
  if (row.componentId)
    await componentCaseReported(tx, {
      caseId: row.id,
      componentId: row.componentId,
      at: now,
      actor: { userId: reporter.userId, name: reporter.displayName },
      status: input.componentStatus ?? 'damaged',
    });
  if (input.adSignId)
    await adSignCaseReported(tx, {
      caseId: row.id,
      adSignId: input.adSignId,
      at: now,
      actor: { userId: reporter.userId, name: reporter.displayName },
    });
  return Object.assign(row, { reportedEventId: event.id });
}

/**
 * Removes a case whose report was refused before anyone saw it (the engine did not take its start):
 * the row and, by cascade, its `reported` event, search rows and attachments' rows; a StatStale note
 * makes the statistics count its day again.
 */
export async function discardCase(tx: Prisma.TransactionClient, caseId: string): Promise<void> {
  // Its start intent too (cases/start.ts): the outbox row would otherwise outlive it with no case.
  await tx.outboxMessage.deleteMany({ where: { caseId, adapter: 'case-start' } });
  await componentCaseDiscarded(tx, caseId);
  await adSignCaseDiscarded(tx, caseId);
  const { reportedAt } = await tx.case.delete({ where: { id: caseId }, select: { reportedAt: true } });
  // The statistics rollup finds its work in the changed case rows; a deleted row leaves none behind.
  await tx.statStale.create({ data: { reportedAt } });
}

/**
 * Records the case's process instance (the starter, cases/start.ts). False when the case already has
 * another one: the caller's instance is a second start and must be cancelled.
 */
export async function setProcessInstance(
  tx: Prisma.TransactionClient,
  caseId: string,
  processInstanceKey: string,
): Promise<boolean> {
  // One statement in the common case: written only while the case has none (the guard the version check
  // would give here), and the version bumped so a writer that read the row before fails its own check.
  const { count } = await tx.case.updateMany({
    where: { id: caseId, processInstanceKey: null },
    data: { processInstanceKey, version: { increment: 1 } },
  });
  if (count === 1) return true;
  const row = await readCase(tx, caseId);
  return row.processInstanceKey === processInstanceKey;
}
