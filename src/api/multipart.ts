/**
 * Reads a multipart/form-data request (fields + files) for any route. Files stream to a temporary file
 * under the attachment folder (same file system as the store, so placing one is a rename), their sha256
 * and size computed on the way; the limits come from the configuration. Errors are problem+json that
 * name the file or field: 413 for a file that is too large or too many files, 415 for a type that is not
 * accepted or content that is not what it claims (judged by the first bytes), 400 for a malformed body.
 * On any error every temporary file of the request is removed before the error is thrown.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import multer from '@koa/multer';
import type { ParameterizedContext } from 'koa';
import { HubError, validationError } from '../errors.ts';
import { SNIFF_BYTES, sniffType, type KnownType } from './magic.ts';

/** A file of a multipart request, on disk in the temporary folder until the store places it. */
export interface UploadedFile {
  /** Form field it came in. */
  field: string;
  /** Name on the client (untrusted; shown, never used as a path). */
  fileName: string;
  /** Content-Type the client declared for the part (a claim). */
  declaredType: string;
  /** Type recognised from the first bytes (what is stored and served). */
  contentType: KnownType;
  size: number;
  /** hex */
  sha256: string;
  /** Temporary file; gone once placed or discarded. */
  tempPath: string;
}

export interface MultipartLimits {
  /** Largest file, bytes. */
  maxFileBytes: number;
  /** Most files per request. */
  maxFiles: number;
  /** Accepted content types (by content). */
  types: readonly KnownType[];
  /** Largest text field, bytes. */
  maxFieldBytes: number;
}

export interface MultipartResult {
  /** Text fields; a name sent more than once gives an array. */
  fields: Record<string, string | string[]>;
  files: UploadedFile[];
}

/** True when the request says it carries multipart/form-data. */
export const isMultipart = (req: IncomingMessage) =>
  /^multipart\/form-data\s*(;|$)/i.test(req.headers['content-type'] ?? '');

const tooLarge = (message: string, extensions: Record<string, unknown>) =>
  new HubError('content-too-large', message, { status: 413, extensions });

const unsupported = (message: string, extensions: Record<string, unknown>) =>
  new HubError('unsupported-media-type', message, { status: 415, extensions });

interface StoredInfo {
  path: string;
  size: number;
  sha256: string;
  head: Buffer;
}

/** A multer storage engine: stream to a temporary file, hashing and keeping the first bytes. */
function tempStorage(tempDir: string) {
  return {
    _handleFile(
      _req: IncomingMessage,
      file: { stream: NodeJS.ReadableStream },
      cb: (err?: unknown, info?: StoredInfo) => void,
    ) {
      const path = join(tempDir, `${randomUUID()}.part`);
      const hash = createHash('sha256');
      let size = 0;
      let head = Buffer.alloc(0);
      const tap = new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          size += chunk.length;
          if (head.length < SNIFF_BYTES)
            head = Buffer.concat([head, chunk.subarray(0, SNIFF_BYTES - head.length)]);
          done(null, chunk);
        },
      });
      pipeline(file.stream, tap, createWriteStream(path, { flags: 'wx' })).then(
        () => cb(null, { path, size, sha256: hash.digest('hex'), head }),
        (err: unknown) => rm(path, { force: true }).finally(() => cb(err)),
      );
    },
    _removeFile(_req: IncomingMessage, file: { path?: string }, cb: (err: Error | null) => void) {
      if (!file.path) return cb(null);
      rm(file.path, { force: true }).then(
        () => cb(null),
        (err: Error) => cb(err),
      );
    },
  };
}

/** Removes temporary files (those not placed in the store); missing ones are fine. */
export async function discardUploads(files: readonly UploadedFile[]): Promise<void> {
  await Promise.all(files.map((f) => rm(f.tempPath, { force: true })));
}

const label = (file: { originalname?: string; fieldname?: string }) =>
  file.originalname ? `"${file.originalname}"` : `in field ${file.fieldname ?? '?'}`;

/** Maps multer/busboy errors to problems naming the file or field. */
function toProblem(err: unknown, limits: MultipartLimits): unknown {
  const e = err as { code?: string; field?: string; filename?: string; message?: string };
  const file = e.filename ? `file "${e.filename}"` : `a file in field ${e.field ?? '?'}`;
  switch (e.code) {
    case 'LIMIT_FILE_SIZE':
      return tooLarge(`${file} exceeds ${limits.maxFileBytes} bytes`, {
        limit: limits.maxFileBytes,
        field: e.field ?? null,
        fileName: e.filename ?? null,
      });
    case 'LIMIT_FILE_COUNT':
      return tooLarge(`more than ${limits.maxFiles} files in one request`, { limit: limits.maxFiles });
    case 'LIMIT_FIELD_VALUE':
      return tooLarge(`form field ${e.field ?? '?'} exceeds ${limits.maxFieldBytes} bytes`, {
        limit: limits.maxFieldBytes,
        field: e.field ?? null,
      });
    case 'LIMIT_UNEXPECTED_FILE':
      return validationError(`${file}: this request takes files only in its file fields`, [
        { field: `body.${e.field ?? ''}`, message: 'no files expected in this field' },
      ]);
    case undefined:
      if (err instanceof HubError) return err;
      // busboy: malformed multipart (missing boundary, truncated body, …)
      return validationError(`malformed multipart body: ${e.message ?? 'unreadable'}`, [
        { field: 'body', message: 'malformed multipart/form-data' },
      ]);
    default:
      return validationError(`multipart body refused: ${e.message ?? e.code}`, [
        { field: `body.${e.field ?? ''}`, message: e.message ?? e.code },
      ]);
  }
}

/**
 * Parses the request's multipart body. `fileFields` are the form fields that may carry files; every
 * other field is text. Checks each file's type by its first bytes against `limits.types`.
 */
export async function readMultipart(
  ctx: ParameterizedContext,
  options: { tempDir: string; fileFields: readonly string[]; limits: MultipartLimits },
): Promise<MultipartResult> {
  const { tempDir, fileFields, limits } = options;
  await mkdir(tempDir, { recursive: true, mode: 0o700 });
  // multer 2 reads defParamCharset; its published types predate it.
  const multerOptions: multer.Options & { defParamCharset: string } = {
    storage: tempStorage(tempDir) as unknown as multer.StorageEngine,
    // Browsers send UTF-8 file names (HTML's multipart/form-data encoding), not RFC 2231 latin1.
    defParamCharset: 'utf8',
    limits: {
      fileSize: limits.maxFileBytes,
      files: limits.maxFiles,
      fieldSize: limits.maxFieldBytes,
      fields: 100,
      parts: 100 + limits.maxFiles,
    },
  };
  const upload = multer(multerOptions).fields(
    fileFields.map((name) => ({ name, maxCount: limits.maxFiles })),
  );
  try {
    await upload(ctx as never, async () => {});
  } catch (err) {
    throw toProblem(err, limits);
  }
  const raw =
    (ctx.request as unknown as { files?: Record<string, (multer.File & StoredInfo)[]> }).files ?? {};
  const parts = Object.values(raw).flat();
  const files: UploadedFile[] = parts.map((p) => ({
    field: p.fieldname,
    fileName: p.originalname,
    declaredType: p.mimetype,
    contentType: sniffType(p.head) as KnownType,
    size: p.size,
    sha256: p.sha256,
    tempPath: p.path,
  }));
  try {
    for (const [i, f] of files.entries()) {
      if (f.size === 0) {
        throw validationError(`file ${label(parts[i]!)} is empty`, [
          { field: `body.${f.field}`, message: `${f.fileName} is empty` },
        ]);
      }
      const actual = sniffType(parts[i]!.head);
      if (!actual || !limits.types.includes(actual)) {
        const what = actual ? `is ${actual}` : `is not ${limits.types.join(', ')} (judged by its content)`;
        throw unsupported(
          `file ${label(parts[i]!)} ${what}${f.declaredType ? `; declared ${f.declaredType}` : ''}`,
          {
            field: f.field,
            fileName: f.fileName,
            accepted: limits.types,
          },
        );
      }
    }
  } catch (err) {
    await discardUploads(files);
    throw err;
  }
  const body = (ctx.request as unknown as { body?: Record<string, unknown> }).body ?? {};
  const fields: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(body)) {
    if (typeof value === 'string') fields[name] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string'))
      fields[name] = value as string[];
    else {
      await discardUploads(files);
      throw validationError(`form field ${name} has a nested name`, [
        { field: `body.${name}`, message: 'plain field names only (no brackets)' },
      ]);
    }
  }
  return { fields, files };
}
