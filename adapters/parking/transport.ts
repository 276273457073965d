/**
 * The parking system's MQTT feed as the hub takes it: `<prefix>/lots/+/passes` and
 * `<prefix>/lots/+/heartbeat`, subscribed as every MQTT feed is (framework/mqtt-subscription.ts:
 * persistent session, QoS 1, acknowledged only once the effect is stored, one message at a time in the
 * broker's order, so one lot's passes are counted in the order the broker has them).
 */
import { subscribeMqtt, type MqttSubscription } from '../framework/mqtt-subscription.ts';

export type ParkingFeed = MqttSubscription;

export function subscribeParkingFeed(options: {
  url: string;
  topicPrefix: string;
  clientId: string;
  onMessage: (topic: string, payload: Buffer) => Promise<void>;
}): Promise<ParkingFeed> {
  return subscribeMqtt({
    url: options.url,
    clientId: options.clientId,
    topics: [`${options.topicPrefix}/lots/+/passes`, `${options.topicPrefix}/lots/+/heartbeat`],
    onMessage: options.onMessage,
  });
}
