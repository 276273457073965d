/**
 * The HTTP side of the legacy-system simulators (sanitation, video, utilities): a plain node:http server
 * on a fixed port once chosen, with the faults the adapters must survive — down (the port refuses
 * connections, as a crashed system does), slow (every answer waits), and a number of 500 answers.
 * Down really closes the listening socket and reopens the same port, so clients see ECONNREFUSED and
 * the adapter's retry path is the one a real outage takes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Faults a simulator applies to every request; tests change them while it runs. */
export interface HttpFaults {
  /** Each request waits this long before it is handled. */
  slowMs: number;
  /** The next this many requests answer 500 (counted down). */
  fail500: number;
}

export interface SimRequest {
  method: string;
  /** path without the query */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** the body parsed as JSON, undefined when it is not JSON */
  json: unknown;
}

export interface SimReply {
  status: number;
  /** JSON value (sent as application/json), a Buffer (sent with `contentType`) or nothing */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export type SimHandler = (req: SimRequest, res: ServerResponse) => Promise<SimReply | null> | SimReply | null;

export interface SimHttpServer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly faults: HttpFaults;
  /** Requests received (the faulty ones included), for tests that check a client really retried. */
  readonly requestCount: number;
  /** true: close the port (connections refused); false: listen on the same port again. */
  setDown(down: boolean): Promise<void>;
  readonly down: boolean;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, reply: SimReply) {
  if (res.writableEnded) return;
  const headers: Record<string, string> = { ...reply.headers };
  let payload: Buffer | string | undefined;
  if (Buffer.isBuffer(reply.body)) {
    payload = reply.body;
    headers['content-type'] = reply.contentType ?? 'application/octet-stream';
  } else if (reply.body !== undefined) {
    payload = JSON.stringify(reply.body);
    // Exactly `application/json`: camunda-external-task-client-js parses a body only when the header is
    // that string, as Camunda 7's REST API sends it.
    headers['content-type'] = reply.contentType ?? 'application/json';
  }
  res.writeHead(reply.status, headers);
  res.end(payload);
}

/** Starts a simulator HTTP server on `port` (0 = a free one, kept across down/up). */
export async function startSimHttp(
  handler: SimHandler,
  options: { port?: number } = {},
): Promise<SimHttpServer> {
  const faults: HttpFaults = { slowMs: 0, fail500: 0 };
  let requestCount = 0;
  let server: Server | undefined;
  let port = options.port ?? 0;
  let down = false;

  const listener = async (req: IncomingMessage, res: ServerResponse) => {
    requestCount += 1;
    try {
      const body = await readBody(req);
      if (faults.slowMs > 0) await new Promise((r) => setTimeout(r, faults.slowMs));
      if (faults.fail500 > 0) {
        faults.fail500 -= 1;
        return send(res, { status: 500, body: { type: 'ServerError', message: 'simulated failure' } });
      }
      const url = new URL(req.url ?? '/', 'http://sim');
      let json: unknown;
      if (body.length && /json/.test(req.headers['content-type'] ?? '')) {
        try {
          json = JSON.parse(body.toString('utf8'));
        } catch {
          return send(res, {
            status: 400,
            body: { type: 'InvalidRequestException', message: 'invalid JSON' },
          });
        }
      }
      const reply = await handler(
        {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body,
          json,
        },
        res,
      );
      send(
        res,
        reply ?? {
          status: 404,
          body: { type: 'NotFound', message: `no route ${req.method} ${url.pathname}` },
        },
      );
    } catch (err) {
      send(res, { status: 500, body: { type: 'ServerError', message: String(err) } });
    }
  };

  async function listen() {
    const s = createServer((req, res) => void listener(req, res));
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        s.off('error', reject);
        resolve();
      });
    });
    port = (s.address() as AddressInfo).port;
    server = s;
  }

  async function shut() {
    const s = server;
    server = undefined;
    if (!s) return;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    s.closeAllConnections();
    await closed;
  }

  await listen();
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    faults,
    get requestCount() {
      return requestCount;
    },
    get down() {
      return down;
    },
    async setDown(value) {
      if (value === down) return;
      down = value;
      if (value) await shut();
      else await listen();
    },
    async close() {
      down = true;
      await shut();
    },
  };
}

/** A small JPEG (a valid SOI/APP0/EOI frame around `label`), so stored evidence sniffs as image/jpeg. */
export function fakeJpeg(label: string): Buffer {
  const text = Buffer.from(label, 'utf8');
  const app0 = Buffer.from([
    0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
    0x00,
  ]);
  const comment = Buffer.concat([
    Buffer.from([0xff, 0xfe, (text.length + 2) >> 8, (text.length + 2) & 0xff]),
    text,
  ]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, comment, Buffer.from([0xff, 0xd9])]);
}
