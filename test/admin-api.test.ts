// The administration API over real HTTP: departments (two levels, contacts, 409 on a taken code, never
// deleted while referred to), categories and their limits, the work calendar (official days, overrides,
// shifts — and the calendar the workers load sees the change at once), grid cells (polygon validation,
// bounding box, supervisor) and users (email). Bad input: problem+json naming the field, nothing stored.
import { readFileSync } from 'node:fs';
import test from 'ava';
import { loadWorkCalendar } from '../src/calendar/index.ts';
import { calendarOf } from '../workers/deadlines.ts';
import { call, createUser, startTestApi, type TestApi } from './helpers/api.ts';

let hub: TestApi;
let admin: string;
let reader: string;

test.before(async () => {
  hub = await startTestApi();
  admin = (
    await hub.auth.issueSession(await createUser(hub.db, { username: 'adm', roles: ['administrator'] }))
  ).token;
  reader = (
    await hub.auth.issueSession(await createUser(hub.db, { username: 'disp', roles: ['dispatcher'] }))
  ).token;
});
test.after.always(async () => hub?.close());

const as = (token: string) => ({
  get: (path: string) => call(hub.base, 'GET', path, { token }),
  post: (path: string, body: unknown) => call(hub.base, 'POST', path, { token, body }),
  patch: (path: string, body: unknown) => call(hub.base, 'PATCH', path, { token, body }),
  put: (path: string, body: unknown) => call(hub.base, 'PUT', path, { token, body }),
  del: (path: string) => call(hub.base, 'DELETE', path, { token }),
});

const fields = (res: { body: { errors?: { field: string }[] } }) =>
  (res.body.errors ?? []).map((e) => e.field);

test.serial(
  'departments: two levels, contacts, 409 on a taken code, deactivate, delete only when unused',
  async (t) => {
    const a = as(admin);
    const centre = await a.post('/api/departments', {
      code: 'S09',
      name: '东陈镇分中心',
      kind: 'street_center',
    });
    t.is(centre.status, 201);
    t.like(centre.body, { code: 'S09', kind: 'street_center', parentId: null, active: true });
    const unit = await a.post('/api/departments', {
      code: 'S09-ZD',
      name: '东陈镇城管中队',
      kind: 'department',
      parentId: centre.body.id,
      contactEmail: 'zd@dongchen.test',
    });
    t.is(unit.status, 201);
    t.like(unit.body, { parentId: centre.body.id, contactEmail: 'zd@dongchen.test' });

    // third level refused, naming the field; nothing stored
    const third = await a.post('/api/departments', {
      code: 'S09-X',
      name: 'x',
      kind: 'department',
      parentId: unit.body.id,
    });
    t.is(third.status, 400);
    t.is(third.headers.get('content-type'), 'application/problem+json');
    t.deepEqual(fields(third), ['body.parentId']);
    const bad = await a.post('/api/departments', {
      code: 'S09-Y',
      name: 'y',
      kind: 'department',
      contactEmail: 'nope',
    });
    t.deepEqual(fields(bad), ['body.contactEmail']);
    t.is(await hub.db.prisma.department.count({ where: { code: { in: ['S09-X', 'S09-Y'] } } }), 0);

    const taken = await a.post('/api/departments', { code: 'S09', name: 'dup', kind: 'department' });
    t.is(taken.status, 409);
    t.is((await hub.db.prisma.department.findUniqueOrThrow({ where: { code: 'S09' } })).name, '东陈镇分中心');

    // readers see contacts; only administrators change
    t.like((await as(reader).get(`/api/departments/${unit.body.id}`)).body, {
      contactEmail: 'zd@dongchen.test',
    });
    t.is((await as(reader).patch(`/api/departments/${unit.body.id}`, { name: 'z' })).status, 403);

    const renamed = await a.patch(`/api/departments/${unit.body.id}`, {
      name: '东陈镇城管中队（新）',
      contactEmail: null,
    });
    t.like(renamed.body, { name: '东陈镇城管中队（新）', contactEmail: null });
    // a sub-centre with active units stays active until they are deactivated
    t.is((await a.patch(`/api/departments/${centre.body.id}`, { active: false })).status, 409);

    // a unit that a case event refers to is not deleted, only deactivated
    await hub.db.prisma.category.create({
      data: { kind: 'event', code: '0101', majorCode: '01', majorName: '市容环境', name: '私搭乱建' },
    });
    const c = await hub.db.prisma.case.create({
      data: {
        caseNo: 'RG1',
        source: 'supervisor',
        categoryCode: '0101',
        description: 'x',
        departmentId: unit.body.id,
      },
    });
    const refused = await a.del(`/api/departments/${unit.body.id}`);
    t.is(refused.status, 409);
    t.like(refused.body.references, { cases: 1 });
    t.truthy(await hub.db.prisma.department.findUnique({ where: { id: unit.body.id } }));
    t.like((await a.patch(`/api/departments/${unit.body.id}`, { active: false })).body, { active: false });
    t.is((await a.patch(`/api/departments/${centre.body.id}`, { active: false })).status, 200);
    await hub.db.prisma.case.delete({ where: { id: c.id } });
    t.is((await a.del(`/api/departments/${unit.body.id}`)).status, 204);
    t.is(await hub.db.prisma.department.count({ where: { id: unit.body.id } }), 0);

    const logged = hub.logs.find((l) => l.msg === 'department deleted');
    t.like(logged, { by: 'adm', code: 'S09-ZD' });
  },
);

test.serial(
  'categories: limits per urgency and step, validation naming the entry, 409 on an existing code',
  async (t) => {
    const a = as(admin);
    const created = await a.post('/api/categories', {
      kind: 'component',
      code: '0105',
      majorName: '公用设施',
      name: '污水井盖',
      limits: [
        { urgency: 'normal', step: 'dispose', limitMinutes: 900 },
        { urgency: 'urgent', step: 'dispose', limitMinutes: 120, timeMode: 'natural', source: '如皋 2024' },
      ],
    });
    t.is(created.status, 201);
    t.like(created.body, { kind: 'component', code: '0105', majorCode: '01', active: true });
    t.deepEqual(created.body.limits, [
      { urgency: 'normal', step: 'dispose', limitMinutes: 900, timeMode: 'working', source: null },
      { urgency: 'urgent', step: 'dispose', limitMinutes: 120, timeMode: 'natural', source: '如皋 2024' },
    ]);
    t.is(
      (await a.post('/api/categories', { kind: 'component', code: '0105', majorName: 'x', name: 'y' }))
        .status,
      409,
    );

    const id = created.body.id as string;
    const dup = await a.put(`/api/categories/${id}/limits`, {
      limits: [
        { urgency: 'normal', step: 'sign', limitMinutes: 30 },
        { urgency: 'normal', step: 'sign', limitMinutes: 60 },
      ],
    });
    t.is(dup.status, 400);
    t.deepEqual(fields(dup), ['body.limits.1']);
    const negative = await a.put(`/api/categories/${id}/limits`, {
      limits: [{ urgency: 'normal', step: 'sign', limitMinutes: -5 }],
    });
    t.is(negative.status, 400);
    t.deepEqual(fields(negative), ['body.limits.0.limitMinutes']);
    // nothing changed by the refused requests
    t.is(await hub.db.prisma.categoryLimit.count({ where: { categoryId: id } }), 2);

    const replaced = await a.put(`/api/categories/${id}/limits`, {
      limits: [
        { urgency: 'normal', step: 'sign', limitMinutes: 30 },
        { urgency: 'normal', step: 'dispose', limitMinutes: 450 },
      ],
    });
    t.is(replaced.status, 200);
    t.deepEqual(
      replaced.body.limits.map((l: { step: string; limitMinutes: number }) => [l.step, l.limitMinutes]),
      [
        ['sign', 30],
        ['dispose', 450],
      ],
    );
    const unknownDept = await a.patch(`/api/categories/${id}`, { defaultDepartmentId: 'nope' });
    t.deepEqual(fields(unknownDept), ['body.defaultDepartmentId']);
    t.like((await a.patch(`/api/categories/${id}`, { active: false })).body, { active: false });
    t.like(
      hub.logs.find((l) => l.msg === 'category limits replaced'),
      { by: 'adm', code: '0105' },
    );
  },
);

test.serial(
  'calendar: a year with official days, overrides and shifts; the loaded calendar follows at once',
  async (t) => {
    const a = as(admin);
    const year = await as(reader).get('/api/calendar/2026');
    t.is(year.status, 200);
    t.is(year.body.days.length, 365);
    const day = (d: string) => year.body.days.find((x: { date: string }) => x.date === d);
    // National Day 2026 and its 调休 Saturday (from chinese-days)
    t.like(day('2026-10-01'), { working: false, source: 'official', name: '国庆节', shifts: [] });
    t.like(day('2026-10-10'), { working: true, source: 'official' });
    t.like(day('2026-11-25'), {
      working: true,
      source: 'weekday',
      shifts: [
        { start: '08:30', end: '12:00' },
        { start: '13:30', end: '17:30' },
      ],
    });

    const before = await loadWorkCalendar(hub.db);
    t.true(before.day('2026-11-27').working);
    const off = await a.put('/api/calendar/days/2026-11-27', {
      kind: 'holiday',
      note: '如皋撤县建市纪念日（演示）',
    });
    t.is(off.status, 200);
    t.like(off.body, { date: '2026-11-27', kind: 'holiday', updatedBy: 'adm' });
    t.false((await loadWorkCalendar(hub.db)).day('2026-11-27').working);
    // the hub's workers get no calendar object: they load it per job, so they see the change at once
    const workersSee = await calendarOf({ db: hub.db, config: hub.config, calendar: undefined });
    t.false(workersSee.day('2026-11-27').working);
    const short = await a.put('/api/calendar/days/2026-11-28', {
      kind: 'workday',
      shifts: [{ start: '09:00', end: '12:00' }],
    });
    t.is(short.status, 200);
    t.like(
      (await as(reader).get('/api/calendar/2026')).body.days.find(
        (x: { date: string }) => x.date === '2026-11-28',
      ),
      {
        working: true,
        source: 'override',
        shifts: [{ start: '09:00', end: '12:00' }],
      },
    );

    const overlap = await a.put('/api/calendar/days/2026-11-29', {
      kind: 'workday',
      shifts: [
        { start: '08:00', end: '12:00' },
        { start: '11:00', end: '13:00' },
      ],
    });
    t.is(overlap.status, 400);
    t.deepEqual(fields(overlap), ['body.shifts[1]']);
    t.deepEqual(fields(await a.put('/api/calendar/days/2026-02-30', { kind: 'holiday' })), ['params.date']);
    t.deepEqual(
      fields(
        await a.put('/api/calendar/days/2026-11-29', {
          kind: 'workday',
          shifts: [{ start: '8', end: '12:00' }],
        }),
      ),
      ['body.shifts[0].start'],
    );
    t.is(
      await hub.db.prisma.workCalendarDay.count({ where: { date: { in: ['2026-11-29', '2026-02-30'] } } }),
      0,
    );

    t.is((await a.del('/api/calendar/days/2026-11-27')).status, 204);
    t.true((await loadWorkCalendar(hub.db)).day('2026-11-27').working);
    t.is((await a.del('/api/calendar/days/2026-11-27')).status, 404);

    const settings = await a.put('/api/calendar/settings', {
      shifts: [
        { start: '08:00', end: '12:00' },
        { start: '14:00', end: '18:00' },
      ],
    });
    t.is(settings.status, 200);
    t.like(settings.body, { standardDayMinutes: 480, yellowFraction: 0.8, timezone: 'Asia/Shanghai' });
    t.is((await loadWorkCalendar(hub.db)).standardDayMinutes, 480);
    const badFraction = await a.put('/api/calendar/settings', { yellowFraction: 1.5 });
    t.is(badFraction.status, 400);
    t.deepEqual(fields(badFraction), ['body.yellowFraction']);
    t.is((await loadWorkCalendar(hub.db)).yellowFraction, 0.8);
  },
);

// Not the real 2027 notice (not published when this was written): two items in its style.
const NOTICE_2027 = readFileSync(
  new URL('./fixtures/holiday-notice-2027-example.txt', import.meta.url),
  'utf8',
);

test.serial(
  'calendar: a pasted State Council notice is shown for confirmation, then applied; a faulty one changes nothing',
  async (t) => {
    const a = as(admin);
    // Before: 2027 is beyond the official data; 13 February (a Saturday) and the 14th (a Sunday) are rest days,
    // 9 February (a Tuesday after 初三) a working day.
    const before = await as(reader).get('/api/calendar/2027');
    const day = (res: typeof before, d: string) => res.body.days.find((x: { date: string }) => x.date === d);
    t.like(day(before, '2027-02-08'), {
      working: false,
      source: 'statutory',
      name: '春节',
      beyondOfficialData: true,
    });
    t.like(day(before, '2027-02-09'), { working: true, source: 'weekday', beyondOfficialData: true });

    const preview = await a.post('/api/calendar/notice', { text: NOTICE_2027 });
    t.is(preview.status, 200);
    t.like(preview.body, { year: 2027, applied: 0 });
    t.deepEqual(
      preview.body.festivals.map((f: { name: string; holidays: string[]; workdays: string[] }) => [
        f.name,
        f.holidays.length,
        f.workdays,
      ]),
      [
        ['元旦', 3, []],
        ['春节', 9, ['2027-02-14']],
      ],
    );
    t.is(preview.body.warnings.length, 5); // 清明, 劳动节, 端午, 中秋, 国庆节 not in this notice
    t.is(await hub.db.prisma.workCalendarDay.count({ where: { date: { startsWith: '2027-' } } }), 0);

    const faulty = await a.post('/api/calendar/notice', {
      text: NOTICE_2027.replace('共9天', '共8天'),
      apply: true,
    });
    t.is(faulty.status, 400);
    t.regex(faulty.headers.get('content-type') ?? '', /^application\/problem\+json/);
    t.deepEqual(faulty.body.errors, [
      {
        field: 'body.text',
        message:
          '第4行（二、春节：2月5日（农历除夕、周五）至13日（农历正月初八、周六）放假调休，共8天。2月14日（周日）上班。）：' +
          '写明共8天，日期却是9天（2027-02-05 至 2027-02-13）',
      },
    ]);
    t.is(await hub.db.prisma.workCalendarDay.count({ where: { date: { startsWith: '2027-' } } }), 0);
    t.is((await as(reader).post('/api/calendar/notice', { text: NOTICE_2027, apply: true })).status, 403);

    const applied = await a.post('/api/calendar/notice', { text: NOTICE_2027, apply: true });
    t.is(applied.status, 200);
    t.is(applied.body.applied, 13);
    const after = await as(reader).get('/api/calendar/2027');
    t.like(day(after, '2027-02-09'), {
      working: false,
      source: 'override',
      note: '2027年节假日安排（国务院通知）：春节',
    });
    t.like(day(after, '2027-02-14'), { working: true, source: 'override' });
    const calendar = await loadWorkCalendar(hub.db);
    t.true(calendar.day('2027-02-14').working);
    t.false(calendar.day('2027-02-12').working);
    await hub.db.prisma.workCalendarDay.deleteMany({ where: { date: { startsWith: '2027-' } } });
  },
);

const square = (lng: number, lat: number, size = 0.001) => [
  [
    [lng, lat],
    [lng + size, lat],
    [lng + size, lat + size],
    [lng, lat + size],
    [lng, lat],
  ],
];

test.serial('grid cells: polygon validated, bounding box recomputed, supervisor assigned', async (t) => {
  const a = as(admin);
  const supervisor = await createUser(hub.db, { username: 'sup9', roles: ['field_supervisor'] });
  const notSupervisor = await createUser(hub.db, { username: 'acc9', roles: ['acceptor'] });
  const cell = {
    code: '32068210300101',
    street: '东陈镇',
    community: '东陈社区',
    areaClass: 2,
    geometry: { type: 'Polygon', coordinates: square(120.5, 32.4) },
    supervisorUserId: supervisor,
  };
  const created = await a.post('/api/grid-cells', cell);
  t.is(created.status, 201);
  t.deepEqual(created.body.bbox, {
    minLng: 120.5,
    minLat: 32.4,
    maxLng: 120.5 + 0.001,
    maxLat: 32.4 + 0.001,
  });
  t.like(created.body, { supervisorUserId: supervisor, areaClass: 2 });
  t.is((await a.post('/api/grid-cells', cell)).status, 409);

  const open = square(120.6, 32.4)[0]!.slice(0, 4);
  const notClosed = await a.post('/api/grid-cells', {
    ...cell,
    code: '32068210300102',
    geometry: { type: 'Polygon', coordinates: [open] },
  });
  t.is(notClosed.status, 400);
  t.deepEqual(fields(notClosed), ['body.geometry.coordinates.0.3']);
  const ring = square(120.6, 32.4)[0]!;
  ring[2] = [200, 32.401];
  const farOut = await a.post('/api/grid-cells', {
    ...cell,
    code: '32068210300102',
    geometry: { type: 'Polygon', coordinates: [ring] },
  });
  t.deepEqual(fields(farOut), ['body.geometry.coordinates.0.2.0']);
  const unclosed = square(120.6, 32.4)[0]!;
  unclosed[4] = [120.6, 32.4005];
  t.deepEqual(
    fields(
      await a.post('/api/grid-cells', {
        ...cell,
        code: '32068210300102',
        geometry: { type: 'Polygon', coordinates: [unclosed] },
      }),
    ),
    ['body.geometry.coordinates.0.4'],
  );
  t.deepEqual(
    fields(
      await a.post('/api/grid-cells', {
        ...cell,
        code: '32068210300102',
        geometry: { type: 'Point', coordinates: [1, 2] },
      }),
    ),
    ['body.geometry.type'],
  );
  // The checks of every stored geometry (src/geography/geojson.ts): no ring crossing itself, inside the city.
  const bowtie = await a.post('/api/grid-cells', {
    ...cell,
    code: '32068210300102',
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [120.6, 32.4],
          [120.601, 32.401],
          [120.601, 32.4],
          [120.6, 32.401],
          [120.6, 32.4],
        ],
      ],
    },
  });
  t.is(bowtie.status, 400);
  t.deepEqual(bowtie.body.errors, [
    { field: 'body.geometry.coordinates.0', message: 'the ring crosses itself: edge 0–1 crosses edge 2–3' },
  ]);
  const north = square(120.6, 32.4)[0]!;
  north[2] = [120.601, 33.5];
  t.deepEqual(
    fields(
      await a.post('/api/grid-cells', {
        ...cell,
        code: '32068210300102',
        geometry: { type: 'Polygon', coordinates: [north] },
      }),
    ),
    ['body.geometry.coordinates.0.2.1'],
  );
  t.deepEqual(
    fields(
      await a.post('/api/grid-cells', { ...cell, code: '32068210300102', supervisorUserId: notSupervisor }),
    ),
    ['body.supervisorUserId'],
  );
  t.is(await hub.db.prisma.gridCell.count({ where: { code: '32068210300102' } }), 0);

  const moved = await a.patch(`/api/grid-cells/${created.body.id}`, {
    geometry: { type: 'Polygon', coordinates: square(120.7, 32.5, 0.002) },
    supervisorUserId: null,
  });
  t.is(moved.status, 200);
  t.deepEqual(moved.body.bbox, { minLng: 120.7, minLat: 32.5, maxLng: 120.7 + 0.002, maxLat: 32.5 + 0.002 });
  const row = await hub.db.prisma.gridCell.findUniqueOrThrow({ where: { id: created.body.id } });
  t.like(row, { minLng: 120.7, maxLat: 32.5 + 0.002, supervisorUserId: null });
  t.deepEqual(JSON.parse(row.geometry), { type: 'Polygon', coordinates: square(120.7, 32.5, 0.002) });
  // a broken polygon on update leaves the stored one alone
  t.is(
    (await a.patch(`/api/grid-cells/${created.body.id}`, { geometry: { type: 'Polygon', coordinates: [] } }))
      .status,
    400,
  );
  t.is(
    (await hub.db.prisma.gridCell.findUniqueOrThrow({ where: { id: created.body.id } })).geometry,
    row.geometry,
  );
});

test.serial(
  'users: mail address, roles and department; a password reset ends sessions and is logged without the password',
  async (t) => {
    const a = as(admin);
    const dept = await a.post('/api/departments', { code: 'D77', name: '市政工程处', kind: 'department' });
    const created = await a.post('/api/users', {
      username: 'lead7',
      displayName: '值班长七',
      password: 'first password 1',
      roles: ['shift_leader'],
      departmentId: dept.body.id,
      email: 'lead7@rugao.test',
    });
    t.is(created.status, 201);
    t.like(created.body, { email: 'lead7@rugao.test', roles: ['shift_leader'], departmentId: dept.body.id });
    const badMail = await a.patch(`/api/users/${created.body.id}`, { email: 'lead7-at-rugao' });
    t.deepEqual(fields(badMail), ['body.email']);
    t.is(
      (await hub.db.prisma.user.findUniqueOrThrow({ where: { id: created.body.id } })).email,
      'lead7@rugao.test',
    );

    const session = await hub.auth.issueSession(created.body.id);
    t.is((await call(hub.base, 'GET', '/api/auth/me', { token: session.token })).status, 200);
    const reset = await a.patch(`/api/users/${created.body.id}`, {
      password: 'second password 2',
      roles: ['shift_leader', 'leader'],
    });
    t.is(reset.status, 200);
    t.deepEqual(reset.body.roles, ['leader', 'shift_leader']);
    t.is((await call(hub.base, 'GET', '/api/auth/me', { token: session.token })).status, 401);
    const login = await call(hub.base, 'POST', '/api/auth/login', {
      body: { username: 'lead7', password: 'second password 2' },
    });
    t.is(login.status, 200);
    const line = hub.logs.find((l) => l.msg === 'user updated');
    t.like(line, { by: 'adm', username: 'lead7', passwordReset: true });
    t.false(JSON.stringify(hub.logs).includes('second password 2'));
  },
);
