/**
 * A sign set up without a permit, found by a supervisor or by video, becomes a case of 02 宣传广告
 * (domain.md's event codes: 0201 非法小广告 … 0299 其他) naming the archive entry: the report is checked
 * here and the case-state writer records the link in the transaction that creates the case, so the
 * entry's history lists its cases whichever path reported them.
 */
import type { Prisma, PrismaClient } from '../db/index.ts';
import { validationError } from '../errors.ts';

/** The event major whose cases may name a sign (宣传广告). */
export const AD_CASE_MAJOR = '02';

/**
 * The sign a report names, checked: it exists and stands, and the case is a 宣传广告 event. Returns its
 * point, address and cell, which the case takes when the report gives no position of its own.
 */
export async function checkAdSignCase(
  prisma: PrismaClient,
  body: { adSignId: string; categoryKind: string; categoryCode: string },
) {
  const sign = await prisma.adSign.findUnique({ where: { id: body.adSignId } });
  if (!sign) throw validationError('unknown sign', [{ field: 'body.adSignId', message: 'no such ad sign' }]);
  if (sign.removedAt)
    throw validationError('the sign was removed', [
      { field: 'body.adSignId', message: `ad sign ${sign.code} is recorded as removed (已拆除)` },
    ]);
  if (body.categoryKind !== 'event' || !body.categoryCode.startsWith(AD_CASE_MAJOR))
    throw validationError('a sign’s case is a 宣传广告 event', [
      {
        field: 'body.categoryCode',
        message: `a case naming an ad sign is an event of major ${AD_CASE_MAJOR} (宣传广告), not ${body.categoryKind} ${body.categoryCode}`,
      },
    ]);
  return { lng: sign.lng, lat: sign.lat, address: sign.address, gridCode: sign.gridCode };
}

/** Writes the sign's history entry for a new case (inside the case's creating transaction). */
export async function adSignCaseReported(
  tx: Prisma.TransactionClient,
  link: { caseId: string; adSignId: string; at: Date; actor: { userId: string | null; name: string } },
) {
  await tx.adSignEvent.create({
    data: {
      adSignId: link.adSignId,
      type: 'case_reported',
      at: link.at,
      actorUserId: link.actor.userId,
      actorName: link.actor.name,
      caseId: link.caseId,
    },
  });
}

/** A refused report leaves no trace in a sign's history. */
export async function adSignCaseDiscarded(tx: Prisma.TransactionClient, caseId: string) {
  await tx.adSignEvent.deleteMany({ where: { caseId, type: 'case_reported' } });
}
