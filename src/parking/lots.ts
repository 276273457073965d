/**
 * Parking lots as reference data: one lot's fields and their checks (the admin API and the import share
 * them), and the import — a CSV file or a JSON list, all or nothing: any refused row and nothing is
 * written; otherwise lots are created or updated by code and the report says which.
 */
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import type { Db } from '../db/index.ts';
import { validationError, type FieldError } from '../errors.ts';

export interface Extent {
  minLng: number;
  minLat: number;
  maxLng: number;
  maxLat: number;
}

export const lotInputSchema = z.object({
  code: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, _ and -, at most 32')
    .describe('the parking system’s lot number (lotCode in its feed)'),
  name: z.string().trim().min(1).max(100),
  area: z.string().trim().min(1).max(50).describe('片区/街道 the signs group lots by'),
  street: z.string().trim().max(200).nullish(),
  lng: z.number().describe('WGS84'),
  lat: z.number().describe('WGS84'),
  capacity: z.number().int().positive().max(100_000),
  active: z.boolean().optional(),
});
export type LotInput = z.output<typeof lotInputSchema>;

/** A position outside the city is refused (swapped or in another coordinate system). */
export function checkPosition(
  lot: { lng: number; lat: number },
  extent: Extent,
  prefix: string,
): FieldError[] {
  const out: FieldError[] = [];
  if (lot.lng < extent.minLng || lot.lng > extent.maxLng)
    out.push({ field: `${prefix}lng`, message: `outside the city (${extent.minLng}–${extent.maxLng})` });
  if (lot.lat < extent.minLat || lot.lat > extent.maxLat)
    out.push({ field: `${prefix}lat`, message: `outside the city (${extent.minLat}–${extent.maxLat})` });
  return out;
}

export interface ImportReport {
  created: string[];
  updated: string[];
  unchanged: string[];
}

const CSV_COLUMNS = ['code', 'name', 'area', 'street', 'lng', 'lat', 'capacity'] as const;

/** Rows of a CSV file with the header `code,name,area,street,lng,lat,capacity` (any order). */
function csvRows(text: string): { row: number; value: unknown }[] {
  let records: Record<string, string>[];
  try {
    records = parse(text, { bom: true, columns: true, skip_empty_lines: true, trim: true });
  } catch (err) {
    throw validationError('the CSV file cannot be read', [
      { field: 'body.csv', message: (err as Error).message },
    ]);
  }
  const header = records.length ? Object.keys(records[0]!) : [];
  const missing = CSV_COLUMNS.filter((c) => c !== 'street' && !header.includes(c));
  if (missing.length)
    throw validationError('the CSV file lacks columns', [
      { field: 'body.csv', message: `missing column(s): ${missing.join(', ')}` },
    ]);
  const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
  return records.map((r, i) => ({
    // the header is line 1
    row: i + 2,
    value: {
      code: r.code,
      name: r.name,
      area: r.area,
      street: r.street || null,
      lng: num(r.lng),
      lat: num(r.lat),
      capacity: num(r.capacity),
    },
  }));
}

/**
 * Imports lots (CSV text or a JSON list). Every row is checked first; one refused row refuses the file
 * (400 naming `rows.<row>.<field>`, where row is the CSV line or the list index).
 */
export async function importLots(
  db: Db,
  input: { csv?: string; lots?: unknown[] },
  extent: Extent,
): Promise<ImportReport> {
  const rows =
    input.csv !== undefined ? csvRows(input.csv) : (input.lots ?? []).map((value, row) => ({ row, value }));
  if (!rows.length) throw validationError('nothing to import', [{ field: 'body', message: 'no lots' }]);
  const errors: FieldError[] = [];
  const lots: LotInput[] = [];
  const seen = new Map<string, number>();
  for (const { row, value } of rows) {
    const parsed = lotInputSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        errors.push({ field: `rows.${row}.${issue.path.join('.')}`, message: issue.message });
      // The position too, so one report names every fault of the row.
      const v = value as { lng?: unknown; lat?: unknown } | null;
      if (typeof v?.lng === 'number' && typeof v.lat === 'number')
        errors.push(...checkPosition({ lng: v.lng, lat: v.lat }, extent, `rows.${row}.`));
      continue;
    }
    errors.push(...checkPosition(parsed.data, extent, `rows.${row}.`));
    const first = seen.get(parsed.data.code);
    if (first !== undefined)
      errors.push({ field: `rows.${row}.code`, message: `lot ${parsed.data.code} is also in row ${first}` });
    seen.set(parsed.data.code, row);
    lots.push(parsed.data);
  }
  if (errors.length)
    throw validationError(`${errors.length} problem(s) in the file; nothing imported`, errors);
  const report: ImportReport = { created: [], updated: [], unchanged: [] };
  await db.prisma.$transaction(async (tx) => {
    const existing = new Map(
      (await tx.parkingLot.findMany({ where: { code: { in: lots.map((l) => l.code) } } })).map((l) => [
        l.code,
        l,
      ]),
    );
    for (const lot of lots) {
      const data = {
        name: lot.name,
        area: lot.area,
        street: lot.street ?? null,
        lng: lot.lng,
        lat: lot.lat,
        capacity: lot.capacity,
        ...(lot.active !== undefined ? { active: lot.active } : {}),
      };
      const old = existing.get(lot.code);
      if (!old) {
        await tx.parkingLot.create({ data: { code: lot.code, ...data } });
        report.created.push(lot.code);
      } else if (Object.entries(data).some(([k, v]) => old[k as keyof typeof old] !== v)) {
        // A smaller lot keeps its count within its new capacity.
        await tx.parkingLot.update({
          where: { id: old.id },
          data: { ...data, occupied: Math.min(old.occupied, lot.capacity) },
        });
        report.updated.push(lot.code);
      } else report.unchanged.push(lot.code);
    }
  });
  return report;
}
