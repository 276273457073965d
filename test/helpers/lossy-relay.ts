/**
 * A TCP relay to the engine's gateway that can lose one answer (tests of the case start, src/cases/start.ts):
 * once armed, the next thing the engine sends back is never passed on and the client's connection is cut
 * 300 ms later, the request having reached the engine — as when the engine's thread restarts.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { ExecutionContext } from 'ava';
import { createCaseStarter, enqueueStart } from '../../src/cases/start.ts';
import { loadConfig } from '../../src/config.ts';
import type { Db } from '../../src/db/index.ts';
import { createEngineQuery } from '../../src/incidents/engine-query.ts';
import { createLogger } from '../../src/log.ts';
import { closeZeebeClient, createZeebeClient } from '../../src/zeebe.ts';
import type { TestEngine } from './engine.ts';
import { insertCase } from './workers.ts';

export async function lossyRelay(target: string) {
  const [host, port] = target.split(':') as [string, string];
  let armed = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(port), host);
    sockets.add(client).add(upstream);
    let losing = false;
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => {
      if (losing) return;
      if (!armed) {
        client.write(d);
        return;
      }
      armed = false;
      losing = true;
      // The answer is never passed on: the connection ends under the client, as a restart would.
      setTimeout(() => {
        client.destroy();
        upstream.destroy();
      }, 300);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    address: `127.0.0.1:${(server.address() as { port: number }).port}`,
    arm: () => (armed = true),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/**
 * A case starter as src/hub.ts builds it (its own client, the SDK's re-sending off, the engine's search),
 * talking to `te` through a lossy relay, and a reported case with its start intent committed. The
 * client's connection is open (HTTP/2 settings exchanged), so `relay.arm()` loses the next answer, not
 * the handshake's. Stopped and closed when the test ends.
 */
export async function starterBehindLossyRelay(t: ExecutionContext, te: TestEngine, db: Db) {
  const relay = await lossyRelay(te.address);
  const config = loadConfig({ ZEEBE_ADDRESS: relay.address });
  const zeebe = createZeebeClient(config, relay.address, { retry: false });
  const engineQuery = createEngineQuery(config, te.managementUrl);
  const starter = createCaseStarter({
    db,
    zeebe,
    engineQuery,
    logger: createLogger('silent'),
    claimMs: 20_000,
    timeoutMs: 15_000,
    intervalMs: 200,
  });
  t.teardown(async () => {
    await starter.stop();
    await closeZeebeClient(zeebe);
    await relay.close();
  });
  const reported = await insertCase(db, { status: 'reported' });
  await db.prisma.$transaction((tx) => enqueueStart(tx, reported));
  await zeebe.topology();
  return { relay, engineQuery, starter, reported };
}
