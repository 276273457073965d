/**
 * The message thread of a case (处置通 ↔ 指挥中心): the unit holding the case, the command centre,
 * field supervisors and leaders write short messages on the case; whoever may see the case reads them.
 * Messages are not timeline events (they change no status and count in no figure). A leader's 批示 is a
 * timeline matter of its own (issue 16's 领导通), not a message.
 *
 * `Idempotency-Key` (the app's offline queue sends one): a repeat answers 200 with the message it stored.
 */
import { z } from 'zod';
import { defineRoute, type Route } from '../api/route.ts';
import type { Db, Prisma } from '../db/index.ts';
import { isUniqueViolation } from '../db/index.ts';
import { notFound, validationError } from '../errors.ts';
import { caseScope } from './scope.ts';

const messageSchema = z.object({
  id: z.string(),
  at: z.string(),
  authorUserId: z.string().nullable(),
  authorName: z.string(),
  /** The author's unit (department name) when the author has one. */
  unit: z.string().nullable(),
  body: z.string(),
});

type Row = Prisma.CaseMessageGetPayload<object>;

export function caseMessageRoutes({ db }: { db: Db }): Route[] {
  const { prisma } = db;
  const visibleCase = async (id: string, principal: Parameters<typeof caseScope>[0]) => {
    const scope = caseScope(principal);
    const row = await prisma.case.findFirst({
      where: { AND: [{ id }, ...(scope ? [scope] : [])] },
      select: { id: true },
    });
    // Another unit's case answers 404, as the case itself does.
    if (!row) throw notFound(`case ${id}`);
    return row;
  };
  /** The views of `rows`, with their authors' unit names. */
  const toViews = async (rows: Row[]) => {
    const ids = [...new Set(rows.map((r) => r.departmentId).filter((d): d is string => d !== null))];
    const units = new Map(
      (
        await prisma.department.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } })
      ).map((d) => [d.id, d.name]),
    );
    return rows.map((m) => ({
      id: m.id,
      at: m.createdAt.toISOString(),
      authorUserId: m.authorUserId,
      authorName: m.authorName,
      unit: m.departmentId ? (units.get(m.departmentId) ?? null) : null,
      body: m.body,
    }));
  };
  const toOne = async (row: Row) => (await toViews([row]))[0]!;

  return [
    defineRoute({
      method: 'GET',
      path: '/api/cases/:id/messages',
      summary: 'The case’s message thread, oldest first',
      tags: ['cases'],
      access: 'authenticated',
      params: z.object({ id: z.string() }),
      responses: { 200: { description: 'Messages', schema: z.object({ items: z.array(messageSchema) }) } },
      handler: async ({ params, principal }) => {
        await visibleCase(params.id, principal);
        const rows = await prisma.caseMessage.findMany({
          where: { caseId: params.id },
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
          take: 500,
        });
        return { items: await toViews(rows) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/cases/:id/messages',
      summary: 'Write a message on the case’s thread',
      description:
        'Anyone who sees the case may write (a department handler only on its unit’s cases). An ' +
        '`Idempotency-Key` makes a re-sent message answer 200 with the one stored.',
      tags: ['cases'],
      access: [
        'department_handler',
        'acceptor',
        'dispatcher',
        'shift_leader',
        'leader',
        'field_supervisor',
        'administrator',
      ],
      params: z.object({ id: z.string() }),
      body: z.object({ body: z.string().trim().min(1).max(2000) }).strict(),
      responses: { 201: { description: 'The message as stored', schema: messageSchema } },
      handler: async ({ params, principal, body, ctx }) => {
        const raw = ctx.get('idempotency-key');
        if (raw !== '' && (raw.length > 200 || !/^[\x21-\x7e]+$/.test(raw))) {
          throw validationError('invalid Idempotency-Key', [
            { field: 'headers.idempotency-key', message: 'up to 200 visible ASCII characters' },
          ]);
        }
        const key = raw === '' ? null : `${principal.userId}:${raw}`;
        const replay = async () => {
          const found = key ? await prisma.caseMessage.findUnique({ where: { idempotencyKey: key } }) : null;
          if (found) ctx.status = 200;
          return found && (await toOne(found));
        };
        const earlier = await replay();
        if (earlier) return earlier;
        await visibleCase(params.id, principal);
        try {
          const row = await prisma.caseMessage.create({
            data: {
              caseId: params.id,
              authorUserId: principal.userId,
              authorName: principal.displayName,
              departmentId: principal.departmentId,
              body: body.body,
              idempotencyKey: key,
            },
          });
          return await toOne(row);
        } catch (err) {
          const other = isUniqueViolation(err, ['idempotencyKey']) ? await replay() : null;
          if (other) return other;
          throw err;
        }
      },
    }),
  ];
}
