/**
 * The login rate limit: at most AUTH_LOGIN_MAX_ATTEMPTS failed logins per user name and client address
 * within AUTH_LOGIN_WINDOW_SECONDS, counted after the last successful login. Attempts are rows in
 * LoginAttempt, so several hub processes behind one database share the count.
 */
import type { Db } from '../db/index.ts';

export interface LoginLimit {
  maxAttempts: number;
  windowSeconds: number;
}

/**
 * Returns how many seconds the caller must wait before trying again, or 0 when a login may be tried now.
 */
export async function loginRetryAfter(
  db: Db,
  limit: LoginLimit,
  key: { username: string; ip: string },
  now: Date,
): Promise<number> {
  const windowMs = limit.windowSeconds * 1000;
  const attempts = await db.prisma.loginAttempt.findMany({
    where: { username: key.username, ip: key.ip, at: { gte: new Date(now.getTime() - windowMs) } },
    orderBy: { at: 'asc' },
    select: { at: true, success: true },
  });
  const lastSuccess = attempts.findLastIndex((a) => a.success);
  const failures = attempts.slice(lastSuccess + 1);
  if (failures.length < limit.maxAttempts) return 0;
  // The caller may try again once enough failures have left the window to drop below the limit.
  const oldestCounted = failures[failures.length - limit.maxAttempts]!.at.getTime();
  return Math.max(1, Math.ceil((oldestCounted + windowMs - now.getTime()) / 1000));
}

/** Records one attempt and forgets attempts older than the window (they no longer count). */
export async function recordLoginAttempt(
  db: Db,
  limit: LoginLimit,
  attempt: { username: string; ip: string; success: boolean },
  now: Date,
): Promise<void> {
  await db.prisma.loginAttempt.create({ data: { ...attempt, at: now } });
  await db.prisma.loginAttempt.deleteMany({
    where: { at: { lt: new Date(now.getTime() - limit.windowSeconds * 1000) } },
  });
}
