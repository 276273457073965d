/**
 * A hub's MQTT subscription to a legacy system's broker, the way every adapter takes an MQTT feed:
 * - a persistent session (clean: false, the adapter's fixed client id) subscribed at QoS 1, so the broker
 *   keeps what arrives while the hub is away;
 * - a message is acknowledged (PUBACK) only after `onMessage` resolves, i.e. after its effect is stored
 *   (mqtt.js sends the ack when `handleMessage`'s callback runs without an error), so a hub that dies in
 *   between gets it again and the inbox makes that redelivery a no-op;
 * - when `onMessage` throws, the message is not acknowledged and the client drops the connection and
 *   reconnects: the broker resends a session's unacknowledged messages only on a new connection;
 * - one message at a time, in the order the broker sent them (see `handleMessage` below).
 * The adapter keeps its topics and its parsing; this module knows nothing of either.
 */
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';

export interface MqttSubscriptionOptions {
  url: string;
  /** client id of the hub's persistent session */
  clientId: string;
  topics: string[];
  /** Resolves once the message's effect is stored (then the broker gets its ack); throw to have it again. */
  onMessage: (topic: string, payload: Buffer) => Promise<void>;
}

export interface MqttSubscription {
  connected(): boolean;
  close(): Promise<void>;
}

/** Not acknowledged, so the broker sends it again on the next connection (never shown to anyone). */
const notHandled = () => new Error('not handled: comes again after the reconnect');

export async function subscribeMqtt(options: MqttSubscriptionOptions): Promise<MqttSubscription> {
  const client: MqttClient = mqtt.connect(options.url, {
    clientId: options.clientId,
    clean: false,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
  });

  // Why a queue of our own: mqtt.js takes a connection's next message only after the previous one's
  // callback, but only within one connection. After a failed handler it still hands over the messages
  // it had already read from the connection being dropped, so the next message would be handled before
  // the failed one's redelivery; and a reconnect (the failure's own, or a keepalive timeout during a
  // slow handler) starts a new connection whose messages arrive while the previous handler still runs.
  // Both break what the adapters count on: a lot's passes and a device's readings applied in order.
  // So every message waits for the one before it, and a failure discards whatever arrived before the
  // reconnect, unacknowledged: the broker resends those after the failed one, in their order.
  let tail: Promise<void> = Promise.resolve();
  /** Bumped by a failure or close: a message that arrived in an earlier epoch is not handled. */
  let epoch = 0;
  /** From a failure until the new connection: messages still read from the dropped one are refused. */
  let reconnecting = false;
  let closed = false;
  client.on('connect', () => {
    reconnecting = false;
  });

  client.handleMessage = (packet: IPublishPacket, done: (err?: Error) => void) => {
    if (reconnecting || closed) return done(notHandled());
    const arrivedIn = epoch;
    tail = tail.then(async () => {
      if (arrivedIn !== epoch) return done(notHandled());
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      try {
        await options.onMessage(packet.topic, payload);
      } catch (err) {
        epoch += 1;
        reconnecting = true;
        done(err instanceof Error ? err : new Error(String(err)));
        client.end(true, () => client.reconnect());
        return;
      }
      done();
    });
  };

  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.subscribeAsync(options.topics, { qos: 1 });
  } catch (err) {
    // Otherwise the client would go on reconnecting in the background while the host tries again
    // with a second one: two connections with one client id, each closing the other's session.
    await client.endAsync(true);
    throw err;
  }
  return {
    connected: () => client.connected,
    close: () => {
      closed = true;
      epoch += 1;
      return client.endAsync();
    },
  };
}
