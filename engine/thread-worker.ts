/**
 * The worker side of engine/thread.ts: starts the standalone engine (gateway, management port, REST API)
 * in this worker thread, reports its addresses, mirrors its clock into the shared buffer and stops on
 * request. Nothing else crosses the thread boundary: the hub reaches the engine through gRPC and REST,
 * as it reaches a Camunda 8 cluster.
 */
import { Writable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { startStandaloneEngine, type StandaloneEngineOptions } from './standalone.ts';

interface Data {
  options: Omit<StandaloneEngineOptions, 'logger'>;
  logLevel: string;
  /** [pinned (NaN when running), offset ms] */
  clock: SharedArrayBuffer;
}

const data = workerData as Data;
const port = parentPort!;
const clockState = new Float64Array(data.clock);

// Log lines go to the hub's logger in the main thread (its level, its destination, its redaction: it
// writes each line's fields again), so this thread's own logger is plain pino (engine/ imports no code of src/).
const lines = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString().split('\n')) if (line) port.postMessage({ type: 'log', line });
    done();
  },
});

try {
  const node = await startStandaloneEngine({
    ...data.options,
    logger: pino({ level: data.logLevel }, lines),
  });
  const clock = node.engine.clock;
  const publish = () => {
    const s = clock.state?.();
    clockState[0] = s?.pinned ?? Number.NaN;
    clockState[1] = s?.offset ?? 0;
  };
  for (const method of ['pin', 'add', 'reset'] as const) {
    const original = clock[method].bind(clock) as (arg?: number) => void;
    clock[method] = ((arg?: number) => {
      original(arg);
      publish();
    }) as never;
  }
  publish();
  port.on('message', (message: { type: string }) => {
    if (message.type !== 'close') return;
    node.close().then(
      () => port.postMessage({ type: 'closed' }),
      (err: unknown) => port.postMessage({ type: 'closed', error: String(err) }),
    );
  });
  port.postMessage({
    type: 'ready',
    gatewayAddress: node.gatewayAddress,
    gatewayHost: node.gateway.host,
    gatewayPort: node.gateway.port,
    restUrl: node.restUrl,
    managementUrl: node.management.url,
    managementPort: node.management.port,
  });
} catch (err) {
  port.postMessage({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
}
