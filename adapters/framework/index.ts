/** The adapter framework: the contract (types.ts) and the host that runs adapters in the hub. */
export { createAdapterHost, outboxSettings } from './host.ts';
export type { AdapterHost } from './host.ts';
export { createInbox } from './inbox.ts';
export type { Inbox } from './inbox.ts';
export { backoffDelay, createOutbox } from './outbox.ts';
export type { Outbox, OutboxSettings } from './outbox.ts';
export { subscribeMqtt } from './mqtt-subscription.ts';
export type { MqttSubscription, MqttSubscriptionOptions } from './mqtt-subscription.ts';
export { createLeases } from '../../src/db/lease.ts';
export type { Leases } from '../../src/db/lease.ts';
export { sign, signedHeaders, verify, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './signature.ts';
export { CASE_START_OUTBOX } from './start.ts';
export { readRawBody } from './webhook.ts';
export { PermanentDeliveryError } from './types.ts';
export {
  classifyStatus,
  createJsonClient,
  retryAfterMs,
  RetryableHttpError,
  type JsonClient,
  type JsonClientOptions,
} from './http-client.ts';
export type {
  Adapter,
  AdapterDeps,
  AdapterRuntime,
  EffectContext,
  EffectResult,
  FileReceiver,
  FrameworkDeps,
  InboundEvent,
  OutboundMessage,
  PollReceiver,
  ReceiveResult,
  Receiver,
  Sender,
  SubscriptionReceiver,
  WebhookReceiver,
} from './types.ts';
