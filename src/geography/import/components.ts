/**
 * 部件 (city assets, GB/T 30428.2) from an import file: the survey (部件普查) the registry starts from and
 * each re-survey after it. Columns / properties: `code` (16 digits: admin division 6 + major 2 + minor 2 +
 * serial 6), `category` (the 4-digit major+minor, a component category of the hub; default digits 7–10
 * of the code, and it must agree with them), `name`, `department` (the 权属/养护单位's code), `status`
 * (完好/破损/丢失/占用/废弃/拆除 or normal/damaged/missing/occupied/scrapped/removed), `address`,
 * `surveyedAt` (普查日期, YYYY-MM-DD), `note`, and its position: a Point, or `lng`/`lat` columns.
 *
 * The admin division must be one of the city's (the first 6 digits of its grid codes), the serial not
 * 000000. A row updates the stored component of the same code and the report lists what changed, field
 * by field (a re-survey); else it adds one. Every added or changed component gets a `surveyed` entry in
 * its history. Its grid cell is the one its point lies in.
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

/** The statuses in the words of the work (the survey's and the screens'), in order. */
export const COMPONENT_STATUS_LABELS: Record<ComponentStatus, string> = {
  normal: '完好',
  damaged: '破损',
  missing: '丢失',
  occupied: '占用',
  scrapped: '废弃',
  removed: '拆除',
};

const STATUS: Record<string, ComponentStatus> = {
  ...Object.fromEntries(Object.keys(COMPONENT_STATUS_LABELS).map((s) => [s, s as ComponentStatus])),
  ...Object.fromEntries(
    Object.entries(COMPONENT_STATUS_LABELS).map(([s, label]) => [label, s as ComponentStatus]),
  ),
  // the word of earlier surveys for 破损
  损坏: 'damaged',
};

/** What a re-survey compares, and its name in the report. */
export const SURVEYED_FIELDS = {
  categoryCode: '类别',
  name: '名称',
  lng: '经度',
  lat: '纬度',
  address: '地址',
  departmentId: '权属单位',
  status: '状态',
  surveyedAt: '普查日期',
  note: '备注',
} as const;
export type SurveyedField = keyof typeof SURVEYED_FIELDS;

/** One field of a component that a re-survey changed (departments by name, statuses in words). */
export interface FieldChange {
  field: SurveyedField;
  label: string;
  from: string | null;
  to: string | null;
}
/** A re-surveyed component and what changed. */
export interface ComponentChange {
  code: string;
  name: string;
  changes: FieldChange[];
}

type Data = Prisma.ComponentUncheckedCreateInput & { code: string };
interface Good {
  data: Data;
  existing: boolean;
  changes: FieldChange[];
}

/** The first 6 digits of a 16-digit component code must be one of these (the grid's divisions). */
export const adminDivisions = (gridCodes: Iterable<string>) =>
  new Set([...gridCodes].map((c) => c.slice(0, 6)));

const SURVEY_BATCH = 1000;

export const importComponents: Target = async (rows, { prisma, extent, actor }) => {
  const [stored, categories, departments, cells] = await Promise.all([
    prisma.component.findMany(),
    prisma.category.findMany({ where: { kind: 'component', active: true }, select: { code: true } }),
    prisma.department.findMany({ where: { active: true }, select: { id: true, code: true, name: true } }),
    prisma.gridCell.findMany(),
  ]);
  const storedByCode = new Map(stored.map((c) => [c.code, c]));
  const categoryCodes = new Set(categories.map((c) => c.code));
  const departmentIds = new Map(departments.map((d) => [d.code, d.id]));
  const departmentNames = new Map(departments.map((d) => [d.id, d.name]));
  const divisions = adminDivisions(cells.map((c) => c.code));
  const grid = buildGridIndex(cells.filter((c) => c.active));
  const rejected: Rejection[] = [];
  const good: Good[] = [];
  const seen = firstSeen();
  const shown = (field: SurveyedField, v: unknown): string | null => {
    if (v === null || v === undefined) return null;
    if (field === 'departmentId') return departmentNames.get(String(v)) ?? String(v);
    if (field === 'status') return COMPONENT_STATUS_LABELS[v as ComponentStatus];
    if (v instanceof Date) return v.toISOString().slice(0, 10);
    return String(v);
  };
  for (const row of rows) {
    const problems = rowProblems(row);
    const code = codeProp(row, 16, '部件编码', '行政区划 6 + 大类 2 + 小类 2 + 流水号 6', seen, problems);
    if (code && divisions.size && !divisions.has(code.slice(0, 6)))
      problems.push(`部件编码前 6 位 ${code.slice(0, 6)} 不是本市网格的行政区划代码`);
    if (code?.endsWith('000000')) problems.push(`部件编码 ${code} 的流水号为 000000（应从 000001 起）`);
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
    if (!status)
      problems.push(`状态「${statusText}」未知（应为 ${Object.values(COMPONENT_STATUS_LABELS).join('、')}）`);
    const surveyedText = textProp(row, 'surveyedAt');
    let surveyedAt: Date | null = null;
    if (surveyedText) {
      surveyedAt = /^\d{4}-\d{2}-\d{2}$/.test(surveyedText) ? new Date(`${surveyedText}T00:00:00Z`) : null;
      if (!surveyedAt || Number.isNaN(surveyedAt.getTime())) {
        problems.push(`普查日期「${surveyedText}」应为 YYYY-MM-DD`);
        surveyedAt = null;
      }
    }
    const checked = geometryOf(row, ['Point'], extent, problems);
    if (problems.length || !checked || !code || !category || !name || !status) {
      rejected.push(reject(row, problems.join('；')));
      continue;
    }
    const [lng, lat] = checked.geometry.coordinates as [number, number];
    const data: Data = {
      code,
      categoryCode: category,
      name,
      lng,
      lat,
      address: textProp(row, 'address') ?? null,
      gridCode: grid.at(lng, lat)?.code ?? null,
      departmentId: departmentId ?? null,
      status,
      surveyedAt,
      note: textProp(row, 'note') ?? null,
    };
    const before = storedByCode.get(code);
    const changes: FieldChange[] = [];
    if (before)
      for (const field of Object.keys(SURVEYED_FIELDS) as SurveyedField[]) {
        const from = shown(field, before[field]);
        const to = shown(field, data[field]);
        if (from !== to) changes.push({ field, label: SURVEYED_FIELDS[field], from, to });
      }
    good.push({ existing: Boolean(before), data, changes });
  }
  const result = outcome(rejected, good, async (tx, components) => {
    const at = new Date();
    const who = { actorUserId: actor?.userId ?? null, actorName: actor?.name ?? '部件普查' };
    // New components in batches (a city's first survey is tens of thousands of rows), then their history.
    const added = components.filter((g) => !g.existing);
    for (let i = 0; i < added.length; i += SURVEY_BATCH) {
      const batch = added.slice(i, i + SURVEY_BATCH);
      await tx.component.createMany({ data: batch.map((g) => g.data) });
      const ids = await tx.component.findMany({
        where: { code: { in: batch.map((g) => g.data.code) } },
        select: { id: true, code: true, status: true },
      });
      await tx.componentEvent.createMany({
        data: ids.map((c) => ({
          componentId: c.id,
          type: 'surveyed' as const,
          at,
          ...who,
          toStatus: c.status,
          note: '普查登记',
        })),
      });
    }
    // A re-surveyed component is written only when something changed, with what changed in its history.
    for (const g of components.filter((c) => c.existing && c.changes.length)) {
      const before = storedByCode.get(g.data.code)!;
      await tx.component.update({ where: { id: before.id }, data: g.data });
      await tx.componentEvent.create({
        data: {
          componentId: before.id,
          type: 'surveyed',
          at,
          ...who,
          fromStatus: before.status,
          toStatus: g.data.status ?? before.status,
          changes: g.changes.map(({ field, label, from, to }) => ({ field, label, from, to })),
          note: '复查更新',
        },
      });
    }
  });
  return {
    ...result,
    changes: good
      .filter((g) => g.existing && g.changes.length)
      .map((g) => ({ code: g.data.code, name: g.data.name, changes: g.changes })),
    unchanged: good.filter((g) => g.existing && !g.changes.length).length,
  };
};
