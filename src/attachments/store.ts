/**
 * The attachment store: files on disk named by their sha256 (`<dir>/<first 2 hex>/<sha256>`), one
 * Attachment row per file and use (case, kind, timeline event, uploader).
 *
 * Order, so that a failure leaves no row pointing to nothing:
 * 1. `place` moves the checked temporary files to their content address (a rename; identical content
 *    uploaded twice is one file) — before the transaction;
 * 2. `attach` writes the rows inside the caller's transaction (with the case or event they belong to).
 * If the transaction fails or is undone later, the placed files have no row: they are not attachments
 * (every list and download goes through the rows). `sweep` removes such files once they are older than
 * a grace period — long enough that no request can still be between steps 1 and 2 — so a concurrent
 * upload of the same bytes never loses its file.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Config } from '../config.ts';
import type { Db, Prisma } from '../db/index.ts';
import { KNOWN_TYPES, type KnownType } from '../api/magic.ts';
import { discardUploads, type MultipartLimits, type UploadedFile } from '../api/multipart.ts';

/** What an attachment is for (Attachment.kind). */
export const ATTACHMENT_KINDS = ['report', 'disposal', 'check', 'evidence', 'document'] as const;
export type AttachmentKind = (typeof ATTACHMENT_KINDS)[number];

/** A file in its content-addressed place, ready for a row. */
export interface PlacedFile extends Omit<UploadedFile, 'tempPath'> {
  /** Relative to the attachment folder. */
  storagePath: string;
}

export interface AttachmentStore {
  /** Folder of the files (ATTACHMENT_DIR, or DATA_DIR/attachments). */
  readonly dir: string;
  /** Folder of in-flight uploads (same file system, so placing is a rename). */
  readonly tempDir: string;
  readonly limits: MultipartLimits;
  /** Moves checked uploads to their content address. */
  place(files: readonly UploadedFile[]): Promise<PlacedFile[]>;
  /** Writes one Attachment row per file in `tx`; returns the rows. */
  attach(
    tx: Prisma.TransactionClient,
    files: readonly PlacedFile[],
    use: { caseId: string; kind: AttachmentKind; eventId?: string | null; uploadedBy?: string | null },
  ): Promise<Prisma.AttachmentGetPayload<object>[]>;
  /** Removes temporary files that were not placed. */
  discard(files: readonly UploadedFile[]): Promise<void>;
  /** The file of a row. */
  open(row: { storagePath: string }): ReadStream;
  /** Deletes stored files no row refers to and stale temporary files, older than `graceMs`; returns how many. */
  sweep(graceMs?: number): Promise<number>;
}

/** Files without a row younger than this are left alone by `sweep` (a request may be about to attach them). */
export const SWEEP_GRACE_MS = 60 * 60_000;

const SHA256 = /^[0-9a-f]{64}$/;

/** The store configured by ATTACHMENT_*; `config.DATA_DIR/attachments` unless ATTACHMENT_DIR is set. */
export function createAttachmentStore(
  db: Db,
  config: Pick<
    Config,
    | 'DATA_DIR'
    | 'ATTACHMENT_DIR'
    | 'ATTACHMENT_MAX_BYTES'
    | 'ATTACHMENT_MAX_FILES'
    | 'ATTACHMENT_TYPES'
    | 'HUB_MAX_BODY_BYTES'
  >,
): AttachmentStore {
  const dir = resolve(config.ATTACHMENT_DIR ?? join(config.DATA_DIR, 'attachments'));
  const tempDir = join(dir, 'tmp');
  const types = config.ATTACHMENT_TYPES.split(',')
    .map((t) => t.trim())
    .filter((t): t is KnownType => (KNOWN_TYPES as readonly string[]).includes(t));
  const limits: MultipartLimits = {
    maxFileBytes: config.ATTACHMENT_MAX_BYTES,
    maxFiles: config.ATTACHMENT_MAX_FILES,
    types,
    maxFieldBytes: config.HUB_MAX_BODY_BYTES,
  };
  const relPath = (sha256: string) => `${sha256.slice(0, 2)}/${sha256}`;

  return {
    dir,
    tempDir,
    limits,
    async place(files) {
      const placed: PlacedFile[] = [];
      for (const file of files) {
        const storagePath = relPath(file.sha256);
        await mkdir(join(dir, file.sha256.slice(0, 2)), { recursive: true, mode: 0o700 });
        // rename() replaces an existing file with the same name atomically; same name = same bytes.
        await rename(file.tempPath, join(dir, storagePath));
        const { tempPath: _gone, ...rest } = file;
        placed.push({ ...rest, storagePath });
      }
      return placed;
    },
    async attach(tx, files, use) {
      const rows = [];
      for (const f of files) {
        rows.push(
          await tx.attachment.create({
            data: {
              caseId: use.caseId,
              eventId: use.eventId ?? null,
              kind: use.kind,
              fileName: f.fileName.slice(0, 255) || `${use.kind}-${f.sha256.slice(0, 8)}`,
              contentType: f.contentType,
              size: f.size,
              sha256: f.sha256,
              storagePath: f.storagePath,
              uploadedBy: use.uploadedBy ?? null,
            },
          }),
        );
      }
      return rows;
    },
    discard: discardUploads,
    open(row) {
      return createReadStream(join(dir, row.storagePath));
    },
    async sweep(graceMs = SWEEP_GRACE_MS) {
      const before = Date.now() - graceMs;
      let removed = 0;
      const old = async (path: string) => (await stat(path).catch(() => null))?.mtimeMs ?? Infinity;
      for (const sub of await readdir(dir).catch(() => [] as string[])) {
        if (sub === 'tmp') {
          for (const name of await readdir(tempDir).catch(() => [] as string[])) {
            if ((await old(join(tempDir, name))) < before) {
              await rm(join(tempDir, name), { force: true });
              removed++;
            }
          }
          continue;
        }
        if (!/^[0-9a-f]{2}$/.test(sub)) continue;
        for (const name of await readdir(join(dir, sub)).catch(() => [] as string[])) {
          if (!SHA256.test(name) || (await old(join(dir, sub, name))) >= before) continue;
          const used = await db.prisma.attachment.count({ where: { sha256: name } });
          if (used === 0) {
            await rm(join(dir, sub, name), { force: true });
            removed++;
          }
        }
      }
      return removed;
    },
  };
}
