/**
 * The map's open cases in a box: what the cases layer draws (position, light) for up to the whole
 * city's 10,000 open cases. One raw, parameterised statement selects only the columns the map and the
 * light need and answers them as one JSON text, so the cost per case is a JSON parse, not Prisma's
 * materialising of each cell (≈ 3× the database's time at load 26 before main kept compiled
 * statements; about even with findMany since — bench/README.md, Map). The caller's case scope applies.
 */
import type { Principal } from '../auth/roles.ts';
import { caseLights, type CaseClockState } from '../cases/clock.ts';
import { OPEN_STATUSES } from '../cases/lifecycle.ts';
import { caseScopeSql } from '../cases/scope.ts';
import type { Config } from '../config.ts';
import { Prisma, type CategoryKind, type CaseStatus, type Db, type Urgency } from '../db/index.ts';
import { epochMs, jsonArray, jsonArrayAgg } from '../db/raw-sql.ts';

export interface Bbox {
  minLng: number;
  minLat: number;
  maxLng: number;
  maxLat: number;
}

/** An open case as the map knows it. */
export interface MapCase {
  id: string;
  caseNo: string;
  status: CaseStatus;
  urgency: Urgency;
  categoryCode: string;
  lng: number;
  lat: number;
  /** The running step's time-limit light; null when no timed step runs. */
  light: CaseClockState | null;
}

const DEADLINES = ['verifyDeadline', 'signDeadline', 'disposeDeadline', 'checkDeadline'] as const;
// Listed, not "not final": `status IN (…)` reads the status indexes, so the query grows with the open
// cases and not with the years of closed ones. Constants of the code, so written as literals.
const OPEN_IN = OPEN_STATUSES.map((s) => `'${s}'`).join(', ');

/** One case as the statement answers it: id, case number, lng, lat, status, category, urgency, deadlines (ms). */
type Cells = [
  string,
  string,
  number,
  number,
  CaseStatus,
  CategoryKind,
  string,
  Urgency,
  ...(number | null)[],
];

/**
 * The open cases whose point lies in `box` (edges included) that `principal` may see, with their
 * lights at `now`. With `limit`: the most recently reported first, at most `limit` of them, and
 * `truncated` when more lie in the box; without: every one, in no particular order (the clusters count
 * them all).
 */
export async function openCasesInBox(
  db: Pick<Db, 'prisma' | 'provider'>,
  config: Pick<Config, 'CALENDAR_TIMEZONE' | 'DEADLINE_WARN_FRACTION'>,
  now: Date,
  { box, principal, limit }: { box: Bbox; principal: Principal; limit?: number },
): Promise<{ cases: MapCase[]; truncated: boolean }> {
  const { provider } = db;
  const scope = caseScopeSql(principal, 'c');
  const newestFirst = 'c."reportedAt" DESC, c."id" DESC';
  const cells = [
    'c."id"',
    'c."caseNo"',
    'c."lng"',
    'c."lat"',
    'c."status"',
    'c."categoryKind"',
    'c."categoryCode"',
    'c."urgency"',
    ...DEADLINES.map((d) => epochMs(provider, `c."${d}"`)),
  ];
  const [row] = await db.prisma.$queryRaw<{ rows: string | null }[]>`
    SELECT ${Prisma.raw(jsonArrayAgg(provider, jsonArray(provider, cells), newestFirst))} AS "rows"
    FROM (
      SELECT c.* FROM "Case" c
      WHERE c."status" IN (${Prisma.raw(OPEN_IN)})
        AND c."lng" >= ${box.minLng} AND c."lng" <= ${box.maxLng}
        AND c."lat" >= ${box.minLat} AND c."lat" <= ${box.maxLat}
        ${scope ? Prisma.sql`AND ${scope}` : Prisma.empty}
      ${limit === undefined ? Prisma.empty : Prisma.raw(`ORDER BY ${newestFirst} LIMIT ${Math.trunc(limit) + 1}`)}
    ) c`;
  const all = JSON.parse(row?.rows ?? '[]') as Cells[];
  const truncated = limit !== undefined && all.length > limit;
  const page = truncated ? all.slice(0, limit) : all;
  const date = (ms: number | null | undefined) => (ms == null ? null : new Date(ms));
  const rows = page.map(
    ([id, , , , status, categoryKind, categoryCode, urgency, verify, sign, dispose, check]) => ({
      id,
      status,
      categoryKind,
      categoryCode,
      urgency,
      verifyDeadline: date(verify),
      signDeadline: date(sign),
      disposeDeadline: date(dispose),
      checkDeadline: date(check),
    }),
  );
  const lights = await caseLights(db, config, now, rows);
  return {
    cases: page.map(([id, caseNo, lng, lat, status, , categoryCode, urgency]) => ({
      id,
      caseNo,
      status,
      urgency,
      categoryCode,
      lng,
      lat,
      light: lights.get(id) ?? null,
    })),
    truncated,
  };
}
