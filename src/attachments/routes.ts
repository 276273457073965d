/**
 * GET /api/cases/:id/attachments (the list) and GET /api/cases/:id/attachments/:attachmentId (the file,
 * with the content type recognised at upload), for whoever may see the case (src/cases/scope.ts).
 */
import { z } from 'zod';
import { defineRoute, type Route } from '../api/route.ts';
import { caseScope } from '../cases/scope.ts';
import type { Db, Prisma } from '../db/index.ts';
import { notFound } from '../errors.ts';
import type { AttachmentStore } from './store.ts';

export const attachmentSchema = z.object({
  id: z.string(),
  caseId: z.string(),
  kind: z.string(),
  fileName: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  eventId: z.string().nullable(),
  uploadedBy: z.string().nullable(),
  createdAt: z.string(),
  /** Where to download it (this API). */
  url: z.string(),
});

type AttachmentRow = Prisma.AttachmentGetPayload<object>;

export const toAttachmentView = (a: AttachmentRow): z.infer<typeof attachmentSchema> => ({
  id: a.id,
  caseId: a.caseId!,
  kind: a.kind,
  fileName: a.fileName,
  contentType: a.contentType,
  size: a.size,
  sha256: a.sha256,
  eventId: a.eventId,
  uploadedBy: a.uploadedBy,
  createdAt: a.createdAt.toISOString(),
  url: `/api/cases/${a.caseId}/attachments/${a.id}`,
});

/** RFC 6266 / 8187: an ASCII fallback plus the UTF-8 name. */
const contentDisposition = (name: string) =>
  `inline; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`;

export function attachmentRoutes({ db, attachments }: { db: Db; attachments: AttachmentStore }): Route[] {
  const { prisma } = db;
  const visibleCase = async (id: string, principal: Parameters<typeof caseScope>[0]) => {
    const scope = caseScope(principal);
    const row = await prisma.case.findFirst({
      where: { AND: [{ id }, ...(scope ? [scope] : [])] },
      select: { id: true },
    });
    if (!row) throw notFound(`case ${id}`);
  };
  return [
    defineRoute({
      method: 'GET',
      path: '/api/cases/:id/attachments',
      summary: 'The photos and files of a case, oldest first',
      tags: ['cases'],
      access: 'authenticated',
      params: z.object({ id: z.string() }),
      responses: {
        200: { description: 'The attachments', schema: z.object({ items: z.array(attachmentSchema) }) },
      },
      handler: async ({ params, principal }) => {
        await visibleCase(params.id, principal);
        const rows = await prisma.attachment.findMany({
          where: { caseId: params.id },
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        });
        return { items: rows.map(toAttachmentView) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/cases/:id/attachments/:attachmentId',
      summary: 'Download one photo or file of a case',
      description:
        'Answers the file with the content type recognised from its bytes at upload, its size, and an ' +
        'ETag (its sha256).',
      tags: ['cases'],
      access: 'authenticated',
      params: z.object({ id: z.string(), attachmentId: z.string() }),
      responses: {
        200: { description: 'The file', mediaType: 'application/octet-stream', schema: z.unknown() },
      },
      handler: async ({ params, principal, ctx }) => {
        await visibleCase(params.id, principal);
        const row = await prisma.attachment.findFirst({
          where: { id: params.attachmentId, caseId: params.id },
        });
        if (!row) throw notFound(`attachment ${params.attachmentId} of case ${params.id}`);
        const etag = `"${row.sha256}"`;
        ctx.set('ETag', etag);
        ctx.set('Cache-Control', 'private, max-age=31536000, immutable');
        if (ctx.get('if-none-match') === etag) {
          ctx.status = 304;
          return undefined;
        }
        const stream = attachments.open(row);
        // A missing file (deleted by hand) must be a clear error, not a broken stream after headers.
        await new Promise<void>((resolve, reject) => {
          stream.once('open', () => resolve());
          stream.once('error', reject);
        }).catch((err: unknown) => {
          throw notFound(`the file of attachment ${row.id} (${(err as Error).message})`);
        });
        ctx.type = row.contentType;
        ctx.length = row.size;
        ctx.set('Content-Disposition', contentDisposition(row.fileName));
        ctx.set('X-Content-Type-Options', 'nosniff');
        return stream;
      },
    }),
  ];
}
