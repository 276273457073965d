/**
 * Inbound events: each is deduplicated on the source's own id by inserting its InboxEvent row (unique
 * adapter + sourceId) in the SAME transaction as its effect, so an event is applied exactly once however
 * often the source sends it, and a refused event (the effect threw) leaves nothing behind. Work that
 * must follow the commit (starting a case's procedure, publishing a case message) is queued as outbox
 * rows in that transaction and sent right after it, then retried until the engine takes it.
 */
import { insertCase, type CaseNumbering, type NewCase } from '../../src/cases/create.ts';
import type { CasePublisher } from '../../src/cases/publish.ts';
import { inCaseTransaction } from '../../src/cases/state/index.ts';
import { isUniqueViolation, type Db, type Prisma } from '../../src/db/index.ts';
import { unavailable } from '../../src/errors.ts';
import type { Logger } from '../../src/log.ts';
import type { Outbox } from './outbox.ts';
import { enqueueStart, type CaseStarter } from '../../src/cases/start.ts';
import type { EffectContext, InboundEvent, ReceiveResult } from './types.ts';
import { toWgs84, type CoordinateSystem } from '../../src/geography/index.ts';

export interface Inbox {
  /** Dedupes and applies one event; throws the effect's error (nothing stored) when it refuses it. */
  receive(adapter: string, event: InboundEvent): Promise<ReceiveResult>;
  /**
   * Records an event that could not be applied (polled or consumed, so there is nobody to answer 400):
   * a `failed` inbox row the operator sees; the same sourceId arriving again is tried afresh.
   */
  recordFailure(adapter: string, sourceId: string, payload: unknown, error: unknown): Promise<void>;
}

/**
 * A new case's position in the hub's WGS84 when its source sends another system (a hotline on Amap's
 * GCJ-02, a platform on Baidu's BD-09): converted here, where every adapter's cases are created, so no
 * adapter can forget it. The position as sent stays on the `reported` event (`sentPosition`).
 */
function inHubCoordinates(input: NewCase, crs: CoordinateSystem | undefined): NewCase {
  if (!crs || crs === 'wgs84' || typeof input.lng !== 'number' || typeof input.lat !== 'number') return input;
  const [lng, lat] = toWgs84([input.lng, input.lat], crs).map((v) => Math.round(v * 1e6) / 1e6) as [
    number,
    number,
  ];
  return {
    ...input,
    lng,
    lat,
    reportData: { ...input.reportData, sentPosition: { crs, lng: input.lng, lat: input.lat } },
  };
}

export function createInbox(deps: {
  db: Pick<Db, 'prisma'>;
  logger: Logger;
  now: () => Date;
  outbox: Outbox;
  publisher?: CasePublisher;
  /** Starts the procedures of the cases an event created, after its commit (src/cases/start.ts). */
  starter?: CaseStarter;
  /** CASE_NUMBER_PREFIX and CALENDAR_TIMEZONE: the case numbers of the API */
  numbering: CaseNumbering;
  /** ADAPTER_COORDINATE_SYSTEMS: what each source's positions are in (absent: WGS84). */
  coordinates?: Partial<Record<string, CoordinateSystem>>;
}): Inbox {
  const { prisma } = deps.db;
  const log = deps.logger.child({ component: 'inbox' });

  async function duplicateOf(adapter: string, sourceId: string): Promise<ReceiveResult> {
    const row = await prisma.inboxEvent.findUniqueOrThrow({
      where: { adapter_sourceId: { adapter, sourceId } },
    });
    return { result: 'duplicate', inboxId: row.id, caseId: row.caseId };
  }

  return {
    async receive(adapter, event) {
      const { sourceId } = event;
      for (let attempt = 0; ; attempt++) {
        const started: string[] = [];
        const published: string[] = [];
        const enqueued: { adapter: string; caseId: string }[] = [];
        try {
          // A case row another writer changed meanwhile (a worker setting a deadline as the crew signs)
          // re-runs the whole transaction on the new state, as the API's actions do; before, the lost
          // race reached the source as a refusal (the soak: a crew's task answered with a BPMN error).
          const result = await inCaseTransaction(prisma, async (tx): Promise<ReceiveResult> => {
            // What an attempt lost to a stale case row had queued does not count.
            started.length = 0;
            published.length = 0;
            enqueued.length = 0;
            const now = deps.now();
            const earlier = await tx.inboxEvent.findUnique({
              where: { adapter_sourceId: { adapter, sourceId } },
            });
            if (earlier && earlier.status !== 'failed')
              return { result: 'duplicate', inboxId: earlier.id, caseId: earlier.caseId };
            if (earlier) await tx.inboxEvent.delete({ where: { id: earlier.id } });
            const row = await tx.inboxEvent.create({
              data: { adapter, sourceId, payload: event.payload as Prisma.InputJsonValue, receivedAt: now },
            });
            const ctx: EffectContext = {
              adapter,
              now,
              async createCase(input: NewCase) {
                const created = await insertCase(
                  tx,
                  inHubCoordinates(input, deps.coordinates?.[adapter]),
                  { userId: null, displayName: adapter },
                  now,
                  deps.numbering,
                );
                await enqueueStart(tx, created);
                started.push(created.id);
                return { id: created.id, caseNo: created.caseNo };
              },
              async publish(message) {
                if (!deps.publisher)
                  throw unavailable('the engine is not connected: no case message can be queued');
                await deps.publisher.enqueue(tx, message);
                published.push(message.caseId);
              },
              async enqueue(message) {
                await deps.outbox.enqueue(tx, message);
                if (message.caseId) enqueued.push({ adapter: message.adapter, caseId: message.caseId });
              },
            };
            const effect = await event.apply(tx, ctx);
            await tx.inboxEvent.update({
              where: { id: row.id },
              data: { status: effect.status, caseId: effect.caseId ?? null },
            });
            return {
              result: effect.status,
              inboxId: row.id,
              caseId: effect.caseId ?? null,
              note: effect.note,
            };
          });
          // After the commit: start procedures and publish at once; what fails stays queued and is retried.
          for (const caseId of started)
            await deps.starter
              ?.start(caseId)
              .catch((err: unknown) =>
                log.warn({ err, adapter, caseId }, 'procedure not started yet; the case starter retries it'),
              );
          for (const caseId of new Set(published))
            await deps
              .publisher!.flush(caseId)
              .catch((err: unknown) =>
                log.warn({ err, adapter, caseId }, 'case message not published yet; the relay re-sends it'),
              );
          for (const e of enqueued) void deps.outbox.deliverCase(e.adapter, e.caseId);
          return result;
        } catch (err) {
          // The same event arriving twice at the same moment: the other transaction won.
          if (isUniqueViolation(err, ['adapter', 'sourceId'])) return duplicateOf(adapter, sourceId);
          if (attempt < 5 && isUniqueViolation(err, ['caseNo'])) continue;
          throw err;
        }
      }
    },

    async recordFailure(adapter, sourceId, payload, error) {
      const message = String((error as Error)?.message ?? error).slice(0, 1000);
      log.warn({ adapter, sourceId, error: message }, 'inbound event refused');
      await prisma.inboxEvent.upsert({
        where: { adapter_sourceId: { adapter, sourceId } },
        create: {
          adapter,
          sourceId,
          payload: payload as Prisma.InputJsonValue,
          status: 'failed',
          error: message,
        },
        update: { status: 'failed', error: message, payload: payload as Prisma.InputJsonValue },
      });
    },
  };
}
