/**
 * The public guidance API for street signs (诱导屏) and apps: free spaces per lot and per area, open
 * without login and made to be cached — answered from the board in memory (board.ts), with an ETag
 * (304 to a matching If-None-Match) and `Cache-Control: public, max-age=PARKING_GUIDANCE_MAX_AGE_SECONDS`.
 */
import { z } from 'zod';
import { defineRoute, type Route } from '../api/route.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/index.ts';
import { notFound } from '../errors.ts';
import type { Logger } from '../log.ts';
import { boardSettings, parkingBoardFor } from './board.ts';

const STATUS = z
  .enum(['available', 'few', 'full', 'unknown'])
  .describe(
    'available 空闲, few 紧张 (at most PARKING_FEW_PERCENT free), full 已满, unknown 未知 (feed silent)',
  );

export const guidanceLotSchema = z.object({
  code: z.string(),
  name: z.string(),
  area: z.string(),
  street: z.string().nullable(),
  lng: z.number(),
  lat: z.number(),
  capacity: z.number().int(),
  free: z.number().int().nullable().describe('null while the lot’s feed is silent (未知)'),
  status: STATUS,
  statusLabel: z.string().describe('the status in zh-CN, as signs show it'),
});

export const guidanceAreaSchema = z.object({
  area: z.string(),
  capacity: z.number().int().describe('spaces of the area’s lots whose count is known'),
  free: z.number().int().nullable().describe('free spaces of those lots; null when none is known'),
  lots: z.number().int(),
  unknownLots: z.number().int(),
  status: STATUS,
  statusLabel: z.string(),
});

const guidanceSchema = z.object({
  areas: z.array(guidanceAreaSchema),
  lots: z.array(guidanceLotSchema),
});

/** Does If-None-Match name this ETag? (a list, weak forms and * included) */
function matches(header: string, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

export function parkingGuidanceRoutes(deps: {
  db: Db;
  config: Pick<
    Config,
    | 'PARKING_SILENCE_SECONDS'
    | 'PARKING_REFRESH_SECONDS'
    | 'PARKING_GUIDANCE_MAX_AGE_SECONDS'
    | 'PARKING_FEW_PERCENT'
  >;
  logger: Logger;
}): Route[] {
  const board = parkingBoardFor(deps.db, boardSettings(deps.config), deps.logger);
  const cacheControl = `public, max-age=${deps.config.PARKING_GUIDANCE_MAX_AGE_SECONDS}`;
  return [
    defineRoute({
      method: 'GET',
      path: '/api/parking/guidance',
      summary: '停车诱导: free spaces of every lot and area (public, cacheable)',
      description:
        'For street signs and apps, without login. Answered from memory; at most 30 s old including the ' +
        'allowed cache time. ETag and Cache-Control public, max-age=PARKING_GUIDANCE_MAX_AGE_SECONDS; a ' +
        'matching If-None-Match is answered 304 without a body. `area` narrows the answer to one area ' +
        '(404 for an area without lots). A lot whose system is silent beyond PARKING_SILENCE_SECONDS is ' +
        '`unknown` (未知) with `free: null` — never counted as full.',
      tags: ['parking'],
      access: 'public',
      query: z.object({ area: z.string().min(1).optional() }),
      responses: { 200: { description: 'Free spaces by area and lot', schema: guidanceSchema } },
      handler: async ({ query, ctx }) => {
        const answer = await board.answer(query.area);
        if (!answer) throw notFound(`parking area ${query.area}`);
        ctx.set('ETag', answer.etag);
        ctx.set('Cache-Control', cacheControl);
        // Signs and apps on other origins read it too.
        ctx.set('Access-Control-Allow-Origin', '*');
        ctx.set('Access-Control-Expose-Headers', 'ETag');
        if (matches(ctx.get('if-none-match'), answer.etag)) {
          ctx.status = 304;
          return undefined as never;
        }
        // The answer as serialised when it was built (the body's schema, checked by the tests); the
        // type set first keeps Koa from calling a string text/plain.
        ctx.type = 'application/json';
        return answer.json as unknown as typeof answer.body;
      },
    }),
  ];
}
