/**
 * The embedded engine in a worker thread of its own (the hub's ENGINE_THREAD, on by default).
 *
 * WHY: the engine applies commands one batch at a time, and with SQLite a batch never yields to the
 * event loop; a batch of procedures evaluating costly-but-allowed FEEL held the hub's API for seconds
 * (bench/engine-stall.ts: 20 × `count(for i in 1..50000 return i)` stalled the event loop 1,778 ms
 * in-process). In its own thread the engine stalls only itself. A thread that ends unexpectedly (an
 * uncaught error) is started again on the same ports and database. NOT a guard against running out of
 * memory: Node 20 aborts the whole process when a worker hitting its heap limit is terminated while it
 * parses an HTTP request (measured: "FATAL ERROR: v8::ToLocalChecked Empty MaybeLocal"), so no heap limit
 * is set here; memory is bounded by the FEEL budget, and a crash loop by the crash guard.
 *
 * The hub reaches this engine as it reaches any Zeebe: through gRPC and the REST API. What crosses the
 * thread boundary is the addresses, a stop request, and the engine clock (a shared buffer, so the hub's
 * synchronous `now()` follows a pinned test clock).
 */
import { Worker } from 'node:worker_threads';
import type { Engine, EngineClock } from './api.ts';
import type { Gateway } from './gateway/index.ts';
import type { ManagementServer } from './management/index.ts';
import type { StandaloneEngine, StandaloneEngineOptions } from './standalone.ts';

export interface EngineThreadOptions extends StandaloneEngineOptions {
  /** Log level of the engine's own logger in the thread (its lines go to this process's stdout). */
  logLevel: string;
}

interface Ready {
  type: 'ready';
  gatewayAddress: string;
  gatewayHost: string;
  gatewayPort: number;
  restUrl: string;
  managementUrl: string;
  managementPort: number;
}

const RESTART_DELAY_MS = 1000;

const LEVELS: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/** Starts the engine in a worker thread; resolves when it serves. Same surface as startStandaloneEngine. */
export async function startEngineThread(options: EngineThreadOptions): Promise<StandaloneEngine> {
  const log = options.logger.child({ component: 'engine-thread' });
  const clockBuffer = new SharedArrayBuffer(16);
  const clockState = new Float64Array(clockBuffer);
  clockState[0] = Number.NaN;
  let worker: Worker;
  let ready: Ready;
  let closing = false;
  let restarting: NodeJS.Timeout | undefined;

  const { logger, logLevel, ...standalone } = options;

  /** A JSON log line of the thread's logger, written again through the hub's. */
  function relay(line: string) {
    try {
      const {
        level,
        msg,
        time: _t,
        pid: _p,
        hostname: _h,
        ...fields
      } = JSON.parse(line) as Record<string, unknown>;
      logger[LEVELS[Number(level)] ?? 'info'](fields, String(msg ?? ''));
    } catch {
      logger.info({ line }, 'engine thread output');
    }
  }

  function spawn(opts: Omit<StandaloneEngineOptions, 'logger'>): Promise<{ worker: Worker; ready: Ready }> {
    // The loader of TypeScript is registered in the thread too (workers do not inherit it for their entry).
    const entry = new URL('./thread-worker.ts', import.meta.url).href;
    const w = new Worker(
      `import { register } from 'tsx/esm/api'; register(); await import(${JSON.stringify(entry)});`,
      {
        eval: true,
        workerData: { options: opts, logLevel, clock: clockBuffer },
      },
    );
    w.on('message', (m: { type: string; line?: string }) => {
      if (m.type === 'log' && m.line) relay(m.line);
    });
    return new Promise((resolve, reject) => {
      const onExit = (code: number) =>
        reject(new Error(`the engine thread exited (${code}) before it was ready`));
      w.once('exit', onExit);
      w.once('error', reject);
      w.on('message', (m: { type: string; message?: string }) => {
        if (m.type === 'ready') {
          w.off('exit', onExit);
          w.off('error', reject);
          resolve({ worker: w, ready: m as Ready });
        } else if (m.type === 'failed') {
          reject(new Error(m.message));
          void w.terminate();
        }
      });
    });
  }

  /** Watches the thread: an engine thread that ended (an uncaught error) is started again. */
  function watch(w: Worker) {
    w.on('error', (err) => log.error({ err }, 'the engine thread failed'));
    w.once('exit', (code) => {
      if (closing) return;
      log.error({ code }, `the engine thread stopped; starting it again in ${RESTART_DELAY_MS} ms`);
      const again = async () => {
        restarting = undefined;
        try {
          // The same ports as before, so clients reconnect to what they know.
          const started = await spawn({
            ...standalone,
            address: ready.gatewayAddress,
            managementPort: ready.managementPort,
          });
          if (closing) {
            await started.worker.terminate();
            return;
          }
          ({ worker, ready } = started);
          watch(worker);
          log.warn({ gateway: ready.gatewayAddress }, 'the engine thread is serving again');
        } catch (err) {
          log.error({ err }, 'the engine thread did not start again; trying later');
          if (!closing) restarting = setTimeout(() => void again(), RESTART_DELAY_MS * 5);
        }
      };
      restarting = setTimeout(() => void again(), RESTART_DELAY_MS);
    });
  }

  ({ worker, ready } = await spawn(standalone));
  watch(worker);

  const unsupported = () => {
    throw new Error(
      'the engine runs in its own thread (ENGINE_THREAD=true): reach it through gRPC or its REST API',
    );
  };
  const clock: EngineClock = {
    now: () => {
      const pinned = clockState[0]!;
      return Number.isNaN(pinned) ? Date.now() + clockState[1]! : pinned;
    },
    pin: unsupported,
    add: unsupported,
    reset: unsupported,
  };
  const engine = new Proxy({} as Engine, {
    get: (_target, name) => (name === 'clock' ? clock : name === 'then' ? undefined : unsupported),
  });
  const gateway: Gateway = {
    get host() {
      return ready.gatewayHost;
    },
    get port() {
      return ready.gatewayPort;
    },
    close: async () => {},
  };
  const management: ManagementServer = {
    get port() {
      return ready.managementPort;
    },
    get url() {
      return ready.managementUrl;
    },
    close: async () => {},
  };

  return {
    engine,
    gateway,
    management,
    rest: undefined,
    get restUrl() {
      return ready.restUrl;
    },
    get gatewayAddress() {
      return ready.gatewayAddress;
    },
    async close() {
      closing = true;
      if (restarting) clearTimeout(restarting);
      const w = worker;
      if (w.threadId < 0) return;
      const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
      const closed = new Promise<void>((resolve) =>
        w.on('message', (m: { type: string }) => {
          if (m.type === 'closed') resolve();
        }),
      );
      w.postMessage({ type: 'close' });
      await Promise.race([closed, exited]);
      await w.terminate();
    },
  };
}
