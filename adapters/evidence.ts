/**
 * Evidence photos from legacy systems (a video alarm's snapshot, an emptied bin, a utility's disposal
 * photo): fetched over HTTP and stored through the hub's attachment store (src/attachments), like an
 * upload — content-addressed file first, then the Attachment row.
 *
 * The fetch is an outbox message (kind `evidence`) written in the transaction that records the alarm
 * or the event, so a photo server that is down delays the photo but never loses it or the case; the
 * sender is idempotent (a row for the same case, kind and bytes is not written twice).
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sniffType, type AttachmentKind, type AttachmentStore } from '../src/attachments/index.ts';
import type { Config } from '../src/config.ts';
import type { Db, OutboxMessage } from '../src/db/index.ts';
import { PermanentDeliveryError, type OutboundMessage } from './framework/types.ts';
import { fetchPhoto, hostOf } from './photo-fetch.ts';

export const EVIDENCE_KIND = 'evidence';

export interface EvidencePayload {
  url: string;
  caseId: string;
  kind: AttachmentKind;
  /** the timeline event the photo belongs to (by its dedupeKey, known inside the inbox transaction) */
  eventDedupeKey?: string | null;
  fileName: string;
}

/** The outbox message that fetches and stores one photo. */
export function evidenceMessage(adapter: string, payload: EvidencePayload): OutboundMessage {
  return {
    adapter,
    kind: EVIDENCE_KIND,
    caseId: payload.caseId,
    payload,
    dedupeKey: `${adapter}:evidence:${payload.caseId}:${payload.url}`,
  };
}

/**
 * Sends `evidence` rows: GET the URL under the photo-fetch fence (photo-fetch.ts: allowed hosts, public
 * addresses, no redirects, streamed with the attachment size cap, a deadline), check the bytes are an
 * accepted type, store and attach it. `systemUrls` are the adapter's configured endpoints, read at each
 * fetch: their hosts are the allowed ones unless ADAPTER_FETCH_ALLOWED_HOSTS says otherwise.
 */
export function createEvidenceSender(deps: {
  db: Pick<Db, 'prisma'>;
  attachments: AttachmentStore;
  config: Pick<
    Config,
    'ADAPTER_FETCH_ALLOWED_HOSTS' | 'ADAPTER_FETCH_ALLOW_PRIVATE' | 'ADAPTER_FETCH_TIMEOUT_MS' | 'SIMULATORS'
  >;
  systemUrls: () => (string | undefined)[];
}): (message: OutboxMessage) => Promise<void> {
  const { prisma } = deps.db;
  const { config } = deps;
  const configured = config.ADAPTER_FETCH_ALLOWED_HOSTS?.split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  const policy = {
    allowedHosts: () => configured ?? deps.systemUrls().flatMap(hostOf),
    allowPrivate: config.ADAPTER_FETCH_ALLOW_PRIVATE ?? config.SIMULATORS,
    maxBytes: deps.attachments.limits.maxFileBytes,
    types: deps.attachments.limits.types,
    timeoutMs: config.ADAPTER_FETCH_TIMEOUT_MS,
  };
  return async (message) => {
    const p = message.payload as unknown as EvidencePayload;
    const { bytes } = await fetchPhoto(p.url, policy);
    const type = sniffType(bytes.subarray(0, 16));
    if (!type || !deps.attachments.limits.types.includes(type))
      throw new PermanentDeliveryError(`photo is not an accepted image (${type ?? 'unknown type'})`);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const existing = await prisma.attachment.findFirst({ where: { caseId: p.caseId, kind: p.kind, sha256 } });
    if (existing) return;
    const tempPath = join(deps.attachments.tempDir, randomUUID());
    await mkdir(deps.attachments.tempDir, { recursive: true, mode: 0o700 });
    await writeFile(tempPath, bytes);
    const [placed] = await deps.attachments.place([
      {
        tempPath,
        field: 'evidence',
        fileName: p.fileName,
        declaredType: type,
        contentType: type,
        size: bytes.length,
        sha256,
      },
    ]);
    await prisma.$transaction(async (tx) => {
      const event = p.eventDedupeKey
        ? await tx.caseEvent.findUnique({ where: { dedupeKey: p.eventDedupeKey }, select: { id: true } })
        : null;
      await deps.attachments.attach(tx, [placed!], {
        caseId: p.caseId,
        kind: p.kind,
        eventId: event?.id ?? null,
      });
    });
  };
}
