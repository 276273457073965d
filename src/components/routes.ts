/**
 * The 部件 registry's API: the list (by viewport, type, status, unit, text), one component with its
 * history, cases and photos, registering and changing one (administrators), photos, and the survey
 * import (部件普查 from GeoJSON/CSV: all or nothing, a re-survey reports what changed). The map layer is
 * GET /api/map/components (src/map/routes.ts).
 */
import { z } from 'zod';
import { defineRoute, type Route } from '../api/route.ts';
import { queryNumber } from '../api/validate.ts';
import type { AttachmentStore } from '../attachments/index.ts';
import { sendRegistryPhoto, storeRegistryPhotos } from '../attachments/registry-photos.ts';
import type { Config } from '../config.ts';
import type { Db, Prisma } from '../db/index.ts';
import { notFound, validationError } from '../errors.ts';
import { COORDINATE_SYSTEMS } from '../geography/coords.ts';
import { createGeoImporter } from '../geography/import/index.ts';
import { importRefused, rejectionsSchema, storedChanges } from '../geography/import/refusal.ts';
import { ADMIN, idParams, logChange } from '../reference/admin.ts';
import { pointsIn } from '../map/layer.ts';
import { COVER_DISTANCE_M, coveredPipeline } from '../pipelines/covers.ts';
import { PIPELINE_KIND_LABELS, PIPELINE_KINDS } from '../pipelines/pipeline.ts';
import { COMPONENT_STATUSES, createComponent, updateComponent } from './index.ts';

const statusEnum = z
  .enum(COMPONENT_STATUSES as [string, ...string[]])
  .describe('完好 normal, 破损 damaged, 丢失 missing, 占用 occupied, 废弃 scrapped, 拆除 removed');

const componentSchema = z.object({
  id: z.string(),
  code: z.string().describe('16 digits: admin division 6 + major 2 + minor 2 + serial 6'),
  categoryCode: z.string(),
  categoryName: z.string().nullable(),
  majorCode: z.string(),
  majorName: z.string().nullable(),
  name: z.string(),
  lng: z.number(),
  lat: z.number(),
  address: z.string().nullable(),
  gridCode: z.string().nullable(),
  departmentId: z.string().nullable().describe('权属/养护单位: where a case about it is dispatched'),
  departmentName: z.string().nullable(),
  status: statusEnum,
  surveyedAt: z.string().nullable().describe('普查日期 YYYY-MM-DD'),
  note: z.string().nullable(),
  updatedAt: z.string(),
});

const historySchema = z.object({
  id: z.string(),
  type: z.enum(['created', 'updated', 'surveyed', 'case_reported', 'case_ended']),
  at: z.string(),
  actorName: z.string(),
  fromStatus: statusEnum.nullable(),
  toStatus: statusEnum.nullable(),
  caseId: z.string().nullable(),
  caseNo: z.string().nullable(),
  changes: z
    .array(z.object({ field: z.string(), from: z.string().nullable(), to: z.string().nullable() }))
    .describe('an edit or re-survey: each field before and after; the owner unit (departmentId) by its name'),
  note: z.string().nullable(),
});

const detailSchema = componentSchema.extend({
  history: z.array(historySchema).describe('newest first'),
  cases: z
    .array(
      z.object({
        id: z.string(),
        caseNo: z.string(),
        status: z.string(),
        description: z.string(),
        reportedAt: z.string(),
        closedAt: z.string().nullable(),
        departmentName: z.string().nullable(),
      }),
    )
    .describe('the cases naming it, newest first'),
  photos: z.array(z.object({ id: z.string(), fileName: z.string(), createdAt: z.string() })),
  pipeline: z
    .object({
      id: z.string(),
      code: z.string().describe('管线编号'),
      kind: z.enum(PIPELINE_KINDS as [string, ...string[]]),
      kindName: z.string().describe('给水, 排水, …'),
      ownerName: z.string(),
      distanceM: z.number().describe('from the cover’s point to the line'),
    })
    .nullable()
    .describe(
      `the 地下管网 line a 井盖 or 箅子 covers: the nearest of the kind its type names within ${COVER_DISTANCE_M} m; ` +
        'null for other components or when none is recorded',
    ),
});

const inputSchema = z
  .object({
    code: z.string().trim(),
    name: z.string().trim().min(1).max(100),
    lng: z.number(),
    lat: z.number(),
    address: z.string().trim().max(200).nullable().optional(),
    departmentId: z.string().min(1).nullable().optional().describe('权属/养护单位 (a unit id)'),
    status: statusEnum.optional(),
    surveyedAt: z.string().nullable().optional().describe('普查日期 YYYY-MM-DD'),
    note: z.string().trim().max(1000).nullable().optional(),
  })
  .strict();

const surveyReportSchema = z.object({
  format: z.enum(['geojson', 'csv']),
  crs: z.enum(COORDINATE_SYSTEMS),
  stored: z.boolean(),
  dryRun: z.boolean(),
  rowsRead: z.number().int(),
  added: z.number().int(),
  updated: z.number().int().describe('matched by id, changed'),
  unchanged: z.number().int().describe('matched by id, nothing changed'),
  rejected: rejectionsSchema,
  changes: z.array(
    z.object({
      code: z.string(),
      name: z.string(),
      changes: z.array(
        z.object({
          field: z.string(),
          label: z.string(),
          from: z.string().nullable(),
          to: z.string().nullable(),
        }),
      ),
    }),
  ),
});

const PHOTO_KIND = 'component';
/** A unit's id (uuid): a history value that is one but names no unit now was a unit since deleted. */
const UNIT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DELETED_UNIT = '已删除的单位';

type Row = Prisma.ComponentGetPayload<{ include: { department: { select: { name: true } } } }>;

export function componentRoutes({
  db,
  config,
  attachments,
}: {
  db: Db;
  config: Pick<Config, 'GEO_EXTENT' | 'GEO_IMPORT_MAX_BYTES'>;
  attachments: AttachmentStore;
}): Route[] {
  const { prisma } = db;
  const extent = config.GEO_EXTENT;
  const importer = createGeoImporter({ prisma, extent });

  async function categories() {
    const rows = await prisma.category.findMany({
      where: { kind: 'component' },
      select: { code: true, name: true, majorName: true },
    });
    return new Map(rows.map((c) => [c.code, c]));
  }
  const view = (c: Row, cats: Awaited<ReturnType<typeof categories>>): z.infer<typeof componentSchema> => {
    const cat = cats.get(c.categoryCode);
    return {
      id: c.id,
      code: c.code,
      categoryCode: c.categoryCode,
      categoryName: cat?.name ?? null,
      majorCode: c.categoryCode.slice(0, 2),
      majorName: cat?.majorName ?? null,
      name: c.name,
      lng: c.lng,
      lat: c.lat,
      address: c.address,
      gridCode: c.gridCode,
      departmentId: c.departmentId,
      departmentName: c.department?.name ?? null,
      status: c.status,
      surveyedAt: c.surveyedAt?.toISOString().slice(0, 10) ?? null,
      note: c.note,
      updatedAt: c.updatedAt.toISOString(),
    };
  };
  const withDept = { department: { select: { name: true } } } as const;
  const load = async (id: string) => {
    const row = await prisma.component.findUnique({ where: { id }, include: withDept });
    if (!row) throw notFound(`component ${id}`);
    return row;
  };

  /**
   * An edit records the owner unit by its id (a re-survey by its name, as its report shows it): the
   * history answers the unit's name either way — its name now — and 已删除的单位 for a unit since deleted.
   */
  async function unitNamesOf(changes: { field: string; from: string | null; to: string | null }[]) {
    const ids = new Set(
      changes.flatMap((c) => (c.field === 'departmentId' ? [c.from, c.to] : [])).filter((v) => v !== null),
    );
    const units = ids.size
      ? await prisma.department.findMany({
          where: { id: { in: [...ids] } },
          select: { id: true, name: true },
        })
      : [];
    const names = new Map(units.map((u) => [u.id, u.name]));
    return (v: string | null) => (v === null ? null : (names.get(v) ?? (UNIT_ID.test(v) ? DELETED_UNIT : v)));
  }

  async function detail(id: string): Promise<z.infer<typeof detailSchema>> {
    const row = await load(id);
    const [events, cases, photos, cats] = await Promise.all([
      prisma.componentEvent.findMany({
        where: { componentId: id },
        orderBy: [{ at: 'desc' }, { id: 'desc' }],
        take: 200,
        include: { case: { select: { caseNo: true } } },
      }),
      prisma.case.findMany({
        where: { componentId: id },
        orderBy: { reportedAt: 'desc' },
        take: 200,
        include: { department: { select: { name: true } } },
      }),
      prisma.attachment.findMany({ where: { componentId: id }, orderBy: { createdAt: 'asc' } }),
      categories(),
    ]);
    const [unitName, covered] = await Promise.all([
      unitNamesOf(events.flatMap((e) => storedChanges(e.changes))),
      coveredPipeline(prisma, cats.get(row.categoryCode)?.name ?? null, row),
    ]);
    const lineOwner = covered
      ? await prisma.department.findUnique({
          where: { id: covered.pipeline.ownerId },
          select: { name: true },
        })
      : null;
    return {
      ...view(row, cats),
      history: events.map((e) => ({
        id: e.id,
        type: e.type,
        at: e.at.toISOString(),
        actorName: e.actorName,
        fromStatus: e.fromStatus,
        toStatus: e.toStatus,
        caseId: e.caseId,
        caseNo: e.case?.caseNo ?? null,
        changes: storedChanges(e.changes).map((c) =>
          c.field === 'departmentId' ? { ...c, from: unitName(c.from), to: unitName(c.to) } : c,
        ),
        note: e.note,
      })),
      cases: cases.map((c) => ({
        id: c.id,
        caseNo: c.caseNo,
        status: c.status,
        description: c.description,
        reportedAt: c.reportedAt.toISOString(),
        closedAt: c.closedAt?.toISOString() ?? null,
        departmentName: c.department?.name ?? null,
      })),
      photos: photos.map((p) => ({ id: p.id, fileName: p.fileName, createdAt: p.createdAt.toISOString() })),
      pipeline: covered
        ? {
            id: covered.pipeline.id,
            code: covered.pipeline.code,
            kind: covered.pipeline.kind,
            kindName: PIPELINE_KIND_LABELS[covered.pipeline.kind],
            ownerName: lineOwner?.name ?? '',
            distanceM: covered.distanceM,
          }
        : null,
    };
  }

  const actorOf = (p: { userId: string; displayName: string }) => ({ userId: p.userId, name: p.displayName });

  return [
    defineRoute({
      method: 'GET',
      path: '/api/components',
      summary: 'The 部件 registry: components by viewport, type, status, unit or text',
      description:
        '`bbox` (minLng,minLat,maxLng,maxLat) keeps those whose point lies in it; `majorCode` (2 digits) or ' +
        '`categoryCode` (4) the type; `q` matches the start of the id or a part of the name or address. ' +
        'Ordered by id.',
      tags: ['components'],
      access: 'authenticated',
      query: z.object({
        bbox: z.string().optional(),
        majorCode: z
          .string()
          .regex(/^\d{2}$/, '2 digits')
          .optional(),
        categoryCode: z
          .string()
          .regex(/^\d{4}$/, '4 digits')
          .optional(),
        status: statusEnum.optional(),
        departmentId: z.string().optional(),
        q: z.string().trim().max(100).optional(),
        limit: queryNumber(z.coerce.number().int().min(1).max(500)).default(50),
        offset: queryNumber(z.coerce.number().int().min(0)).default(0),
      }),
      responses: {
        200: {
          description: 'One page of components and how many match',
          schema: z.object({ items: z.array(componentSchema), total: z.number().int() }),
        },
      },
      handler: async ({ query }) => {
        const and: Prisma.ComponentWhereInput[] = [];
        if (query.bbox) and.push(pointsIn(query.bbox));
        if (query.categoryCode) and.push({ categoryCode: query.categoryCode });
        else if (query.majorCode) and.push({ categoryCode: { startsWith: query.majorCode } });
        if (query.status) and.push({ status: query.status as Row['status'] });
        if (query.departmentId) and.push({ departmentId: query.departmentId });
        if (query.q)
          and.push({
            OR: [
              { code: { startsWith: query.q } },
              { name: { contains: query.q } },
              { address: { contains: query.q } },
            ],
          });
        const where = { AND: and };
        const [rows, total, cats] = await Promise.all([
          prisma.component.findMany({
            where,
            orderBy: { code: 'asc' },
            skip: query.offset,
            take: query.limit,
            include: withDept,
          }),
          prisma.component.count({ where }),
          categories(),
        ]);
        return { items: rows.map((r) => view(r, cats)), total };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/components/:id',
      summary: 'One component with its history (登记, 修改, 普查, its cases) and photos',
      tags: ['components'],
      access: 'authenticated',
      params: idParams,
      responses: { 200: { description: 'The component', schema: detailSchema } },
      handler: async ({ params }) => detail(params.id),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/components',
      summary: 'Register a component (部件登记)',
      description:
        'The id gives the type: digits 7–10 must be an active component category, digits 1–6 an admin ' +
        'division of the city’s grid, the serial is not 000000. The point must lie in GEO_EXTENT; its grid ' +
        'cell is found. 400 names each field (`body.code`, `body.lng`, …); 409 an id registered already.',
      tags: ['components'],
      access: ADMIN,
      body: inputSchema,
      responses: { 201: { description: 'Registered', schema: detailSchema } },
      handler: async ({ body, principal, log }) => {
        const row = await createComponent(
          prisma,
          { ...body, status: body.status as Row['status'] | undefined },
          extent,
          actorOf(principal),
        );
        logChange(log, principal, 'component registered', { componentId: row.id, code: row.code });
        return detail(row.id);
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: '/api/components/:id',
      summary: 'Change a component (its id too: the type follows it); the history keeps each change',
      tags: ['components'],
      access: ADMIN,
      params: idParams,
      body: inputSchema.partial().strict(),
      responses: { 200: { description: 'Changed', schema: detailSchema } },
      handler: async ({ params, body, principal, log }) => {
        const existing = await load(params.id);
        const row = await updateComponent(
          prisma,
          existing,
          { ...body, status: body.status as Row['status'] | undefined },
          extent,
          actorOf(principal),
        );
        logChange(log, principal, 'component changed', { componentId: row.id, change: body });
        return detail(row.id);
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/components/:id/photos',
      summary: 'Add photos of a component (multipart, field `photos`)',
      tags: ['components'],
      access: ADMIN,
      params: idParams,
      body: z.object({}).strict(),
      multipart: { fileFields: ['photos'], description: 'photos of the component' },
      responses: { 201: { description: 'The component with its photos', schema: detailSchema } },
      handler: async ({ params, principal, files }) => {
        await load(params.id);
        if (!files.length)
          throw validationError('no photo', [{ field: 'body.photos', message: 'at least one photo' }]);
        await storeRegistryPhotos(
          prisma,
          attachments,
          files,
          { componentId: params.id },
          PHOTO_KIND,
          principal.userId,
        );
        return detail(params.id);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/components/:id/photos/:photoId',
      summary: 'One photo of a component',
      tags: ['components'],
      access: 'authenticated',
      params: z.object({ id: z.string(), photoId: z.string() }),
      responses: {
        200: { description: 'The file', mediaType: 'application/octet-stream', schema: z.unknown() },
      },
      handler: async ({ params, ctx }) => {
        return sendRegistryPhoto(prisma, attachments, ctx, params.photoId, { componentId: params.id });
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/components/surveys',
      summary:
        'Survey import (部件普查) from GeoJSON or CSV: all or nothing, a re-survey reports what changed',
      description:
        'Every row is checked first — the id (16 digits, the city’s admin division, an active type in ' +
        'digits 7–10, serial not 000000), the type agreeing with the id, the point inside the city, the ' +
        'unit, the status, the same id twice in the file — and only a file without a refused row is ' +
        'stored, in one transaction. A row whose id is registered updates it; the report lists each ' +
        'changed field (before → after) and each component’s history gets a 普查 entry. 422 problem+json ' +
        'with `report` and one error per refused row: nothing is stored. Columns: src/geography/README.md.',
      tags: ['components'],
      access: ADMIN,
      maxBodyBytes: config.GEO_IMPORT_MAX_BYTES,
      body: z.object({
        format: z.enum(['geojson', 'csv']),
        crs: z.enum(COORDINATE_SYSTEMS).default('wgs84'),
        content: z.string().min(1).describe('the file as text (UTF-8)'),
        fileName: z.string().max(200).optional(),
        dryRun: z.boolean().default(false),
      }),
      responses: { 200: { description: 'Stored (or checked, with dryRun)', schema: surveyReportSchema } },
      handler: async ({ body, principal, log }) => {
        const started = Date.now();
        const { target: _t, ...report } = await importer.run({
          target: 'components',
          format: body.format,
          crs: body.crs,
          content: body.content,
          dryRun: body.dryRun,
          actor: actorOf(principal),
        });
        const full = { ...report, changes: report.changes ?? [], unchanged: report.unchanged ?? 0 };
        const updated = full.changes.length;
        logChange(
          log,
          principal,
          report.stored ? 'component survey imported' : 'component survey not stored',
          {
            fileName: body.fileName,
            rowsRead: report.rowsRead,
            added: report.added,
            updated,
            rejected: report.rejected.length,
            dryRun: report.dryRun,
            ms: Date.now() - started,
          },
        );
        if (report.rejected.length) throw importRefused('普查导入', report.rejected, { ...full, updated: 0 });
        return { ...full, updated };
      },
    }),
  ];
}
