/**
 * The Zeebe gateway gRPC API of the embedded engine: serves `gateway_protocol.Gateway` (loaded from the
 * installed client's zeebe.proto) over plaintext or TLS and hands every RPC to the engine.
 */
import { readFileSync } from 'node:fs';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { EngineApi, EngineLogger } from '../api.ts';
import { createHandlers } from './handlers.ts';
import { createJobPoller } from './long-poll.ts';
import { loadGatewayService } from './proto.ts';

export { DEFAULT_LONG_POLL_MS } from './handlers.ts';

export interface GatewayOptions {
  engine: EngineApi;
  /** host:port to listen on; port 0 picks a free port. */
  address: string;
  /** PEM files; both set = TLS, neither = plaintext. */
  tls?: { certFile: string; keyFile: string };
  /** Largest message accepted and sent, in bytes. */
  maxMessageBytes: number;
  logger: EngineLogger;
}

export interface Gateway {
  /** Where the gateway listens (the bound port when 0 was asked for). */
  readonly host: string;
  readonly port: number;
  /** Ends waiting long polls and job streams, then stops the server (forcefully after `graceMs`). */
  close(graceMs?: number): Promise<void>;
}

/** Splits "host:port" ("[::1]:26500" for IPv6). */
export function splitAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(address.slice(at + 1)) };
}

/** Starts the gateway; resolves once it listens. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { engine, logger } = options;
  const server = new Server({
    'grpc.max_receive_message_length': options.maxMessageBytes,
    'grpc.max_send_message_length': options.maxMessageBytes,
  });
  const { host } = splitAddress(options.address);
  let port = 0;
  const poller = createJobPoller(engine, logger);
  const streams = new Set<{ end(): void }>();
  const service = loadGatewayService();
  server.addService(
    service,
    createHandlers(service, {
      engine,
      poller,
      logger,
      streams,
      maxMessageBytes: options.maxMessageBytes,
      advertised: () => ({ host, port }),
    }),
  );
  const credentials = options.tls
    ? ServerCredentials.createSsl(null, [
        { cert_chain: readFileSync(options.tls.certFile), private_key: readFileSync(options.tls.keyFile) },
      ])
    : ServerCredentials.createInsecure();
  port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(options.address, credentials, (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  logger.info({ host, port, tls: Boolean(options.tls) }, 'Zeebe gateway listening');

  return {
    host,
    port,
    async close(graceMs = 5000) {
      poller.close();
      for (const stream of streams) stream.end();
      streams.clear();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}
