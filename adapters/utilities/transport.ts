/**
 * HTTP client of a utility company's work-order system: create a work order (idempotent by order
 * number), add a note to one, read its status-change feed after a sequence number. Failures follow the
 * adapters' one rule (framework/http-client.ts); the company's 409 "no such order yet" is its way of
 * saying "not yet", so it is retried too.
 */
import { createJsonClient } from '../framework/http-client.ts';

export function createCompanyClient(baseUrl: string, timeoutMs = 10_000) {
  const client = createJsonClient({ name: 'utility company', baseUrl, timeoutMs, alsoRetry: [409] });
  const call = (method: string, path: string, body?: unknown) => client.request(method, path, body);
  return {
    async createOrder(order: Record<string, unknown>) {
      await call('POST', '/api/work-orders', order);
    },
    async addNote(orderNo: string, note: { noteId: string; kind: string; text: string }) {
      await call('POST', `/api/work-orders/${encodeURIComponent(orderNo)}/notes`, note);
    },
    /** 施工告知: digging near the company's lines (idempotent by noticeId). */
    async notifyExcavation(notice: Record<string, unknown>) {
      await call('POST', '/api/excavation-notices', notice);
    },
    async changes(after: string, limit: number) {
      return (await call('GET', `/api/status-changes?after=${encodeURIComponent(after)}&limit=${limit}`)) as {
        items: unknown[];
        next: number;
        more: boolean;
      };
    },
    async ping() {
      await call('GET', '/api/status-changes?after=0&limit=1');
    },
  };
}
