/**
 * The adapters the hub runs, and (with SIMULATORS) the simulators of their legacy systems, so a fresh
 * machine shows the whole loop. `createHubAdapters` builds them from the configuration; the hub adds
 * `routes()` to its API and calls `start(url)` once it listens, `stop()` before it closes the engine.
 * A new adapter goes into `adapters` below (and its simulator into `simulators`).
 */
import { randomBytes } from 'node:crypto';
import type { Route } from '../src/api/route.ts';
import type { Authenticate } from '../src/auth/access.ts';
import type { CasePublisher } from '../src/cases/publish.ts';
import type { Config } from '../src/config.ts';
import type { CaseSource, Db } from '../src/db/index.ts';
import type { Logger } from '../src/log.ts';
import type { CaseStarter } from '../src/cases/start.ts';
import type { ZeebeClient } from '../src/zeebe.ts';
import { createAdapterHost, type Adapter, type AdapterHost } from './framework/index.ts';
import { createHotlineAdapter, createHttpHotlineTransport } from './hotline/index.ts';
import { createHotlineSimulator, type HotlineSimulator } from './hotline/simulator/index.ts';
import { createOpen311Adapter, type PublishedField } from './open311/index.ts';
import { createCityAdapters, type CityAdapters } from './city.ts';
import { parseEventInterval, startDemoTraffic, type DemoTraffic } from './demo-traffic.ts';

export interface HubAdaptersDeps {
  config: Config;
  logger: Logger;
  db: Db;
  now: () => Date;
  zeebe?: ZeebeClient;
  publisher?: CasePublisher;
  /** Starts new cases' procedures (src/cases/start.ts; the hub runs its reconciler). */
  caseStarter?: CaseStarter;
  /** Checks API tokens (the Open311 api_key). */
  authenticate: Authenticate;
}

export interface HubAdapters {
  readonly host: AdapterHost;
  /** The 12319 simulator, when SIMULATORS is on. */
  readonly hotlineSimulator: HotlineSimulator | undefined;
  routes(): Route[];
  /** Starts the simulators (pointed at `hubUrl`) and then the adapters. */
  start(hubUrl: string): Promise<void>;
  stop(): Promise<void>;
}

export function createHubAdapters(deps: HubAdaptersDeps): HubAdapters {
  const { config, logger } = deps;
  const demo = config.SIMULATORS;
  // Unset secrets: shared with the simulator in demo mode; otherwise a random key nobody knows, so the
  // webhook refuses every request until the operator configures one.
  const webhookSecret = config.HOTLINE_WEBHOOK_SECRET ?? randomBytes(24).toString('base64url');
  const apiKey = config.HOTLINE_API_KEY ?? randomBytes(24).toString('base64url');
  // No hotline address and no simulator: nothing to poll or deliver to (polling a default address
  // would fail every round and fill the logs with warnings).
  const hotlineOffline =
    config.HOTLINE_URL || demo ? undefined : 'HOTLINE_URL is not set: the 12319 hotline is not polled';
  if (!config.HOTLINE_WEBHOOK_SECRET && !demo && !hotlineOffline)
    logger.warn(
      'HOTLINE_WEBHOOK_SECRET is not set: the 12319 webhooks refuse every request (polling still works)',
    );
  const hotlineSimulator = demo
    ? createHotlineSimulator({
        webhookSecret,
        apiKey,
        port: config.HOTLINE_SIMULATOR_PORT,
        logger,
        autoCallbackMs: 30_000,
      })
    : undefined;
  const base = { db: deps.db, logger, config, now: deps.now };
  let hotlineUrl = config.HOTLINE_URL;
  const adapters: Adapter[] = [
    createHotlineAdapter({
      ...base,
      // In demo mode the simulator's address is known once it listens (HOTLINE_SIMULATOR_PORT may be 0).
      transport: createHttpHotlineTransport({
        baseUrl: () => {
          if (!hotlineUrl) throw new Error('HOTLINE_URL is not set: nothing to deliver to');
          return hotlineUrl;
        },
        apiKey,
      }),
      webhookSecret,
      offline: hotlineOffline,
      pollIntervalMs: config.HOTLINE_POLL_INTERVAL_MS,
      feedIntervalMs: config.ADAPTER_OUTBOX_INTERVAL_MS,
    }),
    createOpen311Adapter({
      ...base,
      authenticate: deps.authenticate,
      jurisdictionId: config.OPEN311_JURISDICTION_ID,
      publication: {
        sources: config.OPEN311_PUBLISH_SOURCES.split(',')
          .map((s) => s.trim())
          .filter(Boolean) as CaseSource[],
        coordinateDecimals: config.OPEN311_COORDINATE_DECIMALS,
        fields: config.OPEN311_FIELDS.split(',')
          .map((s) => s.trim())
          .filter(Boolean) as PublishedField[],
      },
      publicUrl: config.HUB_PUBLIC_URL,
    }),
  ];
  // Sanitation, police video, utilities and the department router (adapters/city.ts).
  const city: CityAdapters = createCityAdapters(base);
  adapters.push(...city.adapters);
  const host = createAdapterHost(
    { ...base, zeebe: deps.zeebe, publisher: deps.publisher, caseStarter: deps.caseStarter },
    adapters,
  );
  // New tickets, alarms and crews' progress from the simulators (demo-traffic.ts), once all listen.
  const interval = demo ? parseEventInterval(config.SIMULATOR_EVENT_SECONDS) : null;
  let traffic: DemoTraffic | undefined;
  return {
    host,
    hotlineSimulator,
    routes: () => [...host.routes(), ...city.routes()],
    async start(hubUrl) {
      if (hotlineSimulator) {
        hotlineSimulator.hubUrl = hubUrl;
        hotlineUrl = await hotlineSimulator.start();
      }
      await city.startSimulators(hubUrl);
      await host.start();
      if (interval)
        traffic = startDemoTraffic({
          interval,
          sources: () => ({ hotline: hotlineSimulator, ...city.simulators() }),
          logger,
          debounceSeconds: config.SANITATION_DEBOUNCE_SECONDS,
        });
    },
    async stop() {
      traffic?.stop();
      await host.stop();
      await hotlineSimulator?.stop();
      await city.stopSimulators();
    },
  };
}
