/**
 * Closing rounds of a case: a hotline case the caller was 不满意 with is reopened (`reopened` event,
 * adapters/hotline) and closes again, so "once per case" side effects are once per closing round.
 */
import type { Tx } from './timeline.ts';

/**
 * The dedupe-key suffix of the case's current closing round: '' until a 不满意 回访 reopened it, then
 * `:r<n>` after the n-th `reopened` event. Once-per-round side effects (结案, the 回访 request, a 回访
 * timeout) key on it, so the reopened case closes and is called back again, while a redelivered job of
 * the same round still changes nothing; keys of cases never reopened stay as they were.
 */
export async function roundSuffix(tx: Tx, caseId: string): Promise<string> {
  const n = await tx.caseEvent.count({ where: { caseId, type: 'reopened' } });
  return n ? `:r${n}` : '';
}
