/**
 * 地下管网 from a survey file (GeoJSON or CSV, through the geography importer: all or nothing, each
 * refused row named with why). Columns / properties: `code` (管线编号), `kind` (给水/排水/燃气/电力/通信/
 * 热力 or its code), `owner` (权属单位: the unit's code, e.g. U-WATER, or its name), `depthM` (埋深, m),
 * `material` (材质), `diameterMm` (管径, mm), `year` (建设年份), `name`, `note`, and a LineString or
 * MultiLineString (a CSV's `geometry` column holds it as GeoJSON text). A row whose code is stored updates
 * that segment; else it adds one.
 */
import type { Prisma } from '../db/index.ts';
import {
  firstSeen,
  geometryOf,
  outcome,
  reject,
  rowProblems,
  textProp,
  type Rejection,
  type Target,
} from '../geography/import/target.ts';
import { checkMeasures, PIPELINE_CODE, PIPELINE_KIND_LABELS, pipelineKindOf } from './pipeline.ts';

type Data = Prisma.PipelineUncheckedCreateInput;
interface Good {
  data: Data;
  existing: boolean;
}
/** Rows per INSERT of new segments. */
const WRITE_BATCH = 1000;

export const importPipelines: Target = async (rows, { prisma, extent }) => {
  const [stored, units] = await Promise.all([
    prisma.pipeline.findMany({ select: { code: true } }),
    prisma.department.findMany({ where: { active: true }, select: { id: true, code: true, name: true } }),
  ]);
  const storedCodes = new Set(stored.map((p) => p.code));
  const unitOf = new Map(units.flatMap((u) => [[u.code, u.id] as const, [u.name, u.id] as const]));
  const thisYear = new Date().getFullYear();
  const seen = firstSeen();
  const rejected: Rejection[] = [];
  const good: Good[] = [];
  for (const row of rows) {
    const problems = rowProblems(row);
    const code = textProp(row, 'code');
    if (!code) problems.push('缺少管线编号（code 列）');
    else if (!PIPELINE_CODE.test(code))
      problems.push(`管线编号「${code}」只能是字母、数字和 -，至多 40 个字符`);
    else {
      const twin = seen(row, code);
      if (twin) problems.push(`与${twin}重复（管线编号 ${code}）`);
    }
    const kindText = textProp(row, 'kind');
    const kind = kindText ? pipelineKindOf(kindText) : undefined;
    if (!kindText) problems.push('缺少管线类型（kind 列）');
    else if (!kind)
      problems.push(`管线类型「${kindText}」未知（应为 ${Object.values(PIPELINE_KIND_LABELS).join('、')}）`);
    const ownerText = textProp(row, 'owner');
    const ownerId = ownerText ? unitOf.get(ownerText) : undefined;
    if (!ownerText) problems.push('缺少权属单位（owner 列：单位代码或名称）');
    else if (!ownerId) problems.push(`权属单位「${ownerText}」不是在用的单位`);
    const measures = checkMeasures(
      {
        depthM: textProp(row, 'depthM'),
        diameterMm: textProp(row, 'diameterMm'),
        year: textProp(row, 'year'),
      },
      thisYear,
      problems,
    );
    const line = geometryOf(row, ['LineString', 'MultiLineString'], extent, problems);
    if (problems.length || !code || !kind || !ownerId || !line) {
      rejected.push(reject(row, problems.join('；')));
      continue;
    }
    good.push({
      existing: storedCodes.has(code),
      data: {
        code,
        kind,
        ownerId,
        name: textProp(row, 'name') ?? null,
        material: textProp(row, 'material') ?? null,
        note: textProp(row, 'note') ?? null,
        ...measures,
        geometry: JSON.stringify(line.geometry),
        ...line.bbox,
      },
    });
  }
  return outcome(rejected, good, async (tx, segments) => {
    // New segments in batches (a city's first survey is tens of thousands of lines); a stored 管线编号 by
    // an upsert (one INSERT … ON CONFLICT statement, cheaper than update's read, write and read back).
    const added = segments.filter((g) => !g.existing).map((g) => g.data);
    for (let i = 0; i < added.length; i += WRITE_BATCH)
      await tx.pipeline.createMany({ data: added.slice(i, i + WRITE_BATCH) });
    for (const { data } of segments.filter((g) => g.existing))
      await tx.pipeline.upsert({ where: { code: data.code }, create: data, update: data });
  });
};
