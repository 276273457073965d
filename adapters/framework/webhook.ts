/**
 * A signed webhook as an API route: POST /api/adapters/<adapter>/<path>. The route reads the raw body
 * itself (the signature covers the bytes as sent), checks the signature (401 problem+json), then the
 * JSON and its schema (400 naming `body.<field>`), and only then receives the events, so a refused
 * request stores nothing. The answer names each event's outcome; a redelivery answers `duplicate`
 * with the case the first delivery made, so the sender can stop redelivering.
 */
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { defineRoute, type Route } from '../../src/api/route.ts';
import { unstorableTextFields } from '../../src/api/validate.ts';
import { HubError, unauthenticated, validationError } from '../../src/errors.ts';
import type { Inbox } from './inbox.ts';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verify } from './signature.ts';
import type { WebhookReceiver } from './types.ts';

const tooLarge = (limit: number) =>
  new HubError('content-too-large', `request body exceeds ${limit} bytes`, {
    status: 413,
    extensions: { limit },
  });

/** The body as bytes, up to `limit`. */
export async function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  if (Number(req.headers['content-length']) > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const resultSchema = z.object({
  events: z.array(
    z.object({
      sourceId: z.string(),
      result: z.enum(['processed', 'ignored', 'duplicate']),
      caseId: z.string().nullable(),
      note: z.string().optional(),
    }),
  ),
});

export function webhookRoute(
  adapter: string,
  receiver: WebhookReceiver,
  deps: { inbox: Inbox; maxBodyBytes: number; toleranceSeconds: number; now: () => number },
): Route {
  return defineRoute({
    method: 'POST',
    path: `/api/adapters/${adapter}/${receiver.path}`,
    summary: receiver.summary,
    description:
      `Signed webhook of adapter \`${adapter}\` (the caller is the legacy system, not a hub user). ` +
      `Headers: \`X-Hub-Timestamp\` (unix seconds, within ${deps.toleranceSeconds} s of the hub's clock) and ` +
      '`X-Hub-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with the shared secret>`. ' +
      'A missing or wrong signature is a 401 problem; a body that does not match is a 400 naming the field; ' +
      'neither stores anything. A redelivered event answers `duplicate` with the case of its first delivery. ' +
      `Body (application/json): ${JSON.stringify(z.toJSONSchema(receiver.schema, { io: 'input', unrepresentable: 'any' }))}`,
    tags: ['adapters'],
    access: 'public',
    selfAuthenticated:
      'X-Hub-Timestamp and X-Hub-Signature (HMAC-SHA256 with the secret shared with the legacy system)',
    responses: { 200: { description: 'What became of each event', schema: resultSchema } },
    handler: async ({ ctx }) => {
      const raw = await readRawBody(ctx.req, deps.maxBodyBytes);
      const problem = verify(
        receiver.secret,
        {
          timestamp: ctx.get(TIMESTAMP_HEADER) || undefined,
          signature: ctx.get(SIGNATURE_HEADER) || undefined,
        },
        raw,
        { toleranceSeconds: deps.toleranceSeconds, now: deps.now() },
      );
      if (problem) throw unauthenticated(`webhook signature refused: ${problem}`);
      if (!/^application\/json\b/i.test(ctx.get('content-type')))
        throw new HubError('unsupported-media-type', 'expected Content-Type application/json', {
          status: 415,
        });
      let json: unknown;
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch (err) {
        throw validationError(`malformed JSON body: ${(err as Error).message}`, [
          { field: 'body', message: 'malformed JSON' },
        ]);
      }
      const parsed = receiver.schema.safeParse(json);
      const nul = unstorableTextFields('body', json);
      if (nul.length || !parsed.success) {
        const errors = [
          ...nul,
          ...(parsed.error?.issues ?? []).map((i) => ({
            field: ['body', ...i.path.map(String)].join('.'),
            message: i.message,
          })),
        ];
        throw validationError(`invalid request: ${errors.map((e) => e.field).join(', ')}`, errors);
      }
      const events = receiver.toEvents(parsed.data);
      const out = [];
      for (const event of events) {
        const r = await deps.inbox.receive(adapter, event);
        out.push({
          sourceId: event.sourceId,
          result: r.result,
          caseId: r.caseId,
          ...(r.note ? { note: r.note } : {}),
        });
      }
      return { events: out };
    },
  });
}
