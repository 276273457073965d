/**
 * 领导通's targets: the figures the city reports (处置率, 结案率, 平均处置时长) and the values a leader holds
 * them against. Stored as the Setting `leader.targets`; the defaults are Rugao's own reported figures
 * (design.md: 99 %, 98 %, 11.70 h).
 */
import { z } from 'zod';
import type { Db } from '../db/index.ts';

export const LEADER_TARGETS_KEY = 'leader.targets';

export const targetsSchema = z
  .object({
    disposalRate: z.number().min(0).max(1).describe('处置率 target, a share (0.99 = 99 %)'),
    closureRate: z.number().min(0).max(1).describe('结案率 target, a share'),
    avgHandlingHours: z
      .number()
      .positive()
      .max(10_000)
      .describe('平均处置时长 target, working hours (at most)'),
  })
  .strict();
export type Targets = z.infer<typeof targetsSchema>;

export const DEFAULT_TARGETS: Targets = { disposalRate: 0.99, closureRate: 0.98, avgHandlingHours: 11.7 };

/** The targets in force: the stored setting over the defaults. */
export async function loadTargets(db: Pick<Db, 'prisma'>): Promise<Targets> {
  const row = await db.prisma.setting.findUnique({ where: { key: LEADER_TARGETS_KEY } });
  const parsed = targetsSchema.partial().safeParse(row?.value ?? {});
  return { ...DEFAULT_TARGETS, ...(parsed.success ? parsed.data : {}) };
}

export async function saveTargets(db: Pick<Db, 'prisma'>, targets: Targets, updatedBy: string) {
  await db.prisma.setting.upsert({
    where: { key: LEADER_TARGETS_KEY },
    create: { key: LEADER_TARGETS_KEY, value: targets, updatedBy },
    update: { value: targets, updatedBy },
  });
  return targets;
}
