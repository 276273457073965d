/**
 * 回访 of hotline cases.
 * - hub.callback.request: asks the hotline to call the reporter back — an OutboxMessage to the hotline
 *   adapter (kind `callback`), once per closing round of the case.
 * - hub.callback.record: the result. When the API recorded a `callback` event (case.callbackDone), the
 *   case row's callbackAt/callbackSatisfied follow it; when the window ran out without one, a `callback`
 *   event without satisfaction (data.timedOut) is recorded. Once per closing round. Completes with
 *   `reopened`: true when the hotline's 不满意 reopened the case (a `reopened` event after the last
 *   结案, adapters/hotline), which sends the same instance back to 派遣 (processes/README.md step 9).
 *   It is read from the case store, not from `satisfaction`: after a timed-out second 回访 that process
 *   variable still holds the first round's answer.
 */
import { validationError } from '../src/errors.ts';
import { defineHandler, loadCase } from './job.ts';
import { roundSuffix } from './rounds.ts';
import { inTransaction, recordEvent } from './timeline.ts';

/** Satisfaction values that count as satisfied (满意, 基本满意). */
const SATISFIED = ['satisfied', 'basic'];

export const requestCallback = defineHandler(async (job, deps) => {
  const row = await loadCase(job, deps);
  const { prisma } = deps.db;
  const dedupeKey = `callback:${row.id}${await roundSuffix(prisma, row.id)}`;
  if (await prisma.outboxMessage.findUnique({ where: { dedupeKey } })) return {};
  await prisma.outboxMessage.create({
    data: {
      adapter: 'hotline',
      caseId: row.id,
      kind: 'callback',
      dedupeKey,
      payload: {
        caseId: row.id,
        caseNo: row.caseNo,
        sourceRef: row.sourceRef,
        closedAt: row.closedAt?.toISOString() ?? null,
      },
    },
  });
  return {};
});

export const recordCallback = defineHandler(async (job, deps) => {
  const row = await loadCase(job, deps);
  const { prisma } = deps.db;
  const count = (type: string) => prisma.caseEvent.count({ where: { caseId: row.id, type } });
  const [closings, reopenings, callbacks] = await Promise.all([
    count('closed'),
    count('reopened'),
    count('callback'),
  ]);
  // Each closing round has one 结案, at most one 回访 and at most one reopen after it.
  if (closings > 0 && reopenings >= closings) return { reopened: true };
  if (row.status !== 'closed')
    throw validationError(`case ${row.id} is ${row.status}, not closed: no 回访 to record`);
  const answered =
    callbacks > reopenings
      ? await prisma.caseEvent.findFirst({
          where: { caseId: row.id, type: 'callback' },
          orderBy: [{ at: 'desc' }, { id: 'desc' }],
        })
      : null;
  const now = deps.now?.() ?? new Date();
  await inTransaction(prisma, async (tx) => {
    if (!answered) {
      await recordEvent(tx, {
        caseId: row.id,
        type: 'callback',
        dedupeKey: `callback:${row.id}${await roundSuffix(tx, row.id)}`,
        at: now,
        note: '回访期限已过，无回访结果',
        data: { satisfaction: null, timedOut: true },
        caseUpdate: { callbackAt: now, callbackSatisfied: null },
      });
      return;
    }
    const satisfaction = (answered.data as { satisfaction?: unknown } | null)?.satisfaction;
    await tx.case.update({
      where: { id: row.id },
      data: {
        callbackAt: answered.at,
        // unreachable: nobody answered, so neither satisfied nor not.
        callbackSatisfied:
          typeof satisfaction === 'string' && satisfaction !== 'unreachable'
            ? SATISFIED.includes(satisfaction)
            : null,
      },
    });
  });
  return { reopened: false };
});

export const handlers = { 'hub.callback.request': requestCallback, 'hub.callback.record': recordCallback };
