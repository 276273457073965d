/**
 * The login rate limit. Every attempt is counted *before* the password is hashed, in three buckets:
 * the user name from this client address (AUTH_LOGIN_MAX_ATTEMPTS), the user name from anywhere
 * (…_PER_ACCOUNT) and the client address for any user name (…_PER_ADDRESS), each within a window of
 * AUTH_LOGIN_WINDOW_SECONDS that starts at its first counted attempt. The count is one atomic upsert per
 * bucket (INSERT … ON CONFLICT DO UPDATE … RETURNING, the same SQL on SQLite and PostgreSQL), so 60
 * parallel guesses, or guesses spread over several hub processes on one database, get exactly the
 * allowed number of hashes and the rest 429. A successful login gives its own attempt back; when no
 * other attempt was counted since, it clears the user's buckets (a user who mistyped twice and then
 * logged in starts afresh) but never the address bucket, which an attacker could otherwise reset by
 * logging into an account of their own.
 *
 * LoginAttempt rows stay the audit trail of hashed attempts (who, from where, success).
 */
import type { Db } from '../db/index.ts';

export interface LoginLimit {
  /** per user name and client address */
  maxAttempts: number;
  maxPerAccount: number;
  maxPerAddress: number;
  windowSeconds: number;
}

interface Counted {
  key: string;
  count: number;
  windowStartMs: bigint;
}

/** The outcome of counting one attempt. */
export type Admission =
  { admitted: true; counted: Counted[] } | { admitted: false; retryAfter: number; counted: Counted[] };

const bucketsOf = (limit: LoginLimit, key: { username: string; ip: string }) => [
  { key: `pair:${key.ip} ${key.username}`, max: limit.maxAttempts, user: true },
  { key: `account:${key.username}`, max: limit.maxPerAccount, user: true },
  { key: `address:${key.ip}`, max: limit.maxPerAddress, user: false },
];

/** Adds one to a bucket (starting a new window when the old one has passed) and returns the new count. */
async function increment(db: Db, key: string, nowMs: number, windowMs: number): Promise<Counted> {
  const now = BigInt(nowMs);
  const cutoff = BigInt(nowMs - windowMs);
  const rows = await db.prisma.$queryRaw<{ count: number | bigint; windowStartMs: number | bigint }[]>`
    INSERT INTO "LoginThrottle" ("key", "count", "windowStartMs") VALUES (${key}, 1, ${now})
    ON CONFLICT ("key") DO UPDATE SET
      "count" = CASE WHEN "LoginThrottle"."windowStartMs" <= ${cutoff} THEN 1
                     ELSE "LoginThrottle"."count" + 1 END,
      "windowStartMs" = CASE WHEN "LoginThrottle"."windowStartMs" <= ${cutoff} THEN ${now}
                             ELSE "LoginThrottle"."windowStartMs" END
    RETURNING "count", "windowStartMs"`;
  const row = rows[0]!;
  return { key, count: Number(row.count), windowStartMs: BigInt(row.windowStartMs) };
}

/**
 * Counts one login attempt in each bucket, before any password is checked. Not admitted when a bucket
 * is over its limit; retryAfter is then the seconds until that bucket's window ends. Buckets are counted
 * in order and counting stops at the first one over its limit, so a client already refused for one user
 * name does not also use up that user's allowance from other addresses.
 */
export async function admitLoginAttempt(
  db: Db,
  limit: LoginLimit,
  key: { username: string; ip: string },
  now: Date,
): Promise<Admission> {
  const windowMs = limit.windowSeconds * 1000;
  const counted: Counted[] = [];
  for (const bucket of bucketsOf(limit, key)) {
    const c = await increment(db, bucket.key, now.getTime(), windowMs);
    counted.push(c);
    if (c.count > bucket.max) {
      const ends = Number(c.windowStartMs) + windowMs;
      return { admitted: false, retryAfter: Math.max(1, Math.ceil((ends - now.getTime()) / 1000)), counted };
    }
  }
  return { admitted: true, counted };
}

/**
 * After a successful login: clears the user's buckets when nothing was counted in them since this
 * attempt, else gives this attempt back; gives it back in the address bucket.
 */
export async function loginSucceeded(
  db: Db,
  limit: LoginLimit,
  key: { username: string; ip: string },
  counted: Counted[],
): Promise<void> {
  const buckets = bucketsOf(limit, key);
  for (const c of counted) {
    const same = { key: c.key, windowStartMs: c.windowStartMs };
    if (buckets.find((b) => b.key === c.key)?.user) {
      const cleared = await db.prisma.loginThrottle.updateMany({
        where: { ...same, count: c.count },
        data: { count: 0 },
      });
      if (cleared.count === 1) continue;
    }
    await db.prisma.loginThrottle.updateMany({
      where: { ...same, count: { gt: 0 } },
      data: { count: { decrement: 1 } },
    });
  }
}

/** Records one hashed attempt for the audit trail and forgets attempts and buckets past the window. */
export async function recordLoginAttempt(
  db: Db,
  limit: LoginLimit,
  attempt: { username: string; ip: string; success: boolean },
  now: Date,
): Promise<void> {
  const cutoff = now.getTime() - limit.windowSeconds * 1000;
  await db.prisma.loginAttempt.create({ data: { ...attempt, at: now } });
  await db.prisma.loginAttempt.deleteMany({ where: { at: { lt: new Date(cutoff) } } });
  await db.prisma.loginThrottle.deleteMany({ where: { windowStartMs: { lte: BigInt(cutoff) } } });
}
