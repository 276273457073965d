/**
 * 回访 (hotline callback), in one place: the result a caller gave (the API's `callback` action, the
 * hotline adapter's callback feed), the reopen a 不满意 causes, and the procedure's end of the 回访 window
 * (`hub.callback.record`). A case has one 回访 per closing round: a case reopened n times has n answered
 * rounds behind it.
 */
import type { Case, CaseEvent, Prisma } from '../../db/index.ts';
import { validationError } from '../../errors.ts';
import { readCase, recordEvent, updateCase, type Actor } from './record.ts';
import { reopenCase } from './reopen.ts';

export const SATISFACTIONS = ['satisfied', 'basic', 'unsatisfied', 'unreachable'] as const;
export type Satisfaction = (typeof SATISFACTIONS)[number];

/** Satisfaction values that count as satisfied (满意, 基本满意); unreachable is neither. */
const satisfiedOf = (s: unknown): boolean | null =>
  typeof s === 'string' && s !== 'unreachable' ? s === 'satisfied' || s === 'basic' : null;

/** How many times the case was closed, reopened and called back. */
async function rounds(tx: Prisma.TransactionClient, caseId: string) {
  const count = (type: string) => tx.caseEvent.count({ where: { caseId, type } });
  const [closings, reopenings, callbacks] = await Promise.all([
    count('closed'),
    count('reopened'),
    count('callback'),
  ]);
  return { closings, reopenings, callbacks };
}

export interface CallbackInput {
  /** The case row as read in this transaction. */
  row: Case;
  satisfaction: Satisfaction;
  at: Date;
  actor: Actor;
  note?: string | null;
  /** More of the event's data (`satisfaction` is added). */
  data?: Record<string, unknown>;
  dedupeKey?: string | null;
  /** For a 不满意 answer: when the reopen is recorded, and its data/dedupeKey. */
  reopen: { at: Date; data?: (round: number) => Record<string, unknown>; dedupeKey?: string | null };
}

export type CallbackOutcome =
  { status: 'recorded'; event: CaseEvent; reopened: CaseEvent | null } | { status: 'already-recorded' };

/**
 * Records the caller's 回访 answer on a closed case (`callback`, the row's callbackAt/callbackSatisfied)
 * and, for 不满意, reopens it (reopen.ts). `already-recorded` when this closing round has its 回访.
 */
export async function recordCallback(
  tx: Prisma.TransactionClient,
  input: CallbackInput,
): Promise<CallbackOutcome> {
  const { row, satisfaction } = input;
  const { reopenings, callbacks } = await rounds(tx, row.id);
  if (callbacks > reopenings) return { status: 'already-recorded' };
  const recorded = await recordEvent(tx, {
    caseId: row.id,
    row,
    type: 'callback',
    at: input.at,
    actor: input.actor,
    note: input.note ?? null,
    data: { ...input.data, satisfaction },
    dedupeKey: input.dedupeKey ?? null,
    caseUpdate: { callbackAt: input.at, callbackSatisfied: satisfiedOf(satisfaction) },
  });
  const reopened =
    satisfaction === 'unsatisfied'
      ? await reopenCase(tx, {
          caseId: row.id,
          at: input.reopen.at,
          actorName: input.actor.name,
          actorUserId: input.actor.userId ?? null,
          note: input.note ?? null,
          data: input.reopen.data?.(reopenings + 1),
          dedupeKey: input.reopen.dedupeKey ?? null,
        })
      : null;
  return { status: 'recorded', event: recorded!.event, reopened };
}

/** The actor of what the procedure records itself. */
export interface SettleInput {
  caseId: string;
  at: Date;
  actor: Actor;
}

/**
 * The end of a closing round's 回访 window (`hub.callback.record`): `reopened` when a 不满意 answer
 * reopened the case (a `reopened` event after the last 结案); otherwise the row's callbackAt and
 * callbackSatisfied follow the recorded answer, or — no answer came — a `callback` event without
 * satisfaction (data.timedOut) is recorded, once per round (dedupeKey `callback:<case>[:r<n>]`).
 */
export async function settleCallback(
  tx: Prisma.TransactionClient,
  input: SettleInput,
): Promise<{ reopened: boolean }> {
  const { closings, reopenings, callbacks } = await rounds(tx, input.caseId);
  if (closings > 0 && reopenings >= closings) return { reopened: true };
  const row = await readCase(tx, input.caseId);
  if (row.status !== 'closed')
    throw validationError(`case ${row.id} is ${row.status}, not closed: no 回访 to record`);
  if (callbacks > reopenings) {
    const answered = await tx.caseEvent.findFirst({
      where: { caseId: row.id, type: 'callback' },
      orderBy: [{ at: 'desc' }, { id: 'desc' }],
    });
    const satisfaction = (answered!.data as { satisfaction?: unknown } | null)?.satisfaction;
    await updateCase(
      tx,
      row.id,
      { callbackAt: answered!.at, callbackSatisfied: satisfiedOf(satisfaction) },
      row.version,
    );
    return { reopened: false };
  }
  await recordEvent(tx, {
    caseId: row.id,
    row,
    type: 'callback',
    at: input.at,
    actor: input.actor,
    note: '回访期限已过，无回访结果',
    data: { satisfaction: null, timedOut: true },
    dedupeKey: `callback:${row.id}${reopenings ? `:r${reopenings}` : ''}`,
    caseUpdate: { callbackAt: input.at, callbackSatisfied: null },
  });
  return { reopened: false };
}
