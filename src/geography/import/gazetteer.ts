/**
 * Gazetteer rows (地名地址: roads, communities, compounds, POIs, door addresses) from an import file.
 * Columns / properties: `kind` (road|community|estate|poi|door or 道路|社区|小区|兴趣点|门牌), `name`,
 * `aliases` (separated by |), `category`, `code` (a community's 12 digits), `street`, `number`,
 * `numberFrom`, `numberTo`, `parent` (a door's road or compound, by name: in the file or already stored),
 * `active` (true/false). A row updates the stored row of the same kind and name, else adds one.
 */
import type { FieldError } from '../../errors.ts';
import type { GeoFeatureKind } from '../../db/index.ts';
import { bumpGeographyGeneration, checkFeature, FEATURE_KINDS } from '../features.ts';
import { geometryReason } from './reasons.ts';
import {
  activeProp,
  firstSeen,
  hasGeometry,
  intProp,
  rowProblems,
  reject,
  textProp,
  type Rejection,
  type Target,
} from './target.ts';
import type { SourceRow } from './source.ts';

const KIND_NAMES: Record<string, GeoFeatureKind> = {
  道路: 'road',
  社区: 'community',
  小区: 'estate',
  兴趣点: 'poi',
  门牌: 'door',
};
const KIND_ZH: Record<GeoFeatureKind, string> = {
  road: '道路',
  community: '社区',
  estate: '小区',
  poi: '兴趣点',
  door: '门牌',
};

type Columns = NonNullable<ReturnType<typeof checkFeature>>;
interface Good {
  row: SourceRow;
  data: Columns;
  existingId: string | null;
  parentName: string | null;
}

const keyOf = (kind: string, name: string) => `${kind}\u0000${name}`;

export const importGazetteer: Target = async (rows, { prisma, extent }) => {
  const stored = await prisma.geoFeature.findMany({ select: { id: true, kind: true, name: true } });
  const byKey = new Map<string, string[]>();
  for (const f of stored)
    byKey.set(keyOf(f.kind, f.name), [...(byKey.get(keyOf(f.kind, f.name)) ?? []), f.id]);
  const rejected: Rejection[] = [];
  const good: Good[] = [];
  const seen = firstSeen();
  // Parents a door may name: compounds and roads of the file (by name), then those already stored.
  const fileParents = new Set(
    rows
      .filter((r) => ['road', 'estate', '道路', '小区'].includes(textProp(r, 'kind') ?? ''))
      .map((r) => textProp(r, 'name')),
  );

  for (const row of rows) {
    const problems = rowProblems(row);
    const kindText = textProp(row, 'kind');
    const kind = kindText ? (KIND_NAMES[kindText] ?? kindText) : undefined;
    const name = textProp(row, 'name');
    if (!kind || !(FEATURE_KINDS as readonly string[]).includes(kind))
      problems.push(
        kind ? `类型「${kindText}」未知（应为 道路、社区、小区、兴趣点 或 门牌）` : '缺少类型（kind 列）',
      );
    if (!name) problems.push('缺少名称（name 列）');
    else if (name.length > 100) problems.push('名称超过 100 个字');
    const number = intProp(row, 'number', problems);
    const numberFrom = intProp(row, 'numberFrom', problems);
    const numberTo = intProp(row, 'numberTo', problems);
    const code = textProp(row, 'code');
    if (code !== undefined && !/^\d{12}$/.test(code))
      problems.push(`社区代码「${code}」应为 12 位数字（县 6 + 街道 3 + 社区 3）`);
    const active = activeProp(row, problems);
    const parentName = textProp(row, 'parent') ?? null;
    const geometryGiven = hasGeometry(row, problems);
    if (problems.length || !kind || !name) {
      rejected.push(reject(row, problems.join('；')));
      continue;
    }
    const k = kind as GeoFeatureKind;
    const twin = seen(row, keyOf(k, name));
    if (twin) problems.push(`与${twin}重复（同一${KIND_ZH[k]}「${name}」）`);
    const ids = byKey.get(keyOf(k, name)) ?? [];
    if (ids.length > 1)
      problems.push(`库中已有 ${ids.length} 个名为「${name}」的${KIND_ZH[k]}，无法确定更新哪一个`);
    if (
      k === 'door' &&
      parentName &&
      !fileParents.has(parentName) &&
      !byKey.has(keyOf('road', parentName)) &&
      !byKey.has(keyOf('estate', parentName))
    )
      problems.push(`找不到门牌所属的道路或小区「${parentName}」（文件里和库里都没有）`);
    const aliases = row.props.aliases;
    const errors: FieldError[] = [];
    const data = geometryGiven
      ? checkFeature(
          {
            kind: k,
            name,
            aliases: Array.isArray(aliases)
              ? aliases.map(String)
              : (textProp(row, 'aliases')
                  ?.split('|')
                  .map((a) => a.trim())
                  .filter(Boolean) ?? []),
            category: textProp(row, 'category') ?? null,
            geometry: row.geometry,
            // resolved at write time by name; checkFeature only needs to know there is one
            parentId: parentName ? 'by-name' : null,
            number: number ?? null,
            numberFrom: numberFrom ?? null,
            numberTo: numberTo ?? null,
            code: code ?? null,
            street: textProp(row, 'street') ?? null,
            active,
          },
          'geometry-row',
          extent,
          errors,
        )
      : undefined;
    for (const e of errors) problems.push(geometryReason(e, 'geometry-row.geometry'));
    if (problems.length || !data) {
      rejected.push(reject(row, problems.join('；')));
      continue;
    }
    good.push({ row, data, existingId: ids[0] ?? null, parentName });
  }

  return {
    rejected,
    added: good.filter((g) => !g.existingId).length,
    updated: good.filter((g) => g.existingId).length,
    async write(tx) {
      // Roads and compounds first, so the doors of the same file find them by name.
      const parents = new Map<string, string>();
      const ordered = [
        ...good.filter((g) => g.data.kind !== 'door'),
        ...good.filter((g) => g.data.kind === 'door'),
      ];
      for (const g of ordered) {
        let parentId: string | null = null;
        if (g.data.kind === 'door' && g.parentName) {
          parentId =
            parents.get(keyOf('road', g.parentName)) ??
            parents.get(keyOf('estate', g.parentName)) ??
            byKey.get(keyOf('road', g.parentName))?.[0] ??
            byKey.get(keyOf('estate', g.parentName))?.[0] ??
            null;
        }
        const data = { ...g.data, parentId };
        const row = g.existingId
          ? await tx.geoFeature.update({ where: { id: g.existingId }, data, select: { id: true } })
          : await tx.geoFeature.create({ data, select: { id: true } });
        if (g.data.kind === 'road' || g.data.kind === 'estate')
          parents.set(keyOf(g.data.kind, g.data.name), row.id);
      }
      await bumpGeographyGeneration(tx);
    },
  };
};
