/**
 * Reads what the assessment needs from the case store, with queries that stay fast on a table of
 * millions of cases: the cases with an act in the period are found through the CaseEvent (type, at)
 * index, then their timelines (CaseEvent (caseId, at) index) and case rows (primary key) are read in
 * chunks, selecting only the columns the computation uses.
 */
import type { Db } from '../db/index.ts';
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
];

/** Ids per IN list: well under SQLite's and PostgreSQL's bind-parameter limits. */
const CHUNK = 2000;

const DEADLINE_STEPS = ['accept', 'verify', 'register', 'dispatch', 'sign', 'dispose', 'check'] as const;

/** Loads cases, timelines (before asOf) and reference rows for `period`. */
export async function loadAssessmentInput(
  db: Pick<Db, 'prisma'>,
  period: AssessmentPeriod,
): Promise<AssessmentInput> {
  const { prisma } = db;
  const touched = await prisma.caseEvent.findMany({
    where: { type: { in: PERIOD_EVENT_TYPES }, at: { gte: period.from, lt: period.to } },
    select: { caseId: true },
  });
  const ids = [...new Set(touched.map((e) => e.caseId))].sort();
  const cases: AssessmentCase[] = [];
  const events: AssessmentEvent[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const [rows, timeline] = await Promise.all([
      prisma.case.findMany({
        where: { id: { in: chunk } },
        select: {
          id: true,
          source: true,
          gridCode: true,
          reporterUserId: true,
          acceptDeadline: true,
          verifyDeadline: true,
          registerDeadline: true,
          dispatchDeadline: true,
          signDeadline: true,
          disposeDeadline: true,
          checkDeadline: true,
        },
      }),
      prisma.caseEvent.findMany({
        where: { caseId: { in: chunk }, at: { lt: period.asOf } },
        select: { caseId: true, at: true, type: true, actorUserId: true, departmentId: true, data: true },
        // uuid v7 ids are time-ordered: ties on `at` keep the order the events were written in
        orderBy: [{ caseId: 'asc' }, { at: 'asc' }, { id: 'asc' }],
      }),
    ]);
    for (const r of rows) {
      const deadlines: Record<string, Date | null> = {};
      for (const step of DEADLINE_STEPS) deadlines[step] = r[`${step}Deadline`];
      cases.push({
        id: r.id,
        source: r.source,
        gridCode: r.gridCode,
        reporterUserId: r.reporterUserId,
        deadlines,
      });
    }
    events.push(...timeline);
  }
  const [departments, grids, users] = await Promise.all([
    prisma.department.findMany({ select: { id: true, name: true }, orderBy: { id: 'asc' } }),
    prisma.gridCell.findMany({
      select: { code: true, street: true, areaClass: true, supervisorUserId: true },
      orderBy: { code: 'asc' },
    }),
    prisma.user.findMany({ select: { id: true, displayName: true }, orderBy: { id: 'asc' } }),
  ]);
  return { period, cases, events, departments, grids, users };
}
