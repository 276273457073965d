/**
 * Simulator of the parking system (停车诱导): each lot's gate cameras publish plate-recognition passes,
 * and each lot's controller a heartbeat, on the real MQTT broker (README.md has the messages):
 * `<topicPrefix>/lots/<lotCode>/passes` and `<topicPrefix>/lots/<lotCode>/heartbeat`, JSON, QoS 1.
 * It knows which cars are really inside each lot, so its demo traffic stays plausible.
 * Faults: `duplicates` (the broker gets every pass twice, same msgId), a camera's double read
 * (`doubleRead`: the same plate again with a new msgId a moment later), a lot gone silent (`silence`:
 * neither passes nor heartbeats), an exit whose entry the camera missed (`exit` of a car not inside).
 */
import { randomBytes, randomInt } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { HeartbeatMessage, PassMessage } from '../mapping.ts';

export interface ParkingSimulatorOptions {
  /** mqtt://127.0.0.1:1883 */
  mqttUrl: string;
  /** unique per test run, e.g. `test-<random>/parking` */
  topicPrefix: string;
  /** `inside`: cars in the lot when the simulator starts (the hub's count, so both agree) */
  lots: { code: string; capacity: number; inside?: number }[];
  /** heartbeat of every lot not silenced, ms; 0: none (tests send them by hand) */
  heartbeatMs?: number;
}

export interface ParkingSimulator {
  readonly topicPrefix: string;
  /** A car enters; `doubleRead`: the camera reads it twice (a second message, new msgId, 2 s later). */
  enter(lotCode: string, plate: string, options?: { at?: Date; doubleRead?: boolean }): Promise<PassMessage>;
  exit(lotCode: string, plate: string, options?: { at?: Date; doubleRead?: boolean }): Promise<PassMessage>;
  /** Publishes a message as given (a redelivery with the same msgId, an old pass…). */
  publish(pass: PassMessage): Promise<void>;
  heartbeat(lotCode: string): Promise<void>;
  /** The lot's system goes quiet (or speaks again). */
  silence(lotCode: string, silent: boolean): void;
  setFaults(f: { duplicates?: boolean }): void;
  /** Cars really inside a lot, as the simulator knows them. */
  inside(lotCode: string): number;
  /** Demo traffic: a random car enters or leaves a random lot (busier in the day). */
  randomPass(): Promise<void>;
  close(): Promise<void>;
}

const PROVINCE = '苏';
const LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';

/** A plate of Nantong (苏F) or a neighbouring city. */
function randomPlate(): string {
  const city = ['F', 'F', 'F', 'A', 'E', 'M'][randomInt(6)];
  let tail = '';
  for (let i = 0; i < 5; i++) tail += i === 0 ? LETTERS[randomInt(LETTERS.length)] : String(randomInt(10));
  return `${PROVINCE}${city}${tail}`;
}

export async function startParkingSimulator(options: ParkingSimulatorOptions): Promise<ParkingSimulator> {
  const client: MqttClient = await mqtt.connectAsync(options.mqttUrl, {
    clientId: `parking-sim-${randomBytes(4).toString('hex')}`,
    clean: true,
    // Fail fast when there is no broker (the demo then runs without this simulator).
    connectTimeout: 5000,
    reconnectPeriod: 0,
  });
  const lots = new Map(
    options.lots.map((l) => {
      const cars = new Set<string>();
      while (cars.size < Math.min(l.capacity, l.inside ?? 0)) cars.add(randomPlate());
      return [l.code, { ...l, cars, silent: false }];
    }),
  );
  const faults = { duplicates: false };
  let seq = 0;
  const topic = (lotCode: string, kind: 'passes' | 'heartbeat') =>
    `${options.topicPrefix}/lots/${lotCode}/${kind}`;

  async function publish(pass: PassMessage) {
    if (lots.get(pass.lotCode)?.silent) return;
    const payload = JSON.stringify(pass);
    await client.publishAsync(topic(pass.lotCode, 'passes'), payload, { qos: 1 });
    if (faults.duplicates) await client.publishAsync(topic(pass.lotCode, 'passes'), payload, { qos: 1 });
  }

  async function pass(
    lotCode: string,
    plate: string,
    direction: 'in' | 'out',
    o: { at?: Date; doubleRead?: boolean } = {},
  ): Promise<PassMessage> {
    const lot = lots.get(lotCode);
    if (lot) {
      if (direction === 'in') lot.cars.add(plate);
      else lot.cars.delete(plate);
    }
    const at = o.at ?? new Date();
    const msg: PassMessage = {
      msgId: `${lotCode}-${Date.now().toString(36)}-${++seq}`,
      lotCode,
      plate,
      direction,
      at: at.toISOString(),
      gate: direction === 'in' ? '入口1' : '出口1',
    };
    await publish(msg);
    if (o.doubleRead)
      await publish({ ...msg, msgId: `${msg.msgId}-r`, at: new Date(at.getTime() + 2000).toISOString() });
    return msg;
  }

  async function heartbeat(lotCode: string) {
    if (lots.get(lotCode)?.silent) return;
    const beat: HeartbeatMessage = { lotCode, at: new Date().toISOString() };
    await client.publishAsync(topic(lotCode, 'heartbeat'), JSON.stringify(beat), { qos: 1 });
  }

  const beating =
    options.heartbeatMs && options.heartbeatMs > 0
      ? setInterval(() => {
          for (const code of lots.keys()) heartbeat(code).catch(() => undefined);
        }, options.heartbeatMs)
      : undefined;
  beating?.unref();
  // The first heartbeat soon after the start (the hub subscribes after its simulators are up), not a
  // whole interval later: until then the hub shows every lot 未知.
  const first =
    options.heartbeatMs && options.heartbeatMs > 0
      ? setTimeout(
          () => {
            for (const code of lots.keys()) heartbeat(code).catch(() => undefined);
          },
          Math.min(3000, options.heartbeatMs),
        )
      : undefined;
  first?.unref();

  return {
    topicPrefix: options.topicPrefix,
    enter: (lotCode, plate, o) => pass(lotCode, plate, 'in', o),
    exit: (lotCode, plate, o) => pass(lotCode, plate, 'out', o),
    publish,
    heartbeat,
    silence(lotCode, silent) {
      const lot = lots.get(lotCode);
      if (lot) lot.silent = silent;
    },
    setFaults(f) {
      Object.assign(faults, f);
    },
    inside: (lotCode) => lots.get(lotCode)?.cars.size ?? 0,
    async randomPass() {
      const all = [...lots.values()];
      if (!all.length) return;
      const lot = all[randomInt(all.length)]!;
      // Fill towards about 70–95 % in the day, empty towards 10–30 % at night.
      const hour = (new Date().getUTCHours() + 8) % 24;
      const target = hour >= 7 && hour < 21 ? 0.7 + Math.random() * 0.25 : 0.1 + Math.random() * 0.2;
      const share = lot.cars.size / lot.capacity;
      if ((share < target && lot.cars.size < lot.capacity) || lot.cars.size === 0)
        await pass(lot.code, randomPlate(), 'in', { doubleRead: Math.random() < 0.05 });
      else {
        const cars = [...lot.cars];
        await pass(lot.code, cars[randomInt(cars.length)]!, 'out');
      }
    },
    async close() {
      if (beating) clearInterval(beating);
      clearTimeout(first);
      await client.endAsync();
    },
  };
}
