/**
 * The 广告设置许可 procedure's service tasks (processes/README.md, `ad-permit`); each is idempotent by the
 * permit (a job may run twice):
 * - hub.adPermit.grant: the approved permit gets its number (GG-<year>-<sequence>) and is written onto
 *   the archive entry (number, period, conditions; a removal order is lifted); the permits it replaces
 *   end. Returns the timers' instants `remindAt` and `expiresAt` (src/adsigns/status.ts).
 * - hub.adPermit.remind: 到期提醒 in the entry's history.
 * - hub.adPermit.removal: the permit ran out without renewal: 限期拆除 on the entry and its history.
 */
import { permitTimers } from '../src/adsigns/status.ts';
import { cityClock } from '../src/city-clock.ts';
import type { Prisma } from '../src/db/index.ts';
import { validationError } from '../src/errors.ts';
import { defineHandler, type JobInput, type WorkerDeps } from './job.ts';

const ACTOR = { actorUserId: null, actorName: '广告设置许可流程' };
const day = (d: Date | null) => d?.toISOString().slice(0, 10) ?? '—';

async function loadPermit(job: JobInput, deps: WorkerDeps) {
  const permitId = job.variables.permitId;
  if (typeof permitId !== 'string') throw validationError(`job ${job.key}: no permitId variable`);
  const permit = await deps.db.prisma.adPermit.findUnique({
    where: { id: permitId },
    include: { adSign: true },
  });
  if (!permit) throw validationError(`job ${job.key}: no permit ${permitId}`);
  return permit;
}

/** Whether the entry's history has this step of this permit already (a job run twice). */
const done = (
  tx: Prisma.TransactionClient,
  adSignId: string,
  permitId: string,
  type: 'permit_approved' | 'permit_renewed' | 'expiry_reminded' | 'removal_ordered',
) => tx.adSignEvent.findFirst({ where: { adSignId, permitId, type } });

export const grant = defineHandler(async (job, deps) => {
  const permit = await loadPermit(job, deps);
  if (permit.status !== 'approved' && permit.status !== 'ended')
    throw validationError(`permit ${permit.id} is ${permit.status}, not approved: nothing to grant`);
  const clock = cityClock(deps.config);
  const now = deps.now?.() ?? new Date();
  await deps.db.prisma.$transaction(async (tx) => {
    const type = permit.renewal ? 'permit_renewed' : 'permit_approved';
    if (await done(tx, permit.adSignId, permit.id, type)) return;
    const year = clock.year(now);
    const { value } = await tx.counter.upsert({
      where: { name: `adPermitNo:${year}` },
      create: { name: `adPermitNo:${year}`, value: 1 },
      update: { value: { increment: 1 } },
    });
    const permitNo = `GG-${year}-${String(value).padStart(6, '0')}`;
    await tx.adPermit.update({ where: { id: permit.id }, data: { permitNo } });
    await tx.adPermit.updateMany({
      where: { adSignId: permit.adSignId, status: 'approved', id: { not: permit.id } },
      data: { status: 'ended' },
    });
    await tx.adSign.update({
      where: { id: permit.adSignId },
      data: {
        permitNo,
        permitStart: permit.requestedStart,
        permitEnd: permit.requestedEnd,
        permitConditions: permit.conditions,
        removalOrderedAt: null,
      },
    });
    await tx.adSignEvent.create({
      data: {
        adSignId: permit.adSignId,
        permitId: permit.id,
        type,
        at: now,
        ...ACTOR,
        note: `许可证 ${permitNo}：${day(permit.requestedStart)} 至 ${day(permit.requestedEnd)}${permit.conditions ? `；设置条件：${permit.conditions}` : ''}`,
      },
    });
  });
  return permitTimers(permit.requestedEnd, clock);
});

export const remind = defineHandler(async (job, deps) => {
  const permit = await loadPermit(job, deps);
  await deps.db.prisma.$transaction(async (tx) => {
    if (await done(tx, permit.adSignId, permit.id, 'expiry_reminded')) return;
    await tx.adSignEvent.create({
      data: {
        adSignId: permit.adSignId,
        permitId: permit.id,
        type: 'expiry_reminded',
        at: deps.now?.() ?? new Date(),
        ...ACTOR,
        note: `许可证 ${permit.permitNo ?? '—'} 将于 ${day(permit.requestedEnd)} 到期：请 ${permit.adSign.ownerName} 办理延续许可，否则到期后限期拆除`,
      },
    });
  });
  return {};
});

export const removal = defineHandler(async (job, deps) => {
  const permit = await loadPermit(job, deps);
  const now = deps.now?.() ?? new Date();
  await deps.db.prisma.$transaction(async (tx) => {
    if (await done(tx, permit.adSignId, permit.id, 'removal_ordered')) return;
    await tx.adPermit.update({ where: { id: permit.id }, data: { status: 'ended' } });
    // A removal order stands only while the entry still shows this permit (a later one took over: none).
    if (permit.adSign.permitNo === permit.permitNo && !permit.adSign.removedAt)
      await tx.adSign.update({ where: { id: permit.adSignId }, data: { removalOrderedAt: now } });
    await tx.adSignEvent.create({
      data: {
        adSignId: permit.adSignId,
        permitId: permit.id,
        type: 'removal_ordered',
        at: now,
        ...ACTOR,
        note: `许可证 ${permit.permitNo ?? '—'} 已于 ${day(permit.requestedEnd)} 到期，未办理延续：责令 ${permit.adSign.ownerName} 限期拆除`,
      },
    });
  });
  return {};
});

export const handlers = {
  'hub.adPermit.grant': grant,
  'hub.adPermit.remind': remind,
  'hub.adPermit.removal': removal,
};
