import test from 'ava';
import Koa from 'koa';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { z } from 'zod';
import { defineRoute, type ApiState } from '../src/app/api.ts';
import { problemRenderer } from '../src/api/problem.ts';
import { requestContext } from '../src/api/request-context.ts';
import { buildRouter } from '../src/api/router.ts';
import { createLogger } from '../src/log.ts';
import { call, startTestApi, type TestApi } from './helpers/api.ts';

let hub: TestApi;
test.before(async () => {
  hub = await startTestApi({ env: { HUB_MAX_BODY_BYTES: '1000' } });
});
test.after.always(async () => hub?.close());

const PROBLEM = 'application/problem+json';
const problemType = (slug: string) => `https://chengguan-hub.dev/problems/${slug}`;

test('a field that fails validation is named in errors (400)', async (t) => {
  const res = await call(hub.base, 'POST', '/api/auth/login', { body: { username: 5 } });
  t.is(res.status, 400);
  t.is(res.headers.get('content-type'), PROBLEM);
  t.like(res.body, {
    type: problemType('validation'),
    title: 'Bad Request',
    status: 400,
    instance: '/api/auth/login',
  });
  t.deepEqual(
    res.body.errors.map((e: { field: string }) => e.field),
    ['body.username', 'body.password'],
  );
  t.regex(res.body.errors[0].message, /expected string/);
  t.is(res.body.requestId, res.headers.get('x-request-id'));
});

test('a missing body is a 400 naming body', async (t) => {
  const res = await call(hub.base, 'POST', '/api/auth/login');
  t.is(res.status, 400);
  t.deepEqual(
    res.body.errors.map((e: { field: string }) => e.field),
    ['body'],
  );
});

test('malformed JSON is a 400 problem', async (t) => {
  const res = await call(hub.base, 'POST', '/api/auth/login', {
    raw: '{"username": "a",',
    headers: { 'content-type': 'application/json' },
  });
  t.is(res.status, 400);
  t.is(res.headers.get('content-type'), PROBLEM);
  t.is(res.body.type, problemType('validation'));
  t.regex(res.body.detail, /^malformed JSON body/);
  t.deepEqual(res.body.errors, [{ field: 'body', message: 'malformed JSON' }]);
});

test('a non-JSON content type is a 415 problem', async (t) => {
  const res = await call(hub.base, 'POST', '/api/auth/login', {
    raw: 'username=a&password=b',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  t.is(res.status, 415);
  t.is(res.headers.get('content-type'), PROBLEM);
  t.like(res.body, {
    type: problemType('unsupported-media-type'),
    title: 'Unsupported Media Type',
    status: 415,
  });
});

test('a body over HUB_MAX_BODY_BYTES is a 413 problem, with or without Content-Length', async (t) => {
  const big = JSON.stringify({ username: 'a', password: 'x'.repeat(2000) });
  const res = await call(hub.base, 'POST', '/api/auth/login', {
    raw: big,
    headers: { 'content-type': 'application/json' },
  });
  t.is(res.status, 413);
  t.is(res.headers.get('content-type'), PROBLEM);
  t.like(res.body, { type: problemType('content-too-large'), status: 413, limit: 1000 });

  // A streamed (chunked) body has no length up front; reading stops once it passes the limit.
  const stream = new ReadableStream({
    start(controller) {
      for (let i = 0; i < 5; i++)
        controller.enqueue(new TextEncoder().encode(big.slice(i * 450, (i + 1) * 450)));
      controller.close();
    },
  });
  const chunked = await fetch(hub.base + '/api/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: stream,
    duplex: 'half',
  } as RequestInit);
  t.is(chunked.status, 413);
});

test('an unknown path is a 404 problem', async (t) => {
  const res = await call(hub.base, 'GET', '/api/no-such-thing');
  t.is(res.status, 404);
  t.is(res.headers.get('content-type'), PROBLEM);
  t.like(res.body, {
    type: problemType('not-found'),
    title: 'Not Found',
    status: 404,
    detail: 'no route for GET /api/no-such-thing',
  });
});

test('a wrong method is a 405 problem with Allow', async (t) => {
  const res = await call(hub.base, 'DELETE', '/api/auth/login');
  t.is(res.status, 405);
  t.is(res.headers.get('allow'), 'POST');
  t.is(res.headers.get('content-type'), PROBLEM);
  t.like(res.body, { type: problemType('method-not-allowed'), status: 405, allow: ['POST'] });
  const users = await call(hub.base, 'PUT', '/api/users');
  t.is(users.status, 405);
  t.deepEqual(users.headers.get('allow')!.split(', ').sort(), ['GET', 'HEAD', 'POST']);
});

test('request ids: a sane incoming X-Request-Id is kept and logged; an unsafe one is replaced', async (t) => {
  const kept = await call(hub.base, 'GET', '/healthz', { headers: { 'x-request-id': 'trace-abc.123' } });
  t.is(kept.headers.get('x-request-id'), 'trace-abc.123');
  const access = hub.logs.filter((l) => l.reqId === 'trace-abc.123');
  t.is(access.length, 1);
  t.like(access[0], { msg: 'request', method: 'GET', path: '/healthz', status: 200 });
  t.is(typeof access[0]!.ms, 'number');

  const replaced = await call(hub.base, 'GET', '/healthz', {
    headers: { 'x-request-id': 'bad id <script>' },
  });
  t.regex(replaced.headers.get('x-request-id')!, /^[0-9a-f-]{36}$/);
  const long = await call(hub.base, 'GET', '/healthz', { headers: { 'x-request-id': 'a'.repeat(200) } });
  t.regex(long.headers.get('x-request-id')!, /^[0-9a-f-]{36}$/);
  const fresh = await call(hub.base, 'GET', '/healthz');
  t.regex(fresh.headers.get('x-request-id')!, /^[0-9a-f-]{36}$/);
  t.not(fresh.headers.get('x-request-id'), replaced.headers.get('x-request-id'));
});

test('/healthz answers ok', async (t) => {
  const res = await call(hub.base, 'GET', '/healthz');
  t.is(res.status, 200);
  t.deepEqual(res.body, { status: 'ok' });
});

test('/readyz queries the database', async (t) => {
  const res = await call(hub.base, 'GET', '/readyz');
  t.is(res.status, 200, JSON.stringify(hub.logs.filter((l) => l.msg === 'readiness check failed')));
  t.deepEqual(res.body, { status: 'ok', checks: { database: 'ok' } });
});

test('/readyz answers 503 naming a failed injected check, without its internals', async (t) => {
  const sick = await startTestApi({
    readinessChecks: [
      {
        name: 'engine',
        check: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:26500')),
      },
      { name: 'mail', check: async () => 'fine' },
    ],
  });
  t.teardown(() => sick.close());
  const res = await call(sick.base, 'GET', '/readyz');
  t.is(res.status, 503);
  t.is(res.headers.get('content-type'), PROBLEM);
  t.like(res.body, {
    type: problemType('unavailable'),
    status: 503,
    detail: 'not ready: engine failed',
    failed: ['engine'],
    checks: { database: 'ok', engine: 'failed', mail: 'ok' },
  });
  t.false(JSON.stringify(res.body).includes('ECONNREFUSED'));
  const warned = sick.logs.filter((l) => l.msg === 'readiness check failed');
  t.is(warned.length, 1);
  t.is(warned[0]!.check, 'engine');
});

test('an unexpected error is a 500 without internals, logged once with the request id', async (t) => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  const router = buildRouter(
    [
      defineRoute({
        method: 'GET',
        path: '/busy',
        summary: 'Koa-style client error',
        access: 'public',
        responses: { 200: { description: 'never', schema: z.object({}) } },
        handler: async ({ ctx }) => ctx.throw(409, 'slot taken'),
      }),
      defineRoute({
        method: 'GET',
        path: '/boom',
        summary: 'fails',
        access: 'public',
        responses: { 200: { description: 'never', schema: z.object({}) } },
        handler: async () => {
          throw new Error('password=hunter2 at db.internal:5432');
        },
      }),
    ],
    { authenticate: async () => Promise.reject(new Error('unused')), maxBodyBytes: 100 },
  );
  const app = new Koa<ApiState>();
  app.use(requestContext(createLogger('info', sink)));
  app.use(problemRenderer());
  app.use(router.routes());
  app.use(router.allowedMethods());
  const server = createServer(app.callback()).listen(0, '127.0.0.1');
  t.teardown(() => server.close());
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const res = await call(base, 'GET', '/boom', { headers: { 'x-request-id': 'r-500' } });
  t.is(res.status, 500);
  t.deepEqual(res.body, {
    type: problemType('internal'),
    title: 'Internal Server Error',
    status: 500,
    detail: 'internal error',
    instance: '/boom',
    requestId: 'r-500',
  });
  const errors = lines.filter((l) => l.level === 50);
  t.is(errors.length, 1);
  t.like(errors[0], { reqId: 'r-500', msg: 'request failed' });
  t.regex(JSON.stringify(errors[0]!.err), /hunter2/);
  t.is(lines.filter((l) => l.msg === 'request').length, 1);

  // ctx.throw(409, …) keeps its status and message, as a problem, and is no error-level event.
  const busy = await call(base, 'GET', '/busy');
  t.is(busy.status, 409);
  t.like(busy.body, { type: problemType('conflict'), title: 'Conflict', status: 409, detail: 'slot taken' });
  t.is(lines.filter((l) => l.level === 50).length, 1);
});
