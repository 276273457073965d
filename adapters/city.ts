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
import { createParkingAdapter, type ParkingSettings } from './parking/index.ts';
import { startParkingSimulator } from './parking/simulator/index.ts';
import { parseEventInterval } from './demo-traffic.ts';
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
  const parking: ParkingSettings = {
    mqttUrl: config.PARKING_MQTT_URL,
    topicPrefix: config.PARKING_TOPIC_PREFIX,
    mqttClientId: config.PARKING_MQTT_CLIENT_ID ?? `chengguan-hub-parking-${randomBytes(4).toString('hex')}`,
    debounceSeconds: config.PARKING_DEBOUNCE_SECONDS,
    historyMinutes: config.PARKING_HISTORY_MINUTES,
    historyDays: config.PARKING_HISTORY_DAYS,
  };
  const sanitationOn = !!config.SANITATION_ENGINE_URL || demo;
  const adapters: Adapter[] = [
    ...(sanitationOn ? [createSanitationAdapter({ ...deps, attachments, settings: sanitation })] : []),
    createVideoAdapter({ ...deps, attachments, settings: video }),
    ...(config.PARKING_FEED ? [createParkingAdapter({ ...deps, settings: parking })] : []),
    createUtilitiesAdapter({ ...deps, attachments, settings: utilities }),
    createDepartmentRouter({
      db: deps.db,
      settings: {
        sanitationDepartmentCode: sanitationOn ? config.SANITATION_DEPARTMENT_CODE : null,
        utilities: utilities.companies.map((c) => c.key),
        pipelineNotice: {
          distanceM: config.PIPELINE_NOTICE_DISTANCE_M,
          categories: config.PIPELINE_NOTICE_CATEGORIES.split(',')
            .map((c) => c.trim())
            .filter(Boolean),
        },
      },
    }),
  ];

  const running: { close(): Promise<void> }[] = [];
  let sanitationSim: SanitationSimulator | undefined;
  let videoSim: VideoSimulator | undefined;
  let parkingTraffic: NodeJS.Timeout | undefined;
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
      if (config.PARKING_FEED) {
        try {
          // The simulated parking system plays the hub's lots, starting with the cars the hub counts.
          const lots = await deps.db.prisma.parkingLot.findMany({ where: { active: true } });
          const sim = await startParkingSimulator({
            mqttUrl: config.PARKING_MQTT_URL,
            topicPrefix: config.PARKING_TOPIC_PREFIX,
            lots: lots.map((l) => ({ code: l.code, capacity: l.capacity, inside: l.occupied })),
            heartbeatMs: 30_000,
          });
          running.push(sim);
          // Passes come far more often than the other systems' events: one every 1–5 s across the lots.
          if (parseEventInterval(config.SIMULATOR_EVENT_SECONDS)) {
            const next = () => {
              parkingTraffic = setTimeout(
                () => {
                  sim.randomPass().then(next, (err: unknown) => {
                    logger.warn({ err: String(err) }, 'parking simulator stopped its traffic');
                  });
                },
                1000 + Math.random() * 4000,
              );
              parkingTraffic.unref();
            };
            next();
          }
        } catch (err) {
          logger.warn({ err: String(err) }, 'parking simulator not started (is the MQTT broker running?)');
        }
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
      clearTimeout(parkingTraffic);
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
