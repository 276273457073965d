/**
 * The 12319 hotline system, simulated over real HTTP for tests and the demo. It plays the hotline's side
 * of adapters/hotline/transport.ts: it pushes new tickets to the hub's signed webhook, serves them for
 * polling with a cursor, accepts status updates, the final reply and 回访 requests (idempotent by their
 * ids, kept in arrival order for tests to read), and answers 回访 requests with a result (on demand, or
 * automatically in demo mode).
 *
 * Faults: `down` (every connection is cut, pushes fail), `slowMs` (each answer waits), `failRate` /
 * `failNext` (HTTP 500s), `duplicates` (every push is sent twice), `outOfOrder` (a batch of tickets is
 * pushed newest first). Set them programmatically or with POST /_sim/faults.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from '../../../src/log.ts';
import { fromWgs84, type CoordinateSystem } from '../../../src/geography/index.ts';
import { signedHeaders } from '../../framework/signature.ts';
import type { Ticket } from '../mapping.ts';

export interface HotlineFaults {
  /** Until this time (ms since epoch) every connection is cut and pushes are not sent. */
  downUntil: number;
  slowMs: number;
  /** Share of API answers that are HTTP 500 (0..1). */
  failRate: number;
  /** The next n API answers are HTTP 500. */
  failNext: number;
  /** The next n POSTs are refused with HTTP 422 (the hotline rejects the message itself: no retry helps). */
  rejectNext: number;
  /** Limits rejectNext to one ticket's messages (null: any). */
  rejectTicket: string | null;
  duplicates: boolean;
  outOfOrder: boolean;
}

export interface Received {
  kind: 'update' | 'reply' | 'callback-request';
  ticketNo: string;
  id: string;
  body: Record<string, unknown>;
  at: number;
}

export interface HotlineSimulatorOptions {
  /** The hub's base URL (webhooks go to <hubUrl>/api/adapters/hotline/…); may be set later. */
  hubUrl?: string;
  webhookSecret: string;
  apiKey: string;
  port?: number;
  host?: string;
  logger?: Logger;
  /** Demo mode: answer 回访 requests with 满意 after this many ms. */
  autoCallbackMs?: number;
  /** Demo mode: a new ticket every this many ms (and one at start). */
  ticketEveryMs?: number;
  /**
   * The coordinate system of the hotline's map (default WGS84): a hotline on Amap sends GCJ-02, one on
   * Baidu BD-09 — its tickets' points are the same places, converted (ADAPTER_COORDINATE_SYSTEMS says
   * so to the hub).
   */
  coordinateSystem?: CoordinateSystem;
}

export interface HotlineSimulator {
  readonly url: string;
  hubUrl: string | undefined;
  readonly faults: HotlineFaults;
  /** Tickets in creation order. */
  readonly tickets: readonly Ticket[];
  /** Messages from the hub in arrival order, without the redeliveries of an id already received. */
  readonly received: readonly Received[];
  /** How many requests repeated an id already received (the hub's retries after a lost answer). */
  readonly redeliveries: number;
  start(): Promise<string>;
  stop(): Promise<void>;
  /** Goes down for `ms` (cut connections, no pushes). */
  down(ms: number): void;
  up(): void;
  /** Creates a ticket and pushes it (unless down); resolves with the ticket and the hub's answer status. */
  createTicket(partial?: Partial<Ticket>): Promise<{ ticket: Ticket; pushed: number | null }>;
  /** Creates several and pushes them (newest first with `outOfOrder`). */
  createTickets(partials: Partial<Ticket>[]): Promise<{ ticket: Ticket; pushed: number | null }[]>;
  /** Pushes any JSON body to the ticket webhook as the hotline would (for bad-payload tests). */
  push(
    path: 'tickets' | 'callbacks',
    body: unknown,
    options?: { secret?: string; at?: number },
  ): Promise<{ status: number; body: unknown }>;
  /** Reports a 回访 result for a ticket to the hub. */
  answerCallback(
    ticketNo: string,
    satisfaction: '满意' | '基本满意' | '不满意' | '未接通',
    note?: string,
  ): Promise<{ status: number; body: unknown }>;
}

const DEMO_PROBLEMS = [
  { code: '0402', name: '自来水管破裂', content: '路边自来水管破裂，水流到马路上', urgency: '紧急' as const },
  { code: '0102', name: '暴露垃圾', content: '小区门口垃圾堆放两天无人清理', urgency: '一般' as const },
  { code: '0504', name: '店外经营', content: '商铺占用人行道摆摊经营', urgency: '一般' as const },
  { code: '0406', name: '道路积水', content: '下雨后路口积水严重，车辆无法通行', urgency: '紧急' as const },
];

export function createHotlineSimulator(options: HotlineSimulatorOptions): HotlineSimulator {
  const tickets: Ticket[] = [];
  const received: Received[] = [];
  const seenIds = new Set<string>();
  const sockets = new Set<Socket>();
  const timers: NodeJS.Timeout[] = [];
  const faults: HotlineFaults = {
    downUntil: 0,
    slowMs: 0,
    failRate: 0,
    failNext: 0,
    rejectNext: 0,
    rejectTicket: null,
    duplicates: false,
    outOfOrder: false,
  };
  let redeliveries = 0;
  let server: Server | undefined;
  let url = '';
  let seq = 0;
  const log = options.logger?.child({ component: 'hotline-simulator' });
  const isDown = () => Date.now() < faults.downUntil;

  /** A WGS84 place as the hotline's map writes it. */
  const sent = (place: [number, number]) => {
    const [lng, lat] = fromWgs84(place, options.coordinateSystem ?? 'wgs84');
    return { lng, lat };
  };

  function newTicket(partial: Partial<Ticket> = {}): Ticket {
    seq++;
    const now = new Date();
    const day = new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');
    const problem = DEMO_PROBLEMS[(seq - 1) % DEMO_PROBLEMS.length]!;
    return {
      ticketNo: `12319-${day}-${randomBytes(2).toString('hex')}${String(seq).padStart(4, '0')}`,
      type: '投诉',
      createdAt: now.toISOString(),
      street: '城北街道',
      location: { address: '如皋市城北街道海阳路18号附近', ...sent([120.5455 + (seq % 5) * 0.001, 32.3835]) },
      category: { code: problem.code, name: problem.name },
      content: problem.content,
      urgency: problem.urgency,
      deadline: new Date(now.getTime() + 24 * 3_600_000).toISOString(),
      caller: {
        anonymous: false,
        name: '王先生',
        phone: `1380000${String(1000 + (seq % 9000)).padStart(4, '0')}`,
      },
      ...partial,
    };
  }

  async function post(path: string, body: unknown, secret = options.webhookSecret, at?: number) {
    if (!sim.hubUrl) throw new Error('the simulator does not know the hub URL');
    const text = JSON.stringify(body);
    const res = await fetch(`${sim.hubUrl}/api/adapters/hotline/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signedHeaders(secret, text, at) },
      body: text,
      signal: AbortSignal.timeout(15_000),
    });
    const answer = await res.text();
    return { status: res.status, body: answer ? (JSON.parse(answer) as unknown) : null };
  }

  /** Pushes a ticket as the hotline does: once (twice with `duplicates`); a failure leaves it for polling. */
  async function pushTicket(ticket: Ticket): Promise<number | null> {
    if (isDown() || !sim.hubUrl) return null;
    let status: number | null = null;
    for (let i = 0; i < (faults.duplicates ? 2 : 1); i++) {
      try {
        status = (await post('tickets', { ticket })).status;
      } catch (err) {
        log?.warn({ err, ticketNo: ticket.ticketNo }, 'push failed; the hub will poll it');
        return null;
      }
    }
    return status;
  }

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  }

  function record(
    kind: Received['kind'],
    ticketNo: string,
    id: unknown,
    body: Record<string, unknown>,
  ): boolean {
    if (typeof id !== 'string' || !id) return false;
    const key = `${kind}:${id}`;
    if (seenIds.has(key)) {
      redeliveries++;
      return true;
    }
    seenIds.add(key);
    received.push({ kind, ticketNo, id, body, at: Date.now() });
    return true;
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const u = new URL(req.url ?? '/', 'http://sim');
    if (u.pathname.startsWith('/_sim/')) return control(req, res, u);
    if (isDown()) {
      req.socket.destroy();
      return;
    }
    if (faults.slowMs) await new Promise((r) => setTimeout(r, faults.slowMs));
    if (faults.failNext > 0 || (faults.failRate > 0 && Math.random() < faults.failRate)) {
      if (faults.failNext > 0) faults.failNext--;
      return send(res, 500, { error: 'internal error (simulated)' });
    }
    if (req.headers.authorization !== `Bearer ${options.apiKey}`)
      return send(res, 401, { error: 'bad api key' });
    if (req.method === 'GET' && u.pathname === '/api/health') return send(res, 200, { status: 'ok' });
    if (req.method === 'GET' && u.pathname === '/api/tickets') {
      const after = Number(u.searchParams.get('after') ?? 0);
      const limit = Math.min(500, Number(u.searchParams.get('limit') ?? 100));
      const page = tickets.slice(after, after + limit);
      return send(res, 200, {
        tickets: page,
        cursor: String(after + page.length),
        more: after + page.length < tickets.length,
      });
    }
    const m = /^\/api\/tickets\/([^/]+)\/(updates|reply|callback-requests)$/.exec(u.pathname);
    if (req.method === 'POST' && m) {
      const ticketNo = decodeURIComponent(m[1]!);
      if (!tickets.some((t) => t.ticketNo === ticketNo))
        return send(res, 404, { error: `no ticket ${ticketNo}` });
      const body = await readJson(req);
      if (faults.rejectNext > 0 && (faults.rejectTicket === null || faults.rejectTicket === ticketNo)) {
        faults.rejectNext--;
        return send(res, 422, { error: 'message refused (simulated)' });
      }
      const kind = m[2] === 'updates' ? 'update' : m[2] === 'reply' ? 'reply' : 'callback-request';
      const id = kind === 'update' ? body.updateId : kind === 'reply' ? body.replyId : body.requestId;
      if (!record(kind, ticketNo, id, body)) return send(res, 400, { error: 'id missing' });
      if (kind === 'callback-request' && options.autoCallbackMs !== undefined) {
        const t = setTimeout(() => {
          sim
            .answerCallback(ticketNo, '满意')
            .catch((err: unknown) => log?.warn({ err }, 'auto 回访 failed'));
        }, options.autoCallbackMs);
        t.unref();
        timers.push(t);
      }
      return send(res, 200, { ok: true });
    }
    return send(res, 404, { error: 'not found' });
  }

  async function control(req: IncomingMessage, res: ServerResponse, u: URL) {
    if (req.method === 'GET' && u.pathname === '/_sim/state')
      return send(res, 200, { faults, tickets: tickets.length, received, redeliveries });
    if (req.method === 'POST' && u.pathname === '/_sim/faults') {
      const body = await readJson(req);
      if (typeof body.downForMs === 'number') sim.down(body.downForMs);
      for (const k of ['slowMs', 'failRate', 'failNext', 'rejectNext'] as const)
        if (typeof body[k] === 'number') faults[k] = body[k];
      for (const k of ['duplicates', 'outOfOrder'] as const)
        if (typeof body[k] === 'boolean') faults[k] = body[k];
      return send(res, 200, faults);
    }
    if (req.method === 'POST' && u.pathname === '/_sim/tickets') {
      const created = await sim.createTicket((await readJson(req)) as Partial<Ticket>);
      return send(res, 201, created);
    }
    return send(res, 404, { error: 'not found' });
  }

  const sim: HotlineSimulator = {
    get url() {
      return url;
    },
    hubUrl: options.hubUrl,
    faults,
    tickets,
    received,
    get redeliveries() {
      return redeliveries;
    },
    async start() {
      server = createServer((req, res) => {
        handle(req, res).catch((err: unknown) => {
          log?.error({ err }, 'simulator request failed');
          if (!res.headersSent) send(res, 500, { error: String(err) });
        });
      });
      server.on('connection', (s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      const listen = (port: number) =>
        new Promise<void>((resolve, reject) => {
          server!.once('error', reject);
          server!.listen(port, options.host ?? '127.0.0.1', () => {
            server!.off('error', reject);
            resolve();
          });
        });
      try {
        await listen(options.port ?? 0);
      } catch (err) {
        // Another hub (a test, a second instance) holds the demo port: any free port will do.
        if ((err as { code?: string }).code !== 'EADDRINUSE' || !options.port) throw err;
        log?.warn({ port: options.port }, 'hotline simulator port in use; using a free one');
        await listen(0);
      }
      const { port } = server.address() as AddressInfo;
      url = `http://${options.host ?? '127.0.0.1'}:${port}`;
      if (options.ticketEveryMs) {
        const demo = () =>
          void sim.createTicket().catch((err: unknown) => log?.warn({ err }, 'demo ticket failed'));
        const t = setInterval(demo, options.ticketEveryMs);
        t.unref();
        timers.push(t);
        // The first demo ticket comes after a while, so a short-lived hub (a test) is not disturbed by it.
        const first = setTimeout(demo, Math.min(options.ticketEveryMs, 120_000));
        first.unref();
        timers.push(first);
      }
      log?.info({ url }, '12319 hotline simulator listening');
      return url;
    },
    async stop() {
      for (const t of timers.splice(0)) clearTimeout(t);
      if (!server) return;
      const s = server;
      server = undefined;
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      for (const sock of sockets) sock.destroy();
      await closed;
    },
    down(ms) {
      faults.downUntil = Date.now() + ms;
      for (const sock of sockets) sock.destroy();
    },
    up() {
      faults.downUntil = 0;
    },
    async createTicket(partial) {
      const ticket = newTicket(partial);
      tickets.push(ticket);
      return { ticket, pushed: await pushTicket(ticket) };
    },
    async createTickets(partials) {
      const made = partials.map((p) => newTicket(p));
      tickets.push(...made);
      const order = faults.outOfOrder ? [...made].reverse() : made;
      const pushed = new Map<Ticket, number | null>();
      for (const t of order) pushed.set(t, await pushTicket(t));
      return made.map((ticket) => ({ ticket, pushed: pushed.get(ticket) ?? null }));
    },
    push: (path, body, o) => post(path, body, o?.secret, o?.at),
    answerCallback: (ticketNo, satisfaction, note) =>
      post('callbacks', {
        callbackId: `cb-${randomBytes(6).toString('hex')}`,
        ticketNo,
        satisfaction,
        at: new Date().toISOString(),
        ...(note ? { note } : {}),
      }),
  };
  return sim;
}
