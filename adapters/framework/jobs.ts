/**
 * The Zeebe job types adapters serve (Adapter.sends.jobs), run by the same worker machinery as the
 * hub's own workers (workers/index.ts), so a handler ends in one explicit job action the same way.
 */
import { createMailer, createWorkers, type Handler, type Workers } from '../../workers/index.ts';
import type { ZeebeClient } from '../../src/zeebe.ts';
import type { Adapter, FrameworkDeps } from './types.ts';

export function createJobWorkers(deps: FrameworkDeps & { zeebe: ZeebeClient; adapters: Adapter[] }): Workers {
  const handlers: Record<string, Handler> = {};
  for (const a of deps.adapters)
    for (const [type, handler] of Object.entries(a.sends.jobs ?? {})) {
      if (handlers[type]) throw new Error(`job type ${type} is served by two adapters`);
      handlers[type] = handler;
    }
  return createWorkers({
    zeebe: deps.zeebe,
    db: deps.db,
    mailer: createMailer(deps.config, deps.logger),
    logger: deps.logger.child({ component: 'adapter-jobs' }),
    config: deps.config,
    now: deps.now,
    handlers,
    workerName: 'chengguan-hub-adapters',
  });
}
