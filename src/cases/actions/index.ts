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
import type { Config } from '../../config.ts';
import { type Principal } from '../../auth/roles.ts';
import { defineRoute, type Route } from '../../api/route.ts';
import { type Case, type CaseEvent, type Db, isUniqueViolation } from '../../db/index.ts';
import { conflict, forbidden, notFound, unavailable, validationError } from '../../errors.ts';
import { type CaseEventType, EVENT_RULES, STATUS_LABELS } from '../lifecycle.ts';
import { type CaseMessage, type CasePublisher } from '../publish.ts';
import { inCaseTransaction, readCase, recordEvent } from '../state/index.ts';
import { eventDataView } from '../contact.ts';
import { referenceLookup } from '../../reference/lookup.ts';
import { type EngineQuery } from '../../incidents/engine-query.ts';
import { type AttachmentStore } from '../../attachments/store.ts';
import { type UploadedFile } from '../../api/multipart.ts';
import {
  type ActionSpec,
  CITY_WIDE,
  hasAny,
  type Holder,
  type Result,
  resultSchema,
  ruleLabel,
  SameKey,
} from './common.ts';
import { accept } from './accept.ts';
import { requestVerify } from './request-verify.ts';
import { merge } from './merge.ts';
import { verify } from './verify.ts';
import { register } from './register.ts';
import { voidCase } from './void.ts';
import { dispatch } from './dispatch.ts';
import { redispatch } from './redispatch.ts';
import { sign } from './sign.ts';
import { dispose } from './dispose.ts';
import { requestExtension } from './request-extension.ts';
import { requestReturn } from './request-return.ts';
import { requestSuspension } from './request-suspension.ts';
import { decideExtension } from './decide-extension.ts';
import { decideReturn } from './decide-return.ts';
import { decideSuspension } from './decide-suspension.ts';
import { resume } from './resume.ts';
import { locateAction } from './locate.ts';
import { check } from './check.ts';
import { callback } from './callback.ts';
import { handToEnforcement } from './hand-to-enforcement.ts';
import { inspect } from './inspect.ts';
import { orderRectification } from './order-rectification.ts';
import { reinspect } from './reinspect.ts';
import { recordPenalty } from './record-penalty.ts';

/** The action routes; `casePublisher` is needed for every action that publishes a message. */
export function caseActionRoutes({
  db,
  casePublisher,
  attachments,
  now: clock = () => new Date(),
  engineQuery,
  config,
}: {
  db: Db;
  /** GEOCODE_MIN_CONFIDENCE: the bar an address given to 定位修复 must clear. */
  config: Pick<Config, 'GEOCODE_MIN_CONFIDENCE'>;
  casePublisher?: CasePublisher;
  /** The engine's REST queries: where the procedure waits (actions with `waitsAt`); skipped without it. */
  engineQuery?: EngineQuery;
  /** Where photos go; without it the actions take JSON only. */
  attachments?: AttachmentStore;
  now?: () => Date;
}): Route[] {
  const { prisma } = db;
  const reference = referenceLookup(prisma);

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
    accept,
    requestVerify,
    merge,
    verify,
    register,
    voidCase,
    dispatch,
    redispatch,
    sign,
    dispose,
    requestExtension,
    requestReturn,
    requestSuspension,
    decideExtension,
    decideReturn,
    decideSuspension,
    resume,
    locateAction(config.GEOCODE_MIN_CONFIDENCE, prisma),
    check,
    callback,
    handToEnforcement,
    inspect,
    orderRectification,
    reinspect,
    recordPenalty,
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

  /**
   * 409 when the case's procedure is stopped by an incident or parked at a wait other than `waitsAt`.
   * Returns the case row it read (the action's transaction starts from it: its version is checked at
   * the write, so a change in between re-runs the transaction on a fresh read).
   */
  async function checkProcedureWaits(
    spec: { name: string; events: CaseEventType[]; waitsAt?: readonly string[] },
    id: string,
  ): Promise<Case | undefined> {
    if (!spec.waitsAt || !engineQuery) return undefined;
    const row = await prisma.case.findUnique({ where: { id } });
    if (!row?.processInstanceKey) return row ?? undefined;
    // A status the action is not allowed in is the lifecycle's 409 (with who moved the case there).
    const allowed = spec.events.flatMap((t) => EVENT_RULES[t].from ?? []) as string[];
    if (!allowed.includes(row.status)) return row;
    const key = row.processInstanceKey;
    let incidents, active;
    try {
      active = await engineQuery.searchElementInstances({
        filter: { processInstanceKey: key, state: 'ACTIVE' },
        page: { limit: 100 },
      });
    } catch {
      return row; // the engine's query API is away: the lifecycle's checks still hold
    }
    const waiting = active.items.filter((e) => WAITS.has(e.type));
    // Waiting where the action goes on: allowed whatever else the instance does, so the incidents are
    // asked only otherwise (one engine query per action instead of two on the usual path).
    if (waiting.some((e) => spec.waitsAt!.includes(e.elementId))) return row;
    try {
      incidents = await engineQuery.searchIncidents({
        filter: { processInstanceKey: key, state: 'ACTIVE' },
        page: { limit: 10 },
      });
    } catch {
      return row;
    }
    const stuck = incidents.items[0];
    const other = waiting[0];
    if (!stuck && !other) return row;
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

  async function run<S extends z.ZodType, P>(
    spec: ActionSpec<S, P>,
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
    let first = await checkProcedureWaits(spec, id);
    // Earlier messages of the case first: the engine gets them in the order they were recorded.
    if (casePublisher && (await casePublisher.pending(id))) {
      await casePublisher.flush(id);
      first = undefined;
    }
    const prepared = (spec.prepare ? await spec.prepare(req.body) : undefined) as P;
    // Files first, rows second (as for reports): a refused action leaves files no row counts, which the
    // attachment store's sweep removes.
    const photos = req.files.length && attachments && spec.photos ? await attachments.place(req.files) : [];

    try {
      const done = await inCaseTransaction(
        prisma,
        async (tx) => {
          // The row read before (first attempt only; a re-run after StaleCase reads afresh).
          const row = first ?? (await readCase(tx, id));
          first = undefined;
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
          const plan = await spec.plan({
            tx,
            reference: reference.within(tx),
            prepared,
            row,
            body: req.body,
            principal,
            now,
            events,
          });
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
          let written: Case | undefined;
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
            written = recorded.row;
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
            // The row as the writer returned it (nothing after the event writes the case row).
            row: written ?? (await tx.case.findUniqueOrThrow({ where: { id } })),
            event,
            message,
            attachmentIds: stored.map((a) => a.id),
          };
        },
        { attempts: 6, exhausted: () => conflict(`case ${id} kept changing; reload it and retry`) },
      );
      // Earlier messages went before the transaction: this one is the case's next (no read for it).
      if (done.message) await casePublisher!.flush(id, [done.message.row]);
      const messageId = done.message?.messageId ?? null;
      return { result: view(done.row, done.event, messageId, done.attachmentIds), replay: false };
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
