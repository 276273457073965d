/**
 * One number that says "the reference data changed": the work calendar (its settings and day
 * overrides) and the categories with their time limits. These change through the admin API a few times
 * a year, yet every timed step of every case needs them; the deadline worker keeps them in memory and
 * checks only this number (one primary-key read) instead of loading four tables and building the
 * calendar for each job.
 *
 * The number is the Counter row `reference:generation`, bumped by every admin write to those tables in
 * the same transaction as the write. A counter in the case store rather than an in-process event,
 * because several hub instances may share one database (design.md): an edit made through one
 * instance applies at once on it and within a second (RECHECK_MS) on the others. A reader that took the
 * old number just before an edit committed reloads on its next use. Rows changed outside the admin API
 * (SQL by hand) are seen only after a bump of the row or a restart.
 */
import type { Prisma, PrismaClient } from '../db/index.ts';

export const REFERENCE_GENERATION = 'reference:generation';

/**
 * Marks the reference data changed, in the transaction that changes it: awaited with a transaction's
 * client, or as one operation of a batch `$transaction([…])` (it returns Prisma's lazy promise).
 */
export const bumpReferenceGeneration = (client: Pick<Prisma.TransactionClient, 'counter'>) => {
  lastLocalBump = Date.now();
  return client.counter.upsert({
    where: { name: REFERENCE_GENERATION },
    create: { name: REFERENCE_GENERATION, value: 1 },
    update: { value: { increment: 1 } },
  });
};

/**
 * How long a number read is trusted without reading it again: every case reads the reference data
 * several times (report, classify, dispatch, deadlines), and an edit reaching the other hub instances
 * within a second is soon enough (as the grid index, src/geography/grid.ts).
 */
const RECHECK_MS = 1000;
/**
 * After an edit through this process nothing is trusted for this long, so its own next reads see the
 * edit at once (the bump is written before its transaction commits; a read in between is not kept).
 */
const AFTER_LOCAL_BUMP_MS = 5000;
let lastLocalBump = -Infinity;
const lastRead = new WeakMap<object, { value: number; at: number }>();

/**
 * The current number (0 before the first edit), read at most once a second (RECHECK_MS) per hub client
 * `prisma`; `via` reads it (a transaction's client inside a transaction).
 */
export async function referenceGeneration(
  prisma: Pick<PrismaClient, 'counter'>,
  via: Pick<PrismaClient, 'counter'> = prisma,
): Promise<number> {
  const now = Date.now();
  const known = lastRead.get(prisma);
  if (known && now - known.at < RECHECK_MS && known.at > lastLocalBump + AFTER_LOCAL_BUMP_MS)
    return known.value;
  const row = await via.counter.findUnique({
    where: { name: REFERENCE_GENERATION },
    select: { value: true },
  });
  const value = row?.value ?? 0;
  lastRead.set(prisma, { value, at: now });
  return value;
}

/**
 * A value derived from the reference data, loaded again only when the generation moved: read the
 * generation once (referenceGeneration) and ask each cache `at(generation)`, so several caches cost one
 * read. A failed load is not kept (the next call tries again). `args` go to the load (the client to read
 * through, say).
 */
export function cachedByGeneration<T, A extends unknown[] = []>(
  load: (...args: A) => Promise<T>,
): { at(generation: number, ...args: A): Promise<T> } {
  let cached: { generation: number; value: Promise<T> } | undefined;
  return {
    at(generation, ...args) {
      if (cached?.generation !== generation) {
        const entry = { generation, value: load(...args) };
        cached = entry;
        entry.value.catch(() => {
          if (cached === entry) cached = undefined;
        });
      }
      return cached.value;
    },
  };
}
