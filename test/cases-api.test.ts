// The case REST API over the real hub: embedded engine, job workers, demo data, real HTTP.
import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Hub } from '../src/hub.ts';
import { call, startTestApi, type Reply } from './helpers/api.ts';
import { startDemoHub, type DemoHub, TEST_DEMO_PASSWORD } from './helpers/demo-hub.ts';
import type { ZeebeClient } from '../src/zeebe.ts';

const PASSWORD = TEST_DEMO_PASSWORD;
const ROLE_USERS = [
  'administrator',
  'acceptor',
  'dispatcher',
  'department_handler',
  'field_supervisor',
  'leader',
];

let hub: Hub;
let url = '';
const tokens: Record<string, string> = {};
let demo: DemoHub | undefined;
/** A point inside a seeded grid cell, and that cell's code. */
let point = { lng: 0, lat: 0, gridCode: '' };
let categoryCode = '';
/** The first test's category: its report must not be merged as a duplicate of another test's case. */
let firstCategory = '';

test.before(async () => {
  demo = await startDemoHub(PASSWORD);
  ({ hub, url } = demo);
  for (const username of ROLE_USERS) tokens[username] = await demo.login(username);
  const cell = await hub.db.prisma.gridCell.findFirstOrThrow({
    where: { active: true },
    orderBy: { code: 'asc' },
  });
  point = { lng: (cell.minLng + cell.maxLng) / 2, lat: (cell.minLat + cell.maxLat) / 2, gridCode: cell.code };
  const categories = await hub.db.prisma.category.findMany({
    where: { kind: 'event', active: true },
    orderBy: { code: 'asc' },
    take: 2,
  });
  categoryCode = categories[0]!.code;
  firstCategory = categories[1]!.code;
});

test.after.always(() => demo?.close());

const report = (body: Record<string, unknown>, options: { key?: string; as?: string } = {}) =>
  call(url, 'POST', '/api/cases', {
    token: tokens[options.as ?? 'field_supervisor'],
    body,
    headers: options.key ? { 'idempotency-key': options.key } : {},
  });

const validReport = (extra: Record<string, unknown> = {}) => ({
  source: 'supervisor',
  categoryCode,
  urgency: 'urgent',
  description: '人行道井盖缺失',
  address: '如城街道某路口',
  lng: point.lng,
  lat: point.lat,
  reporterName: '张三',
  reporterPhone: '13800000000',
  ...extra,
});

async function waitFor(
  fetch: () => Promise<Reply>,
  done: (r: Reply) => boolean,
  ms = 20_000,
): Promise<Reply> {
  const until = Date.now() + ms;
  for (;;) {
    const reply = await fetch();
    if (done(reply) || Date.now() > until) return reply;
    await sleep(100);
  }
}

test('report → 201 with the case row, its reported event and process instance; the workers accept and locate it', async (t) => {
  const res = await report(validReport({ categoryCode: firstCategory }), { key: 'report-1' });
  t.is(res.status, 201);
  t.regex(res.body.caseNo, /^RG-\d{4}-\d{6}$/);
  t.like(res.body, {
    source: 'supervisor',
    categoryKind: 'event',
    categoryCode: firstCategory,
    urgency: 'urgent',
    reporter: null, // a field supervisor does not read contacts
  });
  t.regex(res.body.processInstanceKey, /^\d+$/);
  // The row as stored after the engine took the instance: the intake worker may already have accepted it.
  t.true(['reported', 'accepted'].includes(res.body.status), res.body.status);

  const row = await hub.db.prisma.case.findUniqueOrThrow({ where: { id: res.body.id } });
  const users = await hub.db.prisma.user.findUniqueOrThrow({ where: { username: 'field_supervisor' } });
  t.is(row.processInstanceKey, res.body.processInstanceKey);
  t.is(row.idempotencyKey, `${users.id}:report-1`);
  t.is(row.reporterPhone, '13800000000');
  t.is(row.reporterUserId, users.id);

  // intake → accepted; locate → the grid cell of the point; then it waits for 立案 (supervisor source).
  const detail = await waitFor(
    () => call(url, 'GET', `/api/cases/${res.body.id}`, { token: tokens.acceptor }),
    (r) => r.body.status === 'accepted' && r.body.gridCode !== null,
  );
  t.is(detail.status, 200);
  t.is(detail.body.status, 'accepted');
  t.is(detail.body.gridCode, point.gridCode);
  t.deepEqual(detail.body.reporter, { name: '张三', phone: '13800000000', email: null });
  t.deepEqual(
    detail.body.timeline.map((e: { type: string; fromStatus: string | null; toStatus: string }) => [
      e.type,
      e.fromStatus,
      e.toStatus,
    ]),
    [
      ['reported', null, 'reported'],
      ['accepted', 'reported', 'accepted'],
    ],
  );
  t.is(detail.body.timeline[0].actorName, '监督员');
});

test('the same Idempotency-Key returns the same case (200) and stores one row, also when sent at once', async (t) => {
  const first = await report(validReport({ description: 'idem' }), { key: 'idem-key-1' });
  const second = await report(validReport({ description: 'idem' }), { key: 'idem-key-1' });
  t.is(first.status, 201);
  t.is(second.status, 200);
  t.is(second.body.id, first.body.id);
  t.is(second.body.caseNo, first.body.caseNo);
  t.is(await hub.db.prisma.case.count({ where: { idempotencyKey: { endsWith: ':idem-key-1' } } }), 1);
  // Another account sending the same key string reports a case of its own.
  const other = await report(validReport({ description: 'idem' }), { key: 'idem-key-1', as: 'acceptor' });
  t.is(other.status, 201);
  t.not(other.body.id, first.body.id);

  const both = await Promise.all([
    report(validReport(), { key: 'idem-key-2' }),
    report(validReport(), { key: 'idem-key-2' }),
  ]);
  t.deepEqual(both.map((r) => r.status).sort(), [200, 201]);
  t.is(both[0].body.id, both[1].body.id);
  t.is(await hub.db.prisma.case.count({ where: { idempotencyKey: { endsWith: ':idem-key-2' } } }), 1);
  t.is(await hub.db.prisma.caseEvent.count({ where: { caseId: both[0].body.id, type: 'reported' } }), 1);
});

test('a bad report is a 400 problem naming the field and stores nothing; other roles get 403', async (t) => {
  // Tests run at once: count only this test's reports, marked by their description.
  const mark = { description: 'bad-report' };
  const bad = await report(validReport({ ...mark, urgency: 'very' }), { key: 'bad-1' });
  t.is(bad.status, 400);
  t.is(bad.headers.get('content-type'), 'application/problem+json');
  t.deepEqual(
    bad.body.errors.map((e: { field: string }) => e.field),
    ['body.urgency'],
  );
  const unknown = await report(validReport({ ...mark, categoryCode: '9999' }), { key: 'bad-2' });
  t.is(unknown.status, 400);
  t.deepEqual(unknown.body.errors, [
    { field: 'body.categoryCode', message: 'no active event category 9999' },
  ]);
  const noPlace = await report(validReport({ ...mark, lng: undefined, lat: undefined, address: undefined }));
  t.is(noPlace.status, 400);
  t.is(noPlace.body.errors[0].field, 'body.lng');
  t.is((await report(validReport(mark), { as: 'dispatcher' })).status, 403);
  t.is((await report(validReport(mark), { as: 'department_handler' })).status, 403);
  t.is(await hub.db.prisma.case.count({ where: mark }), 0);
  t.is((await report(validReport(mark))).status, 201);
  t.is(await hub.db.prisma.case.count({ where: mark }), 1);
});

test('list: filters and cursor pages are exact; a department handler sees only its own department', async (t) => {
  const { prisma } = hub.db;
  const d06 = await prisma.department.findUniqueOrThrow({ where: { code: 'D06' } });
  const d07 = await prisma.department.findFirstOrThrow({
    where: { code: { not: 'D06' }, kind: 'department' },
  });
  const grid2 = await prisma.gridCell.findFirstOrThrow({ where: { code: { not: point.gridCode } } });
  // Fixture rows in 2020, so the window from/to isolates them from the reports of other tests; no process.
  const rows = [
    {
      no: 'F1',
      at: '2020-03-01T01:00:00Z',
      status: 'dispatched',
      dept: d06.id,
      grid: point.gridCode,
      source: 'hotline',
    },
    {
      no: 'F2',
      at: '2020-03-02T01:00:00Z',
      status: 'signed',
      dept: d06.id,
      grid: grid2.code,
      source: 'supervisor',
    },
    {
      no: 'F3',
      at: '2020-03-03T01:00:00Z',
      status: 'dispatched',
      dept: d07.id,
      grid: point.gridCode,
      source: 'supervisor',
    },
    {
      no: 'F4',
      at: '2020-03-04T01:00:00Z',
      status: 'closed',
      dept: d07.id,
      grid: grid2.code,
      source: 'hotline',
    },
    {
      no: 'F5',
      at: '2020-03-04T01:00:00Z',
      status: 'registered',
      dept: null,
      grid: point.gridCode,
      source: 'video',
    },
  ] as const;
  const ids: Record<string, string> = {};
  for (const r of rows) {
    const created = await prisma.case.create({
      data: {
        caseNo: `RG2020${r.no}`,
        source: r.source,
        categoryCode,
        status: r.status,
        description: r.no,
        gridCode: r.grid,
        departmentId: r.dept,
        reporterPhone: '13900000000',
        reportedAt: new Date(r.at),
        createdAt: new Date(r.at),
        // F2 is past its disposal deadline, F1 is not yet past its sign deadline
        disposeDeadline: r.no === 'F2' ? new Date('2020-03-05T00:00:00Z') : null,
        signDeadline: r.no === 'F1' ? new Date('2099-01-01T00:00:00Z') : null,
      },
    });
    ids[r.no] = created.id;
  }
  const window = 'from=2020-01-01T00:00:00Z&to=2021-01-01T00:00:00Z';
  const list = async (q: string, as = 'dispatcher') => {
    // A query with its own from/to replaces the window.
    const full = /(^|&)(from|to)=/.test(q) ? q : `${window}&${q}`;
    const res = await call(url, 'GET', `/api/cases?${full}`, { token: tokens[as] });
    t.is(res.status, 200, q);
    return res.body as { items: { description: string; reporter: unknown }[]; nextCursor: string | null };
  };
  const names = async (q: string, as?: string) => (await list(q, as)).items.map((c) => c.description);

  // Same createdAt for F4 and F5: the id (uuid v7, F5 created later) breaks the tie, descending.
  t.deepEqual(await names(''), ['F5', 'F4', 'F3', 'F2', 'F1']);
  t.deepEqual(await names('status=dispatched'), ['F3', 'F1']);
  t.deepEqual(await names(`departmentId=${d06.id}`), ['F2', 'F1']);
  t.deepEqual(await names(`gridCode=${point.gridCode}`), ['F5', 'F3', 'F1']);
  t.deepEqual(await names('source=hotline'), ['F4', 'F1']);
  t.deepEqual(await names(`categoryCode=${categoryCode}&source=video`), ['F5']);
  t.deepEqual(await names('overdue=true'), ['F2']);
  t.deepEqual(await names('overdue=false'), ['F5', 'F3', 'F1']);
  t.deepEqual(await names('from=2020-01-01T00:00:00Z&to=2020-03-02T01:00:00Z'), ['F1']);
  t.deepEqual(await names('from=2020-03-03T00:00:00Z&to=2020-03-03T23:00:00Z'), ['F3']);

  // Cursor pages of 2: every row once, in order, then no cursor.
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await list(`limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    seen.push(...page.items.map((c) => c.description));
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  t.deepEqual(seen, ['F5', 'F4', 'F3', 'F2', 'F1']);
  t.is(pages, 3);
  const badCursor = await call(url, 'GET', `/api/cases?cursor=nonsense`, { token: tokens.dispatcher });
  t.is(badCursor.status, 400);
  t.is(badCursor.body.errors[0].field, 'query.cursor');

  // The department handler (D06): only D06's cases, whatever the filters say; no contact.
  t.deepEqual(await names('', 'department_handler'), ['F2', 'F1']);
  t.deepEqual(await names(`departmentId=${d07.id}`, 'department_handler'), []);
  t.deepEqual((await list('', 'department_handler')).items[0]!.reporter, null);
  t.deepEqual((await list('', 'dispatcher')).items[0]!.reporter, {
    name: null,
    phone: '13900000000',
    email: null,
  });
  const own = await call(url, 'GET', `/api/cases/${ids.F1}`, { token: tokens.department_handler });
  t.is(own.status, 200);
  t.is(own.body.reporter, null);
  t.is((await call(url, 'GET', `/api/cases/${ids.F3}`, { token: tokens.department_handler })).status, 404);
  t.is((await call(url, 'GET', `/api/cases/${ids.F3}`, { token: tokens.leader })).status, 200);
  t.is((await call(url, 'GET', `/api/cases/${ids.F3}`, { token: tokens.leader })).body.reporter, null);
});

test('the engine refusing the start leaves no case and no event behind (503, retryable)', async (t) => {
  const refusing = {
    createProcessInstance: async () => {
      throw new Error('14 UNAVAILABLE: connection refused');
    },
  } as unknown as ZeebeClient;
  const api = await startTestApi({ zeebe: refusing, demoPassword: PASSWORD });
  t.teardown(() => api.close());
  const login = await call(api.base, 'POST', '/api/auth/login', {
    body: { username: 'acceptor', password: PASSWORD },
  });
  const category = await api.db.prisma.category.findFirstOrThrow({ where: { kind: 'event', active: true } });
  const res = await call(api.base, 'POST', '/api/cases', {
    token: login.body.token,
    headers: { 'idempotency-key': 'engine-down' },
    body: { source: 'hotline', categoryCode: category.code, description: 'x', address: '某路' },
  });
  t.is(res.status, 503);
  t.is(res.body.detail, 'the process engine did not accept the case; retry with the same Idempotency-Key');
  t.is(await api.db.prisma.case.count(), 0);
  t.is(await api.db.prisma.caseEvent.count(), 0);
});
