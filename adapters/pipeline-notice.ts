/**
 * 施工/挖掘 near 地下管网: when a case of a digging category (PIPELINE_NOTICE_CATEGORIES, e.g. 0304 施工占道)
 * is dispatched — before anyone digs — the pipelines within PIPELINE_NOTICE_DISTANCE_M of its point are
 * found and each owner told once per case. An owner whose system the utilities adapter reaches gets an
 * excavation notice through its outbox (kind `pipeline_notice`, idempotent by the row id); any other owner
 * is named on the case's timeline with its duty phone, for the dispatcher to call. The timeline entry
 * (`pipeline_notified`) says which lines lie how near and who was told how.
 */
import { inCaseTransaction } from '../src/cases/state/index.ts';
import type { Prisma, PrismaClient } from '../src/db/index.ts';
import { pipelinesNear, type NearbyPipeline } from '../src/pipelines/nearby.ts';
import { PIPELINE_KIND_LABELS } from '../src/pipelines/pipeline.ts';
import { recordAdapterEvent } from './case-events.ts';
import { companyByDepartment, UTILITIES_ADAPTER } from './utilities/index.ts';

export const PIPELINE_NOTICE_KIND = 'pipeline_notice';

export interface PipelineNoticeSettings {
  /** metres from the case's point */
  distanceM: number;
  /** event category codes of digging work */
  categories: string[];
}

/** One line as the notice and the timeline name it. */
const lineText = (n: NearbyPipeline) =>
  `${PIPELINE_KIND_LABELS[n.pipeline.kind]} ${n.pipeline.code}，相距 ${n.distanceM} 米` +
  (n.pipeline.depthM !== null ? `，埋深 ${n.pipeline.depthM} 米` : '');

/**
 * Tells the owners of the pipelines near a dispatched case, once per case (the timeline entry's key);
 * nothing for a case of another category, without a point, or with no line near it.
 */
export async function noticePipelineOwners(
  prisma: PrismaClient,
  caseId: string,
  settings: PipelineNoticeSettings,
  /** utility companies with a configured endpoint (the router's): their owners are told through them */
  utilities: readonly string[],
  now: Date,
): Promise<void> {
  if (!settings.categories.length) return; // no digging categories configured: no case read per dispatch
  const row = await prisma.case.findUnique({
    where: { id: caseId },
    select: { id: true, categoryKind: true, categoryCode: true, lng: true, lat: true },
  });
  if (!row || row.categoryKind !== 'event' || !settings.categories.includes(row.categoryCode)) return;
  if (row.lng === null || row.lat === null) return;
  const dedupeKey = `pipeline-notice:${caseId}`;
  if (await prisma.caseEvent.findUnique({ where: { dedupeKey } })) return;
  const near = await pipelinesNear(prisma, { lng: row.lng, lat: row.lat }, settings.distanceM);
  if (!near.length) return;
  const owners = await prisma.department.findMany({
    where: { id: { in: [...new Set(near.map((n) => n.pipeline.ownerId))] } },
    select: { id: true, code: true, name: true, contactPhone: true },
  });
  const told: string[] = [];
  const toCall: string[] = [];
  await inCaseTransaction(prisma, async (tx: Prisma.TransactionClient) => {
    told.length = 0;
    toCall.length = 0;
    for (const owner of owners) {
      const lines = near.filter((n) => n.pipeline.ownerId === owner.id);
      const company = companyByDepartment(owner.code);
      const what = `${owner.name}（${lines.map(lineText).join('；')}）`;
      if (company && utilities.includes(company.key)) {
        await tx.outboxMessage.create({
          data: {
            adapter: UTILITIES_ADAPTER,
            caseId,
            kind: PIPELINE_NOTICE_KIND,
            dedupeKey: `${dedupeKey}:${owner.id}`,
            payload: {
              company: company.key,
              caseId,
              distanceM: settings.distanceM,
              pipelines: lines.map((n) => ({
                code: n.pipeline.code,
                kind: n.pipeline.kind,
                distanceM: n.distanceM,
                depthM: n.pipeline.depthM,
                diameterMm: n.pipeline.diameterMm,
                material: n.pipeline.material,
              })),
            },
          },
        });
        told.push(what);
      } else toCall.push(`${what}${owner.contactPhone ? `，电话 ${owner.contactPhone}` : ''}`);
    }
    await recordAdapterEvent(tx, {
      caseId,
      type: 'pipeline_notified',
      actorName: '地下管网',
      at: now,
      dedupeKey,
      note: [
        `施工点 ${settings.distanceM} 米内有地下管线。`,
        told.length ? `已通过权属单位系统告知：${told.join('；')}。` : '',
        toCall.length ? `未接入系统，请电话告知：${toCall.join('；')}。` : '',
      ].join(''),
      data: {
        pipelines: near.map((n) => ({
          code: n.pipeline.code,
          ownerId: n.pipeline.ownerId,
          distanceM: n.distanceM,
        })),
      },
    });
  });
}
