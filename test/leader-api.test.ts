// 领导通 through a whole hub (embedded engine with its clock moved, the workers, real HTTP, a real SMTP
// server), on SQLite or PostgreSQL (HUB_TEST_DB): today's 处置率, 结案率 and 平均处置时长 against the targets
// (the assessment's own computation), the overdue and escalated cases, the map's open cases, and a 批示
// that reaches the unit holding the case (timeline, list, mail) and is acknowledged once.
import test from 'ava';
import { createAssessment } from '../src/assessment/index.ts';
import {
  at,
  mailsMatching,
  startScenarioHub,
  until,
  type Person,
  type ScenarioHub,
} from './helpers/scenario-hub.ts';

let s: ScenarioHub;
let cells: { lng: number; lat: number }[] = [];
test.before(async () => {
  s = await startScenarioHub(at('2026-10-12 09:00'));
  cells = (
    await s.hub.db.prisma.gridCell.findMany({
      where: { active: true, supervisorUserId: { not: null } },
      orderBy: { code: 'asc' },
      take: 2,
    })
  ).map((c) => ({ lng: (c.minLng + c.maxLng) / 2, lat: (c.minLat + c.maxLat) / 2 }));
});
test.after.always(() => s?.close());

const caseRow = (id: string) => s.hub.db.prisma.case.findUniqueOrThrow({ where: { id } });
async function ok(person: Person, caseId: string, action: string, body = {}) {
  const res = await s.as(person).post(`/api/cases/${caseId}/actions/${action}`, body);
  if (res.status !== 200) throw new Error(`${person} ${action}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
async function dispatched(description: string, unit: string) {
  const res = await s.as('field_supervisor').post('/api/cases', {
    source: 'supervisor',
    categoryCode: '0101',
    description,
    ...cells.shift()!,
  });
  if (res.status !== 201) throw new Error(`report: ${res.status} ${JSON.stringify(res.body)}`);
  const id = res.body.id as string;
  await until('accepted', async () => (await caseRow(id)).status === 'accepted');
  await ok('acceptor', id, 'register');
  await s.waitingAt(id, 'ebg_dispatch');
  await ok('dispatcher', id, 'dispatch', { assigneeType: 'department', assigneeId: s.unit[unit] });
  await s.waitingAt(id, 's1_wait');
  return { id, caseNo: res.body.caseNo as string };
}

let closed = { id: '', caseNo: '' };
let open = { id: '', caseNo: '' };

test.serial('targets: defaults 99 %, 98 %, 11.70 h; a leader changes them; others may not', async (t) => {
  t.deepEqual((await s.as('leader').get('/api/leader/targets')).body, {
    disposalRate: 0.99,
    closureRate: 0.98,
    avgHandlingHours: 11.7,
  });
  const bad = await s
    .as('leader')
    .put('/api/leader/targets', { disposalRate: 1.5, closureRate: 0.9, avgHandlingHours: 8 });
  t.is(bad.status, 400);
  t.is(bad.body.errors[0].field, 'body.disposalRate');
  t.is(
    (
      await s
        .as('department_handler')
        .put('/api/leader/targets', { disposalRate: 0.9, closureRate: 0.9, avgHandlingHours: 8 })
    ).status,
    403,
  );
  const put = await s
    .as('leader')
    .put('/api/leader/targets', { disposalRate: 0.95, closureRate: 0.9, avgHandlingHours: 8 });
  t.is(put.status, 200);
  t.deepEqual((await s.as('leader').get('/api/leader/targets')).body, {
    disposalRate: 0.95,
    closureRate: 0.9,
    avgHandlingHours: 8,
  });
});

test.serial(
  'today’s figures against the targets, overdue and escalated cases, the open cases on the map',
  async (t) => {
    // One case disposed 30 working minutes after dispatch and closed; one left with the water company.
    closed = await dispatched('违章搭建雨棚', 'D06');
    await s.clock.add(30 * 60_000);
    await ok('department_handler', closed.id, 'sign');
    await ok('department_handler', closed.id, 'dispose', { note: '已拆除' });
    await until('checking', async () => (await caseRow(closed.id)).status === 'checking');
    await s.waitingAt(closed.id, 'rt_check');
    await ok('field_supervisor', closed.id, 'check', { result: 'passed' });
    await until('closed', async () => (await caseRow(closed.id)).status === 'closed');
    open = await dispatched('违章搭建围墙', 'U-WATER');
    // The afternoon: the water company never signed; the sign-for limit passed and 督办 opened an inbox item.
    await s.clock.pin(at('2026-10-12 15:00'));
    await until('督办 item', async () =>
      s.hub.db.prisma.escalation.findFirst({ where: { caseId: open.id, status: 'open' } }),
    );

    const res = await s.as('leader').get('/api/leader/dashboard');
    t.is(res.status, 200, JSON.stringify(res.body));
    const d = res.body;
    t.deepEqual(d.period, {
      kind: 'day',
      from: at('2026-10-12 00:00').toISOString(),
      asOf: at('2026-10-12 15:00').toISOString(),
    });
    t.deepEqual(d.figures, [
      { key: 'disposalRate', label: '处置率', value: 0.5, target: 0.95, met: false, unit: 'rate', cases: 2 },
      { key: 'closureRate', label: '结案率', value: 0.5, target: 0.9, met: false, unit: 'rate', cases: 2 },
      {
        key: 'avgHandlingHours',
        label: '平均处置时长',
        value: 0.5,
        target: 8,
        met: true,
        unit: 'hours',
        cases: 1,
      },
    ]);
    // The same figures as the assessment computes for the same window.
    const city = (
      await createAssessment({ db: s.hub.db, timezone: 'Asia/Shanghai' }).compute({
        from: at('2026-10-12 00:00'),
        to: at('2026-10-12 15:00'),
        asOf: at('2026-10-12 15:00'),
      })
    ).city.figures;
    t.deepEqual(
      d.figures.map((f: { value: number }) => f.value),
      [city.disposalRate!.value, city.closureRate!.value, city.avgHandlingHours!.value],
    );
    t.is(d.registered, 2);
    t.is(d.overdueCount, 1);
    t.like(d.overdue[0], {
      id: open.id,
      caseNo: open.caseNo,
      status: 'dispatched',
      statusLabel: '已派遣',
      categoryName: '私搭乱建',
      departmentName: '如皋市供水公司',
    });
    t.is(d.escalatedCount, 1);
    t.like(d.escalated[0], { id: open.id, escalationLevel: 1 });
    t.deepEqual(
      d.openCases.map((p: { id: string; statusLabel: string; overdue: boolean }) => [
        p.id,
        p.statusLabel,
        p.overdue,
      ]),
      [[open.id, '已派遣', true]],
    );
    t.is((await s.as('department_handler').get('/api/leader/dashboard')).status, 403);
    t.is((await s.as('leader').get('/api/leader/dashboard?period=month')).body.registered, 2);
  },
);

test.serial(
  '批示: on the timeline, sent to the unit holding the case (list and mail), acknowledged once',
  async (t) => {
    const text = '请供水公司立即签收，今日内处置完毕并报告';
    const sent = await s.as('leader').post(`/api/cases/${open.id}/instructions`, { text });
    t.is(sent.status, 201, JSON.stringify(sent.body));
    t.like(sent.body, {
      caseId: open.id,
      caseNo: open.caseNo,
      text,
      authorName: '领导',
      departmentId: s.unit['U-WATER'],
      departmentName: '如皋市供水公司',
      mailed: true,
      acknowledgedAt: null,
    });
    const mail = (await mailsMatching(s, /领导批示/, 'water-dispatch@example.com'))[0]!;
    t.is(mail.subject, `【领导批示】${open.caseNo}`);
    t.true(mail.text.includes(text));
    t.is((await s.as('dispatcher').post(`/api/cases/${open.id}/instructions`, { text })).status, 403);
    t.is((await s.as('leader').post(`/api/cases/${open.id}/instructions`, { text: ' ' })).status, 400);

    // The water company's handler sees it in its list and on the case's timeline; other units do not.
    const list = await s.as('water_handler').get('/api/instructions');
    t.deepEqual(
      list.body.items.map((i: { id: string }) => i.id),
      [sent.body.id],
    );
    t.deepEqual((await s.as('department_handler').get('/api/instructions')).body.items, []);
    const view = await s.as('water_handler').get(`/api/cases/${open.id}`);
    t.like(view.body.timeline.at(-1), { type: 'instruction', actorName: '领导', note: text });

    t.is(
      (await s.as('department_handler').post(`/api/instructions/${sent.body.id}/acknowledge`, {})).status,
      403,
    );
    const ack = await s
      .as('water_handler')
      .post(`/api/instructions/${sent.body.id}/acknowledge`, { note: '已安排抢修队' });
    t.is(ack.status, 200, JSON.stringify(ack.body));
    t.like(ack.body, { acknowledgedByName: '供水公司处置员', acknowledgeNote: '已安排抢修队' });
    t.is((await s.as('water_handler').post(`/api/instructions/${sent.body.id}/acknowledge`, {})).status, 409);
    const events = await s.hub.db.prisma.caseEvent.findMany({
      where: { caseId: open.id, type: { in: ['instruction', 'instruction_acknowledged'] } },
      orderBy: [{ at: 'asc' }, { id: 'asc' }],
    });
    t.deepEqual(
      events.map((e) => [e.type, e.actorName, e.note]),
      [
        ['instruction', '领导', text],
        ['instruction_acknowledged', '供水公司处置员', '已安排抢修队'],
      ],
    );
    t.deepEqual((await s.as('water_handler').get('/api/instructions')).body.items, []);
    t.is(
      (await s.as('leader').get('/api/instructions?status=acknowledged')).body.items[0].acknowledgedByName,
      '供水公司处置员',
    );

    // A closed case: still the unit that held it.
    const late = await s.as('leader').post(`/api/cases/${closed.id}/instructions`, { text: '总结经验' });
    t.like(late.body, { departmentId: s.unit.D06 });
  },
);
