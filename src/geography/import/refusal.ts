/**
 * What every import route (geography, 部件普查, 广告店招) says about refused rows: their schema in the
 * report, and the 422 an import with any refused row answers (it stored nothing); and the field changes a
 * re-import records in a registry entry's history, as they read back.
 */
import { z } from 'zod';
import { HubError } from '../../errors.ts';
import type { Rejection } from './target.ts';

/** The refused rows of an import report. */
export const rejectionsSchema = z.array(
  z.object({
    at: z.string().describe('第 3 行 / 第 5 个要素 / 文件'),
    line: z.number().int().nullable(),
    feature: z.number().int().nullable(),
    reason: z.string().describe('why, in zh-CN'),
  }),
);

/** The 422 of an import that refused rows: each row named, the whole report in `report`. */
export function importRefused(what: string, rejected: readonly Rejection[], report: unknown): HubError {
  return new HubError('validation', `${what}被拒绝：${rejected.length} 处问题，未保存任何数据`, {
    status: 422,
    errors: rejected.map((r) => ({ field: r.at, message: r.reason })),
    extensions: { report },
  });
}

/** A history row's stored `changes` (JSON: [{ field, from, to }]) as the API answers them; [] when absent. */
export function storedChanges(value: unknown): { field: string; from: string | null; to: string | null }[] {
  if (!Array.isArray(value)) return [];
  return (value as { field: string; from: string | null; to: string | null }[]).map((c) => ({
    field: c.field,
    from: c.from,
    to: c.to,
  }));
}
