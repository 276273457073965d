/**
 * The work calendar and the categories' time limits as of a reference generation (generation.ts), kept
 * per case store and time zone: every timed step of every case needs them (the deadline worker, the
 * case lists' clocks, the map's lights of up to 10,000 open cases per request), and they change only
 * through the admin API, which bumps the generation. A category created after the load (creating one
 * needs no bump) is not in the map: a reader that misses one looks it up in the case store.
 */
import { loadWorkCalendar, type WorkCalendar } from '../calendar/index.ts';
import type { CategoryLimit, Db, PrismaClient } from '../db/index.ts';
import { cachedByGeneration } from './generation.ts';

/** A category's time limits, by `<urgency>:<step>`. */
export interface CategoryLimits {
  id: string;
  name: string;
  limits: Map<string, CategoryLimit>;
}

export interface TimeLimitCaches {
  calendar: { at(generation: number): Promise<WorkCalendar> };
  /** Every category with its limits, by `<kind>:<code>`. */
  categories: { at(generation: number): Promise<Map<string, CategoryLimits>> };
}

const caches = new WeakMap<PrismaClient, Map<string, TimeLimitCaches>>();

/** The caches of a case store in a time zone (the calendar's days are that zone's). */
export function timeLimitCaches(db: Pick<Db, 'prisma'>, timezone: string): TimeLimitCaches {
  const { prisma } = db;
  let byZone = caches.get(prisma);
  if (!byZone) caches.set(prisma, (byZone = new Map()));
  let found = byZone.get(timezone);
  if (!found) {
    found = {
      calendar: cachedByGeneration(() => loadWorkCalendar(db, { timezone })),
      categories: cachedByGeneration(async () => {
        const [categories, limits] = await Promise.all([
          prisma.category.findMany({ select: { id: true, kind: true, code: true, name: true } }),
          prisma.categoryLimit.findMany(),
        ]);
        const byId = new Map<string, CategoryLimits>();
        const byCode = new Map<string, CategoryLimits>();
        for (const c of categories) {
          const entry = { id: c.id, name: c.name, limits: new Map<string, CategoryLimit>() };
          byId.set(c.id, entry);
          byCode.set(`${c.kind}:${c.code}`, entry);
        }
        for (const l of limits) byId.get(l.categoryId)?.limits.set(`${l.urgency}:${l.step}`, l);
        return byCode;
      }),
    };
    byZone.set(timezone, found);
  }
  return found;
}
