/**
 * The geography service every part of the hub uses (the API, the locate worker, the adapters, the
 * mobile app through the API): geocoding and reverse geocoding over the gazetteer, cached per
 * `geography:generation`.
 */
import type { PrismaClient } from '../db/index.ts';
import { gazetteerCache } from './gazetteer.ts';
import { geocode, reverseGeocode, type GeocodeResult, type ReverseResult } from './geocode.ts';
import type { Position } from './geojson.ts';

export { toWgs84, fromWgs84, COORDINATE_SYSTEMS, type CoordinateSystem } from './coords.ts';
export type { GeocodeResult, ReverseResult } from './geocode.ts';

export interface Geocoder {
  /** The best reading of a free-text address, or undefined when it names nothing known. */
  geocode(text: string): Promise<GeocodeResult | undefined>;
  /** Where a WGS84 point is, in words. */
  reverse(point: Position): Promise<ReverseResult>;
}

export function createGeocoder(prisma: Pick<PrismaClient, 'geoFeature' | 'counter'>): Geocoder {
  const gazetteer = gazetteerCache(prisma);
  return {
    geocode: async (text) => geocode(await gazetteer(), text),
    reverse: async (point) => reverseGeocode(await gazetteer(), point),
  };
}

const shared = new WeakMap<object, Geocoder>();

/** One geocoder (and so one cached gazetteer) per Prisma client: the workers' and the API's. */
export function geocoderFor(prisma: Pick<PrismaClient, 'geoFeature' | 'counter'>): Geocoder {
  let g = shared.get(prisma);
  if (!g) shared.set(prisma, (g = createGeocoder(prisma)));
  return g;
}
