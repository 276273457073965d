/**
 * The 地下管网 line a 井盖 covers (issue 12): a manhole cover or gully grate is named in GB/T 30428.2 by what
 * runs under it (上水井盖, 污水井盖, 雨水箅子, 燃气井盖 …), so its type's name gives the kind of line, and the
 * line is the nearest of that kind passing within COVER_DISTANCE_M of the cover's point. Computed when read:
 * a re-surveyed line or a moved cover needs no second record to keep in step.
 */
import type { PipelineKind, PrismaClient } from '../db/index.ts';
import { pipelinesNear, type NearbyPipeline } from './nearby.ts';

/** A survey places a cover within a few metres of the line's surveyed axis. */
export const COVER_DISTANCE_M = 3;

/** The words of a cover type's name and the kind of line each names (公安井盖 and the like: none). */
const CARRIES: [RegExp, PipelineKind][] = [
  [/上水|给水|自来水|消防/, 'water'],
  [/污水|雨水|排水/, 'drainage'],
  [/燃气|煤气|天然气/, 'gas'],
  [/电力|路灯|供电/, 'power'],
  [/通讯|通信|电视|网络|电信/, 'telecom'],
  [/热力|供热/, 'heat'],
];

/** The kind of line under a component of this type, or null for what is no cover. */
export function coveredKind(categoryName: string): PipelineKind | null {
  if (!/(井盖|箅子|篦子)$/.test(categoryName)) return null;
  return CARRIES.find(([words]) => words.test(categoryName))?.[1] ?? null;
}

/** The line a cover of that type at that point covers, or null. */
export async function coveredPipeline(
  prisma: PrismaClient,
  categoryName: string | null,
  at: { lng: number; lat: number },
): Promise<NearbyPipeline | null> {
  const kind = categoryName ? coveredKind(categoryName) : null;
  if (!kind) return null;
  const near = await pipelinesNear(prisma, at, COVER_DISTANCE_M);
  return near.find((n) => n.pipeline.kind === kind) ?? null;
}
