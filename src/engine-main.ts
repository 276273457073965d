/**
 * `npm run engine`: the embedded engine alone — Zeebe gateway on ZEEBE_ADDRESS, management port on
 * ENGINE_MANAGEMENT_PORT, state in ENGINE_DATABASE_URL. Stops gracefully on SIGINT/SIGTERM.
 */
import { loadConfig } from './config.ts';
import { createCommandLogger } from './log.ts';
import { checkPrivatePaths, dataPaths } from './private-files.ts';
import { standaloneOptionsFromConfig, startStandaloneEngine } from '../engine/standalone.ts';

const config = loadConfig();
const logger = await createCommandLogger(config.LOG_LEVEL, config.LOG_FORMAT);

try {
  checkPrivatePaths(dataPaths(config, { hub: false, engine: true }), config.HUB_DATA_PERMISSIONS, logger);
  const node = await startStandaloneEngine(standaloneOptionsFromConfig(config, logger));
  logger.info(
    {
      gateway: node.gatewayAddress,
      management: node.management.url,
      database: config.engineDatabaseProvider,
    },
    'engine ready',
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'engine stopping');
    node.close().then(
      () => {
        logger.info('engine stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'engine did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
} catch (err) {
  logger.fatal({ err }, 'engine failed to start');
  process.exitCode = 1;
}
