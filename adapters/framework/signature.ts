/**
 * Webhook signatures: HMAC-SHA256 over `<timestamp>.<raw body>` with a secret shared with the sender,
 * sent as `X-Hub-Timestamp: <unix seconds>` and `X-Hub-Signature: sha256=<hex>`. The timestamp inside
 * the MAC and the replay window stop a captured request from being replayed later; the comparison is
 * constant-time so the signature cannot be guessed byte by byte.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'x-hub-timestamp';
export const SIGNATURE_HEADER = 'x-hub-signature';

/** The signature header value for a body sent at `timestamp` (unix seconds). */
export function sign(secret: string, timestamp: number, body: string | Buffer): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(body);
  return `sha256=${mac.digest('hex')}`;
}

/** Headers that sign `body` now (for senders: simulators, tests, benches). */
export function signedHeaders(
  secret: string,
  body: string | Buffer,
  at = Date.now(),
): Record<string, string> {
  const timestamp = Math.floor(at / 1000);
  return { [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: sign(secret, timestamp, body) };
}

/** Why a signature was refused, or null when it is good. */
export function verify(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: Buffer,
  options: { toleranceSeconds: number; now: number },
): string | null {
  if (!headers.timestamp || !headers.signature) return `missing ${TIMESTAMP_HEADER} or ${SIGNATURE_HEADER}`;
  if (!/^\d{1,12}$/.test(headers.timestamp)) return `${TIMESTAMP_HEADER} is not unix seconds`;
  const timestamp = Number(headers.timestamp);
  if (Math.abs(options.now / 1000 - timestamp) > options.toleranceSeconds)
    return `${TIMESTAMP_HEADER} is outside the ${options.toleranceSeconds} s replay window`;
  const expected = Buffer.from(sign(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  // timingSafeEqual needs equal lengths; the length of a well-formed signature is public anyway.
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return 'signature does not match';
  return null;
}
