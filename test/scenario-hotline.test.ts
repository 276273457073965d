// domain.md §6 scenario 1, end to end through the API of a whole hub (embedded engine over gRPC with its
// clock moved through the evening, the workers, a real SMTP server): a 12319 hotline report of a burst
// water main (0402 自来水管破裂, 紧急) on Friday 16:50 is verified within the hour, registered and sent
// to the water company. Its natural-hour disposal clock runs out in the evening: 催办 at 80 %, then the
// 督办 inbox item and mail for the shift leaders. The company asks 回退 (a private compound's pipe), the
// dispatcher approves and sends the case to the street (城北街道), which disposes of it; 核查 passes,
// the case closes and the caller is satisfied. The assessment then says who owns the overdue, that 回退
// is not 返工, and the 处置时长 in working hours.
import test from 'ava';
import { createAssessment } from '../src/assessment/index.ts';
import {
  at,
  MAIL,
  mailsMatching,
  startScenarioHub,
  until,
  type ScenarioHub,
} from './helpers/scenario-hub.ts';

let s: ScenarioHub;
test.before(async () => {
  s = await startScenarioHub(at('2026-10-16 16:50'));
});
test.after.always(() => s?.close());

const caseRow = (id: string) => s.hub.db.prisma.case.findUniqueOrThrow({ where: { id } });
const types = async (caseId: string) =>
  (
    await s.hub.db.prisma.caseEvent.findMany({ where: { caseId }, orderBy: [{ at: 'asc' }, { id: 'asc' }] })
  ).map((e) => (e.type === 'deadline_set' ? `deadline_set:${(e.data as { step: string }).step}` : e.type));
const deadlineOf = async (caseId: string, step: string, nth: number) =>
  until(`${step} deadline #${nth}`, async () => {
    const all = (
      await s.hub.db.prisma.caseEvent.findMany({
        where: { caseId, type: 'deadline_set' },
        orderBy: [{ at: 'asc' }, { id: 'asc' }],
      })
    )
      .map((e) => e.data as { step: string; dueAtLocal: string; warnAt: string })
      .filter((d) => d.step === step);
    return all[nth - 1];
  });
const mails = (subject: RegExp) => s.smtp.mails.filter((m) => subject.test(m.subject));

/** Calls an action route and expects 200. */
async function act(person: Parameters<ScenarioHub['as']>[0], caseId: string, action: string, body = {}) {
  const res = await s.as(person).post(`/api/cases/${caseId}/actions/${action}`, body);
  if (res.status !== 200) throw new Error(`${person} ${action}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

test('scenario 1: hotline burst main → water company overdue → 督办 → 回退 → 街道 → 结案 → 回访', async (t) => {
  // Many engine round trips: on the shared, loaded test machine this can take minutes.
  t.timeout(240_000);
  const cell = await s.hub.db.prisma.gridCell.findFirstOrThrow({
    where: { street: '城北街道', active: true },
    orderBy: { code: 'asc' },
  });
  // Friday 16:50: the hotline operator registers the call through the API (the hotline as a plain source).
  const reported = await s.as('acceptor').post('/api/cases', {
    source: 'hotline',
    sourceRef: '12319-20261016-0042',
    categoryCode: '0402',
    urgency: 'urgent',
    description: '北门路小区门口自来水管破裂，水漫路面',
    address: '如皋市北门路 88 号',
    lng: (cell.minLng + cell.maxLng) / 2,
    lat: (cell.minLat + cell.maxLat) / 2,
    reporterName: '王先生',
    reporterPhone: '13800000000',
  });
  t.is(reported.status, 201, JSON.stringify(reported.body));
  const { id, caseNo } = reported.body as { id: string; caseNo: string };

  // 核实 within one natural hour by the grid's supervisor.
  await until('verifying', async () => (await caseRow(id)).status === 'verifying');
  t.like(await deadlineOf(id, 'verify', 1), { dueAtLocal: '2026-10-16T17:50:00+08:00' });
  await s.clock.pin(at('2026-10-16 17:05'));
  await act('field_supervisor', id, 'verify', { result: 'confirmed', note: '现场确认，水流较大' });
  await until('accepted', async () => (await caseRow(id)).status === 'accepted');
  await s.clock.pin(at('2026-10-16 17:06'));
  await act('shift_leader', id, 'register');
  await s.clock.pin(at('2026-10-16 17:08'));
  await act('dispatcher', id, 'dispatch', { assigneeType: 'department', assigneeId: s.unit['U-WATER'] });
  t.like(await deadlineOf(id, 'sign', 1), { dueAtLocal: '2026-10-16T17:38:00+08:00' });
  await s.clock.pin(at('2026-10-16 17:10'));
  await act('water_handler', id, 'sign');
  // Emergencies run on natural hours: 4 h from 17:10, warned at 80 % (3 h 12 min).
  t.like(await deadlineOf(id, 'dispose', 1), {
    dueAtLocal: '2026-10-16T21:10:00+08:00',
    warnAt: '2026-10-16T20:22:00+08:00',
  });

  // 20:22: the clock turns yellow — 催办 to the water company.
  await s.clock.pin(at('2026-10-16 20:22'));
  const [warning] = await mailsMatching(s, /处置即将超时/);
  t.deepEqual(warning!.to, [MAIL.water]);
  t.is(warning!.from, 'hub@rugao.test');
  t.is(warning!.subject, `【催办】${caseNo} 自来水管破裂：处置即将超时`);
  t.true(warning!.text.startsWith('如皋市供水公司：'));
  t.true(warning!.text.includes('处置时限：2026-10-16T21:10:00+08:00'));
  t.true(warning!.text.includes('问题描述：北门路小区门口自来水管破裂，水漫路面'));
  t.true(warning!.text.includes(`办理：https://hub.rugao.test/cases/${id}`));

  // 21:10: red — automatic 督办: the shift leaders' inbox item and mail.
  await s.clock.pin(at('2026-10-16 21:10'));
  const [supervise] = await mailsMatching(s, /【督办】/);
  t.deepEqual(supervise!.to, [MAIL.shift_leader]);
  t.is(supervise!.subject, `【督办】${caseNo} 自来水管破裂：处置超时，请值班长处理（第1级）`);
  t.true(supervise!.text.includes('处置已超过时限 2026-10-16T21:10:00+08:00'));
  const inbox = (await s.as('shift_leader').get('/api/inbox')).body.items;
  t.like(inbox, [
    {
      stage: 'dispose',
      level: 1,
      deadline: '2026-10-16T21:10:00+08:00',
      assignee: { id: s.unit['U-WATER'], name: '如皋市供水公司' },
      case: { id, caseNo, status: 'signed', urgency: 'urgent', categoryName: '自来水管破裂' },
    },
  ]);
  t.true(supervise!.text.includes(`https://hub.rugao.test/inbox/${inbox[0].id}`));

  // The company: the burst pipe is inside a private compound, not its main — 回退, approved.
  await s.clock.pin(at('2026-10-16 21:15'));
  await act('water_handler', id, 'request-return', {
    reason: '破裂管道位于小区内部（私人管网），非市政供水管',
  });
  // Before each jump of the clock the message just published has met its wait (it lives 5 minutes).
  await s.waitingAt(id, 'return_decided');
  await s.clock.pin(at('2026-10-16 21:20'));
  await act('dispatcher', id, 'decide-return', { approved: true, reason: '转属地街道处理' });
  await until('back to dispatch', async () => (await caseRow(id)).status === 'registered');
  await s.waitingAt(id, 'ebg_dispatch');
  t.like(await s.hub.db.prisma.escalation.findUniqueOrThrow({ where: { id: inbox[0].id } }), {
    status: 'superseded',
  });
  t.deepEqual((await s.as('shift_leader').get('/api/inbox')).body.items, []);
  const late = await s.as('shift_leader').post(`/api/inbox/${inbox[0].id}/decide`, { decision: 'urge' });
  t.is(late.status, 409);
  t.is(
    late.body.detail,
    `cannot decide inbox item ${inbox[0].id}: it is closed: the department acted first (superseded)`,
  );

  // The dispatcher sends it to the street sub-centre; it signs and disposes of it.
  await s.clock.pin(at('2026-10-16 21:25'));
  await act('dispatcher', id, 'dispatch', { assigneeType: 'subcenter', assigneeId: s.unit.S01 });
  t.like(await deadlineOf(id, 'sign', 2), { dueAtLocal: '2026-10-16T21:55:00+08:00' });
  await s.clock.pin(at('2026-10-16 21:30'));
  await act('chengbei_handler', id, 'sign');
  t.like(await deadlineOf(id, 'dispose', 2), { dueAtLocal: '2026-10-17T01:30:00+08:00' });
  await s.clock.pin(at('2026-10-16 23:00'));
  await act('chengbei_handler', id, 'dispose', { note: '关闭小区总阀，更换破裂管段，路面积水已清' });
  await until('checking', async () => (await caseRow(id)).status === 'checking');
  await deadlineOf(id, 'check', 1);
  await s.clock.pin(at('2026-10-16 23:20'));
  await act('field_supervisor', id, 'check', { result: 'passed', note: '已恢复供水，路面无积水' });
  await until('closed', async () => (await caseRow(id)).status === 'closed');

  // 回访: the hotline is asked to call back; the caller is satisfied.
  await until('callback request', () =>
    s.hub.db.prisma.outboxMessage.findFirst({ where: { caseId: id, adapter: 'hotline', kind: 'callback' } }),
  );
  await s.clock.pin(at('2026-10-16 23:30'));
  await act('acceptor', id, 'callback', { satisfaction: 'satisfied' });
  await until('callback recorded', async () => (await caseRow(id)).callbackSatisfied === true);
  await s.completed(id);

  // The water company's undecided item would have risen to the leaders at 09:30 on Monday (one working
  // hour after 21:10 on Friday); the 回退 cancelled it, so nothing rises.
  await s.clock.pin(at('2026-10-19 10:00'));
  await new Promise((r) => setTimeout(r, 1500));
  t.is(mails(/第2级/).length, 0);
  t.like(await caseRow(id), {
    status: 'closed',
    departmentId: s.unit.S01,
    dispatchCount: 2,
    returnCount: 1,
    reworkCount: 0,
    closedAt: at('2026-10-16 23:20'),
    callbackAt: at('2026-10-16 23:30'),
  });
  t.deepEqual(await types(id), [
    'reported',
    'accepted',
    'verify_requested',
    'deadline_set:verify',
    'verified',
    'registered',
    'dispatched',
    'deadline_set:sign',
    'signed',
    'deadline_set:dispose',
    'urged',
    'escalated',
    'return_requested',
    'returned',
    'dispatched',
    'deadline_set:sign',
    'signed',
    'deadline_set:dispose',
    'disposed',
    'check_requested',
    'deadline_set:check',
    'check_passed',
    'closed',
    'callback',
  ]);

  // The month's figures: computed by src/assessment; the expected values are worked out here.
  const october = await createAssessment({ db: s.hub.db, timezone: 'Asia/Shanghai' }).compute({
    from: at('2026-10-01 00:00'),
    to: at('2026-11-01 00:00'),
  });
  const dept = (code: string) => october.departments.find((d) => d.id === s.unit[code])!;
  // The overdue belongs to the water company, whose round's limit (21:10) passed while it held the case.
  t.deepEqual(dept('U-WATER').figures.overdue!.numeratorIds, [id]);
  t.deepEqual(dept('S01').figures.overdue!.numeratorIds, []);
  // 回退 is not 返工: no failed 核查, 返工率 0; it is a wrong dispatch (准确派遣率 0).
  t.is(october.city.figures.reworkRate!.value, 0);
  t.is(october.city.figures.accurateDispatchRate!.value, 0);
  t.is(october.city.figures.closureRate!.value, 1);
  // 处置时长 in working hours: the units held the case 17:08–17:30 on Friday (22 working minutes;
  // the shift ends at 17:30) and 21:25–23:00 (outside working hours): 22 min.
  t.is(october.city.figures.avgHandlingHours!.value, 22 / 60);
});
