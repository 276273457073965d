/**
 * What one plate-recognition pass or heartbeat does to a lot (the parking adapter applies it inside the
 * transaction that records the inbox row, adapters/parking):
 * - a second read of the same plate in the same direction within `debounceSeconds` (camera time) is the
 *   camera seeing the car twice: counted once;
 * - the count moves by one and stays within [0, capacity]: an exit without its entry (missed by the
 *   camera, or the car was inside before the hub started counting) does not make it negative, a car
 *   more than the lot holds does not make the free count negative; each such correction is returned as
 *   `drift` for the log, so an operator can see a camera that misses cars;
 * - the lot's `feedAt` is the hub's time of the message: the lot's system is alive;
 * - the pass is counted in the history bucket of that time (history.ts).
 */
import type { Prisma } from '../db/index.ts';
import { validationError } from '../errors.ts';
import type { LotState } from './board.ts';
import { bucketOf } from './history.ts';

export interface Pass {
  lotCode: string;
  plate: string;
  direction: 'in' | 'out';
  /** the camera's time of the pass */
  at: Date;
}

export interface PassOutcome {
  counted: boolean;
  /** why a pass changed nothing */
  why?: string;
  lot: LotState;
  /** the count the pass would have made, when it had to be kept within [0, capacity] */
  drift?: { raw: number; kept: number };
}

export async function recordPass(
  tx: Prisma.TransactionClient,
  pass: Pass,
  options: { debounceSeconds: number; historyMinutes: number; now: Date },
): Promise<PassOutcome> {
  const lot = await tx.parkingLot.findUnique({ where: { code: pass.lotCode } });
  if (!lot)
    throw validationError(`no parking lot ${pass.lotCode}`, [
      { field: 'lotCode', message: `unknown lot ${pass.lotCode}` },
    ]);
  const plate = pass.plate.trim().toUpperCase();
  const last = await tx.parkingPlate.findUnique({ where: { lotId_plate: { lotId: lot.id, plate } } });
  const alive = { feedAt: options.now };
  if (
    last &&
    last.direction === pass.direction &&
    Math.abs(pass.at.getTime() - last.at.getTime()) <= options.debounceSeconds * 1000
  ) {
    const updated = await tx.parkingLot.update({ where: { id: lot.id }, data: alive });
    return { counted: false, why: `${pass.direction} read twice within the debounce window`, lot: updated };
  }
  // An older pass arriving late still counts, but must not replace the plate's latest one.
  if (!last || pass.at >= last.at)
    await tx.parkingPlate.upsert({
      where: { lotId_plate: { lotId: lot.id, plate } },
      create: { lotId: lot.id, plate, direction: pass.direction, at: pass.at },
      update: { direction: pass.direction, at: pass.at },
    });
  const raw = lot.occupied + (pass.direction === 'in' ? 1 : -1);
  const kept = Math.min(lot.capacity, Math.max(0, raw));
  const updated = await tx.parkingLot.update({
    where: { id: lot.id },
    data: { occupied: kept, ...alive },
  });
  const free = lot.capacity - kept;
  const bucket = bucketOf(options.now, options.historyMinutes);
  const row = await tx.parkingOccupancy.findUnique({
    where: { lotId_bucket: { lotId: lot.id, bucket } },
  });
  const entries = pass.direction === 'in' ? 1 : 0;
  const exits = 1 - entries;
  if (row)
    await tx.parkingOccupancy.update({
      where: { id: row.id },
      data: {
        free,
        minFree: Math.min(row.minFree ?? free, free),
        maxFree: Math.max(row.maxFree ?? free, free),
        entries: { increment: entries },
        exits: { increment: exits },
      },
    });
  else
    await tx.parkingOccupancy.create({
      data: { lotId: lot.id, bucket, free, minFree: free, maxFree: free, entries, exits },
    });
  return { counted: true, lot: updated, ...(raw !== kept ? { drift: { raw, kept } } : {}) };
}

/** A heartbeat: the lot's system is alive (its count unchanged). Null for a lot the hub does not know. */
export async function recordHeartbeat(
  prisma: Prisma.TransactionClient,
  lotCode: string,
  now: Date,
): Promise<LotState | null> {
  const { count } = await prisma.parkingLot.updateMany({ where: { code: lotCode }, data: { feedAt: now } });
  return count ? prisma.parkingLot.findUnique({ where: { code: lotCode } }) : null;
}
