/**
 * The people's steps of ad-permit.bpmn (广告设置许可): an application taken at the window starts the
 * procedure; 审查 and 审批 are recorded here first (the permit row, the entry's history) and then
 * published to the waiting instance. A renewal's approval also tells the permit it replaces, whose
 * instance then ends instead of ordering removal at expiry. The services (granting, the reminder, the
 * removal order) are workers/ad-permit.ts.
 */
import { z } from 'zod';
import { defineRoute, type Route } from '../api/route.ts';
import type { AdPermit, Db } from '../db/index.ts';
import { conflict, notFound, unavailable, validationError } from '../errors.ts';
import { idParams } from '../reference/admin.ts';
import type { ZeebeClient } from '../zeebe.ts';
import { AD_SIGN_EDITORS, assertAdSignEditor } from './access.ts';
import { dateOf } from './sign.ts';

export const AD_PERMIT_PROCESS = 'ad-permit';
/** A step published while the instance is still on its way to the wait is kept this long. */
const MESSAGE_TTL_MS = 10 * 60_000;
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');

export const permitSchema = z.object({
  id: z.string(),
  renewal: z.boolean().describe('延续: the sign had a permit before'),
  status: z.enum(['applied', 'reviewed', 'approved', 'refused', 'ended']),
  applicantName: z.string(),
  applicantContact: z.string().nullable(),
  requestedStart: z.string(),
  requestedEnd: z.string(),
  reviewNote: z.string().nullable(),
  conditions: z.string().nullable(),
  refusalReason: z.string().nullable(),
  permitNo: z.string().nullable(),
  appliedAt: z.string(),
  decidedAt: z.string().nullable(),
});

export const permitView = (p: AdPermit): z.infer<typeof permitSchema> => ({
  id: p.id,
  renewal: p.renewal,
  status: p.status,
  applicantName: p.applicantName,
  applicantContact: p.applicantContact,
  requestedStart: p.requestedStart.toISOString().slice(0, 10),
  requestedEnd: p.requestedEnd.toISOString().slice(0, 10),
  reviewNote: p.reviewNote,
  conditions: p.conditions,
  refusalReason: p.refusalReason,
  permitNo: p.permitNo,
  appliedAt: p.appliedAt.toISOString(),
  decidedAt: p.decidedAt?.toISOString() ?? null,
});

export function adPermitRoutes({
  db,
  zeebe,
  now = () => new Date(),
}: {
  db: Db;
  zeebe?: ZeebeClient;
  now?: () => Date;
}): Route[] {
  const { prisma } = db;
  const engine = () => {
    if (!zeebe) throw unavailable('the engine is not connected');
    return zeebe;
  };
  const publish = (permitId: string, step: string, variables: Record<string, boolean> = {}) =>
    engine().publishMessage({
      name: `adPermit.${step}`,
      correlationKey: permitId,
      messageId: `${permitId}:adPermit.${step}`,
      timeToLive: MESSAGE_TTL_MS,
      variables,
    });
  const loadPermit = async (id: string) => {
    const p = await prisma.adPermit.findUnique({ where: { id } });
    if (!p) throw notFound(`ad permit ${id}`);
    return p;
  };
  const expect = (p: AdPermit, status: AdPermit['status'], step: string) => {
    if (p.status !== status)
      throw conflict(`permit application ${p.id} is ${p.status}: ${step} is for one that is ${status}`);
  };
  const actor = (p: { userId: string; displayName: string }) => ({
    actorUserId: p.userId,
    actorName: p.displayName,
  });

  return [
    defineRoute({
      method: 'POST',
      path: '/api/ad-signs/:id/permits',
      summary: 'Take a permit application (许可申请, or 延续 for a sign that has one) and start ad-permit',
      description:
        'The period asked for (start ≤ end, dates in the city). One open application per sign (409 while ' +
        'one waits for 审查 or 审批); a removed sign takes none. Editors as for the archive.',
      tags: ['ad-signs'],
      access: [...AD_SIGN_EDITORS],
      params: idParams,
      body: z
        .object({
          applicantName: z.string().trim().min(1).max(100).optional().describe('default: the sign’s owner'),
          applicantContact: z.string().trim().max(100).optional(),
          requestedStart: day,
          requestedEnd: day,
        })
        .strict(),
      responses: { 201: { description: 'The application', schema: permitSchema } },
      handler: async ({ params, body, principal }) => {
        const sign = await prisma.adSign.findUnique({ where: { id: params.id } });
        if (!sign) throw notFound(`ad sign ${params.id}`);
        await assertAdSignEditor(prisma, principal);
        const start = dateOf(body.requestedStart);
        const end = dateOf(body.requestedEnd);
        const errors = [
          ...(start
            ? []
            : [{ field: 'body.requestedStart', message: `${body.requestedStart} 不是有效日期` }]),
          ...(end ? [] : [{ field: 'body.requestedEnd', message: `${body.requestedEnd} 不是有效日期` }]),
          ...(start && end && end < start
            ? [
                {
                  field: 'body.requestedEnd',
                  message: `截止日期 ${body.requestedEnd} 早于起始日期 ${body.requestedStart}`,
                },
              ]
            : []),
          ...(sign.removedAt ? [{ field: 'params.id', message: `${sign.code} 已拆除，不能申请许可` }] : []),
        ];
        if (errors.length) throw validationError('the application is not valid', errors);
        const client = engine();
        const open = await prisma.adPermit.findFirst({
          where: { adSignId: sign.id, status: { in: ['applied', 'reviewed'] } },
        });
        if (open) throw conflict(`${sign.code} has an application under way (${open.id})`);
        const at = now();
        const permit = await prisma.$transaction(async (tx) => {
          const made = await tx.adPermit.create({
            data: {
              adSignId: sign.id,
              renewal: Boolean(sign.permitNo),
              applicantName: body.applicantName ?? sign.ownerName,
              applicantContact: body.applicantContact ?? sign.ownerContact,
              requestedStart: start!,
              requestedEnd: end!,
              appliedAt: at,
            },
          });
          await tx.adSignEvent.create({
            data: {
              adSignId: sign.id,
              permitId: made.id,
              type: 'permit_applied',
              at,
              ...actor(principal),
              note: `${made.renewal ? '延续许可申请' : '许可申请'}：${body.requestedStart} 至 ${body.requestedEnd}，申请人 ${made.applicantName}`,
            },
          });
          return made;
        });
        // The row first, then the instance; an engine that refuses the start takes the application back,
        // so it does not block the sign's next one (409) with no procedure behind it.
        let started: { processInstanceKey: string | number };
        try {
          started = await client.createProcessInstance({
            bpmnProcessId: AD_PERMIT_PROCESS,
            variables: { permitId: permit.id },
          });
        } catch (err) {
          await prisma.$transaction([
            prisma.adSignEvent.deleteMany({ where: { permitId: permit.id } }),
            prisma.adPermit.delete({ where: { id: permit.id } }),
          ]);
          throw unavailable('the process engine did not take the application; try again', err);
        }
        return permitView(
          await prisma.adPermit.update({
            where: { id: permit.id },
            data: { processInstanceKey: String(started.processInstanceKey) },
          }),
        );
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/ad-permits/:id/review',
      summary: 'Record 审查 of an application: passed on to 审批, or refused with the reason',
      tags: ['ad-signs'],
      access: [...AD_SIGN_EDITORS],
      params: idParams,
      body: z
        .object({
          passed: z.boolean(),
          note: z
            .string()
            .trim()
            .max(1000)
            .optional()
            .describe('what was checked; the reason when not passed'),
        })
        .strict()
        .refine((b) => b.passed || b.note, { message: 'a refusal gives its reason', path: ['note'] }),
      responses: { 200: { description: 'The application', schema: permitSchema } },
      handler: async ({ params, body, principal }) => {
        const permit = await loadPermit(params.id);
        await assertAdSignEditor(prisma, principal);
        expect(permit, 'applied', '审查');
        engine();
        const at = now();
        const row = await prisma.$transaction(async (tx) => {
          await tx.adSignEvent.create({
            data: {
              adSignId: permit.adSignId,
              permitId: permit.id,
              type: body.passed ? 'permit_reviewed' : 'permit_refused',
              at,
              ...actor(principal),
              note: body.passed ? `审查通过${body.note ? `：${body.note}` : ''}` : `审查未通过：${body.note}`,
            },
          });
          return tx.adPermit.update({
            where: { id: permit.id },
            data: body.passed
              ? { status: 'reviewed', reviewNote: body.note ?? null }
              : { status: 'refused', refusalReason: body.note ?? null, decidedAt: at },
          });
        });
        await publish(permit.id, 'reviewed', { reviewPassed: body.passed });
        return permitView(row);
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/ad-permits/:id/decision',
      summary: 'Record 审批: the permit granted with its conditions, or refused with the reason',
      description:
        'Granted: the procedure gives it its number and writes it onto the sign (workers/ad-permit.ts); a ' +
        'renewal ends the permit it replaces, whose reminder and removal order are then called off.',
      tags: ['ad-signs'],
      access: [...AD_SIGN_EDITORS],
      params: idParams,
      body: z
        .object({
          approved: z.boolean(),
          conditions: z.string().trim().max(1000).optional().describe('设置条件 the permit carries'),
          reason: z.string().trim().max(1000).optional().describe('why it is refused'),
        })
        .strict()
        .refine((b) => b.approved || b.reason, { message: 'a refusal gives its reason', path: ['reason'] }),
      responses: { 200: { description: 'The application', schema: permitSchema } },
      handler: async ({ params, body, principal }) => {
        const permit = await loadPermit(params.id);
        await assertAdSignEditor(prisma, principal);
        expect(permit, 'reviewed', '审批');
        engine();
        const at = now();
        const replaced = body.approved
          ? await prisma.adPermit.findMany({
              where: { adSignId: permit.adSignId, status: 'approved', id: { not: permit.id } },
            })
          : [];
        const row = await prisma.$transaction(async (tx) => {
          if (!body.approved)
            await tx.adSignEvent.create({
              data: {
                adSignId: permit.adSignId,
                permitId: permit.id,
                type: 'permit_refused',
                at,
                ...actor(principal),
                note: `不予许可：${body.reason}`,
              },
            });
          return tx.adPermit.update({
            where: { id: permit.id },
            data: body.approved
              ? { status: 'approved', conditions: body.conditions ?? null, decidedAt: at }
              : { status: 'refused', refusalReason: body.reason ?? null, decidedAt: at },
          });
        });
        await publish(permit.id, 'decided', { approved: body.approved });
        for (const old of replaced) await publish(old.id, 'renewed');
        return permitView(row);
      },
    }),
  ];
}
