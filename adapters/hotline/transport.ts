/**
 * How the hub talks to the 12319 hotline system's API (the simulator speaks it too):
 *   GET  /api/health
 *   GET  /api/tickets?after=<cursor>&limit=<n>      → { tickets: Ticket[], cursor, more }
 *   POST /api/tickets/<ticketNo>/updates            { updateId, status, text, at, caseNo, department? }
 *   POST /api/tickets/<ticketNo>/reply              { replyId, result, text, at, caseNo }
 *   POST /api/tickets/<ticketNo>/callback-requests  { requestId, caseNo, closedAt }
 * Every call carries `Authorization: Bearer <HOTLINE_API_KEY>`; the ids make the POSTs idempotent on the
 * hotline's side (a send whose answer was lost is sent again). Failures follow the adapters' one rule
 * (framework/http-client.ts): 4xx other than 408/429 is permanent (the hotline refused the message itself).
 */
import { createJsonClient } from '../framework/http-client.ts';

export interface HotlineTransport {
  ping(): Promise<void>;
  fetchTickets(
    after: string | null,
    limit: number,
  ): Promise<{ tickets: unknown[]; cursor: string | null; more: boolean }>;
  sendUpdate(
    ticketNo: string,
    body: {
      updateId: string;
      status: string;
      text: string;
      at: string;
      caseNo: string;
      department?: string | null;
    },
  ): Promise<void>;
  sendReply(
    ticketNo: string,
    body: { replyId: string; result: string; text: string; at: string; caseNo: string },
  ): Promise<void>;
  requestCallback(
    ticketNo: string,
    body: { requestId: string; caseNo: string; closedAt: string | null },
  ): Promise<void>;
}

export function createHttpHotlineTransport(options: {
  /** The hotline's base URL, or a function giving it (the demo simulator's port is known late). */
  baseUrl: string | (() => string);
  apiKey: string;
  timeoutMs?: number;
}): HotlineTransport {
  const client = createJsonClient({
    name: 'hotline',
    baseUrl: options.baseUrl,
    headers: { authorization: `Bearer ${options.apiKey}` },
    timeoutMs: options.timeoutMs,
  });
  const call = (method: string, path: string, body?: unknown) => client.request(method, path, body);
  const ticketPath = (no: string) => `/api/tickets/${encodeURIComponent(no)}`;
  return {
    async ping() {
      await call('GET', '/api/health');
    },
    async fetchTickets(after, limit) {
      const q = new URLSearchParams({ limit: String(limit), ...(after ? { after } : {}) });
      const page = (await call('GET', `/api/tickets?${q.toString()}`)) as {
        tickets: unknown[];
        cursor: string | null;
        more: boolean;
      };
      return { tickets: page.tickets ?? [], cursor: page.cursor ?? after, more: Boolean(page.more) };
    },
    async sendUpdate(ticketNo, body) {
      await call('POST', `${ticketPath(ticketNo)}/updates`, body);
    },
    async sendReply(ticketNo, body) {
      await call('POST', `${ticketPath(ticketNo)}/reply`, body);
    },
    async requestCallback(ticketNo, body) {
      await call('POST', `${ticketPath(ticketNo)}/callback-requests`, body);
    },
  };
}
