/** Attachments: photos and files of cases, stored by sha256 under ATTACHMENT_DIR, uploaded as multipart. */
export { createAttachmentStore, ATTACHMENT_KINDS, SWEEP_GRACE_MS } from './store.ts';
export type { AttachmentKind, AttachmentStore, PlacedFile } from './store.ts';
export { readMultipart, discardUploads, isMultipart } from '../api/multipart.ts';
export type { MultipartLimits, MultipartResult, UploadedFile } from '../api/multipart.ts';
export { sniffType, KNOWN_TYPES } from '../api/magic.ts';
export type { KnownType } from '../api/magic.ts';
