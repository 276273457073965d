/**
 * The `department` outbox (hub.dispatch.assign writes one `assignment` row per dispatch round, for
 * every unit) routed to the legacy system of the unit that got the case: the sanitation department's
 * rounds become sanitation work orders, a utility company's become that company's work orders. A unit
 * without a system of its own works in the hub's pages: its rows are delivered with nothing to send.
 * Routing writes the target adapter's outbox row (dedupe on the assignment row), so each target keeps
 * its own order, retries, dead letters and monitoring.
 */
import type { Db } from '../src/db/index.ts';
import { PermanentDeliveryError, type Adapter } from './framework/types.ts';
import { SANITATION_ADAPTER } from './sanitation/index.ts';
import { companyByDepartment, UTILITIES_ADAPTER } from './utilities/index.ts';

export const DEPARTMENT_OUTBOX = 'department';

export interface DepartmentRouterSettings {
  /** Department.code of the unit whose cases go to the sanitation platform (D19 环境卫生管理处). */
  sanitationDepartmentCode: string | null;
  /** utility companies with a configured endpoint */
  utilities: string[];
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
          const company = companyByDepartment(unit.code);
          let target: { adapter: string; payload: Record<string, unknown> } | null = null;
          if (unit.code === deps.settings.sanitationDepartmentCode)
            target = {
              adapter: SANITATION_ADAPTER,
              payload: { caseId: p.caseId, dispatchKind: p.dispatchKind },
            };
          else if (company && deps.settings.utilities.includes(company.key))
            target = {
              adapter: UTILITIES_ADAPTER,
              payload: { company: company.key, caseId: p.caseId, dispatchKind: p.dispatchKind },
            };
          if (!target) return;
          const dedupeKey = `route:${message.id}`;
          if (await prisma.outboxMessage.findUnique({ where: { dedupeKey } })) return;
          await prisma.outboxMessage.create({
            data: {
              adapter: target.adapter,
              kind: 'work_order',
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
