/**
 * Loads the Rugao demo data (demo-data.ts) into an EMPTY case store, in one transaction. A database that
 * has any user or department is left alone, so seeding can never touch real data; two hub processes
 * seeding at once end with one copy (the loser's transaction fails and it reports "not seeded").
 */
import { hashPassword } from '../auth/password.ts';
import { DEFAULT_SHIFTS } from '../calendar/shifts.ts';
import { insertRows } from '../db/bulk.ts';
import type { DatabaseProvider, Db, Prisma, PrismaClient } from '../db/index.ts';
import { CATEGORIES, COUNTY_CODE, DEPARTMENTS, limitsFor, USERS } from '../db/demo-data.ts';
import { demoCells, demoGeography, type DemoCell, type LngLat } from '../db/demo-geography.ts';
import { seedParking } from '../db/demo-parking.ts';

export interface SeedOptions {
  /** Password of every demo person (the service account gets none: it uses API tokens). */
  password: string;
}

/** Rows inserted per table. */
export interface SeedCounts {
  departments: number;
  categories: number;
  categoryLimits: number;
  gridCells: number;
  components: number;
  /** gazetteer rows (roads, communities, compounds, points of interest, door numbers) */
  geoFeatures: number;
  users: number;
  settings: number;
  /** 停车诱导 lots (each with a day of occupancy history) */
  parkingLots: number;
}

export type SeedResult = { seeded: true; counts: SeedCounts } | { seeded: false; reason: string };

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** A demo cell's GeoJSON Polygon text, as the seed stores it (bench/geo-locate.ts loads the same). */
export const cellPolygon = (c: DemoCell) =>
  JSON.stringify({
    type: 'Polygon',
    coordinates: [
      [
        [c.minLng, c.minLat],
        [c.maxLng, c.minLat],
        [c.maxLng, c.maxLat],
        [c.minLng, c.maxLat],
        [c.minLng, c.minLat],
      ],
    ],
  });

/** Components placed per component category in the first cells of the first area. */
const COMPONENTS_PER_CATEGORY = 2;

/**
 * Seeds the demo data when the database has no users and no departments.
 * @returns whether it seeded, with the rows inserted, or why not.
 */
export async function seedDemo(
  db: Pick<Db, 'prisma' | 'provider'>,
  options: SeedOptions,
): Promise<SeedResult> {
  const prisma = db.prisma;
  const notEmpty = async (client: Pick<PrismaClient, 'user' | 'department'>): Promise<string | null> => {
    const [users, departments] = await Promise.all([client.user.count(), client.department.count()]);
    return users + departments > 0
      ? `the database already has data (${users} users, ${departments} departments)`
      : null;
  };
  const before = await notEmpty(prisma);
  if (before) return { seeded: false, reason: before };

  // Each demo person's hash has its own salt (one shared hash would show they share a password and let one
  // cracked hash open every account). scrypt is slow on purpose: the hashes are computed together (libuv's
  // thread pool) and before holding a write transaction.
  const passwordHashes = await Promise.all(
    USERS.map((u) => (u.kind === 'service' ? null : hashPassword(options.password))),
  );
  const cells = demoCells();

  try {
    return await prisma.$transaction(
      async (tx) => {
        const inside = await notEmpty(tx);
        if (inside) return { seeded: false, reason: inside } as const;

        const departments = new Map<string, string>();
        for (const d of DEPARTMENTS) {
          const row = await tx.department.create({
            data: {
              code: d.code,
              name: d.name,
              kind: d.kind,
              active: d.active ?? true,
              parentId: d.parentCode ? departments.get(d.parentCode)! : null,
              contactName: d.contactName ?? null,
              contactPhone: d.contactPhone ?? null,
              contactEmail: d.contactEmail ?? null,
            },
          });
          departments.set(d.code, row.id);
        }

        const users = await tx.user.createManyAndReturn({
          data: USERS.map((u, i) => ({
            username: u.username,
            displayName: u.displayName,
            kind: u.kind ?? 'person',
            passwordHash: passwordHashes[i]!,
            departmentId: u.department ? departments.get(u.department)! : null,
          })),
        });
        const userId = new Map(users.map((u) => [u.username, u.id]));
        await tx.userRole.createMany({
          data: USERS.map((u) => ({ userId: userId.get(u.username)!, role: u.role })),
        });

        const categories = await tx.category.createManyAndReturn({
          data: CATEGORIES.map((c) => ({
            kind: c.kind,
            code: c.code,
            majorCode: c.code.slice(0, 2),
            majorName: c.majorName,
            name: c.name,
            defaultDepartmentId: departments.get(c.department)!,
          })),
        });
        const limits = categories.flatMap((c) =>
          limitsFor(c).map((l) => ({
            categoryId: c.id,
            urgency: l.urgency,
            step: l.step,
            limitMinutes: l.minutes,
            timeMode: l.mode,
            source: l.source,
          })),
        );
        await tx.categoryLimit.createMany({ data: limits });

        await insertRows(
          tx,
          db.provider,
          'GridCell',
          cells.map((c) => ({
            ...c,
            geometry: cellPolygon(c),
            supervisorUserId: userId.get('field_supervisor')!,
            active: true,
          })),
        );

        const components = CATEGORIES.filter((c) => c.kind === 'component').flatMap((c, i) =>
          Array.from({ length: COMPONENTS_PER_CATEGORY }, (_, n) => {
            // Spread over the grid (a prime stride), not packed into its first cells.
            const cell = cells[((i * COMPONENTS_PER_CATEGORY + n) * 211) % cells.length]!;
            return {
              code: COUNTY_CODE + c.code + String(n + 1).padStart(6, '0'),
              categoryCode: c.code,
              name: c.name,
              lng: round6((cell.minLng + cell.maxLng) / 2),
              lat: round6((cell.minLat + cell.maxLat) / 2),
              gridCode: cell.code,
              departmentId: departments.get(c.department)!,
            };
          }),
        );
        await tx.component.createMany({ data: components });

        const geoFeatures = await seedGeography(tx, db.provider);
        const parkingLots = await seedParking(tx, new Date());

        await tx.setting.create({
          data: {
            key: 'calendar.shifts',
            value: DEFAULT_SHIFTS.map((s) => ({ start: s.start, end: s.end })),
            updatedBy: 'seed',
          },
        });

        return {
          seeded: true,
          counts: {
            departments: departments.size,
            categories: categories.length,
            categoryLimits: limits.length,
            gridCells: cells.length,
            components: components.length,
            geoFeatures,
            users: users.length,
            settings: 1,
            parkingLots,
          },
        } as const;
      },
      { maxWait: 10_000, timeout: 60_000 },
    );
  } catch (err) {
    // Another process seeded between our check and our insert (PostgreSQL: unique violation; SQLite:
    // busy snapshot): its data stands. Anything else is a real failure.
    const after = await notEmpty(prisma).catch(() => null);
    if (after) return { seeded: false, reason: `another process seeded the database: ${after}` };
    throw err;
  }
}

type GeoRow = {
  kind: 'road' | 'community' | 'estate' | 'poi' | 'door';
  name: string;
  aliases: string;
  category: string | null;
  geometry: string;
  minLng: number;
  minLat: number;
  maxLng: number;
  maxLat: number;
  parentId: string | null;
  number: number | null;
  numberFrom: number | null;
  numberTo: number | null;
  code: string | null;
  street: string | null;
  active: boolean;
};

function shape(type: 'Point' | 'LineString' | 'Polygon', points: LngLat[]) {
  const lngs = points.map((p) => p[0]);
  const lats = points.map((p) => p[1]);
  const coordinates = type === 'Point' ? points[0] : type === 'LineString' ? points : [points];
  return {
    geometry: JSON.stringify({ type, coordinates }),
    minLng: Math.min(...lngs),
    minLat: Math.min(...lats),
    maxLng: Math.max(...lngs),
    maxLat: Math.max(...lats),
  };
}

const row = (r: Partial<GeoRow> & Pick<GeoRow, 'kind' | 'name' | 'geometry'>): GeoRow => ({
  aliases: '',
  category: null,
  parentId: null,
  number: null,
  numberFrom: null,
  numberTo: null,
  code: null,
  street: null,
  active: true,
  minLng: 0,
  minLat: 0,
  maxLng: 0,
  maxLat: 0,
  ...r,
});

/** The demo gazetteer (demo-geography.ts) as GeoFeature rows; returns how many. */
async function seedGeography(tx: Prisma.TransactionClient, provider: DatabaseProvider): Promise<number> {
  const geo = demoGeography();
  const parents: GeoRow[] = [
    ...geo.roads.map((r) =>
      row({
        kind: 'road',
        name: r.name,
        aliases: r.aliases.join('|'),
        category: r.category,
        numberFrom: 1,
        numberTo: r.numberTo,
        ...shape('LineString', r.line),
      }),
    ),
    ...geo.communities.map((c) =>
      row({
        kind: 'community',
        name: c.name,
        code: c.code ?? null,
        street: c.street ?? null,
        ...shape('Polygon', c.ring),
      }),
    ),
    ...geo.estates.map((e) => row({ kind: 'estate', name: e.name, ...shape('Polygon', e.ring) })),
  ];
  const created = await insertRows(tx, provider, 'GeoFeature', parents);
  const idOf = new Map(created.map((r) => [r.name, r.id]));
  const children: GeoRow[] = [
    ...geo.roads.flatMap((r) =>
      r.doors.map((d) =>
        row({
          kind: 'door',
          name: `${r.name}${d.number}号`,
          parentId: idOf.get(r.name)!,
          number: d.number,
          ...shape('Point', [d.point]),
        }),
      ),
    ),
    ...geo.estates.flatMap((e) =>
      (e.buildings ?? []).map((b) =>
        row({
          kind: 'door',
          name: `${e.name}${b.number}栋`,
          parentId: idOf.get(e.name)!,
          number: b.number,
          ...shape('Point', [b.point]),
        }),
      ),
    ),
    ...geo.pois.map((p) =>
      row({
        kind: 'poi',
        name: p.name,
        aliases: p.aliases.join('|'),
        category: p.category,
        ...shape('Point', [p.point]),
      }),
    ),
  ];
  await insertRows(tx, provider, 'GeoFeature', children);
  return parents.length + children.length;
}
