/**
 * The hub process: opens and migrates the case store, seeds the Rugao demo data into an empty database,
 * starts the embedded engine (unless an external one is configured), deploys the procedures that changed,
 * and serves the API. `stop()` drains in-flight requests before closing the engine and the database.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createApi, type Api, type ReadinessCheck } from './app/api.ts';
import { createAuth, loadAuthSecret, type Auth } from './auth/index.ts';
import type { Config } from './config.ts';
import { createCasePublisher, type CasePublisher } from './cases/publish.ts';
import { createDb, type Db } from './db/index.ts';
import { seedDemo } from './app/seed.ts';
import { createAssessmentSchedule, type AssessmentSchedule } from './assessment/schedule.ts';
import { loadWorkCalendar } from './calendar/index.ts';
import { createLeases } from './db/lease.ts';
import { createRollup } from './statistics/rollup.ts';
import { createStatisticsJob, type StatisticsJob } from './statistics/job.ts';
import type { Logger } from './log.ts';
import { deployProcesses } from './procedures/deploy.ts';
import { checkPrivatePaths, dataPaths, makePrivateDir } from './private-files.ts';
import { createHubAdapters, type HubAdapters } from '../adapters/index.ts';
import { closeZeebeClient, createZeebeClient, type ZeebeClient } from './zeebe.ts';
import { createCaseStarter, type CaseStarter } from './cases/start.ts';
import { createEngineQuery, type EngineQuery } from './incidents/index.ts';
import { serveAdminUi } from './ui/static.ts';
import { createMailer, createWorkers } from '../workers/index.ts';
import {
  startStandaloneEngine,
  standaloneOptionsFromConfig,
  type StandaloneEngine,
} from '../engine/standalone.ts';
import { startEngineThread } from '../engine/thread.ts';

export interface HubDeps {
  config: Config;
  logger: Logger;
  /** Readiness checks beyond the database (the engine adds its own). */
  readinessChecks?: ReadinessCheck[];
}

export interface Hub {
  /** Opens the database, migrates, seeds when asked and empty, starts the HTTP server. */
  start(): Promise<{ url: string }>;
  /** Stops accepting requests, waits for in-flight ones (then cuts them), closes the database. */
  stop(): Promise<void>;
  /** Available after start(). */
  readonly url: string;
  readonly db: Db;
  readonly auth: Auth;
  readonly api: Api;
  /** The client every part of the hub reaches the engine through. */
  readonly zeebe: ZeebeClient;
  /** Publishes the case messages through the outbox (src/cases/publish.ts); its relay runs with the hub. */
  readonly casePublisher: CasePublisher;
  /** The embedded engine, when ENGINE_MODE=embedded. */
  readonly engine: StandaloneEngine | undefined;
  /** The adapters (adapters/index.ts) and, with SIMULATORS, their simulators. */
  readonly adapters: HubAdapters;
  /** The job keeping the statistics rows (统计分析) up to date. */
  readonly statistics: StatisticsJob;
}

// In-flight requests get this long to finish on stop() before their connections are cut.
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * The reader of engine state: the embedded engine's REST API, or CAMUNDA_REST_ADDRESS of a cluster
 * (undefined when an external engine has none configured: those routes then answer 503).
 */
function engineQueryFor(engine: StandaloneEngine | undefined, config: Config): EngineQuery | undefined {
  const url = engine?.restUrl ?? config.CAMUNDA_REST_ADDRESS;
  return url ? createEngineQuery(config, url) : undefined;
}

/** Creates the hub; nothing runs until start(). */
export function createHub({ config, logger, readinessChecks = [] }: HubDeps): Hub {
  const log = logger.child({ component: 'hub' });
  let db: Db | undefined;
  let auth: Auth | undefined;
  let api: Api | undefined;
  let server: Server | undefined;
  let engine: StandaloneEngine | undefined;
  let zeebe: ZeebeClient | undefined;
  let starterZeebe: ZeebeClient | undefined;
  let workers: ReturnType<typeof createWorkers> | undefined;
  let assessmentSchedule: AssessmentSchedule | undefined;
  let statistics: StatisticsJob | undefined;
  let casePublisher: CasePublisher | undefined;
  let caseStarter: CaseStarter | undefined;
  let adapters: HubAdapters | undefined;
  let url = '';
  // One clock for the API and the workers: the embedded engine's, so that with ENGINE_CLOCK_CONTROL
  // (tests, demos) the case store's times and deadlines follow the engine's timers. It is the system
  // clock unless pinned, and the system clock with an external engine.
  const now = () => new Date(engine ? engine.engine.clock.now() : Date.now());

  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`hub not started: no ${what} yet`);
    return value;
  };

  async function seedIfEmpty(database: Db) {
    if (!config.HUB_SEED_DEMO) return;
    const password = config.HUB_DEMO_PASSWORD ?? randomBytes(9).toString('base64url');
    const result = await seedDemo(database, { password });
    if (!result.seeded) {
      log.debug({ reason: result.reason }, 'demo data not seeded');
    } else if (config.HUB_DEMO_PASSWORD) {
      log.info({ counts: result.counts }, 'demo data seeded; demo users log in with HUB_DEMO_PASSWORD');
    } else {
      // The database keeps only the hash, and a secret never goes into the log (logs are shipped and
      // kept): the generated password is written once to a file only this user can read.
      const file = join(config.DATA_DIR, 'demo-password');
      makePrivateDir(config.DATA_DIR);
      await writeFile(file, `${password}\n`, { mode: 0o600 });
      log.warn(
        { counts: result.counts, file },
        `demo data seeded; every demo user (user name = role name) has the password written to ${file}`,
      );
    }
  }

  async function closeServer(s: Server) {
    const closed = new Promise<void>((resolve, reject) => s.close((err) => (err ? reject(err) : resolve())));
    s.closeIdleConnections();
    const timer = setTimeout(() => s.closeAllConnections(), DRAIN_TIMEOUT_MS);
    try {
      await closed;
    } finally {
      clearTimeout(timer);
    }
  }

  async function closeEngine() {
    await assessmentSchedule?.stop();
    assessmentSchedule = undefined;
    await statistics?.stop();
    statistics = undefined;
    await adapters?.stop();
    adapters = undefined;
    await casePublisher?.stop();
    casePublisher = undefined;
    await caseStarter?.stop();
    caseStarter = undefined;
    await workers?.stop();
    workers = undefined;
    if (zeebe) await closeZeebeClient(zeebe);
    zeebe = undefined;
    if (starterZeebe) await closeZeebeClient(starterZeebe);
    starterZeebe = undefined;
    await engine?.close();
    engine = undefined;
  }

  return {
    async start() {
      const started = Date.now();
      // Before anything is written: what exists is checked, what is missing is made private.
      const embedded = config.ENGINE_MODE === 'embedded';
      checkPrivatePaths(dataPaths(config, { hub: true, engine: embedded }), config.HUB_DATA_PERMISSIONS, log);
      makePrivateDir(config.DATA_DIR);
      db = createDb(config, { log: logger });
      try {
        await db.migrate();
        await seedIfEmpty(db);
        if (config.ENGINE_MODE === 'embedded') {
          const options = standaloneOptionsFromConfig(config, logger);
          engine = config.ENGINE_THREAD
            ? await startEngineThread({ ...options, logLevel: config.LOG_LEVEL })
            : await startStandaloneEngine(options);
        }
        const client = createZeebeClient(config, engine?.gatewayAddress);
        zeebe = client;
        const deployment = deployProcesses({ db, zeebe: client, logger: log });
        // An external cluster may be down at start-up: the hub still serves (its /readyz says so) and the
        // deployment completes when the cluster answers. The embedded engine is up, so wait for it.
        if (engine) await deployment;
        else deployment.catch((err: unknown) => log.error({ err }, 'deploying the procedures failed'));
        const mailer = createMailer(config, logger);
        workers = createWorkers({
          zeebe: client,
          db,
          mailer,
          logger,
          config,
          now,
        });
        workers.start();
        // Publishes assessment.requested on ASSESSMENT_SCHEDULE; a Lease row makes one hub process do it.
        assessmentSchedule = createAssessmentSchedule({ db, zeebe: client, config, logger, now });
        assessmentSchedule.start();
        // The statistics rows: built in the background (minutes on a large store) while the API serves,
        // then kept up to date on a timer; a Lease row makes one hub process do it.
        const zone = config.CALENDAR_TIMEZONE;
        const database = db;
        statistics = createStatisticsJob({
          rollup: createRollup({
            db: database,
            timezone: zone,
            calendar: () => loadWorkCalendar(database, { timezone: zone }),
          }),
          // Leases are between processes, which share only the system clock (not the engine's).
          leases: createLeases(
            db,
            `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
            () => new Date(),
          ),
          logger,
          intervalMs: config.STATISTICS_ROLLUP_INTERVAL_MS,
        });
        statistics.start();
        // Also re-sends the messages of actions recorded before a crash or while the engine was away.
        casePublisher = createCasePublisher({
          db,
          zeebe: client,
          logger,
          ttlMs: config.CASE_MESSAGE_TTL_SECONDS * 1000,
          retryMs: config.CASE_OUTBOX_RETRY_MS,
          timeoutMs: config.CASE_PUBLISH_TIMEOUT_MS,
        });
        casePublisher.start();
        const engineQuery = engineQueryFor(engine, config);
        // Starts reported cases' procedures exactly once; its reconciler picks up the start intents a
        // crash left behind (now, and every CASE_OUTBOX_RETRY_MS).
        // Its own client, without the SDK's re-sending: a create whose answer was lost (the engine
        // restarting, say) is not sent again blindly, which started a second instance of the case; the
        // starter's next attempt looks the instance up first (src/cases/start.ts).
        starterZeebe = createZeebeClient(config, engine?.gatewayAddress, { retry: false });
        caseStarter = createCaseStarter({
          db,
          zeebe: starterZeebe,
          engineQuery,
          logger,
          claimMs: config.CASE_START_CLAIM_MS,
          timeoutMs: config.CASE_PUBLISH_TIMEOUT_MS,
          intervalMs: config.CASE_OUTBOX_RETRY_MS,
        });
        caseStarter.run();
        auth = createAuth({ db, config, key: await loadAuthSecret(config) });
        adapters = createHubAdapters({
          config,
          logger,
          db,
          now,
          zeebe: client,
          publisher: casePublisher,
          caseStarter,
          authenticate: auth.authenticate,
        });
        const engineCheck: ReadinessCheck = { name: 'engine', check: () => client.topology() };
        api = createApi({
          config,
          logger,
          db,
          auth,
          zeebe: client,
          engineQuery,
          casePublisher,
          caseStarter,
          now,
          extraRoutes: adapters.routes(),
          mailer,
          readinessChecks: [engineCheck, ...readinessChecks],
        });
        // Files of reports that failed after their upload (no Attachment row) are removed once they are
        // old enough that no request can still be attaching them (src/attachments/store.ts).
        api.attachments
          .sweep()
          .then((removed) => removed && log.info({ removed }, 'unattached upload files removed'))
          .catch((err: unknown) => log.warn({ err }, 'sweeping unattached upload files failed'));
        // The admin UI answers what the API routes do not (the router runs first).
        if (config.ADMIN_UI) api.app.use(serveAdminUi());
        const s = createServer(api.app.callback());
        await new Promise<void>((resolve, reject) => {
          s.once('error', reject);
          s.listen(config.HUB_PORT, config.HUB_HOST, () => {
            s.off('error', reject);
            resolve();
          });
        });
        server = s;
      } catch (err) {
        await closeEngine();
        await db.close();
        db = undefined;
        throw err;
      }
      const { port } = server.address() as AddressInfo;
      const host = config.HUB_HOST.includes(':') ? `[${config.HUB_HOST}]` : config.HUB_HOST;
      url = `http://${host}:${port}`;
      // Pollers, deliverers and simulators start once the webhooks can be answered.
      await adapters?.start(url);
      log.info({ url, ms: Date.now() - started }, `hub listening on ${url}`);
      return { url };
    },

    async stop() {
      if (server) await closeServer(server);
      server = undefined;
      await closeEngine();
      if (db) await db.close();
      db = undefined;
      log.info('hub stopped');
    },

    get url() {
      return url;
    },
    get db() {
      return need(db, 'database');
    },
    get auth() {
      return need(auth, 'auth');
    },
    get api() {
      return need(api, 'api');
    },
    get zeebe() {
      return need(zeebe, 'engine client');
    },
    get casePublisher() {
      return need(casePublisher, 'case publisher');
    },
    get engine() {
      return engine;
    },
    get adapters() {
      return need(adapters, 'adapters');
    },
    get statistics() {
      return need(statistics, 'statistics job');
    },
  };
}
