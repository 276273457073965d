/**
 * What each import target (gazetteer, grid, components) does with the rows of a file: checks every row
 * against the file and the store, and, only when no row was refused, writes them all in the one
 * transaction the importer opens.
 */
import type { PrismaClient, Prisma } from '../../db/index.ts';
import type { FieldError } from '../../errors.ts';
import { checkGeometry, type Extent, type GeometryType } from '../geojson.ts';
import { geometryReason } from './reasons.ts';
import { placeOf, type SourceRow } from './source.ts';
import type { ComponentChange } from './components.ts';

/** A refused row: where it is and why, in words. */
export interface Rejection {
  /** 第 3 行 / 第 5 个要素 / 文件 */
  at: string;
  line: number | null;
  feature: number | null;
  reason: string;
}

export interface Prepared {
  rejected: Rejection[];
  added: number;
  updated: number;
  /** Writes the rows (called only when nothing was rejected), inside the import's transaction. */
  write(tx: Prisma.TransactionClient): Promise<void>;
  /** Components: what a re-survey changed, per component and field. */
  changes?: ComponentChange[];
  /** Components: rows that matched a stored one and changed nothing. */
  unchanged?: number;
}

export interface TargetContext {
  prisma: PrismaClient;
  extent: Extent;
  /** Who imports (written in the components' history). */
  actor?: { userId: string | null; name: string };
}

export type Target = (rows: SourceRow[], ctx: TargetContext) => Promise<Prepared>;

export const reject = (row: SourceRow, reason: string): Rejection => ({
  at: placeOf(row),
  line: row.line,
  feature: row.feature,
  reason,
});

/** A property as trimmed text, or undefined when absent or empty. */
export function textProp(row: SourceRow, name: string): string | undefined {
  const v = row.props[name];
  if (v === undefined || v === null) return undefined;
  const s = String(v).trim();
  return s === '' ? undefined : s;
}

/** A property as a whole number; `bad` is set when it is there but not one. */
export function intProp(row: SourceRow, name: string, problems: string[]): number | undefined {
  const s = textProp(row, name);
  if (s === undefined) return undefined;
  if (!/^\d+$/.test(s)) {
    problems.push(`${name} 应为非负整数，实际为「${s}」`);
    return undefined;
  }
  return Number(s);
}

/**
 * The row's `code`, when it has `digits` digits and no earlier row of the file has it; else a problem
 * naming `what` (网格编码, 部件编码), its `layout` and the earlier row.
 */
export function codeProp(
  row: SourceRow,
  digits: number,
  what: string,
  layout: string,
  seen: ReturnType<typeof firstSeen>,
  problems: string[],
): string | undefined {
  const code = textProp(row, 'code');
  if (!code) problems.push(`缺少${what}（code 列）`);
  else if (!new RegExp(`^\\d{${digits}}$`).test(code))
    problems.push(`${what}「${code}」应为 ${digits} 位数字（${layout}）`);
  else {
    const twin = seen(row, code);
    if (twin) problems.push(`与${twin}重复（${what} ${code}）`);
    else return code;
  }
  return undefined;
}

/** Keys seen in the file, so the second row with the same key is refused naming the first. */
export function firstSeen() {
  const seen = new Map<string, string>();
  return (row: SourceRow, key: string): string | undefined => {
    const earlier = seen.get(key);
    if (earlier) return earlier;
    seen.set(key, placeOf(row));
    return undefined;
  };
}

/** The problems of a row's shape, found before its columns are read (not a feature, too many cells). */
export function rowProblems(row: SourceRow): string[] {
  const shape = notFeature(row) ?? extraCells(row);
  return shape ? [shape] : [];
}

/** The `active` column: true unless it says false; anything but true/false is a problem. */
export function activeProp(row: SourceRow, problems: string[]): boolean {
  const text = textProp(row, 'active');
  if (text !== undefined && text !== 'true' && text !== 'false')
    problems.push(`active 应为 true 或 false，实际为「${text}」`);
  return text !== 'false';
}

/** A target's outcome from its accepted rows, each either new or updating a stored row of its key. */
export function outcome<G extends { existing: boolean }>(
  rejected: Rejection[],
  good: G[],
  write: (tx: Prisma.TransactionClient, good: G[]) => Promise<void>,
): Prepared {
  return {
    rejected,
    added: good.filter((g) => !g.existing).length,
    updated: good.filter((g) => g.existing).length,
    write: (tx) => write(tx, good),
  };
}

/** Rows that are not GeoJSON features at all. */
const notFeature = (row: SourceRow) =>
  row.props.__notFeature ? '不是 GeoJSON 要素（需要 "type": "Feature"）' : undefined;

/** A CSV record with more cells than the header has names. */
const extraCells = (row: SourceRow) =>
  typeof row.props.__extraCells === 'number'
    ? `比列名多 ${row.props.__extraCells} 个值（逗号是否需要引号？）`
    : undefined;

/** False (with the problem) when the row gives no geometry, or geometry text that is not JSON. */
export function hasGeometry(row: SourceRow, problems: string[]): boolean {
  const g = row.geometry as { __unreadable?: string } | undefined;
  if (g === undefined) {
    problems.push(row.line !== null ? '缺少位置：需要 geometry 列或 lng、lat 列' : '缺少几何（geometry）');
    return false;
  }
  if (typeof g === 'object' && g !== null && g.__unreadable !== undefined) {
    problems.push(`geometry 列不是 GeoJSON 几何：「${g.__unreadable.slice(0, 40)}」`);
    return false;
  }
  return true;
}

/** The row's geometry checked (type, closed rings, no self-crossing, inside the city), or problems in words. */
export function geometryOf(
  row: SourceRow,
  allowed: readonly GeometryType[],
  extent: Extent,
  problems: string[],
) {
  if (!hasGeometry(row, problems)) return undefined;
  const errors: FieldError[] = [];
  const shape = checkGeometry(row.geometry, 'geometry', allowed, extent, errors);
  for (const e of errors) problems.push(geometryReason(e, 'geometry'));
  return shape;
}
