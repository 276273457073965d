/**
 * The utilities adapter (供水, 供气, 供电) — adapters/utilities/README.md.
 * Out: a case dispatched to a utility company becomes a work order in that company's system (outbox
 * kind `work_order`, idempotent by the hub's case id as order number).
 * In: status changes in the company's own codes (mapping.ts) — polled from its change feed with a
 * cursor (water, gas), or imported from the daily CSV file the power company drops in a folder, row by
 * row, deduplicated on the company's row id, so the same file twice, or a row already seen in an
 * earlier file, changes nothing; a malformed row is recorded as a failed inbox row naming the column
 * and the other rows are imported.
 */
import type { AttachmentStore } from '../../src/attachments/index.ts';
import { validationError } from '../../src/errors.ts';
import { recordAdapterEvent } from '../case-events.ts';
import { createEvidenceSender, EVIDENCE_KIND, evidenceMessage } from '../evidence.ts';
import {
  PermanentDeliveryError,
  type Adapter,
  type AdapterDeps,
  type InboundEvent,
  type Receiver,
} from '../framework/types.ts';
import { COMPANIES, CSV_COLUMNS, statusChangeSchema, type Company, type StatusChange } from './mapping.ts';
import { parseCsv } from './csv.ts';
import { createCompanyClient } from './transport.ts';

export const UTILITIES_ADAPTER = 'utilities';
const OPEN = ['dispatched', 'signed'];

export interface CompanyEndpoint {
  key: Company['key'];
  /** base URL of the company's work-order system */
  url: string;
  /** for a csv company: the folder its daily files are dropped in */
  csvDir?: string;
}

export interface UtilitiesSettings {
  companies: CompanyEndpoint[];
  pollIntervalMs: number;
}

export interface UtilitiesDeps extends AdapterDeps {
  attachments: AttachmentStore;
  settings: UtilitiesSettings;
}

const companyOf = (key: string) => {
  const c = COMPANIES.find((x) => x.key === key);
  if (!c) throw new Error(`unknown utility company ${key}`);
  return c;
};

/** One status change as an inbound event: dedupe on the company's own change id. */
export function statusEvent(company: Company, change: StatusChange): InboundEvent {
  return {
    sourceId: `${company.key}:${change.eventId}`,
    payload: { company: company.key, ...change },
    async apply(tx, ctx) {
      const hub = company.codes[change.code];
      if (!hub)
        throw validationError(`unknown status code ${change.code} of ${company.name}`, [
          { field: 'code', message: `one of ${Object.keys(company.codes).join(', ')}` },
        ]);
      const row = await tx.case.findUnique({
        where: { id: change.orderNo },
        select: { id: true, status: true },
      });
      if (!row) return { status: 'ignored', note: `no case for work order ${change.orderNo}` };
      const caseId = row.id;
      const at = new Date(change.at);
      const actorName = company.name;
      const dedupeKey = `${UTILITIES_ADAPTER}:${company.key}:${change.eventId}`;
      const note = change.note ?? null;
      // A change the case's state no longer allows (the case moved on in the hub) is kept in the inbox
      // as ignored, with the reason, rather than stopping the feed.
      const allowed = { signed: ['dispatched'], disposing: OPEN, disposed: ['signed'], returned: OPEN }[hub];
      if (!allowed.includes(row.status))
        return { status: 'ignored', caseId, note: `${hub} does not apply to a case in status ${row.status}` };
      if (hub === 'signed') {
        const e = await recordAdapterEvent(tx, {
          caseId,
          type: 'signed',
          actorName,
          at,
          dedupeKey,
          note,
          caseUpdate: { signedAt: at },
        });
        await ctx.publish({
          name: 'case.signed',
          caseId,
          eventId: e.id,
          variables: { signedAt: at.toISOString() },
        });
      } else if (hub === 'disposing') {
        await recordAdapterEvent(tx, {
          caseId,
          type: 'progress',
          actorName,
          at,
          dedupeKey,
          note: note ?? '处置中',
        });
      } else if (hub === 'disposed') {
        const e = await recordAdapterEvent(tx, {
          caseId,
          type: 'disposed',
          actorName,
          at,
          dedupeKey,
          note,
          caseUpdate: { disposedAt: at },
        });
        if (change.photoUrl)
          await ctx.enqueue(
            evidenceMessage(UTILITIES_ADAPTER, {
              url: change.photoUrl,
              caseId,
              kind: 'disposal',
              eventDedupeKey: dedupeKey,
              fileName: `${company.key}-${change.eventId}.jpg`,
            }),
          );
        await ctx.publish({
          name: 'case.disposed',
          caseId,
          eventId: e.id,
          variables: { disposedAt: at.toISOString() },
        });
      } else {
        const e = await recordAdapterEvent(tx, {
          caseId,
          type: 'return_requested',
          actorName,
          at,
          dedupeKey,
          note,
        });
        await ctx.publish({ name: 'case.returnRequested', caseId, eventId: e.id });
      }
      return { status: 'processed', caseId, note: `${change.code} → ${hub}` };
    },
  };
}

/** A row that cannot be read: an event that is refused (a failed inbox row naming the problem). */
function badRow(
  company: Company,
  fileName: string,
  line: number,
  field: string,
  message: string,
  raw: string,
): InboundEvent {
  return {
    sourceId: `${company.key}:file:${fileName}:${line}`,
    payload: { file: fileName, line, raw },
    apply: async () => {
      throw validationError(`${fileName} line ${line}: ${message}`, [{ field, message }]);
    },
  };
}

/** A CSV column's name for a field of statusChangeSchema. */
const COLUMN_OF: Record<string, (typeof CSV_COLUMNS)[number]> = {
  eventId: '流水号',
  orderNo: '工单号',
  code: '状态',
  at: '时间',
  note: '说明',
  photoUrl: '照片',
};

/**
 * The events of one daily CSV file, in file order. The file is read by csv-parse (RFC 4180: a quoted 说明
 * may hold commas, quotes and line breaks; a UTF-8 BOM is dropped), never split into lines first — a
 * multi-line note is one row. A row is known by the line it starts on.
 */
export function readDailyCsv(company: Company, fileName: string, content: Buffer): InboundEvent[] {
  const rows = parseCsv(content);
  const [header] = rows;
  if (!header || header.error || header.cols.join(',') !== CSV_COLUMNS.join(','))
    throw validationError(`${fileName}: the header is not ${CSV_COLUMNS.join(',')}`, [
      { field: 'header', message: `expected ${CSV_COLUMNS.join(',')}` },
    ]);
  return rows.slice(1).map(({ line, cols, raw, error }) => {
    if (error) return badRow(company, fileName, line, 'row', error, raw);
    if (cols.length !== CSV_COLUMNS.length)
      return badRow(
        company,
        fileName,
        line,
        'row',
        `${cols.length} columns, expected ${CSV_COLUMNS.length}`,
        raw,
      );
    const [eventId, orderNo, code, at, note, photoUrl] = cols as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const parsed = statusChangeSchema.safeParse({
      eventId,
      orderNo,
      code,
      at,
      note: note || null,
      photoUrl: photoUrl || null,
    });
    if (parsed.success) return statusEvent(company, parsed.data);
    const issue = parsed.error.issues[0]!;
    const column = COLUMN_OF[String(issue.path[0])];
    return badRow(company, fileName, line, column ?? 'row', `${column}: ${issue.message}`, raw);
  });
}

export function createUtilitiesAdapter(deps: UtilitiesDeps): Adapter {
  const s = deps.settings;
  const evidence = createEvidenceSender({
    db: deps.db,
    attachments: deps.attachments,
    config: deps.config,
    systemUrls: () => s.companies.map((c) => c.url),
  });
  // Resolved per call: in demo mode the simulators' addresses are known only once they listen.
  const clientOf = (key: string) => {
    const endpoint = s.companies.find((c) => c.key === key);
    return endpoint ? createCompanyClient(endpoint.url) : undefined;
  };
  const receives: Receiver[] = [];
  for (const endpoint of s.companies) {
    const company = companyOf(endpoint.key);
    if (company.feed === 'poll') {
      receives.push({
        kind: 'poll',
        name: company.key,
        intervalMs: s.pollIntervalMs,
        async poll(cursor) {
          const page = await clientOf(company.key)!.changes(cursor ?? '0', 100);
          const events = page.items.map((item) => {
            const parsed = statusChangeSchema.safeParse(item);
            if (parsed.success) return statusEvent(company, parsed.data);
            const issue = parsed.error.issues[0]!;
            const id =
              typeof (item as { eventId?: unknown }).eventId === 'string'
                ? (item as { eventId: string }).eventId
                : `seq-${(item as { seq?: unknown }).seq}`;
            return {
              sourceId: `${company.key}:${id}`,
              payload: item,
              apply: async () => {
                throw validationError(`${company.name} change ${id}: ${issue.message}`, [
                  { field: String(issue.path.join('.')), message: issue.message },
                ]);
              },
            } satisfies InboundEvent;
          });
          return { events, cursor: String(page.next), more: page.more };
        },
      });
    } else if (endpoint.csvDir) {
      receives.push({
        kind: 'file',
        name: company.key,
        dir: endpoint.csvDir,
        intervalMs: s.pollIntervalMs,
        read: (fileName, content) => readDailyCsv(company, fileName, content),
      });
    }
  }

  return {
    name: UTILITIES_ADAPTER,
    title: '公用事业单位 (供水 · 供气 · 供电)',
    receives,
    sends: {
      outbox: {
        adapters: [UTILITIES_ADAPTER],
        async deliver(message) {
          if (message.kind === EVIDENCE_KIND) return evidence(message);
          const p = message.payload as { company: Company['key']; caseId: string };
          const client = clientOf(p.company);
          if (!client) throw new PermanentDeliveryError(`no endpoint configured for company ${p.company}`);
          const row = await deps.db.prisma.case.findUnique({
            where: { id: p.caseId },
            include: { category: true },
          });
          if (!row) throw new PermanentDeliveryError(`case ${p.caseId} no longer exists`);
          // The case as the company's system knows it: a work order and a 施工告知 name it alike.
          const theCase = {
            orderNo: row.id,
            caseNo: row.caseNo,
            category: `${row.categoryCode} ${row.category.name}`,
            description: row.description,
            address: row.address,
            lng: row.lng,
            lat: row.lat,
          };
          if (message.kind === 'work_order')
            return client.createOrder({ ...theCase, deadline: row.disposeDeadline?.toISOString() ?? null });
          if (message.kind === 'pipeline_notice') {
            const n = message.payload as { distanceM: number; pipelines: unknown[] };
            return client.notifyExcavation({
              noticeId: message.id,
              ...theCase,
              distanceM: n.distanceM,
              pipelines: n.pipelines,
            });
          }
          if (message.kind === 'note') {
            const n = message.payload as { text: string; noteKind?: string };
            return client.addNote(row.id, { noteId: message.id, kind: n.noteKind ?? 'note', text: n.text });
          }
          throw new PermanentDeliveryError(`unknown kind ${message.kind}`);
        },
      },
    },
    async health() {
      for (const c of s.companies) await clientOf(c.key)!.ping();
    },
  };
}

/** The company (for the department router) whose Department.code is `code`. */
export const companyByDepartment = (code: string) => COMPANIES.find((c) => c.departmentCode === code);
