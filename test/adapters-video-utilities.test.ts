// Scenario 4 through the video simulator (signed webhook, snapshot evidence, repeat merge, false alarm
// voided with a reason → the camera's precision), bad payloads and signatures; and the utilities: work
// orders out in per-case order across a company outage, status back by polling with a cursor (water)
// and by the daily CSV file (power: the same file twice, a row already seen, a malformed row, a quoted
// multi-line note in a file with a BOM and CRLF line ends).
import test from 'ava';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDepartmentRouter } from '../adapters/department-router.ts';
import { signedHeaders } from '../adapters/framework/signature.ts';
import { createUtilitiesAdapter } from '../adapters/utilities/index.ts';
import { startUtilitySimulator, type UtilitySimulator } from '../adapters/utilities/simulator/index.ts';
import { createVideoAdapter, videoRoutes } from '../adapters/video/index.ts';
import { startVideoSimulator, type Camera, type VideoSimulator } from '../adapters/video/simulator/index.ts';
import { call } from './helpers/api.ts';
import { startAdapterE2E, until, type AdapterE2E } from './helpers/adapter-e2e.ts';

const SECRET = 'video-webhook-secret-for-tests-0123456789';
let video: VideoSimulator;
let water: UtilitySimulator;
let power: UtilitySimulator;
let csvDir: string;
let e2e: AdapterE2E;

const camA: Camera = {
  cameraId: 'CAM-0101',
  name: '北门路口枪机',
  lng: 120.5405,
  lat: 32.3805,
  speakerId: 'SPK-01',
};
const camC: Camera = {
  cameraId: 'CAM-0103',
  name: '东门路口',
  lng: 120.5415,
  lat: 32.3805,
  speakerId: 'SPK-03',
};
const camB: Camera = {
  cameraId: 'CAM-0102',
  name: '北门路中段',
  lng: 120.5406,
  lat: 32.3806,
  speakerId: null,
};

test.before(async () => {
  [video, water, power] = await Promise.all([
    startVideoSimulator(),
    startUtilitySimulator('water'),
    startUtilitySimulator('power'),
  ]);
  csvDir = await mkdtemp(join(tmpdir(), 'power-csv-'));
  e2e = await startAdapterE2E({
    adapters: (deps) => [
      createVideoAdapter({
        ...deps,
        settings: { webhookSecret: SECRET, platformUrl: video.url, mergeWindowMinutes: 30 },
      }),
      createUtilitiesAdapter({
        ...deps,
        settings: {
          companies: [
            { key: 'water', url: water.url },
            { key: 'power', url: power.url, csvDir },
          ],
          pollIntervalMs: 300,
        },
      }),
      createDepartmentRouter({
        db: deps.db,
        settings: { sanitationDepartmentCode: null, utilities: ['water', 'power'] },
      }),
    ],
    routes: (deps) => videoRoutes(deps),
  });
  video.target = { url: `${e2e.base}/api/adapters/video/alarms`, secret: SECRET };
});
test.after.always(async () => {
  await e2e?.close();
  await Promise.all([video?.close(), water?.close(), power?.close()]);
  if (csvDir) await rm(csvDir, { recursive: true, force: true });
});

const caseRow = (id: string) => e2e.hub.db.prisma.case.findUniqueOrThrow({ where: { id } });
/** 核实 is assigned and its limit set: the supervisor's answer now meets the wait (as in the app). */
const awaitingVerify = (id: string) =>
  until('verify deadline', async () =>
    (await caseRow(id)).status === 'verifying'
      ? e2e.hub.db.prisma.caseEvent.findFirst({ where: { caseId: id, type: 'deadline_set' } })
      : null,
  );

test.serial(
  'scenario 4: an AI 店外经营 alarm opens a case with its snapshot; a repeat of the camera merges; duplicates are one',
  async (t) => {
    video.faults.duplicates = true;
    const first = video.alarm(camA, '店外经营');
    const [r1, r1again] = await video.push(first);
    video.faults.duplicates = false;
    t.is(r1!.status, 200);
    t.like(r1!.body, { events: [{ sourceId: first.alarmId, result: 'processed' }] });
    t.like(r1again!.body, { events: [{ sourceId: first.alarmId, result: 'duplicate' }] });
    const caseId = (r1!.body as { events: { caseId: string }[] }).events[0]!.caseId;
    t.like(await caseRow(caseId), {
      source: 'video',
      sourceRef: `CAM-0101:${first.alarmId}`,
      categoryCode: '0504',
    });
    const snap = await until('snapshot', () =>
      e2e.hub.db.prisma.attachment.findFirst({ where: { caseId, kind: 'evidence' } }),
    );
    t.is(snap.contentType, 'image/jpeg');

    const repeat = video.alarm(camA, '店外经营');
    const [r2] = await video.push(repeat);
    t.like(r2!.body, { events: [{ sourceId: repeat.alarmId, result: 'processed', caseId }] });
    t.is(await e2e.hub.db.prisma.case.count({ where: { source: 'video' } }), 1);
    const merged = await e2e.hub.db.prisma.caseEvent.findFirstOrThrow({
      where: { caseId, type: 'alarm_repeated' },
    });
    t.like(merged.data, { alarmId: repeat.alarmId, cameraId: 'CAM-0101' });
    await until(
      'second snapshot',
      async () => (await e2e.hub.db.prisma.attachment.count({ where: { caseId } })) === 2,
    );

    // Another camera, other category: its own case.
    const other = video.alarm(camB, '暴露垃圾');
    const [r3] = await video.push(other);
    t.not((r3!.body as { events: { caseId: string }[] }).events[0]!.caseId, caseId);
  },
);

test.serial(
  'scenario 4: a false alarm voided with a reason counts against the camera; precision over the API',
  async (t) => {
    const falseAlarm = video.alarm(camB, '店外经营');
    const [r] = await video.push(falseAlarm);
    const caseId = (r!.body as { events: { caseId: string }[] }).events[0]!.caseId;
    await awaitingVerify(caseId);
    // The supervisor finds nothing on site: 核实 false with a reason → hub.case.void.
    await e2e.act(
      caseId,
      'voided',
      'case.verified',
      { verifyResult: 'false', voidReason: '误报：行人驻足' },
      { caseUpdate: { voidReason: '误报：行人驻足' } },
    );
    await until('voided', async () => (await caseRow(caseId)).status === 'voided');
    // Camera C's alarm is confirmed by 核实.
    const [rc] = await video.push(video.alarm(camC, '店外经营'));
    const confirmedId = (rc!.body as { events: { caseId: string }[] }).events[0]!.caseId;
    await awaitingVerify(confirmedId);
    await e2e.act(confirmedId, 'verified', 'case.verified', { verifyResult: 'confirmed' });

    const b = await call(e2e.base, 'GET', '/api/adapters/video/cameras/CAM-0102', { token: e2e.token });
    t.is(b.status, 200);
    t.like(b.body, {
      cameraId: 'CAM-0102',
      alarms: 2,
      falseAlarms: 1,
      confirmed: 0,
      pending: 1,
      precision: 0,
    });
    t.deepEqual(
      b.body.falseAlarmReasons.map((x: { reason: string }) => x.reason),
      ['误报：行人驻足'],
    );
    const list = await call(e2e.base, 'GET', '/api/adapters/video/cameras', { token: e2e.token });
    t.like(
      list.body.items.find((x: { cameraId: string }) => x.cameraId === 'CAM-0101'),
      { alarms: 1, repeats: 1 },
    );
    t.like(
      list.body.items.find((x: { cameraId: string }) => x.cameraId === 'CAM-0103'),
      { alarms: 1, confirmed: 1, falseAlarms: 0, precision: 1 },
    );
    t.is((await call(e2e.base, 'GET', '/api/adapters/video/cameras/CAM-0101')).status, 401);
    // The procedures ran without an incident (the engine's REST API lists none).
    const incidents = await fetch(`${e2e.engine.managementUrl}/v2/incidents/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    t.deepEqual(((await incidents.json()) as { items: unknown[] }).items, []);
  },
);

test.serial('bad payload → 400 naming the field, bad signature → 401; nothing stored', async (t) => {
  const before = await e2e.hub.db.prisma.inboxEvent.count();
  const url = '/api/adapters/video/alarms';
  const bad = { ...video.alarm(camA, '店外经营'), confidence: 7 };
  const body = JSON.stringify(bad);
  const r400 = await call(e2e.base, 'POST', url, {
    raw: body,
    headers: { 'content-type': 'application/json', ...signedHeaders(SECRET, body) },
  });
  t.is(r400.status, 400);
  t.is(r400.headers.get('content-type'), 'application/problem+json');
  t.true(r400.body.errors.some((e: { field: string }) => e.field === 'body.confidence'));
  const good = JSON.stringify(video.alarm(camA, '违停'));
  const r401 = await call(e2e.base, 'POST', url, {
    raw: good,
    headers: { 'content-type': 'application/json', ...signedHeaders('wrong-secret', good) },
  });
  t.is(r401.status, 401);
  // 违停 maps to 0505, which this hub's category table does not have: refused naming the field.
  const unmapped = JSON.stringify(video.alarm(camA, '违停'));
  const r400b = await call(e2e.base, 'POST', url, {
    raw: unmapped,
    headers: { 'content-type': 'application/json', ...signedHeaders(SECRET, unmapped) },
  });
  t.is(r400b.status, 400);
  t.deepEqual(
    r400b.body.errors.map((e: { field: string }) => e.field),
    ['body.alarmType'],
  );
  t.is(await e2e.hub.db.prisma.inboxEvent.count(), before);
});

const dispatchedCase = (description: string, departmentCode: 'U-WATER' | 'U-POWER') =>
  e2e.dispatchCase(
    { source: 'utility', categoryCode: '0402', description, lng: 120.5405, lat: 32.3805 },
    departmentCode,
  );

test.serial(
  'water: work orders survive an outage in order; status polled with a cursor → signed, disposing, disposed with photo',
  async (t) => {
    await water.http.setDown(true);
    const a = await dispatchedCase('北门路自来水管破裂', 'U-WATER');
    const b = await dispatchedCase('东门路自来水管破裂', 'U-WATER');
    await until('work orders queued', async () =>
      (await e2e.hub.db.prisma.outboxMessage.count({
        where: { adapter: 'utilities', kind: 'work_order' },
      })) === 2
        ? true
        : null,
    );
    await e2e.hub.db.prisma.outboxMessage.create({
      data: {
        adapter: 'utilities',
        kind: 'note',
        caseId: a,
        payload: { company: 'water', caseId: a, text: '请尽快处置', noteKind: 'urge' },
      },
    });
    await new Promise((r) => setTimeout(r, 1000));
    t.is(water.orders.length, 0);
    const failing = await e2e.hub.db.prisma.outboxMessage.findFirstOrThrow({
      where: { adapter: 'utilities', caseId: a, kind: 'work_order' },
    });
    t.true(failing.attempts >= 1, 'delivery was tried and is retried');
    await water.http.setDown(false);
    await until('orders and note delivered', async () =>
      water.orders.length === 2 && water.orders.find((o) => o.orderNo === a)!.notes.length === 1
        ? true
        : null,
    );
    t.deepEqual(water.orders.map((o) => o.orderNo).sort(), [a, b].sort());
    t.deepEqual(
      water.orders.find((o) => o.orderNo === a)!.notes.map((n) => n.text),
      ['请尽快处置'],
    );
    // The company has them; the rows are marked delivered right after its answer.
    await until('every utilities message delivered', async () =>
      (await e2e.hub.db.prisma.outboxMessage.count({
        where: { adapter: 'utilities', status: { not: 'delivered' } },
      })) === 0
        ? true
        : null,
    );

    water.advance(a, '10', { note: '已接单' });
    water.advance(a, '20');
    water.advance(a, '30', { note: '已修复', photo: 'water-fixed' });
    water.advance(b, '90', { note: '非我司管线' });
    await until('a disposed', async () =>
      (await caseRow(a)).status === 'disposed' || (await caseRow(a)).status === 'checking' ? true : null,
    );
    const events = await e2e.hub.db.prisma.caseEvent.findMany({
      where: { caseId: a, type: { in: ['signed', 'progress', 'disposed'] } },
      orderBy: { at: 'asc' },
    });
    t.deepEqual(
      events.map((e) => e.type),
      ['signed', 'progress', 'disposed'],
    );
    await until('disposal photo', () =>
      e2e.hub.db.prisma.attachment.findFirst({ where: { caseId: a, kind: 'disposal' } }),
    );
    await until('b return requested', () =>
      e2e.hub.db.prisma.caseEvent.findFirst({ where: { caseId: b, type: 'return_requested' } }),
    );
    const cursor = await until('cursor saved', async () => {
      const c = await e2e.hub.db.prisma.cursor.findUnique({
        where: { adapter_name: { adapter: 'utilities', name: 'water' } },
      });
      return c?.value === '4' ? c : null;
    });
    t.is(cursor.value, '4');
    await e2e.host.stop();
    // A re-read of the feed from the start changes nothing (dedupe on the company's change ids).
    await e2e.hub.db.prisma.cursor.update({ where: { id: cursor.id }, data: { value: '0' } });
    await e2e.host.pollNow('utilities');
    t.is(await e2e.hub.db.prisma.caseEvent.count({ where: { caseId: a, type: 'signed' } }), 1);
    await e2e.host.start();
  },
);

test.serial(
  'power: the daily CSV is imported once; a row already seen and a malformed row are reported, the rest imported',
  async (t) => {
    const p = await dispatchedCase('电力井盖破损', 'U-POWER');
    await until('power order', async () => (power.orders.some((o) => o.orderNo === p) ? true : null));
    power.advance(p, '签收');
    const day1 = await power.writeDailyCsv(csvDir, '20261125');
    await until('imported', async () => ((await caseRow(p)).status === 'signed' ? true : null));
    await until('file moved', async () => ((await readdir(join(csvDir, 'done'))).length === 1 ? true : null));
    t.deepEqual(await readdir(join(csvDir, 'done')), ['power-20261125.csv']);
    // The same file dropped again, and a next file repeating a row already seen plus a malformed row.
    const same = await import('node:fs/promises').then((fs) =>
      fs.readFile(join(csvDir, 'done', 'power-20261125.csv')),
    );
    await writeFile(join(csvDir, 'power-20261125-again.csv'), same);
    power.advance(p, '已处理', { note: '已更换井盖', photo: 'power-fixed' });
    await power.writeDailyCsv(csvDir, '20261126', [
      `power-1,${p},签收,2026-11-25T02:00:00+08:00,,`,
      `power-x,${p},已派人,2026-11-26T09:00:00+08:00,,`,
      `power-y,${p},签收,not-a-time,,`,
    ]);
    await until('disposed', async () => ((await caseRow(p)).status !== 'signed' ? true : null));
    t.is(await e2e.hub.db.prisma.caseEvent.count({ where: { caseId: p, type: 'signed' } }), 1);
    t.is(await e2e.hub.db.prisma.caseEvent.count({ where: { caseId: p, type: 'disposed' } }), 1);
    const failed = await until('malformed rows reported', async () => {
      const rows = await e2e.hub.db.prisma.inboxEvent.findMany({
        where: { adapter: 'utilities', status: 'failed' },
        orderBy: { sourceId: 'asc' },
      });
      return rows.length === 2 ? rows : null;
    });
    // A row with an unreadable id is known by its file and line.
    t.deepEqual(
      failed.map((f) => f.sourceId),
      ['power:file:power-20261126.csv:5', 'power:power-x'],
    );
    t.regex(failed[0]!.error ?? '', /line 5: 时间/);
    t.regex(failed[1]!.error ?? '', /unknown status code 已派人/);
    t.truthy(day1);
  },
);

test.serial(
  'power: a quoted note with a line break (BOM, CRLF) is one row and its status update applied; a bad row after it is known by its own line',
  async (t) => {
    const p = await dispatchedCase('电力井盖缺失', 'U-POWER');
    await until('power order', async () => (power.orders.some((o) => o.orderNo === p) ? true : null));
    const note = '井盖已更换，\n附近路面已清扫（"加急"）';
    const lines = [
      '流水号,工单号,状态,时间,说明,照片',
      `ml-1,${p},签收,2026-11-27T08:00:00+08:00,,`,
      `ml-2,${p},已处理,2026-11-27T09:00:00+08:00,"${note.replaceAll('"', '""').replace('\n', '\r\n')}",`,
      `ml-3,${p},签收,not-a-time,,`,
    ];
    await writeFile(join(csvDir, 'power-20261127.csv'), '\uFEFF' + lines.join('\r\n') + '\r\n');
    const disposed = await until('disposed', () =>
      e2e.hub.db.prisma.caseEvent.findFirst({ where: { caseId: p, type: 'disposed' } }),
    );
    t.is(disposed.note, note);
    t.deepEqual((await caseRow(p)).disposedAt, new Date('2026-11-27T01:00:00Z'));
    const failed = await until('bad row reported', () =>
      e2e.hub.db.prisma.inboxEvent.findFirst({
        where: {
          adapter: 'utilities',
          status: 'failed',
          sourceId: { startsWith: 'power:file:power-20261127' },
        },
      }),
    );
    // The note's two lines are lines 3 and 4 of the file: the bad row is on line 5.
    t.is(failed.sourceId, 'power:file:power-20261127.csv:5');
    t.regex(failed.error ?? '', /line 5: 时间/);
    const imported = await e2e.hub.db.prisma.inboxEvent.findMany({
      where: { adapter: 'utilities', sourceId: { in: ['power:ml-1', 'power:ml-2'] } },
      orderBy: { sourceId: 'asc' },
    });
    t.deepEqual(
      imported.map((r) => [r.sourceId, r.status]),
      [
        ['power:ml-1', 'processed'],
        ['power:ml-2', 'processed'],
      ],
    );
  },
);
