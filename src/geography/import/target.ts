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
}

export interface TargetContext {
  prisma: PrismaClient;
  extent: Extent;
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

/** Rows that are not GeoJSON features at all. */
export const notFeature = (row: SourceRow) =>
  row.props.__notFeature ? '不是 GeoJSON 要素（需要 "type": "Feature"）' : undefined;

/** A CSV record with more cells than the header has names. */
export const extraCells = (row: SourceRow) =>
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
