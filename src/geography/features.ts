/**
 * Gazetteer rows (GeoFeature) as the API and the geocoder see them, and the checks every write passes:
 * the geometry type a kind needs, a door's parent (a road or a compound), a community's code. Every
 * write bumps the `geography:generation` counter in its transaction, so every hub instance's geocoder
 * reloads before its next answer (src/reference/generation.ts explains the pattern).
 */
import { z } from 'zod';
import type { GeoFeature, GeoFeatureKind, Prisma, PrismaClient } from '../db/index.ts';
import type { FieldError } from '../errors.ts';
import { checkGeometry, type Extent, type GeometryType } from './geojson.ts';

export const GEOGRAPHY_GENERATION = 'geography:generation';

export const FEATURE_KINDS = ['road', 'community', 'estate', 'poi', 'door'] as const;

/** Which GeoJSON geometry each kind has. */
export const GEOMETRY_OF: Record<GeoFeatureKind, readonly GeometryType[]> = {
  road: ['LineString', 'MultiLineString'],
  community: ['Polygon', 'MultiPolygon'],
  estate: ['Polygon', 'MultiPolygon'],
  poi: ['Point'],
  door: ['Point'],
};

export const bumpGeographyGeneration = (client: Pick<Prisma.TransactionClient, 'counter'>) =>
  client.counter.upsert({
    where: { name: GEOGRAPHY_GENERATION },
    create: { name: GEOGRAPHY_GENERATION, value: 1 },
    update: { value: { increment: 1 } },
  });

export async function geographyGeneration(prisma: Pick<PrismaClient, 'counter'>): Promise<number> {
  const row = await prisma.counter.findUnique({
    where: { name: GEOGRAPHY_GENERATION },
    select: { value: true },
  });
  return row?.value ?? 0;
}

export const geoFeatureSchema = z.object({
  id: z.string(),
  kind: z.enum(FEATURE_KINDS),
  name: z.string(),
  aliases: z.array(z.string()),
  category: z.string().nullable(),
  geometry: z.unknown().describe('GeoJSON geometry, WGS84 [lng, lat]'),
  parentId: z.string().nullable(),
  number: z.number().int().nullable(),
  numberFrom: z.number().int().nullable(),
  numberTo: z.number().int().nullable(),
  code: z.string().nullable(),
  street: z.string().nullable(),
  active: z.boolean(),
});

export type GeoFeatureView = z.input<typeof geoFeatureSchema>;

export const splitAliases = (aliases: string) => aliases.split('|').filter((a) => a.length > 0);

export const viewFeature = (f: GeoFeature): GeoFeatureView => ({
  id: f.id,
  kind: f.kind,
  name: f.name,
  aliases: splitAliases(f.aliases),
  category: f.category,
  geometry: JSON.parse(f.geometry) as unknown,
  parentId: f.parentId,
  number: f.number,
  numberFrom: f.numberFrom,
  numberTo: f.numberTo,
  code: f.code,
  street: f.street,
  active: f.active,
});

/** What a caller (the API, an import) gives for one row. */
export const featureInputSchema = z.object({
  kind: z.enum(FEATURE_KINDS),
  name: z.string().trim().min(1).max(100),
  aliases: z.array(z.string().trim().min(1).max(100)).max(20).default([]),
  category: z.string().trim().min(1).max(50).nullable().optional(),
  geometry: z.unknown(),
  parentId: z.string().min(1).nullable().optional(),
  number: z.number().int().min(0).nullable().optional(),
  numberFrom: z.number().int().min(0).nullable().optional(),
  numberTo: z.number().int().min(0).nullable().optional(),
  code: z
    .string()
    .regex(/^\d{12}$/, 'a community code is 12 digits: county (6) + street (3) + community (3)')
    .nullable()
    .optional(),
  street: z.string().trim().min(1).max(100).nullable().optional(),
  active: z.boolean().default(true),
});

export type FeatureInput = z.output<typeof featureInputSchema>;

/**
 * Checks one row beyond its schema (geometry of the kind, in the city; a door's number and parent kind),
 * pushing errors under `at`. Returns the columns to write, or undefined.
 */
export function checkFeature(
  input: FeatureInput,
  at: string,
  extent: Extent,
  errors: FieldError[],
  parentKind?: GeoFeatureKind,
) {
  const before = errors.length;
  const shape = checkGeometry(input.geometry, `${at}.geometry`, GEOMETRY_OF[input.kind], extent, errors);
  if (input.kind === 'door') {
    if (input.number === undefined || input.number === null)
      errors.push({ field: `${at}.number`, message: 'a door address needs its number (88 of 宁海路88号)' });
    if (!input.parentId)
      errors.push({ field: `${at}.parentId`, message: 'a door address belongs to a road or a compound' });
    else if (parentKind && parentKind !== 'road' && parentKind !== 'estate')
      errors.push({
        field: `${at}.parentId`,
        message: `a door belongs to a road or a compound, not a ${parentKind}`,
      });
  }
  if (input.kind === 'community' && !input.code)
    errors.push({
      field: `${at}.code`,
      message: 'a community needs its 12-digit code (the first 12 digits of its grid cells)',
    });
  if (
    input.numberFrom !== undefined &&
    input.numberFrom !== null &&
    input.numberTo !== undefined &&
    input.numberTo !== null &&
    input.numberFrom === input.numberTo
  )
    errors.push({
      field: `${at}.numberTo`,
      message: 'numberFrom and numberTo must differ (numbers are interpolated between them)',
    });
  if (errors.length !== before || !shape) return undefined;
  return {
    kind: input.kind,
    name: input.name,
    aliases: input.aliases.join('|'),
    category: input.category ?? null,
    geometry: JSON.stringify(shape.geometry),
    ...shape.bbox,
    parentId: input.parentId ?? null,
    number: input.number ?? null,
    numberFrom: input.numberFrom ?? null,
    numberTo: input.numberTo ?? null,
    code: input.code ?? null,
    street: input.street ?? null,
    active: input.active,
  };
}
