/**
 * Simulator of the 智慧环卫 platform (adapters/sanitation/README.md):
 * - its IoT devices publish readings and alarms over MQTT (the real broker) on
 *   `<topicPrefix>/devices/<deviceId>/telemetry`, JSON, QoS 1;
 * - its Camunda 7-style engine serves the REST subset the hub uses (engine.ts) under /engine-rest;
 *   the hub starts a work order (`sanitation-work-order`, business key = the hub's case id) and the
 *   platform's crews sign for it, dispose of it (with a photo) or return it — each an external task the
 *   hub fetches and completes (topics in SANITATION_TOPICS);
 * - photos are served at /photos/<name>.jpg.
 * Faults: down (REST port closed, MQTT publishes held back until it is up again, as a device gateway
 * buffers), slow, 500s, duplicates (every MQTT message published twice), out of order (a batch of
 * readings published in reverse, fetchAndLock answering newest first).
 */
import mqtt, { type MqttClient } from 'mqtt';
import { fakeJpeg, startSimHttp, type HttpFaults, type SimHttpServer } from '../../sim-http.ts';
import {
  createExternalTaskEngine,
  type ExternalTask,
  type ExternalTaskEngine,
  type ProcessInstance,
} from './engine.ts';

/** External-task topics of the platform's work-order process that the hub serves. */
export const SANITATION_TOPICS = {
  signed: 'chengguan-hub-signed',
  disposed: 'chengguan-hub-disposed',
  returned: 'chengguan-hub-returned',
} as const;

/** Process definition key of the platform's work order. */
export const WORK_ORDER_PROCESS = 'sanitation-work-order';

export type DeviceKind = 'bin' | 'toilet' | 'station' | 'vehicle';

/** One device message as the platform publishes it. */
export interface DeviceReading {
  /** the platform's message id: the same id on a redelivery */
  msgId: string;
  deviceId: string;
  kind: DeviceKind;
  /** fill (bin, station: %), nh3 (toilet: ppm), alarm (vehicle: 1 raised, 0 cleared) */
  metric: string;
  value: number;
  /** ISO 8601 time the device measured */
  at: string;
  lng: number;
  lat: number;
  address?: string;
  /** a photo the device or the crew took (an emptied bin) */
  photoUrl?: string;
}

export interface SanitationFaults extends HttpFaults {
  /** REST port closed and MQTT held back */
  down: boolean;
  /** each MQTT message is published twice */
  duplicates: boolean;
  /** publishBatch sends readings in reverse; fetchAndLock answers newest first */
  outOfOrder: boolean;
}

export interface SanitationSimulator {
  /** http://127.0.0.1:<port>/engine-rest */
  readonly engineUrl: string;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly topicPrefix: string;
  readonly faults: Readonly<SanitationFaults>;
  setFaults(f: Partial<SanitationFaults>): Promise<void>;
  readonly engine: ExternalTaskEngine;
  /** Publishes readings (in order, or reversed under outOfOrder; twice each under duplicates). */
  publish(...readings: DeviceReading[]): Promise<void>;
  /** URL of a photo the simulator serves. */
  photoUrl(name: string): string;
  /** Work orders the hub started, by case id. */
  workOrder(caseId: string): ProcessInstance | undefined;
  /** The crew's actions: each creates the external task the hub takes. */
  crewSigns(caseId: string, crew?: string): ExternalTask;
  /** `photo`: name of a photo the simulator serves (its URL goes with the task). */
  crewDisposes(caseId: string, note: string, photo?: string): ExternalTask;
  crewReturns(caseId: string, reason: string): ExternalTask;
  close(): Promise<void>;
}

export interface SanitationSimulatorOptions {
  /** mqtt://127.0.0.1:1883 */
  mqttUrl: string;
  /** unique per test run, e.g. `test-<random>/sanitation` */
  topicPrefix: string;
  port?: number;
}

export async function startSanitationSimulator(
  options: SanitationSimulatorOptions,
): Promise<SanitationSimulator> {
  const engine = createExternalTaskEngine({ definitionKeys: [WORK_ORDER_PROCESS] });
  const http: SimHttpServer = await startSimHttp(
    async (req) => {
      const photo = /^\/photos\/([\w.-]+)$/.exec(req.path);
      if (req.method === 'GET' && photo)
        return { status: 200, body: fakeJpeg(photo[1]!), contentType: 'image/jpeg' };
      return engine.handle(req);
    },
    { port: options.port },
  );
  const client: MqttClient = await mqtt.connectAsync(options.mqttUrl, {
    clientId: `sanitation-sim-${Math.random().toString(36).slice(2, 10)}`,
    clean: true,
    // Fail fast when there is no broker (the demo then runs without this simulator).
    connectTimeout: 5000,
    reconnectPeriod: 0,
  });
  const faults: SanitationFaults = Object.assign(http.faults, {
    down: false,
    duplicates: false,
    outOfOrder: false,
  });
  const heldBack: DeviceReading[] = [];

  async function send(reading: DeviceReading) {
    const topic = `${options.topicPrefix}/devices/${reading.deviceId}/telemetry`;
    const payload = JSON.stringify(reading);
    await client.publishAsync(topic, payload, { qos: 1 });
    if (faults.duplicates) await client.publishAsync(topic, payload, { qos: 1 });
  }

  const byCase = (caseId: string) => engine.instances.find((i) => i.businessKey === caseId);
  const crewTask = (topic: string, caseId: string, vars: Record<string, unknown>) => {
    const order = byCase(caseId);
    if (!order) throw new Error(`the platform has no work order for case ${caseId}`);
    return engine.createTask(topic, caseId, {
      caseId,
      orderId: order.id,
      at: new Date().toISOString(),
      ...vars,
    });
  };

  return {
    get engineUrl() {
      return `${http.url}/engine-rest`;
    },
    get url() {
      return http.url;
    },
    topicPrefix: options.topicPrefix,
    faults,
    async setFaults(f) {
      const { down, ...rest } = f;
      Object.assign(faults, rest);
      engine.outOfOrder = faults.outOfOrder;
      if (down !== undefined && down !== faults.down) {
        faults.down = down;
        if (down) {
          // Long polls in flight die with the connections; answer them first so no task stays locked
          // for a worker that never got it.
          engine.close();
          await http.setDown(true);
        } else {
          await http.setDown(false);
          const pending = heldBack.splice(0);
          for (const r of pending) await send(r);
        }
      }
    },
    engine,
    async publish(...readings) {
      const ordered = faults.outOfOrder ? [...readings].reverse() : readings;
      for (const r of ordered) {
        if (faults.down) heldBack.push(r);
        else await send(r);
      }
    },
    photoUrl: (name) => `${http.url}/photos/${encodeURIComponent(name)}.jpg`,
    workOrder: byCase,
    crewSigns: (caseId, crew = '环卫一队') => crewTask(SANITATION_TOPICS.signed, caseId, { crew }),
    crewDisposes: (caseId, note, photo) =>
      crewTask(SANITATION_TOPICS.disposed, caseId, {
        note,
        photoUrl: photo ? `${http.url}/photos/${encodeURIComponent(photo)}.jpg` : null,
      }),
    crewReturns: (caseId, reason) => crewTask(SANITATION_TOPICS.returned, caseId, { reason }),
    async close() {
      engine.close();
      await client.endAsync();
      await http.close();
    },
  };
}
