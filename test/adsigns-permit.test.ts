// 广告设置许可 (ad-permit.bpmn) end to end through the embedded engine with the clock moved: an
// application is reviewed and approved with conditions, the permit lands on the sign, a reminder comes 30
// days before its end and, without renewal, a removal order the day after; a renewal approved in time
// calls both off; a failed review refuses; only the units concerned act, and only in order.
import test from 'ava';
import { call } from './helpers/api.ts';
import { at, startScenarioHub, until, type ScenarioHub } from './helpers/scenario-hub.ts';

let s: ScenarioHub;
let point: { lng: number; lat: number };
test.before(async () => {
  s = await startScenarioHub(at('2026-11-10 09:00'));
  const cell = await s.hub.db.prisma.gridCell.findFirstOrThrow({
    where: { active: true },
    orderBy: { code: 'asc' },
  });
  point = { lng: (cell.minLng + cell.maxLng) / 2, lat: (cell.minLat + cell.maxLat) / 2 };
});
test.after.always(() => s?.close());

const prisma = () => s.hub.db.prisma;
const officer = (method: string, path: string, body?: unknown) =>
  call(s.url, method, path, { token: s.token('law_enforcement'), body });
async function newSign(code: string, name: string) {
  const res = await call(s.url, 'POST', '/api/ad-signs', {
    token: s.token('administrator'),
    body: { code, kind: 'shop_sign', name, ...point, ownerName: `${name}经营者`, widthM: 5, heightM: 1 },
  });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  return res.body.id as string;
}
const historyOf = async (id: string) =>
  (await s.as('dispatcher').get(`/api/ad-signs/${id}`)).body as {
    status: string;
    permitNo: string | null;
    permitEnd: string | null;
    permitConditions: string | null;
    removalOrderedAt: string | null;
    history: { type: string; note: string | null }[];
    permits: { id: string; status: string; permitNo: string | null; renewal: boolean }[];
  };
const eventually = (what: string, id: string, type: string) =>
  until(what, async () => (await historyOf(id)).history.find((h) => h.type === type));

let first: { signId: string; permitId: string; instance: string };

test.serial('application → 审查 → 审批 with conditions: the permit is on the sign', async (t) => {
  const signId = await newSign('GG-1001', '如意茶社');
  const applied = await officer('POST', `/api/ad-signs/${signId}/permits`, {
    requestedStart: '2026-11-15',
    requestedEnd: '2027-01-31',
  });
  t.is(applied.status, 201, JSON.stringify(applied.body));
  t.like(applied.body, { status: 'applied', renewal: false, applicantName: '如意茶社经营者' });
  const permitId = applied.body.id as string;
  const again = await officer('POST', `/api/ad-signs/${signId}/permits`, {
    requestedStart: '2026-11-15',
    requestedEnd: '2027-01-31',
  });
  t.is(again.status, 409, 'one open application per sign');

  const early = await officer('POST', `/api/ad-permits/${permitId}/decision`, { approved: true });
  t.is(early.status, 409, '审批 waits for 审查');
  const stranger = await call(s.url, 'POST', `/api/ad-permits/${permitId}/review`, {
    token: s.token('water_handler'),
    body: { passed: true },
  });
  t.is(stranger.status, 403);

  t.is(
    (await officer('POST', `/api/ad-permits/${permitId}/review`, { passed: true, note: '材料齐全' })).status,
    200,
  );
  const decided = await officer('POST', `/api/ad-permits/${permitId}/decision`, {
    approved: true,
    conditions: '不得遮挡窗户；夜间 22 时后关闭灯光',
  });
  t.is(decided.status, 200);
  await eventually('the permit granted', signId, 'permit_approved');
  const sign = await historyOf(signId);
  t.like(sign, {
    status: 'valid',
    permitNo: 'GG-2026-000001',
    permitEnd: '2027-01-31',
    permitConditions: '不得遮挡窗户；夜间 22 时后关闭灯光',
  });
  t.deepEqual(sign.history.map((h) => h.type).slice(0, 3), [
    'permit_approved',
    'permit_reviewed',
    'permit_applied',
  ]);
  const instance = (await prisma().adPermit.findUniqueOrThrow({ where: { id: permitId } }))
    .processInstanceKey!;
  await s.instanceWaitingAt(instance, 'gw_wait');
  first = { signId, permitId, instance };
});

let renewed: { signId: string; oldInstance: string };

test.serial(
  'a renewal approved before the reminder calls off the old permit’s reminder and removal',
  async (t) => {
    const signId = await newSign('GG-1002', '福寿药房');
    const apply = async (start: string, end: string) => {
      const a = await officer('POST', `/api/ad-signs/${signId}/permits`, {
        requestedStart: start,
        requestedEnd: end,
      });
      t.is(a.status, 201, JSON.stringify(a.body));
      await officer('POST', `/api/ad-permits/${a.body.id}/review`, { passed: true });
      await officer('POST', `/api/ad-permits/${a.body.id}/decision`, { approved: true });
      return a.body as { id: string; renewal: boolean };
    };
    const old = await apply('2026-11-10', '2027-01-31');
    await until('the first permit granted', async () => (await historyOf(signId)).permitNo);
    const oldInstance = (await prisma().adPermit.findUniqueOrThrow({ where: { id: old.id } }))
      .processInstanceKey!;
    await s.instanceWaitingAt(oldInstance, 'gw_wait');
    const next = await apply('2027-02-01', '2028-01-31');
    t.true(next.renewal);
    await eventually('the renewal granted', signId, 'permit_renewed');
    await s.instanceCompleted(oldInstance);
    const sign = await historyOf(signId);
    t.like(sign, { status: 'valid', permitNo: 'GG-2026-000003', permitEnd: '2028-01-31' });
    t.deepEqual(
      sign.permits.map((p) => [p.status, p.permitNo, p.renewal]),
      [
        ['approved', 'GG-2026-000003', true],
        ['ended', 'GG-2026-000002', false],
      ],
    );
    renewed = { signId, oldInstance };
  },
);

test.serial('a failed 审查 refuses the application and ends its procedure', async (t) => {
  const signId = await newSign('GG-1003', '大发烟酒');
  const a = await officer('POST', `/api/ad-signs/${signId}/permits`, {
    requestedStart: '2026-11-10',
    requestedEnd: '2027-11-09',
  });
  const noReason = await officer('POST', `/api/ad-permits/${a.body.id}/review`, { passed: false });
  t.is(noReason.status, 400);
  const refused = await officer('POST', `/api/ad-permits/${a.body.id}/review`, {
    passed: false,
    note: '招牌超出建筑立面，遮挡相邻商铺',
  });
  t.like(refused.body, { status: 'refused', refusalReason: '招牌超出建筑立面，遮挡相邻商铺' });
  const instance = (await prisma().adPermit.findUniqueOrThrow({ where: { id: a.body.id } }))
    .processInstanceKey!;
  await s.instanceCompleted(instance);
  const sign = await historyOf(signId);
  t.is(sign.status, 'unpermitted');
  t.is(sign.history[0]!.note, '审查未通过：招牌超出建筑立面，遮挡相邻商铺');
});

test.serial(
  '30 days before the end a reminder; the day after, without renewal, a removal order',
  async (t) => {
    // The last valid day is 2027-01-31: the reminder at 2027-01-01 09:00, the end at 2027-02-01 00:00.
    await s.clock.pin(at('2027-01-01 08:59'));
    t.falsy((await historyOf(first.signId)).history.find((h) => h.type === 'expiry_reminded'));
    await s.clock.pin(at('2027-01-01 09:01'));
    const reminder = await eventually('the reminder', first.signId, 'expiry_reminded');
    t.is(
      reminder.note,
      '许可证 GG-2026-000001 将于 2027-01-31 到期：请 如意茶社经营者 办理延续许可，否则到期后限期拆除',
    );
    t.is((await historyOf(first.signId)).status, 'expiring');
    await s.instanceWaitingAt(first.instance, 'gw_after');

    await s.clock.pin(at('2027-02-01 00:01'));
    const order = await eventually('the removal order', first.signId, 'removal_ordered');
    t.regex(order.note!, /已于 2027-01-31 到期，未办理延续：责令 如意茶社经营者 限期拆除/);
    await s.instanceCompleted(first.instance);
    const sign = await historyOf(first.signId);
    t.is(sign.status, 'expired');
    t.truthy(sign.removalOrderedAt);
    t.is(sign.permits[0]!.status, 'ended');

    // The renewed sign got neither.
    const other = await historyOf(renewed.signId);
    t.deepEqual(
      other.history.filter((h) => h.type === 'expiry_reminded' || h.type === 'removal_ordered'),
      [],
    );
    t.is(other.status, 'valid');
  },
);
