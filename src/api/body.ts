/**
 * Reads a JSON request body with a size limit. Only routes that declare a body read one; the status codes
 * follow RFC 9110: 415 for a non-JSON content type, 413 beyond the limit, 400 for malformed JSON.
 */
import type { IncomingMessage } from 'node:http';
import { HubError, validationError } from '../errors.ts';

/** 413 problem: the body is larger than the configured limit. */
const tooLarge = (limit: number) =>
  new HubError('content-too-large', `request body exceeds ${limit} bytes`, {
    status: 413,
    extensions: { limit },
  });

/** 415 problem: the route reads JSON only. */
const unsupportedType = (type: string) =>
  new HubError('unsupported-media-type', `expected Content-Type application/json, got ${type || 'none'}`, {
    status: 415,
  });

const isJsonType = (contentType: string) => {
  const [mediaType = '', ...params] = contentType
    .toLowerCase()
    .split(';')
    .map((s) => s.trim());
  const json = mediaType === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType);
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length);
  return json && (charset === undefined || charset === 'utf-8' || charset === 'utf8');
};

/** Whether the request carries a body at all (RFC 9110 §8.6: Content-Length or Transfer-Encoding). */
const hasBody = (req: IncomingMessage) =>
  req.headers['transfer-encoding'] !== undefined ||
  (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');

/**
 * Returns the parsed JSON body, or undefined when the request has none (the route's schema then decides
 * whether a body was required).
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  if (!hasBody(req)) return undefined;
  const contentType = req.headers['content-type'] ?? '';
  if (!isJsonType(contentType)) throw unsupportedType(contentType);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);

  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Stop reading as soon as the limit is passed: a chunked body has no length to check up front.
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw validationError(`malformed JSON body: ${(err as Error).message}`, [
      { field: 'body', message: 'malformed JSON' },
    ]);
  }
}
