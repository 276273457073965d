// 停车诱导 end to end: the parking system's simulator publishes plate-recognition passes and heartbeats on
// the real MQTT broker; the parking adapter counts them into the lots' free spaces, which the public
// guidance API shows — double reads and redeliveries counted once, an exit without its entry kept at
// zero (and logged), a full lot kept at capacity, a silent lot 未知 (not 已满) until it speaks again;
// the admin API and the import (all or nothing); the occupancy history and its statistics.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { createAdapterHost, type AdapterHost } from '../adapters/framework/index.ts';
import { createParkingAdapter } from '../adapters/parking/index.ts';
import { startParkingSimulator, type ParkingSimulator } from '../adapters/parking/simulator/index.ts';
import { createLogger } from '../src/log.ts';
import { call, createUser, startTestApi, type TestApi } from './helpers/api.ts';
import { until } from './helpers/adapter-e2e.ts';

const run = randomBytes(4).toString('hex');
let api: TestApi;
let sim: ParkingSimulator;
let host: AdapterHost;
let admin = '';
let leader = '';

const LOTS = [
  {
    code: 'P01',
    name: '如皋市人民医院停车场',
    area: '如城街道',
    street: '宁海路',
    lng: 120.566,
    lat: 32.384,
    capacity: 3,
  },
  {
    code: 'P02',
    name: '文峰大世界地下停车场',
    area: '如城街道',
    street: '海阳路',
    lng: 120.571,
    lat: 32.39,
    capacity: 50,
  },
  {
    code: 'P03',
    name: '城北街道办事处停车场',
    area: '城北街道',
    street: '福寿路',
    lng: 120.57,
    lat: 32.41,
    capacity: 20,
  },
];

test.before(async () => {
  api = await startTestApi({
    env: {
      PARKING_SILENCE_SECONDS: '3',
      PARKING_REFRESH_SECONDS: '1',
      PARKING_GUIDANCE_MAX_AGE_SECONDS: '10',
      PARKING_DEBOUNCE_SECONDS: '10',
      ADAPTER_LEASE_MS: '3000',
    },
  });
  admin = (
    await api.auth.issueSession(await createUser(api.db, { username: 'admin1', roles: ['administrator'] }))
  ).token;
  leader = (await api.auth.issueSession(await createUser(api.db, { username: 'leader1', roles: ['leader'] })))
    .token;
  const imported = await call(api.base, 'POST', '/api/parking/lots/import', {
    token: admin,
    body: { lots: LOTS },
  });
  if (imported.status !== 200) throw new Error(JSON.stringify(imported.body));
  sim = await startParkingSimulator({
    mqttUrl: 'mqtt://127.0.0.1:1883',
    topicPrefix: `test-${run}/parking`,
    // P03 is not played: never heard from
    lots: LOTS.slice(0, 2),
    heartbeatMs: 1000,
  });
  const deps = { db: api.db, config: api.config, logger: createLogger('silent'), now: () => new Date() };
  // The adapter logs through the API's logger so the test can read the drift lines.
  const logger = createLogger('info', { write: (line: string) => void api.logs.push(JSON.parse(line)) });
  host = createAdapterHost(deps, [
    createParkingAdapter({
      ...deps,
      logger,
      settings: {
        mqttUrl: 'mqtt://127.0.0.1:1883',
        topicPrefix: sim.topicPrefix,
        mqttClientId: `hub-parking-${run}`,
        debounceSeconds: 10,
        historyMinutes: 5,
        historyDays: 400,
        sampleEveryMs: 500,
      },
    }),
  ]);
  await host.start();
  await until('subscribed', () => api.db.prisma.lease.findUnique({ where: { name: 'sub:parking:passes' } }));
  await new Promise((r) => setTimeout(r, 500));
});
test.after.always(async () => {
  await host?.stop();
  await sim?.close();
  await api?.close();
});

const guidance = (area?: string, headers?: Record<string, string>) =>
  call(api.base, 'GET', `/api/parking/guidance${area ? `?area=${encodeURIComponent(area)}` : ''}`, {
    headers,
  });
const lotOf = async (code: string) => {
  const r = await guidance();
  return r.body.lots.find((l: { code: string }) => l.code === code);
};
const inboxRows = () => api.db.prisma.inboxEvent.count({ where: { adapter: 'parking' } });
const freeIs = (code: string, free: number | null) =>
  until(`${code} free ${free}`, async () => (await lotOf(code))?.free === free, 15_000);

test.serial('a lot never heard from is 未知 with no count, not full', async (t) => {
  const lot = await lotOf('P03');
  t.is(lot.free, null);
  t.is(lot.status, 'unknown');
  t.is(lot.statusLabel, '未知');
});

test.serial('entries and exits move the free spaces; double reads and redeliveries count once', async (t) => {
  await sim.heartbeat('P02');
  await freeIs('P02', 50);
  await sim.enter('P02', '苏FA1234');
  await sim.enter('P02', '苏FB2345', { doubleRead: true });
  await freeIs('P02', 48);
  // the broker delivers every pass twice (same message id)
  sim.setFaults({ duplicates: true });
  const third = await sim.enter('P02', '苏FC3456');
  sim.setFaults({ duplicates: false });
  await sim.publish(third); // and a late redelivery
  await sim.exit('P02', '苏FA1234');
  // every message above arrived: five inbox rows (the duplicates and the redelivery make none)
  await until('five passes received', async () => (await inboxRows()) === 5, 15_000);
  await new Promise((r) => setTimeout(r, 300));
  const lot = await lotOf('P02');
  t.is(lot.free, 48);
  t.is(lot.status, 'available');
  t.is(lot.statusLabel, '空闲');
  const inbox = await api.db.prisma.inboxEvent.groupBy({
    by: ['status'],
    where: { adapter: 'parking' },
    _count: true,
  });
  const by = Object.fromEntries(inbox.map((r) => [r.status, r._count]));
  t.is(by.processed, 4, 'three entries and one exit counted');
  t.is(by.ignored, 1, 'the double read');
  // a car that leaves and comes back within the window is two passes in two directions: both count
  await sim.exit('P02', '苏FB2345');
  await sim.enter('P02', '苏FB2345');
  await until('seven passes received', async () => (await inboxRows()) === 7, 15_000);
  t.is((await lotOf('P02')).free, 48);
});

test.serial(
  'an exit without its entry does not go below zero; a full lot stays at capacity; both logged',
  async (t) => {
    await sim.heartbeat('P01');
    await freeIs('P01', 3);
    await sim.exit('P01', '苏F00001'); // the camera missed its entry
    await new Promise((r) => setTimeout(r, 300));
    t.is((await lotOf('P01')).free, 3);
    for (const plate of ['苏FK0001', '苏FK0002', '苏FK0003']) await sim.enter('P01', plate);
    await freeIs('P01', 0);
    t.is((await lotOf('P01')).statusLabel, '已满');
    await sim.enter('P01', '苏FK0004'); // one more than the lot holds
    await sim.exit('P01', '苏FK0001');
    await freeIs('P01', 1);
    t.is((await lotOf('P01')).statusLabel, '空闲', '1 of 3 free is more than PARKING_FEW_PERCENT (10 %)');
    const drift = api.logs.filter((l) => /kept within \[0, capacity\]/.test(String(l.msg)));
    t.deepEqual(
      drift.map((l) => [l.lotCode, l.direction, l.count, l.kept]),
      [
        ['P01', 'out', -1, 0],
        ['P01', 'in', 4, 3],
      ],
    );
    t.false(JSON.stringify(drift).includes('苏F'), 'plates are not logged');
  },
);

test.serial(
  'a lot whose system falls silent turns 未知 (not 已满) and comes back with its count',
  async (t) => {
    await sim.heartbeat('P02');
    const before = (await lotOf('P02')).free as number;
    sim.silence('P02', true);
    await sim.enter('P02', '苏FZ9999'); // lost: the lot's system is down
    const lot = await until(
      'P02 unknown',
      async () => {
        const l = await lotOf('P02');
        return l.status === 'unknown' ? l : null;
      },
      15_000,
    );
    t.is(lot.free, null);
    t.is(lot.statusLabel, '未知');
    // the area counts only what it knows and says how many lots it does not
    const area = (await guidance('如城街道')).body.areas[0];
    t.like(area, { area: '如城街道', lots: 2, unknownLots: 1 });
    t.is(area.capacity, 3);
    sim.silence('P02', false);
    await sim.heartbeat('P02');
    await freeIs('P02', before);
    t.is((await lotOf('P02')).status, 'available');
  },
);

test.serial(
  'guidance is public and cacheable: ETag, max-age, 304 on a match, a new ETag after a change',
  async (t) => {
    const first = await guidance();
    t.is(first.status, 200);
    t.is(first.headers.get('cache-control'), 'public, max-age=10');
    t.is(first.headers.get('access-control-allow-origin'), '*');
    const etag = first.headers.get('etag')!;
    t.regex(etag, /^"[\w-]{27}"$/);
    const again = await guidance(undefined, { 'if-none-match': etag });
    t.is(again.status, 304);
    t.is(again.body, null);
    t.is(again.headers.get('etag'), etag);
    t.is(
      (await guidance(undefined, { 'if-none-match': `"x", W/${etag}` })).status,
      304,
      'a list and a weak tag match',
    );
    t.is((await guidance(undefined, { 'if-none-match': '"other"' })).status, 200);
    await sim.heartbeat('P02');
    await sim.enter('P02', '苏FE5555');
    await until('a new ETag', async () => (await guidance()).headers.get('etag') !== etag, 15_000);
    const changed = await guidance(undefined, { 'if-none-match': etag });
    t.is(changed.status, 200);
    t.not(changed.headers.get('etag'), etag);
    // one area
    const north = await guidance('城北街道');
    t.deepEqual(
      north.body.lots.map((l: { code: string }) => l.code),
      ['P03'],
    );
    t.not(north.headers.get('etag'), changed.headers.get('etag'));
    const none = await guidance('不存在街道');
    t.is(none.status, 404);
    t.is(none.headers.get('content-type'), 'application/problem+json');
  },
);

test.serial(
  'admin API: lots listed with their count; add, change, refuse; the import is all or nothing',
  async (t) => {
    t.is((await call(api.base, 'GET', '/api/parking/lots')).status, 401);
    const list = await call(api.base, 'GET', '/api/parking/lots', { token: leader });
    t.is(list.status, 200);
    t.deepEqual(
      list.body.items.map((l: { code: string }) => l.code),
      ['P01', 'P02', 'P03'],
    );
    t.is(
      (
        await call(api.base, 'POST', '/api/parking/lots', {
          token: leader,
          body: { ...LOTS[0], code: 'P09' },
        })
      ).status,
      403,
    );
    const added = await call(api.base, 'POST', '/api/parking/lots', {
      token: admin,
      body: {
        code: 'P04',
        name: '如皋汽车站停车场',
        area: '城南街道',
        street: null,
        lng: 120.56,
        lat: 32.37,
        capacity: 80,
      },
    });
    t.is(added.status, 201);
    t.like(added.body, { code: 'P04', free: null, statusLabel: '未知', occupied: 0 });
    t.is(
      (await call(api.base, 'POST', '/api/parking/lots', { token: admin, body: { ...LOTS[0] } })).status,
      409,
    );
    const swapped = await call(api.base, 'POST', '/api/parking/lots', {
      token: admin,
      body: { ...LOTS[0], code: 'P05', lng: 32.38, lat: 120.56 },
    });
    t.is(swapped.status, 400);
    t.deepEqual(
      swapped.body.errors.map((e: { field: string }) => e.field),
      ['body.lng', 'body.lat'],
    );
    // a smaller lot keeps its count within the new capacity
    const smaller = await call(api.base, 'PUT', '/api/parking/lots/P02', {
      token: admin,
      body: {
        name: '文峰大世界地下停车场',
        area: '如城街道',
        street: '海阳路',
        lng: 120.571,
        lat: 32.39,
        capacity: 2,
      },
    });
    t.is(smaller.status, 200);
    t.like(smaller.body, { capacity: 2, occupied: 2, free: 0, statusLabel: '已满' });
    t.is((await lotOf('P02')).free, 0, 'the guidance shows the change at once');

    const csv =
      'code,name,area,street,lng,lat,capacity\n' +
      'P04,如皋汽车站停车场,城南街道,,120.56,32.37,90\n' +
      'P06,"龙游湖公园停车场, 东区",如城街道,龙游路,120.58,32.38,120\n' +
      'P07,大润发停车场,如城街道,,121.99,32.38,0\n' +
      'P06,重复,如城街道,,120.58,32.38,10\n';
    const refused = await call(api.base, 'POST', '/api/parking/lots/import', { token: admin, body: { csv } });
    t.is(refused.status, 400);
    t.deepEqual(
      refused.body.errors.map((e: { field: string }) => e.field).sort(),
      ['rows.4.capacity', 'rows.4.lng', 'rows.5.code'].sort(),
    );
    t.is(await api.db.prisma.parkingLot.count({ where: { code: 'P06' } }), 0, 'nothing imported');
    t.is((await api.db.prisma.parkingLot.findUniqueOrThrow({ where: { code: 'P04' } })).capacity, 80);
    const good =
      csv.split('\n').slice(0, 3).join('\n') + '\nP03,城北街道办事处停车场,城北街道,福寿路,120.57,32.41,20\n';
    const report = await call(api.base, 'POST', '/api/parking/lots/import', {
      token: admin,
      body: { csv: good },
    });
    t.is(report.status, 200);
    t.deepEqual(report.body, { created: ['P06'], updated: ['P04'], unchanged: ['P03'] });
    const p06 = (await call(api.base, 'GET', '/api/parking/lots', { token: admin })).body.items.find(
      (l: { code: string }) => l.code === 'P06',
    );
    t.like(p06, { name: '龙游湖公园停车场, 东区', capacity: 120, area: '如城街道' });
  },
);

test.serial('occupancy history: passes land in their 5-minute bucket, the statistics sum them', async (t) => {
  const rows = await until('history rows', async () => {
    const r = await api.db.prisma.parkingOccupancy.findMany({ include: { lot: true } });
    return r.some((x) => x.lot.code === 'P03') ? r : null;
  });
  const p01 = rows.filter((r) => r.lot.code === 'P01');
  t.true(p01.length >= 1);
  const bucketMs = 5 * 60_000;
  for (const r of rows) t.is(r.bucket.getTime() % bucketMs, 0);
  t.is(rows.find((r) => r.lot.code === 'P03')!.free, null, 'P03 silent all along: sampled as unknown');
  const entries = p01.reduce((n, r) => n + r.entries, 0);
  const exits = p01.reduce((n, r) => n + r.exits, 0);
  t.deepEqual([entries, exits], [4, 2]);
  const stats = await call(api.base, 'GET', '/api/parking/stats?step=60', { token: leader });
  t.is(stats.status, 200);
  const s01 = stats.body.lots.find((l: { code: string }) => l.code === 'P01');
  t.like(s01, { entries: 4, exits: 2, peakOccupancyPercent: 100 });
  const s03 = stats.body.lots.find((l: { code: string }) => l.code === 'P03');
  t.like(s03, { meanOccupancyPercent: null });
  t.true(s03.unknownBuckets >= 1);
  t.true(stats.body.series.length >= 1);
  t.is(
    (
      await call(api.base, 'GET', '/api/parking/stats?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z', {
        token: leader,
      })
    ).status,
    400,
  );
});
