/**
 * Rugao's demo parking lots (停车诱导) and a day of their occupancy history, so the statistics view has
 * something to show on a fresh machine. The counts start where the parking simulator's cars are
 * (adapters/parking/simulator), which then moves them on.
 */
import type { Prisma } from './index.ts';

export interface DemoLot {
  code: string;
  name: string;
  area: string;
  street: string;
  lng: number;
  lat: number;
  capacity: number;
  /** share taken at noon */
  busy: number;
}

export const DEMO_PARKING_LOTS: DemoLot[] = [
  {
    code: 'RG-P001',
    name: '如皋市人民医院停车场',
    area: '如城街道',
    street: '宁海路',
    lng: 120.569,
    lat: 32.383,
    capacity: 320,
    busy: 0.97,
  },
  {
    code: 'RG-P002',
    name: '文峰大世界停车场',
    area: '如城街道',
    street: '海阳南路',
    lng: 120.572,
    lat: 32.388,
    capacity: 260,
    busy: 0.85,
  },
  {
    code: 'RG-P003',
    name: '水绘园停车场',
    area: '如城街道',
    street: '水绘路',
    lng: 120.58,
    lat: 32.3935,
    capacity: 150,
    busy: 0.7,
  },
  {
    code: 'RG-P004',
    name: '市政务服务中心停车场',
    area: '如城街道',
    street: '福寿东路',
    lng: 120.5905,
    lat: 32.387,
    capacity: 200,
    busy: 0.6,
  },
  {
    code: 'RG-P005',
    name: '龙游湖公园停车场',
    area: '城南街道',
    street: '龙游路',
    lng: 120.565,
    lat: 32.372,
    capacity: 180,
    busy: 0.45,
  },
  {
    code: 'RG-P006',
    name: '如皋汽车客运站停车场',
    area: '城南街道',
    street: '海阳南路',
    lng: 120.5745,
    lat: 32.3655,
    capacity: 240,
    busy: 0.8,
  },
  {
    code: 'RG-P007',
    name: '城北街道办事处停车场',
    area: '城北街道',
    street: '惠政西路',
    lng: 120.5655,
    lat: 32.405,
    capacity: 60,
    busy: 0.9,
  },
  {
    code: 'RG-P008',
    name: '如皋站停车场',
    area: '城北街道',
    street: '站前路',
    lng: 120.558,
    lat: 32.415,
    capacity: 400,
    busy: 0.55,
  },
];

/** Share taken at an hour of the day in Rugao: quiet at night, full late morning and afternoon. */
function dayCurve(hour: number, busy: number): number {
  const day = Math.max(0, Math.sin(((hour - 6) / 15) * Math.PI));
  return Math.min(1, 0.12 + (busy - 0.12) * day);
}

/** Inserts the lots and 24 h of 5-minute history before `now`; the number of lots. */
export async function seedParking(tx: Prisma.TransactionClient, now: Date): Promise<number> {
  const bucketMs = 5 * 60_000;
  const end = Math.floor(now.getTime() / bucketMs) * bucketMs;
  const rugaoHour = (t: number) => (((t / 3_600_000 + 8) % 24) + 24) % 24;
  for (const [i, lot] of DEMO_PARKING_LOTS.entries()) {
    const { busy, ...fields } = lot;
    const occupied = Math.round(lot.capacity * dayCurve(rugaoHour(now.getTime()), busy));
    const row = await tx.parkingLot.create({ data: { ...fields, occupied } });
    const history: Prisma.ParkingOccupancyCreateManyInput[] = [];
    let prev = occupied;
    for (let t = end - 288 * bucketMs; t < end; t += bucketMs) {
      // The station's feed was down for an hour in the night: 未知, not full.
      if (i === 7 && rugaoHour(t) >= 2 && rugaoHour(t) < 3) {
        history.push({ lotId: row.id, bucket: new Date(t), free: null, minFree: null, maxFree: null });
        continue;
      }
      const taken = Math.round(lot.capacity * dayCurve(rugaoHour(t), busy));
      const free = lot.capacity - taken;
      const moved = Math.abs(taken - prev);
      history.push({
        lotId: row.id,
        bucket: new Date(t),
        free,
        minFree: Math.max(0, free - 2),
        maxFree: Math.min(lot.capacity, free + 2),
        entries: Math.round(moved * 0.6 + lot.capacity / 40),
        exits: Math.round(moved * 0.4 + lot.capacity / 40),
      });
      prev = taken;
    }
    await tx.parkingOccupancy.createMany({ data: history });
  }
  return DEMO_PARKING_LOTS.length;
}
