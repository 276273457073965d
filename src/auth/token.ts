/**
 * Bearer token formats.
 *
 * Session token: `s1.<sessionId>.<expiresAtUnixSeconds>.<mac>`, mac = HMAC-SHA256(key, the part before
 * it), base64url. The MAC lets a forged or tampered token fail before any database read; the Session row
 * makes the token revocable (logout, deactivation).
 *
 * API token: `cgh_<43 chars of base64url randomness>`. Only its SHA-256 is stored (the token itself is
 * high-entropy, so a slow hash adds nothing); the first characters are kept as a display prefix.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const SESSION_VERSION = 's1';
const API_TOKEN_PREFIX = 'cgh_';

const mac = (key: Buffer, payload: string) => createHmac('sha256', key).update(payload).digest('base64url');

/** Signs a session token for a session id that expires at the given time. */
export function signSessionToken(key: Buffer, sessionId: string, expiresAt: Date): string {
  const payload = `${SESSION_VERSION}.${sessionId}.${Math.floor(expiresAt.getTime() / 1000)}`;
  return `${payload}.${mac(key, payload)}`;
}

/**
 * Verifies a session token's signature and expiry; returns the session id, or undefined for a token that
 * is malformed, forged or expired.
 */
export function verifySessionToken(key: Buffer, token: string, now = new Date()): string | undefined {
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== SESSION_VERSION) return undefined;
  const [, sessionId, exp, given] = parts as [string, string, string, string];
  const expected = Buffer.from(mac(key, `${SESSION_VERSION}.${sessionId}.${exp}`));
  const actual = Buffer.from(given);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return undefined;
  if (!/^\d+$/.test(exp) || Number(exp) * 1000 <= now.getTime()) return undefined;
  return sessionId;
}

/** Whether a bearer token is an API token (rather than a session token). */
export const isApiToken = (token: string) => token.startsWith(API_TOKEN_PREFIX);

/** A new API token: the secret to show once, its hash to store, and a prefix to display. */
export function generateApiToken(): { token: string; tokenHash: string; prefix: string } {
  const token = API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { token, tokenHash: hashApiToken(token), prefix: token.slice(0, API_TOKEN_PREFIX.length + 6) };
}

/** The stored form of an API token. */
export const hashApiToken = (token: string) => createHash('sha256').update(token).digest('hex');
