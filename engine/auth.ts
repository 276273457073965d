/**
 * The engine's optional bearer token (ENGINE_AUTH_TOKEN): when set, the gRPC gateway, the REST API and
 * the clock endpoints answer only requests carrying `authorization: Bearer <token>` (what @camunda8/sdk
 * sends with CAMUNDA_AUTH_STRATEGY=BEARER). Without one the engine listens on loopback only: anything that
 * could reach it from another machine could deploy procedures and complete jobs.
 */
import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/** True for names and addresses that never leave the machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h.startsWith('::ffff:127.');
}

/** Refuses to listen beyond loopback without a token, naming the address and the setting. */
export function assertBindAllowed(host: string, token: string | undefined): void {
  if (token || isLoopbackHost(host)) return;
  throw new Error(
    `the engine would listen on ${host}, which other machines can reach, without a token: set ENGINE_AUTH_TOKEN (clients send it as a bearer token) or listen on 127.0.0.1`,
  );
}

/** Whether an `authorization` header carries the token (compared in constant time). */
export function bearerMatches(header: unknown, token: string): boolean {
  if (typeof header !== 'string') return false;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!match) return false;
  const given = Buffer.from(match[1]!);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The problem+json an HTTP endpoint answers a request without the token with. */
export const UNAUTHORIZED_PROBLEM = {
  type: 'about:blank',
  title: 'UNAUTHORIZED',
  status: 401,
  detail: 'Expected a bearer token in the authorization header (ENGINE_AUTH_TOKEN)',
};
