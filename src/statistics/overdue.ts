/**
 * 超期: the open cases longest past their running step's deadline and the units holding most of them —
 * live, as of now (a case falls overdue with no write, so no stored row could hold this). Each step is
 * read on its own (status, deadline, departmentId) index: the list takes the oldest deadlines from its
 * start, and the count per unit is an index-only scan of the overdue part (no case row is read).
 */
import { STATUS_LABELS } from '../cases/lifecycle.ts';
import type { CaseStatus, Db } from '../db/index.ts';
import { byName } from './labels.ts';

type RunningColumn = 'verifyDeadline' | 'signDeadline' | 'disposeDeadline' | 'checkDeadline';
/** The deadline column of the step each open status runs (as the leader dashboard's overdue). */
const RUNNING: [CaseStatus, RunningColumn][] = [
  ['verifying', 'verifyDeadline'],
  ['dispatched', 'signDeadline'],
  ['signed', 'disposeDeadline'],
  ['checking', 'checkDeadline'],
];

export interface OverdueCase {
  id: string;
  caseNo: string;
  categoryName: string;
  address: string | null;
  status: CaseStatus;
  statusLabel: string;
  departmentName: string | null;
  dueAt: string;
  overdueHours: number;
}

export interface Overdue {
  asOf: string;
  total: number;
  cases: OverdueCase[];
  units: { departmentId: string | null; departmentName: string; count: number }[];
}

/** The `limit` longest-overdue cases and units at `at`, with the number of overdue cases. */
export async function overdueAt(db: Pick<Db, 'prisma'>, at: Date, limit: number): Promise<Overdue> {
  const { prisma } = db;
  const [perStep, perUnit] = await Promise.all([
    Promise.all(
      RUNNING.map(([status, column]) =>
        prisma.case.findMany({
          where: { status, [column]: { lt: at } },
          include: { category: { select: { name: true } }, department: { select: { name: true } } },
          orderBy: { [column]: 'asc' },
          take: limit,
        }),
      ),
    ),
    Promise.all(
      RUNNING.map(([status, column]) =>
        prisma.case.groupBy({
          by: ['departmentId'],
          where: { status, [column]: { lt: at } },
          _count: { _all: true },
        }),
      ),
    ),
  ]);
  const column = new Map(RUNNING);
  const cases = perStep
    .flat()
    .map((c) => ({ c, due: c[column.get(c.status)!]! }))
    .sort((a, b) => a.due.getTime() - b.due.getTime())
    .slice(0, limit)
    .map(({ c, due }): OverdueCase => ({
      id: c.id,
      caseNo: c.caseNo,
      categoryName: c.category.name,
      address: c.address,
      status: c.status,
      statusLabel: STATUS_LABELS[c.status],
      departmentName: c.department?.name ?? null,
      dueAt: due.toISOString(),
      overdueHours: Math.round(((at.getTime() - due.getTime()) / 3_600_000) * 10) / 10,
    }));
  // The steps' counts of one unit added up ('' = nobody holds the case: the command centre's).
  const byUnit = new Map<string, number>();
  for (const g of perUnit.flat())
    byUnit.set(g.departmentId ?? '', (byUnit.get(g.departmentId ?? '') ?? 0) + g._count._all);
  const names = new Map(
    (
      await prisma.department.findMany({
        where: { id: { in: [...byUnit.keys()].filter((id) => id !== '') } },
        select: { id: true, name: true },
      })
    ).map((d) => [d.id, d.name]),
  );
  const units = [...byUnit]
    .map(([id, count]) => ({
      departmentId: id || null,
      departmentName: id ? (names.get(id) ?? '—') : '指挥中心 (未派遣)',
      count,
    }))
    .sort((a, b) => b.count - a.count || byName(a.departmentName, b.departmentName))
    .slice(0, limit);
  return {
    asOf: at.toISOString(),
    total: [...byUnit.values()].reduce((a, b) => a + b, 0),
    cases,
    units,
  };
}
