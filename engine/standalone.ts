/**
 * The embedded engine as a server: engine + Zeebe gateway + management port + REST API (v2 subset),
 * started and stopped together. `npm run engine` runs it alone; the hub starts it in-process when ENGINE_MODE=embedded; the
 * test helper starts it on free ports.
 */
import type { Config } from '../src/config.ts';
import type { Logger } from '../src/log.ts';
import type { Engine, EngineLimits } from './api.ts';
import type { FeelLimits } from './feel/index.ts';
import { splitAddress, startGateway, type Gateway } from './gateway/index.ts';
import { assertBindAllowed } from './auth.ts';
import { createEngine } from './index.ts';
import { startManagementServer, type ManagementServer } from './management/index.ts';
import { createRestHandler, startRestServer, type RestServer } from './rest/index.ts';

export interface StandaloneEngineOptions {
  /** file:<path> (SQLite) or postgres://… (PostgreSQL). */
  databaseUrl: string;
  /** gRPC host:port; port 0 picks a free port. */
  address: string;
  /** Management HTTP port on the gateway's host; 0 picks a free port. */
  managementPort: number;
  /**
   * REST API (Camunda's v2 subset) on a port of its own on the gateway's host (0 picks a free one);
   * undefined serves it on the management port.
   */
  restPort?: number;
  clockControl: boolean;
  /** Days the history of ended instances is kept (ENGINE_HISTORY_RETENTION_DAYS); undefined keeps it. */
  historyRetentionDays?: number;
  /** Budget of every FEEL evaluation (ENGINE_FEEL_MAX_*); unset fields keep the engine's defaults. */
  feelLimits?: Partial<FeelLimits>;
  /** Limits that keep one procedure from exhausting the engine; unset fields keep the engine's defaults. */
  limits?: Partial<EngineLimits>;
  tls?: { certFile: string; keyFile: string };
  maxMessageBytes: number;
  /** Bearer token every gateway call, REST request and clock change must carry (ENGINE_AUTH_TOKEN). */
  authToken?: string;
  logger: Logger;
}

export interface StandaloneEngine {
  readonly engine: Engine;
  readonly gateway: Gateway;
  readonly management: ManagementServer;
  /** The REST API's own server, when restPort was given. */
  readonly rest: RestServer | undefined;
  /** Base URL of the REST API (without /v2): its own server or the management port. */
  readonly restUrl: string;
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
    restPort: config.ENGINE_REST_PORT,
    clockControl: config.ENGINE_CLOCK_CONTROL,
    historyRetentionDays: config.ENGINE_HISTORY_RETENTION_DAYS,
    feelLimits: {
      maxSteps: config.ENGINE_FEEL_MAX_STEPS,
      maxListSize: config.ENGINE_FEEL_MAX_LIST_SIZE,
      maxStringLength: config.ENGINE_FEEL_MAX_STRING_LENGTH,
      maxTimeMs: config.ENGINE_FEEL_MAX_TIME_MS,
    },
    limits: {
      timerMinCycleMs: config.ENGINE_TIMER_MIN_CYCLE_SECONDS * 1000,
      timerMaxCycleLagMs: config.ENGINE_TIMER_MAX_CYCLE_LAG_SECONDS * 1000,
      crashQuarantineAfter: config.ENGINE_CRASH_QUARANTINE_AFTER,
      maxMultiInstance: config.ENGINE_MAX_MULTI_INSTANCE,
      maxCallDepth: config.ENGINE_MAX_CALL_DEPTH,
      maxActivationsPerCommand: config.ENGINE_MAX_ACTIVATIONS_PER_COMMAND,
    },
    tls:
      config.ENGINE_TLS_CERT && config.ENGINE_TLS_KEY
        ? { certFile: config.ENGINE_TLS_CERT, keyFile: config.ENGINE_TLS_KEY }
        : undefined,
    maxMessageBytes: config.ENGINE_MAX_MESSAGE_BYTES,
    authToken: config.ENGINE_AUTH_TOKEN,
    logger,
  };
}

/** Starts engine, gateway, management port and REST API; resolves when all are ready. */
export async function startStandaloneEngine(options: StandaloneEngineOptions): Promise<StandaloneEngine> {
  const logger = options.logger.child({ component: 'engine' });
  // before the database is opened: a refused start leaves nothing behind
  assertBindAllowed(splitAddress(options.address).host, options.authToken);
  let ready = false;
  const engine = await createEngine({
    databaseUrl: options.databaseUrl,
    logger,
    clockControl: options.clockControl,
    historyRetentionDays: options.historyRetentionDays,
    feelLimits: options.feelLimits,
    limits: options.limits,
  });
  let gateway: Gateway | undefined;
  let management: ManagementServer | undefined;
  let rest: RestServer | undefined;
  try {
    await engine.start();
    gateway = await startGateway({
      engine,
      address: options.address,
      tls: options.tls,
      maxMessageBytes: options.maxMessageBytes,
      authToken: options.authToken,
      logger,
    });
    management = await startManagementServer({
      host: splitAddress(options.address).host,
      port: options.managementPort,
      clock: engine.clock,
      clockControl: options.clockControl,
      isReady: () => ready,
      logger,
      rest: options.restPort === undefined ? createRestHandler(engine, logger, options.authToken) : undefined,
      authToken: options.authToken,
    });
    if (options.restPort !== undefined)
      rest = await startRestServer({
        host: splitAddress(options.address).host,
        port: options.restPort,
        engine,
        logger,
        authToken: options.authToken,
      });
  } catch (err) {
    await gateway?.close(0);
    await management?.close();
    await engine.close();
    throw err;
  }
  ready = true;
  const started = { gateway, management, rest };
  const host = gateway.host.includes(':') ? `[${gateway.host}]` : gateway.host;
  return {
    engine,
    ...started,
    gatewayAddress: `${host}:${gateway.port}`,
    restUrl: rest?.url ?? management.url,
    async close() {
      ready = false;
      await started.gateway.close();
      await started.rest?.close();
      await engine.close();
      await started.management.close();
    },
  };
}
