/**
 * Reading the 督办 inbox: which items a caller may see (by 督办 level), and each item as the inbox shows
 * it — the case in short, the missed stage deadline, and when the item's level runs out of time to
 * decide (the same rule as `hub.deadlines.compute` kind `decision`: ESCALATION_DECISION_MINUTES of
 * working time from the moment the item was opened or raised to its level), with the working time left.
 */
import type { WorkCalendar } from '../calendar/index.ts';
import type { Principal } from '../auth/roles.ts';
import type { Escalation, Prisma } from '../db/index.ts';
import { STAGE_LABELS } from '../cases/clock.ts';
import type { CityClock } from '../city-clock.ts';

/** Who decides at a level: 1 = 值班长 (shift leaders), 2 and up = 领导 (leaders). */
export const LEVEL_LABELS = { 1: '值班长', 2: '领导' } as const;
export const levelLabel = (level: number) => (level <= 1 ? LEVEL_LABELS[1] : LEVEL_LABELS[2]);

export const DECISION_LABELS = {
  extend: '延期',
  reassign: '改派',
  urge: '催办',
  urgent: '责令处置',
  void: '作废',
} as const;
export type Decision = keyof typeof DECISION_LABELS;

/**
 * The levels a caller decides at, as a filter: shift leaders level 1, leaders level 2 and up, both roles
 * both; administrators every level. Null means no restriction.
 */
export function levelWhere(principal: Principal): Prisma.EscalationWhereInput | null {
  if (principal.roles.includes('administrator')) return null;
  const or: Prisma.EscalationWhereInput[] = [];
  if (principal.roles.includes('shift_leader')) or.push({ level: { lte: 1 } });
  if (principal.roles.includes('leader')) or.push({ level: { gte: 2 } });
  return or.length ? { OR: or } : { id: { in: [] } };
}

/** True when the caller decides at `level`. */
export function mayDecideAt(principal: Principal, level: number): boolean {
  if (principal.roles.includes('administrator')) return true;
  return level <= 1 ? principal.roles.includes('shift_leader') : principal.roles.includes('leader');
}

/** What the inbox shows of one item. */
export interface InboxItem {
  id: string;
  status: Escalation['status'];
  stage: 'sign' | 'dispose';
  /** 签收 or 处置 */
  stageLabel: string;
  level: number;
  /** 值班长 or 领导 */
  levelLabel: string;
  /** The stage's limit that was missed (ISO 8601 with the city's offset). */
  deadline: string;
  /** Working minutes since that limit (≥ 0). */
  overdueWorkingMinutes: number;
  /** When this level's time to decide runs out and the item goes a level up. */
  decisionDueAt: string;
  /** Working minutes left until decisionDueAt; negative once working time passed since it. */
  remainingWorkingMinutes: number;
  /** When the item reached its current level. */
  raisedAt: string;
  openedAt: string;
  updatedAt: string;
  assignee: { type: string; id: string; name: string | null };
  claimedBy: { id: string; name: string | null } | null;
  claimedAt: string | null;
  decision: string | null;
  decisionNote: string | null;
  decidedBy: { id: string; name: string | null } | null;
  decidedAt: string | null;
  case: {
    id: string;
    caseNo: string;
    status: string;
    source: string;
    categoryCode: string;
    categoryName: string | null;
    urgency: string;
    description: string;
    address: string | null;
    gridCode: string | null;
    departmentId: string | null;
    reportedAt: string;
  };
}

export interface ViewDeps {
  prisma: Pick<Prisma.TransactionClient, 'caseEvent' | 'case' | 'department' | 'user' | 'category'>;
  calendar: WorkCalendar;
  /** the city's clock (CALENDAR_TIMEZONE): item times are rendered with its offset */
  clock: CityClock;
  decisionMinutes: number;
  now: Date;
}

/** The inbox view of `rows`, in their order (four queries whatever the number of rows). */
export async function toItems(rows: Escalation[], deps: ViewDeps): Promise<InboxItem[]> {
  if (rows.length === 0) return [];
  const { prisma, calendar, clock, now } = deps;
  const caseIds = [...new Set(rows.map((r) => r.caseId))];
  const userIds = [
    ...new Set(rows.flatMap((r) => [r.claimedBy, r.decidedBy]).filter((x): x is string => !!x)),
  ];
  const [cases, raised, units, users] = await Promise.all([
    prisma.case.findMany({ where: { id: { in: caseIds } }, include: { category: true } }),
    prisma.caseEvent.findMany({
      where: { caseId: { in: caseIds }, type: 'escalated' },
      orderBy: [{ at: 'asc' }, { id: 'asc' }],
      select: { at: true, data: true },
    }),
    prisma.department.findMany({
      where: { id: { in: [...new Set(rows.map((r) => r.assigneeId))] } },
      select: { id: true, name: true },
    }),
    prisma.user.findMany({ where: { id: { in: userIds } }, select: { id: true, displayName: true } }),
  ]);
  const caseOf = new Map(cases.map((c) => [c.id, c]));
  const unitName = new Map(units.map((u) => [u.id, u.name]));
  const userName = new Map(users.map((u) => [u.id, u.displayName]));
  // The last `escalated` event of each item: when it reached its current level.
  const raisedAt = new Map<string, Date>();
  for (const e of raised) {
    const item = (e.data as { inboxItemId?: unknown } | null)?.inboxItemId;
    if (typeof item === 'string') raisedAt.set(item, e.at);
  }
  const iso = (d: Date) => clock.iso(d);
  const person = (id: string | null) => (id ? { id, name: userName.get(id) ?? null } : null);
  return rows.map((r) => {
    const c = caseOf.get(r.caseId)!;
    const raisedOn = raisedAt.get(r.id) ?? r.createdAt;
    const decisionDue = calendar.addWorkingTime(raisedOn, { minutes: deps.decisionMinutes });
    return {
      id: r.id,
      status: r.status,
      stage: r.stage as 'sign' | 'dispose',
      stageLabel: STAGE_LABELS[r.stage as 'sign' | 'dispose'] ?? r.stage,
      level: r.level,
      levelLabel: levelLabel(r.level),
      deadline: iso(r.deadline),
      overdueWorkingMinutes: Math.max(Math.round(calendar.workingTimeBetween(r.deadline, now)), 0),
      decisionDueAt: iso(decisionDue),
      remainingWorkingMinutes: Math.round(calendar.remaining(now, decisionDue)),
      raisedAt: iso(raisedOn),
      openedAt: iso(r.createdAt),
      updatedAt: r.updatedAt.toISOString(),
      assignee: { type: r.assigneeType, id: r.assigneeId, name: unitName.get(r.assigneeId) ?? null },
      claimedBy: person(r.claimedBy),
      claimedAt: r.claimedAt ? iso(r.claimedAt) : null,
      decision: r.decision,
      decisionNote: r.decisionNote,
      decidedBy: person(r.decidedBy),
      decidedAt: r.decidedAt ? iso(r.decidedAt) : null,
      case: {
        id: c.id,
        caseNo: c.caseNo,
        status: c.status,
        source: c.source,
        categoryCode: c.categoryCode,
        categoryName: c.category?.name ?? null,
        urgency: c.urgency,
        description: c.description,
        address: c.address,
        gridCode: c.gridCode,
        departmentId: c.departmentId,
        reportedAt: iso(c.reportedAt),
      },
    };
  });
}

/** Most urgent first: the level's decision runs out soonest, then the older missed deadline. */
export function byUrgency(a: InboxItem, b: InboxItem): number {
  return (
    Date.parse(a.decisionDueAt) - Date.parse(b.decisionDueAt) ||
    Date.parse(a.deadline) - Date.parse(b.deadline) ||
    a.id.localeCompare(b.id)
  );
}
