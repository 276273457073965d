/**
 * The engine's management HTTP port, modelled on Zeebe's actuator (port 9600): readiness for probes and
 * the hub's /readyz, and — only when clock control is on — the clock endpoints tests and demos use to
 * move the engine's time:
 *   GET    /actuator/clock        → {"epochMilli": …, "instant": "…"}
 *   POST   /actuator/clock/pin    {"epochMilli": …}   pins the clock
 *   POST   /actuator/clock/add    {"offsetMilli": …}  moves it by an offset
 *   DELETE /actuator/clock        back to system time
 * With clock control off the clock paths do not exist (404), so a production engine cannot be time-shifted.
 * Unless the REST API has a port of its own (ENGINE_REST_PORT), its /v2 paths are served here too.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EngineClock, EngineLogger } from '../api.ts';
import type { RestHandler } from '../rest/index.ts';
import { bearerMatches, UNAUTHORIZED_PROBLEM } from '../auth.ts';

export interface ManagementOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  clock: EngineClock;
  clockControl: boolean;
  /** Whether the engine takes commands (false while starting and shutting down). */
  isReady: () => boolean;
  logger: EngineLogger;
  /** Serves the /v2 REST paths on this port as well. */
  rest?: RestHandler;
  /** When set, the clock endpoints need it as a bearer token (health stays open, for probes). */
  authToken?: string;
}

export interface ManagementServer {
  readonly port: number;
  /** Base URL, e.g. http://127.0.0.1:9600. */
  readonly url: string;
  close(): Promise<void>;
}

/** Bodies larger than this are refused; the endpoints take one number. */
const MAX_BODY_BYTES = 4096;

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const titles: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed' };

function send(res: ServerResponse, status: number, body?: unknown) {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const problem = status >= 400;
  res
    .writeHead(status, { 'content-type': problem ? 'application/problem+json' : 'application/json' })
    .end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpProblem(400, 'request body too large');
    chunks.push(chunk);
  }
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new HttpProblem(400, 'expected a JSON object body');
}

function integerField(body: Record<string, unknown>, field: string, min: number): number {
  const value = body[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
    throw new HttpProblem(400, `expected "${field}" to be an integer${min === 0 ? ' ≥ 0' : ''}`);
  return value;
}

/** Starts the management server; resolves once it listens. */
export async function startManagementServer(options: ManagementOptions): Promise<ManagementServer> {
  const { clock } = options;
  const clockBody = () => {
    const epochMilli = clock.now();
    return { epochMilli, instant: new Date(epochMilli).toISOString() };
  };

  async function route(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    if (path === '/actuator/health' || path === '/ready') {
      if (method !== 'GET') throw new HttpProblem(405, `${method} is not allowed on ${path}`);
      const ready = options.isReady();
      send(res, ready ? 200 : 503, { status: ready ? 'UP' : 'DOWN' });
      return;
    }
    if (
      options.authToken &&
      path.startsWith('/actuator/clock') &&
      !bearerMatches(req.headers.authorization, options.authToken)
    ) {
      res.setHeader('www-authenticate', 'Bearer');
      return send(res, 401, UNAUTHORIZED_PROBLEM);
    }
    if (options.clockControl && path === '/actuator/clock') {
      if (method === 'GET') return send(res, 200, clockBody());
      if (method === 'DELETE') {
        clock.reset();
        return send(res, 200, clockBody());
      }
      throw new HttpProblem(405, `${method} is not allowed on ${path}`);
    }
    if (options.clockControl && (path === '/actuator/clock/pin' || path === '/actuator/clock/add')) {
      if (method !== 'POST') throw new HttpProblem(405, `${method} is not allowed on ${path}`);
      const body = await readJson(req);
      if (path.endsWith('/pin')) clock.pin(integerField(body, 'epochMilli', 0));
      else clock.add(integerField(body, 'offsetMilli', Number.MIN_SAFE_INTEGER));
      return send(res, 200, clockBody());
    }
    throw new HttpProblem(404, `no endpoint ${path}`);
  }

  const server = createServer((req, res) => {
    const handled = options.rest ? options.rest(req, res) : Promise.resolve(false);
    handled
      .then((done) => (done ? undefined : route(req, res)))
      .catch((err: unknown) => {
        if (err instanceof HttpProblem) {
          send(res, err.status, {
            type: 'about:blank',
            title: titles[err.status] ?? 'Error',
            status: err.status,
            detail: err.message,
          });
          return;
        }
        options.logger.error({ err }, 'management request failed');
        send(res, 500, {
          type: 'about:blank',
          title: 'Internal Server Error',
          status: 500,
          detail: 'internal error',
        });
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  options.logger.info({ url, clockControl: options.clockControl }, 'engine management endpoint listening');
  return {
    port,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
