/**
 * The city departments' systems, built from the configuration: the sanitation platform (智慧环卫), the
 * police video platform (公安视频), the utility companies (供水, 供气, 供电) and the department router
 * that turns dispatches into their work orders. With SIMULATORS, an endpoint left unset is the
 * simulator's, started (on a free port) before the adapters; a simulator that cannot start (no MQTT
 * broker on the machine) is logged and left out, the rest of the hub runs.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Route } from '../src/api/route.ts';
import { createAttachmentStore } from '../src/attachments/index.ts';
import type { AdapterDeps } from './framework/types.ts';
import type { Adapter } from './framework/index.ts';
import type { DemoSources } from './demo-traffic.ts';
import { createDepartmentRouter } from './department-router.ts';
import { createSanitationAdapter, type SanitationSettings } from './sanitation/index.ts';
import { startSanitationSimulator, type SanitationSimulator } from './sanitation/simulator/index.ts';
import { createUtilitiesAdapter, type UtilitiesSettings } from './utilities/index.ts';
import { startUtilitySimulator, type UtilitySimulator } from './utilities/simulator/index.ts';
import { createVideoAdapter, videoRoutes, type VideoSettings } from './video/index.ts';
import { startVideoSimulator, type VideoSimulator } from './video/simulator/index.ts';

export interface CityAdapters {
  adapters: Adapter[];
  routes(): Route[];
  /** With SIMULATORS: starts the simulators of unset endpoints and points the adapters at them. */
  startSimulators(hubUrl: string): Promise<void>;
  stopSimulators(): Promise<void>;
  /** The running simulators, for the demo traffic (adapters/demo-traffic.ts). */
  simulators(): Omit<DemoSources, 'hotline'>;
}

export function createCityAdapters(deps: AdapterDeps): CityAdapters {
  const { config, logger } = deps;
  const demo = config.SIMULATORS;
  const attachments = createAttachmentStore(deps.db, config);
  const videoSecret = config.VIDEO_WEBHOOK_SECRET ?? randomBytes(24).toString('base64url');
  if (!config.VIDEO_WEBHOOK_SECRET && !demo)
    logger.warn('VIDEO_WEBHOOK_SECRET is not set: the video alarm webhook refuses every request');

  const sanitation: SanitationSettings = {
    mqttUrl: config.SANITATION_MQTT_URL,
    topicPrefix: config.SANITATION_TOPIC_PREFIX,
    mqttClientId: config.SANITATION_MQTT_CLIENT_ID ?? `chengguan-hub-${randomBytes(4).toString('hex')}`,
    engineUrl: config.SANITATION_ENGINE_URL ?? 'http://127.0.0.1:1/engine-rest',
    debounceSeconds: config.SANITATION_DEBOUNCE_SECONDS,
    workerId: `chengguan-hub-${randomBytes(4).toString('hex')}`,
    lockDurationMs: 60_000,
    asyncResponseTimeoutMs: 20_000,
    retryTimeoutMs: 30_000,
  };
  const video: VideoSettings = {
    webhookSecret: videoSecret,
    platformUrl: config.VIDEO_PLATFORM_URL ?? 'http://127.0.0.1:1',
    mergeWindowMinutes: config.VIDEO_MERGE_WINDOW_MINUTES,
  };
  const urls = {
    water: config.UTILITY_WATER_URL,
    gas: config.UTILITY_GAS_URL,
    power: config.UTILITY_POWER_URL,
  };
  const utilities: UtilitiesSettings = {
    companies: (['water', 'gas', 'power'] as const)
      .filter((key) => urls[key] || demo)
      .map((key) => ({
        key,
        url: urls[key] ?? 'http://127.0.0.1:1',
        ...(key === 'power'
          ? { csvDir: config.UTILITY_POWER_CSV_DIR ?? join(config.DATA_DIR, 'utilities', 'power') }
          : {}),
      })),
    pollIntervalMs: config.UTILITY_POLL_INTERVAL_MS,
  };
  const sanitationOn = !!config.SANITATION_ENGINE_URL || demo;
  const adapters: Adapter[] = [
    ...(sanitationOn ? [createSanitationAdapter({ ...deps, attachments, settings: sanitation })] : []),
    createVideoAdapter({ ...deps, attachments, settings: video }),
    createUtilitiesAdapter({ ...deps, attachments, settings: utilities }),
    createDepartmentRouter({
      db: deps.db,
      settings: {
        sanitationDepartmentCode: sanitationOn ? config.SANITATION_DEPARTMENT_CODE : null,
        utilities: utilities.companies.map((c) => c.key),
      },
    }),
  ];

  const running: { close(): Promise<void> }[] = [];
  let sanitationSim: SanitationSimulator | undefined;
  let videoSim: VideoSimulator | undefined;
  const utilitySims: UtilitySimulator[] = [];

  return {
    adapters,
    routes: () => videoRoutes({ db: deps.db }),
    async startSimulators(hubUrl) {
      if (!demo) return;
      if (!config.SANITATION_ENGINE_URL) {
        try {
          sanitationSim = await startSanitationSimulator({
            mqttUrl: config.SANITATION_MQTT_URL,
            topicPrefix: config.SANITATION_TOPIC_PREFIX,
          });
          sanitation.engineUrl = sanitationSim.engineUrl;
          running.push(sanitationSim);
        } catch (err) {
          logger.warn({ err: String(err) }, 'sanitation simulator not started (is the MQTT broker running?)');
        }
      }
      if (!config.VIDEO_PLATFORM_URL) {
        videoSim = await startVideoSimulator();
        videoSim.target = { url: `${hubUrl}/api/adapters/video/alarms`, secret: videoSecret };
        video.platformUrl = videoSim.url;
        running.push(videoSim);
      }
      for (const endpoint of utilities.companies) {
        if (urls[endpoint.key]) continue;
        const sim = await startUtilitySimulator(endpoint.key);
        endpoint.url = sim.url;
        utilitySims.push(sim);
        running.push(sim);
      }
    },
    async stopSimulators() {
      for (const sim of running.splice(0)) await sim.close().catch(() => undefined);
    },
    simulators: () => ({
      video: videoSim,
      sanitation: sanitationSim,
      utilities: utilitySims.map((sim) => ({
        sim,
        csvDir: utilities.companies.find((c) => c.key === sim.company)?.csvDir,
      })),
    }),
  };
}
