/**
 * HTTP client of a utility company's work-order system: create a work order (idempotent by order
 * number), add a note to one, read its status-change feed after a sequence number. 4xx answers other
 * than 408/409/429 mean the company refused the message as invalid (dead at once); 409 "no such order
 * yet" and everything else are retried.
 */
import { PermanentDeliveryError } from '../framework/types.ts';

export function createCompanyClient(baseUrl: string, timeoutMs = 10_000) {
  const base = baseUrl.replace(/\/$/, '');
  async function call(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(base + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    if (res.status >= 400 && res.status < 500 && ![408, 409, 429].includes(res.status))
      throw new PermanentDeliveryError(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : null;
  }
  return {
    async createOrder(order: Record<string, unknown>) {
      await call('POST', '/api/work-orders', order);
    },
    async addNote(orderNo: string, note: { noteId: string; kind: string; text: string }) {
      await call('POST', `/api/work-orders/${encodeURIComponent(orderNo)}/notes`, note);
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
