/**
 * The sanitation platform's two protocols, as the hub speaks them:
 * - MQTT (the platform's broker): `<prefix>/devices/+/telemetry`, taken as every MQTT feed is
 *   (framework/mqtt-subscription.ts: persistent session, QoS 1, acknowledged only once the effect is
 *   stored, one message at a time in order).
 * - Camunda 7 REST (the platform's engine): starting a work order by business key, idempotently
 *   (looked up by business key first, since Camunda 7 does not refuse a second instance with the same
 *   key), and the external-task client for the platform's tasks addressed to the hub.
 */
import { createJsonClient } from '../framework/http-client.ts';
import { subscribeMqtt, type MqttSubscription } from '../framework/mqtt-subscription.ts';

/** Subscribes; `onMessage` resolves once the message's effect is stored (then the broker gets its ack). */
export function subscribeTelemetry(options: {
  url: string;
  topicPrefix: string;
  clientId: string;
  onMessage: (topic: string, payload: Buffer) => Promise<void>;
}): Promise<MqttSubscription> {
  return subscribeMqtt({
    url: options.url,
    clientId: options.clientId,
    topics: [`${options.topicPrefix}/devices/+/telemetry`],
    onMessage: options.onMessage,
  });
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
