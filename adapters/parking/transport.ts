/**
 * The parking system's MQTT feed as the hub takes it: a persistent session (clean: false) subscribed at
 * QoS 1 to `<prefix>/lots/+/passes` and `<prefix>/lots/+/heartbeat`. A message is acknowledged only after
 * its effect is stored (mqtt.js acks when `handleMessage`'s callback runs, and takes the next message
 * only then, so one lot's passes are counted in the order the broker has them).
 */
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';

export interface ParkingFeed {
  connected(): boolean;
  close(): Promise<void>;
}

export async function subscribeParkingFeed(options: {
  url: string;
  topicPrefix: string;
  clientId: string;
  onMessage: (topic: string, payload: Buffer) => Promise<void>;
}): Promise<ParkingFeed> {
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
  await client.subscribeAsync(
    [`${options.topicPrefix}/lots/+/passes`, `${options.topicPrefix}/lots/+/heartbeat`],
    { qos: 1 },
  );
  return {
    connected: () => client.connected,
    close: () => client.endAsync(),
  };
}
