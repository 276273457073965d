/**
 * Test harness for the embedded engine: starts it (in-process, or as a child process for crash tests)
 * on free ports with its own fresh database (per HUB_TEST_DB), and connects the REAL Zeebe client
 * (@camunda8/sdk's ZeebeGrpcClient) over plaintext without OAuth. Teardown closes the clients, stops
 * the engine and drops the database.
 *
 *   const t = await startTestEngine();
 *   await t.zbc.deployResource({ process: Buffer.from(xml), name: 'p.bpmn' });
 *   await t.clock.add(60_000);
 *   await t.close();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ZeebeGrpcClient } from '@camunda8/sdk/dist/zeebe/index.js';
import { credentials, makeGenericClientConstructor, type Client } from '@grpc/grpc-js';
import type { Engine, EngineLimits } from '../../engine/api.ts';
import { loadGatewayService } from '../../engine/gateway/proto.ts';
import { startStandaloneEngine } from '../../engine/standalone.ts';
import { createLogger } from '../../src/log.ts';
import { closeZeebeClient } from '../../src/zeebe.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

export { createTestDatabase, type TestDatabase };

export type { ZeebeGrpcClient };

/** The engine clock, driven through the management port's actuator (clock control is on in tests). */
export interface TestClock {
  /** Engine time, epoch ms. */
  now(): Promise<number>;
  /** Pins the engine clock; returns the new engine time. */
  pin(epochMilli: number): Promise<number>;
  /** Moves the engine clock by `offsetMilli`; returns the new engine time. */
  add(offsetMilli: number): Promise<number>;
  /** Back to system time. */
  reset(): Promise<number>;
}

export interface TestEngineOptions {
  /** Run the engine as a child process (`npm run engine`), so it can be SIGKILLed. Default false. */
  childProcess?: boolean;
  /** Clock actuator on. Default true. */
  clockControl?: boolean;
  /** In-process mode: serve TLS with these PEM files (clients then connect with grpcs:// and trust the cert). */
  tls?: { certFile: string; keyFile: string };
  /** In-process mode: ENGINE_HISTORY_RETENTION_DAYS. Default: keep everything. */
  historyRetentionDays?: number;
  /** In-process mode: ENGINE_MAX_MESSAGE_BYTES. Default 4 MiB. */
  maxMessageBytes?: number;
  /** In-process mode: the engine's limits (EngineLimits); unset fields keep the defaults. */
  limits?: Partial<EngineLimits>;
  /** Child-process mode: extra environment variables of the engine process (its configuration). */
  env?: Record<string, string>;
  /** Child-process mode: extra Node.js options of the engine process (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  /** Extra Zeebe client settings (zeebeGrpcSettings etc.) merged into every client's config. */
  clientConfig?: Record<string, unknown>;
  /** ENGINE_AUTH_TOKEN of the in-process engine (clients then need clientConfig with the token). */
  authToken?: string;
}

export interface TestEngine {
  /** A connected real Zeebe client. */
  readonly zbc: ZeebeGrpcClient;
  /** Gateway host:port. */
  readonly address: string;
  /** Management base URL (http://127.0.0.1:port). */
  readonly managementUrl: string;
  readonly clock: TestClock;
  readonly db: TestDatabase;
  /** The engine object (in-process mode only). */
  readonly engine: Engine | undefined;
  /** Another client on the same gateway (closed by close()). */
  newClient(extraConfig?: Record<string, unknown>): ZeebeGrpcClient;
  /** Child-process mode: SIGKILLs the engine (no cleanup at all). */
  kill(): Promise<void>;
  /** Child-process mode: starts the engine again on the same database and the same ports. */
  restart(): Promise<void>;
  /** Stops the engine gracefully but keeps the database (to inspect it); close() still drops it. */
  stop(): Promise<void>;
  /** Closes the clients, stops the engine (if running) and drops the database. */
  close(): Promise<void>;
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Client configuration for a plaintext gateway without OAuth, passed explicitly (not via env). */
export function clientConfig(address: string, extra: Record<string, unknown> = {}, rootCertFile?: string) {
  const settings = (extra.zeebeGrpcSettings ?? {}) as Record<string, unknown>;
  return {
    CAMUNDA_AUTH_STRATEGY: 'NONE' as const, // unless `extra` names one (a bearer token)
    ...extra,
    ...(rootCertFile ? { CAMUNDA_CUSTOM_ROOT_CERT_PATH: rootCertFile } : {}),
    ZEEBE_GRPC_ADDRESS: `${rootCertFile ? 'grpcs' : 'grpc'}://${address}`,
    CAMUNDA_LOG_LEVEL: 'error' as const,
    zeebeGrpcSettings: { ZEEBE_CLIENT_LOG_LEVEL: 'NONE' as const, ...settings },
  };
}

/** Starts an engine with a fresh database and a connected client. */
export async function startTestEngine(options: TestEngineOptions = {}): Promise<TestEngine> {
  const clockControl = options.clockControl ?? true;
  const db = await createTestDatabase('hub_t_engine');
  let runner: Runner;
  try {
    runner = options.childProcess
      ? await startChild(db.url, clockControl, 0, 0, options.env, options.nodeArgs)
      : await startInProcess(db.url, clockControl, options);
  } catch (err) {
    await db.drop();
    throw err;
  }
  const clients: ZeebeGrpcClient[] = [];
  const newClient = (extra: Record<string, unknown> = {}) => {
    const config = clientConfig(runner.address, { ...options.clientConfig, ...extra }, options.tls?.certFile);
    const client = new ZeebeGrpcClient({ config: config as never });
    clients.push(client);
    return client;
  };
  const zbc = newClient();
  const clock = createClock(() => runner.managementUrl);
  let stopped: Promise<void> | undefined;
  const stopOnce = () => (stopped ??= runner.stop());
  return {
    zbc,
    get address() {
      return runner.address;
    },
    get managementUrl() {
      return runner.managementUrl;
    },
    clock,
    db,
    get engine() {
      return runner.engine;
    },
    newClient,
    async kill() {
      await runner.kill();
    },
    async restart() {
      await runner.kill();
      runner = await startChild(
        db.url,
        clockControl,
        runner.grpcPort,
        runner.managementPort,
        options.env,
        options.nodeArgs,
      );
      stopped = undefined;
    },
    stop: () => stopOnce(),
    async close() {
      // closeZeebeClient ends the workers' long polls in flight, so the test process exits at once.
      await Promise.allSettled(clients.map((c) => closeZeebeClient(c)));
      await stopOnce();
      await db.drop();
    },
  };
}

interface Runner {
  address: string;
  grpcPort: number;
  managementUrl: string;
  managementPort: number;
  engine: Engine | undefined;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

async function startInProcess(
  databaseUrl: string,
  clockControl: boolean,
  options: TestEngineOptions,
): Promise<Runner> {
  const node = await startStandaloneEngine({
    databaseUrl,
    address: '127.0.0.1:0',
    managementPort: 0,
    clockControl,
    historyRetentionDays: options.historyRetentionDays,
    limits: options.limits,
    maxMessageBytes: options.maxMessageBytes ?? 4 * 1024 * 1024,
    tls: options.tls,
    authToken: options.authToken,
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
  });
  return {
    address: node.gatewayAddress,
    grpcPort: node.gateway.port,
    managementUrl: node.management.url,
    managementPort: node.management.port,
    engine: node.engine,
    kill: () => Promise.reject(new Error('kill() needs startTestEngine({ childProcess: true })')),
    stop: () => node.close(),
  };
}

/** Starts `src/engine-main.ts` in a child process and waits for its "engine ready" log line. */
async function startChild(
  databaseUrl: string,
  clockControl: boolean,
  grpcPort: number,
  managementPort: number,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<Runner> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/engine-main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ENGINE_DATABASE_URL: databaseUrl,
      ZEEBE_ADDRESS: `127.0.0.1:${grpcPort}`,
      ENGINE_MANAGEMENT_PORT: String(managementPort),
      ENGINE_CLOCK_CONTROL: String(clockControl),
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await waitForReady(child);
  const [, port] = /:(\d+)$/.exec(ready.gateway) ?? [];
  return {
    address: ready.gateway,
    grpcPort: Number(port),
    managementUrl: ready.management,
    managementPort: Number(new URL(ready.management).port),
    engine: undefined,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function waitForReady(child: ChildProcess): Promise<{ gateway: string; management: string }> {
  return new Promise((resolve, reject) => {
    const output: string[] = [];
    const timer = setTimeout(() => fail(new Error('engine did not become ready within 30 s')), 30_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${err.message}\n${output.slice(-20).join('\n')}`));
    };
    createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      let entry: { msg?: string; gateway?: string; management?: string };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return;
      }
      if (entry.msg === 'engine ready' && entry.gateway && entry.management) {
        clearTimeout(timer);
        resolve({ gateway: entry.gateway, management: entry.management });
      }
    });
    child.once('exit', (code, signal) =>
      fail(new Error(`engine exited (${signal ?? code}) before it was ready`)),
    );
  });
}

function createClock(base: () => string): TestClock {
  const call = async (method: string, path: string, body?: unknown): Promise<number> => {
    const res = await fetch(base() + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    return ((await res.json()) as { epochMilli: number }).epochMilli;
  };
  return {
    now: () => call('GET', '/actuator/clock'),
    pin: (epochMilli) => call('POST', '/actuator/clock/pin', { epochMilli }),
    add: (offsetMilli) => call('POST', '/actuator/clock/add', { offsetMilli }),
    reset: () => call('DELETE', '/actuator/clock'),
  };
}

/**
 * A copy of a BPMN document whose process ids and job types carry `suffix`, so tests running at the same
 * time on one engine never take each other's jobs. Returns the XML and the renamed ids.
 */
export function bpmnVariant(
  xml: string,
  suffix: string,
): { xml: string; processIds: string[]; jobTypes: string[] } {
  const processIds: string[] = [];
  const jobTypes: string[] = [];
  const renamed = xml
    .replace(/(<bpmn:process\b[^>]*?\bid=")([^"]+)"/g, (_m, head: string, id: string) => {
      processIds.push(`${id}-${suffix}`);
      return `${head}${id}-${suffix}"`;
    })
    .replace(/(<zeebe:taskDefinition\b[^>]*?\btype=")([^"]+)"/g, (_m, head: string, type: string) => {
      jobTypes.push(`${type}-${suffix}`);
      return `${head}${type}-${suffix}"`;
    });
  return { xml: renamed, processIds, jobTypes };
}

/** A bare gRPC client of the Gateway service, for requests the Zeebe client would never send. */
export type RawGatewayClient = Client & Record<string, (...args: unknown[]) => unknown>;

/** Connects a bare grpc-js Gateway client (plaintext, or TLS trusting `rootCert`); close with `client.close()`. */
export function rawGatewayClient(address: string, rootCert?: Buffer): RawGatewayClient {
  const Gateway = makeGenericClientConstructor(loadGatewayService(), 'Gateway');
  const channel = rootCert ? credentials.createSsl(rootCert) : credentials.createInsecure();
  return new Gateway(address, channel) as unknown as RawGatewayClient;
}

/** Calls a unary RPC on the bare client; resolves with the response or rejects with the gRPC error. */
export function rawUnary(
  client: RawGatewayClient,
  rpc: string,
  request: object,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) =>
    client[rpc]!(request, (err: Error | null, res: Record<string, unknown>) =>
      err ? reject(err) : resolve(res),
    ),
  );
}
