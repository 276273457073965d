/**
 * One 广告店招 archive entry's fields and their rules, shared by the API (a hand-made entry) and the
 * import (a file's row): every problem named by its field, in zh-CN, since the person who reads it is the
 * one who filled in the form or prepared the file.
 */
import type { AdSignKind } from '../db/index.ts';
import type { FieldError } from '../errors.ts';
import { checkGeometry, type Extent } from '../geography/geojson.ts';
import { geometryReason } from '../geography/import/reasons.ts';

export const AD_SIGN_KIND_LABELS: Record<AdSignKind, string> = {
  shop_sign: '店招',
  billboard: '户外广告',
  light_box: '灯箱',
  screen: '电子屏',
  banner: '横幅',
  other: '其他',
};
export const AD_SIGN_KINDS = Object.keys(AD_SIGN_KIND_LABELS) as AdSignKind[];

/** A kind given as its code or its word (a file from the archive's spreadsheet says 店招). */
export const kindOf = (text: string): AdSignKind | undefined =>
  AD_SIGN_KINDS.find((k) => k === text || AD_SIGN_KIND_LABELS[k] === text);

/** An entry as given (API body or file row, already typed); dates YYYY-MM-DD. */
export interface SignValues {
  code: string;
  kind: AdSignKind;
  name: string;
  lng: number;
  lat: number;
  address?: string | null;
  widthM?: number | null;
  heightM?: number | null;
  ownerName: string;
  ownerContact?: string | null;
  permitNo?: string | null;
  permitStart?: string | null;
  permitEnd?: string | null;
  permitConditions?: string | null;
  note?: string | null;
}

export const CODE_PATTERN = /^[A-Za-z0-9-]{1,40}$/;
const MAX_SIDE_M = 200;

/** The stored form of a YYYY-MM-DD date, or null when it is not a real date. */
export function dateOf(text: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return null;
  const d = new Date(`${text}T00:00:00Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== text ? null : d;
}

/** Every problem of an entry; `prefix` is where its fields sit (`body.` for the API, '' for a file). */
export function checkSign(v: SignValues, extent: Extent, prefix: string): FieldError[] {
  const errors: FieldError[] = [];
  const bad = (field: string, message: string) => errors.push({ field: `${prefix}${field}`, message });
  if (!CODE_PATTERN.test(v.code)) bad('code', `档案号「${v.code}」只能是字母、数字和 -，至多 40 个字符`);
  if (!v.name.trim()) bad('name', '缺少名称（店名或广告内容）');
  if (!v.ownerName.trim()) bad('ownerName', '缺少设置单位或个人（ownerName）');
  const found: FieldError[] = [];
  checkGeometry({ type: 'Point', coordinates: [v.lng, v.lat] }, 'geometry', ['Point'], extent, found);
  for (const e of found) bad(e.field.endsWith('.1') ? 'lat' : 'lng', geometryReason(e, 'geometry'));
  for (const side of ['widthM', 'heightM'] as const) {
    const n = v[side];
    if (n !== undefined && n !== null && !(n > 0 && n <= MAX_SIDE_M))
      bad(side, `${side === 'widthM' ? '宽度' : '高度'}应在 0–${MAX_SIDE_M} 米之间，实际为 ${n}`);
  }
  const start = v.permitStart ? dateOf(v.permitStart) : null;
  const end = v.permitEnd ? dateOf(v.permitEnd) : null;
  if (v.permitStart && !start) bad('permitStart', `许可起始日期「${v.permitStart}」应为 YYYY-MM-DD`);
  if (v.permitEnd && !end) bad('permitEnd', `许可截止日期「${v.permitEnd}」应为 YYYY-MM-DD`);
  if (v.permitNo && (!v.permitStart || !v.permitEnd))
    bad('permitNo', '有许可证号就要有许可期限（permitStart 和 permitEnd）');
  if (!v.permitNo && (v.permitStart || v.permitEnd)) bad('permitNo', '有许可期限就要有许可证号（permitNo）');
  if (start && end && end < start)
    bad('permitEnd', `许可截止日期 ${v.permitEnd} 早于起始日期 ${v.permitStart}`);
  return errors;
}

/** The stored columns of checked values. */
export function signData(v: SignValues) {
  return {
    code: v.code,
    kind: v.kind,
    name: v.name.trim(),
    lng: v.lng,
    lat: v.lat,
    address: v.address ?? null,
    widthM: v.widthM ?? null,
    heightM: v.heightM ?? null,
    ownerName: v.ownerName.trim(),
    ownerContact: v.ownerContact ?? null,
    permitNo: v.permitNo ?? null,
    permitStart: v.permitStart ? dateOf(v.permitStart) : null,
    permitEnd: v.permitEnd ? dateOf(v.permitEnd) : null,
    permitConditions: v.permitConditions ?? null,
    note: v.note ?? null,
  };
}
export type SignData = ReturnType<typeof signData>;

/** What the history keeps of a change: each field before and after, as text. */
export function signDiff(before: Partial<SignData>, after: Partial<SignData>) {
  const text = (x: unknown) =>
    x instanceof Date ? x.toISOString().slice(0, 10) : x === null || x === undefined ? null : String(x);
  return (Object.keys(after) as (keyof SignData)[])
    .filter((f) => text(before[f]) !== text(after[f]))
    .map((f) => ({ field: f, from: text(before[f]), to: text(after[f]) }));
}
