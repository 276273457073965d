/**
 * 回访 of hotline cases and of 市民通 reports (rated by the citizen in the app, no call).
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
import { settleCallback } from '../src/cases/state/index.ts';
import type { Prisma } from '../src/db/index.ts';
import { defineHandler, loadCase } from './job.ts';
import { roundSuffix } from './rounds.ts';
import { inTransaction, WORKER_ACTOR } from './timeline.ts';

export const requestCallback = defineHandler(async (job, deps) => {
  const row = await loadCase(job, deps);
  // A 市民通 report is rated by the citizen in the app (adapters/open311/citizen.ts): nobody calls back.
  if (row.source !== 'hotline') return {};
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
  const now = deps.now?.() ?? new Date();
  return inTransaction(deps.db.prisma, (tx) =>
    settleCallback(tx as Prisma.TransactionClient, {
      caseId: row.id,
      at: now,
      actor: { name: WORKER_ACTOR },
    }),
  );
});

export const handlers = { 'hub.callback.request': requestCallback, 'hub.callback.record': recordCallback };
