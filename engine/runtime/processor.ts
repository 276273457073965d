/**
 * The single writer, like a Zeebe partition's stream processor: commands run one at a time, each in its
 * own savepoint inside a group-commit transaction (several queued commands share one COMMIT, each still
 * all-or-nothing). Callers get their answer only after the COMMIT; effects (job notifications, results
 * of waiting creations, timer re-scheduling) fire after it too.
 */
import { DEFAULT_ENGINE_LIMITS, EngineError, type EngineLimits, type EngineLogger } from '../api.ts';
import type { Feel } from '../feel/index.ts';
import type { Db } from '../store/db.ts';
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
  resolve: (value: { result: unknown; effects: Effects }) => void;
  reject: (error: unknown) => void;
}

/** Most commands committed together. */
const MAX_BATCH = 64;

export class Processor {
  private readonly queue: Queued[] = [];
  private running = false;
  private closed = false;
  private idle: Promise<void> = Promise.resolve();
  /** Called after each commit with the batch's merged effects. */
  onCommitted: (effects: Effects) => void = () => {};

  private constructor(
    private readonly db: Db,
    private readonly feel: Feel,
    private readonly models: Models,
    private readonly now: () => number,
    private readonly keys: KeyGenerator,
    private readonly log: EngineLogger | undefined,
    private readonly limits: EngineLimits,
  ) {}

  static async create(
    db: Db,
    feel: Feel,
    models: Models,
    now: () => number,
    log?: EngineLogger,
    limits: EngineLimits = DEFAULT_ENGINE_LIMITS,
  ): Promise<Processor> {
    const [row] = await db.all(`SELECT value FROM zb_meta WHERE name = 'next_key'`);
    return new Processor(db, feel, models, now, new KeyGenerator(Number(row?.value ?? 1)), log, limits);
  }

  /** Queues a command; resolves with its result after its transaction committed. */
  submit<T>(command: Command<T>): Promise<{ result: T; effects: Effects }> {
    if (this.closed) return Promise.reject(new EngineError('UNAVAILABLE', 'The engine is shutting down'));
    return new Promise((resolve, reject) => {
      this.queue.push({ command, resolve: resolve as Queued['resolve'], reject });
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
    while (this.queue.length) {
      const batch = this.queue.splice(0, MAX_BATCH);
      await this.runBatch(batch);
    }
    this.running = false;
  }

  private async runBatch(batch: Queued[]) {
    const db = this.db;
    const outcomes: ({ ok: true; result: unknown; effects: Effects } | { ok: false; error: unknown })[] = [];
    try {
      await db.run('BEGIN');
      for (const q of batch) {
        await db.run('SAVEPOINT cmd');
        const run = new Run(new UnitOfWork(db), this.now(), this.feel, this.models, this.keys, this.limits);
        try {
          const bpmn = new Bpmn(run);
          const result = await q.command(run, bpmn);
          await bpmn.drain();
          await run.uow.flush();
          await insertRows(
            db,
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
          await recordHistory(db, run.events, run.now);
          await db.run('RELEASE SAVEPOINT cmd');
          outcomes.push({ ok: true, result, effects: run.effects });
        } catch (error) {
          await db.run('ROLLBACK TO SAVEPOINT cmd');
          await db.run('RELEASE SAVEPOINT cmd');
          if (!(error instanceof EngineError)) this.log?.error({ err: error }, 'engine command failed');
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
      await db.run('COMMIT');
    } catch (error) {
      this.log?.error({ err: error }, 'engine transaction failed');
      await db.run('ROLLBACK').catch(() => {});
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
