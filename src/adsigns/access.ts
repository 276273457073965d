/**
 * Who works on the 广告店招 archive: administrators, 执法人员, and the handlers of the units that own the
 * work (城市管理局 D05, 综合行政执法局 D06: domain.md's 02 宣传广告 cases go to them); the command centre's
 * roles read it.
 */
import type { Principal, Role } from '../auth/index.ts';
import type { PrismaClient } from '../db/index.ts';
import { forbidden } from '../errors.ts';

export const AD_SIGN_EDITORS = [
  'administrator',
  'law_enforcement',
  'department_handler',
] as const satisfies Role[];
export const AD_SIGN_READERS = [
  ...AD_SIGN_EDITORS,
  'acceptor',
  'dispatcher',
  'shift_leader',
  'leader',
  'field_supervisor',
] as const satisfies Role[];

/** The units whose handlers edit the archive (department codes). */
export const AD_SIGN_UNITS = ['D05', 'D06'];

/**
 * Whether the caller may change the archive: an administrator or 执法人员, or a department handler of one
 * of AD_SIGN_UNITS. The list answers it, so the page offers its edit buttons only to them.
 */
export async function mayEditAdSigns(prisma: PrismaClient, principal: Principal): Promise<boolean> {
  if (principal.roles.some((r) => r === 'administrator' || r === 'law_enforcement')) return true;
  if (!principal.roles.includes('department_handler') || !principal.departmentId) return false;
  const unit = await prisma.department.findUnique({
    where: { id: principal.departmentId },
    select: { code: true },
  });
  return !!unit && AD_SIGN_UNITS.includes(unit.code);
}

/** A department handler of another unit may read but not change the archive (403 naming why). */
export async function assertAdSignEditor(prisma: PrismaClient, principal: Principal): Promise<void> {
  if (!(await mayEditAdSigns(prisma, principal)))
    throw forbidden('广告店招档案只能由城市管理局、综合行政执法局的专业部门人员修改');
}
