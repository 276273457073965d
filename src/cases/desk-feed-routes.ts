/**
 * The desk's change feed: GET /api/desk/changes?since=<cursor> answers as soon as any case has changed
 * since the cursor (a long poll), with the ids of the cases that changed, so the 受理派遣台 reads its
 * queue again only when there is something new and follows the case in its panel when someone else
 * acts on it — instead of reading every queue every few seconds.
 *
 * Every change of a case writes a CaseEvent (src/cases/state), and event ids are UUIDv7 (time-ordered),
 * so the newest id is the cursor and "newer than the cursor" is one read of the primary key index. While
 * nothing is new the request waits, looking again every DESK_FEED_POLL_MS, at most DESK_FEED_WAIT_SECONDS;
 * a closed connection ends the wait.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineRoute, type Route } from '../api/route.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/index.ts';
import { DESK_ROLES } from './desk-routes.ts';

/** How often a waiting request looks for new events (one index read each). */
const DESK_FEED_POLL_MS = 400;
/** Case ids answered at most; more changes than that are answered again from the last one. */
const MAX_CHANGES = 200;

const changesSchema = z.object({
  cursor: z.string().describe('pass as `since` next time'),
  cases: z
    .array(z.string())
    .describe('ids of the cases that changed since `since` (empty: none, the wait ran out)'),
});

export function deskFeedRoutes({
  db,
  config,
}: {
  db: Db;
  config: Pick<Config, 'DESK_FEED_WAIT_SECONDS'>;
}): Route[] {
  const { prisma } = db;
  const newest = async () =>
    (await prisma.caseEvent.findFirst({ orderBy: { id: 'desc' }, select: { id: true } }))?.id ?? '';

  return [
    defineRoute({
      method: 'GET',
      path: '/api/desk/changes',
      summary: 'The desk’s change feed: waits until a case changes after the cursor (long poll)',
      description:
        'Without `since`: the cursor of now, at once. With it: answers as soon as any case changed after it ' +
        '(the ids of those cases and the next cursor), or after DESK_FEED_WAIT_SECONDS with no cases and the ' +
        'same cursor. The desk then reads GET /api/desk/queues again, and its open case when it is listed.',
      tags: ['desk'],
      access: DESK_ROLES,
      query: z.object({
        since: z.string().max(64).optional().describe('`cursor` of the previous answer'),
      }),
      responses: { 200: { description: 'What changed, and the next cursor', schema: changesSchema } },
      handler: async ({ query, ctx }) => {
        if (query.since === undefined) return { cursor: await newest(), cases: [] };
        let gone = false;
        ctx.req.once('close', () => (gone = true));
        const end = Date.now() + config.DESK_FEED_WAIT_SECONDS * 1000;
        for (;;) {
          const rows = await prisma.caseEvent.findMany({
            where: { id: { gt: query.since } },
            orderBy: { id: 'asc' },
            select: { id: true, caseId: true },
            take: MAX_CHANGES,
          });
          if (rows.length) return { cursor: rows.at(-1)!.id, cases: [...new Set(rows.map((r) => r.caseId))] };
          if (gone || Date.now() >= end) return { cursor: query.since, cases: [] };
          await sleep(DESK_FEED_POLL_MS);
        }
      },
    }),
  ];
}
