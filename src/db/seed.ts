/**
 * Loads the Rugao demo data (demo-data.ts) into an EMPTY case store, in one transaction. A database that
 * has any user or department is left alone, so seeding can never touch real data; two hub processes
 * seeding at once end with one copy (the loser's transaction fails and it reports "not seeded").
 */
import { hashPassword } from '../auth/password.ts';
import { DEFAULT_SHIFTS } from '../calendar/shifts.ts';
import type { Db } from './index.ts';
import {
  AREAS,
  CATEGORIES,
  CELL_METRES,
  COMMUNITY_CELLS,
  COUNTY_CODE,
  DEPARTMENTS,
  limitsFor,
  USERS,
  type DemoArea,
} from './demo-data.ts';

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
  users: number;
  settings: number;
}

export type SeedResult = { seeded: true; counts: SeedCounts } | { seeded: false; reason: string };

/** Metres per degree of latitude; a degree of longitude is this times cos(latitude). */
const METRES_PER_DEGREE = 111_320;
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

export interface DemoCell {
  code: string;
  street: string;
  community: string;
  areaClass: number;
  minLng: number;
  minLat: number;
  maxLng: number;
  maxLat: number;
}

/** The cells of one area, row by row from the south-west corner; 14-digit codes per domain.md §1. */
export function areaCells(area: DemoArea): DemoCell[] {
  const dLat = CELL_METRES / METRES_PER_DEGREE;
  const dLng = CELL_METRES / (METRES_PER_DEGREE * Math.cos((area.lat * Math.PI) / 180));
  const communitiesPerRow = Math.ceil(area.cols / COMMUNITY_CELLS);
  const cells: DemoCell[] = [];
  for (let r = 0; r < area.rows; r++) {
    for (let c = 0; c < area.cols; c++) {
      const community =
        Math.floor(r / COMMUNITY_CELLS) * communitiesPerRow + Math.floor(c / COMMUNITY_CELLS) + 1;
      const seq = (r % COMMUNITY_CELLS) * COMMUNITY_CELLS + (c % COMMUNITY_CELLS) + 1;
      const communityCode = String(community).padStart(3, '0');
      cells.push({
        code: COUNTY_CODE + area.streetCode + communityCode + String(seq).padStart(2, '0'),
        street: area.street,
        community: `${area.street}第${communityCode}社区`,
        areaClass: area.areaClass,
        minLng: round6(area.lng + c * dLng),
        minLat: round6(area.lat + r * dLat),
        maxLng: round6(area.lng + (c + 1) * dLng),
        maxLat: round6(area.lat + (r + 1) * dLat),
      });
    }
  }
  return cells;
}

const polygon = (c: DemoCell) =>
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
export async function seedDemo(db: Pick<Db, 'prisma'>, options: SeedOptions): Promise<SeedResult> {
  const prisma = db.prisma;
  const notEmpty = async (): Promise<string | null> => {
    const [users, departments] = await Promise.all([prisma.user.count(), prisma.department.count()]);
    return users + departments > 0
      ? `the database already has data (${users} users, ${departments} departments)`
      : null;
  };
  const before = await notEmpty();
  if (before) return { seeded: false, reason: before };

  // scrypt is slow on purpose; the demo persons share one password, so one hash serves them all, and it
  // is computed before holding a write transaction.
  const passwordHash = await hashPassword(options.password);
  const cells = AREAS.flatMap(areaCells);

  try {
    return await prisma.$transaction(
      async (tx) => {
        const inside = await notEmpty();
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
          data: USERS.map((u) => ({
            username: u.username,
            displayName: u.displayName,
            kind: u.kind ?? 'person',
            passwordHash: u.kind === 'service' ? null : passwordHash,
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

        await tx.gridCell.createMany({
          data: cells.map((c) => ({
            ...c,
            geometry: polygon(c),
            supervisorUserId: userId.get('field_supervisor')!,
          })),
        });

        const components = CATEGORIES.filter((c) => c.kind === 'component').flatMap((c, i) =>
          Array.from({ length: COMPONENTS_PER_CATEGORY }, (_, n) => {
            const cell = cells[(i * COMPONENTS_PER_CATEGORY + n) % cells.length]!;
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
            users: users.length,
            settings: 1,
          },
        } as const;
      },
      { maxWait: 10_000, timeout: 60_000 },
    );
  } catch (err) {
    // Another process seeded between our check and our insert (PostgreSQL: unique violation; SQLite:
    // busy snapshot): its data stands. Anything else is a real failure.
    const after = await notEmpty().catch(() => null);
    if (after) return { seeded: false, reason: `another process seeded the database: ${after}` };
    throw err;
  }
}
