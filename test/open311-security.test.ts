// Issue 18's Open311 findings, over the API alone (no engine): who may file a request (#3), what the
// public list shows (#5, #8). The full GeoReport v2 scenario with the engine is adapters-open311.test.ts.
import test from 'ava';
import { XMLParser } from 'fast-xml-parser';
import { loadConfig } from '../src/config.ts';
import { xmlText } from '../src/xml.ts';
import { call, startTestApi, type TestApi } from './helpers/api.ts';
import { TEST_DEMO_PASSWORD } from './helpers/seeded-db.ts';

const PASSWORD = TEST_DEMO_PASSWORD;
const V2 = '/open311/v2';
const IN_GRID = { lat: '32.3905', long: '120.5665' };

let hub: TestApi;
let apiKey: string;
test.before(async () => {
  hub = await startTestApi({ demoPassword: PASSWORD });
  const service = await hub.db.prisma.user.findUniqueOrThrow({ where: { username: 'service' } });
  apiKey = (await hub.auth.createApiToken(service.id, { name: 'fixmystreet' })).token;
});
test.after.always(async () => hub?.close());

const post = async (path: string, form: Record<string, string>) => {
  const res = await fetch(hub.base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  const body = await res.text();
  return { status: res.status, body, json: () => JSON.parse(body) };
};
const get = async (path: string) => {
  const res = await fetch(hub.base + path);
  const body = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), body, json: () => JSON.parse(body) };
};

const sessionOf = async (username: string) =>
  (await call(hub.base, 'POST', '/api/auth/login', { body: { username, password: PASSWORD } })).body
    .token as string;

test.serial(
  'api_key: only a service account API token files a request; a user session token is refused',
  async (t) => {
    const cases = await hub.db.prisma.case.count();
    // A department handler may not create cases through the API …
    const handler = await sessionOf('department_handler');
    const direct = await call(hub.base, 'POST', '/api/cases', {
      token: handler,
      body: { source: 'hotline', categoryCode: '0102', description: 'x', address: '某路' },
    });
    t.is(direct.status, 403);
    // … nor through Open311 with the same token, nor an administrator's session.
    for (const token of [handler, await sessionOf('administrator')]) {
      const res = await post(`${V2}/requests.json`, { api_key: token, service_code: '0102', ...IN_GRID });
      t.is(res.status, 403);
      t.deepEqual(res.json(), [{ code: 403, description: 'api_key was not provided or is invalid' }]);
    }
    t.is(await hub.db.prisma.case.count(), cases);
    // The service account's API token in the POST body, as the spec has it: accepted.
    const ok = await post(`${V2}/requests.json`, { api_key: apiKey, service_code: '0102', ...IN_GRID });
    t.is(ok.status, 200);
    t.regex(ok.json()[0].service_request_id, /\S/);
    t.is(await hub.db.prisma.case.count(), cases + 1);
  },
);

test.serial('api_key in the query string is refused with a clear error, on POST and GET alike', async (t) => {
  const cases = await hub.db.prisma.case.count();
  const inUrl = await post(`${V2}/requests.json?api_key=${apiKey}`, { service_code: '0102', ...IN_GRID });
  t.is(inUrl.status, 400);
  t.deepEqual(inUrl.json(), [
    {
      code: 400,
      description:
        'api_key must be sent in the POST body, never in the URL (the key is now exposed: ask for a new one): ' +
        'query.api_key not allowed in the query string',
    },
  ]);
  // Even with the key also in the body.
  const both = await post(`${V2}/requests.xml?api_key=${apiKey}`, {
    api_key: apiKey,
    service_code: '0102',
    ...IN_GRID,
  });
  t.is(both.status, 400);
  t.regex(both.body, /<code>400<\/code>/);
  t.is(await hub.db.prisma.case.count(), cases);
  const updates = await get(`${V2}/servicerequestupdates.json?api_key=${apiKey}`);
  t.is(updates.status, 400);
  t.regex(updates.json()[0].description, /^api_key must be sent in the POST body/);
  // Without it the same GET answers.
  t.is((await get(`${V2}/servicerequestupdates.json`)).status, 200);
});

// XML 1.0's Char production: what a conforming parser accepts at all.
const XML_ILLEGAL =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

test.serial('control characters in a case text do not break the Open311 XML list', async (t) => {
  const filed = await post(`${V2}/requests.json`, {
    api_key: apiKey,
    service_code: '0102',
    ...IN_GRID,
    description: 'A\x01B\x08C\x0bD\x0cE\uffffF <&> "路灯" 🚧',
  });
  t.is(filed.status, 200);
  const id = filed.json()[0].service_request_id as string;
  for (const path of [`${V2}/requests.xml`, `${V2}/requests/${id}.xml`]) {
    const res = await get(path);
    t.is(res.status, 200);
    t.false(XML_ILLEGAL.test(res.body), path);
    const doc = new XMLParser({ processEntities: true, parseTagValue: false }).parse(res.body);
    const requests = [doc.service_requests.request].flat();
    const mine = requests.find((r: { service_request_id: string }) => r.service_request_id === id);
    t.is(mine.description, 'ABCDEF <&> "路灯" 🚧', path);
  }
  // JSON carries the text as stored.
  const json = (await get(`${V2}/requests/${id}.json`)).json();
  t.is(json[0].description, 'A\x01B\x08C\x0bD\x0cE\uffffF <&> "路灯" 🚧');
});

test.serial('the one XML escaper drops what XML 1.0 cannot carry and escapes markup', (t) => {
  t.is(
    xmlText('a\u0000b\tc\nd\re\u001ff\ud800g\udc00h😀<i>&"\''),
    'ab\tc\nd\refgh😀&lt;i&gt;&amp;&quot;&apos;',
  );
});

test.serial('the reporter’s e-mail and phone reach only the roles with contact rights', async (t) => {
  const filed = await post(`${V2}/requests.json`, {
    api_key: apiKey,
    service_code: '0102',
    ...IN_GRID,
    email: 'citizen@example.org',
    phone: '13912345678',
    first_name: '小明',
    last_name: '王',
  });
  t.is(filed.status, 200);
  const row = await hub.db.prisma.case.findFirstOrThrow({
    where: { id: filed.json()[0].service_request_id },
    include: { events: true },
  });
  // Stored once, on the case; not in the timeline.
  t.like(row, { reporterName: '王小明', reporterPhone: '13912345678', reporterEmail: 'citizen@example.org' });
  t.false(JSON.stringify(row.events).includes('citizen@example.org'));
  // An older row that still holds the e-mail in its event data (as main wrote it) is filtered too.
  const reported = row.events.find((e) => e.type === 'reported')!;
  await hub.db.prisma.caseEvent.update({
    where: { id: reported.id },
    data: { data: { ...(reported.data as object), email: 'old@example.org', nested: { phone: '1' } } },
  });
  for (const username of ['leader', 'field_supervisor']) {
    const token = await sessionOf(username);
    const detail = await call(hub.base, 'GET', `/api/cases/${row.id}`, { token });
    t.is(detail.status, 200, username);
    t.is(detail.body.reporter, null, username);
    const text = JSON.stringify(detail.body);
    for (const secret of ['example.org', '13912345678', '王小明'])
      t.false(text.includes(secret), `${username} sees ${secret}`);
    t.deepEqual(detail.body.timeline[0].data.nested, {});
    const list = await call(hub.base, 'GET', `/api/cases?q=${encodeURIComponent(row.caseNo)}`, { token });
    t.is(list.status, 200);
    t.false(JSON.stringify(list.body).includes('example.org'));
  }
  const dispatcher = await call(hub.base, 'GET', `/api/cases/${row.id}`, {
    token: await sessionOf('dispatcher'),
  });
  t.deepEqual(dispatcher.body.reporter, {
    name: '王小明',
    phone: '13912345678',
    email: 'citizen@example.org',
  });
  // Even for a contact reader the timeline holds no contact: one place only.
  t.false(JSON.stringify(dispatcher.body.timeline).includes('example.org'));
});

test.serial(
  'the public list shows only published sources, with rounded coordinates and ids that cannot be counted',
  async (t) => {
    const filed = await post(`${V2}/requests.json`, {
      api_key: apiKey,
      service_code: '0102',
      lat: '32.390512',
      long: '120.566549',
    });
    const id = filed.json()[0].service_request_id as string;
    t.regex(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const own = await hub.db.prisma.case.findUniqueOrThrow({ where: { id } });
    // A police video alarm and a 12319 complaint, as the adapters would write them.
    const internal = [];
    for (const [source, caseNo] of [
      ['video', 'RG-2099-900001'],
      ['hotline', 'RG-2099-900002'],
    ] as const)
      internal.push(
        await hub.db.prisma.case.create({
          data: {
            caseNo,
            source,
            categoryKind: 'event',
            categoryCode: '0102',
            urgency: 'normal',
            status: 'reported',
            description: `内部案件 ${source}`,
            lat: 32.38,
            lng: 120.56,
            reportedAt: new Date(),
          },
        }),
      );
    const list = (await get(`${V2}/requests.json`)).json() as {
      service_request_id: string;
      lat: number;
      long: number;
    }[];
    t.true(list.some((r) => r.service_request_id === id));
    for (const c of internal) {
      t.false(
        list.some((r) => r.service_request_id === c.id),
        c.source,
      );
      t.is((await get(`${V2}/requests/${c.id}.json`)).status, 404, c.source);
      t.deepEqual((await get(`${V2}/requests.json?service_request_id=${c.id}`)).json(), []);
    }
    t.false((await get(`${V2}/requests.xml`)).body.includes('内部案件'));
    const mine = list.find((r) => r.service_request_id === id)!;
    t.is(mine.lat, 32.391);
    t.is(mine.long, 120.567);
    // The sequential case number, the old Open311 id, reveals nothing: not even the Open311 case's own.
    const byNumber = await get(`${V2}/requests/${own.caseNo}.json`);
    t.is(byNumber.status, 404);
    t.deepEqual(byNumber.json(), [{ code: 404, description: `service_request_id ${own.caseNo} not found` }]);
    t.deepEqual((await get(`${V2}/requests.json?service_request_id=${own.caseNo}`)).json(), []);
    // The token still finds the id.
    const token = own.sourceRef!;
    t.deepEqual((await get(`${V2}/tokens/${token}.json`)).json(), [{ service_request_id: id, token }]);
  },
);

test('publication is configurable: sources, coordinate precision, fields', async (t) => {
  const strict = await startTestApi({
    env: {
      OPEN311_PUBLISH_SOURCES: 'open311,video',
      OPEN311_COORDINATE_DECIMALS: '2',
      OPEN311_FIELDS: 'address',
    },
    demoPassword: PASSWORD,
  });
  t.teardown(() => strict.close());
  const alarm = await strict.db.prisma.case.create({
    data: {
      caseNo: 'RG-2099-900003',
      source: 'video',
      categoryKind: 'event',
      categoryCode: '0102',
      urgency: 'normal',
      status: 'reported',
      description: '视频告警',
      address: '海阳路',
      lat: 32.38456,
      lng: 120.56789,
      reportedAt: new Date(),
    },
  });
  const res = await fetch(`${strict.base}${V2}/requests/${alarm.id}.json`);
  t.is(res.status, 200);
  t.like(((await res.json()) as Record<string, unknown>[])[0], {
    service_request_id: alarm.id,
    lat: 32.38,
    long: 120.57,
    address: '海阳路',
    description: null,
    media_url: null,
    agency_responsible: null,
  });
  t.throws(() => loadConfig({ OPEN311_PUBLISH_SOURCES: 'open311,cctv' }), {
    message: /OPEN311_PUBLISH_SOURCES/,
  });
});

test.serial(
  'numbers in requests are plain decimals: blank, hex and exponent forms are 400 naming the field',
  async (t) => {
    const cases = await hub.db.prisma.case.count();
    for (const lat of ['0x10', '1e1', ' ', 'Infinity']) {
      const res = await post(`${V2}/requests.json`, {
        api_key: apiKey,
        service_code: '0102',
        lat,
        long: '120.5665',
      });
      t.is(res.status, 400, lat);
      t.regex(res.json()[0].description, /lat/, lat);
    }
    t.is(await hub.db.prisma.case.count(), cases);
    for (const query of ['lat=&lng=120.56', 'lat=0x10&lng=120.56', 'lat=32.39&lng=1e2']) {
      const res = await call(hub.base, 'GET', `/api/citizen/nearby?${query}`);
      t.is(res.status, 400, query);
      t.is(res.headers.get('content-type'), 'application/problem+json');
      t.true(
        res.body.errors.some((e: { field: string }) => /^query\.(lat|lng)$/.test(e.field)),
        JSON.stringify(res.body),
      );
    }
    t.is((await call(hub.base, 'GET', '/api/citizen/nearby?lat=32.39&lng=120.56')).status, 200);
    const token = await sessionOf('dispatcher');
    const hex = await call(hub.base, 'GET', '/api/cases?limit=0x10', { token });
    t.is(hex.status, 400);
    t.is(hex.body.errors[0].field, 'query.limit');
    t.is((await call(hub.base, 'GET', '/api/cases?limit=16', { token })).status, 200);
  },
);
