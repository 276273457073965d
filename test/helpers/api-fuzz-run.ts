/**
 * Runs the API fuzz (test/helpers/api-fuzz.ts) against a demo hub: a user of each role made for the
 * fuzz (so a generated PATCH /api/users/{id} or a revoked token cannot lock the fuzz out — their ids are
 * kept out of the generated paths), the credentials of the self-authenticating routes (webhook secrets,
 * an Open311 api_key, a citizen device token), and values of the hub's own rows for path parameters.
 * Requests are drawn with fast-check from a fixed seed, so a run is repeatable; every request is judged
 * and every failure kept (no shrinking: the hub's state moves on between requests anyway).
 */
import fc from 'fast-check';
import { signedHeaders } from '../../adapters/framework/signature.ts';
import { ROLES, type Role } from '../../src/auth/roles.ts';
import type { DemoHub } from './demo-hub.ts';
import { createUser } from './api.ts';
import {
  collect,
  judge,
  operations,
  requestArb,
  send,
  type Answer,
  type FuzzRequest,
  type Operation,
  type Pool,
} from './api-fuzz.ts';

/** Settings a fuzzed demo hub needs: webhook secrets the fuzz signs with. */
export const FUZZ_HUB_ENV = {
  HOTLINE_WEBHOOK_SECRET: 'fuzz-hotline-webhook-secret-0123',
  VIDEO_WEBHOOK_SECRET: 'fuzz-video-webhook-secret-012345',
  // The desk's change feed is a long poll: a valid request with a cursor waits this long for a change
  // before it answers. Its default (20 s) is the fuzz's request timeout; the fuzz judges answers, not waits.
  DESK_FEED_WAIT_SECONDS: '2',
};

export interface FuzzFailure {
  route: string;
  request: FuzzRequest;
  why: string;
}

export interface FuzzResult {
  requests: number;
  failures: FuzzFailure[];
  /** Answers by status. */
  statuses: Map<number, number>;
  /** Requests by kind. */
  kinds: Map<string, number>;
  /** Latency of every answer, ms. */
  latencies: number[];
  routes: number;
}

interface Callers {
  headers(op: Operation, req: FuzzRequest): Promise<Record<string, string>>;
  /** Ids of the fuzz's own users and tokens, never put in a path. */
  own: Set<string>;
  apiKey: string;
}

async function prepareCallers(demo: DemoHub): Promise<Callers> {
  const { db, auth } = demo.hub;
  const tokens = new Map<Role, string>();
  const userIds = new Map<Role, string>();
  const own = new Set<string>();
  for (const role of ROLES) {
    const kind = role === 'service' ? 'service' : 'person';
    const id = await createUser(db, { username: `fuzz-${role}`, roles: [role], kind });
    // The demo user of the role has the department its routes look at (a handler sees its unit's cases).
    const demoUser = await db.prisma.user.findUnique({ where: { username: role } });
    if (demoUser?.departmentId)
      await db.prisma.user.update({ where: { id }, data: { departmentId: demoUser.departmentId } });
    const credential =
      kind === 'service' ? await auth.createApiToken(id, { name: 'fuzz' }) : await auth.issueSession(id);
    own.add(id);
    userIds.set(role, id);
    tokens.set(role, credential.token);
  }
  const apiKey = (await auth.createApiToken(userIds.get('service')!, { name: 'fuzz open311' })).token;
  const device = await fetch(`${demo.url}/api/citizen/devices`, { method: 'POST' });
  const { deviceToken } = (await device.json()) as { deviceToken: string };
  const secrets: Record<string, string | undefined> = {
    hotline: demo.config.HOTLINE_WEBHOOK_SECRET,
    video: demo.config.VIDEO_WEBHOOK_SECRET,
  };
  return {
    own,
    apiKey,
    async headers(op, req) {
      if (req.caller === 'anonymous') return {};
      if (req.caller === 'self') {
        const adapter = /^\/api\/adapters\/([^/]+)\//.exec(op.path)?.[1];
        if (adapter && secrets[adapter]) return signedHeaders(secrets[adapter]!, req.body ?? '');
        if (op.path.startsWith('/api/citizen/')) return { 'x-device-token': deviceToken };
        return {};
      }
      // Logging out ends the session it is sent with: a session of its own each time.
      if (op.path === '/api/auth/logout')
        return {
          authorization: `Bearer ${(await auth.issueSession(userIds.get(req.caller as Role)!)).token}`,
        };
      return { authorization: `Bearer ${tokens.get(req.caller as Role)!}` };
    },
  };
}

/** A few cases through the API, so case paths have real ids to reach. */
async function reportCases(demo: DemoHub, count: number): Promise<void> {
  const token = await demo.login('acceptor');
  const category = await demo.hub.db.prisma.category.findFirst({
    where: { kind: 'event' },
    orderBy: { code: 'asc' },
  });
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${demo.url}/api/cases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        source: 'hotline',
        categoryCode: category!.code,
        description: `模糊测试的案件 ${i}`,
        address: '如皋市如城街道海阳路',
        lat: 32.38 + i * 0.001,
        lng: 120.56,
      }),
    });
    if (res.status !== 201)
      throw new Error(`reporting a case for the fuzz: HTTP ${res.status} ${await res.text()}`);
  }
}

/** Values of the hub's rows: every list route read once as a role it admits. */
async function buildPool(demo: DemoHub, ops: Operation[], callers: Callers): Promise<Pool> {
  const pool: Pool = new Map([['*.format', ['json', 'xml']]]);
  for (const op of ops) {
    if (op.method !== 'GET' || op.path.includes('{') || op.path === '/openapi.json') continue;
    const caller =
      op.roles === 'public' ? 'anonymous' : op.roles === 'authenticated' ? 'administrator' : op.roles[0]!;
    const req: FuzzRequest = { kind: 'valid', method: 'GET', url: op.path, caller };
    const res = await send(demo.url, req, await callers.headers(op, req));
    if (res instanceof Error || res.status !== 200 || !res.contentType.includes('json')) continue;
    collect(pool, op.path.split('/').at(-1)!, JSON.parse(res.body));
  }
  // The fuzz's own users and tokens stay out of paths (a PATCH could deactivate them).
  for (const [key, values] of pool)
    pool.set(
      key,
      values.filter((v) => !callers.own.has(v)),
    );
  return pool;
}

/** The Open311 POST documents its form fields in words: they become a body of optional text fields. */
function withDocumentedForm(op: Operation): Operation {
  const form = /Form fields \([^)]*\): ([^.]+)\./.exec(op.description);
  if (op.body || !form) return op;
  const names = form[1]!
    .split(/,\s*|\s*\|\s*|\s+\+\s+/)
    .map((n) => n.trim())
    .filter((n) => /^[\w[\]]+$/.test(n));
  return {
    ...op,
    wordsBody: { type: 'object', properties: Object.fromEntries(names.map((n) => [n, { type: 'string' }])) },
  };
}

export interface FuzzOptions {
  seed: number;
  /** Requests per route. */
  runs: number;
  /** Only routes whose "METHOD /path" matches. */
  only?: RegExp;
  /** Requests in flight at once (different routes). */
  concurrency?: number;
  onFailure?(failure: FuzzFailure): void;
  /** Called as each route is done. */
  onRoute?(route: string, done: number, total: number): void;
}

/** Fuzzes every route of the hub's /openapi.json; `demo` must run with FUZZ_HUB_ENV. */
export async function fuzzHub(demo: DemoHub, options: FuzzOptions): Promise<FuzzResult> {
  const doc = (await (await fetch(`${demo.url}/openapi.json`)).json()) as Parameters<typeof operations>[0];
  const ops = operations(doc)
    .map(withDocumentedForm)
    .filter((op) => !options.only || options.only.test(`${op.method} ${op.path}`));
  const callers = await prepareCallers(demo);
  await reportCases(demo, 3);
  const pool = await buildPool(demo, ops, callers);
  const result: FuzzResult = {
    requests: 0,
    failures: [],
    statuses: new Map(),
    kinds: new Map(),
    latencies: [],
    routes: ops.length,
  };
  const fuzzOne = async (op: Operation, index: number) => {
    const route = `${op.method} ${op.path}`;
    // Each route's requests come from its own seed, so adding a route does not change the others'.
    const requests = fc.sample(requestArb(op, pool), { seed: options.seed + index, numRuns: options.runs });
    for (const req of requests) {
      if (
        req.caller === 'self' &&
        op.path.startsWith('/open311/') &&
        req.body &&
        req.contentType === 'application/json'
      ) {
        const parsed = JSON.parse(req.body) as unknown;
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
          req.body = JSON.stringify({ ...parsed, api_key: callers.apiKey });
      }
      const res = await send(demo.url, req, await callers.headers(op, req));
      result.requests++;
      result.kinds.set(req.kind, (result.kinds.get(req.kind) ?? 0) + 1);
      if (!(res instanceof Error)) {
        result.statuses.set(res.status, (result.statuses.get(res.status) ?? 0) + 1);
        result.latencies.push(res.ms);
      }
      const why = judge(op, req, res as Answer | Error);
      if (why) {
        const failure = { route, request: req, why };
        result.failures.push(failure);
        options.onFailure?.(failure);
      }
    }
  };
  const queue = ops.map((op, i) => [op, i] as const);
  let done = 0;
  const workers = Array.from({ length: options.concurrency ?? 1 }, async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      await fuzzOne(...next);
      options.onRoute?.(`${next[0].method} ${next[0].path}`, ++done, ops.length);
    }
  });
  await Promise.all(workers);
  return result;
}

/** A failure as one line a person can replay with curl. */
export const describeFailure = (f: FuzzFailure) =>
  `${f.route} [${f.request.kind} as ${f.request.caller}] ${f.request.method} ${f.request.url}` +
  (f.request.body !== undefined ? ` body=${f.request.body.slice(0, 300)}` : '') +
  (f.request.contentType && f.request.contentType !== 'application/json'
    ? ` (${f.request.contentType})`
    : '') +
  `\n    → ${f.why}`;
