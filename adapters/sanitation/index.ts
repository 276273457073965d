/**
 * The 智慧环卫 (sanitation platform) adapter — adapters/sanitation/README.md.
 * In: device readings over MQTT, debounced into one case per device episode (mapping.ts); an "empty"
 * reading with a photo proposes closing the episode's case (scenario 5).
 * Out: a sanitation case dispatched to the sanitation department becomes a work order on the platform's
 * Camunda 7 engine (outbox kind `work_order`); the platform's crews sign for it, dispose of it and
 * return it through external tasks addressed to the hub, which the hub takes with
 * camunda-external-task-client-js and correlates back to the case (case.signed / case.disposed /
 * case.returnRequested).
 */
import { Client, Variables, type Task, type TaskService } from 'camunda-external-task-client-js';
import type { AttachmentStore } from '../../src/attachments/index.ts';
import { databaseOutage, type Prisma } from '../../src/db/index.ts';
import { HubError, notFound, validationError } from '../../src/errors.ts';
import { recordAdapterEvent } from '../case-events.ts';
import { createEvidenceSender, EVIDENCE_KIND, evidenceMessage } from '../evidence.ts';
import {
  PermanentDeliveryError,
  type Adapter,
  type AdapterDeps,
  type AdapterRuntime,
  type InboundEvent,
} from '../framework/types.ts';
import {
  debounce,
  emptyState,
  KIND_RULES,
  readingSchema,
  type DeviceState,
  type Reading,
} from './mapping.ts';
import { SANITATION_TOPICS, WORK_ORDER_PROCESS } from './simulator/index.ts';
import { createPlatformEngine, subscribeTelemetry } from './transport.ts';

export const SANITATION_ADAPTER = 'sanitation';
/** Shown as who acted on the timeline. */
const ACTOR = '智慧环卫平台';
const FINAL = ['closed', 'voided'];

export interface SanitationSettings {
  mqttUrl: string;
  topicPrefix: string;
  /** MQTT client id of the hub's persistent session (unique per hub deployment). */
  mqttClientId: string;
  /** the platform's Camunda 7 REST base, e.g. http://host:8080/engine-rest */
  engineUrl: string;
  /** seconds a reading must stay above threshold before a case opens */
  debounceSeconds: number;
  /** external-task worker id (Camunda 7 locks tasks per worker) */
  workerId: string;
  lockDurationMs: number;
  /** long polling of fetchAndLock */
  asyncResponseTimeoutMs: number;
  /** back-off the platform waits before offering a failed task again */
  retryTimeoutMs: number;
}

export interface SanitationDeps extends AdapterDeps {
  attachments: AttachmentStore;
  settings: SanitationSettings;
}

const BUSINESS_ERRORS: Record<number, string> = { 404: 'CASE_UNKNOWN', 409: 'CASE_STATE', 400: 'BAD_TASK' };

/**
 * The BPMN error code a crew's report that the hub could not record is answered with, or undefined when
 * the platform should offer the task again (handleFailure). Only a refusal is a business answer: an
 * unknown case, a report the case's state does not allow, a bad task. A retryable error — the case row
 * still changing after the inbox's re-runs (a 409 too), the database away — passes with time; before,
 * such a 409 ended the crew's task in CASE_STATE (the soak: one task).
 */
export function refusalCode(err: unknown): string | undefined {
  return err instanceof HubError && !err.retryable ? BUSINESS_ERRORS[err.status] : undefined;
}

/**
 * The retries a crew's task keeps after a failure that is no refusal: the case store's outage ends by
 * itself, so the task keeps them (as the hub's jobs do, workers/job.ts); anything else uses one up.
 */
export function retriesLeft(err: unknown, retries = 3): number {
  return databaseOutage(err) ? retries : Math.max(retries - 1, 0);
}

/**
 * The device's debounce state (a Cursor row of the adapter), read under the row's lock: the row is
 * written first (created empty, or its updatedAt touched), which holds its lock to the end of the
 * transaction, then read. Two readings of one device applied at once — the MQTT client reconnecting
 * after a failed message while its last handler still runs, a lease passing between hub processes —
 * take turns: on PostgreSQL (READ COMMITTED) both used to read the same state, and the later write
 * dropped the other's reading, so a bin over its threshold got no case (the soak: 6 of 118).
 */
async function loadState(tx: Prisma.TransactionClient, deviceId: string, now: Date): Promise<DeviceState> {
  const name = `device:${deviceId}`;
  const row = await tx.cursor.upsert({
    where: { adapter_name: { adapter: SANITATION_ADAPTER, name } },
    create: { adapter: SANITATION_ADAPTER, name, value: JSON.stringify(emptyState()) },
    update: { updatedAt: now },
  });
  return JSON.parse(row.value) as DeviceState;
}

async function saveState(tx: Prisma.TransactionClient, deviceId: string, state: DeviceState) {
  const value = JSON.stringify(state);
  await tx.cursor.upsert({
    where: { adapter_name: { adapter: SANITATION_ADAPTER, name: `device:${deviceId}` } },
    create: { adapter: SANITATION_ADAPTER, name: `device:${deviceId}`, value },
    update: { value },
  });
}

/** One reading as an inbound event (dedupe on the platform's message id). */
export function readingEvent(reading: Reading, debounceSeconds: number): InboundEvent {
  return {
    sourceId: reading.msgId,
    payload: reading,
    async apply(tx, ctx) {
      const rule = KIND_RULES[reading.kind];
      if (reading.metric !== rule.metric)
        throw validationError(`a ${reading.kind} reports metric ${rule.metric}`, [
          { field: 'metric', message: `expected ${rule.metric} for kind ${reading.kind}` },
        ]);
      const state = await loadState(tx, reading.deviceId, ctx.now);
      const open = state.caseId
        ? await tx.case.findUnique({ where: { id: state.caseId }, select: { status: true } })
        : null;
      const caseOpen = !!open && !FINAL.includes(open.status);
      const episodeCase = caseOpen ? state.caseId : null;
      const decision = debounce(state, reading, rule, debounceSeconds, caseOpen);
      let caseId: string | null;
      let note: string;
      if (decision.action === 'open') {
        const created = await ctx.createCase({
          source: 'sanitation',
          sourceRef: `${reading.deviceId}@${new Date(decision.episodeStart).toISOString()}`,
          categoryKind: 'event',
          categoryCode: rule.categoryCode,
          urgency: 'normal',
          description: `${rule.label}：设备 ${reading.deviceId} 读数 ${decision.peak}${rule.unit}，超过阈值 ${rule.threshold}${rule.unit} 持续 ${decision.spanSeconds} 秒`,
          address: reading.address ?? null,
          lng: reading.lng,
          lat: reading.lat,
        });
        state.caseId = created.id;
        state.episodeStart = decision.episodeStart;
        caseId = created.id;
        note = `case ${created.caseNo} opened`;
      } else if (decision.action === 'propose_close') {
        if (!episodeCase) throw new Error('propose_close without an open case');
        const dedupeKey = `${SANITATION_ADAPTER}:${reading.msgId}`;
        await recordAdapterEvent(tx, {
          caseId: episodeCase,
          type: 'close_proposed',
          actorName: `${ACTOR} (${reading.deviceId})`,
          at: ctx.now,
          dedupeKey,
          note: `设备读数 ${reading.value}${rule.unit}，已低于 ${rule.clearLevel}${rule.unit}，附照片，建议结案`,
          data: {
            deviceId: reading.deviceId,
            value: reading.value,
            readingAt: reading.at,
            photoUrl: reading.photoUrl,
          },
        });
        await ctx.enqueue(
          evidenceMessage(SANITATION_ADAPTER, {
            url: reading.photoUrl!,
            caseId: episodeCase,
            kind: 'evidence',
            eventDedupeKey: dedupeKey,
            fileName: `${reading.deviceId}-${reading.msgId}.jpg`,
          }),
        );
        caseId = episodeCase;
        note = 'closing proposed';
      } else {
        caseId = state.caseId;
        note = decision.why;
      }
      await saveState(tx, reading.deviceId, state);
      return { status: decision.action === 'none' ? 'ignored' : 'processed', caseId, note };
    },
  };
}

/** A crew's report (an external task of the platform) as an inbound event: dedupe on the task id. */
function taskEvent(task: Task): InboundEvent {
  const vars = task.variables.getAll();
  const caseId = String(task.businessKey ?? vars.caseId ?? '');
  const at = typeof vars.at === 'string' && !Number.isNaN(Date.parse(vars.at)) ? new Date(vars.at) : null;
  return {
    sourceId: `task:${task.id}`,
    payload: { topic: task.topicName, taskId: task.id, caseId, variables: vars },
    async apply(tx, ctx) {
      const row = await tx.case.findUnique({ where: { id: caseId }, select: { id: true } });
      if (!row) throw notFound(`case ${caseId}`);
      const when = at ?? ctx.now;
      const dedupeKey = `${SANITATION_ADAPTER}:task:${task.id}`;
      const crew = typeof vars.crew === 'string' ? ` (${vars.crew})` : '';
      if (task.topicName === SANITATION_TOPICS.signed) {
        const e = await recordAdapterEvent(tx, {
          caseId,
          type: 'signed',
          actorName: ACTOR + crew,
          at: when,
          dedupeKey,
          caseUpdate: { signedAt: when },
        });
        await ctx.publish({
          name: 'case.signed',
          caseId,
          eventId: e.id,
          variables: { signedAt: when.toISOString() },
        });
      } else if (task.topicName === SANITATION_TOPICS.disposed) {
        const e = await recordAdapterEvent(tx, {
          caseId,
          type: 'disposed',
          actorName: ACTOR + crew,
          at: when,
          dedupeKey,
          note: typeof vars.note === 'string' ? vars.note : null,
          caseUpdate: { disposedAt: when },
        });
        if (typeof vars.photoUrl === 'string' && vars.photoUrl)
          await ctx.enqueue(
            evidenceMessage(SANITATION_ADAPTER, {
              url: vars.photoUrl,
              caseId,
              kind: 'disposal',
              eventDedupeKey: dedupeKey,
              fileName: `disposal-${task.id}.jpg`,
            }),
          );
        await ctx.publish({
          name: 'case.disposed',
          caseId,
          eventId: e.id,
          variables: { disposedAt: when.toISOString() },
        });
      } else if (task.topicName === SANITATION_TOPICS.returned) {
        const e = await recordAdapterEvent(tx, {
          caseId,
          type: 'return_requested',
          actorName: ACTOR + crew,
          at: when,
          dedupeKey,
          note: typeof vars.reason === 'string' ? vars.reason : null,
        });
        await ctx.publish({ name: 'case.returnRequested', caseId, eventId: e.id });
      } else {
        throw validationError(`unknown topic ${task.topicName}`);
      }
      return { status: 'processed', caseId };
    },
  };
}

export function createSanitationAdapter(deps: SanitationDeps): Adapter {
  const s = deps.settings;
  const log = deps.logger.child({ component: 'adapter', adapter: SANITATION_ADAPTER });
  // Resolved per call: in demo mode the simulator's address is known only once it listens.
  const platform = () => createPlatformEngine(s.engineUrl);
  const evidence = createEvidenceSender({
    db: deps.db,
    attachments: deps.attachments,
    config: deps.config,
    systemUrls: () => [s.engineUrl],
  });
  let client: Client | undefined;

  async function handleTask(runtime: AdapterRuntime, task: Task, taskService: TaskService) {
    // Keep the lock while the hub works on the task, so a slow database never lets the platform hand it
    // to another worker halfway.
    const heartbeat = setInterval(
      () => void taskService.extendLock(task, s.lockDurationMs).catch(() => undefined),
      Math.max(500, s.lockDurationMs / 2),
    );
    let result;
    try {
      result = await runtime.receive(taskEvent(task));
    } catch (err) {
      clearInterval(heartbeat);
      const code = refusalCode(err);
      const message = err instanceof Error ? err.message : String(err);
      if (code) {
        log.warn({ taskId: task.id, code, message }, 'crew report refused: BPMN error to the platform');
        await taskService.handleBpmnError(task, code, message.slice(0, 500));
      } else {
        const retries = retriesLeft(err, task.retries ?? undefined);
        log.warn({ err, taskId: task.id, retries }, 'crew report not recorded: failure to the platform');
        await taskService.handleFailure(task, {
          errorMessage: message.slice(0, 500),
          retries,
          retryTimeout: s.retryTimeoutMs,
        });
      }
      return;
    }
    clearInterval(heartbeat);
    const out = new Variables().setAll({ hubResult: result.result, hubInboxId: result.inboxId });
    await taskService.complete(task, out);
  }

  return {
    name: SANITATION_ADAPTER,
    title: '智慧环卫平台',
    receives: [
      {
        kind: 'subscription',
        name: 'telemetry',
        async subscribe(deliver) {
          return subscribeTelemetry({
            url: s.mqttUrl,
            topicPrefix: s.topicPrefix,
            clientId: s.mqttClientId,
            async onMessage(topic, payload) {
              let reading: Reading;
              try {
                reading = readingSchema.parse(JSON.parse(payload.toString('utf8')));
              } catch (err) {
                // Nobody to answer on MQTT: log it and acknowledge, a redelivery would not parse either.
                log.warn({ topic, err: String(err).slice(0, 500) }, 'unreadable device message dropped');
                return;
              }
              try {
                await deliver(readingEvent(reading, s.debounceSeconds));
              } catch (err) {
                if (err instanceof HubError && err.status === 400) {
                  log.warn({ topic, msgId: reading.msgId, err: err.message }, 'device message refused');
                  return;
                }
                throw err;
              }
            },
          });
        },
      },
    ],
    sends: {
      outbox: {
        adapters: [SANITATION_ADAPTER],
        async deliver(message) {
          if (message.kind === EVIDENCE_KIND) return evidence(message);
          if (message.kind !== 'work_order') throw new PermanentDeliveryError(`unknown kind ${message.kind}`);
          const p = message.payload as { caseId: string };
          const row = await deps.db.prisma.case.findUnique({ where: { id: p.caseId } });
          if (!row) throw new PermanentDeliveryError(`case ${p.caseId} no longer exists`);
          await platform().startOnce(WORK_ORDER_PROCESS, row.id, {
            caseNo: row.caseNo,
            categoryCode: row.categoryCode,
            description: row.description,
            address: row.address,
            lng: row.lng,
            lat: row.lat,
            disposeDeadline: row.disposeDeadline?.toISOString() ?? null,
          });
        },
      },
    },
    health: () => platform().ping(),
    start(runtime) {
      const c = new Client({
        baseUrl: s.engineUrl,
        workerId: s.workerId,
        maxTasks: 10,
        interval: 300,
        lockDuration: s.lockDurationMs,
        asyncResponseTimeout: s.asyncResponseTimeoutMs,
        autoPoll: false,
      });
      c.on('poll:error', (err) => log.debug({ err: String(err) }, 'fetchAndLock failed; polling again'));
      c.on('handler:error', (err) => log.warn({ err: String(err) }, 'external task handler failed'));
      for (const topic of Object.values(SANITATION_TOPICS))
        c.subscribe(topic, { lockDuration: s.lockDurationMs }, ({ task, taskService }) =>
          handleTask(runtime, task, taskService),
        );
      c.start();
      client = c;
    },
    async stop() {
      client?.stop();
      client = undefined;
    },
  };
}
