/**
 * What the department-side adapters (sanitation, utilities) and video write on a case's timeline when a
 * legacy system reports something: one CaseEvent through the case-state writer (src/cases/state), whose
 * status move is checked by the lifecycle (a report the case's state does not allow is refused with a
 * 409 conflict naming both) and by the row's version, in the caller's transaction (the inbox transaction
 * of the event), keyed by `dedupeKey`. Returns the event so the caller can publish the matching case
 * message with its id.
 *
 * An event that ends the wait a 督办 item is about (签收, 处置, …) closes the case's open items in the same
 * transaction, as the case API's actions do (src/cases/actions `supersedeEscalations`): the procedure
 * cancels the escalation instance then, so no worker would close them and they would stay in the inbox.
 */
import type { CaseEventType } from '../src/cases/index.ts';
import { recordEvent } from '../src/cases/state/index.ts';
import type { Prisma } from '../src/db/index.ts';
import { supersedeOpenEscalations } from '../src/escalations/index.ts';

/** Event types after which the case's open 督办 items are superseded (the API's actions of the same). */
const SUPERSEDING: ReadonlySet<CaseEventType> = new Set<CaseEventType>([
  'signed',
  'disposed',
  'redispatched',
  'returned',
  'extension_approved',
  'suspended',
  'voided',
]);

export interface AdapterEventInput {
  caseId: string;
  type: CaseEventType;
  /** shown as who acted, e.g. `智慧环卫平台 (环卫一队)` */
  actorName: string;
  at: Date;
  dedupeKey: string;
  note?: string | null;
  data?: Record<string, unknown>;
  /** The unit concerned; by default the unit holding the case. */
  departmentId?: string | null;
  caseUpdate?: Prisma.CaseUncheckedUpdateManyInput;
}

export async function recordAdapterEvent(tx: Prisma.TransactionClient, input: AdapterEventInput) {
  const { actorName, ...rest } = input;
  const recorded = await recordEvent(tx, { ...rest, actor: { name: actorName }, departmentOfHolder: true });
  if (!recorded!.duplicate && SUPERSEDING.has(input.type)) await supersedeOpenEscalations(tx, input.caseId);
  return recorded!.event;
}
