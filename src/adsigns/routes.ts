/**
 * The 广告店招 archive's API: the list (by viewport, kind, status, text; the map reads it with a bbox),
 * one entry with its permits, history, cases and photos, adding and changing entries, photos, and the
 * import from GeoJSON/CSV (all or nothing, a report naming each refused row).
 */
import { z } from 'zod';
import { defineRoute, type Route } from '../api/route.ts';
import { queryNumber } from '../api/validate.ts';
import type { AttachmentStore } from '../attachments/index.ts';
import { sendRegistryPhoto, storeRegistryPhotos } from '../attachments/registry-photos.ts';
import { cityClock } from '../city-clock.ts';
import type { Config } from '../config.ts';
import { isUniqueViolation, type AdSign, type Db, type Prisma } from '../db/index.ts';
import { HubError, notFound, validationError } from '../errors.ts';
import { COORDINATE_SYSTEMS } from '../geography/coords.ts';
import { cellAt } from '../geography/grid.ts';
import { importRows } from '../geography/import/index.ts';
import { importRefused, rejectionsSchema, storedChanges } from '../geography/import/refusal.ts';
import { pointsIn } from '../map/layer.ts';
import { idParams, logChange } from '../reference/admin.ts';
import { AD_SIGN_EDITORS, AD_SIGN_READERS, assertAdSignEditor, mayEditAdSigns } from './access.ts';
import { importAdSigns } from './import.ts';
import { permitSchema, permitView } from './permit-routes.ts';
import { AD_SIGN_KINDS, checkSign, signData, signDiff, type SignValues } from './sign.ts';
import { AD_SIGN_STATUSES, dayOf, signStatus, statusWhere } from './status.ts';

const kindEnum = z
  .enum(AD_SIGN_KINDS as [string, ...string[]])
  .describe('店招 shop_sign, 户外广告 billboard, 灯箱 light_box, 电子屏 screen, 横幅 banner, 其他 other');
const statusEnum = z
  .enum(AD_SIGN_STATUSES)
  .describe(
    '有效 valid, 即将到期 expiring (within 30 days), 已过期 expired, 未许可 unpermitted, 已拆除 removed',
  );
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');

const signSchema = z.object({
  id: z.string(),
  code: z.string().describe('档案号'),
  kind: kindEnum,
  name: z.string(),
  lng: z.number(),
  lat: z.number(),
  address: z.string().nullable(),
  gridCode: z.string().nullable(),
  widthM: z.number().nullable(),
  heightM: z.number().nullable(),
  ownerName: z.string(),
  ownerContact: z.string().nullable(),
  permitNo: z.string().nullable(),
  permitStart: z.string().nullable(),
  permitEnd: z.string().nullable().describe('the last day the permit is valid'),
  permitConditions: z.string().nullable(),
  removalOrderedAt: z.string().nullable(),
  removedAt: z.string().nullable(),
  status: statusEnum,
  note: z.string().nullable(),
  updatedAt: z.string(),
});

const detailSchema = signSchema.extend({
  history: z
    .array(
      z.object({
        id: z.string(),
        type: z.string(),
        at: z.string(),
        actorName: z.string(),
        caseId: z.string().nullable(),
        caseNo: z.string().nullable(),
        changes: z.array(
          z.object({ field: z.string(), from: z.string().nullable(), to: z.string().nullable() }),
        ),
        note: z.string().nullable(),
      }),
    )
    .describe('newest first'),
  cases: z
    .array(
      z.object({
        id: z.string(),
        caseNo: z.string(),
        status: z.string(),
        categoryName: z.string().nullable(),
        reportedAt: z.string(),
        closedAt: z.string().nullable(),
      }),
    )
    .describe('the cases about it (未许可设置 found by a supervisor or video), newest first'),
  photos: z.array(z.object({ id: z.string(), fileName: z.string(), createdAt: z.string() })),
  permits: z.array(permitSchema).describe('its applications and permits (ad-permit.bpmn), newest first'),
});

const inputSchema = z
  .object({
    code: z.string().trim(),
    kind: kindEnum,
    name: z.string().trim().max(100),
    lng: z.number(),
    lat: z.number(),
    address: z.string().trim().max(200).nullable().optional(),
    widthM: z.number().nullable().optional(),
    heightM: z.number().nullable().optional(),
    ownerName: z.string().trim().max(100).describe('设置单位或个人'),
    ownerContact: z.string().trim().max(100).nullable().optional(),
    permitNo: z.string().trim().max(60).nullable().optional(),
    permitStart: day.nullable().optional(),
    permitEnd: day.nullable().optional(),
    permitConditions: z.string().trim().max(1000).nullable().optional(),
    note: z.string().trim().max(1000).nullable().optional(),
  })
  .strict();

const patchSchema = inputSchema
  .partial()
  .extend({
    removed: z
      .boolean()
      .optional()
      .describe('true: the sign was taken down (已拆除, today); false: it stands again'),
  })
  .strict();

const reportSchema = z.object({
  format: z.enum(['geojson', 'csv']),
  crs: z.enum(COORDINATE_SYSTEMS),
  stored: z.boolean(),
  dryRun: z.boolean(),
  rowsRead: z.number().int(),
  added: z.number().int(),
  updated: z.number().int().describe('matched by 档案号 and changed'),
  rejected: rejectionsSchema,
});

const PHOTO_KIND = 'ad_sign';
const dayText = (d: Date | null) => d?.toISOString().slice(0, 10) ?? null;

export function adSignRoutes({
  db,
  config,
  attachments,
  now = () => new Date(),
}: {
  db: Db;
  config: Pick<Config, 'GEO_EXTENT' | 'GEO_IMPORT_MAX_BYTES' | 'CALENDAR_TIMEZONE'>;
  attachments: AttachmentStore;
  now?: () => Date;
}): Route[] {
  const { prisma } = db;
  const extent = config.GEO_EXTENT;
  const clock = cityClock(config);
  const today = () => dayOf(now(), clock);

  const view = (s: AdSign, on: Date): z.infer<typeof signSchema> => ({
    id: s.id,
    code: s.code,
    kind: s.kind,
    name: s.name,
    lng: s.lng,
    lat: s.lat,
    address: s.address,
    gridCode: s.gridCode,
    widthM: s.widthM,
    heightM: s.heightM,
    ownerName: s.ownerName,
    ownerContact: s.ownerContact,
    permitNo: s.permitNo,
    permitStart: dayText(s.permitStart),
    permitEnd: dayText(s.permitEnd),
    permitConditions: s.permitConditions,
    removalOrderedAt: s.removalOrderedAt?.toISOString() ?? null,
    removedAt: dayText(s.removedAt),
    status: signStatus(s, on),
    note: s.note,
    updatedAt: s.updatedAt.toISOString(),
  });
  const load = async (id: string) => {
    const row = await prisma.adSign.findUnique({ where: { id } });
    if (!row) throw notFound(`ad sign ${id}`);
    return row;
  };

  async function detail(id: string): Promise<z.infer<typeof detailSchema>> {
    const row = await load(id);
    const [events, photos, permits] = await Promise.all([
      prisma.adSignEvent.findMany({
        where: { adSignId: id },
        orderBy: [{ at: 'desc' }, { id: 'desc' }],
        take: 200,
        include: { case: { select: { caseNo: true } } },
      }),
      prisma.attachment.findMany({ where: { adSignId: id }, orderBy: { createdAt: 'asc' } }),
      prisma.adPermit.findMany({ where: { adSignId: id }, orderBy: [{ appliedAt: 'desc' }, { id: 'desc' }] }),
    ]);
    const caseIds = [...new Set(events.flatMap((e) => (e.caseId ? [e.caseId] : [])))];
    const cases = caseIds.length
      ? await prisma.case.findMany({
          where: { id: { in: caseIds } },
          orderBy: { reportedAt: 'desc' },
          include: { category: { select: { name: true } } },
        })
      : [];
    return {
      ...view(row, today()),
      history: events.map((e) => ({
        id: e.id,
        type: e.type,
        at: e.at.toISOString(),
        actorName: e.actorName,
        caseId: e.caseId,
        caseNo: e.case?.caseNo ?? null,
        changes: storedChanges(e.changes),
        note: e.note,
      })),
      cases: cases.map((c) => ({
        id: c.id,
        caseNo: c.caseNo,
        status: c.status,
        categoryName: c.category?.name ?? null,
        reportedAt: c.reportedAt.toISOString(),
        closedAt: c.closedAt?.toISOString() ?? null,
      })),
      photos: photos.map((p) => ({ id: p.id, fileName: p.fileName, createdAt: p.createdAt.toISOString() })),
      permits: permits.map(permitView),
    };
  }

  const actorOf = (p: { userId: string; displayName: string }) => ({
    actorUserId: p.userId,
    actorName: p.displayName,
  });
  const checked = (values: SignValues) => {
    const errors = checkSign(values, extent, 'body.');
    if (errors.length) throw validationError('广告店招信息有误，请按各项提示修改', errors);
    return signData(values);
  };
  const taken = (code: string) =>
    new HubError('conflict', `档案号 ${code} 已登记`, {
      status: 409,
      errors: [{ field: 'body.code', message: `档案号 ${code} 已登记` }],
    });

  return [
    defineRoute({
      method: 'GET',
      path: '/api/ad-signs',
      summary: 'The 广告店招 archive: signs by viewport, kind, status or text',
      description:
        '`bbox` (minLng,minLat,maxLng,maxLat) keeps those whose point lies in it (the map asks with its ' +
        'view); `status` is judged on the city’s date; `q` matches the start of the 档案号 or a part of the ' +
        'name, address, owner or permit number. Ordered by 档案号.',
      tags: ['ad-signs'],
      access: [...AD_SIGN_READERS],
      query: z.object({
        bbox: z.string().optional(),
        kind: kindEnum.optional(),
        status: statusEnum.optional(),
        q: z.string().trim().max(100).optional(),
        limit: queryNumber(z.coerce.number().int().min(1).max(1000)).default(50),
        offset: queryNumber(z.coerce.number().int().min(0)).default(0),
      }),
      responses: {
        200: {
          description: 'One page of signs and how many match',
          schema: z.object({
            items: z.array(signSchema),
            total: z.number().int(),
            editable: z
              .boolean()
              .describe(
                'Whether the caller may register, change and import signs (false for the command centre’s ' +
                  'readers and for a handler of a unit other than 城市管理局 / 综合行政执法局)',
              ),
          }),
        },
      },
      handler: async ({ query, principal }) => {
        const on = today();
        const and: Prisma.AdSignWhereInput[] = [];
        if (query.bbox) and.push(pointsIn(query.bbox));
        if (query.kind) and.push({ kind: query.kind as AdSign['kind'] });
        if (query.status) and.push(statusWhere(query.status, on));
        if (query.q)
          and.push({
            OR: [
              { code: { startsWith: query.q } },
              { name: { contains: query.q } },
              { address: { contains: query.q } },
              { ownerName: { contains: query.q } },
              { permitNo: { contains: query.q } },
            ],
          });
        const where = { AND: and };
        const [rows, total, editable] = await Promise.all([
          prisma.adSign.findMany({ where, orderBy: { code: 'asc' }, skip: query.offset, take: query.limit }),
          prisma.adSign.count({ where }),
          mayEditAdSigns(prisma, principal),
        ]);
        return { items: rows.map((r) => view(r, on)), total, editable };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/ad-signs/:id',
      summary: 'One sign with its history (登记, 修改, 导入, 许可, its cases), its cases and photos',
      tags: ['ad-signs'],
      access: [...AD_SIGN_READERS],
      params: idParams,
      responses: { 200: { description: 'The sign', schema: detailSchema } },
      handler: async ({ params }) => detail(params.id),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/ad-signs',
      summary: 'Add a sign to the archive (登记)',
      description:
        'The point must lie in GEO_EXTENT (its grid cell is found); a permit number goes with its period ' +
        '(start ≤ end). 400 names each field in zh-CN; 409 a 档案号 registered already. Editors: ' +
        'administrators, 执法人员, handlers of 城市管理局 and 综合行政执法局 (403 for other units).',
      tags: ['ad-signs'],
      access: [...AD_SIGN_EDITORS],
      body: inputSchema,
      responses: { 201: { description: 'Added', schema: detailSchema } },
      handler: async ({ body, principal, log }) => {
        const data = checked(body as SignValues);
        await assertAdSignEditor(prisma, principal);
        const gridCode = (await cellAt(prisma, data.lng, data.lat))?.code ?? null;
        let row: AdSign;
        try {
          row = await prisma.$transaction(async (tx) => {
            const made = await tx.adSign.create({ data: { ...data, gridCode } });
            await tx.adSignEvent.create({
              data: { adSignId: made.id, type: 'created', at: now(), ...actorOf(principal) },
            });
            return made;
          });
        } catch (err) {
          if (isUniqueViolation(err)) throw taken(data.code);
          throw err;
        }
        logChange(log, principal, 'ad sign added', { adSignId: row.id, code: row.code });
        return detail(row.id);
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: '/api/ad-signs/:id',
      summary: 'Change a sign, or record it taken down (removed); the history keeps each change',
      tags: ['ad-signs'],
      access: [...AD_SIGN_EDITORS],
      params: idParams,
      body: patchSchema,
      responses: { 200: { description: 'Changed', schema: detailSchema } },
      handler: async ({ params, body, principal, log }) => {
        const existing = await load(params.id);
        await assertAdSignEditor(prisma, principal);
        const { removed, ...fields } = body;
        const merged = { ...viewValues(existing), ...fields } as SignValues;
        const data = checked(merged);
        const changed = Object.fromEntries(
          Object.keys(fields).map((k) => [k, data[k as keyof typeof data]]),
        ) as Partial<typeof data>;
        const moved = fields.lng !== undefined || fields.lat !== undefined;
        const gridCode = moved ? ((await cellAt(prisma, data.lng, data.lat))?.code ?? null) : undefined;
        const at = now();
        const removedAt =
          removed === undefined ? undefined : removed ? (existing.removedAt ?? dayOf(at, clock)) : null;
        try {
          await prisma.$transaction(async (tx) => {
            await tx.adSign.update({
              where: { id: existing.id },
              data: {
                ...changed,
                ...(gridCode !== undefined ? { gridCode } : {}),
                ...(removedAt !== undefined ? { removedAt } : {}),
              },
            });
            const changes = signDiff(existing, changed);
            if (changes.length)
              await tx.adSignEvent.create({
                data: { adSignId: existing.id, type: 'updated', at, ...actorOf(principal), changes },
              });
            if (removedAt !== undefined && Boolean(removedAt) !== Boolean(existing.removedAt))
              await tx.adSignEvent.create({
                data: {
                  adSignId: existing.id,
                  type: removedAt ? 'removed' : 'updated',
                  at,
                  ...actorOf(principal),
                  ...(removedAt ? {} : { note: '恢复：招牌仍在原处' }),
                },
              });
          });
        } catch (err) {
          if (isUniqueViolation(err)) throw taken(data.code);
          throw err;
        }
        logChange(log, principal, 'ad sign changed', { adSignId: existing.id, change: body });
        return detail(existing.id);
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/ad-signs/:id/photos',
      summary: 'Add photos of a sign (multipart, field `photos`)',
      tags: ['ad-signs'],
      access: [...AD_SIGN_EDITORS],
      params: idParams,
      body: z.object({}).strict(),
      multipart: { fileFields: ['photos'], description: 'photos of the sign' },
      responses: { 201: { description: 'The sign with its photos', schema: detailSchema } },
      handler: async ({ params, principal, files }) => {
        await load(params.id);
        if (!files.length)
          throw validationError('no photo', [{ field: 'body.photos', message: '至少一张照片' }]);
        await assertAdSignEditor(prisma, principal);
        await storeRegistryPhotos(
          prisma,
          attachments,
          files,
          { adSignId: params.id },
          PHOTO_KIND,
          principal.userId,
        );
        return detail(params.id);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/ad-signs/:id/photos/:photoId',
      summary: 'One photo of a sign',
      tags: ['ad-signs'],
      access: [...AD_SIGN_READERS],
      params: z.object({ id: z.string(), photoId: z.string() }),
      responses: {
        200: { description: 'The file', mediaType: 'application/octet-stream', schema: z.unknown() },
      },
      handler: async ({ params, ctx }) =>
        sendRegistryPhoto(prisma, attachments, ctx, params.photoId, { adSignId: params.id }),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/ad-signs/imports',
      summary: 'Import signs from GeoJSON or CSV: all or nothing, a report naming each refused row',
      description:
        'Every row is checked first — 档案号, kind (店招/户外广告/灯箱/电子屏/横幅/其他), name, owner, the point ' +
        'inside the city, sizes, a permit number with its period — and the same 档案号 twice in the file; ' +
        'only a file without a refused row is stored, in one transaction. A 档案号 in the archive updates ' +
        'that entry (its history says what changed). 422 problem+json with `report` and one error per ' +
        'refused row: nothing is stored. `dryRun` checks only.',
      tags: ['ad-signs'],
      access: [...AD_SIGN_EDITORS],
      maxBodyBytes: config.GEO_IMPORT_MAX_BYTES,
      body: z.object({
        format: z.enum(['geojson', 'csv']),
        crs: z.enum(COORDINATE_SYSTEMS).default('wgs84'),
        content: z.string().min(1).describe('the file as text (UTF-8)'),
        fileName: z.string().max(200).optional(),
        dryRun: z.boolean().default(false),
      }),
      responses: { 200: { description: 'Stored (or checked, with dryRun)', schema: reportSchema } },
      handler: async ({ body, principal, log }) => {
        await assertAdSignEditor(prisma, principal);
        const report = await importRows({ prisma, extent }, importAdSigns, {
          format: body.format,
          crs: body.crs,
          content: body.content,
          dryRun: body.dryRun,
          actor: { userId: principal.userId, name: principal.displayName },
        });
        const { changes: _c, unchanged: _u, ...plain } = report;
        logChange(log, principal, report.stored ? 'ad signs imported' : 'ad sign import not stored', {
          fileName: body.fileName,
          rowsRead: report.rowsRead,
          added: report.added,
          updated: report.updated,
          rejected: report.rejected.length,
          dryRun: report.dryRun,
        });
        if (report.rejected.length) throw importRefused('导入', report.rejected, plain);
        return plain;
      },
    }),
  ];
}

/** A stored sign as the values a change is merged into (so the whole entry is checked again). */
function viewValues(s: AdSign): SignValues {
  return {
    code: s.code,
    kind: s.kind,
    name: s.name,
    lng: s.lng,
    lat: s.lat,
    address: s.address,
    widthM: s.widthM,
    heightM: s.heightM,
    ownerName: s.ownerName,
    ownerContact: s.ownerContact,
    permitNo: s.permitNo,
    permitStart: dayText(s.permitStart),
    permitEnd: dayText(s.permitEnd),
    permitConditions: s.permitConditions,
    note: s.note,
  };
}
