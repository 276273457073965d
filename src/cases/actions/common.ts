/**
 * What every role action shares (src/cases/actions/): the roles, the plan an action makes, the checks
 * (status, department, pending requests, 核实 first) and the builders of request and enforcement actions.
 */
import type { ReferenceLookup } from '../../reference/lookup.ts';
import { z } from 'zod';
import { type Principal, type Role } from '../../auth/roles.ts';
import { type Case, type CaseEvent, type Prisma } from '../../db/index.ts';
import { conflict, validationError } from '../../errors.ts';
import { SOURCE_NEEDS_VERIFY } from '../lifecycle.ts';
import { CASE_STATUSES, type CaseEventType, EVENT_RULES, STATUS_LABELS } from '../lifecycle.ts';
import { type CaseMessage } from '../publish.ts';
import {
  ENFORCEMENT_STAGE_LABELS,
  enforcementStage,
  type EnforcementStage,
} from '../../enforcement/stage.ts';
import { type EventInput } from '../state/index.ts';
import { REQUESTS, pendingRequest, type RequestKind } from '../requests.ts';

export { REQUESTS, ROUND_ENDS, pendingRequest, type RequestKind } from '../requests.ts';
import { eventSchema } from '../routes.ts';
import { type AttachmentKind } from '../../attachments/store.ts';

/** 受理员, 派遣员, 值班长: the command centre. */
export const COMMAND: Role[] = ['acceptor', 'dispatcher', 'shift_leader'];
/** Who dispatches and decides a department's requests (domain.md: 派遣员; 值班长 stands in). */
export const DISPATCHERS: Role[] = ['dispatcher', 'shift_leader'];
/** Who acts for a department: its handlers, and service accounts of department adapters. */
export const DEPARTMENT: Role[] = ['department_handler', 'service'];
/** Roles whose holders act on any case; a department handler without one of them only on its unit's. */
export const CITY_WIDE: Role[] = ['acceptor', 'dispatcher', 'shift_leader', 'field_supervisor', 'service'];

export const isoDateTime = z
  .string()
  .datetime({ offset: true, message: 'an ISO 8601 date-time with offset' });
export const text = (max: number) => z.string().trim().min(1).max(max);
export const note = text(2000).optional().describe('free text shown on the timeline');

export const resultSchema = z.object({
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
export type Result = z.infer<typeof resultSchema>;

/** What an action decides to record, after its own checks. */
export interface Plan {
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

export interface PlanInput<B, P = undefined> {
  tx: Prisma.TransactionClient;
  /** Categories and departments from memory (src/reference/lookup.ts), read through `tx` when not there. */
  reference: ReferenceLookup;
  /** What the action's `prepare` found before the transaction. */
  prepared: P;
  row: Case;
  body: B;
  principal: Principal;
  now: Date;
  events: () => Promise<CaseEvent[]>;
}

/** How a department handler is tied to the case: holds it, or is the sub-centre it went through. */
export type Holder = 'holder' | 'subcenter' | 'none';

export interface ActionSpec<S extends z.ZodType, P = undefined> {
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
  /**
   * Reads that need no case row and are kept in memory per hub client (the grid, the gazetteer), run
   * before the action's transaction: inside it only the transaction's client may be used (SQLite has one
   * connection; see src/db/sqlite-one-writer.ts). Its result reaches `plan` as `prepared`.
   */
  prepare?(body: z.output<S>): Promise<P>;
  plan(input: PlanInput<z.output<S>, P>): Promise<Plan> | Plan;
}

export const ruleLabel = (type: string) =>
  Object.hasOwn(EVENT_RULES, type) ? EVENT_RULES[type as CaseEventType].label : type;

/** The Idempotency-Key's event was committed by a concurrent request meanwhile: answer with it. */
export class SameKey extends Error {}

export const hasAny = (principal: Principal, roles: readonly Role[]) =>
  principal.roles.some((r) => roles.includes(r));

export const notAllowed = (row: Case, what: string, why: string) =>
  conflict(
    `${what} is not allowed for case ${row.caseNo} in status ${STATUS_LABELS[row.status]} (${row.status}): ${why}`,
    {
      status: row.status,
      action: what,
    },
  );

/** A case whose source needs 核实 (hotline, public, video …) may be registered or voided only after it. */
export async function requireVerified(input: PlanInput<unknown, unknown>, what: string) {
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

export async function checkUnit(
  reference: ReferenceLookup,
  field: string,
  id: string,
  kind: 'department' | 'subcenter',
) {
  const unit = await reference.department(id);
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

export const requestBody = z
  .object({ reason: text(1000).describe('why the department asks'), note })
  .strict();
export const decisionBody = z
  .object({
    approved: z.boolean(),
    reason: text(1000).optional().describe('why (shown to the department)'),
  })
  .strict();

/** Department asks 延期 / 回退 / 挂账. */
export function requestAction(
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

export function action<S extends z.ZodType, P = undefined>(spec: ActionSpec<S, P>): ActionSpec<S, P> {
  return spec;
}

/**
 * A department's disposal and requests have no wait in the enforcement procedure: a case handed to
 * enforcement is 处置中 at that unit, but only its officers' 执法通 steps move it.
 */
export async function refuseInEnforcement(row: Case, what: string, events: () => Promise<CaseEvent[]>) {
  if (enforcementStage(await events()))
    throw notAllowed(row, what, 'the case is with the enforcement procedure (执法通)');
}

/** Who acts in 执法通: the officers of the enforcement unit holding the case. */
export const ENFORCEMENT: Role[] = ['law_enforcement'];

/** An officer's step in the enforcement procedure: allowed only when the procedure waits for it. */
export function enforcementAction<S extends z.ZodType>(spec: {
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
