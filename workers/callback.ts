/**
 * 回访 of hotline cases.
 * - hub.callback.request: asks the hotline to call the reporter back — an OutboxMessage to the hotline
 *   adapter (kind `callback`), once per case.
 * - hub.callback.record: the result. When the API recorded a `callback` event (case.callbackDone), the
 *   case row's callbackAt/callbackSatisfied follow it; when the window ran out without one, a `callback`
 *   event without satisfaction (data.timedOut) is recorded. Once per case.
 */
import { validationError } from '../src/errors.ts';
import { defineHandler, loadCase } from './job.ts';
import { inTransaction, recordEvent } from './timeline.ts';

/** Satisfaction values that count as satisfied (满意, 基本满意). */
const SATISFIED = ['satisfied', 'basic'];

export const requestCallback = defineHandler(async (job, deps) => {
  const row = await loadCase(job, deps);
  const dedupeKey = `callback:${row.id}`;
  const { prisma } = deps.db;
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
  if (row.status !== 'closed')
    throw validationError(`case ${row.id} is ${row.status}, not closed: no 回访 to record`);
  const { prisma } = deps.db;
  const answered = await prisma.caseEvent.findFirst({
    where: { caseId: row.id, type: 'callback' },
    orderBy: [{ at: 'desc' }, { id: 'desc' }],
  });
  const now = deps.now?.() ?? new Date();
  await inTransaction(prisma, async (tx) => {
    if (!answered) {
      await recordEvent(tx, {
        caseId: row.id,
        type: 'callback',
        dedupeKey: `callback:${row.id}`,
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
  return {};
});

export const handlers = { 'hub.callback.request': requestCallback, 'hub.callback.record': recordCallback };
