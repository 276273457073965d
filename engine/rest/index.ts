/**
 * A subset of Camunda 8.8's Orchestration Cluster REST API (v2), served by the embedded engine so the
 * hub's query code (and @camunda8/sdk's CamundaRestClient) works the same against a Camunda 8 cluster:
 *
 *   POST /v2/process-definitions/search      GET /v2/process-definitions/{key}   GET …/{key}/xml
 *   POST /v2/process-instances/search        GET /v2/process-instances/{key}
 *   POST /v2/process-definitions/{key}/statistics/element-instances
 *   GET  /v2/process-instances/{key}/statistics/element-instances   GET …/{key}/call-hierarchy
 *   POST /v2/process-instances/{key}/incidents/search (the instance and the instances it called)
 *   POST /v2/process-instances/{key}/cancellation
 *   POST /v2/element-instances/search        (filter.processInstanceKey required)
 *   POST /v2/incidents/search                GET /v2/incidents/{key}
 *   POST /v2/incidents/{key}/resolution      POST /v2/jobs/search
 *   GET  /v2/topology                        /v2/user-tasks/… (rest/user-tasks.ts)
 *   PUT  /v2/clock {timestamp}               POST /v2/clock/reset (with clock control on)
 *   POST /v2/jobs/activation (long polling)  POST /v2/jobs/{key}/completion | failure | error
 *   PATCH /v2/jobs/{key} (retries, timeout)                                            (rest/jobs.ts)
 *   POST /v2/deployments (multipart)         POST /v2/process-instances (awaitCompletion too)
 *   POST /v2/messages/publication            POST /v2/signals/broadcast               (rest/commands.ts)
 *   POST /v2/variables/search                GET /v2/variables/{key}
 *   GET  /v2/element-instances/{key}         PUT /v2/element-instances/{key}/variables (rest/variables.ts)
 *   POST /v2/process-instances/{key}/modification | migration                          (rest/modify.ts)
 *   POST /v2/decision-definitions/evaluation /v2/decision-definitions/…, /v2/decision-requirements/…
 *                                            search, get, xml                         (rest/decisions.ts)
 *
 * Enough for @camunda8/orchestration-cluster-api (8.8, REST only) to deploy, start, run a job worker and
 * search. Keys are strings of digits; a malformed key in a path is 400, an unknown one 404.
 *
 * Errors are RFC 9457 problem+json {type, title, status, detail, instance}. No authentication: like the
 * gateway, it binds to the engine's host (127.0.0.1 by default); put it behind a proxy to expose it.
 */
import { bearerMatches, UNAUTHORIZED_PROBLEM } from '../auth.ts';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EngineError, type Engine, type EngineLogger } from '../api.ts';
import { createEngineQueries, QueryProblem } from '../query/index.ts';
import { int, objectOf } from './body.ts';
import { commandRoutes } from './commands.ts';
import { decisionRoutes } from './decisions.ts';
import { modifyRoutes } from './modify.ts';
import { jobRoutes } from './jobs.ts';
import { userTaskRoutes } from './user-tasks.ts';
import { variableRoutes } from './variables.ts';

export interface RestOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  engine: Engine;
  logger: EngineLogger;
  /** When set, every request must carry it as a bearer token (ENGINE_AUTH_TOKEN). */
  authToken?: string;
}

export interface RestServer {
  readonly port: number;
  /** Base URL without /v2, e.g. http://127.0.0.1:8080 (what ZEEBE_REST_ADDRESS names). */
  readonly url: string;
  close(): Promise<void>;
}

/** Search bodies are small JSON objects. */
const MAX_BODY_BYTES = 64 * 1024;

const HTTP_OF: Partial<Record<EngineError['code'], number>> = {
  NOT_FOUND: 404,
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 409,
  ALREADY_EXISTS: 409,
  RESOURCE_EXHAUSTED: 429,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
  UNIMPLEMENTED: 501,
};

function send(res: ServerResponse, status: number, body?: unknown, type = 'application/json') {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': `${type}; charset=utf-8` }).end(text);
}

/** What is read and thrown away of an oversized body before the connection is cut regardless. */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

/**
 * A 413 whose answer closes the connection: the rest of the body is still on it, so it cannot carry
 * another request (a client reusing it would fail).
 */
class BodyTooLarge extends QueryProblem {}

async function readBytes(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  // destroyOnReturn false: leaving the loop must not destroy the request (and with it the socket) before
  // the 413 is written.
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      drain(req);
      throw new BodyTooLarge(413, 'PAYLOAD_TOO_LARGE', `The request body exceeds ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function readJson(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<unknown> {
  const text = (await readBytes(req, maxBytes)).toString('utf8');
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new QueryProblem(400, 'INVALID_ARGUMENT', 'The request body is not valid JSON');
  }
}

/**
 * Reads and discards the rest of a refused body: closing a socket with unread data makes the kernel
 * answer with a reset, which can destroy the 413 before the client has read it. Past MAX_DRAIN_BYTES
 * the connection is cut anyway.
 */
function drain(req: IncomingMessage) {
  let drained = 0;
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > MAX_DRAIN_BYTES) req.socket.destroy();
  });
  req.resume();
}

/** A request handler for the /v2 paths; answers and returns true, or returns false for other paths. */
export type RestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/**
 * The /v2 API as a handler, for the management server (the default: one HTTP port for the engine) or a
 * server of its own (ENGINE_REST_PORT, like Camunda's 8080).
 */
export function createRestHandler(engine: Engine, logger: EngineLogger, authToken?: string): RestHandler {
  const q = createEngineQueries(engine);
  const io = { readJson, readBytes, send };

  type Handler = (match: string[], req: IncomingMessage, res: ServerResponse) => Promise<void>;
  const searchOf =
    (fn: (body: unknown) => Promise<unknown>): Handler =>
    async (_m, req, res) =>
      send(res, 200, await fn(await readJson(req)));
  const routes: [method: string, pattern: RegExp, handler: Handler][] = [
    ['POST', /^\/v2\/process-definitions\/search$/, searchOf(q.searchProcessDefinitions)],
    [
      'GET',
      /^\/v2\/process-definitions\/([^/]+)\/xml$/,
      async ([key], _req, res) => send(res, 200, await q.getProcessDefinitionXml(key!), 'text/xml'),
    ],
    [
      'GET',
      /^\/v2\/process-definitions\/([^/]+)$/,
      async ([key], _req, res) => send(res, 200, await q.getProcessDefinition(key!)),
    ],
    [
      'POST',
      /^\/v2\/process-definitions\/([^/]+)\/statistics\/element-instances$/,
      async ([key], req, res) =>
        send(res, 200, await q.processDefinitionStatistics(key!, await readJson(req))),
    ],
    [
      'GET',
      /^\/v2\/process-instances\/([^/]+)\/statistics\/element-instances$/,
      async ([key], _req, res) => send(res, 200, await q.processInstanceStatistics(key!)),
    ],
    [
      'GET',
      /^\/v2\/process-instances\/([^/]+)\/call-hierarchy$/,
      async ([key], _req, res) => send(res, 200, await q.callHierarchy(key!)),
    ],
    ['POST', /^\/v2\/process-instances\/search$/, searchOf(q.searchProcessInstances)],
    [
      'POST',
      /^\/v2\/process-instances\/([^/]+)\/cancellation$/,
      async ([key], req, res) => {
        await readJson(req); // the body (operationReference) is optional and unused
        await engine.cancelProcessInstance({ processInstanceKey: key! });
        send(res, 204);
      },
    ],
    [
      'GET',
      /^\/v2\/process-instances\/([^/]+)$/,
      async ([key], _req, res) => send(res, 200, await q.getProcessInstance(key!)),
    ],
    ['POST', /^\/v2\/element-instances\/search$/, searchOf(q.searchElementInstances)],
    [
      'POST',
      /^\/v2\/process-instances\/([^/]+)\/incidents\/search$/,
      async ([key], req, res) => send(res, 200, await q.searchInstanceIncidents(key!, await readJson(req))),
    ],
    ['POST', /^\/v2\/incidents\/search$/, searchOf(q.searchIncidents)],
    [
      'POST',
      /^\/v2\/incidents\/([^/]+)\/resolution$/,
      async ([key], req, res) => {
        await readJson(req); // the body (operationReference) is optional and unused
        await engine.resolveIncident({ incidentKey: key! });
        send(res, 204);
      },
    ],
    [
      'GET',
      /^\/v2\/incidents\/([^/]+)$/,
      async ([key], _req, res) => send(res, 200, await q.getIncident(key!)),
    ],
    ['POST', /^\/v2\/jobs\/search$/, searchOf(q.searchJobs)],
    ['GET', /^\/v2\/topology$/, async (_m, _req, res) => send(res, 200, await engine.topology())],
    // The engine clock, as the management port's /actuator/clock: only with clock control on
    // (ENGINE_CLOCK_CONTROL), else the engine's refusal (409).
    [
      'PUT',
      /^\/v2\/clock$/,
      async (_m, req, res) => {
        const b = objectOf(await readJson(req), ['timestamp'], 'the clock pin request');
        engine.clock.pin(int(b, 'timestamp', true, 0));
        send(res, 204);
      },
    ],
    [
      'POST',
      /^\/v2\/clock\/reset$/,
      async (_m, req, res) => {
        await readJson(req);
        engine.clock.reset();
        send(res, 204);
      },
    ],
    ...userTaskRoutes(engine, io),
    ...variableRoutes(engine, q, io),
    ...decisionRoutes(engine, io),
    ...modifyRoutes(engine, io),
    ...jobRoutes(engine, logger, io).routes,
    ...commandRoutes(engine, io),
  ];

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const method = req.method ?? 'GET';
    let pathMatched = false;
    for (const [m, pattern, handler] of routes) {
      const match = pattern.exec(path);
      if (!match) continue;
      pathMatched = true;
      if (m !== method) continue;
      return handler(match.slice(1).map(decodeURIComponent), req, res);
    }
    if (pathMatched) throw new QueryProblem(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}`);
    throw new QueryProblem(
      404,
      'NOT_FOUND',
      `No endpoint ${path} (this engine serves a subset of the v2 API)`,
    );
  }

  return async (req, res) => {
    if (!/^\/v2(\/|$)/.test(new URL(req.url ?? '/', 'http://localhost').pathname)) return false;
    if (authToken && !bearerMatches(req.headers.authorization, authToken)) {
      res.setHeader('www-authenticate', 'Bearer');
      send(res, 401, UNAUTHORIZED_PROBLEM, 'application/problem+json');
      return true;
    }
    await route(req, res).catch((err: unknown) => {
      const instance = new URL(req.url ?? '/', 'http://localhost').pathname;
      let status = 500;
      let title = 'INTERNAL';
      let detail = 'internal error';
      if (err instanceof QueryProblem) {
        ({ status, title } = err);
        detail = err.message;
      } else if (err instanceof EngineError && HTTP_OF[err.code]) {
        status = HTTP_OF[err.code]!;
        title = err.code;
        detail = err.message;
      } else logger.error({ err, path: instance }, 'engine REST request failed');
      if (res.headersSent) return void res.end();
      // Node ends the connection after this answer (and goes on draining the body meanwhile).
      if (err instanceof BodyTooLarge) res.setHeader('connection', 'close');
      send(res, status, { type: 'about:blank', title, status, detail, instance }, 'application/problem+json');
    });
    return true;
  };
}

/** Starts the REST API on a port of its own; resolves once it listens. */
export async function startRestServer(options: RestOptions): Promise<RestServer> {
  const { logger } = options;
  const handle = createRestHandler(options.engine, logger, options.authToken);
  const server = createServer((req, res) => {
    void handle(req, res).then((handled) => {
      if (!handled)
        send(
          res,
          404,
          { type: 'about:blank', title: 'NOT_FOUND', status: 404, detail: 'Only /v2 paths are served here' },
          'application/problem+json',
        );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  logger.info({ url }, 'engine REST API (v2 subset) listening');
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
