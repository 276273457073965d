/**
 * Liveness and readiness. `/healthz` answers while the process runs; `/readyz` runs every readiness
 * check (the database with a real query, plus whatever the hub injects, e.g. the engine) and answers 503
 * naming the checks that failed. Check errors are logged, not sent: the endpoint is public.
 */
import { z } from 'zod';
import { HubError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { defineRoute, type Route } from './route.ts';

/** One readiness check; `check` rejects when the dependency is not usable. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<unknown>;
}

// A hung dependency must not hang the probe. Generous, because a fresh Prisma client's first query
// (connection plus query-compiler start-up) takes seconds on a loaded machine.
const CHECK_TIMEOUT_MS = 5000;

const withTimeout = (promise: Promise<unknown>, ms: number) => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
};

const checkResults = z.record(z.string(), z.enum(['ok', 'failed']));

/** Runs the checks concurrently; returns each one's outcome. */
async function runChecks(checks: readonly ReadinessCheck[], log: Logger) {
  const results: Record<string, 'ok' | 'failed'> = {};
  await Promise.all(
    checks.map(async ({ name, check }) => {
      try {
        await withTimeout(check(), CHECK_TIMEOUT_MS);
        results[name] = 'ok';
      } catch (err) {
        log.warn({ err, check: name }, 'readiness check failed');
        results[name] = 'failed';
      }
    }),
  );
  return results;
}

/** The /healthz and /readyz routes. */
export function healthRoutes(checks: readonly ReadinessCheck[]): Route[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/healthz',
      summary: 'Liveness: the process is running',
      tags: ['health'],
      access: 'public',
      responses: { 200: { description: 'Alive', schema: z.object({ status: z.literal('ok') }) } },
      handler: async () => ({ status: 'ok' as const }),
    }),
    defineRoute({
      method: 'GET',
      path: '/readyz',
      summary: 'Readiness: the database and the other dependencies answer',
      description: 'Answers 503 problem+json naming the failed checks when any dependency is down.',
      tags: ['health'],
      access: 'public',
      responses: {
        200: {
          description: 'Ready',
          schema: z.object({ status: z.literal('ok'), checks: checkResults }),
        },
      },
      handler: async ({ log }) => {
        const results = await runChecks(checks, log);
        const failed = Object.keys(results).filter((name) => results[name] === 'failed');
        if (failed.length) {
          throw new HubError('unavailable', `not ready: ${failed.join(', ')} failed`, {
            status: 503,
            retryable: true,
            extensions: { checks: results, failed },
          });
        }
        return { status: 'ok' as const, checks: results };
      },
    }),
  ];
}
