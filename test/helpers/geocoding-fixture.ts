/**
 * The geocoding accuracy fixture (test/fixtures/geocoding/addresses.tsv) with each line's truth, taken
 * from the demo geography's own positions (src/db/demo-geography.ts), never from the geocoder.
 */
import { readFileSync } from 'node:fs';
import { demoCrossing, demoGeography, doorPoint, offset, type LngLat } from '../../src/db/demo-geography.ts';

export interface FixtureLine {
  line: number;
  address: string;
  ref: string;
  /** where it is; undefined for `none` */
  truth?: LngLat;
  /** a community or a road alone, or nothing: must come back below the confidence threshold */
  vague: boolean;
}

const centre = (ring: LngLat[]): LngLat => {
  const lngs = ring.map((p) => p[0]);
  const lats = ring.map((p) => p[1]);
  return [(Math.min(...lngs) + Math.max(...lngs)) / 2, (Math.min(...lats) + Math.max(...lats)) / 2];
};

export function loadGeocodingFixture(): FixtureLine[] {
  const geo = demoGeography();
  const text = readFileSync(new URL('../fixtures/geocoding/addresses.tsv', import.meta.url), 'utf8');
  const out: FixtureLine[] = [];
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim() || raw.startsWith('#')) return;
    const [address, ref] = raw.split('\t') as [string, string];
    const [kind, ...args] = ref.trim().split(/\s+/);
    let truth: LngLat | undefined;
    let vague = false;
    const need = <T>(v: T | undefined, what: string): T => {
      if (v === undefined) throw new Error(`addresses.tsv line ${i + 1}: no ${what} in the demo geography`);
      return v;
    };
    switch (kind) {
      case 'door': {
        truth = doorPoint(geo, args[0]!, Number(args[1]));
        const move = args[2] ? /^([EWNS])(\d+)$/.exec(args[2]) : null;
        if (move) {
          const d = Number(move[2]);
          const [dx, dy] = { E: [d, 0], W: [-d, 0], N: [0, d], S: [0, -d] }[move[1] as 'E' | 'W' | 'N' | 'S'];
          truth = offset(truth, dx!, dy!);
        }
        break;
      }
      case 'cross':
        truth = demoCrossing(args[0]!, args[1]!);
        break;
      case 'bldg': {
        const estate = need(
          geo.estates.find((e) => e.name === args[0]),
          args[0]!,
        );
        truth = need(
          estate.buildings?.find((b) => b.number === Number(args[1]))?.point,
          `${args[0]} ${args[1]}栋`,
        );
        break;
      }
      case 'estate':
        truth = centre(
          need(
            geo.estates.find((e) => e.name === args[0]),
            args[0]!,
          ).ring,
        );
        break;
      case 'poi':
        truth = need(
          geo.pois.find((p) => p.name === args.join(' ')),
          args.join(' '),
        ).point;
        break;
      case 'community':
        truth = centre(
          need(
            geo.communities.find((c) => c.name === args[0]),
            args[0]!,
          ).ring,
        );
        vague = true;
        break;
      case 'road': {
        const road = need(
          geo.roads.find((r) => r.name === args[0]),
          args[0]!,
        );
        truth = road.line[Math.floor(road.line.length / 2)];
        vague = true;
        break;
      }
      case 'none':
        vague = true;
        break;
      default:
        throw new Error(`addresses.tsv line ${i + 1}: unknown kind ${kind}`);
    }
    out.push({ line: i + 1, address, ref: ref.trim(), truth, vague });
  });
  return out;
}
