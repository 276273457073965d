/**
 * The `department` outbox (hub.dispatch.assign writes one `assignment` row per dispatch round, for
 * every unit) routed to the legacy system of the unit that got the case: the sanitation department's
 * rounds become sanitation work orders, a utility company's become that company's work orders. A unit
 * without a system of its own works in the hub's pages: its rows are delivered with nothing to send.
 * Routing writes the target adapter's outbox row (dedupe on the assignment row), so each target keeps
 * its own order, retries, dead letters and monitoring.
 *
 * A utility company takes one work order per case (its order number is the case id, idempotent), so a
 * later round for the same company — 返工 after a failed 核查, a dispatch after 回退 or after a 不满意
 * 回访 reopened the case — would change nothing there. Such a round becomes a `note` on the existing order
 * (`POST …/work-orders/<orderNo>/notes`), which tells the crew to go again.
 */
import type { Db } from '../src/db/index.ts';
import { PermanentDeliveryError, type Adapter } from './framework/types.ts';
import { noticePipelineOwners, type PipelineNoticeSettings } from './pipeline-notice.ts';
import { SANITATION_ADAPTER } from './sanitation/index.ts';
import { companyByDepartment, UTILITIES_ADAPTER } from './utilities/index.ts';

export const DEPARTMENT_OUTBOX = 'department';

/** What the note on an existing work order says, by the round's dispatchKind. */
const AGAIN_TEXT: Record<string, string> = {
  rework: '核查未通过，返工：请按原工单重新处置',
  dispatch: '案件再次派至贵单位（回退后重新派遣或回访不满意重办），请按原工单处置',
};

export interface DepartmentRouterSettings {
  /** Department.code of the unit whose cases go to the sanitation platform (D19 环境卫生管理处). */
  sanitationDepartmentCode: string | null;
  /** utility companies with a configured endpoint */
  utilities: string[];
  /** 施工/挖掘 cases near 地下管网 tell the lines' owners when dispatched; absent: never */
  pipelineNotice?: PipelineNoticeSettings;
}

export function createDepartmentRouter(deps: {
  db: Pick<Db, 'prisma'>;
  settings: DepartmentRouterSettings;
}): Adapter {
  const { prisma } = deps.db;
  return {
    name: DEPARTMENT_OUTBOX,
    title: '派遣通知 (专业部门系统路由)',
    receives: [],
    sends: {
      outbox: {
        adapters: [DEPARTMENT_OUTBOX],
        async deliver(message) {
          if (message.kind !== 'assignment') throw new PermanentDeliveryError(`unknown kind ${message.kind}`);
          const p = message.payload as { caseId: string; assigneeId: string; dispatchKind: string };
          const unit = await prisma.department.findUnique({
            where: { id: p.assigneeId },
            select: { code: true },
          });
          if (!unit) throw new PermanentDeliveryError(`department ${p.assigneeId} does not exist`);
          // Before the unit's crew goes: the owners of the lines under a dig are told (once per case).
          if (deps.settings.pipelineNotice)
            await noticePipelineOwners(
              prisma,
              p.caseId,
              deps.settings.pipelineNotice,
              deps.settings.utilities,
              new Date(),
            );
          const company = companyByDepartment(unit.code);
          let target: { adapter: string; kind?: string; payload: Record<string, unknown> } | null = null;
          if (unit.code === deps.settings.sanitationDepartmentCode)
            target = {
              adapter: SANITATION_ADAPTER,
              payload: { caseId: p.caseId, dispatchKind: p.dispatchKind },
            };
          else if (company && deps.settings.utilities.includes(company.key)) {
            const earlier = await prisma.outboxMessage.findMany({
              where: { adapter: UTILITIES_ADAPTER, caseId: p.caseId, kind: 'work_order' },
              select: { payload: true },
            });
            const ordered = earlier.some((o) => (o.payload as { company?: unknown }).company === company.key);
            target = ordered
              ? {
                  adapter: UTILITIES_ADAPTER,
                  kind: 'note',
                  payload: {
                    company: company.key,
                    caseId: p.caseId,
                    noteKind: p.dispatchKind,
                    text: AGAIN_TEXT[p.dispatchKind] ?? AGAIN_TEXT.dispatch,
                  },
                }
              : {
                  adapter: UTILITIES_ADAPTER,
                  payload: { company: company.key, caseId: p.caseId, dispatchKind: p.dispatchKind },
                };
          }
          if (!target) return;
          const dedupeKey = `route:${message.id}`;
          if (await prisma.outboxMessage.findUnique({ where: { dedupeKey } })) return;
          await prisma.outboxMessage.create({
            data: {
              adapter: target.adapter,
              kind: target.kind ?? 'work_order',
              caseId: p.caseId,
              payload: target.payload as never,
              dedupeKey,
            },
          });
        },
      },
    },
  };
}
