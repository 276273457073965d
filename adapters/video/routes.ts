/**
 * Per-camera precision of the video AI (scenario 4): GET /api/adapters/video/cameras and
 * /api/adapters/video/cameras/:cameraId. A camera's alarm cases are the video cases whose sourceRef
 * starts with its id. Of those:
 * - confirmed: a person confirmed it (核实属实 `verified`, or 立案 `registered`);
 * - false alarm: voided without being confirmed and without being a duplicate (作废 with a reason);
 * - merged: a duplicate merged into another open case by intake (not the camera's fault);
 * - pending: not decided yet.
 * precision = confirmed / (confirmed + false alarms), null while nothing is decided. Repeats merged into
 * an open case (`alarm_repeated`) are counted apart: they are the same problem seen again.
 */
import { z } from 'zod';
import { defineRoute, type Route } from '../../src/api/route.ts';
import type { Db } from '../../src/db/index.ts';
import { notFound } from '../../src/errors.ts';

const figuresSchema = z.object({
  cameraId: z.string(),
  alarms: z.number().int().describe('cases opened by this camera'),
  repeats: z.number().int().describe('repeat alarms merged into an open case of this camera'),
  confirmed: z.number().int(),
  falseAlarms: z.number().int(),
  merged: z.number().int(),
  pending: z.number().int(),
  precision: z.number().nullable(),
  falseAlarmReasons: z.array(
    z.object({ caseId: z.string(), caseNo: z.string(), reason: z.string().nullable() }),
  ),
});
type Figures = z.infer<typeof figuresSchema>;

const READERS = ['administrator', 'acceptor', 'dispatcher', 'shift_leader', 'leader'] as const;

export async function cameraFigures(db: Pick<Db, 'prisma'>, cameraId: string): Promise<Figures> {
  const prefix = { startsWith: `${cameraId}:` };
  const cases = await db.prisma.case.findMany({
    where: { source: 'video', sourceRef: prefix },
    select: {
      id: true,
      caseNo: true,
      status: true,
      mergedIntoId: true,
      voidReason: true,
      events: { where: { type: { in: ['verified', 'registered'] } }, select: { type: true } },
    },
  });
  const repeats = await db.prisma.caseEvent.count({
    where: { type: 'alarm_repeated', case: { source: 'video', sourceRef: prefix } },
  });
  const f: Figures = {
    cameraId,
    alarms: cases.length,
    repeats,
    confirmed: 0,
    falseAlarms: 0,
    merged: 0,
    pending: 0,
    precision: null,
    falseAlarmReasons: [],
  };
  for (const c of cases) {
    if (c.mergedIntoId) f.merged++;
    else if (c.events.length > 0) f.confirmed++;
    else if (c.status === 'voided') {
      f.falseAlarms++;
      f.falseAlarmReasons.push({ caseId: c.id, caseNo: c.caseNo, reason: c.voidReason });
    } else f.pending++;
  }
  const decided = f.confirmed + f.falseAlarms;
  f.precision = decided === 0 ? null : Math.round((f.confirmed / decided) * 10_000) / 10_000;
  return f;
}

export function videoRoutes({ db }: { db: Pick<Db, 'prisma'> }): Route[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/adapters/video/cameras',
      summary: 'Video AI precision of every camera that raised an alarm',
      tags: ['adapters'],
      access: [...READERS],
      responses: {
        200: { description: 'One entry per camera', schema: z.object({ items: z.array(figuresSchema) }) },
      },
      handler: async () => {
        const refs = await db.prisma.case.findMany({
          where: { source: 'video', sourceRef: { not: null } },
          select: { sourceRef: true },
        });
        const cameras = [...new Set(refs.map((r) => r.sourceRef!.split(':')[0]!))].sort();
        return { items: await Promise.all(cameras.map((c) => cameraFigures(db, c))) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/adapters/video/cameras/:cameraId',
      summary: 'Video AI precision of one camera (false alarms voided with their reasons)',
      tags: ['adapters'],
      access: [...READERS],
      params: z.object({ cameraId: z.string().regex(/^[\w-]{1,40}$/) }),
      responses: { 200: { description: 'The camera’s figures', schema: figuresSchema } },
      handler: async ({ params }) => {
        const f = await cameraFigures(db, params.cameraId);
        if (f.alarms === 0 && f.repeats === 0) throw notFound(`camera ${params.cameraId}`);
        return f;
      },
    }),
  ];
}
