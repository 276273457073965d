/**
 * The case REST API, first slice: report a case (POST /api/cases, JSON or multipart with photos,
 * idempotent), list cases with filters, full-text search and cursor pages, one case with its timeline
 * and attachments.
 *
 * Reporting order (no half-written case survives an engine failure):
 * 0. the photos (multipart) were checked by the router and are placed in the attachment store;
 * 1. one transaction writes the Case row (status `reported`, its case number from the Counter, its grid
 *    cell when the coordinates or the component give it), its `reported` timeline event, its search
 *    index rows and one Attachment row per photo (kind `report`, on the `reported` event);
 * 2. the `case-disposal` instance is started with `{ caseId, source }` (processes/README.md);
 * 3. the instance key is stored on the row.
 * If step 2 fails, the row is deleted again (its events, index rows and attachment rows go with it,
 * ON DELETE CASCADE; the placed files then belong to no row and the store's sweep removes them) and the
 * caller gets a 503 it may retry with the same Idempotency-Key. The row must exist before the instance
 * starts because the first job (`hub.case.intake`) reads it. The grid cell is looked up at report time
 * so that intake, which runs before locate, can merge a duplicate (same cell, category and
 * DUPLICATE_WINDOW_MINUTES as an open case; workers/intake.ts).
 *
 * Idempotency: `Case.idempotencyKey` stores `<caller's user id>:<Idempotency-Key>`, so a key is scoped to
 * the account that sent it. A replay answers 200 with the case as it is now (the router keeps the status
 * the handler set); OpenAPI lists only the 201.
 */
import { z } from 'zod';
import { defineRoute, type Route } from '../api/route.ts';
import type { Role, Principal } from '../auth/roles.ts';
import type { AttachmentStore, PlacedFile } from '../attachments/store.ts';
import { attachmentSchema, toAttachmentView } from '../attachments/routes.ts';
import type { Config } from '../config.ts';
import { isUniqueViolation, type CaseStatus, type Db, type OutboxMessage, type Prisma } from '../db/index.ts';
import { HubError, notFound, unavailable, validationError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { EngineQuery } from '../incidents/engine-query.ts';
import type { ZeebeClient } from '../zeebe.ts';
import { cellAt } from '../geography/grid.ts';
import { discardCase, insertCase, recordEvent, type NewCase } from './state/index.ts';
import { caseClocks, clockSchema } from './clock.ts';
import { referenceLookup } from '../reference/lookup.ts';
import { createCaseStarter, enqueueStart, StartTimeout, type CaseStarter } from './start.ts';
import { CASE_STATUSES, FINAL_STATUSES } from './lifecycle.ts';
import { eventDataView, reporterView } from './contact.ts';
import { pendingRequests } from './requests.ts';
import { caseScope } from './scope.ts';
import { queryTerms, searchCases } from './search.ts';
import { queryNumber } from '../api/validate.ts';
import { CASE_COMPONENT_STATUSES } from '../components/cases.ts';
import { checkAdSignCase } from '../adsigns/cases.ts';

const SOURCES = [
  'supervisor',
  'hotline',
  'public',
  'video',
  'sanitation',
  'utility',
  'open311',
  'other',
] as const;
const URGENCIES = ['normal', 'urgent', 'critical'] as const;
/** Roles that report cases. */
const REPORTERS: Role[] = ['field_supervisor', 'acceptor', 'service'];
const PAGE_MAX = 200;

const reportSchema = z
  .object({
    source: z.enum(SOURCES),
    sourceRef: z.string().min(1).max(200).optional(),
    categoryKind: z.enum(['event', 'component']).default('event'),
    categoryCode: z.string().regex(/^\d{4}$/, 'a 4-digit minor category code'),
    urgency: z.enum(URGENCIES).default('normal'),
    description: z.string().trim().min(1).max(4000),
    address: z.string().max(500).optional(),
    lng: z.number().min(-180).max(180).optional(),
    lat: z.number().min(-90).max(90).optional(),
    componentId: z.string().min(1).optional(),
    componentStatus: z
      .enum(CASE_COMPONENT_STATUSES)
      .optional()
      .describe(
        'with componentId: what is wrong with it (破损 damaged, the default; 丢失 missing; 占用 occupied)',
      ),
    adSignId: z
      .string()
      .min(1)
      .optional()
      .describe(
        'the 广告店招 archive entry the case is about (a 02 宣传广告 event); its point when none is given',
      ),
    reporterName: z.string().max(100).optional(),
    reporterPhone: z.string().max(40).optional(),
    observedAt: z
      .string()
      .datetime({ offset: true, message: 'an ISO 8601 date-time with offset' })
      .optional()
      .describe('the reporting phone’s own time of the report; kept beside the hub’s reportedAt'),
    selfHandled: z
      .boolean()
      .optional()
      .describe('自处理: a field supervisor fixed it on the spot (with `afterPhotos`); the case closes'),
    selfHandledNote: z.string().trim().min(1).max(2000).optional().describe('what the supervisor did'),
  })
  .strict()
  .refine((b) => (b.lng === undefined) === (b.lat === undefined), {
    message: 'lng and lat go together',
    path: ['lat'],
  })
  .refine((b) => b.componentStatus === undefined || b.componentId !== undefined, {
    message: 'componentStatus goes with componentId',
    path: ['componentStatus'],
  })
  .refine(
    (b) =>
      b.lng !== undefined ||
      b.componentId !== undefined ||
      b.address !== undefined ||
      b.adSignId !== undefined,
    {
      message: 'a location is needed: lng/lat, componentId, adSignId or address',
      path: ['lng'],
    },
  );

/** One timeline row as the API shows it (also the `event` of an action's answer). */
export const eventSchema = z.object({
  id: z.string(),
  at: z.string(),
  type: z.string(),
  actorName: z.string().nullable(),
  fromStatus: z.string().nullable(),
  toStatus: z.string().nullable(),
  departmentId: z.string().nullable(),
  note: z.string().nullable(),
  data: z.unknown(),
});

const caseSchema = z.object({
  id: z.string(),
  caseNo: z.string(),
  source: z.enum(SOURCES),
  sourceRef: z.string().nullable(),
  categoryKind: z.enum(['event', 'component']),
  categoryCode: z.string(),
  urgency: z.enum(URGENCIES),
  status: z.enum(CASE_STATUSES),
  description: z.string(),
  address: z.string().nullable(),
  lng: z.number().nullable(),
  lat: z.number().nullable(),
  gridCode: z.string().nullable(),
  componentId: z.string().nullable(),
  departmentId: z.string().nullable(),
  processInstanceKey: z.string().nullable(),
  reportedAt: z.string(),
  createdAt: z.string(),
  /** A duplicate merged (合并) into another case: that case's id and number; the report is voided. */
  mergedInto: z.object({ id: z.string(), caseNo: z.string().nullable() }).nullable(),
  /** Why the case was voided (作废, 合并, 核实不属实), shown to whoever reported it. */
  voidReason: z.string().nullable(),
  /**
   * The procedure could not place the case and waits for a person to (定位修复, actions/locate): since
   * when and why (the geocoder's reading in words); null once located.
   */
  locationRepair: z.object({ since: z.string(), note: z.string().nullable() }).nullable(),
  /** Only for acceptors, dispatchers, shift leaders and administrators; null otherwise. */
  reporter: z
    .object({ name: z.string().nullable(), phone: z.string().nullable(), email: z.string().nullable() })
    .nullable(),
});

const reportedSchema = caseSchema.extend({ attachments: z.array(attachmentSchema) });
/** Lists and the detail carry the clock of the step the case is in (clock.ts). */
const listedSchema = caseSchema.extend({ clock: clockSchema });
const detailSchema = reportedSchema.extend({
  clock: clockSchema,
  timeline: z.array(eventSchema),
  pendingRequests: z
    .array(
      z.object({
        kind: z.enum(['extension', 'return', 'suspension']),
        label: z.string().describe('延期, 回退 or 挂账'),
        eventId: z.string().describe('the timeline event that asked'),
        at: z.string(),
      }),
    )
    .describe(
      'the department’s requests waiting for a decision (asked, not decided, not cancelled by a new round)',
    ),
});

/** A case number as the list's `q` may name it, e.g. RG-2026-000123. */
const CASE_NO = /^[A-Za-z]{1,8}-\d{4}-\d{6,}$/;

type CaseRow = Prisma.CaseGetPayload<object>;

/** The merged-into case number, from the reason the merge wrote (重复上报，合并到 RG-2026-000123). */
const mergedNo = (row: CaseRow) => /合并到 (\S+)/.exec(row.voidReason ?? '')?.[1] ?? null;

function toView(row: CaseRow, principal: Principal): z.infer<typeof caseSchema> {
  return {
    id: row.id,
    caseNo: row.caseNo,
    source: row.source,
    sourceRef: row.sourceRef,
    categoryKind: row.categoryKind,
    categoryCode: row.categoryCode,
    urgency: row.urgency,
    status: row.status,
    description: row.description,
    address: row.address,
    lng: row.lng,
    lat: row.lat,
    gridCode: row.gridCode,
    componentId: row.componentId,
    departmentId: row.departmentId,
    processInstanceKey: row.processInstanceKey,
    reportedAt: row.reportedAt.toISOString(),
    createdAt: row.createdAt.toISOString(),
    mergedInto: row.mergedIntoId ? { id: row.mergedIntoId, caseNo: mergedNo(row) } : null,
    voidReason: row.voidReason,
    locationRepair: row.locationRepairAt
      ? { since: row.locationRepairAt.toISOString(), note: row.locationRepairNote }
      : null,
    reporter: reporterView(row, principal),
  };
}

const encodeCursor = (row: { createdAt: Date; id: string }) =>
  Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString('base64url');

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const createdAt = new Date(String(at));
    if (typeof id !== 'string' || Number.isNaN(createdAt.getTime())) throw new Error('bad cursor');
    return { createdAt, id };
  } catch {
    throw validationError('invalid cursor', [
      { field: 'query.cursor', message: 'not a cursor from this API' },
    ]);
  }
}

/** The step deadlines: a case in one of `statuses` is overdue once `deadline` has passed. */
const STEP_DEADLINES = [
  { statuses: ['verifying'], deadline: 'verifyDeadline' },
  { statuses: ['dispatched'], deadline: 'signDeadline' },
  { statuses: ['dispatched', 'signed'], deadline: 'disposeDeadline' },
  { statuses: ['checking'], deadline: 'checkDeadline' },
] as const satisfies { statuses: CaseStatus[]; deadline: keyof Prisma.CaseWhereInput }[];

/** Open cases past the deadline of the step they are in (`overdue` true), or not (false). */
function overdueWhere(now: Date, overdue: boolean): Prisma.CaseWhereInput {
  if (overdue) {
    return {
      OR: STEP_DEADLINES.map((s) => ({ status: { in: [...s.statuses] }, [s.deadline]: { lt: now } })),
    };
  }
  // Spelled out rather than NOT(...): a NULL deadline would make NOT(...) unknown and drop the row.
  return {
    AND: [
      { status: { notIn: [...FINAL_STATUSES] } },
      ...STEP_DEADLINES.map((s) => ({
        OR: [{ status: { notIn: [...s.statuses] } }, { [s.deadline]: null }, { [s.deadline]: { gte: now } }],
      })),
    ],
  };
}

const isoDate = z.string().datetime({ offset: true });

/** POST /api/cases, GET /api/cases, GET /api/cases/:id. `zeebe` is needed only for reporting. */
/** The procedure of a case is being started by another attempt that did not finish in time. */
class StillStarting extends HubError {
  constructor(caseId: string) {
    super(
      'unavailable',
      `the procedure of case ${caseId} is still starting; retry with the same Idempotency-Key`,
      {
        status: 503,
        retryable: true,
      },
    );
  }
}

export function caseRoutes({
  db,
  zeebe,
  engineQuery,
  caseStarter,
  logger,
  config,
  attachments,
  now: clock = () => new Date(),
}: {
  db: Db;
  zeebe?: ZeebeClient;
  /** Finds an instance a crashed start created (src/cases/start.ts). */
  engineQuery?: EngineQuery;
  /** The hub's case starter (whose reconciler it runs); without it the routes make their own. */
  caseStarter?: CaseStarter;
  logger: Logger;
  config: Pick<
    Config,
    | 'CASE_NUMBER_PREFIX'
    | 'CALENDAR_TIMEZONE'
    | 'DEADLINE_WARN_FRACTION'
    | 'CASE_START_CLAIM_MS'
    | 'CASE_PUBLISH_TIMEOUT_MS'
    | 'CASE_OUTBOX_RETRY_MS'
  >;
  attachments: AttachmentStore;
  now?: () => Date;
}): Route[] {
  const { prisma } = db;
  const numbering = { prefix: config.CASE_NUMBER_PREFIX, timeZone: config.CALENDAR_TIMEZONE };
  const starter =
    caseStarter ??
    (zeebe
      ? createCaseStarter({
          db,
          zeebe,
          engineQuery,
          logger,
          claimMs: config.CASE_START_CLAIM_MS,
          timeoutMs: config.CASE_PUBLISH_TIMEOUT_MS,
          intervalMs: config.CASE_OUTBOX_RETRY_MS,
        })
      : undefined);

  /** Whether the engine holds an instance of the case's procedure, or cannot say (its search failing). */
  async function instanceMayExist(caseId: string): Promise<boolean> {
    // Without a search nothing can be known; the case is undone as before (tests without an engine).
    if (!engineQuery) return false;
    try {
      const found = await engineQuery.searchProcessInstances({
        filter: {
          processDefinitionId: 'case-disposal',
          variables: [{ name: 'caseId', value: JSON.stringify(caseId) }],
        },
        page: { limit: 1 },
      });
      return found.items.length > 0;
    } catch {
      return true;
    }
  }

  /**
   * The case's process instance key, once its procedure runs: started now, or by another attempt that
   * holds the start intent (waited for up to a claim time). Throws the engine's refusal, or
   * StillStarting (503) when the other attempt did not finish in time.
   */
  async function startedKey(
    caseId: string,
    claimed?: { intent: OutboxMessage; source: string },
  ): Promise<string> {
    const deadline = Date.now() + config.CASE_START_CLAIM_MS + config.CASE_PUBLISH_TIMEOUT_MS;
    if (claimed) {
      const first = await starter!.startClaimed(claimed.intent, claimed.source).catch((err: unknown) => {
        if (err instanceof StartTimeout) return null;
        throw err;
      });
      if (first) return first.processInstanceKey;
    }
    for (;;) {
      // A create answered late is recorded by its own continuation: wait for it like for another attempt.
      const outcome = await starter!.start(caseId).catch((err: unknown) => {
        if (err instanceof StartTimeout) return { busy: true as const };
        throw err;
      });
      if ('processInstanceKey' in outcome) return outcome.processInstanceKey;
      if (Date.now() > deadline) throw new StillStarting(caseId);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const attachmentsOf = async (caseId: string) =>
    (
      await prisma.attachment.findMany({ where: { caseId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })
    ).map(toAttachmentView);

  async function checkReferences(body: z.infer<typeof reportSchema>) {
    const category = await referenceLookup(prisma).category(body.categoryKind, body.categoryCode);
    if (!category?.active) {
      throw validationError('unknown category', [
        {
          field: 'body.categoryCode',
          message: `no active ${body.categoryKind} category ${body.categoryCode}`,
        },
      ]);
    }
    if (body.componentId) {
      const component = await prisma.component.findUnique({
        where: { id: body.componentId },
        select: { id: true, gridCode: true, categoryCode: true, status: true },
      });
      if (!component) {
        throw validationError('unknown component', [
          { field: 'body.componentId', message: 'no such component' },
        ]);
      }
      if (body.categoryKind === 'component' && component.categoryCode !== body.categoryCode)
        throw validationError('the category is not the component’s', [
          {
            field: 'body.categoryCode',
            message: `component ${body.componentId} is of category ${component.categoryCode}, not ${body.categoryCode}`,
          },
        ]);
      if (component.status === 'removed')
        throw validationError('the component was removed', [
          { field: 'body.componentId', message: 'the component is recorded as removed (拆除)' },
        ]);
      if (component.gridCode) return component.gridCode;
    }
    // The cell of the coordinates, when they fall in one; locate (a worker) handles every other case.
    if (body.lng !== undefined && body.lat !== undefined) {
      return (await cellAt(db.prisma, body.lng, body.lat))?.code ?? null;
    }
    return null;
  }

  /** 自处理 on a report: a field supervisor's own report, with photos of the result. */
  function checkSelfHandled(body: z.infer<typeof reportSchema>, principal: Principal, afterPhotos: number) {
    if (!body.selfHandled) {
      if (afterPhotos || body.selfHandledNote) {
        throw validationError('afterPhotos and selfHandledNote go with selfHandled', [
          { field: 'body.selfHandled', message: 'set selfHandled to report a problem fixed on the spot' },
        ]);
      }
      return;
    }
    if (body.source !== 'supervisor' || !principal.roles.includes('field_supervisor')) {
      throw validationError('自处理 is a field supervisor’s own report', [
        { field: 'body.selfHandled', message: 'only a field supervisor reporting as source supervisor' },
      ]);
    }
    if (afterPhotos === 0) {
      throw validationError('自处理 needs a photo of the result', [
        { field: 'afterPhotos', message: 'at least one photo after the fix' },
      ]);
    }
  }

  async function createCase(
    body: NewCase,
    principal: Principal,
    photos: PlacedFile[],
    selfHandled: { note: string | null; photos: PlacedFile[] } | null = null,
  ) {
    const at = clock();
    return prisma.$transaction(async (tx) => {
      const row = await insertCase(
        tx,
        body,
        { userId: principal.userId, displayName: principal.displayName },
        at,
        numbering,
      );
      // The intent to start its procedure commits with the case (src/cases/start.ts), claimed by this
      // request's own first attempt.
      const intent = await enqueueStart(tx, row, starter ? config.CASE_START_CLAIM_MS : undefined);
      await attachments.attach(tx, photos, {
        caseId: row.id,
        kind: 'report',
        eventId: row.reportedEventId,
        uploadedBy: principal.userId,
      });
      if (selfHandled) {
        // Recorded with the report, so a self-handled case is never seen open; intake reads the event and
        // the procedure closes the case (workers/intake.ts). A millisecond later keeps the timeline order.
        const handledAt = new Date(+at + 1);
        const recorded = (await recordEvent(tx, {
          caseId: row.id,
          row,
          type: 'self_handled',
          at: handledAt,
          actor: { userId: principal.userId, name: principal.displayName },
          note: selfHandled.note,
          data: { selfHandled: true },
          caseUpdate: { disposedAt: handledAt },
        }))!;
        await attachments.attach(tx, selfHandled.photos, {
          caseId: row.id,
          kind: 'disposal',
          eventId: recorded.event.id,
          uploadedBy: principal.userId,
        });
        // The row as the writer left it (the answer is built from it, not read again).
        return { row: recorded.row!, intent };
      }
      return { row, intent };
    });
  }

  return [
    defineRoute({
      method: 'POST',
      path: '/api/cases',
      summary: 'Report a case (上报); starts its case-disposal procedure',
      description:
        'JSON, or multipart/form-data with the same fields as form fields and up to ATTACHMENT_MAX_FILES ' +
        'photos in `photos` (JPEG, PNG, WebP or HEIC, judged by their bytes; ATTACHMENT_MAX_BYTES each): ' +
        'they are stored as attachments of kind `report` on the `reported` timeline event. ' +
        'Send an `Idempotency-Key` header to make a retry safe: a report repeating a key already used ' +
        'answers 200 with the case it created (and its photos, stored once) instead of 201 with a new one. ' +
        'The case number is `<prefix>-<year>-<sequence of the year>`, e.g. RG-2026-000123. ' +
        'A field supervisor’s report (source supervisor) must lie in a grid cell of the city (400 naming ' +
        '`body.lng` otherwise); with `selfHandled` (自处理, field supervisors only, at least one photo in ' +
        '`afterPhotos`) the same transaction records `self_handled` with those photos and the procedure ' +
        'closes the case. `observedAt` and the `X-Client-Sent-At` header (the phone’s clock) are kept on the ' +
        '`reported` event; the hub’s time is the case’s reportedAt.',
      tags: ['cases'],
      access: REPORTERS,
      body: reportSchema,
      multipart: {
        fileFields: ['photos', 'afterPhotos'],
        description: 'photos of the problem; with selfHandled, `afterPhotos` of the result',
      },
      responses: { 201: { description: 'The case as stored', schema: reportedSchema } },
      handler: async ({ body, principal, ctx, log, files }) => {
        const raw = ctx.get('idempotency-key');
        if (raw !== '' && (raw.length > 200 || !/^[\x21-\x7e]+$/.test(raw))) {
          throw validationError('invalid Idempotency-Key', [
            { field: 'headers.idempotency-key', message: 'up to 200 visible ASCII characters' },
          ]);
        }
        // Keys are the caller's own: another account reusing a key string gets its own case.
        const key = raw === '' ? null : `${principal.userId}:${raw}`;
        const replay = async () => {
          let found = key ? await prisma.case.findUnique({ where: { idempotencyKey: key } }) : null;
          if (found && !found.processInstanceKey) {
            // Acknowledged or not, the case was committed with its start intent (a crash, or a start still
            // under way): the retry answers once its procedure runs.
            if (!starter) throw unavailable('the engine is not connected');
            await startedKey(found.id);
            found = await prisma.case.findUniqueOrThrow({ where: { id: found.id } });
          }
          if (found) ctx.status = 200;
          return found && { ...toView(found, principal), attachments: await attachmentsOf(found.id) };
        };
        const earlier = await replay();
        if (earlier) return earlier;
        if (!zeebe) throw unavailable('the engine is not connected');
        const { observedAt, selfHandled, selfHandledNote, ...fields } = body;
        const after = files.filter((f) => f.field === 'afterPhotos');
        checkSelfHandled(body, principal, after.length);
        const checkedCell = await checkReferences(body);
        // A case about a 广告店招 entry is checked and, without a point of its own, placed at the sign.
        const sign = body.adSignId
          ? await checkAdSignCase(prisma, { ...body, adSignId: body.adSignId })
          : null;
        const atSign = sign && body.lng === undefined;
        const place = atSign
          ? { lng: sign.lng, lat: sign.lat, address: body.address ?? sign.address ?? undefined }
          : {};
        const gridCode = atSign ? (checkedCell ?? sign.gridCode) : checkedCell;
        if (body.source === 'supervisor' && body.lng !== undefined && !gridCode && !body.componentId) {
          throw validationError('the position is outside the city', [
            {
              field: 'body.lng',
              message: `(${body.lng}, ${body.lat}) lies in no grid cell of the city: move the point to where the problem is`,
            },
          ]);
        }
        const sentAt = ctx.get('x-client-sent-at');
        const reportData =
          observedAt || sentAt
            ? {
                ...(observedAt ? { observedAt } : {}),
                ...(sentAt ? { clientSentAt: sentAt.slice(0, 40) } : {}),
              }
            : null;
        // Files first, rows second: a failure in between leaves files no row counts (store.ts).
        const photos = await attachments.place(files.filter((f) => f.field !== 'afterPhotos'));
        const afterPlaced = after.length ? await attachments.place(after) : [];
        let row: CaseRow;
        let intent: OutboxMessage;
        try {
          ({ row, intent } = await createCase(
            { ...fields, ...place, gridCode, idempotencyKey: key, reportData },
            principal,
            photos,
            selfHandled ? { note: selfHandledNote ?? null, photos: afterPlaced } : null,
          ));
        } catch (err) {
          // A concurrent request with the same key won the insert: answer with its case.
          const other = isUniqueViolation(err, ['idempotencyKey']) ? await replay() : null;
          if (other) return other;
          throw err;
        }
        let processInstanceKey: string;
        try {
          processInstanceKey = await startedKey(row.id, { intent, source: row.source });
        } catch (err) {
          // No answer in time: the engine may still create it; the retry finds it (never undo here).
          if (err instanceof StillStarting) throw err;
          // A failed start may still have created the instance: its answer lost on the way back, or
          // its record on the case failing (the database slow or restarting). Undone, the case would
          // leave that instance running for a case that does not exist; kept, its intent makes the
          // reconciler find the instance and record it. Undone only when the engine shows none.
          if (await instanceMayExist(row.id)) {
            log.warn({ err, caseNo: row.caseNo }, 'starting case-disposal failed; the instance may exist');
            throw new StillStarting(row.id);
          }
          // The engine refused the start: the report is undone (the client retries with its key) —
          // unless an instance got recorded meanwhile. Were the process to die here instead, the start
          // intent committed with the case makes the reconciler start it (src/cases/start.ts).
          const undone = await prisma.$transaction(async (tx) => {
            const now = await tx.case.findUnique({
              where: { id: row.id },
              select: { processInstanceKey: true },
            });
            if (now?.processInstanceKey) return false;
            await discardCase(tx, row.id);
            return true;
          });
          if (undone) {
            log.warn({ err, caseNo: row.caseNo }, 'starting case-disposal failed; the report was undone');
            throw unavailable(
              'the process engine did not accept the case; retry with the same Idempotency-Key',
              err,
            );
          }
          processInstanceKey = (await prisma.case.findUniqueOrThrow({ where: { id: row.id } }))
            .processInstanceKey!;
        }
        // The case as this request stored it, with its instance: not read again (one statement per report
        // less). Workers may have moved it on meanwhile; GET /api/cases/:id shows that.
        const stored = { ...row, processInstanceKey };
        log.info(
          { caseId: row.id, caseNo: row.caseNo, processInstanceKey, photos: photos.length },
          'case reported',
        );
        // A case this request just created has no attachments but the photos it brought.
        return {
          ...toView(stored, principal),
          attachments: photos.length || afterPlaced.length ? await attachmentsOf(row.id) : [],
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/cases',
      summary: 'Cases, newest first, with filters, full-text search and cursor pages',
      description:
        'Follow `nextCursor` until it is null. With `q`, a page may hold fewer than `limit` cases while ' +
        'nextCursor is not null (the search looked at its share of the index for this request). ' +
        'Each case carries `clock`: the deadline of the step it is in (核实/签收/处置/核查), the time left ' +
        'on the work calendar (or natural time where the limit says so) and green/yellow/red.',
      tags: ['cases'],
      access: 'authenticated',
      query: z.object({
        status: z.enum(CASE_STATUSES).optional(),
        categoryCode: z.string().optional(),
        departmentId: z.string().optional(),
        gridCode: z.string().optional(),
        source: z.enum(SOURCES).optional(),
        q: z
          .string()
          .trim()
          .min(1)
          .max(200)
          .optional()
          .describe(
            'words in the description or address, every one must occur (Chinese by character pairs, ' +
              'other words whole, case-insensitive); a whole case number finds that case',
          ),
        overdue: z.enum(['true', 'false']).optional().describe('open cases past the deadline of their step'),
        from: isoDate.optional().describe('reported at or after'),
        to: isoDate.optional().describe('reported before'),
        limit: queryNumber(z.coerce.number().int().min(1).max(PAGE_MAX)).default(50),
        cursor: z.string().optional().describe('nextCursor of the previous page'),
      }),
      responses: {
        200: {
          description: 'One page',
          schema: z.object({ items: z.array(listedSchema), nextCursor: z.string().nullable() }),
        },
      },
      handler: async ({ query, principal }) => {
        const now = clock();
        // One calendar load and one limits query for the page, not one per case.
        const withClocks = async (rows: CaseRow[]) => {
          const clocks = await caseClocks(db, config, now, rows);
          return rows.map((r) => ({ ...toView(r, principal), clock: clocks.get(r.id) ?? null }));
        };
        const and: Prisma.CaseWhereInput[] = [];
        const scope = caseScope(principal);
        if (scope) and.push(scope);
        if (query.status) and.push({ status: query.status });
        if (query.categoryCode) and.push({ categoryCode: query.categoryCode });
        if (query.departmentId) and.push({ departmentId: query.departmentId });
        if (query.gridCode) and.push({ gridCode: query.gridCode });
        if (query.source) and.push({ source: query.source });
        if (query.from) and.push({ reportedAt: { gte: new Date(query.from) } });
        if (query.to) and.push({ reportedAt: { lt: new Date(query.to) } });
        if (query.overdue) and.push(overdueWhere(now, query.overdue === 'true'));
        const cursor = query.cursor ? decodeCursor(query.cursor) : null;
        if (query.q && CASE_NO.test(query.q)) and.push({ caseNo: query.q.toUpperCase() });
        else if (query.q) {
          const terms = queryTerms(query.q);
          if (terms.length === 0) {
            throw validationError('nothing to search for', [
              { field: 'query.q', message: 'no letters, digits or Chinese characters' },
            ]);
          }
          const found = await searchCases(prisma, terms, and, cursor, query.limit);
          return {
            items: await withClocks(found.rows),
            nextCursor: found.next ? encodeCursor(found.next) : null,
          };
        }
        if (cursor) {
          and.push({
            OR: [
              { createdAt: { lt: cursor.createdAt } },
              { createdAt: cursor.createdAt, id: { lt: cursor.id } },
            ],
          });
        }
        const rows = await prisma.case.findMany({
          where: { AND: and },
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          take: query.limit + 1,
        });
        const page = rows.slice(0, query.limit);
        return {
          items: await withClocks(page),
          nextCursor: rows.length > query.limit ? encodeCursor(page.at(-1)!) : null,
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/cases/:id',
      summary: 'One case with its timeline and attachments',
      tags: ['cases'],
      access: 'authenticated',
      params: z.object({ id: z.string() }),
      responses: { 200: { description: 'The case', schema: detailSchema } },
      handler: async ({ params, principal }) => {
        const scope = caseScope(principal);
        // Another department's case answers 404, so ids cannot be probed.
        const row = await prisma.case.findFirst({
          where: { AND: [{ id: params.id }, ...(scope ? [scope] : [])] },
          include: {
            events: { orderBy: [{ at: 'asc' }, { id: 'asc' }] },
            attachments: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
          },
        });
        if (!row) throw notFound(`case ${params.id}`);
        const { events, attachments: files, ...rest } = row;
        const clocks = await caseClocks(db, config, clock(), [rest]);
        return {
          ...toView(rest, principal),
          clock: clocks.get(rest.id) ?? null,
          attachments: files.map(toAttachmentView),
          timeline: events.map((e) => ({
            id: e.id,
            at: e.at.toISOString(),
            type: e.type,
            actorName: e.actorName,
            fromStatus: e.fromStatus,
            toStatus: e.toStatus,
            departmentId: e.departmentId,
            note: e.note,
            data: eventDataView(e.data),
          })),
          pendingRequests: pendingRequests(events),
        };
      },
    }),
  ];
}
