/**
 * The reporter's contact (name, phone, e-mail) lives in one place, the Case row's reporter* columns, and
 * reaches an answer only through `reporterView`, for the roles that call reporters back. Timeline event
 * data never carries it: `eventDataView` drops contact keys that older rows (an Open311 `reported` event
 * held the e-mail) or any adapter may have put there, for every role.
 */
import type { Principal, Role } from '../auth/roles.ts';

/** Roles that see the reporter's contact. */
export const CONTACT_READERS: readonly Role[] = ['acceptor', 'dispatcher', 'shift_leader', 'administrator'];

/** Whether the caller may see reporters' contacts. */
export const readsContacts = (principal: Principal) =>
  principal.roles.some((r) => CONTACT_READERS.includes(r));

/** The reporter's contact for a caller with the right, else null. */
export function reporterView(
  row: { reporterName: string | null; reporterPhone: string | null; reporterEmail: string | null },
  principal: Principal,
): { name: string | null; phone: string | null; email: string | null } | null {
  return readsContacts(principal)
    ? { name: row.reporterName, phone: row.reporterPhone, email: row.reporterEmail }
    : null;
}

// Keys that name or reach a person, wherever they appear in an event's data.
const CONTACT_KEY =
  /^(e-?mail|phone|mobile|telephone|caller|first_?name|last_?name|reporter_?(name|phone|email))$/i;

/** An event's data as any role may see it: contact keys removed at every depth. */
export function eventDataView(data: unknown): unknown {
  if (Array.isArray(data)) return data.map(eventDataView);
  if (data === null || typeof data !== 'object') return data ?? null;
  return Object.fromEntries(
    Object.entries(data as Record<string, unknown>)
      .filter(([k]) => !CONTACT_KEY.test(k))
      .map(([k, v]) => [k, eventDataView(v)]),
  );
}
