/**
 * A TCP relay to the engine's gateway that can lose one answer (tests of the case start, src/cases/start.ts):
 * once armed, the next thing the engine sends back is never passed on and the client's connection is cut
 * 300 ms later, the request having reached the engine — as when the engine's thread restarts.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

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
