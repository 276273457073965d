/**
 * 执法通's work list: `GET /api/enforcement/cases` — the cases handed to the caller's unit (移交执法) that
 * the enforcement procedure still runs, each with the officer's next step and, once ordered, the 责令整改
 * deadline. The steps themselves are case actions (src/cases/actions/: inspect, order-rectification,
 * reinspect, record-penalty), so they share the case API's idempotency, outbox and photo handling.
 */
import { z } from 'zod';
import { defineRoute, type Route } from '../api/route.ts';
import type { Db } from '../db/index.ts';
import {
  ENFORCEMENT_STAGE_LABELS,
  enforcementRound,
  enforcementStage,
  type EnforcementStage,
} from './stage.ts';

const STAGES = Object.keys(ENFORCEMENT_STAGE_LABELS) as [EnforcementStage, ...EnforcementStage[]];

export const enforcementItemSchema = z.object({
  id: z.string(),
  caseNo: z.string(),
  categoryName: z.string(),
  description: z.string(),
  address: z.string().nullable(),
  lat: z.number().nullable(),
  lng: z.number().nullable(),
  stage: z.enum(STAGES).describe('the officer’s next step'),
  stageLabel: z.string(),
  handedAt: z.string().describe('when the case was handed to the unit (ISO 8601)'),
  handedReason: z.string().nullable(),
  rectifyDeadline: z.string().nullable().describe('end of the 责令整改 period, once ordered'),
  rectifyOverdue: z.boolean().describe('the period ran out (整改期满) and no 复查 is recorded yet'),
});

export function enforcementRoutes({ db, now = () => new Date() }: { db: Db; now?: () => Date }): Route[] {
  const { prisma } = db;
  return [
    defineRoute({
      method: 'GET',
      path: '/api/enforcement/cases',
      summary: '执法通: cases in the enforcement procedure at the caller’s unit, with the next step',
      tags: ['enforcement'],
      access: ['law_enforcement'],
      responses: {
        200: {
          description: 'Oldest hand-over first',
          schema: z.object({ items: z.array(enforcementItemSchema) }),
        },
      },
      handler: async ({ principal }) => {
        if (!principal.departmentId) return { items: [] };
        const rows = await prisma.case.findMany({
          where: {
            departmentId: principal.departmentId,
            status: 'signed',
            events: { some: { type: 'enforcement_handed' } },
          },
          include: {
            category: { select: { name: true } },
            events: { orderBy: [{ at: 'asc' }, { id: 'asc' }] },
          },
          take: 500,
        });
        const at = now().getTime();
        const items = rows.flatMap((row) => {
          const stage = enforcementStage(row.events);
          const round = enforcementRound(row.events);
          if (!stage || !round) return [];
          const handed = row.events.filter((e) => e.type === 'enforcement_handed').at(-1)!;
          const due = round
            .filter((e) => e.type === 'deadline_set' && (e.data as { step?: string }).step === 'rectify')
            .at(-1);
          const dueAt = due ? String((due.data as { dueAt?: string }).dueAt) : null;
          return [
            {
              id: row.id,
              caseNo: row.caseNo,
              categoryName: row.category.name,
              description: row.description,
              address: row.address,
              lat: row.lat,
              lng: row.lng,
              stage,
              stageLabel: ENFORCEMENT_STAGE_LABELS[stage],
              handedAt: handed.at.toISOString(),
              handedReason: ((handed.data as { reason?: string } | null)?.reason ?? null) as string | null,
              rectifyDeadline: dueAt,
              rectifyOverdue: stage === 'reinspect' && dueAt !== null && Date.parse(dueAt) <= at,
            },
          ];
        });
        items.sort((a, b) => a.handedAt.localeCompare(b.handedAt));
        return { items };
      },
    }),
  ];
}
