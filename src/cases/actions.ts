/**
 * The role actions of the case REST API: `POST /api/cases/:id/actions/<action>` (src/cases/README.md
 * lists them with roles, bodies, events and messages).
 *
 * Every action runs the same steps (processes/README.md, "People act through the hub"):
 * 1. messages of this case still waiting for the engine are sent first, so the engine gets a case's
 *    messages in the order they were recorded (503, nothing written, when the engine is away);
 * 2. one transaction reads the case, checks the caller (role by the route, department by the case),
 *    validates the action against the lifecycle (`applyEvent`: 409 naming the status and the action) and
 *    the procedure (a decision needs a pending request, 立案 of a public report needs its 核实 …),
 *    updates the row only if its `version` is still the one read (optimistic lock: of two dispatchers
 *    acting at once exactly one wins; the other's transaction is re-run against the new state and gets
 *    the 409), writes the timeline event with who/when/free text, closes open 督办 items the action
 *    makes moot, and writes the message's outbox row (src/cases/publish.ts);
 * 3. the message is published; if the engine does not take it the answer is 503 and the outbox relay
 *    re-sends it (a retry of the request, with or without the same Idempotency-Key, is safe).
 *
 * Idempotency-Key (optional header): the event is stored with dedupeKey `api:<user id>:<key>`; a request
 * repeating a key answers 200 with what the first one recorded (and sends its message if still pending).
 */
import { z } from 'zod';
import type { Role, Principal } from '../auth/roles.ts';
import { defineRoute, type Route } from '../api/route.ts';
import { isUniqueViolation, type Case, type CaseEvent, type Db, type Prisma } from '../db/index.ts';
import { conflict, forbidden, notFound, unavailable, validationError } from '../errors.ts';
import { SOURCE_NEEDS_VERIFY } from '../../workers/intake.ts';
import {
  CASE_STATUSES,
  EVENT_RULES,
  FINAL_STATUSES,
  STATUS_LABELS,
  type CaseEventType,
} from './lifecycle.ts';
import type { CaseMessage, CasePublisher } from './publish.ts';
import { ENFORCEMENT_STAGE_LABELS, enforcementStage, type EnforcementStage } from '../enforcement/stage.ts';
import { inCaseTransaction, readCase, recordCallback, recordEvent, type EventInput } from './state/index.ts';
import { eventSchema } from './routes.ts';
import { eventDataView } from './contact.ts';
import type { EngineQuery } from '../operations/engine-query.ts';
import type { AttachmentKind, AttachmentStore } from '../attachments/store.ts';
import type { UploadedFile } from '../attachments/multipart.ts';

/** 受理员, 派遣员, 值班长: the command centre. */
const COMMAND: Role[] = ['acceptor', 'dispatcher', 'shift_leader'];
/** Who dispatches and decides a department's requests (domain.md: 派遣员; 值班长 stands in). */
const DISPATCHERS: Role[] = ['dispatcher', 'shift_leader'];
/** Who acts for a department: its handlers, and service accounts of department adapters. */
const DEPARTMENT: Role[] = ['department_handler', 'service'];
/** Roles whose holders act on any case; a department handler without one of them only on its unit's. */
const CITY_WIDE: Role[] = ['acceptor', 'dispatcher', 'shift_leader', 'field_supervisor', 'service'];

/**
 * Timeline events that end or restart the 承办处置 sub-process, cancelling its running request
 * sub-processes (延期/回退/挂账 申请): a request made before one of them is no longer pending.
 */
const ROUND_ENDS: readonly CaseEventType[] = [
  'dispatched',
  'redispatched',
  'reassigned',
  'returned',
  'suspended',
  'extension_approved',
  'disposed',
  'check_failed',
  'resumed',
  'voided',
];

const REQUESTS = {
  extension: { requested: 'extension_requested', rejected: 'extension_rejected', label: '延期' },
  return: { requested: 'return_requested', rejected: 'return_rejected', label: '回退' },
  suspension: { requested: 'suspension_requested', rejected: 'suspension_rejected', label: '挂账' },
} as const;
type RequestKind = keyof typeof REQUESTS;

const isoDateTime = z.string().datetime({ offset: true, message: 'an ISO 8601 date-time with offset' });
const text = (max: number) => z.string().trim().min(1).max(max);
const note = text(2000).optional().describe('free text shown on the timeline');

const resultSchema = z.object({
  caseId: z.string(),
  status: z.enum(CASE_STATUSES),
  departmentId: z.string().nullable(),
  version: z.number().int(),
  /** The timeline event the action recorded. */
  event: eventSchema,
  /** The engine message published for it (`<caseId>:<message>:<eventId>`), null for store-only actions. */
  messageId: z.string().nullable(),
  /** Photos stored with the event (multipart requests of dispose, check and verify). */
  attachmentIds: z.array(z.string()),
});
type Result = z.infer<typeof resultSchema>;

/** What an action decides to record, after its own checks. */
interface Plan {
  type: CaseEventType;
  note?: string | null;
  data?: Record<string, unknown>;
  /** CaseEvent.departmentId: the unit concerned (for dispatches, the unit that now holds the case). */
  departmentId?: string | null;
  caseUpdate?: Prisma.CaseUncheckedUpdateManyInput;
  /** The message to publish once recorded (eventId added by the runner). */
  message?: Omit<CaseMessage, 'caseId' | 'eventId'>;
  /** Close the case's open 督办 items (the escalation instance is cancelled by the action). */
  supersedeEscalations?: boolean;
  /**
   * Records the event itself through the case-state writer instead of `recordEvent` (回访:
   * `recordCallback`, which also reopens the case after a 不满意); gets the event's common fields.
   */
  write?: (tx: Prisma.TransactionClient, event: Omit<EventInput, 'type' | 'caseId'>) => Promise<CaseEvent>;
}

interface PlanInput<B> {
  tx: Prisma.TransactionClient;
  row: Case;
  body: B;
  principal: Principal;
  now: Date;
  events: () => Promise<CaseEvent[]>;
}

/** How a department handler is tied to the case: holds it, or is the sub-centre it went through. */
type Holder = 'holder' | 'subcenter' | 'none';

interface ActionSpec<S extends z.ZodType> {
  name: string;
  /** The event types the action may record (the up-front status check allows the union of their statuses). */
  events: CaseEventType[];
  summary: string;
  description?: string;
  access: Role[];
  holder: Holder;
  body: S;
  /**
   * The procedure's waits that take this action's message (e.g. 立案审核 for 立案). While the instance is
   * parked at another wait, or stopped by an incident (an address that names no grid cell stops at
   * 定位), the action is refused with a 409 naming the step it waits at, instead of being recorded
   * while the procedure cannot follow. A job still running before the wait is no refusal: the message
   * is buffered until the wait opens.
   */
  waitsAt?: readonly string[];
  /** The action also takes multipart/form-data with photos in `photos`, stored as attachments of this kind. */
  photos?: AttachmentKind;
  plan(input: PlanInput<z.output<S>>): Promise<Plan> | Plan;
}

const ruleLabel = (type: string) =>
  Object.hasOwn(EVENT_RULES, type) ? EVENT_RULES[type as CaseEventType].label : type;

/** The Idempotency-Key's event was committed by a concurrent request meanwhile: answer with it. */
class SameKey extends Error {}

const hasAny = (principal: Principal, roles: readonly Role[]) =>
  principal.roles.some((r) => roles.includes(r));

const notAllowed = (row: Case, what: string, why: string) =>
  conflict(
    `${what} is not allowed for case ${row.caseNo} in status ${STATUS_LABELS[row.status]} (${row.status}): ${why}`,
    {
      status: row.status,
      action: what,
    },
  );

/** The pending request of a kind (the last one, not decided and not cancelled by a round end), if any. */
function pendingRequest(events: CaseEvent[], kind: RequestKind): CaseEvent | undefined {
  const { requested, rejected } = REQUESTS[kind];
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.type === requested) return e;
    if (e.type === rejected || (ROUND_ENDS as readonly string[]).includes(e.type)) return undefined;
  }
  return undefined;
}

/** A case whose source needs 核实 (hotline, public, video …) may be registered or voided only after it. */
async function requireVerified(input: PlanInput<unknown>, what: string) {
  const { row } = input;
  if (!SOURCE_NEEDS_VERIFY[row.source]) return;
  const events = await input.events();
  if (events.some((e) => e.type === 'verified')) return;
  throw notAllowed(
    row,
    what,
    `a ${row.source} report is verified on site (核实) first; its procedure waits for the 核实 result`,
  );
}

async function checkUnit(
  tx: Prisma.TransactionClient,
  field: string,
  id: string,
  kind: 'department' | 'subcenter',
) {
  const unit = await tx.department.findUnique({ where: { id } });
  if (!unit || !unit.active)
    throw validationError('unknown unit', [{ field, message: `no active department ${id}` }]);
  if (kind === 'subcenter' && unit.kind !== 'street_center')
    throw validationError('not a sub-centre', [
      {
        field,
        message: `${unit.code} ${unit.name} is not a street/town sub-centre (assigneeType subcenter)`,
      },
    ]);
  if (kind === 'department' && unit.kind === 'street_center')
    throw validationError('a sub-centre', [
      { field, message: `${unit.code} ${unit.name} is a street/town sub-centre: use assigneeType subcenter` },
    ]);
  return unit;
}

const requestBody = z.object({ reason: text(1000).describe('why the department asks'), note }).strict();
const decisionBody = z
  .object({
    approved: z.boolean(),
    reason: text(1000).optional().describe('why (shown to the department)'),
  })
  .strict();

/** Department asks 延期 / 回退 / 挂账. */
function requestAction(
  kind: RequestKind,
  name: string,
  message: CaseMessage['name'],
  extra: z.ZodRawShape = {},
) {
  const { label, requested } = REQUESTS[kind];
  return action({
    name,
    events: [requested],
    summary: `Ask for ${label} (申请${label}); the dispatcher decides`,
    access: DEPARTMENT,
    holder: 'holder',
    body: requestBody.extend(extra),
    plan: async (input) => {
      await refuseInEnforcement(input.row, `申请${label}`, input.events);
      const events = await input.events();
      if (pendingRequest(events, kind))
        throw notAllowed(
          input.row,
          `申请${label}`,
          `a ${label} request is already waiting for the dispatcher`,
        );
      const {
        reason,
        note: n,
        ...data
      } = input.body as { reason: string; note?: string } & Record<string, unknown>;
      if (typeof data.requestedDeadline === 'string' && !(new Date(data.requestedDeadline) > input.now))
        throw validationError('deadline in the past', [
          { field: 'body.requestedDeadline', message: 'must lie in the future' },
        ]);
      return {
        type: requested,
        note: n ? `${reason}\n${n}` : reason,
        data: { reason, ...data },
        departmentId: input.row.departmentId,
        message: { name: message },
      };
    },
  });
}

function action<S extends z.ZodType>(spec: ActionSpec<S>): ActionSpec<S> {
  return spec;
}

/**
 * A department's disposal and requests have no wait in the enforcement procedure: a case handed to
 * enforcement is 处置中 at that unit, but only its officers' 执法通 steps move it.
 */
async function refuseInEnforcement(row: Case, what: string, events: () => Promise<CaseEvent[]>) {
  if (enforcementStage(await events()))
    throw notAllowed(row, what, 'the case is with the enforcement procedure (执法通)');
}

/** Who acts in 执法通: the officers of the enforcement unit holding the case. */
const ENFORCEMENT: Role[] = ['law_enforcement'];

/** An officer's step in the enforcement procedure: allowed only when the procedure waits for it. */
function enforcementAction<S extends z.ZodType>(spec: {
  name: string;
  stage: EnforcementStage;
  event: CaseEventType;
  summary: string;
  body: S;
  photos?: AttachmentKind;
  plan(body: z.output<S>): Pick<Plan, 'note' | 'data' | 'message'>;
}): ActionSpec<S> {
  return action({
    name: spec.name,
    events: [spec.event],
    summary: spec.summary,
    access: ENFORCEMENT,
    holder: 'holder',
    body: spec.body,
    photos: spec.photos,
    plan: async ({ row, body, events }) => {
      const stage = enforcementStage(await events());
      if (stage !== spec.stage)
        throw notAllowed(
          row,
          `${EVENT_RULES[spec.event].label} (${spec.name})`,
          stage
            ? `the enforcement procedure waits for ${ENFORCEMENT_STAGE_LABELS[stage]}`
            : 'the case is not being handled by an enforcement unit',
        );
      return { type: spec.event, departmentId: row.departmentId, ...spec.plan(body) };
    },
  });
}

/** The action routes; `casePublisher` is needed for every action that publishes a message. */
export function caseActionRoutes({
  db,
  casePublisher,
  attachments,
  now: clock = () => new Date(),
  engineQuery,
}: {
  db: Db;
  casePublisher?: CasePublisher;
  /** The engine's REST queries: where the procedure waits (actions with `waitsAt`); skipped without it. */
  engineQuery?: EngineQuery;
  /** Where photos go; without it the actions take JSON only. */
  attachments?: AttachmentStore;
  now?: () => Date;
}): Route[] {
  const { prisma } = db;

  /** The caller's tie to the case: 404 for a case a department handler may not see, 403 when not its to act on. */
  function checkDepartment(principal: Principal, row: Case, holder: Holder) {
    if (hasAny(principal, CITY_WIDE)) return;
    const dept = principal.departmentId;
    if (!dept || (row.departmentId !== dept && row.subCenterId !== dept)) throw notFound(`case ${row.id}`);
    if (holder === 'holder' && row.departmentId !== dept)
      throw forbidden(`case ${row.caseNo} is held by another unit, not by your department`);
    if (holder === 'subcenter' && row.subCenterId !== dept)
      throw forbidden(`case ${row.caseNo} was not dispatched through your sub-centre`);
  }

  const ACTIONS = [
    action({
      name: 'accept',
      events: ['accepted'],
      summary: 'Accept a report (受理)',
      description:
        'Store-only: the procedure records 受理 itself when no one did (hub.case.intake); no message.',
      access: COMMAND,
      holder: 'none',
      body: z.object({ note }).strict(),
      plan: ({ body, now }) => ({ type: 'accepted', note: body.note, caseUpdate: { acceptedAt: now } }),
    }),
    action({
      name: 'request-verify',
      events: ['verify_requested'],
      summary: 'Send a 核实 task to the grid supervisor (派发核实)',
      description:
        'Store-only: the procedure sends 核实 for hotline, public, video, Open311 and other reports (hub.verify.assign); ' +
        'other sources go straight to 立案, so this answers 409 for them.',
      access: COMMAND,
      holder: 'none',
      body: z
        .object({
          supervisorId: z
            .string()
            .min(1)
            .optional()
            .describe('the field supervisor chosen at the desk (default: the grid cell’s supervisor)'),
          note,
        })
        .strict(),
      plan: async ({ tx, row, body }) => {
        if (!SOURCE_NEEDS_VERIFY[row.source])
          throw notAllowed(
            row,
            '派发核实 (request-verify)',
            `the procedure of a ${row.source} report has no 核实 step`,
          );
        if (body.supervisorId) {
          const user = await tx.user.findFirst({
            where: { id: body.supervisorId, active: true, roles: { some: { role: 'field_supervisor' } } },
            select: { id: true },
          });
          if (!user)
            throw validationError('not a supervisor', [
              { field: 'body.supervisorId', message: `no active field supervisor ${body.supervisorId}` },
            ]);
        }
        // hub.verify.assign gives the task to the supervisor named here (workers/verify.ts).
        return {
          type: 'verify_requested',
          note: body.note,
          data: body.supervisorId ? { supervisorId: body.supervisorId } : undefined,
        };
      },
    }),
    action({
      name: 'merge',
      events: ['merged'],
      summary: 'Merge a duplicate report into an open case (合并); the report ends as merged',
      description:
        'The report is marked merged (voided, with a link to the surviving case in mergedIntoId and the reason); ' +
        'its procedure ends through its current wait: a report that waits for 核实 gets the 核实 result false with ' +
        'the merge as the reason, any other gets 作废. The surviving case is not changed.',
      access: COMMAND,
      holder: 'none',
      body: z.object({ intoId: z.string().min(1).describe('the case that stays'), note }).strict(),
      plan: async ({ tx, row, body, now }) => {
        if (body.intoId === row.id)
          throw validationError('merge into itself', [
            { field: 'body.intoId', message: 'a case cannot be merged into itself' },
          ]);
        const into = await tx.case.findUnique({ where: { id: body.intoId } });
        if (!into)
          throw validationError('unknown case', [
            { field: 'body.intoId', message: `no case ${body.intoId}` },
          ]);
        if (FINAL_STATUSES.includes(into.status) || into.mergedIntoId)
          throw validationError('not open', [
            {
              field: 'body.intoId',
              message: `${into.caseNo} is ${STATUS_LABELS[into.status]}: merge into an open case`,
            },
          ]);
        const reason = `重复上报，合并到 ${into.caseNo}`;
        return {
          type: 'merged',
          note: body.note ? `${reason}\n${body.note}` : reason,
          data: { mergedInto: into.id, mergedIntoNo: into.caseNo },
          caseUpdate: { mergedIntoId: into.id, voidedAt: now, voidReason: reason },
          // The wait the procedure is in (or will reach): 核实 for sources that need it, else 立案审核.
          message: SOURCE_NEEDS_VERIFY[row.source]
            ? { name: 'case.verified', variables: { verifyResult: 'false', voidReason: reason } }
            : { name: 'case.voided', variables: { voidReason: reason } },
          supersedeEscalations: true,
        };
      },
    }),
    action({
      name: 'verify',
      events: ['verified', 'voided', 'self_handled'],
      photos: 'evidence',
      summary: 'Submit the 核实 result (confirmed, false with a reason, or selfHandled)',
      access: ['field_supervisor'],
      holder: 'none',
      body: z
        .object({
          result: z.enum(['confirmed', 'false', 'selfHandled']),
          reason: text(1000).optional().describe('required when result is false (不属实)'),
          note,
        })
        .strict()
        .refine((b) => b.result !== 'false' || b.reason !== undefined, {
          message: 'a false report needs a reason',
          path: ['reason'],
        }),
      plan: ({ row, body, now }) => {
        if (row.status !== 'verifying')
          throw notAllowed(row, '核实 (verify)', 'no 核实 is running; allowed in: verifying');
        if (body.result === 'false') {
          return {
            type: 'voided',
            note: body.note ? `${body.reason}\n${body.note}` : body.reason,
            data: { verifyResult: 'false' },
            caseUpdate: { verifiedAt: now, voidedAt: now, voidReason: body.reason },
            message: { name: 'case.verified', variables: { verifyResult: 'false', voidReason: body.reason } },
          };
        }
        if (body.result === 'selfHandled') {
          return {
            type: 'self_handled',
            note: body.note,
            data: { verifyResult: 'selfHandled' },
            caseUpdate: { verifiedAt: now, disposedAt: now },
            message: { name: 'case.verified', variables: { verifyResult: 'selfHandled' } },
          };
        }
        return {
          type: 'verified',
          note: body.note,
          data: { verifyResult: 'confirmed' },
          caseUpdate: { verifiedAt: now },
          message: { name: 'case.verified', variables: { verifyResult: 'confirmed' } },
        };
      },
    }),
    action({
      name: 'register',
      waitsAt: ['ebg_register'],
      events: ['registered'],
      summary: 'Register the case (立案), optionally correcting category and urgency',
      access: COMMAND,
      holder: 'none',
      body: z
        .object({
          categoryCode: z
            .string()
            .regex(/^\d{4}$/, 'a 4-digit minor category code')
            .optional(),
          urgency: z.enum(['normal', 'urgent', 'critical']).optional(),
          note,
        })
        .strict(),
      plan: async (input) => {
        const { row, body, tx, now } = input;
        await requireVerified(input, '立案 (register)');
        const corrected: Record<string, { from: string; to: string }> = {};
        if (body.categoryCode && body.categoryCode !== row.categoryCode) {
          const category = await tx.category.findUnique({
            where: { kind_code: { kind: row.categoryKind, code: body.categoryCode } },
          });
          if (!category?.active)
            throw validationError('unknown category', [
              {
                field: 'body.categoryCode',
                message: `no active ${row.categoryKind} category ${body.categoryCode}`,
              },
            ]);
          corrected.categoryCode = { from: row.categoryCode, to: body.categoryCode };
        }
        if (body.urgency && body.urgency !== row.urgency)
          corrected.urgency = { from: row.urgency, to: body.urgency };
        return {
          type: 'registered',
          note: body.note,
          data: Object.keys(corrected).length ? { corrected } : undefined,
          caseUpdate: {
            registeredAt: now,
            ...(corrected.categoryCode ? { categoryCode: body.categoryCode } : {}),
            ...(corrected.urgency ? { urgency: body.urgency } : {}),
          },
          message: { name: 'case.registered' },
        };
      },
    }),
    action({
      name: 'void',
      waitsAt: ['ebg_register', 'ebg_dispatch'],
      events: ['voided'],
      summary: 'Void the case (作废) before dispatch, with a reason',
      description:
        'Allowed while the case waits for 立案 or for dispatch. A public report is voided by its 核实 result ' +
        '(verify with result false); a dispatched case by a 督办 decision.',
      access: COMMAND,
      holder: 'none',
      body: z.object({ reason: text(1000), note }).strict(),
      plan: async (input) => {
        const { row, body, now } = input;
        if (!['reported', 'accepted', 'registered'].includes(row.status))
          throw notAllowed(
            row,
            '作废 (void)',
            'the procedure takes a void only while the case waits for 立案 or dispatch; allowed in: reported, accepted, registered',
          );
        await requireVerified(input, '作废 (void)');
        return {
          type: 'voided',
          note: body.note ? `${body.reason}\n${body.note}` : body.reason,
          caseUpdate: { voidedAt: now, voidReason: body.reason },
          message: { name: 'case.voided', variables: { voidReason: body.reason } },
          supersedeEscalations: true,
        };
      },
    }),
    action({
      name: 'dispatch',
      waitsAt: ['ebg_dispatch'],
      events: ['dispatched'],
      summary: 'Dispatch (派遣) to a department or a street/town sub-centre',
      access: DISPATCHERS,
      holder: 'none',
      body: z
        .object({
          assigneeType: z.enum(['department', 'subcenter']),
          assigneeId: z.string().min(1),
          note,
        })
        .strict(),
      plan: async ({ tx, body, now }) => {
        await checkUnit(tx, 'body.assigneeId', body.assigneeId, body.assigneeType);
        const { assigneeType, assigneeId } = body;
        return {
          type: 'dispatched',
          note: body.note,
          departmentId: assigneeId,
          data: { assigneeType, assigneeId },
          caseUpdate: {
            departmentId: assigneeId,
            subCenterId: assigneeType === 'subcenter' ? assigneeId : null,
            dispatchedAt: now,
            signedAt: null,
          },
          message: { name: 'case.dispatched', variables: { assigneeType, assigneeId } },
        };
      },
    }),
    action({
      name: 'redispatch',
      events: ['redispatched'],
      summary: 'A sub-centre dispatches the case to one of its own units (二级派遣)',
      access: ['department_handler', ...DISPATCHERS],
      holder: 'subcenter',
      body: z.object({ assigneeId: z.string().min(1), note }).strict(),
      plan: async ({ tx, row, body, now }) => {
        if (!row.subCenterId)
          throw notAllowed(row, '二级派遣 (redispatch)', 'the case was not dispatched through a sub-centre');
        const unit = await checkUnit(tx, 'body.assigneeId', body.assigneeId, 'department');
        if (unit.parentId !== row.subCenterId)
          throw validationError('not a unit of the sub-centre', [
            {
              field: 'body.assigneeId',
              message: `${unit.code} ${unit.name} is not one of the sub-centre's own units`,
            },
          ]);
        return {
          type: 'redispatched',
          note: body.note,
          departmentId: unit.id,
          data: { assigneeType: 'department', assigneeId: unit.id },
          caseUpdate: { departmentId: unit.id, dispatchedAt: now, signedAt: null },
          message: {
            name: 'case.redispatched',
            variables: { assigneeType: 'department', assigneeId: unit.id },
          },
          supersedeEscalations: true,
        };
      },
    }),
    action({
      name: 'sign',
      events: ['signed'],
      summary: 'Sign for the case (签收)',
      access: DEPARTMENT,
      holder: 'holder',
      body: z.object({ note }).strict(),
      plan: ({ row, body, now }) => ({
        type: 'signed',
        note: body.note,
        departmentId: row.departmentId,
        caseUpdate: { signedAt: now },
        message: { name: 'case.signed', variables: { signedAt: now.toISOString() } },
        supersedeEscalations: true,
      }),
    }),
    action({
      name: 'dispose',
      events: ['disposed'],
      summary: 'Report the disposal (处置反馈) with a note and photos',
      photos: 'disposal',
      access: DEPARTMENT,
      holder: 'holder',
      body: z.object({ note: text(4000).describe('what was done') }).strict(),
      plan: async ({ row, body, now, events }) => {
        await refuseInEnforcement(row, '处置反馈 (dispose)', events);
        return {
          type: 'disposed',
          note: body.note,
          departmentId: row.departmentId,
          caseUpdate: { disposedAt: now },
          message: { name: 'case.disposed', variables: { disposedAt: now.toISOString() } },
          supersedeEscalations: true,
        };
      },
    }),
    requestAction('extension', 'request-extension', 'case.extensionRequested', {
      requestedDeadline: isoDateTime.describe('the deadline the department asks for'),
    }),
    requestAction('return', 'request-return', 'case.returnRequested'),
    requestAction('suspension', 'request-suspension', 'case.suspensionRequested'),
    action({
      name: 'decide-extension',
      events: ['extension_approved', 'extension_rejected'],
      summary: 'Approve or reject the pending 延期 request',
      access: DISPATCHERS,
      holder: 'none',
      body: decisionBody.extend({
        newDeadline: isoDateTime
          .optional()
          .describe('when approving: the deadline granted (default: the one asked for)'),
      }),
      plan: async ({ row, body, now, events }) => {
        const request = pendingRequest(await events(), 'extension');
        if (!request)
          throw notAllowed(row, '延期审批 (decide-extension)', 'no 延期 request is waiting for a decision');
        if (!body.approved)
          return {
            type: 'extension_rejected',
            note: body.reason,
            departmentId: row.departmentId,
            message: { name: 'case.extensionDecided', variables: { extensionApproved: false } },
          };
        const newDeadline =
          body.newDeadline ??
          String((request.data as { requestedDeadline?: unknown } | null)?.requestedDeadline);
        if (!(new Date(newDeadline).getTime() > now.getTime()))
          throw validationError('deadline in the past', [
            { field: 'body.newDeadline', message: 'must lie in the future' },
          ]);
        return {
          type: 'extension_approved',
          note: body.reason,
          departmentId: row.departmentId,
          // step: the stage whose limit moves (the deadlines worker applies it to that step only):
          // not yet signed for → the sign-for limit, otherwise the disposal limit.
          data: {
            newDeadline: new Date(newDeadline).toISOString(),
            requestEventId: request.id,
            step: row.status === 'dispatched' ? 'sign' : 'dispose',
          },
          caseUpdate: { extensionCount: { increment: 1 } },
          message: { name: 'case.extensionDecided', variables: { extensionApproved: true } },
          supersedeEscalations: true,
        };
      },
    }),
    action({
      name: 'decide-return',
      events: ['returned', 'return_rejected'],
      summary: 'Approve (back to dispatch) or reject the pending 回退 request',
      access: DISPATCHERS,
      holder: 'none',
      body: decisionBody,
      plan: async ({ row, body, events }) => {
        const request = pendingRequest(await events(), 'return');
        if (!request)
          throw notAllowed(row, '回退审批 (decide-return)', 'no 回退 request is waiting for a decision');
        if (!body.approved)
          return {
            type: 'return_rejected',
            note: body.reason,
            departmentId: row.departmentId,
            message: { name: 'case.returnDecided', variables: { returnApproved: false } },
          };
        return {
          type: 'returned',
          note: body.reason,
          // The unit that sent it back: the assessment reads whose round ended.
          departmentId: row.departmentId,
          data: { requestEventId: request.id },
          // Back with the command centre until the next dispatch.
          caseUpdate: { departmentId: null, subCenterId: null, signedAt: null },
          message: { name: 'case.returnDecided', variables: { returnApproved: true } },
          supersedeEscalations: true,
        };
      },
    }),
    action({
      name: 'decide-suspension',
      events: ['suspended', 'suspension_rejected'],
      summary: 'Approve (挂账: the clock pauses) or reject the pending 挂账 request',
      access: DISPATCHERS,
      holder: 'none',
      body: decisionBody,
      plan: async ({ row, body, now, events }) => {
        const request = pendingRequest(await events(), 'suspension');
        if (!request)
          throw notAllowed(row, '挂账审批 (decide-suspension)', 'no 挂账 request is waiting for a decision');
        if (!body.approved)
          return {
            type: 'suspension_rejected',
            note: body.reason,
            departmentId: row.departmentId,
            message: { name: 'case.suspensionDecided', variables: { suspensionApproved: false } },
          };
        return {
          type: 'suspended',
          note: body.reason,
          departmentId: row.departmentId,
          data: { requestEventId: request.id },
          caseUpdate: { suspendedAt: now },
          message: { name: 'case.suspensionDecided', variables: { suspensionApproved: true } },
          supersedeEscalations: true,
        };
      },
    }),
    action({
      name: 'resume',
      events: ['resumed'],
      summary: 'Resume a suspended case (挂账恢复); its clock runs again',
      access: DISPATCHERS,
      holder: 'none',
      body: z.object({ note }).strict(),
      plan: ({ row, body, now }) => ({
        type: 'resumed',
        note: body.note,
        departmentId: row.departmentId,
        caseUpdate: row.suspendedAt
          ? {
              suspendedMinutes: {
                increment: Math.max(0, Math.round((now.getTime() - row.suspendedAt.getTime()) / 60_000)),
              },
            }
          : {},
        message: { name: 'case.resumed' },
      }),
    }),
    action({
      name: 'check',
      events: ['check_passed', 'check_failed'],
      photos: 'check',
      summary: 'Submit the 核查 result: passed (结案 follows) or failed (返工 to the same department)',
      access: ['field_supervisor'],
      holder: 'none',
      body: z.object({ result: z.enum(['passed', 'failed']), note }).strict(),
      plan: ({ row, body, now }) => ({
        type: body.result === 'passed' ? 'check_passed' : 'check_failed',
        note: body.note,
        departmentId: row.departmentId,
        caseUpdate: { checkedAt: now, ...(body.result === 'failed' ? { signedAt: null } : {}) },
        message: { name: 'case.checked', variables: { checkResult: body.result } },
      }),
    }),
    action({
      name: 'callback',
      events: ['callback'],
      summary: 'Record the 回访 result of a closed hotline case',
      access: ['acceptor', 'service'],
      holder: 'none',
      body: z
        .object({ satisfaction: z.enum(['satisfied', 'basic', 'unsatisfied', 'unreachable']), note })
        .strict(),
      plan: ({ row, body, now }) => {
        if (row.source !== 'hotline')
          throw notAllowed(row, '回访 (callback)', 'only hotline cases are called back');
        return {
          type: 'callback',
          note: body.note,
          message: { name: 'case.callbackDone', variables: { satisfaction: body.satisfaction } },
          // One 回访 per closing round; 不满意 → the same case goes back to the dispatcher (state/callback.ts).
          write: async (tx, event) => {
            const outcome = await recordCallback(tx, {
              ...event,
              row,
              satisfaction: body.satisfaction,
              // a millisecond after the 回访 it follows, so the timeline shows them in that order
              reopen: { at: new Date(now.getTime() + 1) },
            });
            if (outcome.status === 'already-recorded')
              throw notAllowed(row, '回访 (callback)', 'the 回访 is already recorded');
            return outcome.event;
          },
        };
      },
    }),
    // 执法通 (processes/README.md, `enforcement`): the hand-over and the officer's four steps.
    action({
      name: 'hand-to-enforcement',
      events: ['enforcement_handed'],
      summary: 'Hand the case to an enforcement unit (移交执法) instead of dispatching it',
      description:
        'For a repeat 占道经营, an illegal sign … : the enforcement procedure runs (现场检查, 责令整改, 复查, 处罚) ' +
        'and the case closes from it.',
      access: DISPATCHERS,
      holder: 'none',
      body: z
        .object({ assigneeId: z.string().min(1).describe('the enforcement unit'), reason: text(1000), note })
        .strict(),
      plan: async ({ tx, body, now }) => {
        await checkUnit(tx, 'body.assigneeId', body.assigneeId, 'department');
        return {
          type: 'enforcement_handed',
          note: body.note ? `${body.reason}\n${body.note}` : body.reason,
          departmentId: body.assigneeId,
          data: { assigneeId: body.assigneeId, reason: body.reason },
          // The unit holds it and works on it at once; no sign-for/disposal limit of case-disposal runs.
          caseUpdate: {
            departmentId: body.assigneeId,
            subCenterId: null,
            dispatchedAt: now,
            signedAt: now,
            signDeadline: null,
            disposeDeadline: null,
          },
          message: { name: 'case.enforcementHanded' },
        };
      },
    }),
    enforcementAction({
      name: 'inspect',
      stage: 'inspect',
      event: 'enforcement_inspected',
      summary: '现场检查: evidence photos and notes, whether the violation was found',
      body: z
        .object({
          violationFound: z.boolean().describe('false: nothing illegal found (or already gone) — 执法办结'),
          note: text(4000).describe('what the officer found'),
        })
        .strict(),
      photos: 'evidence',
      plan: (body) => ({
        note: body.note,
        data: { violationFound: body.violationFound },
        message: { name: 'enforcement.inspected', variables: { violationFound: body.violationFound } },
      }),
    }),
    enforcementAction({
      name: 'order-rectification',
      stage: 'order',
      event: 'rectification_ordered',
      summary: '责令整改: what to correct and in how many working days (default ENFORCEMENT_RECTIFY_DAYS)',
      body: z
        .object({
          requirement: text(2000).describe('整改要求'),
          periodDays: z.number().int().min(1).max(90).optional().describe('working days to correct'),
          note,
        })
        .strict(),
      plan: (body) => ({
        note: body.note ? `${body.requirement}\n${body.note}` : body.requirement,
        data: { requirement: body.requirement, ...(body.periodDays ? { periodDays: body.periodDays } : {}) },
        message: { name: 'enforcement.ordered' },
      }),
    }),
    enforcementAction({
      name: 'reinspect',
      stage: 'reinspect',
      event: 'reinspected',
      summary: '复查: corrected (执法办结) or notCorrected (处罚决定 follows), with photos',
      body: z.object({ result: z.enum(['corrected', 'notCorrected']), note: text(4000) }).strict(),
      photos: 'evidence',
      plan: (body) => ({
        note: body.note,
        data: { result: body.result },
        message: { name: 'enforcement.reinspected', variables: { reinspectResult: body.result } },
      }),
    }),
    enforcementAction({
      name: 'record-penalty',
      stage: 'penalty',
      event: 'penalty_decided',
      summary: '处罚决定: the decision number (行政处罚决定书文号)',
      body: z.object({ decisionNo: text(100), note }).strict(),
      plan: (body) => ({
        note: body.note ? `${body.decisionNo}\n${body.note}` : body.decisionNo,
        data: { decisionNo: body.decisionNo },
        message: { name: 'enforcement.penalized' },
      }),
    }),
  ];

  function view(
    row: Pick<Case, 'id' | 'status' | 'departmentId' | 'version'>,
    event: CaseEvent,
    messageId: string | null,
    attachmentIds: string[],
  ): Result {
    return {
      caseId: row.id,
      status: row.status,
      departmentId: row.departmentId,
      version: row.version,
      event: {
        id: event.id,
        at: event.at.toISOString(),
        type: event.type,
        actorName: event.actorName,
        fromStatus: event.fromStatus,
        toStatus: event.toStatus,
        departmentId: event.departmentId,
        note: event.note,
        data: eventDataView(event.data),
      },
      messageId,
      attachmentIds,
    };
  }

  async function messageIdOfEvent(event: CaseEvent) {
    const row = await prisma.outboxMessage.findFirst({
      where: { caseId: event.caseId, adapter: 'engine', dedupeKey: { endsWith: `:${event.id}` } },
      select: { dedupeKey: true },
    });
    return row?.dedupeKey ?? null;
  }

  /** Types of element instances at which a procedure is parked until something from outside arrives. */
  const WAITS = new Set(['RECEIVE_TASK', 'EVENT_BASED_GATEWAY', 'INTERMEDIATE_CATCH_EVENT', 'USER_TASK']);

  /** 409 when the case's procedure is stopped by an incident or parked at a wait other than `waitsAt`. */
  async function checkProcedureWaits(
    spec: { name: string; events: CaseEventType[]; waitsAt?: readonly string[] },
    id: string,
  ) {
    if (!spec.waitsAt || !engineQuery) return;
    const row = await prisma.case.findUnique({
      where: { id },
      select: { caseNo: true, processInstanceKey: true, status: true },
    });
    if (!row?.processInstanceKey) return;
    // A status the action is not allowed in is the lifecycle's 409 (with who moved the case there).
    const allowed = spec.events.flatMap((t) => EVENT_RULES[t].from ?? []) as string[];
    if (!allowed.includes(row.status)) return;
    const key = row.processInstanceKey;
    let incidents, active;
    try {
      [incidents, active] = await Promise.all([
        engineQuery.searchIncidents({
          filter: { processInstanceKey: key, state: 'ACTIVE' },
          page: { limit: 10 },
        }),
        engineQuery.searchElementInstances({
          filter: { processInstanceKey: key, state: 'ACTIVE' },
          page: { limit: 100 },
        }),
      ]);
    } catch {
      return; // the engine's query API is away: the lifecycle's checks still hold
    }
    const waiting = active.items.filter((e) => WAITS.has(e.type));
    if (waiting.some((e) => spec.waitsAt!.includes(e.elementId))) return;
    const stuck = incidents.items[0];
    const other = waiting[0];
    if (!stuck && !other) return;
    const elementId = stuck?.elementId ?? other!.elementId;
    let name = elementId;
    try {
      const pi = await engineQuery.processInstance(key);
      const xml = await engineQuery.processDefinitionXml(pi.processDefinitionKey);
      name = new RegExp(`id="${elementId}"[^>]*?name="([^"]*)"`).exec(xml)?.[1] ?? elementId;
    } catch {
      // the id names the step well enough
    }
    const label = EVENT_RULES[spec.events[0]!].label;
    throw conflict(
      `${label} (${spec.name}) is not possible for case ${row.caseNo} now: its procedure waits at ${name} (${elementId})` +
        (stuck ? `, stopped by an incident: ${stuck.errorMessage}` : ''),
      {
        status: row.status,
        action: `${label} (${spec.name})`,
        waitingAt: { elementId, name, incident: stuck ? stuck.errorMessage : null },
      },
    );
  }

  async function run<S extends z.ZodType>(
    spec: ActionSpec<S>,
    req: { id: string; body: z.output<S>; principal: Principal; key: string | null; files: UploadedFile[] },
  ): Promise<{ result: Result; replay: boolean }> {
    const { id, principal, key } = req;
    const dedupeKey = key ? `api:${principal.userId}:${key}` : null;
    if (dedupeKey) {
      const earlier = await prisma.caseEvent.findUnique({ where: { dedupeKey } });
      if (earlier) {
        if (earlier.caseId !== id || (earlier.data as { action?: unknown } | null)?.action !== spec.name)
          throw conflict(`Idempotency-Key ${key} was already used for another action`);
        if (casePublisher) await casePublisher.flush(id);
        const row = await prisma.case.findUniqueOrThrow({ where: { id } });
        const files = await prisma.attachment.findMany({
          where: { eventId: earlier.id },
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
          select: { id: true },
        });
        return {
          result: view(
            row,
            earlier,
            await messageIdOfEvent(earlier),
            files.map((f) => f.id),
          ),
          replay: true,
        };
      }
    }
    await checkProcedureWaits(spec, id);
    // Earlier messages of the case first: the engine gets them in the order they were recorded.
    if (casePublisher && (await casePublisher.pending(id))) await casePublisher.flush(id);
    // Files first, rows second (as for reports): a refused action leaves files no row counts, which the
    // attachment store's sweep removes.
    const photos = req.files.length && attachments && spec.photos ? await attachments.place(req.files) : [];

    try {
      const done = await inCaseTransaction(
        prisma,
        async (tx) => {
          const row = await readCase(tx, id);
          checkDepartment(principal, row, spec.holder);
          const now = clock();
          let cached: CaseEvent[] | undefined;
          const events = async () =>
            (cached ??= await tx.caseEvent.findMany({
              where: { caseId: id },
              orderBy: [{ at: 'asc' }, { id: 'asc' }],
            }));
          const suspendedFrom =
            row.status === 'suspended'
              ? ((await events()).filter((e) => e.type === 'suspended').at(-1)?.fromStatus ?? null)
              : null;
          // The lifecycle's verdict first, so a wrong status is a 409 naming status and action whatever the body says.
          const allowed = new Set(spec.events.flatMap((t) => EVENT_RULES[t].from ?? []));
          if (!allowed.has(row.status)) {
            // Someone acted first (or the procedure moved on): say who did what, so the desk can tell.
            const last = (await events()).findLast(
              (e) => e.toStatus === row.status && e.fromStatus !== e.toStatus,
            );
            const what = `${EVENT_RULES[spec.events[0]!].label} (${spec.name})`;
            const by = last
              ? `; ${last.actorName ?? '系统'} recorded ${ruleLabel(last.type)} (${last.type}) at ${last.at.toISOString()}`
              : '';
            throw conflict(
              `${what} is not allowed for case ${row.caseNo} in status ${STATUS_LABELS[row.status]} (${row.status}): allowed in: ${[...allowed].join(', ')}${by}`,
              {
                status: row.status,
                action: what,
                lastAction: last
                  ? {
                      type: last.type,
                      label: ruleLabel(last.type),
                      actorName: last.actorName,
                      at: last.at.toISOString(),
                    }
                  : null,
              },
            );
          }
          const plan = await spec.plan({ tx, row, body: req.body, principal, now, events });
          if (plan.message && !casePublisher) throw unavailable('the engine is not connected');
          const common = {
            row,
            at: now,
            actor: { userId: principal.userId, name: principal.displayName },
            departmentId: plan.departmentId ?? null,
            note: plan.note ?? null,
            data: { action: spec.name, ...plan.data },
            dedupeKey,
          };
          let event: CaseEvent;
          if (plan.write) event = await plan.write(tx, common);
          else {
            const recorded = (await recordEvent(tx, {
              ...common,
              caseId: id,
              type: plan.type,
              caseUpdate: plan.caseUpdate,
              suspendedFrom,
            }))!;
            if (recorded.duplicate) throw new SameKey();
            event = recorded.event;
          }
          if (plan.supersedeEscalations)
            await tx.escalation.updateMany({
              where: { caseId: id, status: 'open' },
              data: { status: 'superseded' },
            });
          const stored =
            photos.length && attachments && spec.photos
              ? await attachments.attach(tx, photos, {
                  caseId: id,
                  kind: spec.photos,
                  eventId: event.id,
                  uploadedBy: principal.userId,
                })
              : [];
          const message = plan.message
            ? await casePublisher!.enqueue(tx, {
                ...plan.message,
                caseId: id,
                eventId: event.id,
              } as CaseMessage)
            : null;
          return {
            row: await tx.case.findUniqueOrThrow({ where: { id } }),
            event,
            messageId: message?.messageId ?? null,
            attachmentIds: stored.map((a) => a.id),
          };
        },
        { attempts: 6, exhausted: () => conflict(`case ${id} kept changing; reload it and retry`) },
      );
      if (done.messageId) await casePublisher!.flush(id);
      return { result: view(done.row, done.event, done.messageId, done.attachmentIds), replay: false };
    } catch (err) {
      // The same Idempotency-Key sent twice at once: the loser answers with the winner's event.
      if (dedupeKey && (err instanceof SameKey || isUniqueViolation(err, ['dedupeKey'])))
        return run(spec, req);
      throw err;
    }
  }

  return ACTIONS.map((spec) =>
    defineRoute({
      method: 'POST',
      path: `/api/cases/:id/actions/${spec.name}`,
      summary: spec.summary,
      description:
        (spec.description ? spec.description + ' ' : '') +
        `Records ${spec.events.map((t) => `\`${t}\``).join(' or ')} on the timeline. ` +
        '409 when the case is not in a status that allows it; an optional `Idempotency-Key` header makes a retry answer 200 with the first result.',
      tags: ['case actions'],
      access: spec.access,
      params: z.object({ id: z.string() }),
      body: spec.body as z.ZodType,
      ...(spec.photos
        ? { multipart: { fileFields: ['photos'], description: `photos (${spec.photos})` } }
        : {}),
      responses: {
        200: { description: 'The case status after the action and the recorded event', schema: resultSchema },
      },
      handler: async ({ params, body, principal, ctx, files }) => {
        const raw = ctx.get('idempotency-key');
        if (raw !== '' && (raw.length > 200 || !/^[\x21-\x7e]+$/.test(raw)))
          throw validationError('invalid Idempotency-Key', [
            { field: 'headers.idempotency-key', message: 'up to 200 visible ASCII characters' },
          ]);
        const { result } = await run(spec, {
          id: params.id,
          body: body as never,
          principal,
          key: raw === '' ? null : raw,
          files,
        });
        return result;
      },
    }),
  );
}
