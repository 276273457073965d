/**
 * The 广告店招 archive from a file (GeoJSON or CSV, through the geography importer: all or nothing, each
 * refused row named with why). Columns / properties: `code` (档案号), `kind` (店招/户外广告/灯箱/电子屏/横幅/
 * 其他 or its code), `name`, `address`, `widthM`, `heightM`, `ownerName`, `ownerContact`, `permitNo`,
 * `permitStart`, `permitEnd` (YYYY-MM-DD), `permitConditions`, `note`, and a Point (or `lng`/`lat`). A row
 * whose 档案号 is in the archive updates that entry (its history says what changed); else it adds one.
 */
import { cellAt } from '../geography/grid.ts';
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
import { AD_SIGN_KIND_LABELS, checkSign, kindOf, signData, signDiff, type SignData } from './sign.ts';

interface Good {
  data: SignData & { gridCode: string | null };
  existing: boolean;
  changes: ReturnType<typeof signDiff>;
}

/** A number column: undefined when empty, NaN (refused by the checks) when not a number. */
const numberProp = (text: string | undefined) => (text === undefined ? undefined : Number(text));

export const importAdSigns: Target = async (rows, { prisma, extent, actor }) => {
  const stored = new Map((await prisma.adSign.findMany()).map((s) => [s.code, s]));
  const seen = firstSeen();
  const rejected: Rejection[] = [];
  const good: Good[] = [];
  for (const row of rows) {
    const problems = rowProblems(row);
    const code = textProp(row, 'code');
    if (!code) problems.push('缺少档案号（code 列）');
    else {
      const twin = seen(row, code);
      if (twin) problems.push(`与${twin}重复（档案号 ${code}）`);
    }
    const kindText = textProp(row, 'kind');
    const kind = kindText ? kindOf(kindText) : undefined;
    if (!kindText) problems.push('缺少类型（kind 列）');
    else if (!kind)
      problems.push(`类型「${kindText}」未知（应为 ${Object.values(AD_SIGN_KIND_LABELS).join('、')}）`);
    const point = geometryOf(row, ['Point'], extent, problems);
    if (problems.length || !code || !kind || !point) {
      rejected.push(reject(row, problems.join('；')));
      continue;
    }
    const [lng, lat] = point.geometry.coordinates as [number, number];
    const values = {
      code,
      kind,
      name: textProp(row, 'name') ?? '',
      lng,
      lat,
      address: textProp(row, 'address') ?? null,
      widthM: numberProp(textProp(row, 'widthM')) ?? null,
      heightM: numberProp(textProp(row, 'heightM')) ?? null,
      ownerName: textProp(row, 'ownerName') ?? '',
      ownerContact: textProp(row, 'ownerContact') ?? null,
      permitNo: textProp(row, 'permitNo') ?? null,
      permitStart: textProp(row, 'permitStart') ?? null,
      permitEnd: textProp(row, 'permitEnd') ?? null,
      permitConditions: textProp(row, 'permitConditions') ?? null,
      note: textProp(row, 'note') ?? null,
    };
    // The position was checked above; the other fields' rules are the API's.
    const errors = checkSign(values, extent, '').filter((e) => e.field !== 'lng' && e.field !== 'lat');
    if (errors.length) {
      rejected.push(reject(row, errors.map((e) => e.message).join('；')));
      continue;
    }
    const data = { ...signData(values), gridCode: (await cellAt(prisma, lng, lat))?.code ?? null };
    const before = stored.get(code);
    good.push({ data, existing: Boolean(before), changes: before ? signDiff(before, data) : [] });
  }
  const result = outcome(rejected, good, async (tx, signs) => {
    const at = new Date();
    const who = { actorUserId: actor?.userId ?? null, actorName: actor?.name ?? '档案导入' };
    for (const g of signs) {
      if (g.existing && !g.changes.length) continue;
      const row = await tx.adSign.upsert({ where: { code: g.data.code }, create: g.data, update: g.data });
      await tx.adSignEvent.create({
        data: {
          adSignId: row.id,
          type: 'imported',
          at,
          ...who,
          ...(g.existing ? { changes: g.changes, note: '导入更新' } : { note: '导入登记' }),
        },
      });
    }
  });
  // A row that changes nothing is not counted as updated.
  return { ...result, updated: good.filter((g) => g.existing && g.changes.length).length };
};
