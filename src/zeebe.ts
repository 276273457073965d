/**
 * The hub's one way to the engine: a Zeebe gRPC client from @camunda8/sdk, pointed at the embedded
 * engine (plaintext, no auth) or at a Camunda 8 cluster (TLS and OAuth from the configuration). The SDK
 * is given every setting explicitly so nothing depends on which variables happen to be in the environment.
 */
import { Camunda8, type Zeebe } from '@camunda8/sdk';
import type { Config } from './config.ts';

export type ZeebeClient = Zeebe.ZeebeGrpcClient;

type ZeebeConfig = Pick<
  Config,
  | 'ZEEBE_ADDRESS'
  | 'ZEEBE_SECURE'
  | 'ZEEBE_CLIENT_ID'
  | 'ZEEBE_CLIENT_SECRET'
  | 'ZEEBE_AUTHORIZATION_SERVER_URL'
  | 'ZEEBE_TOKEN_AUDIENCE'
>;

/** Creates a Zeebe client for `address` (defaults to ZEEBE_ADDRESS, e.g. the embedded engine's bound port). */
export function createZeebeClient(config: ZeebeConfig, address = config.ZEEBE_ADDRESS): ZeebeClient {
  const oauth = config.ZEEBE_CLIENT_ID !== undefined && config.ZEEBE_CLIENT_SECRET !== undefined;
  const sdk = new Camunda8({
    // The scheme carries TLS on or off (the SDK's CAMUNDA_SECURE_CONNECTION is deprecated).
    ZEEBE_GRPC_ADDRESS: `${config.ZEEBE_SECURE ? 'grpcs' : 'grpc'}://${address}`,
    CAMUNDA_LOG_LEVEL: 'error',
    zeebeGrpcSettings: { ZEEBE_CLIENT_LOG_LEVEL: 'NONE' },
    ...(oauth
      ? {
          CAMUNDA_AUTH_STRATEGY: 'OAUTH',
          ZEEBE_CLIENT_ID: config.ZEEBE_CLIENT_ID,
          ZEEBE_CLIENT_SECRET: config.ZEEBE_CLIENT_SECRET,
          CAMUNDA_OAUTH_URL: config.ZEEBE_AUTHORIZATION_SERVER_URL,
          ZEEBE_TOKEN_AUDIENCE: config.ZEEBE_TOKEN_AUDIENCE ?? 'zeebe.camunda.io',
        }
      : { CAMUNDA_AUTH_STRATEGY: 'NONE' }),
  } as never);
  return sdk.getZeebeGrpcApiClient();
}
