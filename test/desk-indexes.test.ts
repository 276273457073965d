// The 受理派遣台's counts and the map's open cases in a box are read from indexes, on both databases: the
// statements Prisma sends for GET /api/desk/queues and for the map's box, explained by the database itself.
// Without these indexes every count read each case row of its queue (1.1 s of a blocked event loop at
// 250,000 cases) and the map's box every open case (1-1.7 s at 250,000, bench:ui).
import test from 'ava';
import { PrismaPg } from '@prisma/adapter-pg';
import { deskRoutes } from '../src/cases/desk-routes.ts';
import type { Db, PrismaClient } from '../src/db/index.ts';
import { sqlitePath } from '../src/db/migrate.ts';
import { CachingSqliteAdapter } from '../src/db/sqlite-statements.ts';
import { PrismaClient as SqliteClient } from '../src/generated/sqlite/client.ts';
import { PrismaClient as PostgresClient } from '../src/generated/postgres/client.ts';
import { openCasesInBox } from '../src/map/open-cases.ts';
import { createTestDb, type TestDb } from './helpers/db.ts';

let tdb: TestDb;
let prisma: PrismaClient;
let db: Pick<Db, 'prisma' | 'provider'>;
/** The SQL text and parameters of every statement the client sent since the last clear. */
const sent: { query: string; params: unknown[] }[] = [];

test.before(async () => {
  tdb = await createTestDb();
  const log = [{ emit: 'event' as const, level: 'query' as const }];
  prisma =
    tdb.provider === 'sqlite'
      ? new SqliteClient({ adapter: new CachingSqliteAdapter({ url: sqlitePath(tdb.url) }), log })
      : (new PostgresClient({
          adapter: new PrismaPg({ connectionString: tdb.url }),
          log,
        }) as unknown as PrismaClient);
  (prisma as unknown as { $on(e: 'query', f: (e: { query: string; params: string }) => void): void }).$on(
    'query',
    (e) => sent.push({ query: e.query, params: JSON.parse(e.params) as unknown[] }),
  );
  db = { prisma, provider: tdb.provider };
  await fill();
});

/**
 * 6,000 cases spread as a city's store is (half closed, a tenth each waiting for 派遣, in hand, voided …,
 * a third with a point, a few waiting for location repair). PostgreSQL plans by its statistics, which
 * autovacuum keeps on a live store (and an index alone answers only for pages it marked all-visible):
 * vacuumed and analysed here. SQLite is left without statistics, as the hub keeps it.
 */
async function fill() {
  await prisma.category.create({
    data: { kind: 'event', code: '0101', majorCode: '01', majorName: '市容环境', name: '暴露垃圾' },
  });
  const statuses = ['closed', 'closed', 'closed', 'closed', 'closed', 'registered', 'dispatched', 'signed'];
  const more = ['checking', 'voided', 'reported', 'accepted'] as const;
  const now = Date.now();
  const rows = Array.from({ length: 6000 }, (_, i) => {
    const status = (i % 10 < 8 ? statuses[i % 8] : more[i % 4])!;
    const at = new Date(now - (i % 700) * 86_400_000);
    return {
      id: `c${String(i).padStart(5, '0')}`,
      caseNo: `T-${i}`,
      source: (['supervisor', 'hotline', 'public'] as const)[i % 3]!,
      categoryCode: '0101',
      status: status as 'closed',
      description: '-',
      reportedAt: at,
      closedAt: status === 'closed' ? at : null,
      lng: i % 3 === 0 ? 120.5 + (i % 100) / 500 : null,
      lat: i % 3 === 0 ? 32.3 + (i % 70) / 500 : null,
      locationRepairAt: i % 500 === 7 ? at : null,
    };
  });
  await prisma.case.createMany({ data: rows });
  if (db.provider === 'postgresql') await prisma.$executeRawUnsafe('VACUUM ANALYZE "Case"');
}
test.after.always(async () => {
  await prisma?.$disconnect();
  await tdb?.drop();
});

/**
 * The plan of one sent statement as text. PostgreSQL is told not to scan the table or build bitmaps, as
 * it would on these few rows, so the plan says which index answers it and whether the rows are read.
 */
async function plan(s: { query: string; params: unknown[] }): Promise<string> {
  if (db.provider === 'sqlite') {
    const rows = await prisma.$queryRawUnsafe<{ detail: string }[]>(
      `EXPLAIN QUERY PLAN ${s.query}`,
      ...s.params,
    );
    return rows.map((r) => r.detail).join('\n');
  }
  const [, , rows] = await prisma.$transaction([
    prisma.$executeRawUnsafe('SET LOCAL enable_seqscan = off'),
    prisma.$executeRawUnsafe('SET LOCAL enable_bitmapscan = off'),
    prisma.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(`EXPLAIN ${s.query}`, ...s.params),
  ]);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

test.serial('every count of the desk’s queues is read from an index alone', async (t) => {
  const queues = deskRoutes({
    db: db as Db,
    config: { DUPLICATE_CANDIDATE_METERS: 200, DUPLICATE_CANDIDATE_HOURS: 24 },
  }).find((r) => r.path === '/api/desk/queues')!;
  sent.length = 0;
  const answer = (await queues.handler({ query: { queue: 'dispatch', limit: 50 } } as never)) as {
    counts: Record<string, number>;
  };
  t.is(answer.counts.dispatch, 600);
  const counts = sent.filter((s) => /^SELECT COUNT\(\*\)/i.test(s.query) && /"Case"|`Case`/.test(s.query));
  // 新上报 (two conditions), 待定位, 核实回来, 待派遣, 待回访.
  t.is(counts.length, 6);
  for (const s of counts) {
    const p = await plan(s);
    if (db.provider === 'sqlite') {
      t.regex(p, /USING COVERING INDEX/, `${s.query}\n${p}`);
      t.notRegex(p, /SCAN (main\.)?Case\b/, p);
      // 待定位: its few rows by locationRepairAt, not every open case by status.
      if (/locationRepairAt. IS NOT NULL/.test(s.query))
        t.regex(p, /Case_locationRepairAt_status_id_idx \(locationRepairAt>\?\)/, p);
    } else {
      t.regex(p, /Index Only Scan/, `${s.query}\n${p}`);
      if (/locationRepairAt. IS NOT NULL/.test(s.query)) t.regex(p, /Case_locationRepairAt_status_id_idx/, p);
    }
  }
});

test.serial('待定位 is listed from its few rows in the locationRepairAt index', async (t) => {
  const queues = deskRoutes({
    db: db as Db,
    config: { DUPLICATE_CANDIDATE_METERS: 200, DUPLICATE_CANDIDATE_HOURS: 24 },
  }).find((r) => r.path === '/api/desk/queues')!;
  sent.length = 0;
  await queues.handler({ query: { queue: 'locate', limit: 50 } } as never);
  const list = sent.find(
    (s) => /^SELECT (?!COUNT)/i.test(s.query) && /locationRepairAt. IS NOT NULL/.test(s.query),
  );
  t.truthy(list, 'the list statement was sent');
  const p = await plan(list!);
  if (db.provider === 'sqlite') t.regex(p, /Case_locationRepairAt_status_id_idx \(locationRepairAt>\?\)/, p);
  else t.regex(p, /Case_locationRepairAt_status_id_idx/, p);
});

test.serial('the map’s open cases in a box are found by status and longitude in one index', async (t) => {
  sent.length = 0;
  const principal = {
    userId: 'u',
    username: 'dispatcher',
    displayName: '调度员',
    kind: 'person' as const,
    roles: ['dispatcher' as const],
    departmentId: null,
    credential: { type: 'session' as const, id: 's' },
  };
  const box = { minLng: 120.5, minLat: 32.3, maxLng: 120.7, maxLat: 32.45 };
  const config = { CALENDAR_TIMEZONE: 'Asia/Shanghai', DEADLINE_WARN_FRACTION: 0.8 };
  const { cases } = await openCasesInBox(db, config, new Date(), { box, principal });
  t.true(cases.length > 0);
  const read = sent.find((s) => s.query.includes('"lng" >='));
  t.truthy(read, 'the box statement was sent');
  const p = await plan(read!);
  t.regex(p, /Case_status_lng_lat_idx/, p);
  if (db.provider === 'sqlite') t.regex(p, /status=\? AND lng>\? AND lng<\?/, p);
  else t.notRegex(p, /Seq Scan/, p);
});
