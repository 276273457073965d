/**
 * The embedded engine: `createEngine` opens (and migrates) its own database and returns the EngineApi
 * the gateway serves. See api.ts for the contract.
 */
import { DEFAULT_ENGINE_LIMITS, type Engine, type EngineOptions } from './api.ts';
import { createFeel } from './feel/index.ts';
import { createClock } from './runtime/clock.ts';
import { Models } from './runtime/models.ts';
import { Processor } from './runtime/processor.ts';
import { createService } from './runtime/service.ts';
import { openDb } from './store/db.ts';
import { migrate } from './store/schema.ts';
import { migrateHistory } from './store/history.ts';
import { migrateUserTasks } from './store/user-tasks.ts';

export type * from './api.ts';
export { EngineError, DEFAULT_ENGINE_LIMITS } from './api.ts';

/** Opens the engine's database, applies its migrations, and builds the engine (call `start()` to run timers). */
export async function createEngine(options: EngineOptions): Promise<Engine> {
  const db = await openDb(options.databaseUrl, options.logger);
  try {
    await migrate(db);
    await migrateUserTasks(db);
    await migrateHistory(db);
    let onClockChange = () => {};
    const clock = createClock(options.clockControl ?? false, () => onClockChange());
    const feel = createFeel({ now: () => new Date(clock.now()), limits: options.feelLimits });
    const models = new Models(feel);
    const limits = { ...DEFAULT_ENGINE_LIMITS, ...options.limits };
    const processor = await Processor.create(db, feel, models, () => clock.now(), options.logger, limits);
    return createService({
      db,
      processor,
      models,
      feel,
      clock,
      log: options.logger,
      historyRetentionDays: options.historyRetentionDays,
      setClockListener: (fn) => (onClockChange = fn),
    });
  } catch (error) {
    await db.close();
    throw error;
  }
}
