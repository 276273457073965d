/**
 * Photos of a registry entry (a 部件, a 广告店招) rather than of a case: stored like case attachments but
 * linked to the entry, and sent back with a long private cache (a photo's bytes never change).
 */
import type { Context } from 'koa';
import type { PrismaClient } from '../db/index.ts';
import { notFound } from '../errors.ts';
import type { UploadedFile } from '../api/multipart.ts';
import type { AttachmentStore } from './store.ts';

export type RegistryLink = { componentId: string } | { adSignId: string };

/** Places the uploaded files and writes one Attachment row each, linked to the entry, in one transaction. */
export async function storeRegistryPhotos(
  prisma: PrismaClient,
  attachments: AttachmentStore,
  files: readonly UploadedFile[],
  link: RegistryLink,
  kind: string,
  uploadedBy: string,
): Promise<void> {
  const placed = await attachments.place(files);
  await prisma.$transaction(async (tx) => {
    for (const f of placed)
      await tx.attachment.create({
        data: {
          ...link,
          kind,
          fileName: f.fileName.slice(0, 255) || `${kind}-${f.sha256.slice(0, 8)}`,
          contentType: f.contentType,
          size: f.size,
          sha256: f.sha256,
          storagePath: f.storagePath,
          uploadedBy,
        },
      });
  });
}

/** Answers one photo of the entry (404 when it is not the entry's, or its file is gone). */
export async function sendRegistryPhoto(
  prisma: PrismaClient,
  attachments: AttachmentStore,
  ctx: Context,
  photoId: string,
  link: RegistryLink,
) {
  const row = await prisma.attachment.findFirst({ where: { id: photoId, ...link } });
  if (!row) throw notFound(`photo ${photoId}`);
  const stream = attachments.open(row);
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  }).catch((err: unknown) => {
    throw notFound(`the file of photo ${row.id} (${(err as Error).message})`);
  });
  ctx.type = row.contentType;
  ctx.length = row.size;
  ctx.set('Cache-Control', 'private, max-age=31536000, immutable');
  ctx.set('X-Content-Type-Options', 'nosniff');
  return stream;
}
