/**
 * Inserting reference rows and cases with their timelines for assessment tests. Each case's timeline
 * is checked against the lifecycle (applyEvent) so fixtures cannot describe impossible histories; the
 * case row gets the status the timeline ends in.
 */
import { applyEvent } from '../../src/cases/index.ts';
import type { CaseStatus, Db } from '../../src/db/index.ts';

/** Wall-clock time in Asia/Shanghai, '2026-10-09 16:50'. */
export const at = (wall: string) => new Date(`${wall.replace(' ', 'T')}:00+08:00`);

export interface FixtureEvent {
  at: Date;
  type: string;
  actor?: string;
  dept?: string;
  data?: Record<string, unknown>;
}

export interface FixtureCase {
  id: string;
  source: string;
  gridCode?: string;
  reporter?: string;
  deadlines?: Partial<Record<'disposeDeadline' | 'checkDeadline' | 'verifyDeadline', Date>>;
  events: FixtureEvent[];
}

/** deadline_set event for a step. */
export const deadline = (when: Date, step: string, dueAt: Date): FixtureEvent => ({
  at: when,
  type: 'deadline_set',
  data: { step, dueAt: dueAt.toISOString() },
});

export interface Refs {
  departments: string[];
  users: string[];
  grids: { code: string; street: string; areaClass: number; supervisor?: string }[];
}

/**
 * A grid cell row for a store that counts by cell but never places a point in one: no shape, empty
 * bounds (the statistics, the assessment and their benches).
 */
export const shapelessCell = <C extends { code: string; street: string; community: string }>(cell: C) => ({
  ...cell,
  geometry: '{}',
  minLng: 0,
  minLat: 0,
  maxLng: 0,
  maxLat: 0,
});

/** Departments and users get the given strings as id, code/username and name. */
export async function insertRefs(db: Db, refs: Refs): Promise<void> {
  const { prisma } = db;
  await prisma.department.createMany({
    data: refs.departments.map((id) => ({ id, code: id, name: id, kind: 'department' as const })),
  });
  await prisma.user.createMany({ data: refs.users.map((id) => ({ id, username: id, displayName: id })) });
  await prisma.gridCell.createMany({
    data: refs.grids.map((g) =>
      shapelessCell({
        code: g.code,
        street: g.street,
        community: 'c',
        areaClass: g.areaClass,
        supervisorUserId: g.supervisor ?? null,
      }),
    ),
  });
  await prisma.category.create({
    data: { kind: 'event', code: '0402', majorCode: '04', majorName: '突发事件', name: '自来水管破裂' },
  });
}

/** Final status of a timeline, validating every transition. */
export function statusOf(events: FixtureEvent[]): CaseStatus {
  let status: CaseStatus | null = null;
  let suspendedFrom: CaseStatus | null = null;
  for (const e of [...events].sort((a, b) => a.at.getTime() - b.at.getTime())) {
    if (e.type === 'suspended') suspendedFrom = status;
    status = applyEvent(status, e.type, suspendedFrom);
  }
  return status!;
}

/** Inserts cases and their events in batches. */
export async function insertCases(db: Db, cases: FixtureCase[]): Promise<void> {
  const { prisma } = db;
  for (let i = 0; i < cases.length; i += 200) {
    const batch = cases.slice(i, i + 200);
    await prisma.case.createMany({
      data: batch.map((c) => ({
        id: c.id,
        caseNo: c.id,
        source: c.source as never,
        categoryCode: '0402',
        description: c.id,
        status: statusOf(c.events),
        gridCode: c.gridCode ?? null,
        reporterUserId: c.reporter ?? null,
        reportedAt: c.events[0]!.at,
        ...c.deadlines,
      })),
    });
    await prisma.caseEvent.createMany({
      data: batch.flatMap((c) =>
        [...c.events]
          .sort((a, b) => a.at.getTime() - b.at.getTime())
          .map((e) => ({
            caseId: c.id,
            at: e.at,
            type: e.type,
            actorUserId: e.actor ?? null,
            departmentId: e.dept ?? null,
            data: e.data as never,
          })),
      ),
    });
  }
}
