// Property-based fuzz of every route in /openapi.json on one demo hub (test/helpers/api-fuzz.ts): valid
// and invalid bodies, queries and path parameters, as a role the route admits and without credentials.
// Never a 5xx or no answer; every 4xx a problem+json (Open311: its own error list); a broken constraint
// a 4xx naming the field; no credentials a 401. A fixed seed and a few requests per route here;
// bench/api-fuzz.ts runs the same at length.
import test from 'ava';
import { describeFailure, fuzzHub, FUZZ_HUB_ENV } from './helpers/api-fuzz-run.ts';
import { startDemoHub, TEST_DEMO_PASSWORD, type DemoHub } from './helpers/demo-hub.ts';
import { signedHeaders } from '../adapters/framework/signature.ts';

const SEED = 20261207;
const RUNS_PER_ROUTE = 3;

let demo: DemoHub;
test.before(async () => {
  demo = await startDemoHub(TEST_DEMO_PASSWORD, FUZZ_HUB_ENV);
});
test.after.always(async () => demo?.close());

test('every route answers generated requests without a 5xx, as problem+json naming the bad field', async (t) => {
  const result = await fuzzHub(demo, { seed: SEED, runs: RUNS_PER_ROUTE, concurrency: 2 });
  t.deepEqual(result.failures.map(describeFailure), []);
  // Every route was reached, with every kind of request somewhere.
  t.true(result.routes >= 140, `${result.routes} routes`);
  t.is(result.requests, result.routes * RUNS_PER_ROUTE);
  for (const kind of ['valid', 'invalid-body', 'invalid-query', 'invalid-param', 'anonymous', 'garbage'])
    t.true((result.kinds.get(kind) ?? 0) > 0, kind);
  // The hub is still up and ready after all of it.
  t.is((await fetch(`${demo.url}/readyz`)).status, 200);
});

// What the fuzz found on PostgreSQL (its text cannot hold U+0000): a NUL in a path id, a query or a body
// field was a 500 there. Now a 400 naming the field, on both databases.
test('a NUL character in a path id, a query, a body, a webhook or an Open311 field is a 400 naming it', async (t) => {
  const admin = await demo.login('administrator');
  const acceptor = await demo.login('acceptor');
  const auth = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
  const problem = async (res: Response) => ({
    status: res.status,
    type: res.headers.get('content-type'),
    fields: ((await res.json()) as { errors?: { field: string }[] }).errors?.map((e) => e.field),
  });
  t.deepEqual(await problem(await fetch(`${demo.url}/api/cases/%001/process`, { headers: auth(admin) })), {
    status: 400,
    type: 'application/problem+json',
    fields: ['params.id'],
  });
  t.deepEqual(await problem(await fetch(`${demo.url}/api/cases?q=a%00b`, { headers: auth(admin) })), {
    status: 400,
    type: 'application/problem+json',
    fields: ['query.q'],
  });
  const report = await fetch(`${demo.url}/api/cases`, {
    method: 'POST',
    headers: auth(acceptor),
    body: JSON.stringify({
      source: 'hotline',
      categoryCode: '0101',
      description: '井盖\u0000缺失',
      lat: 32.38,
      lng: 120.56,
    }),
  });
  t.deepEqual(await problem(report), {
    status: 400,
    type: 'application/problem+json',
    fields: ['body.description'],
  });

  const ticket = JSON.stringify({ ticketNo: 'T\u0000' });
  const webhook = await fetch(`${demo.url}/api/adapters/hotline/tickets`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...signedHeaders(FUZZ_HUB_ENV.HOTLINE_WEBHOOK_SECRET, ticket),
    },
    body: ticket,
  });
  // The NUL is named beside what the schema finds (this body lacks the rest of a ticket).
  const refused = await problem(webhook);
  t.is(refused.status, 400);
  t.true(refused.fields?.includes('body.ticketNo'), JSON.stringify(refused.fields));
  const service = await demo.hub.db.prisma.user.findUniqueOrThrow({ where: { username: 'service' } });
  const { token: apiKey } = await demo.hub.auth.createApiToken(service.id, { name: 'nul test' });
  const open311 = await fetch(`${demo.url}/open311/v2/requests.json`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `api_key=${apiKey}&service_code=0101&lat=32.38&long=120.56&first_name=a%00b&description=x`,
  });
  t.is(open311.status, 400);
  t.regex(await open311.text(), /first_name/);
});

// What the fuzz found next on PostgreSQL: a lone surrogate ("\ud800" is valid JSON, but no UTF-8 text) in a
// hotline 回访 callback's note was a 500 there. Now a 400 naming the field, on both databases.
test('a lone surrogate in a body field or a webhook field is a 400 naming it', async (t) => {
  const acceptor = await demo.login('acceptor');
  const fields = async (res: Response) => ({
    status: res.status,
    fields: ((await res.json()) as { errors?: { field: string }[] }).errors?.map((e) => e.field),
  });
  const report = await fetch(`${demo.url}/api/cases`, {
    method: 'POST',
    headers: { authorization: `Bearer ${acceptor}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      source: 'hotline',
      categoryCode: '0101',
      description: '井盖缺失\ud800',
      lat: 32.38,
      lng: 120.56,
    }),
  });
  t.deepEqual(await fields(report), { status: 400, fields: ['body.description'] });

  const callback = JSON.stringify({
    callbackId: 'cb-1',
    ticketNo: 'T-1',
    satisfaction: '不满意',
    at: '2026-12-07T10:00:00+08:00',
    note: '未处理\udc00',
  });
  const webhook = await fetch(`${demo.url}/api/adapters/hotline/callbacks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...signedHeaders(FUZZ_HUB_ENV.HOTLINE_WEBHOOK_SECRET, callback),
    },
    body: callback,
  });
  const refused = await fields(webhook);
  t.is(refused.status, 400);
  t.true(refused.fields?.includes('body.note'), JSON.stringify(refused.fields));
});
