/**
 * hub.dispatch.assign — makes the case row follow an assignment and tells the unit:
 * - dispatchKind dispatch (派遣, also after a 回退), reassign (改派 by 督办), redispatch (二级派遣 by a
 *   street sub-centre to one of its units), rework (返工 after a failed 核查: the SAME department);
 * - assigneeType department → departmentId; subcenter → the sub-centre holds the case (subCenterId and
 *   departmentId) until it redispatches; a redispatch keeps subCenterId;
 * - counters: dispatchCount + 1 per round, reworkCount = failed 核查 so far, returnCount = approved
 *   回退 so far (counted from the timeline, so they are right whoever wrote the events);
 * - timeline: the API records the person's action (派遣/改派/二级派遣, with the actor) before it
 *   publishes; when that event is missing (an adapter or a test published directly) the worker
 *   records it. 返工's event is the API's `check_failed`.
 * - the unit is told through an OutboxMessage (adapter `department`, kind `assignment`), keyed by the
 *   job so a redelivered job changes nothing twice.
 * Unknown, inactive or wrong-kind units, and a rework to another department, are bad input (incident).
 */
import { updateCase } from '../src/cases/state/index.ts';
import { isUniqueViolation, type Prisma } from '../src/db/index.ts';
import { validationError } from '../src/errors.ts';
import { referenceLookup } from '../src/reference/lookup.ts';
import { defineHandler, loadCase, requireOneOf, requireString } from './job.ts';
import { firstAttempt, inTransaction, recordEvent } from './timeline.ts';

const KINDS = ['dispatch', 'reassign', 'redispatch', 'rework'] as const;
const EVENT_OF = { dispatch: 'dispatched', reassign: 'reassigned', redispatch: 'redispatched' } as const;
/** Events that start a dispatch round. */
const ROUND_EVENTS = ['dispatched', 'reassigned', 'redispatched', 'check_failed'];

export const assign = defineHandler(async (job, deps) => {
  const dispatchKind = requireOneOf(job, 'dispatchKind', KINDS);
  const assigneeType = requireOneOf(job, 'assigneeType', ['department', 'subcenter'] as const);
  const assigneeId = requireString(job, 'assigneeId');
  const row = await loadCase(job, deps);
  const { prisma } = deps.db;
  const unit = await referenceLookup(prisma).department(assigneeId);
  if (!unit || !unit.active) throw validationError(`department ${assigneeId} does not exist or is inactive`);
  if (assigneeType === 'subcenter' && unit.kind !== 'street_center')
    throw validationError(`department ${unit.code} ${unit.name} is not a street/town sub-centre`);
  if (assigneeType === 'department' && unit.kind === 'street_center')
    throw validationError(`department ${unit.code} ${unit.name} is a sub-centre: use assigneeType subcenter`);
  if (dispatchKind === 'rework' && row.departmentId !== null && row.departmentId !== assigneeId)
    throw validationError(`返工 goes to the same department (${row.departmentId}), not ${assigneeId}`);
  if (dispatchKind === 'redispatch' && !row.subCenterId)
    throw validationError(`case ${row.id} was not dispatched through a sub-centre: nothing to redispatch`);
  const dedupeKey = `job:${job.key}`;
  const now = deps.now?.() ?? new Date();

  const first = firstAttempt(row);
  // A redelivered job (or a second delivery at once) is refused by the unique dedupeKey of the unit's
  // message (or of the event), which rolls its whole transaction back: no look-up of the message first
  // (one statement per case less). The version check alone would not do: a redelivery reads the row the
  // first delivery left and its writes would pass.
  await inTransaction(prisma, async (tx) => {
    let known = first();
    const events = await tx.caseEvent.findMany({
      where: { caseId: row.id, type: { in: [...ROUND_EVENTS, 'returned'] } },
      orderBy: [{ at: 'asc' }, { id: 'asc' }],
    });
    const lastRound = events.filter((e) => ROUND_EVENTS.includes(e.type)).at(-1);
    if (dispatchKind !== 'rework') {
      const type = EVENT_OF[dispatchKind];
      const lastReturn = events.filter((e) => e.type === 'returned').at(-1);
      const recordedByApi =
        lastRound?.type === type &&
        lastRound.departmentId === assigneeId &&
        (!lastReturn || lastRound.at >= lastReturn.at);
      if (!recordedByApi) {
        await recordEvent(tx, {
          caseId: row.id,
          type,
          dedupeKey: `${dedupeKey}:event`,
          at: now,
          departmentId: assigneeId,
          data: { assigneeType, assigneeId },
        });
        known = undefined; // the event moved the row's version
      }
    }
    const holder: Prisma.CaseUncheckedUpdateManyInput =
      assigneeType === 'subcenter'
        ? { subCenterId: assigneeId, departmentId: assigneeId }
        : dispatchKind === 'redispatch'
          ? { departmentId: assigneeId }
          : { departmentId: assigneeId, subCenterId: null };
    await updateCase(
      tx as Prisma.TransactionClient,
      row.id,
      {
        ...holder,
        dispatchCount: { increment: 1 },
        // check_failed is a round event: the list above has them all.
        reworkCount: events.filter((e) => e.type === 'check_failed').length,
        returnCount: events.filter((e) => e.type === 'returned').length,
        dispatchedAt: now,
        signedAt: null,
      },
      known?.version,
    );
    await tx.outboxMessage.create({
      data: {
        adapter: 'department',
        caseId: row.id,
        kind: 'assignment',
        dedupeKey,
        payload: {
          caseId: row.id,
          caseNo: row.caseNo,
          dispatchKind,
          assigneeType,
          assigneeId,
          at: now.toISOString(),
        },
      },
    });
  }).catch((err: unknown) => {
    if (!isUniqueViolation(err, ['dedupeKey'])) throw err;
  });
  return {};
});

export const handlers = { 'hub.dispatch.assign': assign };
