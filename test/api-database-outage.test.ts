// The API when the database cannot do its part (issue 18's soak: 260 reports answered 500 while
// PostgreSQL restarted and transactions waited): a 503 problem+json with Retry-After that names the cause
// in words and shows nothing of the database (no code, host, port or query), logged once at warn.
import test from 'ava';
import Koa from 'koa';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { z } from 'zod';
import { defineRoute, type ApiState } from '../src/app/api.ts';
import { problemRenderer } from '../src/api/problem.ts';
import { requestContext } from '../src/api/request-context.ts';
import { buildRouter } from '../src/api/router.ts';
import { createLogger } from '../src/log.ts';
import { call } from './helpers/api.ts';
import { createTestDb, unreachablePostgres, type TestDb } from './helpers/db.ts';

let store: TestDb;
let server: Server;
let base: string;
let unreachablePort: number;
const lines: Record<string, unknown>[] = [];

test.before(async () => {
  store = await createTestDb();
  const { prisma, provider } = store.db;
  // PostgreSQL on a port where nothing listens: what the hub meets while its server restarts.
  const { db: away, port } = await unreachablePostgres();
  unreachablePort = port;
  const answer = { 200: { description: 'never under these faults', schema: z.object({ n: z.number() }) } };
  const router = buildRouter(
    [
      defineRoute({
        method: 'GET',
        path: '/held',
        summary: 'a transaction while every connection is held by another',
        access: 'public',
        responses: answer,
        handler: async () => {
          // SQLite's one connection, PostgreSQL's pool of 10: each held by a transaction (load).
          let release!: () => void;
          const held = new Promise<void>((r) => (release = r));
          const holding = Array.from({ length: provider === 'postgresql' ? 10 : 1 }, () =>
            prisma.$transaction(async (tx) => {
              await tx.case.count();
              await held;
            }),
          );
          await new Promise((r) => setTimeout(r, 300));
          try {
            return { n: await prisma.$transaction(async (tx) => tx.case.count(), { maxWait: 200 }) };
          } finally {
            release();
            await Promise.all(holding);
          }
        },
      }),
      defineRoute({
        method: 'GET',
        path: '/slow',
        summary: 'a transaction that outlives its timeout',
        access: 'public',
        responses: answer,
        handler: async () => ({
          n: await prisma.$transaction(
            async (tx) => {
              await new Promise((r) => setTimeout(r, 300));
              return tx.case.count();
            },
            { timeout: 100 },
          ),
        }),
      }),
      defineRoute({
        method: 'GET',
        path: '/away',
        summary: 'the database server unreachable',
        access: 'public',
        responses: answer,
        handler: async () => ({ n: await away.prisma.case.count() }),
      }),
    ],
    { authenticate: async () => Promise.reject(new Error('unused')), maxBodyBytes: 100 },
  );
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  const app = new Koa<ApiState>();
  app.use(requestContext(createLogger('info', sink)));
  app.use(problemRenderer());
  app.use(router.routes());
  server = createServer(app.callback()).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
test.after.always(async () => {
  server?.close();
  await store?.drop();
});

const problem = (path: string, requestId: string, detail: string) => ({
  type: 'https://chengguan-hub.dev/problems/unavailable',
  title: 'Service Unavailable',
  status: 503,
  detail,
  instance: path,
  retryAfter: 5,
  requestId,
});

for (const [path, detail] of [
  ['/held', 'the database is too busy to start the work just now; try again shortly'],
  ['/slow', 'the database did not finish the work in time; try again shortly'],
  ['/away', 'the database cannot be reached just now; try again shortly'],
] as const) {
  test.serial(`${path}: 503 problem+json with Retry-After, the cause in words, nothing leaked`, async (t) => {
    const requestId = `outage${path.replace('/', '-')}`;
    const res = await call(base, 'GET', path, { headers: { 'x-request-id': requestId } });
    t.is(res.status, 503);
    t.is(res.headers.get('content-type'), 'application/problem+json');
    t.is(res.headers.get('retry-after'), '5');
    t.deepEqual(res.body, problem(path, requestId, detail));
    // The error sink has the database's own words at warn (an outage, not a bug), once.
    const logged = lines.filter((l) => l.reqId === requestId && l.msg === 'request failed');
    t.is(logged.length, 1);
    t.is(logged[0]!.level, 40);
    t.regex(JSON.stringify(logged[0]!.err), path === '/away' ? /reach database server/ : /P2028/);
  });
}

test.serial('the answer shows no code, host, port, user or password of the database', async (t) => {
  const res = await call(base, 'GET', '/away');
  const text = JSON.stringify(res.body);
  for (const secret of [
    'P1001',
    'P2010',
    'Prisma',
    '127.0.0.1',
    String(unreachablePort),
    'hub:secret',
    'count',
  ])
    t.false(text.includes(secret), secret);
});
