// The Open311 GeoReport v2 server over a whole hub (embedded engine and workers): domain.md scenario 8 —
// POST lat/long + media_url → a case with the minor category code, located in its grid cell by the
// workers; GET requests with every filter; servicerequestupdates as FixMyStreet reads them, with
// NOT_COUNCILS_RESPONSIBILITY for a request outside the city's grid. Every answer is checked against the
// GeoReport v2 field lists and formats, in JSON and in XML; errors are the spec's error list.
import test from 'ava';
import { Ajv } from 'ajv';
import { XMLParser } from 'fast-xml-parser';
import { at, startScenarioHub, until, type ScenarioHub } from './helpers/scenario-hub.ts';

let s: ScenarioHub;
let apiKey: string;
test.before(async () => {
  s = await startScenarioHub(at('2026-10-16 09:30'));
  const service = await s.hub.db.prisma.user.findUniqueOrThrow({ where: { username: 'service' } });
  apiKey = (await s.hub.auth.createApiToken(service.id, { name: 'fixmystreet' })).token;
});
test.after.always(() => s?.close());

// --- the GeoReport v2 field lists and formats (wiki.open311.org/GeoReport_v2), as JSON Schemas ---------
const dateTime = {
  type: 'string',
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$',
};
const text = { type: ['string', 'null'] };
const REQUEST_FIELDS = [
  'service_request_id',
  'status',
  'status_notes',
  'service_name',
  'service_code',
  'description',
  'agency_responsible',
  'service_notice',
  'requested_datetime',
  'updated_datetime',
  'expected_datetime',
  'address',
  'address_id',
  'zipcode',
  'lat',
  'long',
  'media_url',
];
const schemas = {
  service: {
    type: 'object',
    additionalProperties: false,
    required: ['service_code', 'service_name', 'metadata', 'type'],
    properties: {
      service_code: { type: 'string' },
      service_name: { type: 'string' },
      description: text,
      metadata: { type: 'boolean' },
      type: { enum: ['realtime', 'batch', 'blackbox'] },
      keywords: text,
      group: text,
    },
  },
  definition: {
    type: 'object',
    additionalProperties: false,
    required: ['service_code', 'attributes'],
    properties: {
      service_code: { type: 'string' },
      attributes: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['variable', 'code', 'datatype', 'required'],
          properties: {
            variable: { type: 'boolean' },
            code: { type: 'string' },
            datatype: { enum: ['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist'] },
            required: { type: 'boolean' },
            datatype_description: text,
            order: { type: 'integer', minimum: 1 },
            description: text,
            values: {
              type: 'array',
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['key', 'name'],
                properties: { key: { type: 'string' }, name: { type: 'string' } },
              },
            },
          },
        },
      },
    },
  },
  request: {
    type: 'object',
    additionalProperties: false,
    required: REQUEST_FIELDS,
    properties: {
      service_request_id: { type: 'string' },
      status: { enum: ['open', 'closed'] },
      status_notes: text,
      service_name: text,
      service_code: { type: 'string' },
      description: { type: ['string', 'null'], maxLength: 4000 },
      agency_responsible: text,
      service_notice: text,
      requested_datetime: dateTime,
      updated_datetime: { anyOf: [dateTime, { type: 'null' }] },
      expected_datetime: { anyOf: [dateTime, { type: 'null' }] },
      address: text,
      address_id: text,
      zipcode: text,
      lat: { type: ['number', 'null'], minimum: -90, maximum: 90 },
      long: { type: ['number', 'null'], minimum: -180, maximum: 180 },
      media_url: { type: ['string', 'null'], format: 'uri' },
    },
  },
  created: {
    type: 'object',
    additionalProperties: false,
    required: ['service_request_id'],
    properties: {
      service_request_id: { type: 'string' },
      token: { type: 'string' },
      service_notice: text,
      account_id: text,
    },
  },
  update: {
    type: 'object',
    additionalProperties: false,
    required: ['update_id', 'service_request_id', 'status', 'updated_datetime', 'description'],
    properties: {
      update_id: { type: 'string' },
      service_request_id: { type: 'string' },
      status: {
        enum: [
          'OPEN',
          'INVESTIGATING',
          'ACTION_SCHEDULED',
          'IN_PROGRESS',
          'FIXED',
          'DUPLICATE',
          'NOT_COUNCILS_RESPONSIBILITY',
          'NO_FURTHER_ACTION',
          'INTERNAL_REFERRAL',
          'CLOSED',
        ],
      },
      updated_datetime: dateTime,
      description: { type: 'string' },
      media_url: text,
      external_status_code: { type: 'string' },
    },
  },
  errors: {
    type: 'array',
    minItems: 1,
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['code', 'description'],
      properties: { code: { type: 'integer' }, description: { type: 'string' } },
    },
  },
};
const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addFormat('uri', /^https?:\/\/\S+$/);
const valid = (name: keyof typeof schemas, value: unknown) => {
  const ok = ajv.validate(schemas[name], value);
  return ok ? [] : (ajv.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
};
const arrayOf = (name: keyof typeof schemas, value: unknown) =>
  Array.isArray(value) ? value.flatMap((v) => valid(name, v)) : ['not an array'];

// Parsed documents are read field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

// XML as the spec writes it: every value is text, an empty element is null; lists nest.
const parser = new XMLParser({
  parseTagValue: false,
  ignoreDeclaration: true,
  isArray: (name) =>
    ['service', 'request', 'request_update', 'error', 'attribute', 'value', 'endpoint', 'format'].includes(
      name,
    ),
});
const xml = (body: string) => parser.parse(body) as Json;

const get = async (path: string) => {
  const res = await fetch(s.url + path);
  const body = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    body,
    json: () => JSON.parse(body) as Json,
  };
};
const post = async (path: string, form: Record<string, string>) => {
  const res = await fetch(s.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  const body = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    body,
    json: () => JSON.parse(body) as Json,
  };
};
const V2 = '/open311/v2';
const IN_GRID = { lat: '32.3836', long: '120.5456' };

test.serial('discovery, services and service definitions follow the spec in JSON and XML', async (t) => {
  const discovery = await get('/open311/discovery.json');
  t.is(discovery.status, 200);
  t.like(discovery.json(), {
    endpoints: [
      {
        specification: 'http://wiki.open311.org/GeoReport_v2',
        url: `https://hub.rugao.test${V2}`,
        type: 'production',
        formats: ['text/xml', 'application/json'],
      },
    ],
  });
  t.deepEqual(
    xml((await get('/open311/discovery.xml')).body).discovery.endpoints.endpoint[0].formats.format,
    ['text/xml', 'application/json'],
  );

  const services = await get(`${V2}/services.json`);
  t.is(services.status, 200);
  t.is(services.type, 'application/json; charset=utf-8');
  t.deepEqual(arrayOf('service', services.json()), []);
  t.like(
    services.json().find((x: { service_code: string }) => x.service_code === '0402'),
    { service_name: '自来水管破裂', group: '突发事件', type: 'realtime', metadata: true },
  );
  const servicesXml = await get(`${V2}/services.xml`);
  t.is(servicesXml.type, 'text/xml; charset=utf-8');
  t.true(servicesXml.body.startsWith('<?xml version="1.0" encoding="utf-8"?>\n<services>'));
  const fromXml = xml(servicesXml.body).services.service as Record<string, string>[];
  t.is(fromXml.length, services.json().length);
  t.deepEqual(
    fromXml.map((x) => ({ ...x, metadata: x.metadata === 'true' })),
    services.json(),
  );

  const definition = await get(`${V2}/services/0402.json`);
  t.deepEqual(valid('definition', definition.json()), []);
  t.deepEqual(
    definition.json().attributes[0].values.map((v: { key: string }) => v.key),
    ['normal', 'urgent', 'critical'],
  );
  const defXml = xml((await get(`${V2}/services/0402.xml`)).body).service_definition;
  t.is(defXml.service_code, '0402');
  t.is(defXml.attributes.attribute[0].values.value.length, 3);

  const missing = await get(`${V2}/services/7777.json`);
  t.is(missing.status, 404);
  t.deepEqual(valid('errors', missing.json()), []);
  const missingXml = await get(`${V2}/services/7777.xml`);
  t.is(missingXml.status, 404);
  t.like(xml(missingXml.body), {
    errors: { error: [{ code: '404', description: 'service_code 7777 not found' }] },
  });
  t.is((await get(`${V2}/services.json?jurisdiction_id=elsewhere.gov`)).status, 404);
});

test.serial(
  'scenario 8: POST lat/long + media_url → case located in its grid; GET filters; updates with NOT_COUNCILS_RESPONSIBILITY',
  async (t) => {
    const { prisma } = s.hub.db;
    const created = await post(`${V2}/requests.json`, {
      api_key: apiKey,
      jurisdiction_id: 'rugao.gov.cn',
      service_code: '0102',
      ...IN_GRID,
      media_url: 'https://photos.example.org/rubbish.jpg',
      description: '路口垃圾成堆',
      email: 'citizen@example.org',
      first_name: '明',
      last_name: '张',
      phone: '13700001111',
    });
    t.is(created.status, 200, created.body);
    t.deepEqual(arrayOf('created', created.json()), []);
    const [{ service_request_id: id, token }] = created.json();
    const row = await prisma.case.findUniqueOrThrow({ where: { id } });
    t.like(row, {
      source: 'open311',
      sourceRef: token,
      categoryKind: 'event',
      categoryCode: '0102',
      lat: 32.3836,
      lng: 120.5456,
      reporterName: '张明',
      reporterPhone: '13700001111',
    });
    // The workers locate it: the grid cell whose polygon holds the point.
    const cell = await prisma.gridCell.findFirstOrThrow({
      where: {
        minLng: { lte: 120.5456 },
        maxLng: { gte: 120.5456 },
        minLat: { lte: 32.3836 },
        maxLat: { gte: 32.3836 },
      },
    });
    await until(
      'located',
      async () => (await prisma.case.findUniqueOrThrow({ where: { id: row.id } })).gridCode === cell.code,
    );

    // Outside the city's grid: the procedure voids it, and FixMyStreet reads NOT_COUNCILS_RESPONSIBILITY.
    const outside = await post(`${V2}/requests.xml`, {
      api_key: apiKey,
      service_code: '0406',
      lat: '31.2304',
      long: '121.4737',
      description: '上海的积水',
    });
    t.is(outside.status, 200);
    t.is(outside.type, 'text/xml; charset=utf-8');
    const outsideId = xml(outside.body).service_requests.request[0].service_request_id as string;
    await until(
      'voided',
      async () => (await prisma.case.findUniqueOrThrow({ where: { id: outsideId } })).status === 'voided',
    );

    const window = 'start_date=2026-10-16T00:00:00%2B08:00&end_date=2026-10-17T00:00:00%2B08:00';
    const updates = await get(`${V2}/servicerequestupdates.json?${window}`);
    t.is(updates.status, 200);
    t.deepEqual(arrayOf('update', updates.json()), []);
    const ofOutside = updates
      .json()
      .filter((u: { service_request_id: string }) => u.service_request_id === outsideId);
    t.like(ofOutside.at(-1), { status: 'NOT_COUNCILS_RESPONSIBILITY', external_status_code: 'voided' });
    t.regex(ofOutside.at(-1).description, /不在本市网格范围内/);
    const ofInside = updates
      .json()
      .filter((u: { service_request_id: string }) => u.service_request_id === id);
    t.true(ofInside.some((u: { status: string }) => u.status === 'INVESTIGATING'));
    const updatesXml = xml((await get(`${V2}/servicerequestupdates.xml?${window}`)).body);
    t.is(updatesXml.service_request_updates.request_update.length, updates.json().length);
    t.like(
      updatesXml.service_request_updates.request_update.find(
        (u: { service_request_id: string; status: string }) =>
          u.service_request_id === outsideId && u.status === 'NOT_COUNCILS_RESPONSIBILITY',
      ),
      { external_status_code: 'voided' },
    );

    // GET requests with each filter.
    const ids = async (query: string) => {
      const res = await get(`${V2}/requests.json?${query}`);
      t.is(res.status, 200, query);
      t.deepEqual(arrayOf('request', res.json()), [], query);
      return res.json().map((r: { service_request_id: string }) => r.service_request_id) as string[];
    };
    t.deepEqual(
      (await ids(`service_request_id=${id},${outsideId}&service_code=0504`)).sort(),
      [id, outsideId].sort(),
    );
    t.deepEqual(await ids(`service_request_id=${id}`), [id]);
    t.true((await ids('service_code=0102')).includes(id));
    t.false((await ids('service_code=0102')).includes(outsideId));
    t.true((await ids('status=closed')).includes(outsideId));
    t.false((await ids('status=closed')).includes(id));
    t.true((await ids('status=open')).includes(id));
    t.true((await ids(window)).includes(id));
    t.deepEqual(await ids('start_date=2026-10-17T00:00:00%2B08:00'), []);
    t.deepEqual(await ids('end_date=2026-10-15T00:00:00Z'), []);
    const badDate = await get(`${V2}/requests.json?start_date=yesterday`);
    t.is(badDate.status, 400);
    t.deepEqual(valid('errors', badDate.json()), []);
    t.regex(badDate.json()[0].description, /start_date/);

    const one = await get(`${V2}/requests/${id}.json`);
    t.deepEqual(arrayOf('request', one.json()), []);
    t.like(one.json()[0], {
      service_request_id: id,
      status: 'open',
      service_code: '0102',
      service_name: '暴露垃圾',
      media_url: 'https://photos.example.org/rubbish.jpg',
      // Rounded to OPEN311_COORDINATE_DECIMALS (3).
      lat: 32.384,
      long: 120.546,
      requested_datetime: '2026-10-16T09:30:00+08:00',
    });
    t.false(
      one.body.includes('13700001111') ||
        one.body.includes('citizen@example.org') ||
        one.body.includes('张明'),
    );
    const oneXml = xml((await get(`${V2}/requests/${outsideId}.xml`)).body).service_requests.request[0];
    t.like(oneXml, {
      service_request_id: outsideId,
      status: 'closed',
      service_code: '0406',
      address_id: '',
      zipcode: '',
    });
    t.regex(oneXml.status_notes, /不在本市网格范围内/);
    t.is((await get(`${V2}/requests/RG-NOPE.json`)).status, 404);
    const tokenRes = await get(`${V2}/tokens/${token}.json`);
    t.deepEqual(tokenRes.json(), [{ service_request_id: id, token }]);
    t.is((await get(`${V2}/tokens/00000000-0000-0000-0000-000000000000.xml`)).status, 404);
  },
);

test.serial('POST refusals are the spec error list and store nothing', async (t) => {
  const { prisma } = s.hub.db;
  const cases = await prisma.case.count();
  const noKey = await post(`${V2}/requests.json`, { service_code: '0102', ...IN_GRID });
  t.is(noKey.status, 403);
  t.deepEqual(valid('errors', noKey.json()), []);
  t.is(noKey.json()[0].description, 'api_key was not provided or is invalid');
  const badKey = await post(`${V2}/requests.xml`, { api_key: 'nope', service_code: '0102', ...IN_GRID });
  t.is(badKey.status, 403);
  t.like(xml(badKey.body), { errors: { error: [{ code: '403' }] } });
  const unknown = await post(`${V2}/requests.json`, { api_key: apiKey, service_code: '9999', ...IN_GRID });
  t.is(unknown.status, 404);
  const noPlace = await post(`${V2}/requests.json`, { api_key: apiKey, service_code: '0102' });
  t.is(noPlace.status, 400);
  t.regex(noPlace.json()[0].description, /lat/);
  const halfPlace = await post(`${V2}/requests.json`, {
    api_key: apiKey,
    service_code: '0102',
    lat: '32.38',
  });
  t.is(halfPlace.status, 400);
  t.regex(halfPlace.json()[0].description, /long/);
  const badMedia = await post(`${V2}/requests.json`, {
    api_key: apiKey,
    service_code: '0102',
    ...IN_GRID,
    media_url: 'javascript:alert(1)',
  });
  t.is(badMedia.status, 400);
  t.regex(badMedia.json()[0].description, /media_url/);
  t.is((await post(`${V2}/requests.csv`, { api_key: apiKey, service_code: '0102', ...IN_GRID })).status, 404);
  // A JSON body that is no object of fields (the fuzz: `null` was a 500), or no JSON at all.
  for (const [body, why] of [
    ['null', 'must be a JSON object of fields, not null'],
    ['[1]', 'must be a JSON object of fields, not an array'],
    ['{"api_key":', 'is not valid JSON'],
  ]) {
    const res = await fetch(`${s.url}${V2}/requests.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    t.is(res.status, 400, body);
    t.deepEqual(await res.json(), [{ code: 400, description: `invalid body: body ${why}` }], body);
  }
  t.is(await prisma.case.count(), cases);
  // By address only: accepted, and the address is kept.
  const byAddress = await post(`${V2}/requests.json`, {
    api_key: apiKey,
    service_code: '0102',
    address_string: '如皋市海阳路18号',
    'attribute[urgency]': 'urgent',
  });
  t.is(byAddress.status, 200);
  t.like(await prisma.case.findUniqueOrThrow({ where: { id: byAddress.json()[0].service_request_id } }), {
    address: '如皋市海阳路18号',
    urgency: 'urgent',
    lat: null,
  });
});
