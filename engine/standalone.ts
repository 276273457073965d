/**
 * The embedded engine as a server: engine + Zeebe gateway + management port, started and stopped
 * together. `npm run engine` runs it alone; the hub starts it in-process when ENGINE_MODE=embedded; the
 * test helper starts it on free ports.
 */
import type { Config } from '../src/config.ts';
import type { Logger } from '../src/log.ts';
import type { Engine } from './api.ts';
import { splitAddress, startGateway, type Gateway } from './gateway/index.ts';
import { createEngine } from './index.ts';
import { startManagementServer, type ManagementServer } from './management/index.ts';

export interface StandaloneEngineOptions {
  /** file:<path> (SQLite) or postgres://… (PostgreSQL). */
  databaseUrl: string;
  /** gRPC host:port; port 0 picks a free port. */
  address: string;
  /** Management HTTP port on the gateway's host; 0 picks a free port. */
  managementPort: number;
  clockControl: boolean;
  tls?: { certFile: string; keyFile: string };
  maxMessageBytes: number;
  logger: Logger;
}

export interface StandaloneEngine {
  readonly engine: Engine;
  readonly gateway: Gateway;
  readonly management: ManagementServer;
  /** host:port clients connect to (the bound port). */
  readonly gatewayAddress: string;
  /** Stops taking requests, ends long polls and streams, stops the engine, closes the database. */
  close(): Promise<void>;
}

/** The standalone options from the hub configuration. */
export function standaloneOptionsFromConfig(config: Config, logger: Logger): StandaloneEngineOptions {
  return {
    databaseUrl: config.ENGINE_DATABASE_URL,
    address: config.ZEEBE_ADDRESS,
    managementPort: config.ENGINE_MANAGEMENT_PORT,
    clockControl: config.ENGINE_CLOCK_CONTROL,
    tls:
      config.ENGINE_TLS_CERT && config.ENGINE_TLS_KEY
        ? { certFile: config.ENGINE_TLS_CERT, keyFile: config.ENGINE_TLS_KEY }
        : undefined,
    maxMessageBytes: config.ENGINE_MAX_MESSAGE_BYTES,
    logger,
  };
}

/** Starts engine, gateway and management port; resolves when all three are ready. */
export async function startStandaloneEngine(options: StandaloneEngineOptions): Promise<StandaloneEngine> {
  const logger = options.logger.child({ component: 'engine' });
  let ready = false;
  const engine = await createEngine({
    databaseUrl: options.databaseUrl,
    logger,
    clockControl: options.clockControl,
  });
  let gateway: Gateway | undefined;
  let management: ManagementServer | undefined;
  try {
    await engine.start();
    gateway = await startGateway({
      engine,
      address: options.address,
      tls: options.tls,
      maxMessageBytes: options.maxMessageBytes,
      logger,
    });
    management = await startManagementServer({
      host: splitAddress(options.address).host,
      port: options.managementPort,
      clock: engine.clock,
      clockControl: options.clockControl,
      isReady: () => ready,
      logger,
    });
  } catch (err) {
    await gateway?.close(0);
    await engine.close();
    throw err;
  }
  ready = true;
  const started = { gateway, management };
  const host = gateway.host.includes(':') ? `[${gateway.host}]` : gateway.host;
  return {
    engine,
    ...started,
    gatewayAddress: `${host}:${gateway.port}`,
    async close() {
      ready = false;
      await started.gateway.close();
      await engine.close();
      await started.management.close();
    },
  };
}
