/**
 * The police video (公安视频) adapter — adapters/video/README.md.
 * In: AI alarms by signed webhook (POST /api/adapters/video/alarms). A new alarm opens a case (source
 * video, 核实 before 立案) with its snapshot fetched and stored as evidence; a repeat from the same
 * camera and category while that case is open and younger than the window merges into it (timeline
 * `alarm_repeated` with the new snapshot) instead of opening another (scenario 4). Alarms of other
 * cameras in the same grid cell are merged by hub.case.intake (same grid, category, window).
 * Precision per camera (routes.ts): a case voided as a false alarm counts against its camera.
 * Out: the job type `video.speaker.announce` (音柱喊话) — the camera's speaker column plays a text;
 * element template in element-templates/.
 */
import { z } from 'zod';
import type { AttachmentStore } from '../../src/attachments/index.ts';
import { unavailable, validationError } from '../../src/errors.ts';
import { defineHandler } from '../../workers/index.ts';
import { loadCase, optionalInt, optionalString } from '../../workers/job.ts';
import { recordAdapterEvent } from '../case-events.ts';
import { createEvidenceSender, EVIDENCE_KIND, evidenceMessage } from '../evidence.ts';
import { createJsonClient, RetryableHttpError } from '../framework/http-client.ts';
import {
  PermanentDeliveryError,
  type Adapter,
  type AdapterDeps,
  type InboundEvent,
} from '../framework/types.ts';
import { ALARM_CATEGORIES, alarmSchema, sourceRefOf, type Alarm } from './mapping.ts';

export const VIDEO_ADAPTER = 'video';
export const ANNOUNCE_JOB_TYPE = 'video.speaker.announce';

export interface VideoSettings {
  /** HMAC key shared with the video platform */
  webhookSecret: string;
  /** the platform's HTTP base (speaker columns) */
  platformUrl: string;
  /** repeats of one camera and category within this many minutes merge into the open case */
  mergeWindowMinutes: number;
}

export interface VideoDeps extends AdapterDeps {
  attachments: AttachmentStore;
  settings: VideoSettings;
}

const FINAL = ['closed', 'voided'] as const;

/** The alarm as an inbound event (dedupe on the platform's alarm id). */
export function alarmEvent(alarm: Alarm, mergeWindowMinutes: number): InboundEvent {
  return {
    sourceId: alarm.alarmId,
    payload: alarm,
    async apply(tx, ctx) {
      const categoryCode = ALARM_CATEGORIES[alarm.alarmType];
      const category = await tx.category.findUnique({
        where: { kind_code: { kind: 'event', code: categoryCode } },
        select: { active: true },
      });
      if (!category?.active)
        throw validationError(`no active event category ${categoryCode} for ${alarm.alarmType}`, [
          { field: 'body.alarmType', message: `category ${categoryCode} is not active in this hub` },
        ]);
      const since = new Date(ctx.now.getTime() - mergeWindowMinutes * 60_000);
      const open = await tx.case.findFirst({
        where: {
          source: 'video',
          sourceRef: { startsWith: `${alarm.cameraId}:` },
          categoryCode,
          status: { notIn: [...FINAL] },
          mergedIntoId: null,
          reportedAt: { gte: since },
        },
        orderBy: { reportedAt: 'desc' },
      });
      const evidence = (caseId: string, eventDedupeKey: string | null) =>
        ctx.enqueue(
          evidenceMessage(VIDEO_ADAPTER, {
            url: alarm.snapshotUrl,
            caseId,
            kind: 'evidence',
            eventDedupeKey,
            fileName: `${alarm.cameraId}-${alarm.alarmId}.jpg`,
          }),
        );
      if (open) {
        const dedupeKey = `${VIDEO_ADAPTER}:${alarm.alarmId}`;
        await recordAdapterEvent(tx, {
          caseId: open.id,
          type: 'alarm_repeated',
          actorName: `视频AI (${alarm.cameraName})`,
          at: ctx.now,
          dedupeKey,
          note: `${alarm.alarmType} 再次告警，置信度 ${alarm.confidence}`,
          data: {
            alarmId: alarm.alarmId,
            cameraId: alarm.cameraId,
            at: alarm.at,
            confidence: alarm.confidence,
          },
        });
        await evidence(open.id, dedupeKey);
        return { status: 'processed', caseId: open.id, note: `merged into ${open.caseNo}` };
      }
      const created = await ctx.createCase({
        source: 'video',
        sourceRef: sourceRefOf(alarm),
        categoryKind: 'event',
        categoryCode,
        urgency: 'normal',
        description: `视频AI告警：${alarm.alarmType}（${alarm.cameraName}，置信度 ${alarm.confidence}）`,
        address: alarm.cameraName,
        lng: alarm.lng,
        lat: alarm.lat,
      });
      await evidence(created.id, null);
      return { status: 'processed', caseId: created.id, note: `case ${created.caseNo} opened` };
    },
  };
}

/**
 * 音柱喊话: plays `text` on the speaker column of the case's camera; idempotent by job key. Failures follow
 * the adapters' one rule (framework/http-client.ts): a retryable one fails the job with retries − 1, a
 * refusal raises an incident naming the platform's answer.
 */
export function announceHandler(settings: Pick<VideoSettings, 'platformUrl'>) {
  const platform = createJsonClient({ name: 'video platform', baseUrl: settings.platformUrl });
  return defineHandler(async (job, deps) => {
    const row = await loadCase(job, deps);
    const text = optionalString(job, 'text') ?? `请注意：${row.description}，请立即整改。`;
    const repeat = optionalInt(job, 'repeat') ?? 1;
    const inbox = await deps.db.prisma.inboxEvent.findFirst({
      where: { adapter: VIDEO_ADAPTER, caseId: row.id },
      orderBy: { receivedAt: 'asc' },
    });
    const speakerId = (inbox?.payload as { speakerId?: string | null } | null)?.speakerId ?? null;
    if (!speakerId) return { announced: false };
    try {
      // The job key is stable across retries of this job: the platform plays one requestId once.
      await platform.request('POST', `/speakers/${encodeURIComponent(speakerId)}/announcements`, {
        requestId: job.key,
        text,
        repeat,
      });
    } catch (err) {
      if (err instanceof RetryableHttpError)
        throw unavailable(`speaker column ${speakerId}: ${err.message}`, err);
      throw err;
    }
    return { announced: true };
  });
}

export function createVideoAdapter(deps: VideoDeps): Adapter {
  const s = deps.settings;
  const evidence = createEvidenceSender({
    db: deps.db,
    attachments: deps.attachments,
    config: deps.config,
    systemUrls: () => [s.platformUrl],
  });
  return {
    name: VIDEO_ADAPTER,
    title: '公安视频 AI 告警',
    receives: [
      {
        kind: 'webhook',
        path: 'alarms',
        summary: 'A video-analytics alarm (店外经营, 暴露垃圾, 违停 …) from the police video platform',
        secret: s.webhookSecret,
        schema: alarmSchema as z.ZodType,
        toEvents: (body) => [alarmEvent(body as Alarm, s.mergeWindowMinutes)],
      },
    ],
    sends: {
      outbox: {
        adapters: [VIDEO_ADAPTER],
        async deliver(message) {
          if (message.kind === EVIDENCE_KIND) return evidence(message);
          throw new PermanentDeliveryError(`unknown kind ${message.kind}`);
        },
      },
      jobs: { [ANNOUNCE_JOB_TYPE]: announceHandler(s) },
    },
    async health() {
      const res = await fetch(`${s.platformUrl.replace(/\/$/, '')}/snapshots/health.jpg`, {
        signal: AbortSignal.timeout(5000),
      });
      if (!res.ok) throw new Error(`video platform answered ${res.status}`);
    },
  };
}

export { videoRoutes } from './routes.ts';
