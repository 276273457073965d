/**
 * The Zeebe gateway gRPC API of the embedded engine: serves `gateway_protocol.Gateway` (loaded from the
 * installed client's zeebe.proto) over plaintext or TLS and hands every RPC to the engine.
 */
import type { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { constants, type Http2Session } from 'node:http2';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { bearerInterceptor } from './auth.ts';
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
  /** When set, every call must carry it as a bearer token (ENGINE_AUTH_TOKEN). */
  authToken?: string;
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

/** How long a connection may stay open after the client said GOAWAY (its last calls finish meanwhile). */
const AFTER_CLIENT_GOAWAY_MS = 30_000;

/**
 * A client closing its channel sends GOAWAY and may still start a call it fired just before (a worker's
 * handler that does not await `cancelProcessInstance` before `close()`). Node's HTTP/2 answers any GOAWAY
 * it receives by closing the session at once: its own GOAWAY, the late stream refused, the connection
 * torn down under the calls still on it — and grpc-js 1.9 (which older Zeebe clients pin) retries such a
 * refused call in a tight loop for ever, starving its own timers. A client's GOAWAY only says it will
 * accept no new streams from us (RFC 9113 §6.8), which a gateway never opens, so the session is kept:
 * the client's last calls are served and it closes the connection itself; a client that never does is
 * closed gracefully after AFTER_CLIENT_GOAWAY_MS.
 *
 * grpc-js's Server does not expose its HTTP/2 servers; this reaches them through its `http2Servers` map
 * (present since 1.10). Without it the gateway still works, with Node's default behaviour.
 */
function keepSessionsAfterClientGoaway(server: Server, logger: EngineLogger) {
  const servers = (server as unknown as { http2Servers?: Map<EventEmitter, unknown> }).http2Servers;
  if (!(servers instanceof Map)) {
    logger.warn('grpc-js internals changed: a client GOAWAY closes its connection at once');
    return;
  }
  for (const http2Server of servers.keys()) {
    http2Server.on('session', (session: Http2Session) => {
      session.on('goaway', (code: number) => {
        if (code !== constants.NGHTTP2_NO_ERROR || session.closed) return;
        // Node calls session.close() right after this event: skip that one call.
        const close = session.close.bind(session);
        session.close = () => {
          session.close = close;
        };
        const timer = setTimeout(() => {
          if (!session.closed && !session.destroyed) close();
        }, AFTER_CLIENT_GOAWAY_MS);
        timer.unref();
        session.once('close', () => clearTimeout(timer));
      });
    });
  }
}

/** Starts the gateway; resolves once it listens. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { engine, logger } = options;
  const server = new Server({
    'grpc.max_receive_message_length': options.maxMessageBytes,
    'grpc.max_send_message_length': options.maxMessageBytes,
    interceptors: options.authToken ? [bearerInterceptor(options.authToken)] : [],
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
  keepSessionsAfterClientGoaway(server, logger);
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
