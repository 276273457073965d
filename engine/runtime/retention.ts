/**
 * History retention: the event feed (zb_event) and the history tables only grow, so the scheduler
 * removes the history of process instances that ended more than the retention period ago, a small
 * batch per command (each command holds the single writer). The unit is a root process instance with
 * everything under it — its called instances, their feed events, element instances, incidents,
 * variables, decision instances and Camunda user tasks — so
 * an instance the REST API still lists always has its whole history, and one it no longer lists has
 * none left (Camunda's history clean-up also removes a hierarchy with its root). Running instances are
 * never touched, whatever their age.
 */
import type { Db } from '../store/db.ts';

/** Root instances removed per command: a few thousand feed rows at most, a short hold on the writer. */
export const RETENTION_BATCH = 50;

/** Standalone decision instances removed per command, per root instance of the batch (rows are small). */
const STANDALONE_DECISIONS_PER_ROOT = 20;

/**
 * Deletes the history of up to `batch` root process instances that ended before `cutoff` (epoch ms),
 * with their called instances, and of up to 20 × `batch` standalone decision evaluations made before it.
 * Returns how many root instances went, or `batch` when the decisions filled theirs (== batch: there
 * may be more).
 */
export async function purgeEndedInstances(db: Db, cutoff: number, batch = RETENTION_BATCH): Promise<number> {
  const roots = await db.all(
    `SELECT key FROM zb_q_process_instance WHERE parent_pi_key IS NULL AND end_ts < ? ORDER BY end_ts LIMIT ?`,
    [cutoff, batch],
  );
  // standalone decision evaluations (EvaluateDecision) belong to no instance: they go by their own age
  const decisions = (
    await db.all(
      `SELECT key FROM zb_q_decision_instance WHERE pi_key IS NULL AND evaluated_at < ? ORDER BY evaluated_at LIMIT ?`,
      [cutoff, batch * STANDALONE_DECISIONS_PER_ROOT],
    )
  ).map((r) => Number(r.key));
  for (let i = 0; i < decisions.length; i += 100) {
    const chunk = decisions.slice(i, i + 100);
    await db.run(
      `DELETE FROM zb_q_decision_instance WHERE key IN (${chunk.map(() => '?').join(', ')})`,
      chunk,
    );
  }
  const more = decisions.length === batch * STANDALONE_DECISIONS_PER_ROOT ? batch : 0;
  if (!roots.length) return more;
  const marks = roots.map(() => '?').join(', ');
  const tree = await db.all(
    `WITH RECURSIVE tree(key) AS (
       SELECT key FROM zb_q_process_instance WHERE key IN (${marks})
       UNION ALL
       SELECT c.key FROM zb_q_process_instance c JOIN tree t ON c.parent_pi_key = t.key
       WHERE c.parent_pi_key IS NOT NULL)
     SELECT key FROM tree`,
    roots.map((r) => Number(r.key)),
  );
  const keys = tree.map((r) => Number(r.key));
  // chunks keep the statement's parameter list small on both databases
  for (let i = 0; i < keys.length; i += 100) {
    const chunk = keys.slice(i, i + 100);
    const list = chunk.map(() => '?').join(', ');
    await db.run(`DELETE FROM zb_event WHERE pi_key IN (${list})`, chunk);
    await db.run(`DELETE FROM zb_q_incident WHERE pi_key IN (${list})`, chunk);
    await db.run(`DELETE FROM zb_q_variable WHERE pi_key IN (${list})`, chunk);
    await db.run(`DELETE FROM zb_q_decision_instance WHERE pi_key IN (${list})`, chunk);
    // Camunda user tasks stay listed after they end; they go with their instance
    await db.run(
      `DELETE FROM zb_user_task_candidate WHERE user_task_key IN (SELECT key FROM zb_user_task WHERE pi_key IN (${list}))`,
      chunk,
    );
    await db.run(`DELETE FROM zb_user_task WHERE pi_key IN (${list})`, chunk);
    await db.run(`DELETE FROM zb_q_process_instance WHERE key IN (${list})`, chunk);
  }
  return Math.max(roots.length, more);
}
