/**
 * Leases: a Lease row held by one hub process at a time, so that a job every hub instance sharing the
 * database would run (an adapter's poller, consumer or outbox deliverer, the assessment schedule) runs
 * in one of them. Taken by insert, or by taking over a row whose holder let it expire; renewed by its
 * holder. Plain SQL through Prisma, the same on SQLite and PostgreSQL (no advisory locks).
 */
import { isUniqueViolation } from './errors.ts';
import type { Db } from './index.ts';

export interface Leases {
  /** This process's holder id. */
  readonly holder: string;
  /** True when this process holds (or just took, or renewed) `name` for `ttlMs` from now. */
  acquire(name: string, ttlMs: number): Promise<boolean>;
  /** Gives `name` up if held (on stop), so another process takes over at once. */
  release(name: string): Promise<void>;
}

export function createLeases(db: Pick<Db, 'prisma'>, holder: string, now: () => Date): Leases {
  const { prisma } = db;
  return {
    holder,
    async acquire(name, ttlMs) {
      const at = now();
      const expiresAt = new Date(at.getTime() + ttlMs);
      const taken = await prisma.lease.updateMany({
        where: { name, OR: [{ holder }, { expiresAt: { lt: at } }] },
        data: { holder, expiresAt },
      });
      if (taken.count === 1) return true;
      try {
        await prisma.lease.create({ data: { name, holder, expiresAt } });
        return true;
      } catch (err) {
        // Another process holds it (or created it a moment ago).
        if (isUniqueViolation(err)) return false;
        throw err;
      }
    },
    async release(name) {
      await prisma.lease.updateMany({ where: { name, holder }, data: { expiresAt: new Date(0) } });
    },
  };
}
