import test from 'ava';
import { verifyPassword } from '../src/auth/password.ts';
import { createDb, type PrismaClient } from '../src/db/index.ts';
import { seedDemo } from '../src/app/seed.ts';
import { createTestDb } from './helpers/db.ts';

const PASSWORD = 'demo-password-1';

const EXPECTED = {
  // 23 first-level departments + 3 utilities + 8 sub-centres + 3 units under sub-centres
  departments: 37,
  // 25 events + 45 components: 15 of major 01, 30 of majors 02–06
  categories: 70,
  // 3 urgencies × 7 steps per category
  categoryLimits: 1470,
  // 城北 50×20 + 城南 50×20 + development zone 50×30 cells of ≈100 m (万米单元网格)
  gridCells: 3500,
  // two per component category
  components: 90,
  // 25 roads, 70 communities, 44 compounds, 289 points of interest, 2,852 door rows on roads, 975 buildings
  geoFeatures: 4255,
  users: 11,
  settings: 1,
  // 停车诱导: 8 lots in 如城, 城南 and 城北
  parkingLots: 8,
};

async function counts(prisma: PrismaClient) {
  const [
    departments,
    categories,
    categoryLimits,
    gridCells,
    components,
    geoFeatures,
    users,
    settings,
    parkingLots,
  ] = await Promise.all([
    prisma.department.count(),
    prisma.category.count(),
    prisma.categoryLimit.count(),
    prisma.gridCell.count(),
    prisma.component.count(),
    prisma.geoFeature.count(),
    prisma.user.count(),
    prisma.setting.count(),
    prisma.parkingLot.count(),
  ]);
  return {
    departments,
    categories,
    categoryLimits,
    gridCells,
    components,
    geoFeatures,
    users,
    settings,
    parkingLots,
  };
}

test('seeding fills an empty database once, and a second run changes nothing', async (t) => {
  const tdb = await createTestDb();
  t.teardown(() => tdb.drop());
  const prisma = tdb.db.prisma;

  const result = await seedDemo(tdb.db, { password: PASSWORD });
  t.deepEqual(result, { seeded: true, counts: EXPECTED });
  t.deepEqual(await counts(prisma), EXPECTED);

  // 23 first-level departments; the sub-centres with their units (second level of command).
  t.is(await prisma.department.count({ where: { kind: 'department', parentId: null } }), 23);
  const chengbei = await prisma.department.findUniqueOrThrow({
    where: { code: 'S01' },
    include: { children: { orderBy: { code: 'asc' } } },
  });
  t.is(chengbei.name, '城北街道');
  t.is(chengbei.kind, 'street_center');
  t.true(chengbei.active);
  t.deepEqual(
    chengbei.children.map((c) => c.name),
    ['城北街道社区服务中心', '城北街道城管中队'],
  );
  const water = await prisma.department.findUniqueOrThrow({ where: { code: 'U-WATER' } });
  t.is(water.kind, 'utility');
  t.is(water.contactPhone, '0513-0000-0101');

  // Categories with the standard's codes; the overlapping code spaces coexist.
  const pipe = await prisma.category.findUniqueOrThrow({
    where: { kind_code: { kind: 'event', code: '0402' } },
    include: { defaultDepartment: true, limits: true },
  });
  t.is(pipe.name, '自来水管破裂');
  t.is(pipe.majorName, '突发事件');
  t.is(pipe.defaultDepartment?.code, 'U-WATER');
  t.is(pipe.limits.length, 21);
  const urgentVerify = pipe.limits.find((l) => l.urgency === 'urgent' && l.step === 'verify');
  t.like(urgentVerify, { limitMinutes: 60, timeMode: 'natural' });
  const cover = await prisma.category.findUniqueOrThrow({
    where: { kind_code: { kind: 'component', code: '0101' } },
  });
  t.is(cover.name, '上水井盖');
  const garbage = await prisma.category.findUniqueOrThrow({
    where: { kind_code: { kind: 'event', code: '0102' } },
    include: { limits: { where: { urgency: 'normal', step: 'dispose' } } },
  });
  t.like(garbage.limits[0], { limitMinutes: 240, timeMode: 'working' });
  t.regex(garbage.limits[0]!.source ?? '', /\[S12\]/);

  // Grid: 14-digit codes, unique, covering ~35 km², found by bounding box.
  const cells = await prisma.gridCell.findMany();
  t.true(cells.every((c) => /^320682\d{8}$/.test(c.code)));
  const km2 = cells.reduce((sum, c) => {
    const w = (c.maxLng - c.minLng) * 111.32 * Math.cos((((c.minLat + c.maxLat) / 2) * Math.PI) / 180);
    const h = (c.maxLat - c.minLat) * 111.32;
    return sum + w * h;
  }, 0);
  t.true(Math.abs(km2 - 35) < 0.2, `grid area ${km2.toFixed(2)} km²`);
  const point = { lng: 120.5601, lat: 32.3901 };
  const hits = await prisma.gridCell.findMany({
    where: {
      minLng: { lte: point.lng },
      maxLng: { gte: point.lng },
      minLat: { lte: point.lat },
      maxLat: { gte: point.lat },
    },
  });
  t.is(hits.length, 1);
  t.is(hits[0]!.street, '城北街道');
  t.deepEqual(JSON.parse(hits[0]!.geometry).type, 'Polygon');

  // Components sit inside the cell they name.
  const component = await prisma.component.findFirstOrThrow({ include: { grid: true } });
  t.true(component.lng > component.grid!.minLng && component.lng < component.grid!.maxLng);
  t.is(component.code.length, 16);

  // One user per role, passwords hashed; the service account has none.
  const users = await prisma.user.findMany({ include: { roles: true, department: true } });
  const byName = new Map(users.map((u) => [u.username, u]));
  for (const role of [
    'administrator',
    'acceptor',
    'dispatcher',
    'department_handler',
    'field_supervisor',
    'shift_leader',
    'leader',
    'service',
  ]) {
    t.deepEqual(
      byName.get(role)?.roles.map((r) => r.role),
      [role],
      role,
    );
  }
  t.true(await verifyPassword(PASSWORD, byName.get('dispatcher')!.passwordHash!));
  t.false(await verifyPassword('wrong', byName.get('dispatcher')!.passwordHash!));
  t.is(byName.get('service')!.passwordHash, null);
  // The persons share the demo password but not a hash: each has its own salt (scrypt$N$r$p$salt$hash).
  const persons = users.filter((u) => u.kind === 'person');
  t.true(persons.length >= 7);
  for (const u of persons) t.true(await verifyPassword(PASSWORD, u.passwordHash!), u.username);
  const salts = new Set(persons.map((u) => u.passwordHash!.split('$')[4]));
  t.is(salts.size, persons.length);
  t.is(byName.get('service')!.kind, 'service');
  t.is(byName.get('water_handler')!.department?.code, 'U-WATER');
  t.is(byName.get('chengbei_handler')!.department?.name, '城北街道');

  const shifts = await prisma.setting.findUniqueOrThrow({ where: { key: 'calendar.shifts' } });
  t.deepEqual(shifts.value, [
    { start: '08:30', end: '12:00' },
    { start: '13:30', end: '17:30' },
  ]);

  const again = await seedDemo(tdb.db, { password: PASSWORD });
  t.false(again.seeded);
  t.deepEqual(await counts(prisma), EXPECTED);
});

test('seeding never touches a database that has real data', async (t) => {
  const tdb = await createTestDb();
  t.teardown(() => tdb.drop());
  const prisma = tdb.db.prisma;
  await prisma.user.create({ data: { username: 'zhang', displayName: '张三' } });
  const result = await seedDemo(tdb.db, { password: PASSWORD });
  t.deepEqual(result, { seeded: false, reason: 'the database already has data (1 users, 0 departments)' });
  t.deepEqual(await counts(prisma), {
    departments: 0,
    categories: 0,
    categoryLimits: 0,
    gridCells: 0,
    components: 0,
    geoFeatures: 0,
    users: 1,
    settings: 0,
    parkingLots: 0,
  });

  const other = await createTestDb();
  t.teardown(() => other.drop());
  await other.db.prisma.department.create({ data: { code: 'X', name: '某局', kind: 'department' } });
  t.false((await seedDemo(other.db, { password: PASSWORD })).seeded);
  t.is(await other.db.prisma.user.count(), 0);
});

test('two processes seeding the same empty database at once leave one copy', async (t) => {
  const tdb = await createTestDb();
  t.teardown(() => tdb.drop());
  const second = createDb({ DATABASE_URL: tdb.url, databaseProvider: tdb.provider });
  t.teardown(() => second.close());
  const results = await Promise.all([
    seedDemo(tdb.db, { password: PASSWORD }),
    seedDemo(second, { password: PASSWORD }),
  ]);
  t.is(results.filter((r) => r.seeded).length, 1);
  t.deepEqual(await counts(tdb.db.prisma), EXPECTED);
});
