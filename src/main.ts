/**
 * `npm start`: load `.env` if present, parse the configuration (a bad value prints the message naming the
 * variable and exits 1), start the hub, stop it gracefully on SIGINT/SIGTERM.
 */
import { config as loadDotenv } from 'dotenv';
import { ConfigError, loadConfig, type Config } from './config.ts';

loadDotenv({ quiet: true });

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(err.message + '\n');
  process.exit(1);
}

// The hub (engine, Prisma, gRPC, adapters) takes seconds to load: only once the configuration is valid,
// so a wrong setting is reported at once.
const [{ createHub }, { createCommandLogger }] = await Promise.all([import('./hub.ts'), import('./log.ts')]);
const logger = await createCommandLogger(config.LOG_LEVEL, config.LOG_FORMAT);
const hub = createHub({ config, logger });

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping');
  hub.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      logger.error({ err }, 'stop failed');
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));

try {
  await hub.start();
} catch (err) {
  logger.fatal({ err }, 'start-up failed');
  await hub.stop().catch(() => undefined);
  process.exit(1);
}
