/**
 * How a background pass that retries by itself (an outbox, a relay, a reconciler) logs its failures.
 * While the database is down every pass fails the same way, and at error level those lines drowned the
 * errors someone must look at. So a database outage (`databaseOutage`) is logged at warn once per
 * episode, and its end at info with how many passes failed; any other error stays at error, every time.
 */
import type { Logger } from '../log.ts';
import { databaseOutage } from './errors.ts';

export interface PassFailureLog {
  /** A pass failed: an outage at warn (the first of its episode only), anything else at error. */
  failed(err: unknown, fields?: Record<string, unknown>): void;
  /** A pass went through: ends an outage episode, if one was logged. */
  succeeded(): void;
}

/** `pass` names it in the lines, e.g. `outbox pass` (logged as `outbox pass failed`). */
export function passFailureLog(log: Logger, pass: string, now: () => number = Date.now): PassFailureLog {
  let outage: { since: number; failures: number } | undefined;
  return {
    failed(err, fields = {}) {
      const why = databaseOutage(err);
      if (!why) {
        log.error({ ...fields, err }, `${pass} failed`);
        return;
      }
      if (outage) {
        outage.failures += 1;
        return;
      }
      outage = { since: now(), failures: 1 };
      log.warn({ ...fields, err, outage: why }, `${pass} failed: ${why}; retried quietly until it is back`);
    },
    succeeded() {
      if (!outage) return;
      log.info(
        { failedPasses: outage.failures, outageMs: now() - outage.since },
        `${pass}: the database is back`,
      );
      outage = undefined;
    },
  };
}
