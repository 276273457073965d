/**
 * 市民通 (citizens, no account): the Open311 intake with a per-device token instead of an API key.
 *
 * - `POST /api/citizen/devices` → `{ deviceToken }`: a random token the app keeps (only its sha256 is
 *   stored, CitizenDevice).
 * - `POST /api/citizen/reports` (header `X-Device-Token`; JSON or multipart with `photos`): the same intake as
 *   `POST /open311/v2/requests` — the Open311 adapter's inbox (`runtime.receive`), a case of source
 *   `open311` that the procedure verifies (核实) — with the photos checked by the attachment store
 *   (type by first bytes, size, count) and a CitizenReport row, all in one transaction. Rate limits:
 *   CITIZEN_REPORTS_PER_DEVICE_DAY per device and CITIZEN_REPORTS_PER_ADDRESS_DAY per client address
 *   (429 with Retry-After). Answers the report token the citizen follows it by.
 * - `GET /api/citizen/reports/:token`: the status in plain words and its history (no staff names, no
 *   reporter data); `GET /api/citizen/reports` (device): the device's own reports.
 * - `POST /api/citizen/reports/:token/rating` (the reporting device): 满意 / 不满意 on the closed case,
 *   recorded as its 回访 (recordCallback: feeds 满意率; 不满意 reopens the case as the hotline's 回访 does)
 *   and published as `case.callbackDone` to the procedure, which waits for it (the intake worker gives
 *   citizen reports a 回访 step).
 * - `GET /api/citizen/nearby?lat=&lng=` (附近的反映): reports near a point, through the Open311 list's own view
 *   (`requestViews`), so what the Open311 list publishes is what 市民通 shows — the published sources only,
 *   positions rounded, no reporter data — the nearest first. The staff's `GET /api/field/nearby` is not
 *   for citizens: it lists every source with exact positions and case numbers.
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { defineRoute, type ApiContext, type Route } from '../../src/api/route.ts';
import { createAttachmentStore } from '../../src/attachments/index.ts';
import { readCase, recordCallback } from '../../src/cases/state/index.ts';
import type { Case, CaseSource, Prisma } from '../../src/db/index.ts';
import {
  conflict,
  forbidden,
  notFound,
  tooManyRequests,
  unauthenticated,
  validationError,
} from '../../src/errors.ts';
import type { AdapterDeps, AdapterRuntime } from '../framework/types.ts';
import { queryNumber } from '../../src/api/validate.ts';
import { distanceM } from '../../src/field/track.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const DAY_MS = 86_400_000;

/** The status as a citizen reads it. */
export function plainStatus(
  row: Pick<Case, 'status' | 'voidReason' | 'mergedIntoId'>,
  unitName: string | null,
): string {
  switch (row.status) {
    case 'reported':
    case 'accepted':
      return '已收到您的反映，正在受理';
    case 'verifying':
      return '工作人员正在现场核实';
    case 'registered':
      return '已立案，正在安排处理单位';
    case 'dispatched':
    case 'signed':
      return unitName ? `已交由${unitName}处理` : '正在处理';
    case 'disposed':
    case 'checking':
      return '已处理，正在复查处理结果';
    case 'closed':
      return '已办结';
    case 'voided':
      // A merged report is handled with the case it joined: not a refusal (its reason names that case).
      if (row.mergedIntoId)
        return row.voidReason ? `已合并处理：${row.voidReason}` : '已与相同问题的反映合并处理';
      return row.voidReason ? `未予立案：${row.voidReason}` : '未予立案';
    case 'suspended':
      return '暂缓处理';
  }
}

/** Timeline steps a citizen sees, in plain words (others are internal). */
const PUBLIC_STEPS: Record<string, string> = {
  reported: '提交反映',
  accepted: '已受理',
  verify_requested: '派人核实',
  verified: '现场核实属实',
  registered: '立案',
  dispatched: '交办处理单位',
  enforcement_handed: '移交执法部门',
  disposed: '处理完毕',
  check_passed: '复查通过',
  check_failed: '复查未通过，重新处理',
  closed: '办结',
  voided: '未予立案',
  merged: '与已有反映合并处理',
  callback: '您的评价',
  reopened: '重新处理',
};

/** A report near a point as anyone may see it: the Open311 request view (`requestViews`) and two additions. */
const nearbyView = z.object({
  service_request_id: z.string(),
  status: z.string().describe('open or closed'),
  status_notes: z.string().nullable(),
  service_name: z.string().nullable(),
  service_code: z.string(),
  description: z.string().nullable(),
  agency_responsible: z.string().nullable(),
  service_notice: z.null(),
  requested_datetime: z.string().nullable(),
  updated_datetime: z.string().nullable(),
  expected_datetime: z.string().nullable(),
  address: z.string().nullable(),
  address_id: z.null(),
  zipcode: z.null(),
  lat: z.number().nullable().describe('rounded to OPEN311_COORDINATE_DECIMALS'),
  long: z.number().nullable().describe('rounded to OPEN311_COORDINATE_DECIMALS'),
  media_url: z.string().nullable(),
  status_text: z.string().describe('the status in plain words'),
  resolved: z
    .boolean()
    .describe('办结: handled and closed (a refused or merged report is closed too, not resolved)'),
  distance_m: z
    .number()
    .int()
    .nullable()
    .describe('metres from the point asked about to the published position'),
});
type RequestView = Omit<z.infer<typeof nearbyView>, 'status_text' | 'resolved' | 'distance_m'>;

export interface CitizenDeps extends AdapterDeps {
  /** The Open311 list's view of cases (the publication rule of the Open311 list applies to both). */
  requestViews(rows: Case[]): Promise<RequestView[]>;
  /** The sources whose cases the Open311 list publishes (OPEN311_PUBLISH_SOURCES): nearby shows no others. */
  publishedSources: CaseSource[];
  findService(
    code: string,
  ): Promise<{ kind: 'event' | 'component'; code: string; name: string; active: boolean } | null>;
}

export function citizenRoutes(deps: CitizenDeps, runtime: AdapterRuntime): Route[] {
  const { db, config } = deps;
  const { prisma } = db;
  const attachments = createAttachmentStore(db, config);
  const log = deps.logger.child({ adapter: 'open311', channel: 'citizen' });

  async function device(ctx: ApiContext) {
    const token = ctx.get('x-device-token');
    if (!token) throw unauthenticated('X-Device-Token is required (POST /api/citizen/devices gives one)');
    const row = await prisma.citizenDevice.findUnique({ where: { tokenHash: sha256(token) } });
    if (!row) throw unauthenticated('unknown device token');
    return row;
  }

  /** 429 when `count` rows of the window reached `max`; Retry-After when the oldest leaves the window. */
  function limit(count: number, max: number, oldest: Date | undefined, windowMs: number, what: string) {
    if (count < max) return;
    const retry = oldest
      ? Math.max(1, Math.ceil((oldest.getTime() + windowMs - deps.now().getTime()) / 1000))
      : 60;
    throw tooManyRequests(`too many ${what}; try again later`, retry);
  }

  async function reportOf(token: string) {
    const row = await prisma.case.findUnique({
      where: { source_sourceRef: { source: 'open311', sourceRef: token } },
      include: { department: { select: { name: true } }, category: { select: { name: true } } },
    });
    const citizen = row ? await prisma.citizenReport.findUnique({ where: { caseId: row.id } }) : null;
    if (!row || !citizen) throw notFound(`report ${token}`);
    return { row, citizen };
  }

  const reportView = z.object({
    token: z.string(),
    caseNo: z.string(),
    categoryName: z.string(),
    description: z.string(),
    address: z.string().nullable(),
    lat: z.number().nullable(),
    lng: z.number().nullable(),
    reportedAt: z.string(),
    status: z.string().describe('the case status code'),
    statusText: z.string().describe('the status in plain words'),
    closed: z.boolean(),
    canRate: z.boolean().describe('closed and not yet rated in this round'),
    satisfied: z.boolean().nullable().describe('the rating given (null: none)'),
    steps: z.array(z.object({ at: z.string(), text: z.string() })),
    mergedInto: z
      .object({ caseNo: z.string(), statusText: z.string(), closed: z.boolean() })
      .nullable()
      .describe('a report merged with an earlier one of the same problem: that case and where it stands'),
  });

  /** The case a merged report joined, as its reporter may follow it (its number and plain status). */
  async function survivor(mergedIntoId: string | null) {
    if (!mergedIntoId) return null;
    const c = await prisma.case.findUnique({
      where: { id: mergedIntoId },
      include: { department: { select: { name: true } } },
    });
    if (!c) return null;
    return {
      caseNo: c.caseNo,
      statusText: plainStatus(c, c.department?.name ?? null),
      closed: c.status === 'closed',
    };
  }

  async function view(token: string) {
    const { row, citizen } = await reportOf(token);
    const events = await prisma.caseEvent.findMany({
      where: { caseId: row.id, type: { in: Object.keys(PUBLIC_STEPS) } },
      orderBy: [{ at: 'asc' }, { id: 'asc' }],
      select: { type: true, at: true, data: true },
    });
    const callbacks = events.filter((e) => e.type === 'callback').length;
    const reopenings = events.filter((e) => e.type === 'reopened').length;
    return {
      token,
      caseNo: row.caseNo,
      categoryName: row.category.name,
      description: row.description,
      address: row.address,
      lat: row.lat,
      lng: row.lng,
      reportedAt: row.reportedAt.toISOString(),
      status: row.status,
      statusText: plainStatus(row, row.department?.name ?? null),
      closed: row.status === 'closed',
      canRate: row.status === 'closed' && callbacks <= reopenings,
      satisfied: citizen.satisfied,
      steps: events.map((e) => ({
        at: e.at.toISOString(),
        text:
          e.type === 'callback'
            ? `您的评价：${(e.data as { satisfaction?: string } | null)?.satisfaction === 'satisfied' ? '满意' : (e.data as { timedOut?: boolean } | null)?.timedOut ? '未评价' : '不满意'}`
            : PUBLIC_STEPS[e.type]!,
      })),
      mergedInto: await survivor(row.mergedIntoId),
    };
  }

  return [
    defineRoute({
      method: 'POST',
      path: '/api/citizen/devices',
      summary: '市民通: a device token for this phone (no account)',
      tags: ['citizen'],
      access: 'public',
      responses: {
        201: { description: 'Keep it: it is shown once', schema: z.object({ deviceToken: z.string() }) },
      },
      handler: async ({ ctx }) => {
        // Not limited per address: a device token alone grants nothing but reporting, which is limited
        // per device AND per address below (a new token per report does not escape the address limit).
        const token = randomBytes(32).toString('base64url');
        await prisma.citizenDevice.create({ data: { tokenHash: sha256(token) } });
        ctx.status = 201;
        return { deviceToken: token };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/citizen/reports',
      summary: '市民通: report a problem with photos and its location (the Open311 intake)',
      tags: ['citizen'],
      access: 'public',
      selfAuthenticated: 'X-Device-Token (POST /api/citizen/devices)',
      body: z
        .object({
          serviceCode: z.string().min(1).describe('an Open311 service_code (GET /open311/v2/services.json)'),
          lat: z.number().min(-90).max(90),
          lng: z.number().min(-180).max(180),
          address: z.string().trim().min(1).max(500).optional(),
          description: z.string().trim().min(1).max(4000),
          phone: z.string().trim().min(1).max(40).optional().describe('optional, never shown to anyone else'),
        })
        .strict(),
      multipart: { fileFields: ['photos'], description: 'photos of the problem' },
      responses: { 201: { description: 'The report and its token', schema: reportView } },
      handler: async ({ body, ctx, files }) => {
        const dev = await device(ctx);
        const ipHash = sha256(`report:${ctx.ip}`);
        const since = new Date(deps.now().getTime() - DAY_MS);
        const [byDevice, byAddress] = await Promise.all([
          prisma.citizenReport.findMany({
            where: { deviceId: dev.id, createdAt: { gte: since } },
            orderBy: { createdAt: 'asc' },
            select: { createdAt: true },
          }),
          prisma.citizenReport.findMany({
            where: { ipHash, createdAt: { gte: since } },
            orderBy: { createdAt: 'asc' },
            select: { createdAt: true },
          }),
        ]);
        limit(
          byDevice.length,
          config.CITIZEN_REPORTS_PER_DEVICE_DAY,
          byDevice[0]?.createdAt,
          DAY_MS,
          'reports from this device today',
        );
        limit(
          byAddress.length,
          config.CITIZEN_REPORTS_PER_ADDRESS_DAY,
          byAddress[0]?.createdAt,
          DAY_MS,
          'reports from this address today',
        );
        const category = await deps.findService(body.serviceCode);
        if (!category?.active)
          throw validationError('unknown service', [
            { field: 'body.serviceCode', message: `no service ${body.serviceCode}` },
          ]);
        // Files first (checked by type and size), rows second, as the case API does.
        const photos = files.length ? await attachments.place(files) : [];
        const token = randomBytes(16).toString('hex');
        const now = deps.now();
        await runtime.receive({
          sourceId: `citizen:${token}`,
          payload: {
            service_code: body.serviceCode,
            lat: body.lat,
            long: body.lng,
            channel: 'citizen',
            photos: photos.length,
          },
          async apply(tx: Prisma.TransactionClient, effect) {
            const created = await effect.createCase({
              source: 'open311',
              sourceRef: token,
              categoryKind: category.kind,
              categoryCode: category.code,
              urgency: 'normal',
              description: body.description,
              address: body.address ?? null,
              lat: body.lat,
              lng: body.lng,
              reporterName: null,
              reporterPhone: body.phone ?? null,
              reportData: { channel: 'citizen', token },
            });
            await tx.citizenReport.create({
              data: { caseId: created.id, deviceId: dev.id, ipHash, createdAt: now },
            });
            if (photos.length) {
              const reported = await tx.caseEvent.findFirstOrThrow({
                where: { caseId: created.id, type: 'reported' },
              });
              await attachments.attach(tx, photos, {
                caseId: created.id,
                kind: 'report',
                eventId: reported.id,
              });
            }
            return { status: 'processed', caseId: created.id, note: created.caseNo };
          },
        });
        await prisma.citizenDevice.update({ where: { id: dev.id }, data: { lastSeenAt: now } });
        log.info({ photos: photos.length, service_code: body.serviceCode }, '市民通 report → case');
        ctx.status = 201;
        return view(token);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/citizen/reports',
      summary: '市民通: this device’s reports, newest first',
      tags: ['citizen'],
      access: 'public',
      selfAuthenticated: 'X-Device-Token',
      responses: { 200: { description: 'At most 50', schema: z.object({ items: z.array(reportView) }) } },
      handler: async ({ ctx }) => {
        const dev = await device(ctx);
        const rows = await prisma.citizenReport.findMany({
          where: { deviceId: dev.id },
          orderBy: { createdAt: 'desc' },
          take: 50,
          select: { caseId: true },
        });
        const cases = await prisma.case.findMany({
          where: { id: { in: rows.map((r) => r.caseId) } },
          select: { id: true, sourceRef: true },
        });
        const token = new Map(cases.map((c) => [c.id, c.sourceRef!]));
        return { items: await Promise.all(rows.map((r) => view(token.get(r.caseId)!))) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/citizen/reports/:token',
      summary: '市民通: follow a report by its token (status in plain words)',
      tags: ['citizen'],
      access: 'public',
      params: z.object({ token: z.string().regex(/^[0-9a-f]{32}$/, 'a report token') }),
      responses: { 200: { description: 'The report as its reporter sees it', schema: reportView } },
      handler: async ({ params }) => view(params.token),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/citizen/reports/:token/rating',
      summary: '市民通: rate the result of a closed report (满意 / 不满意; 不满意 reopens it)',
      tags: ['citizen'],
      access: 'public',
      selfAuthenticated: 'X-Device-Token (the device that reported it)',
      params: z.object({ token: z.string().regex(/^[0-9a-f]{32}$/, 'a report token') }),
      body: z
        .object({ satisfied: z.boolean(), note: z.string().trim().min(1).max(1000).optional() })
        .strict(),
      responses: { 200: { description: 'The report after the rating', schema: reportView } },
      handler: async ({ params, body, ctx }) => {
        const dev = await device(ctx);
        const { row, citizen } = await reportOf(params.token);
        if (citizen.deviceId !== dev.id) throw forbidden('only the phone that reported it may rate it');
        if (row.status !== 'closed') throw conflict('the report is not closed yet: rate it once it is 办结');
        const satisfaction = body.satisfied ? 'satisfied' : 'unsatisfied';
        const now = deps.now();
        // Through the Open311 adapter's inbox, as a 回访 result from a legacy system would come: the
        // callback (and the reopen of a 不满意) in one transaction with its case.callbackDone message,
        // published by the hub's publisher after the commit. One rating per closing round.
        const round = await prisma.caseEvent.count({ where: { caseId: row.id, type: 'reopened' } });
        const received = await runtime.receive({
          sourceId: `citizen-rating:${params.token}:${round}`,
          payload: { satisfied: body.satisfied },
          async apply(tx: Prisma.TransactionClient, effect) {
            const fresh = await readCase(tx, row.id);
            if (fresh.status !== 'closed')
              throw conflict('the report is not closed yet: rate it once it is 办结');
            const outcome = await recordCallback(tx, {
              row: fresh,
              satisfaction,
              at: now,
              actor: { name: '市民 (市民通)' },
              note: body.note ?? null,
              data: { channel: 'citizen' },
              reopen: { at: new Date(now.getTime() + 1) },
            });
            if (outcome.status === 'already-recorded') throw conflict('this result is already rated');
            await tx.citizenReport.update({
              where: { caseId: row.id },
              data: { satisfied: body.satisfied, ratedAt: now },
            });
            await effect.publish({
              name: 'case.callbackDone',
              caseId: row.id,
              eventId: outcome.event.id,
              variables: { satisfaction },
            });
            return { status: 'processed', caseId: row.id };
          },
        });
        if (received.result === 'duplicate') throw conflict('this result is already rated');
        return view(params.token);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/citizen/nearby',
      summary:
        '市民通 附近的反映: public reports near a point (what the Open311 list publishes), the nearest first',
      description:
        'The Open311 list’s own view of the cases near the point (its sources, coordinate decimals and fields: ' +
        'never a reporter’s name or phone, never a staff name), reported in the last 90 days, with the status in ' +
        'plain words. `distance_m` is measured to the published (rounded) position, so it tells no more than the ' +
        'position itself.',
      tags: ['citizen'],
      access: 'public',
      query: z.object({
        lat: queryNumber(z.coerce.number().min(-90).max(90)),
        lng: queryNumber(z.coerce.number().min(-180).max(180)),
      }),
      responses: {
        200: {
          description: 'The nearest first, at most 100',
          schema: z.object({ items: z.array(nearbyView), radius_m: z.number().int() }),
        },
      },
      handler: async ({ query }) => {
        const m = config.CITIZEN_NEARBY_METERS;
        const dLat = m / 111_320;
        const dLng = m / (111_320 * Math.cos((query.lat * Math.PI) / 180));
        const rows = await prisma.case.findMany({
          where: {
            lat: { gte: query.lat - dLat, lte: query.lat + dLat },
            lng: { gte: query.lng - dLng, lte: query.lng + dLng },
            reportedAt: { gte: new Date(deps.now().getTime() - 90 * DAY_MS) },
            source: { in: deps.publishedSources },
          },
          orderBy: { reportedAt: 'desc' },
          take: 100,
        });
        const views = await deps.requestViews(rows);
        const items = views
          .map((v, i) => ({
            ...v,
            status_text: plainStatus(rows[i]!, v.agency_responsible),
            resolved: rows[i]!.status === 'closed',
            distance_m:
              v.lat === null || v.long === null
                ? null
                : Math.round(distanceM({ lng: query.lng, lat: query.lat }, { lng: v.long, lat: v.lat })),
          }))
          .sort((a, b) => (a.distance_m ?? Infinity) - (b.distance_m ?? Infinity));
        return { items, radius_m: m };
      },
    }),
  ];
}
