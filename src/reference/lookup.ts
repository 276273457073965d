/**
 * Categories and departments by key, from memory: a case looks them up at its report, classify, 派遣 and
 * the dispatch job, and they change a few times a year through the admin API, which bumps the reference
 * generation (generation.ts) in the same transaction. Both tables are small (hundreds of rows), so the
 * whole table is loaded when the generation moves. A key not in memory (a row created after the load:
 * creating one needs no bump) is read from the case store.
 */
import type { Category, Department, PrismaClient } from '../db/index.ts';
import { cachedByGeneration, referenceGeneration } from './generation.ts';

type LookupPrisma = Pick<PrismaClient, 'counter' | 'category' | 'department'>;

export interface ReferenceLookup {
  /** The category of that kind and code (active or not), or null. */
  category(kind: Category['kind'], code: string): Promise<Category | null>;
  /** The department (active or not), or null. */
  department(id: string): Promise<Department | null>;
  /**
   * The same memory, read through a transaction's client when it must read: inside a transaction only its
   * client may be used (SQLite has one connection; see src/db/sqlite-one-writer.ts).
   */
  within(tx: LookupPrisma): ReferenceLookup;
}

const lookups = new WeakMap<object, ReferenceLookup>();

/** The lookup of a case store (one per client, shared by the API and the workers of a process). */
export function referenceLookup(prisma: LookupPrisma): ReferenceLookup {
  let lookup = lookups.get(prisma);
  if (lookup) return lookup;
  // A table is loaded through the client of whoever asks first after the generation moved.
  const categories = cachedByGeneration(async (via: LookupPrisma) => {
    const rows = await via.category.findMany();
    return new Map(rows.map((c) => [`${c.kind}:${c.code}`, c]));
  });
  const departments = cachedByGeneration(async (via: LookupPrisma) => {
    const rows = await via.department.findMany();
    return new Map(rows.map((d) => [d.id, d]));
  });
  const reading = (via: LookupPrisma): ReferenceLookup => ({
    async category(kind, code) {
      const generation = await referenceGeneration(prisma, via);
      const known = (await categories.at(generation, via)).get(`${kind}:${code}`);
      return known ?? via.category.findUnique({ where: { kind_code: { kind, code } } });
    },
    async department(id) {
      const generation = await referenceGeneration(prisma, via);
      const known = (await departments.at(generation, via)).get(id);
      return known ?? via.department.findUnique({ where: { id } });
    },
    within: reading,
  });
  lookup = reading(prisma);
  lookups.set(prisma, lookup);
  return lookup;
}
