/**
 * Occupancy history, kept compactly: one ParkingOccupancy row per lot per PARKING_HISTORY_MINUTES bucket
 * (a year of 5-minute buckets is ~105,000 rows a lot). Passes update their bucket as they are counted
 * (feed.ts); the sampler writes the buckets in which nothing passed, with the lot's count then — or no
 * count (null) while its feed is silent, so the statistics show the gap as 未知 and not as a full lot.
 */
import type { Db } from '../db/index.ts';
import type { ParkingBoard } from './board.ts';

/** Start of the bucket `at` falls in (buckets divide the hour, so they line up across time zones). */
export function bucketOf(at: Date, minutes: number): Date {
  const ms = minutes * 60_000;
  return new Date(Math.floor(at.getTime() / ms) * ms);
}

/** Writes the current bucket of every active lot that has none yet; deletes history beyond `days`. */
export async function sampleOccupancy(
  db: Db,
  board: ParkingBoard,
  options: { now: Date; historyMinutes: number; historyDays: number },
): Promise<{ written: number; deleted: number }> {
  const bucket = bucketOf(options.now, options.historyMinutes);
  const lots = (await board.lots()).filter((l) => l.lot.active);
  const have = new Set(
    (
      await db.prisma.parkingOccupancy.findMany({
        where: { bucket, lotId: { in: lots.map((l) => l.lot.id) } },
        select: { lotId: true },
      })
    ).map((r) => r.lotId),
  );
  const missing = lots.filter((l) => !have.has(l.lot.id));
  for (const { lot, view } of missing)
    await db.prisma.parkingOccupancy.create({
      data: { lotId: lot.id, bucket, free: view.free, minFree: view.free, maxFree: view.free },
    });
  // A bucket (this one or the one before) begun while the lot was silent — e.g. the hub had just
  // started — takes the lot's count once the lot has spoken since the bucket began (a heartbeat does not
  // touch the bucket), so a few seconds of silence do not make a whole bucket 未知.
  const previous = new Date(bucket.getTime() - options.historyMinutes * 60_000);
  const silentRows = await db.prisma.parkingOccupancy.findMany({
    where: { bucket: { gte: previous }, free: null, lotId: { in: lots.map((l) => l.lot.id) } },
  });
  const byId = new Map(lots.map((l) => [l.lot.id, l]));
  for (const row of silentRows) {
    const { lot, view } = byId.get(row.lotId)!;
    if (view.free !== null && lot.feedAt && lot.feedAt >= row.bucket)
      await db.prisma.parkingOccupancy.update({
        where: { id: row.id },
        data: { free: view.free, minFree: view.free, maxFree: view.free },
      });
  }
  const { count } = await db.prisma.parkingOccupancy.deleteMany({
    where: { bucket: { lt: new Date(options.now.getTime() - options.historyDays * 86_400_000) } },
  });
  // A plate's last pass matters only within the debounce window; keep a day of them.
  await db.prisma.parkingPlate.deleteMany({
    where: { at: { lt: new Date(options.now.getTime() - 86_400_000) } },
  });
  return { written: missing.length, deleted: count };
}

export interface OccupancyPoint {
  /** bucket start, ISO */
  at: string;
  capacity: number;
  /** free spaces of the lots whose count was known in the bucket; null: none known */
  free: number | null;
  entries: number;
  exits: number;
  unknownLots: number;
}

export interface LotSummary {
  code: string;
  name: string;
  area: string;
  capacity: number;
  /** mean share of spaces taken over the known buckets, percent; null: never known */
  meanOccupancyPercent: number | null;
  /** highest share taken (from the buckets' least free), percent */
  peakOccupancyPercent: number | null;
  entries: number;
  exits: number;
  /** buckets in which the feed was silent */
  unknownBuckets: number;
}

/** The statistics view's figures for [from, to): a series per `stepMinutes` and a summary per lot. */
export async function occupancyStats(
  db: Db,
  options: { from: Date; to: Date; stepMinutes: number; area?: string },
): Promise<{ series: OccupancyPoint[]; lots: LotSummary[] }> {
  const lots = await db.prisma.parkingLot.findMany({
    where: options.area ? { area: options.area } : {},
    orderBy: { code: 'asc' },
  });
  const rows = await db.prisma.parkingOccupancy.findMany({
    where: { bucket: { gte: options.from, lt: options.to }, lotId: { in: lots.map((l) => l.id) } },
    orderBy: { bucket: 'asc' },
  });
  const lotById = new Map(lots.map((l) => [l.id, l]));
  const step = options.stepMinutes * 60_000;
  // Per step and lot the last bucket's free (the state at the step's end), summed entries and exits.
  const perStep = new Map<number, Map<string, { free: number | null; entries: number; exits: number }>>();
  const summary = new Map<
    string,
    { sum: number; known: number; peak: number | null; entries: number; exits: number; unknown: number }
  >();
  for (const r of rows) {
    const lot = lotById.get(r.lotId)!;
    const key = Math.floor(r.bucket.getTime() / step) * step;
    const m = perStep.get(key) ?? new Map();
    const cur = m.get(r.lotId) ?? { free: null, entries: 0, exits: 0 };
    cur.free = r.free;
    cur.entries += r.entries;
    cur.exits += r.exits;
    m.set(r.lotId, cur);
    perStep.set(key, m);
    const s = summary.get(r.lotId) ?? { sum: 0, known: 0, peak: null, entries: 0, exits: 0, unknown: 0 };
    s.entries += r.entries;
    s.exits += r.exits;
    if (r.free === null) s.unknown++;
    else {
      s.sum += (lot.capacity - r.free) / lot.capacity;
      s.known++;
      const least = r.minFree ?? r.free;
      const taken = ((lot.capacity - least) / lot.capacity) * 100;
      s.peak = Math.max(s.peak ?? 0, taken);
    }
    summary.set(r.lotId, s);
  }
  const series: OccupancyPoint[] = [...perStep.entries()]
    .sort(([a], [b]) => a - b)
    .map(([key, m]) => {
      let capacity = 0;
      let free: number | null = null;
      let entries = 0;
      let exits = 0;
      let unknownLots = 0;
      for (const [lotId, v] of m) {
        entries += v.entries;
        exits += v.exits;
        if (v.free === null) unknownLots++;
        else {
          capacity += lotById.get(lotId)!.capacity;
          free = (free ?? 0) + v.free;
        }
      }
      return { at: new Date(key).toISOString(), capacity, free, entries, exits, unknownLots };
    });
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    series,
    lots: lots.map((l) => {
      const s = summary.get(l.id);
      return {
        code: l.code,
        name: l.name,
        area: l.area,
        capacity: l.capacity,
        meanOccupancyPercent: s && s.known ? round((s.sum / s.known) * 100) : null,
        peakOccupancyPercent: s && s.peak !== null ? round(s.peak) : null,
        entries: s?.entries ?? 0,
        exits: s?.exits ?? 0,
        unknownBuckets: s?.unknown ?? 0,
      };
    }),
  };
}
