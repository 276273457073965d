/**
 * The hub's one way to the engine: a Zeebe gRPC client from @camunda8/sdk, pointed at the embedded
 * engine (plaintext, no auth) or at a Camunda 8 cluster (TLS and OAuth from the configuration). The SDK
 * is given every setting explicitly so nothing depends on which variables happen to be in the environment.
 */
// The Zeebe client's own module: the package's index also loads the SDK's Admin, Modeler, Operate,
// Optimize, Tasklist and Camunda 7 clients (537 modules against 349, ~0.4 s of CPU at every start).
import { ZeebeGrpcClient } from '@camunda8/sdk/dist/zeebe/index.js';
import type { Config } from './config.ts';

export type ZeebeClient = ZeebeGrpcClient;

type ZeebeConfig = Pick<
  Config,
  | 'ZEEBE_ADDRESS'
  | 'ZEEBE_SECURE'
  | 'ZEEBE_CLIENT_ID'
  | 'ZEEBE_CLIENT_SECRET'
  | 'ZEEBE_AUTHORIZATION_SERVER_URL'
  | 'ZEEBE_TOKEN_AUDIENCE'
  | 'ENGINE_AUTH_TOKEN'
>;

/**
 * The SDK settings every client of the hub shares: quiet logs, and OAuth when a client id and secret are
 * configured, else the embedded engine's bearer token (ENGINE_AUTH_TOKEN) when set, else none. ZEEBE_ADDRESS is blanked because the SDK also reads the environment, where it
 * finds the hub's own ZEEBE_ADDRESS under its legacy name and warns on every client that it is ignored.
 */
export function sdkSettings(
  config: Omit<ZeebeConfig, 'ZEEBE_ADDRESS' | 'ZEEBE_SECURE'>,
): Record<string, unknown> {
  const oauth = config.ZEEBE_CLIENT_ID !== undefined && config.ZEEBE_CLIENT_SECRET !== undefined;
  return {
    ZEEBE_ADDRESS: '',
    CAMUNDA_LOG_LEVEL: 'error',
    ...(oauth
      ? {
          CAMUNDA_AUTH_STRATEGY: 'OAUTH',
          ZEEBE_CLIENT_ID: config.ZEEBE_CLIENT_ID,
          ZEEBE_CLIENT_SECRET: config.ZEEBE_CLIENT_SECRET,
          CAMUNDA_OAUTH_URL: config.ZEEBE_AUTHORIZATION_SERVER_URL,
          ZEEBE_TOKEN_AUDIENCE: config.ZEEBE_TOKEN_AUDIENCE ?? 'zeebe.camunda.io',
          // The token is a secret: keep it in memory, not in the SDK's file cache under $HOME.
          CAMUNDA_TOKEN_DISK_CACHE_DISABLE: true,
        }
      : config.ENGINE_AUTH_TOKEN
        ? // the embedded engine's static token (what a Camunda 8 cluster would take from OAuth)
          { CAMUNDA_AUTH_STRATEGY: 'BEARER', CAMUNDA_OAUTH_TOKEN: config.ENGINE_AUTH_TOKEN }
        : { CAMUNDA_AUTH_STRATEGY: 'NONE' }),
  };
}

/**
 * Creates a Zeebe client for `address` (defaults to ZEEBE_ADDRESS, e.g. the embedded engine's bound port).
 * `retry: false`: a call that fails on the network (gRPC 14, 4, 8) is not sent again by the SDK. The SDK
 * re-sends every command so, also one the engine already carried out when the answer was lost; for a
 * command that is not idempotent (CreateProcessInstance) the caller must decide, not the SDK.
 */
export function createZeebeClient(
  config: ZeebeConfig,
  address = config.ZEEBE_ADDRESS,
  options: { retry?: boolean } = {},
): ZeebeClient {
  return new ZeebeGrpcClient({
    config: {
      ...sdkSettings(config),
      // The scheme carries TLS on or off (the SDK's CAMUNDA_SECURE_CONNECTION is deprecated).
      ZEEBE_GRPC_ADDRESS: `${config.ZEEBE_SECURE ? 'grpcs' : 'grpc'}://${address}`,
      zeebeGrpcSettings: { ZEEBE_CLIENT_LOG_LEVEL: 'NONE', ZEEBE_GRPC_CLIENT_RETRY: options.retry ?? true },
    } as never,
  });
}

/**
 * The SDK worker's fields used by closeWorker: `jobStream` is its ActivateJobs call in flight (internal
 * to @camunda8/sdk 8.8, hence optional: without it closeWorker is a plain close()).
 */
interface PollingWorker {
  jobStream?: { emit(event: 'end'): boolean };
  grpcClient?: unknown;
  close(timeout?: number): Promise<unknown>;
}

/** The fields of the SDK's gRPC wrapper (internal) that debounce its connection state. */
interface DebouncedGrpc {
  connectionTolerance?: number;
  readyTimer?: NodeJS.Timeout;
  failTimer?: NodeJS.Timeout;
}

/**
 * The SDK's gRPC wrapper reports connection state only after it held for `connectionTolerance` (3 s),
 * with timers that close() leaves running and that the calls it cancels arm anew. They would only emit
 * events nobody listens to any more, but they kept each closed client's process alive for 3 s: clear
 * them, and let any armed later fire at once.
 */
function stopStateTimers(grpc: unknown): void {
  const g = grpc as DebouncedGrpc | undefined;
  if (!g) return;
  clearTimeout(g.readyTimer);
  clearTimeout(g.failTimer);
  g.connectionTolerance = 0;
}

/**
 * Closes a polling worker and lets the process exit at once. The SDK arms a timer of the long-poll
 * timeout + 1 s for every ActivateJobs call and clears it only when the call emits 'end' or 'error';
 * worker.close() cancels and destroys the call in flight, which suppresses both events, so the timer
 * (31 s with the hub's 30 s long poll) kept every stopped process alive — each test file with a hub
 * waited ~30 s before it could exit. Emitting 'end' is what that timer itself does when it fires (the
 * SDK's listeners then destroy the stream and clear the timer); it is done here right after close().
 */
export async function closeWorker(worker: object): Promise<void> {
  const w = worker as PollingWorker;
  const inFlight = w.jobStream;
  await w.close();
  // A poll may have been started while close() waited for the jobs in hand: end that one too.
  for (const call of new Set([inFlight, w.jobStream])) call?.emit('end');
  stopStateTimers(w.grpcClient);
}

/** Closes a Zeebe client after closing its workers with closeWorker (see there why). */
export async function closeZeebeClient(client: ZeebeClient): Promise<void> {
  // `workers` is the SDK client's list of the polling workers it created (internal, hence optional).
  const workers = (client as unknown as { workers?: object[] }).workers ?? [];
  await Promise.all(workers.map((w) => closeWorker(w)));
  await client.close();
  // `grpc` is the SDK client's promise of its own gRPC wrapper (internal, hence optional).
  stopStateTimers(await (client as unknown as { grpc?: Promise<unknown> }).grpc);
}
