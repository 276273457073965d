/** Attachments: photos and files of cases, stored by sha256 under ATTACHMENT_DIR, uploaded as multipart. */
export { createAttachmentStore, ATTACHMENT_KINDS, SWEEP_GRACE_MS } from './store.ts';
export type { AttachmentKind, AttachmentStore, PlacedFile } from './store.ts';
export { readMultipart, discardUploads, isMultipart } from './multipart.ts';
export type { MultipartLimits, MultipartResult, UploadedFile } from './multipart.ts';
export { sniffType, KNOWN_TYPES } from './magic.ts';
export type { KnownType } from './magic.ts';
export { attachmentRoutes, attachmentSchema, toAttachmentView } from './routes.ts';
