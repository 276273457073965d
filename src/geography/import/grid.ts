/**
 * 单元网格 cells from an import file, with their 责任网格 assignment (the field supervisor responsible
 * for the cell). Columns / properties: `code` (14 digits: county 6 + street 3 + community 3 + sequence
 * 2), `street`, `community`, `areaClass` (1 = 一类, 2 = 二类; default 1), `supervisor` (the responsible
 * 监督员's user name; empty: none), `active` (true/false); geometry a Polygon or MultiPolygon. A row
 * updates the stored cell of the same code, else adds one. The locate worker's grid index sees the
 * change within a second (it re-reads the table when the cells' latest change moved).
 */
import type { Prisma } from '../../db/index.ts';
import {
  activeProp,
  codeProp,
  firstSeen,
  geometryOf,
  rowProblems,
  reject,
  textProp,
  outcome,
  type Rejection,
  type Target,
} from './target.ts';

interface Good {
  data: Prisma.GridCellUncheckedCreateInput & { code: string };
  existing: boolean;
}

export const importGrid: Target = async (rows, { prisma, extent }) => {
  const stored = new Set((await prisma.gridCell.findMany({ select: { code: true } })).map((c) => c.code));
  const supervisors = new Map(
    (
      await prisma.user.findMany({
        where: { active: true, roles: { some: { role: 'field_supervisor' } } },
        select: { id: true, username: true },
      })
    ).map((u) => [u.username, u.id]),
  );
  const rejected: Rejection[] = [];
  const good: Good[] = [];
  const seen = firstSeen();
  for (const row of rows) {
    const problems = rowProblems(row);
    const code = codeProp(row, 14, '网格编码', '县 6 + 街道 3 + 社区 3 + 顺序号 2', seen, problems);
    const street = textProp(row, 'street');
    const community = textProp(row, 'community');
    if (!street) problems.push('缺少所属街道（street 列）');
    if (!community) problems.push('缺少所属社区（community 列）');
    const areaText = textProp(row, 'areaClass') ?? '1';
    if (areaText !== '1' && areaText !== '2')
      problems.push(`区域类别应为 1（一类）或 2（二类），实际为「${areaText}」`);
    const supervisor = textProp(row, 'supervisor');
    const supervisorUserId = supervisor ? supervisors.get(supervisor) : undefined;
    if (supervisor && !supervisorUserId) problems.push(`责任监督员「${supervisor}」不是在用的监督员账号`);
    const active = activeProp(row, problems);
    const checked = geometryOf(row, ['Polygon', 'MultiPolygon'], extent, problems);
    if (problems.length || !checked || !code || !street || !community) {
      rejected.push(reject(row, problems.join('；')));
      continue;
    }
    good.push({
      existing: stored.has(code),
      data: {
        code,
        street,
        community,
        areaClass: Number(areaText),
        geometry: JSON.stringify(checked.geometry),
        ...checked.bbox,
        supervisorUserId: supervisorUserId ?? null,
        active,
      },
    });
  }
  return outcome(rejected, good, async (tx, cells) => {
    for (const { data } of cells)
      await tx.gridCell.upsert({ where: { code: data.code }, create: data, update: data });
  });
};
