/**
 * Reads what the assessment needs from the case store, with queries that stay fast on a table of
 * millions of cases: the cases with an act in the period are found through the CaseEvent (type, at)
 * index, then their timelines (CaseEvent (caseId, at) index) and case rows (primary key) are read in
 * chunks, selecting only the columns the computation uses.
 */
import type { Db } from '../db/index.ts';
import { epochMs } from '../db/raw-sql.ts';
import type { AssessmentInput, AssessmentPeriod } from './compute.ts';
import type { AssessmentCase, AssessmentEvent } from './replay.ts';

/** Event types that put a case into the period: its 立案 (cohort) or a staff act counted for the period. */
export const PERIOD_EVENT_TYPES = [
  'registered',
  'self_handled',
  'reported',
  'accepted',
  'verify_requested',
  'verified',
  'voided',
  'check_requested',
  'check_passed',
  'check_failed',
  'closed',
  'dispatched',
  'enforcement_handed',
];

const DEADLINE_STEPS = ['accept', 'verify', 'register', 'dispatch', 'sign', 'dispose', 'check'] as const;

/**
 * Loads cases, timelines (before asOf) and reference rows for `period`.
 *
 * One raw query returns one row per case of the period with its timeline aggregated into a JSON array
 * (ordered by time, then id): Prisma spends tens of microseconds per row and per cell materialising
 * results, so 300,000 timeline rows as rows took seconds where 40,000 JSON strings take a fraction.
 * The sub-select that finds the period's cases uses the (type, at) index; the timelines come through
 * the (caseId, at) index and the cases through the primary key.
 */
export async function loadAssessmentInput(
  db: Pick<Db, 'prisma' | 'provider'>,
  period: AssessmentPeriod,
): Promise<AssessmentInput> {
  const { prisma } = db;
  const pgsql = db.provider === 'postgresql';
  // Instants as literals in the form each database stores them (SQLite: ISO text with +00:00;
  // PostgreSQL: timestamp(3) without time zone holding UTC). They come from Date.toISOString, so they
  // contain only digits and -:.T, and literals keep the SQL free of placeholder-order differences.
  const iso = (d: Date) => {
    const text = d.toISOString();
    return pgsql
      ? `TIMESTAMP '${text.replace('T', ' ').replace('Z', '')}'`
      : `'${text.replace('Z', '+00:00')}'`;
  };
  const [from, to, asOf] = [iso(period.from), iso(period.to), iso(period.asOf)];
  const ms = (col: string) => epochMs(db.provider, col);
  const types = PERIOD_EVENT_TYPES.map((t) => `'${t}'`).join(', ');
  const deadlineCols = DEADLINE_STEPS.map((s) => ms(`c."${s}Deadline"`));
  const eventJson = pgsql
    ? `json_build_array(${ms('e."at"')}, e."type", e."actorUserId", e."departmentId", e."data")`
    : `json_array(${ms('e."at"')}, e."type", e."actorUserId", e."departmentId", json(e."data"))`;
  const timeline = pgsql
    ? `(SELECT json_agg(${eventJson} ORDER BY e."at", e."id") FROM "CaseEvent" e WHERE e."caseId" = c."id" AND e."at" < ${asOf})`
    : `(SELECT json_group_array(${eventJson} ORDER BY e."at", e."id") FROM "CaseEvent" e WHERE e."caseId" = c."id" AND e."at" < ${asOf})`;
  // The whole case travels as one JSON text: Prisma converts every cell of a raw result on its own,
  // and one string per case is far cheaper than a dozen typed cells.
  const fields = [
    'c."id"',
    'c."source"',
    'c."gridCode"',
    'c."reporterUserId"',
    'c."categoryKind"',
    'c."categoryCode"',
    'c."urgency"',
    ...deadlineCols,
  ];
  const caseJson = pgsql
    ? `json_build_array(${fields.join(', ')}, ${timeline})::text`
    : `json_array(${fields.join(', ')}, json(${timeline}))`;
  const rows = await prisma.$queryRawUnsafe<{ row: string }[]>(
    `SELECT ${caseJson} AS "row"
     FROM "Case" c
     WHERE c."id" IN (SELECT p."caseId" FROM "CaseEvent" p WHERE p."type" IN (${types}) AND p."at" >= ${from} AND p."at" < ${to})
     ORDER BY c."id"`,
  );
  const cases: AssessmentCase[] = [];
  const events: AssessmentEvent[] = [];
  type EventTuple = [number, string, string | null, string | null, unknown];
  for (const { row } of rows) {
    const cells = JSON.parse(row) as unknown[];
    const [id, source, gridCode, reporterUserId, kind, code, urgency] = cells as [
      string,
      string,
      string | null,
      string | null,
      string,
      string,
      string,
    ];
    const deadlines: Record<string, Date | null> = {};
    DEADLINE_STEPS.forEach((step, i) => {
      const v = cells[7 + i];
      deadlines[step] = v === null ? null : new Date(Number(v));
    });
    cases.push({ id, source, gridCode, reporterUserId, deadlines, category: `${kind}:${code}`, urgency });
    for (const [at, type, actorUserId, departmentId, data] of (cells[7 + DEADLINE_STEPS.length] ??
      []) as EventTuple[]) {
      events.push({
        caseId: id,
        at: Number(at),
        type,
        actorUserId,
        departmentId,
        data: data ?? null,
      });
    }
  }
  const [departments, grids, users, limitRows, shifts] = await Promise.all([
    prisma.department.findMany({ select: { id: true, name: true }, orderBy: { id: 'asc' } }),
    prisma.gridCell.findMany({
      select: { code: true, street: true, areaClass: true, supervisorUserId: true },
      orderBy: { code: 'asc' },
    }),
    prisma.user.findMany({ select: { id: true, displayName: true }, orderBy: { id: 'asc' } }),
    prisma.categoryLimit.findMany({
      where: { step: { in: ['accept', 'register', 'dispatch'] } },
      select: {
        category: { select: { kind: true, code: true } },
        urgency: true,
        step: true,
        limitMinutes: true,
        timeMode: true,
      },
    }),
    prisma.patrolShift.findMany({
      where: { startedAt: { gte: period.from, lt: period.to } },
      select: { userId: true, startedAt: true, endedAt: true, lastAt: true, distanceM: true },
      orderBy: [{ userId: 'asc' }, { startedAt: 'asc' }],
    }),
  ]);
  const limits = limitRows.map(({ category, ...l }) => ({
    ...l,
    category: `${category.kind}:${category.code}`,
  }));
  const patrols = shifts.map((p) => ({
    userId: p.userId,
    startedAt: p.startedAt.getTime(),
    endedAt: p.endedAt?.getTime() ?? null,
    lastAt: p.lastAt?.getTime() ?? null,
    distanceM: p.distanceM,
  }));
  return { period, cases, events, departments, grids, users, limits, patrols };
}
