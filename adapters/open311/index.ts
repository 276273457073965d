/**
 * An Open311 GeoReport v2 server (wiki.open311.org/GeoReport_v2, domain.md §3) over the hub's cases, so
 * any Open311 client (FixMyStreet, city apps) can file and follow requests. Mounted under /open311:
 *   GET  /open311/discovery.{xml,json}
 *   GET  /open311/v2/services.{xml,json}            service_code = the event category's minor code
 *   GET  /open311/v2/services/{code}.{xml,json}     service definition (attribute `urgency`)
 *   POST /open311/v2/requests.{xml,json}            api_key = a service account's API token, in the body
 *                                                   (a key in any URL is refused); lat/long, address_string or
 *                                                   address_id; media_url → a case (source open311)
 *   GET  /open311/v2/requests.{xml,json}            service_request_id, service_code, start_date, end_date, status
 *   GET  /open311/v2/requests/{id}.{xml,json}
 *   GET  /open311/v2/tokens/{token}.{xml,json}
 *   GET  /open311/v2/servicerequestupdates.{xml,json}  FixMyStreet's update extension (start_date, end_date)
 * service_request_id is the case's id (a UUID: requests cannot be enumerated by counting; the sequential case
 * number is never an Open311 id). Publication is configured (OPEN311_PUBLISH_SOURCES, _COORDINATE_DECIMALS,
 * _FIELDS): cases of other sources do not exist here. The reporter's contact is never in an answer. Errors are the
 * spec's error list (`<errors><error><code/><description/></error></errors>`, or its JSON array).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { defineRoute, type ApiContext, type Route } from '../../src/api/route.ts';
import { DECIMAL } from '../../src/api/validate.ts';
import { citizenRoutes } from './citizen.ts';
import { cityClock } from '../../src/city-clock.ts';
import type { Authenticate } from '../../src/auth/access.ts';
import type { Case, CaseSource, Prisma } from '../../src/db/index.ts';
import { validationError, type HubError } from '../../src/errors.ts';
import type { Adapter, AdapterDeps, AdapterRuntime } from '../framework/index.ts';
import { readRawBody } from '../framework/index.ts';
import { CONTENT_TYPE, open311Error, render, renderObject, type Format } from './format.ts';

export const OPEN311 = 'open311';
const BASE = '/open311/v2';
/** The spec's default and FixMyStreet's cap on one query. */
const MAX_RESULTS = 1000;
const DEFAULT_SPAN_DAYS = 90;
const URGENCY_VALUES = [
  { key: 'normal', name: '一般' },
  { key: 'urgent', name: '紧急' },
  { key: 'critical', name: '特急' },
] as const;

/** FixMyStreet's extended states of an update (Open311 FMS additional states). */
export type UpdateStatus =
  | 'OPEN'
  | 'INVESTIGATING'
  | 'ACTION_SCHEDULED'
  | 'IN_PROGRESS'
  | 'FIXED'
  | 'DUPLICATE'
  | 'NOT_COUNCILS_RESPONSIBILITY'
  | 'NO_FURTHER_ACTION'
  | 'INTERNAL_REFERRAL'
  | 'CLOSED';

/** A void whose reason says the problem is not the city's (outside its grid, another authority's). */
const NOT_OURS = /不在本市|不属于|非本市|非城管|管辖|职责范围/;

/** The update a timeline event makes public, or null for events a citizen does not follow. */
export function updateOf(e: {
  type: string;
  note: string | null;
}): { status: UpdateStatus; text: string } | null {
  switch (e.type) {
    case 'accepted':
      return { status: 'OPEN', text: '已受理' };
    case 'verify_requested':
      return { status: 'INVESTIGATING', text: '监督员现场核实中' };
    case 'registered':
      return { status: 'ACTION_SCHEDULED', text: '已立案，等待派遣' };
    case 'dispatched':
    case 'reassigned':
    case 'redispatched':
      return { status: 'IN_PROGRESS', text: '已派遣至承办单位' };
    case 'signed':
      return { status: 'IN_PROGRESS', text: '承办单位处置中' };
    case 'returned':
      return { status: 'INTERNAL_REFERRAL', text: '转交其他单位办理' };
    case 'disposed':
      return { status: 'IN_PROGRESS', text: '处置完成，待核查' };
    case 'check_failed':
      return { status: 'IN_PROGRESS', text: '核查未通过，返工' };
    case 'closed':
      return { status: 'FIXED', text: e.note ?? '已办结' };
    case 'merged':
      return { status: 'DUPLICATE', text: '与已有案件合并办理' };
    case 'voided':
      return NOT_OURS.test(e.note ?? '')
        ? { status: 'NOT_COUNCILS_RESPONSIBILITY', text: e.note ?? '不属于本市城管职责' }
        : { status: 'NO_FURTHER_ACTION', text: e.note ?? '经核实不予立案' };
    default:
      return null;
  }
}

const CLOSED_STATUSES = ['closed', 'voided'];

/** Optional request fields a city may choose to publish. */
export type PublishedField =
  'description' | 'address' | 'agency_responsible' | 'status_notes' | 'expected_datetime' | 'media_url';

/** What the public request list and lookups show (OPEN311_PUBLISH_SOURCES, _COORDINATE_DECIMALS, _FIELDS). */
export interface Open311Publication {
  sources: CaseSource[];
  coordinateDecimals: number;
  fields: PublishedField[];
}

export interface Open311Deps extends AdapterDeps {
  /** Which cases and fields are public; default: Open311 and public reports, 3 decimals, every field. */
  publication?: Open311Publication;
  /** Checks an api_key (a hub API token) and names its owner. */
  authenticate: Authenticate;
  jurisdictionId: string;
  /** The hub's public address, for the discovery document. */
  publicUrl: string;
}

const formatOf = (raw: string | undefined): Format => (raw === 'xml' ? 'xml' : 'json');

/** When the service list last changed (its `changeset`): 2026-11-25 00:00 in Rugao. */
const SERVICES_CHANGED = new Date('2026-11-24T16:00:00Z');

export function createOpen311Adapter(deps: Open311Deps): Adapter {
  const { prisma } = deps.db;
  const log = deps.logger.child({ adapter: OPEN311 });
  // Date-times with the city's offset (CALENDAR_TIMEZONE), as the spec asks (timezone included).
  const clock = cityClock(deps.config);
  const iso = (d: Date | null | undefined) => (d ? clock.iso(d) : null);
  const publication: Open311Publication = deps.publication ?? {
    sources: ['open311', 'public'],
    coordinateDecimals: 3,
    fields: [
      'description',
      'address',
      'agency_responsible',
      'status_notes',
      'expected_datetime',
      'media_url',
    ],
  };
  const published = (field: PublishedField) => publication.fields.includes(field);
  const scale = 10 ** publication.coordinateDecimals;
  const coordinate = (v: number | null) => (v === null ? null : Math.round(v * scale) / scale);
  // Only cases of the published sources exist for Open311; anything else answers as unknown.
  const publicCase: Prisma.CaseWhereInput = { source: { in: publication.sources } };
  // service_request_id is the case's id (a UUIDv7: 74 random bits), not its sequential case number,
  // so requests cannot be enumerated by counting.
  const requestIdOf = (c: { id: string }) => c.id;
  const isRequestId = (s: string) =>
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

  /** Runs a handler, answering failures in the spec's error format. */
  async function answer(ctx: ApiContext, fn: (format: Format) => Promise<string>): Promise<string> {
    const raw = (ctx.params as Record<string, string>).format;
    if (raw !== 'xml' && raw !== 'json')
      throw open311Error('json', 404, `format ${raw} not supported: use xml or json`);
    const format = formatOf(raw);
    try {
      refuseKeyInUrl(ctx);
      const body = await fn(format);
      ctx.type = CONTENT_TYPE[format];
      return body;
    } catch (err) {
      const e = err as HubError;
      if (typeof e.status === 'number' && e.status < 500 && !('body' in e)) {
        const fields = e.errors?.length
          ? `: ${e.errors.map((f) => `${f.field} ${f.message}`).join('; ')}`
          : '';
        throw open311Error(format, e.status, `${e.message}${fields}`);
      }
      throw err;
    }
  }

  const checkJurisdiction = (id: string | undefined) => {
    if (id !== undefined && id !== deps.jurisdictionId)
      throw Object.assign(validationError(`jurisdiction_id ${id} not found`), { status: 404 });
  };

  /**
   * The owner of an api_key: only a service account's API token. A user's session token would let any
   * role create cases here that POST /api/cases refuses it, so it is refused like an unknown key.
   */
  async function serviceAccountOf(apiKey: string | undefined) {
    const refused = () =>
      Object.assign(validationError('api_key was not provided or is invalid'), { status: 403 });
    if (!apiKey) throw refused();
    const owner = await deps.authenticate(apiKey).catch(() => {
      throw refused();
    });
    if (owner.kind !== 'service' || owner.credential.type !== 'api-token') throw refused();
    return owner;
  }

  /**
   * A key in a URL ends up in access logs, proxies and browser history: refused on every Open311 route,
   * before anything is read, with a message that says where it goes instead.
   */
  function refuseKeyInUrl(ctx: ApiContext) {
    if ('api_key' in ctx.query)
      throw validationError(
        'api_key must be sent in the POST body, never in the URL (the key is now exposed: ask for a new one)',
        [{ field: 'query.api_key', message: 'not allowed in the query string' }],
      );
  }

  const serviceCodeOf = (c: { kind: string; code: string }) => (c.kind === 'event' ? c.code : `P${c.code}`);
  async function findService(code: string) {
    const m = /^(P?)(\d{4})$/.exec(code);
    if (!m) return null;
    return prisma.category.findUnique({
      where: { kind_code: { kind: m[1] ? 'component' : 'event', code: m[2]! } },
    });
  }

  /** The request view of cases (the reporter's contact never appears). */
  async function requestViews(rows: Case[]) {
    const ids = rows.map((r) => r.id);
    const [categories, departments, reported] = await Promise.all([
      prisma.category.findMany({
        where: { OR: rows.map((r) => ({ kind: r.categoryKind, code: r.categoryCode })) },
      }),
      prisma.department.findMany({
        where: { id: { in: rows.map((r) => r.departmentId).filter((d): d is string => !!d) } },
      }),
      prisma.caseEvent.findMany({
        where: { caseId: { in: ids }, type: 'reported' },
        select: { caseId: true, data: true },
      }),
    ]);
    return rows.map((r) => {
      const category = categories.find((c) => c.kind === r.categoryKind && c.code === r.categoryCode);
      const media =
        (reported.find((e) => e.caseId === r.id)?.data as { media_url?: string } | null)?.media_url ?? null;
      const closed = CLOSED_STATUSES.includes(r.status);
      const only = <T>(field: PublishedField, value: T) => (published(field) ? value : null);
      return {
        service_request_id: requestIdOf(r),
        status: closed ? 'closed' : 'open',
        status_notes: only('status_notes', r.status === 'voided' ? (r.voidReason ?? null) : null),
        service_name: category?.name ?? null,
        service_code: serviceCodeOf({ kind: r.categoryKind, code: r.categoryCode }),
        description: only('description', r.description),
        agency_responsible: only(
          'agency_responsible',
          departments.find((d) => d.id === r.departmentId)?.name ?? null,
        ),
        service_notice: null,
        requested_datetime: iso(r.reportedAt),
        updated_datetime: iso(r.closedAt ?? r.voidedAt ?? r.updatedAt),
        expected_datetime: only('expected_datetime', iso(r.disposeDeadline)),
        address: only('address', r.address),
        address_id: null,
        zipcode: null,
        lat: coordinate(r.lat),
        long: coordinate(r.lng),
        media_url: only('media_url', media),
      };
    });
  }

  function parseDate(name: string, value: string | undefined): Date | undefined {
    if (value === undefined || value === '') return undefined;
    const d = new Date(value);
    if (
      !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value) ||
      Number.isNaN(d.getTime())
    )
      throw validationError(`${name} is not an ISO 8601 date-time with a time zone`, [
        { field: name, message: value },
      ]);
    return d;
  }

  /** A JSON body's fields as the form's: an object (null, an array or a number is the client's error). */
  function jsonFields(raw: string): [string, string][] {
    let body: unknown;
    try {
      body = JSON.parse(raw || '{}');
    } catch {
      throw validationError('invalid body', [{ field: 'body', message: 'is not valid JSON' }]);
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      const got = body === null ? 'null' : Array.isArray(body) ? 'an array' : `a ${typeof body}`;
      throw validationError('invalid body', [
        { field: 'body', message: `must be a JSON object of fields, not ${got}` },
      ]);
    }
    return Object.entries(body).map(([k, v]): [string, string] => [k, String(v)]);
  }

  async function readForm(req: Parameters<typeof readRawBody>[0], type: string): Promise<URLSearchParams> {
    const raw = (await readRawBody(req, deps.config.HUB_MAX_BODY_BYTES)).toString('utf8');
    const form = /^application\/json/i.test(type)
      ? new URLSearchParams(jsonFields(raw))
      : new URLSearchParams(raw);
    // PostgreSQL's text cannot hold U+0000: a NUL in a field is the client's error, named, on every database.
    const nul = [...form]
      .filter(([k, v]) => `${k}${v}`.includes('\u0000'))
      .map(([k]) => ({ field: k, message: 'contains a NUL character (U+0000)' }));
    if (nul.length) throw validationError(`invalid request: ${nul.map((e) => e.field).join(', ')}`, nul);
    return form;
  }

  function routes(runtime: AdapterRuntime): Route[] {
    const fmt = z.object({ format: z.string() });
    const str = z.string().optional();
    return [
      defineRoute({
        method: 'GET',
        path: '/open311/discovery.:format',
        summary: 'Open311 service discovery',
        tags: ['open311'],
        access: 'public',
        params: fmt,
        responses: {
          200: {
            description: 'The discovery document (XML or JSON)',
            schema: z.string(),
            mediaType: 'text/xml',
          },
        },
        handler: async ({ ctx }) =>
          answer(ctx, async (format) =>
            renderObject(
              format,
              'discovery',
              {
                changeset: iso(SERVICES_CHANGED),
                contact: '如皋市城市管理指挥中心 12319',
                key_service: `${deps.publicUrl}/api/auth (ask the city for a service account API token)`,
                endpoints: [
                  {
                    specification: 'http://wiki.open311.org/GeoReport_v2',
                    url: `${deps.publicUrl}${BASE}`,
                    changeset: iso(SERVICES_CHANGED),
                    type: 'production',
                    formats: ['text/xml', 'application/json'],
                  },
                ],
              },
              { endpoints: 'endpoint', formats: 'format' },
            ),
          ),
      }),
      defineRoute({
        method: 'GET',
        path: `${BASE}/services.:format`,
        summary: 'Open311: the service types (event and component categories)',
        tags: ['open311'],
        access: 'public',
        params: fmt,
        query: z.object({ jurisdiction_id: str }),
        responses: {
          200: { description: 'services (XML or JSON)', schema: z.string(), mediaType: 'text/xml' },
        },
        handler: async ({ ctx, query }) =>
          answer(ctx, async (format) => {
            checkJurisdiction(query.jurisdiction_id);
            const rows = await prisma.category.findMany({
              where: { active: true },
              orderBy: [{ kind: 'desc' }, { code: 'asc' }],
            });
            return render(
              format,
              'services',
              'service',
              rows.map((c) => ({
                service_code: serviceCodeOf(c),
                service_name: c.name,
                description: `${c.kind === 'event' ? '事件' : '部件'} ${c.majorCode} ${c.majorName} / ${c.code} ${c.name}`,
                metadata: true,
                type: 'realtime',
                keywords: `${c.majorName}, ${c.name}`,
                group: c.majorName,
              })),
            );
          }),
      }),
      defineRoute({
        method: 'GET',
        path: `${BASE}/services/:code.:format`,
        summary: 'Open311: one service definition',
        tags: ['open311'],
        access: 'public',
        params: z.object({ code: z.string(), format: z.string() }),
        query: z.object({ jurisdiction_id: str }),
        responses: {
          200: { description: 'service_definition (XML or JSON)', schema: z.string(), mediaType: 'text/xml' },
        },
        handler: async ({ ctx, query, params }) =>
          answer(ctx, async (format) => {
            checkJurisdiction(query.jurisdiction_id);
            const c = await findService(params.code);
            if (!c?.active)
              throw Object.assign(validationError(`service_code ${params.code} not found`), { status: 404 });
            return renderObject(
              format,
              'service_definition',
              {
                service_code: serviceCodeOf(c),
                attributes: [
                  {
                    variable: true,
                    code: 'urgency',
                    datatype: 'singlevaluelist',
                    required: false,
                    datatype_description: '紧急程度 (default 一般)',
                    order: 1,
                    description: '紧急程度',
                    values: URGENCY_VALUES.map((v) => ({ key: v.key, name: v.name })),
                  },
                ],
              },
              { attributes: 'attribute', values: 'value' },
            );
          }),
      }),
      defineRoute({
        method: 'POST',
        path: `${BASE}/requests.:format`,
        summary: 'Open311: create a service request (a case of source open311)',
        description:
          'Form fields (application/x-www-form-urlencoded, as the spec says; JSON is accepted too): api_key, ' +
          'jurisdiction_id, service_code, lat + long | address_string | address_id, attribute[urgency], ' +
          'description, media_url, email, phone, first_name, last_name, device_id, account_id.',
        tags: ['open311'],
        access: 'public',
        selfAuthenticated: 'api_key (a hub API token of a service account)',
        params: fmt,
        responses: {
          200: {
            description: 'service_requests with the new request (XML or JSON)',
            schema: z.string(),
            mediaType: 'text/xml',
          },
        },
        handler: async ({ ctx }) =>
          answer(ctx, async (format) => {
            const form = await readForm(ctx.req, ctx.get('content-type'));
            // The spec's arguments are the POST body's fields; the URL's query string is not read, so
            // nothing a client puts there (a key, a reporter's contact) is taken from a logged URL.
            const get = (k: string) => {
              const v = form.get(k) ?? undefined;
              return v === undefined || v === '' ? undefined : v;
            };
            const owner = await serviceAccountOf(get('api_key'));
            checkJurisdiction(get('jurisdiction_id'));
            const code = get('service_code');
            if (!code)
              throw validationError('service_code was not provided', [
                { field: 'service_code', message: 'required' },
              ]);
            const category = await findService(code);
            if (!category?.active)
              throw Object.assign(validationError(`service_code ${code} not found`), { status: 404 });
            const num = (k: string) => {
              const v = get(k);
              if (v === undefined) return undefined;
              // A plain decimal only: Number() took '0x10' for 16 and '1e2' for 100.
              const n = DECIMAL.test(v.trim()) ? Number(v) : NaN;
              if (!Number.isFinite(n))
                throw validationError(`${k} is not a number`, [{ field: k, message: v }]);
              return n;
            };
            const lat = num('lat');
            const lng = num('long');
            if ((lat === undefined) !== (lng === undefined))
              throw validationError('lat and long go together', [
                { field: lat === undefined ? 'lat' : 'long', message: 'required with the other' },
              ]);
            if (lat !== undefined && (lat < -90 || lat > 90))
              throw validationError('lat out of range', [{ field: 'lat', message: String(lat) }]);
            if (lng !== undefined && (lng < -180 || lng > 180))
              throw validationError('long out of range', [{ field: 'long', message: String(lng) }]);
            const address =
              get('address_string') ?? (get('address_id') ? `address_id ${get('address_id')}` : undefined);
            if (lat === undefined && !address)
              throw validationError('a location is required: lat and long, address_string or address_id', [
                { field: 'lat', message: 'or address_string or address_id' },
              ]);
            const mediaUrl = get('media_url');
            if (mediaUrl !== undefined && !/^https?:\/\/\S+$/.test(mediaUrl))
              throw validationError('media_url is not an http(s) URL', [
                { field: 'media_url', message: mediaUrl },
              ]);
            const urgencyKey = get('attribute[urgency]') ?? 'normal';
            if (!URGENCY_VALUES.some((v) => v.key === urgencyKey))
              throw validationError('attribute[urgency] must be normal, urgent or critical', [
                { field: 'attribute[urgency]', message: urgencyKey },
              ]);
            const description = (get('description') ?? '').trim() || category.name;
            if (description.length > 4000)
              throw validationError('description is longer than 4000 characters', [
                { field: 'description', message: 'too long' },
              ]);
            const name = [get('last_name'), get('first_name')].filter(Boolean).join('') || null;
            const token = randomUUID();
            const received = await runtime.receive({
              sourceId: `request:${token}`,
              payload: {
                service_code: code,
                lat,
                long: lng,
                address_string: get('address_string') ?? null,
                media_url: mediaUrl ?? null,
                device_id: get('device_id') ?? null,
                account_id: get('account_id') ?? null,
                client: owner.username,
              },
              async apply(tx: Prisma.TransactionClient, effect) {
                const created = await effect.createCase({
                  source: 'open311',
                  sourceRef: token,
                  categoryKind: category.kind,
                  categoryCode: category.code,
                  urgency: urgencyKey as 'normal' | 'urgent' | 'critical',
                  description,
                  address: address ?? null,
                  lat: lat ?? null,
                  lng: lng ?? null,
                  reporterName: name,
                  reporterPhone: get('phone') ?? null,
                  reporterEmail: get('email') ?? null,
                  reportData: {
                    channel: 'open311',
                    client: owner.username,
                    token,
                    media_url: mediaUrl ?? null,
                  },
                });
                return { status: 'processed', caseId: created.id, note: created.caseNo };
              },
            });
            const caseNo = received.note!;
            log.info({ caseNo, client: owner.username, service_code: code }, 'Open311 request → case');
            return render(format, 'service_requests', 'request', [
              {
                service_request_id: requestIdOf({ id: received.caseId! }),
                token,
                service_notice: '已受理，将由监督员现场核实后立案处置',
                account_id: get('account_id') ?? null,
              },
            ]);
          }),
      }),
      defineRoute({
        method: 'GET',
        path: `${BASE}/requests.:format`,
        summary:
          'Open311: service requests (filters service_request_id, service_code, start_date, end_date, status)',
        tags: ['open311'],
        access: 'public',
        params: fmt,
        query: z.object({
          jurisdiction_id: str,
          service_request_id: str.describe('comma-separated; overrides the other filters'),
          service_code: str,
          start_date: str,
          end_date: str,
          status: str.describe('open, closed or both comma-separated'),
        }),
        responses: {
          200: { description: 'service_requests (XML or JSON)', schema: z.string(), mediaType: 'text/xml' },
        },
        handler: async ({ ctx, query }) =>
          answer(ctx, async (format) => {
            checkJurisdiction(query.jurisdiction_id);
            let where: Prisma.CaseWhereInput;
            if (query.service_request_id) {
              where = {
                AND: [
                  publicCase,
                  {
                    id: {
                      in: query.service_request_id
                        .split(',')
                        .map((s) => s.trim())
                        .filter(isRequestId),
                    },
                  },
                ],
              };
            } else {
              const and: Prisma.CaseWhereInput[] = [publicCase, { mergedIntoId: null }];
              if (query.service_code) {
                const codes = query.service_code.split(',').map((s) => s.trim());
                and.push({
                  OR: codes.map((c) =>
                    c.startsWith('P')
                      ? { categoryKind: 'component' as const, categoryCode: c.slice(1) }
                      : { categoryKind: 'event' as const, categoryCode: c },
                  ),
                });
              }
              const start = parseDate('start_date', query.start_date);
              const end = parseDate('end_date', query.end_date);
              if (start && end && end < start)
                throw validationError('end_date is before start_date', [
                  { field: 'end_date', message: 'before start_date' },
                ]);
              // The spec's default window: the last 90 days (or 90 days from start_date).
              const to =
                end ?? (start ? new Date(start.getTime() + DEFAULT_SPAN_DAYS * 86_400_000) : undefined);
              const from = start ?? new Date((end ?? deps.now()).getTime() - DEFAULT_SPAN_DAYS * 86_400_000);
              and.push({ reportedAt: { gte: from, ...(to ? { lte: to } : {}) } });
              if (query.status) {
                const wanted = query.status.split(',').map((s) => s.trim().toLowerCase());
                if (wanted.some((s) => s !== 'open' && s !== 'closed'))
                  throw validationError('status must be open, closed or both', [
                    { field: 'status', message: query.status },
                  ]);
                if (!(wanted.includes('open') && wanted.includes('closed')))
                  and.push({
                    status: wanted.includes('closed')
                      ? { in: ['closed', 'voided'] }
                      : { notIn: ['closed', 'voided'] },
                  });
              }
              where = { AND: and };
            }
            const rows = await prisma.case.findMany({
              where,
              orderBy: [{ reportedAt: 'desc' }, { id: 'desc' }],
              take: MAX_RESULTS,
            });
            return render(format, 'service_requests', 'request', await requestViews(rows));
          }),
      }),
      defineRoute({
        method: 'GET',
        path: `${BASE}/requests/:id.:format`,
        summary: 'Open311: one service request',
        tags: ['open311'],
        access: 'public',
        params: z.object({ id: z.string(), format: z.string() }),
        query: z.object({ jurisdiction_id: str }),
        responses: {
          200: {
            description: 'service_requests with the request (XML or JSON)',
            schema: z.string(),
            mediaType: 'text/xml',
          },
        },
        handler: async ({ ctx, params, query }) =>
          answer(ctx, async (format) => {
            checkJurisdiction(query.jurisdiction_id);
            // An old case number (RG-2026-000123) or any other guess answers like an unknown id.
            const row = isRequestId(params.id)
              ? await prisma.case.findFirst({ where: { AND: [{ id: params.id }, publicCase] } })
              : null;
            if (!row)
              throw Object.assign(validationError(`service_request_id ${params.id} not found`), {
                status: 404,
              });
            return render(format, 'service_requests', 'request', await requestViews([row]));
          }),
      }),
      defineRoute({
        method: 'GET',
        path: `${BASE}/tokens/:token.:format`,
        summary: 'Open311: the service request id of a token',
        tags: ['open311'],
        access: 'public',
        params: z.object({ token: z.string(), format: z.string() }),
        query: z.object({ jurisdiction_id: str }),
        responses: {
          200: {
            description: 'service_requests with id and token (XML or JSON)',
            schema: z.string(),
            mediaType: 'text/xml',
          },
        },
        handler: async ({ ctx, params, query }) =>
          answer(ctx, async (format) => {
            checkJurisdiction(query.jurisdiction_id);
            const row = await prisma.case.findUnique({
              where: { source_sourceRef: { source: 'open311', sourceRef: params.token } },
              select: { id: true },
            });
            if (!row)
              throw Object.assign(validationError(`token ${params.token} not found`), { status: 404 });
            return render(format, 'service_requests', 'request', [
              { service_request_id: requestIdOf(row), token: params.token },
            ]);
          }),
      }),
      defineRoute({
        method: 'GET',
        path: `${BASE}/servicerequestupdates.:format`,
        summary:
          'Open311 (FixMyStreet extension): updates of Open311 requests between start_date and end_date',
        description:
          'status is one of FixMyStreet’s states (OPEN, INVESTIGATING, ACTION_SCHEDULED, IN_PROGRESS, FIXED, DUPLICATE, ' +
          'NOT_COUNCILS_RESPONSIBILITY, NO_FURTHER_ACTION, INTERNAL_REFERRAL, CLOSED); external_status_code is the hub’s ' +
          'timeline event type. Default window: the last 2 hours (what FixMyStreet polls).',
        tags: ['open311'],
        access: 'public',
        params: fmt,
        query: z.object({ jurisdiction_id: str, start_date: str, end_date: str }),
        responses: {
          200: {
            description: 'service_request_updates (XML or JSON)',
            schema: z.string(),
            mediaType: 'text/xml',
          },
        },
        handler: async ({ ctx, query }) =>
          answer(ctx, async (format) => {
            checkJurisdiction(query.jurisdiction_id);
            const end = parseDate('end_date', query.end_date) ?? deps.now();
            const start =
              parseDate('start_date', query.start_date) ?? new Date(end.getTime() - 2 * 3_600_000);
            const events = await prisma.caseEvent.findMany({
              where: { at: { gte: start, lte: end }, case: { source: 'open311' } },
              orderBy: [{ at: 'asc' }, { id: 'asc' }],
              take: MAX_RESULTS * 5,
              include: { case: { select: { id: true } } },
            });
            const updates = events.flatMap((e) => {
              const u = updateOf(e);
              return u
                ? [
                    {
                      update_id: e.id,
                      service_request_id: requestIdOf(e.case),
                      status: u.status,
                      updated_datetime: iso(e.at),
                      description: u.text,
                      media_url: null,
                      external_status_code: e.type,
                    },
                  ]
                : [];
            });
            return render(format, 'service_request_updates', 'request_update', updates.slice(0, MAX_RESULTS));
          }),
      }),
    ];
  }

  return {
    name: OPEN311,
    title: 'Open311 GeoReport v2',
    receives: [],
    sends: {},
    // 市民通 (adapters/open311/citizen.ts) is this intake with a device token instead of an api_key.
    routes: (runtime: AdapterRuntime) => [
      ...routes(runtime),
      ...citizenRoutes(
        { ...deps, requestViews, findService, publishedSources: publication.sources },
        runtime,
      ),
    ],
  };
}
