/**
 * The single writer, like a Zeebe partition's stream processor: commands run one at a time, each in its
 * own savepoint inside a group-commit transaction (several queued commands share one COMMIT, each still
 * all-or-nothing). Callers get their answer only after the COMMIT; effects (job notifications, results
 * of waiting creations, timer re-scheduling) fire after it too.
 */
import { DEFAULT_ENGINE_LIMITS, EngineError, type EngineLimits, type EngineLogger } from '../api.ts';
import type { Feel } from '../feel/index.ts';
import { isDatabaseAway, type Db } from '../store/db.ts';
import { Writes } from '../store/writes.ts';
import { Bpmn } from './bpmn.ts';
import { recordHistory } from './history.ts';
import type { Models } from './models.ts';
import { KeyGenerator, Run, type Effects } from './run.ts';
import { insertRows, UnitOfWork } from './state.ts';

const EVENT_COLUMNS = [
  'intent',
  'key',
  'pi_key',
  'bpmn_process_id',
  'element_id',
  'element_type',
  'ts',
  'payload',
];

export type Command<T> = (run: Run, bpmn: Bpmn) => Promise<T>;

interface Queued {
  command: Command<unknown>;
  /** Names the command for the crash guard (`timer:<key>`); unlabelled commands are not tracked. */
  label?: string;
  resolve: (value: { result: unknown; effects: Effects }) => void;
  reject: (error: unknown) => void;
}

/** Most commands committed together. */
const MAX_BATCH = 64;

export class Processor {
  private readonly queue: Queued[] = [];
  /** Commands queued by submitFirst: they go into the next batch ahead of `queue`. */
  private readonly first: Queued[] = [];
  private running = false;
  private closed = false;
  private idle: Promise<void> = Promise.resolve();
  /** Called after each commit with the batch's merged effects. */
  onCommitted: (effects: Effects) => void = () => {};
  /**
   * Crash guard: labels of commands the process died applying, with how many times (zb_crash). A suspect
   * runs in a batch of its own (so a second crash names it alone); at crashQuarantineAfter crashes it is
   * quarantined: its first element activation raises an incident instead of running.
   */
  private readonly suspects: Map<string, number>;

  private constructor(
    private readonly db: Db,
    private readonly feel: Feel,
    private readonly models: Models,
    private readonly now: () => number,
    private readonly keys: KeyGenerator,
    private readonly log: EngineLogger | undefined,
    private readonly limits: EngineLimits,
    suspects: Map<string, number>,
  ) {
    this.suspects = suspects;
  }

  static async create(
    db: Db,
    feel: Feel,
    models: Models,
    now: () => number,
    log?: EngineLogger,
    limits: EngineLimits = DEFAULT_ENGINE_LIMITS,
  ): Promise<Processor> {
    const [row] = await db.all(`SELECT value FROM zb_meta WHERE name = 'next_key'`);
    const suspects = await countCrashes(db, now(), log);
    return new Processor(
      db,
      feel,
      models,
      now,
      new KeyGenerator(Number(row?.value ?? 1)),
      log,
      limits,
      suspects,
    );
  }

  /**
   * Queues a command; resolves with its result after its transaction committed. `label` (e.g.
   * `timer:<key>`) enrols it in the crash guard: commands the engine runs again by itself at start
   * (due timers) are labelled, so that one that kills the process cannot do it for ever.
   */
  submit<T>(command: Command<T>, label?: string): Promise<{ result: T; effects: Effects }> {
    return this.enqueue(this.queue, command, label);
  }

  /**
   * Queues a command ahead of those submit queued: it runs in the next batch. For handing jobs that
   * exist to the job streams: behind a backlog (hundreds of due timers queued at once, each creating a
   * job) the push would otherwise wait for the whole backlog, and the jobs with it.
   */
  submitFirst<T>(command: Command<T>): Promise<{ result: T; effects: Effects }> {
    return this.enqueue(this.first, command);
  }

  private enqueue<T>(
    queue: Queued[],
    command: Command<T>,
    label?: string,
  ): Promise<{ result: T; effects: Effects }> {
    if (this.closed) return Promise.reject(new EngineError('UNAVAILABLE', 'The engine is shutting down'));
    return new Promise((resolve, reject) => {
      queue.push({ command, label, resolve: resolve as Queued['resolve'], reject });
      if (!this.running) {
        this.running = true;
        // let concurrent callers queue up so they share one commit
        this.idle = new Promise((done) => setImmediate(() => void this.pump().finally(done)));
      }
    });
  }

  async close() {
    this.closed = true;
    await this.idle;
  }

  private async pump() {
    while (this.first.length || this.queue.length) {
      await this.runBatch(this.nextBatch());
    }
    this.running = false;
  }

  /**
   * Up to MAX_BATCH queued commands, those of submitFirst first; a suspect of the crash guard goes
   * alone (submitFirst's commands are unlabelled, never suspects).
   */
  private nextBatch(): Queued[] {
    const batch = this.first.splice(0, MAX_BATCH);
    const room = MAX_BATCH - batch.length;
    const isSuspect = (q: Queued) => q.label !== undefined && this.suspects.has(q.label);
    if (this.suspects.size === 0) return batch.concat(this.queue.splice(0, room));
    if (!batch.length && this.queue.length && isSuspect(this.queue[0]!)) return this.queue.splice(0, 1);
    let n = 0;
    while (n < this.queue.length && n < room && !isSuspect(this.queue[n]!)) n++;
    return batch.concat(this.queue.splice(0, n));
  }

  private async runBatch(batch: Queued[]) {
    const db = this.db;
    const outcomes: ({ ok: true; result: unknown; effects: Effects } | { ok: false; error: unknown })[] = [];
    const labels = batch.flatMap((q) => (q.label === undefined ? [] : [q.label]));
    try {
      // Committed before the batch's own transaction, so it survives the process dying in it.
      if (labels.length)
        await db.run(
          `INSERT INTO zb_inflight (label) VALUES ${labels.map(() => '(?)').join(', ')} ON CONFLICT (label) DO NOTHING`,
          labels,
        );
      await db.run('BEGIN');
      for (const q of batch) {
        await db.run('SAVEPOINT cmd');
        const run = new Run(new UnitOfWork(db), this.now(), this.feel, this.models, this.keys, this.limits);
        const crashes = q.label === undefined ? undefined : this.suspects.get(q.label);
        if (crashes !== undefined && crashes >= this.limits.crashQuarantineAfter) {
          run.quarantine = `The engine stopped ${crashes} times while applying this command (${describe(q.label!)}); it is held here instead of being applied again (ENGINE_CRASH_QUARANTINE_AFTER=${this.limits.crashQuarantineAfter}). Fix the cause (the procedure, the data, the engine's limits), then resolve this incident to go on.`;
          this.log?.error({ command: q.label, crashes }, 'engine command quarantined after repeated crashes');
        }
        try {
          const bpmn = new Bpmn(run);
          const result = await q.command(run, bpmn);
          await bpmn.drain();
          // the instance rows, the feed and the history: one round trip on PostgreSQL (store/writes.ts)
          const writes = new Writes(db);
          await run.uow.flush(writes);
          await insertRows(
            writes,
            'zb_event',
            EVENT_COLUMNS,
            run.events.map((e) => [
              e.intent,
              e.key,
              e.piKey,
              e.bpmnProcessId,
              e.elementId,
              e.elementType,
              run.now,
              JSON.stringify(e.payload),
            ]),
          );
          await recordHistory(writes, run);
          await writes.send();
          // On PostgreSQL no RELEASE, one round trip less per command: the savepoint is only needed to
          // undo this command, and COMMIT releases them all (a ROLLBACK TO names the newest 'cmd'). SQLite
          // releases it: savepoints left open there made each command measurably dearer.
          if (db.dialect === 'sqlite') await db.run('RELEASE SAVEPOINT cmd');
          outcomes.push({ ok: true, result, effects: run.effects });
        } catch (error) {
          await db.run('ROLLBACK TO SAVEPOINT cmd');
          await db.run('RELEASE SAVEPOINT cmd');
          // (a database away: the store logged it once at warn; the command fails UNAVAILABLE below)
          if (isDatabaseAway(error)) this.log?.debug({ err: error }, 'engine command failed');
          else if (!(error instanceof EngineError)) this.log?.error({ err: error }, 'engine command failed');
          outcomes.push({
            ok: false,
            error:
              error instanceof EngineError
                ? error
                : new EngineError(
                    'INTERNAL',
                    `Unexpected error while processing the command: ${(error as Error).message}`,
                    { cause: error },
                  ),
          });
        }
      }
      await db.run(`UPDATE zb_meta SET value = ? WHERE name = 'next_key'`, [this.keys.counter]);
      if (labels.length) {
        const list = labels.map(() => '?').join(', ');
        await db.run(`DELETE FROM zb_inflight WHERE label IN (${list})`, labels);
        const cleared = labels.filter((l) => this.suspects.has(l));
        if (cleared.length)
          await db.run(`DELETE FROM zb_crash WHERE label IN (${cleared.map(() => '?').join(', ')})`, cleared);
      }
      await db.run('COMMIT');
      for (const l of labels) this.suspects.delete(l);
    } catch (error) {
      if (isDatabaseAway(error)) this.log?.debug({ err: error }, 'engine transaction failed');
      else this.log?.error({ err: error }, 'engine transaction failed');
      await db.run('ROLLBACK').catch(() => {});
      // Not a crash: the process is alive, so these were not in flight when it died.
      if (labels.length)
        await db
          .run(`DELETE FROM zb_inflight WHERE label IN (${labels.map(() => '?').join(', ')})`, labels)
          .catch(() => {});
      this.models.invalidate();
      const e = new EngineError(
        'UNAVAILABLE',
        `The command could not be committed: ${(error as Error).message}`,
        { cause: error },
      );
      for (const q of batch) q.reject(e);
      return;
    }
    const merged: Effects = {
      jobTypes: new Set(),
      completed: new Map(),
      terminated: new Set(),
      dueAt: Infinity,
    };
    for (const o of outcomes)
      if (o.ok) {
        for (const t of o.effects.jobTypes) merged.jobTypes.add(t);
        for (const [k, v] of o.effects.completed) merged.completed.set(k, v);
        for (const k of o.effects.terminated) merged.terminated.add(k);
        merged.dueAt = Math.min(merged.dueAt, o.effects.dueAt);
      }
    batch.forEach((q, i) => {
      const o = outcomes[i]!;
      if (o.ok) q.resolve({ result: o.result, effects: merged });
      else q.reject(o.error);
    });
    try {
      this.onCommitted(merged);
    } catch (error) {
      this.log?.error({ err: error }, 'after-commit handler failed');
    }
  }
}

/** `timer:123` → "timer 123 due". */
function describe(label: string): string {
  const [kind, key] = label.split(':');
  return kind === 'timer' ? `timer ${key} due` : label;
}

/**
 * At start: what was in flight when the process last died is counted in zb_crash (one more crash each),
 * and the counts are returned. The commands of that batch are all counted; the guard then runs each
 * suspect alone, so only the one that really kills the process reaches the quarantine.
 */
async function countCrashes(db: Db, now: number, log?: EngineLogger): Promise<Map<string, number>> {
  const inflight = await db.all(`SELECT label FROM zb_inflight`);
  if (inflight.length) {
    await db.run('BEGIN');
    try {
      for (const r of inflight)
        await db.run(
          `INSERT INTO zb_crash (label, crashes, last_at) VALUES (?, 1, ?)
             ON CONFLICT (label) DO UPDATE SET crashes = zb_crash.crashes + 1, last_at = excluded.last_at`,
          [String(r.label), now],
        );
      await db.run(`DELETE FROM zb_inflight`);
      await db.run('COMMIT');
    } catch (error) {
      await db.run('ROLLBACK').catch(() => {});
      throw error;
    }
  }
  const rows = await db.all(`SELECT label, crashes FROM zb_crash`);
  const suspects = new Map(rows.map((r) => [String(r.label), Number(r.crashes)]));
  if (suspects.size)
    log?.warn(
      { commands: Object.fromEntries(suspects) },
      'the engine stopped while applying these commands; they run one at a time now',
    );
  return suspects;
}
