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
  /**
   * Keeps `name` from everyone, this process too, until `until`: a job done once for good (an
   * assessment period). Its holder becomes `<holder> done`, which no acquire matches.
   */
  retire(name: string, until: Date): Promise<void>;
}

/**
 * A lease held is renewed in the database only once a third of its time has gone: callers ask before
 * every pass (the outbox deliverer once a second per adapter), and a write per ask was most of an idle
 * hub's writes. Until its expiry no other process can take the row, so the answer kept is still true,
 * and a caller always starts with at least two thirds of the lease ahead of it.
 */
const RENEW_AFTER = 1 / 3;

export function createLeases(db: Pick<Db, 'prisma'>, holder: string, now: () => Date): Leases {
  const { prisma } = db;
  /** Expiry (ms) of each lease this process holds, as last written. */
  const held = new Map<string, number>();
  async function take(name: string, at: Date, expiresAt: Date) {
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
  }
  return {
    holder,
    async acquire(name, ttlMs) {
      const at = now();
      const until = held.get(name);
      if (until !== undefined && until - at.getTime() > ttlMs * (1 - RENEW_AFTER)) return true;
      const expiresAt = new Date(at.getTime() + ttlMs);
      held.delete(name);
      if (!(await take(name, at, expiresAt))) return false;
      held.set(name, expiresAt.getTime());
      return true;
    },
    async release(name) {
      held.delete(name);
      await prisma.lease.updateMany({ where: { name, holder }, data: { expiresAt: new Date(0) } });
    },
    async retire(name, until) {
      held.delete(name);
      await prisma.lease.update({ where: { name }, data: { holder: `${holder} done`, expiresAt: until } });
    },
  };
}
