// 城管通 on the hub (src/field, issue 16): duty and patrol track with distance, the desk's latest
// positions, my tasks; a supervisor's report — 自处理 in one request, a position outside the city, a photo
// that is no image, the phone's clock kept beside the hub's; the case message thread. A demo hub (engine,
// workers) over the file's own database.
import { randomBytes } from 'node:crypto';
import test from 'ava';
import { startDemoHub, type DemoHub, TEST_DEMO_PASSWORD } from './helpers/demo-hub.ts';
import { distanceM, trackLength } from '../src/field/track.ts';

const PASSWORD = TEST_DEMO_PASSWORD;
let demo: DemoHub;
test.before(async () => {
  demo = await startDemoHub(PASSWORD, { PATROL_POSITION_SECONDS: '20' });
});
test.after.always(() => demo?.close());

async function call(
  user: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${demo.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await demo.login(user)}`,
      ...(body instanceof FormData ? {} : body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body instanceof FormData ? body : body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: (text ? JSON.parse(text) : null) as any };
}

const jpeg = (size = 3000) =>
  Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]), randomBytes(size)]);
/** A point inside the demo's 城北街道 cells. */
const IN_CITY = { lng: 120.5475, lat: 32.3855 };

test('track length: haversine, inaccurate fixes and GPS jumps left out', (t) => {
  const a = { lng: 120.5475, lat: 32.3855 };
  const b = { lng: 120.5475, lat: 32.3864 }; // 0.0009° north ≈ 100.1 m
  t.is(Math.round(distanceM(a, b)), 100);
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 8, 0, s));
  t.is(
    trackLength(
      [
        { ...a, accuracy: 5, at: at(0) },
        { ...b, accuracy: 8, at: at(60) },
        { lng: 120.6, lat: 32.3864, accuracy: 5, at: at(61) }, // 5 km in 1 s: a jump
        { lng: 120.5475, lat: 32.3873, accuracy: 500, at: at(90) }, // too inaccurate
        { lng: 120.5475, lat: 32.3873, accuracy: 10, at: at(120) },
      ],
      100,
    ),
    Math.round((distanceM(a, b) + distanceM(b, { lng: 120.5475, lat: 32.3873 })) * 10) / 10,
  );
});

test.serial(
  'duty: 上班, positions (late and re-sent batches count once, in time order), latest, track, 下班',
  async (t) => {
    const duty0 = await call('field_supervisor', 'GET', '/api/field/duty');
    t.deepEqual(duty0.body, { shift: null, positionSeconds: 20, maxAccuracyM: 100 });
    t.is(
      (
        await call('field_supervisor', 'POST', '/api/field/positions', {
          points: [{ ...IN_CITY, accuracy: 5, at: new Date().toISOString() }],
        })
      ).status,
      409,
    );

    const phoneAhead = 3_600_000; // the phone's clock is an hour fast
    const observedAt = new Date(Date.now() + phoneAhead).toISOString();
    const start = await call('field_supervisor', 'POST', '/api/field/duty/start', { observedAt });
    t.is(start.status, 200);
    t.is(start.body.clientStartedAt, observedAt);
    t.true(Math.abs(Date.parse(start.body.startedAt) - Date.now()) < 60_000, 'the hub’s time is the start');
    const again = await call('field_supervisor', 'POST', '/api/field/duty/start', {});
    t.is(again.body.id, start.body.id, 'a repeated 上班 answers the open shift');

    // Fixes 30 s apart on the phone's (fast) clock, 100 m north each, sent in two batches, the second first.
    const base = Date.now() + phoneAhead + 1000;
    const fix = (i: number) => ({
      lng: IN_CITY.lng,
      lat: +(IN_CITY.lat + 0.0009 * i).toFixed(6),
      accuracy: 6,
      at: new Date(base + i * 30_000).toISOString(),
    });
    const sent = { 'x-client-sent-at': new Date(Date.now() + phoneAhead).toISOString() };
    const late = await call(
      'field_supervisor',
      'POST',
      '/api/field/positions',
      { points: [fix(2), fix(3)] },
      sent,
    );
    t.is(late.status, 200, JSON.stringify(late.body));
    const early = await call(
      'field_supervisor',
      'POST',
      '/api/field/positions',
      { points: [fix(0), fix(1)] },
      sent,
    );
    const resent = await call(
      'field_supervisor',
      'POST',
      '/api/field/positions',
      { points: [fix(0), fix(1)] },
      sent,
    );
    t.is(early.body.accepted, 2);
    t.is(resent.body.accepted, 0);
    t.is(resent.body.pointCount, 4);
    t.is(Math.round(resent.body.distanceM), 300);
    t.is(resent.body.last.lat, fix(3).lat);
    t.true(
      Math.abs(Date.parse(resent.body.last.at) - (Date.now() + 91_000)) < 60_000,
      'fix times moved to the hub’s clock',
    );

    const latest = await call('shift_leader', 'GET', '/api/field/supervisors/latest');
    t.is(latest.status, 200);
    t.deepEqual(
      latest.body.items.map((s: { displayName: string; last: { lat: number } }) => [
        s.displayName,
        s.last.lat,
      ]),
      [['监督员', fix(3).lat]],
    );
    t.is((await call('department_handler', 'GET', '/api/field/supervisors/latest')).status, 403);
    const track = await call('shift_leader', 'GET', `/api/field/shifts/${start.body.id}/track`);
    t.deepEqual(
      track.body.track.geometry.coordinates,
      [0, 1, 2, 3].map((i) => [fix(i).lng, fix(i).lat]),
    );

    const end = await call('field_supervisor', 'POST', '/api/field/duty/end', {});
    t.is(end.status, 200);
    t.truthy(end.body.endedAt);
    t.is(
      (await call('field_supervisor', 'POST', '/api/field/duty/end', {})).body.id,
      start.body.id,
      'a re-sent 下班 answers the same shift',
    );
    const shifts = await call('shift_leader', 'GET', '/api/field/shifts?onDuty=false');
    t.deepEqual(
      shifts.body.items.map((s: { id: string; distanceM: number }) => [s.id, Math.round(s.distanceM)]),
      [[start.body.id, 300]],
    );
    t.deepEqual((await call('shift_leader', 'GET', '/api/field/supervisors/latest')).body.items, []);
  },
);

function reportForm(
  extra: Record<string, string>,
  photos: { field: string; bytes: Buffer; name: string; type?: string }[],
) {
  const form = new FormData();
  const fields = {
    source: 'supervisor',
    categoryKind: 'event',
    categoryCode: '0102',
    description: '路边暴露垃圾',
    lng: String(IN_CITY.lng),
    lat: String(IN_CITY.lat),
    ...extra,
  };
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const p of photos) form.append(p.field, new Blob([p.bytes], { type: p.type ?? 'image/jpeg' }), p.name);
  return form;
}

test.serial(
  '自处理 in one request: before and after photos, self_handled on the timeline, then closed',
  async (t) => {
    const res = await call(
      'field_supervisor',
      'POST',
      '/api/cases',
      reportForm(
        { selfHandled: 'true', selfHandledNote: '已清理', observedAt: '2026-01-01T08:00:00+08:00' },
        [
          { field: 'photos', bytes: jpeg(), name: 'before.jpg' },
          { field: 'afterPhotos', bytes: jpeg(), name: 'after.jpg' },
        ],
      ),
      { 'idempotency-key': 'self-1', 'x-client-sent-at': '2026-01-01T08:00:05+08:00' },
    );
    t.is(res.status, 201, JSON.stringify(res.body));
    t.is(res.body.status, 'disposed');
    t.deepEqual(
      res.body.attachments.map((a: { kind: string; fileName: string }) => [a.kind, a.fileName]),
      [
        ['report', 'before.jpg'],
        ['disposal', 'after.jpg'],
      ],
    );
    let detail = await call('field_supervisor', 'GET', `/api/cases/${res.body.id}`);
    for (let i = 0; i < 100 && detail.body.status !== 'closed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      detail = await call('field_supervisor', 'GET', `/api/cases/${res.body.id}`);
    }
    t.is(detail.body.status, 'closed');
    const types = detail.body.timeline.map((e: { type: string }) => e.type);
    t.deepEqual(types.slice(0, 2), ['reported', 'self_handled']);
    t.true(types.includes('closed'));
    t.deepEqual(detail.body.timeline[0].data, {
      observedAt: '2026-01-01T08:00:00+08:00',
      clientSentAt: '2026-01-01T08:00:05+08:00',
    });
    t.is(detail.body.timeline[1].note, '已清理');
    const replay = await call(
      'field_supervisor',
      'POST',
      '/api/cases',
      reportForm({ selfHandled: 'true' }, [{ field: 'afterPhotos', bytes: jpeg(), name: 'x.jpg' }]),
      { 'idempotency-key': 'self-1' },
    );
    t.is(replay.status, 200);
    t.is(replay.body.id, res.body.id);
  },
);

test.serial(
  'bad reports store nothing: outside the city, not an image, 自处理 without an after photo or by an acceptor',
  async (t) => {
    const count = async () => (await call('shift_leader', 'GET', '/api/cases?limit=200')).body.items.length;
    const before = await count();
    const outside = await call(
      'field_supervisor',
      'POST',
      '/api/cases',
      reportForm({ lng: '121.2', lat: '31.9' }, [{ field: 'photos', bytes: jpeg(), name: 'a.jpg' }]),
    );
    t.is(outside.status, 400);
    t.is(outside.body.errors[0].field, 'body.lng');
    t.regex(outside.body.errors[0].message, /lies in no grid cell of the city/);
    const text = await call(
      'field_supervisor',
      'POST',
      '/api/cases',
      reportForm({}, [
        { field: 'photos', bytes: Buffer.from('just some notes'), name: 'notes.txt', type: 'text/plain' },
      ]),
    );
    t.is(text.status, 415);
    t.regex(text.body.detail, /notes\.txt/);
    const noAfter = await call(
      'field_supervisor',
      'POST',
      '/api/cases',
      reportForm({ selfHandled: 'true' }, [{ field: 'photos', bytes: jpeg(), name: 'b.jpg' }]),
    );
    t.is(noAfter.status, 400);
    t.is(noAfter.body.errors[0].field, 'afterPhotos');
    const acceptor = await call(
      'acceptor',
      'POST',
      '/api/cases',
      reportForm({ source: 'hotline', selfHandled: 'true' }, [
        { field: 'afterPhotos', bytes: jpeg(), name: 'c.jpg' },
      ]),
    );
    t.is(acceptor.status, 400);
    t.is(acceptor.body.errors[0].field, 'body.selfHandled');
    t.is(await count(), before);
  },
);

test.serial(
  'message thread: the holding unit and the command centre write, a re-sent message is stored once, another unit gets 404',
  async (t) => {
    const reported = await call('acceptor', 'POST', '/api/cases', {
      source: 'hotline',
      categoryCode: '0102',
      description: '垃圾',
      ...IN_CITY,
    });
    const id = reported.body.id;
    const first = await call(
      'dispatcher',
      'POST',
      `/api/cases/${id}/messages`,
      { body: '请尽快处理' },
      { 'idempotency-key': 'm-1' },
    );
    t.is(first.status, 201);
    const again = await call(
      'dispatcher',
      'POST',
      `/api/cases/${id}/messages`,
      { body: '请尽快处理' },
      { 'idempotency-key': 'm-1' },
    );
    t.is(again.status, 200);
    t.is(again.body.id, first.body.id);
    t.is(
      (await call('department_handler', 'GET', `/api/cases/${id}/messages`)).status,
      404,
      'not held by the handler’s unit',
    );
    t.is((await call('dispatcher', 'POST', `/api/cases/${id}/messages`, { body: '  ' })).status, 400);
    const thread = await call('field_supervisor', 'GET', `/api/cases/${id}/messages`);
    t.deepEqual(
      thread.body.items.map((m: { authorName: string; body: string }) => [m.authorName, m.body]),
      [['派遣员', '请尽快处理']],
    );
  },
);

test.serial(
  '附近的上报: open cases around the supervisor, the nearest first, mine marked; far and closed ones left out',
  async (t) => {
    // A spot of its own, ≈ 330 m east of the other tests' point, so their cases stay out of the way.
    const here = { lng: IN_CITY.lng + 0.0035, lat: IN_CITY.lat };
    const near = await call('acceptor', 'POST', '/api/cases', {
      source: 'hotline',
      categoryCode: '0102',
      description: '附近：路边垃圾',
      lng: here.lng,
      lat: here.lat + 0.0009, // ≈ 100 m north
    });
    t.is(near.status, 201, JSON.stringify(near.body));
    const mine = await call(
      'field_supervisor',
      'POST',
      '/api/cases',
      // Another category: intake merges a same-category report in the same cell.
      reportForm(
        {
          categoryCode: '0104',
          description: '附近：我上报的',
          lng: String(here.lng),
          lat: String(here.lat + 0.0002),
        },
        [{ field: 'photos', bytes: jpeg(), name: 'n.jpg' }],
      ),
    );
    t.is(mine.status, 201, JSON.stringify(mine.body));
    const far = await call('acceptor', 'POST', '/api/cases', {
      source: 'hotline',
      categoryCode: '0102',
      description: '附近：太远',
      lng: here.lng,
      lat: here.lat + 0.0063, // ≈ 700 m north
    });
    t.is(far.status, 201);
    // A closed case on the spot, written directly (no procedure to race with).
    const closed = await demo.hub.db.prisma.case.create({
      data: {
        caseNo: 'RG-2026-NEAR-CLOSED',
        source: 'hotline',
        categoryCode: '0103',
        status: 'closed',
        description: '附近：已结案',
        lng: here.lng,
        lat: here.lat + 0.0001,
        closedAt: new Date(),
      },
    });

    const q = `/api/field/nearby?lng=${here.lng}&lat=${here.lat}`;
    const res = await call('field_supervisor', 'GET', q);
    t.is(res.status, 200, JSON.stringify(res.body));
    t.is(res.body.radius, 500);
    const ours = res.body.items.filter((i: { description: string }) => i.description.startsWith('附近：'));
    t.deepEqual(
      ours.map((i: { caseNo: string; mine: boolean; categoryName: string }) => [
        i.caseNo,
        i.mine,
        i.categoryName,
      ]),
      [
        [mine.body.caseNo, true, '道路不洁'],
        [near.body.caseNo, false, '暴露垃圾'],
      ],
    );
    t.true(Math.abs(ours[1].distanceM - 100) <= 2, `${ours[1].distanceM} m`);
    const wider = await call('field_supervisor', 'GET', `${q}&radius=1000`);
    t.true(wider.body.items.some((i: { caseNo: string }) => i.caseNo === far.body.caseNo));
    t.false(wider.body.items.some((i: { caseNo: string }) => i.caseNo === closed.caseNo));

    const tooWide = await call('field_supervisor', 'GET', `${q}&radius=50000`);
    t.is(tooWide.status, 400);
    t.is(tooWide.body.errors[0].field, 'query.radius');
    t.is((await call('department_handler', 'GET', q)).status, 403);
  },
);
