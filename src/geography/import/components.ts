/**
 * 部件 (city assets, GB/T 30428.2) from an import file: the survey (普查) list a registry starts from.
 * Columns / properties: `code` (16 digits: county 6 + major 2 + minor 2 + serial 6), `category` (the
 * 4-digit major+minor, a component category of the hub; default digits 7–10 of the code, and it must
 * agree with them), `name`, `department` (the 权属/养护单位's code), `status` (normal|damaged|missing|
 * removed or 完好|损坏|丢失|拆除), and its position: a Point, or `lng`/`lat` columns. A row updates the
 * stored component of the same code, else adds one; its grid cell is the one its point lies in.
 */
import type { ComponentStatus, Prisma } from '../../db/index.ts';
import { buildGridIndex } from '../grid.ts';
import {
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

const STATUS: Record<string, ComponentStatus> = {
  normal: 'normal',
  damaged: 'damaged',
  missing: 'missing',
  removed: 'removed',
  完好: 'normal',
  损坏: 'damaged',
  丢失: 'missing',
  拆除: 'removed',
};

interface Good {
  data: Prisma.ComponentUncheckedCreateInput & { code: string };
  existing: boolean;
}

export const importComponents: Target = async (rows, { prisma, extent }) => {
  const [stored, categories, departments, cells] = await Promise.all([
    prisma.component.findMany({ select: { code: true } }),
    prisma.category.findMany({ where: { kind: 'component', active: true }, select: { code: true } }),
    prisma.department.findMany({ where: { active: true }, select: { id: true, code: true } }),
    prisma.gridCell.findMany(),
  ]);
  const storedCodes = new Set(stored.map((c) => c.code));
  const categoryCodes = new Set(categories.map((c) => c.code));
  const departmentIds = new Map(departments.map((d) => [d.code, d.id]));
  const grid = buildGridIndex(cells);
  const rejected: Rejection[] = [];
  const good: Good[] = [];
  const seen = firstSeen();
  for (const row of rows) {
    const problems = rowProblems(row);
    const code = codeProp(row, 16, '部件编码', '县 6 + 大类 2 + 小类 2 + 流水号 6', seen, problems);
    let category = textProp(row, 'category');
    if (code && category && category !== code.slice(6, 10))
      problems.push(`部件类别 ${category} 与编码第 7–10 位 ${code.slice(6, 10)} 不一致`);
    if (code) category ??= code.slice(6, 10);
    if (category && !categoryCodes.has(category))
      problems.push(`部件类别 ${category} 不是本系统在用的部件小类`);
    const name = textProp(row, 'name');
    if (!name) problems.push('缺少名称（name 列）');
    const department = textProp(row, 'department');
    const departmentId = department ? departmentIds.get(department) : undefined;
    if (department && !departmentId) problems.push(`权属单位代码「${department}」不是在用的单位`);
    const statusText = textProp(row, 'status') ?? 'normal';
    const status = STATUS[statusText];
    if (!status) problems.push(`状态「${statusText}」未知（应为 完好、损坏、丢失 或 拆除）`);
    const checked = geometryOf(row, ['Point'], extent, problems);
    if (problems.length || !checked || !code || !category || !name || !status) {
      rejected.push(reject(row, problems.join('；')));
      continue;
    }
    const [lng, lat] = checked.geometry.coordinates as [number, number];
    good.push({
      existing: storedCodes.has(code),
      data: {
        code,
        categoryCode: category,
        name,
        lng,
        lat,
        gridCode: grid.at(lng, lat)?.code ?? null,
        departmentId: departmentId ?? null,
        status,
      },
    });
  }
  return outcome(rejected, good, async (tx, components) => {
    for (const { data } of components)
      await tx.component.upsert({ where: { code: data.code }, create: data, update: data });
  });
};
