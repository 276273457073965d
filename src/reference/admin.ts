/** What the administration routes share: who may change reference data, and the change log line. */
import { z } from 'zod';
import type { Principal } from '../auth/roles.ts';
import type { Logger } from '../log.ts';

/** Changing reference data is the administrator's job. */
export const ADMIN = ['administrator'] as const;

export const idParams = z.object({ id: z.string().min(1) });

/**
 * One info line per change with who made it (no audit table: the log is the record). `details` never
 * holds secrets (passwords are not passed here).
 */
export function logChange(log: Logger, principal: Principal, what: string, details: Record<string, unknown>) {
  log.info({ by: principal.username, byUserId: principal.userId, ...details }, what);
}
