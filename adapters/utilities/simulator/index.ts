/**
 * Simulator of a utility company's work-order system (供水, 供气, 供电): it takes the hub's work orders
 * over HTTP (idempotent by the hub's order number), and its crews move them through the company's own
 * status codes, which the hub reads back either from a change feed polled with a cursor
 * (GET /api/status-changes?after=<seq>) or — the power company — from a daily CSV file the company
 * drops in a folder. Faults: down, slow, 500s.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fakeJpeg, startSimHttp, type SimHttpServer } from '../../sim-http.ts';

export interface CompanyWorkOrder {
  orderNo: string;
  caseNo: string;
  category: string;
  description: string;
  address: string | null;
  deadline: string | null;
  /** order of arrival at the company (1, 2, …) */
  seq: number;
  receivedAt: string;
  /** notes (催办, cancellations) the hub sent after the order, in arrival order */
  notes: { kind: string; text: string }[];
}

/** A 施工告知 the hub sent: digging near the company's lines. */
export interface ExcavationNotice {
  noticeId: string;
  orderNo: string;
  caseNo: string;
  category: string;
  address: string | null;
  distanceM: number;
  pipelines: { code: string; kind: string; distanceM: number; depthM: number | null }[];
  receivedAt: string;
}

export interface StatusChange {
  seq: number;
  /** the company's id of this change (stable on a re-read) */
  eventId: string;
  orderNo: string;
  code: string;
  at: string;
  note: string | null;
  photoUrl: string | null;
}

export interface UtilitySimulator {
  readonly company: string;
  readonly url: string;
  readonly http: SimHttpServer;
  readonly orders: CompanyWorkOrder[];
  /** excavation notices received, once each (by noticeId) */
  readonly notices: ExcavationNotice[];
  readonly changes: StatusChange[];
  /** The company's crew moves an order to `code` (the company's own status code). */
  advance(orderNo: string, code: string, extra?: { note?: string; photo?: string }): StatusChange;
  photoUrl(name: string): string;
  /**
   * Writes the day's CSV file (power company style) with the changes not yet written, named
   * `<company>-<yyyymmdd>.csv`; `extraLines` are appended verbatim (for malformed rows).
   */
  writeDailyCsv(dir: string, day: string, extraLines?: string[]): Promise<string>;
  close(): Promise<void>;
}

/** CSV header of the daily file. */
export const CSV_HEADER = '流水号,工单号,状态,时间,说明,照片';

const csvField = (v: string | null) => {
  const s = v ?? '';
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

export async function startUtilitySimulator(
  company: string,
  options: { port?: number } = {},
): Promise<UtilitySimulator> {
  const orders: CompanyWorkOrder[] = [];
  const notices: ExcavationNotice[] = [];
  const changes: StatusChange[] = [];
  let written = 0;
  const http = await startSimHttp(
    (req) => {
      const photo = /^\/photos\/([\w.-]+)$/.exec(req.path);
      if (req.method === 'GET' && photo)
        return { status: 200, body: fakeJpeg(photo[1]!), contentType: 'image/jpeg' };
      if (req.method === 'POST' && req.path === '/api/work-orders') {
        const b = req.json as Partial<CompanyWorkOrder> | undefined;
        for (const f of ['orderNo', 'caseNo', 'category', 'description'] as const)
          if (!b || typeof b[f] !== 'string' || !b[f])
            return { status: 422, body: { error: `${f} is required` } };
        const earlier = orders.find((o) => o.orderNo === b!.orderNo);
        if (earlier) return { status: 200, body: { orderNo: earlier.orderNo, seq: earlier.seq } };
        const order: CompanyWorkOrder = {
          orderNo: b!.orderNo!,
          caseNo: b!.caseNo!,
          category: b!.category!,
          description: b!.description!,
          address: b!.address ?? null,
          deadline: b!.deadline ?? null,
          seq: orders.length + 1,
          receivedAt: new Date().toISOString(),
          notes: [],
        };
        orders.push(order);
        return { status: 201, body: { orderNo: order.orderNo, seq: order.seq } };
      }
      if (req.method === 'POST' && req.path === '/api/excavation-notices') {
        const b = req.json as Partial<ExcavationNotice> | undefined;
        if (!b?.noticeId || !b.orderNo || !Array.isArray(b.pipelines))
          return { status: 422, body: { error: 'noticeId, orderNo and pipelines are required' } };
        if (!notices.some((n) => n.noticeId === b.noticeId))
          notices.push({ ...(b as ExcavationNotice), receivedAt: new Date().toISOString() });
        return { status: 201, body: { ok: true } };
      }
      const note = /^\/api\/work-orders\/([^/]+)\/notes$/.exec(req.path);
      if (req.method === 'POST' && note) {
        const order = orders.find((o) => o.orderNo === decodeURIComponent(note[1]!));
        // A note before its order is a protocol error of the sender: the hub must keep per-order order.
        if (!order) return { status: 409, body: { error: 'no such work order (yet)' } };
        const b = req.json as { kind?: string; text?: string; noteId?: string } | undefined;
        if (!b?.text || !b.noteId) return { status: 422, body: { error: 'noteId and text are required' } };
        if (!order.notes.some((n) => (n as { noteId?: string }).noteId === b.noteId))
          order.notes.push({
            kind: b.kind ?? 'note',
            text: b.text,
            noteId: b.noteId,
          } as CompanyWorkOrder['notes'][number]);
        return { status: 201, body: { ok: true } };
      }
      if (req.method === 'GET' && req.path === '/api/status-changes') {
        const after = Number(req.query.get('after') ?? '0');
        const limit = Math.min(Number(req.query.get('limit') ?? '50'), 200);
        if (!Number.isInteger(after) || after < 0)
          return { status: 400, body: { error: 'after must be a sequence number' } };
        const items = changes.filter((c) => c.seq > after).slice(0, limit);
        return {
          status: 200,
          body: {
            items,
            next: items.at(-1)?.seq ?? after,
            more: changes.some((c) => c.seq > (items.at(-1)?.seq ?? after)),
          },
        };
      }
      return null;
    },
    { port: options.port },
  );
  return {
    company,
    get url() {
      return http.url;
    },
    http,
    orders,
    notices,
    changes,
    advance(orderNo, code, extra = {}) {
      const seq = changes.length + 1;
      const change: StatusChange = {
        seq,
        eventId: `${company}-${seq}`,
        orderNo,
        code,
        at: new Date().toISOString(),
        note: extra.note ?? null,
        photoUrl: extra.photo ? `${http.url}/photos/${extra.photo}.jpg` : null,
      };
      changes.push(change);
      return change;
    },
    photoUrl: (name) => `${http.url}/photos/${name}.jpg`,
    async writeDailyCsv(dir, day, extraLines = []) {
      const rows = changes.slice(written);
      written = changes.length;
      const lines = [
        CSV_HEADER,
        ...rows.map((c) => [c.eventId, c.orderNo, c.code, c.at, c.note, c.photoUrl].map(csvField).join(',')),
        ...extraLines,
      ];
      const file = join(dir, `${company}-${day}.csv`);
      await writeFile(file, lines.join('\n') + '\n', 'utf8');
      return file;
    },
    close: () => http.close(),
  };
}
