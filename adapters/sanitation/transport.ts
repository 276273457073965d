/**
 * The sanitation platform's two protocols, as the hub speaks them:
 * - MQTT (the platform's broker): a persistent session (clean: false, fixed client id) subscribed at
 *   QoS 1 to `<prefix>/devices/+/telemetry`. A message is acknowledged (PUBACK) only after the hub has
 *   stored its effect — mqtt.js sends the ack when `handleMessage`'s callback runs — so a hub that dies
 *   in between gets the message again from the broker, and the inbox makes that redelivery a no-op.
 * - Camunda 7 REST (the platform's engine): starting a work order by business key, idempotently
 *   (looked up by business key first, since Camunda 7 does not refuse a second instance with the same
 *   key), and the external-task client for the platform's tasks addressed to the hub.
 */
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { createJsonClient } from '../framework/http-client.ts';

export interface MqttSubscription {
  close(): Promise<void>;
}

/** Subscribes; `onMessage` resolves once the message's effect is stored (then the broker gets its ack). */
export async function subscribeTelemetry(options: {
  url: string;
  topicPrefix: string;
  clientId: string;
  onMessage: (topic: string, payload: Buffer) => Promise<void>;
}): Promise<MqttSubscription> {
  const client: MqttClient = mqtt.connect(options.url, {
    clientId: options.clientId,
    clean: false,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
  });
  client.handleMessage = (packet: IPublishPacket, done: (err?: Error) => void) => {
    options
      .onMessage(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload))
      .then(
        () => done(),
        // Not acknowledged: the broker redelivers after the next reconnect.
        (err: unknown) => {
          done(err instanceof Error ? err : new Error(String(err)));
          client.end(true, () => client.reconnect());
        },
      );
  };
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync(`${options.topicPrefix}/devices/+/telemetry`, { qos: 1 });
  return {
    close: () => client.endAsync(),
  };
}

/** Camunda 7 REST client for the two calls the hub makes outside the external-task client. */
export function createPlatformEngine(engineUrl: string, timeoutMs = 10_000) {
  // Failures follow the adapters' one rule (framework/http-client.ts).
  const client = createJsonClient({ name: 'sanitation engine', baseUrl: engineUrl, timeoutMs });
  const call = (method: string, path: string, body?: unknown) => client.request(method, path, body);
  return {
    /** Starts `definitionKey` with `businessKey` unless an instance with that key exists; its id. */
    async startOnce(definitionKey: string, businessKey: string, variables: Record<string, unknown>) {
      const existing = (await call(
        'GET',
        `/process-instance?businessKey=${encodeURIComponent(businessKey)}`,
      )) as {
        id: string;
      }[];
      if (existing.length) return existing[0]!.id;
      const typedVars = Object.fromEntries(
        Object.entries(variables).map(([k, v]) => [
          k,
          typeof v === 'number'
            ? { type: Number.isInteger(v) ? 'Integer' : 'Double', value: v }
            : v === null
              ? { type: 'Null', value: null }
              : { type: 'String', value: String(v) },
        ]),
      );
      const started = (await call(
        'POST',
        `/process-definition/key/${encodeURIComponent(definitionKey)}/start`,
        {
          businessKey,
          variables: typedVars,
        },
      )) as { id: string };
      return started.id;
    },
    /** Reachability (health): the engine answers a query. */
    async ping() {
      await call('GET', '/process-instance?businessKey=__health__');
    },
  };
}
