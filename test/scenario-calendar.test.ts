// domain.md §6 scenarios 6 and 7 end to end through the API of a whole hub (embedded engine over gRPC,
// its clock moved through the 2026 National Day holiday, the workers, a real SMTP server):
// 6. a 4 工作时 case (0102 暴露垃圾) dispatched and signed on 2026-09-30 at 17:20 gets the disposal
//    deadline 2026-10-08 13:50 across the holiday; an approved 延期 to the 调休 Saturday keeps it 按期
//    (no 督办 at the old deadline) and raises 延期率; its 处置时长 counts the 调休 Saturday as working time.
// 7. 挂账 of a 私搭乱建 case: the case leaves 应结案 while suspended; 挂账恢复 resumes it with the deadline
//    moved by the paused working time.
// The tests run in calendar order on one hub (the engine clock only moves forward).
import test from 'ava';
import { createAssessment } from '../src/assessment/index.ts';
import { at, startScenarioHub, until, type Person, type ScenarioHub } from './helpers/scenario-hub.ts';

let s: ScenarioHub;
let point = { lng: 0, lat: 0 };
test.before(async () => {
  s = await startScenarioHub(at('2026-09-30 17:00'));
  const cell = await s.hub.db.prisma.gridCell.findFirstOrThrow({
    where: { street: '城北街道', active: true },
    orderBy: { code: 'asc' },
  });
  point = { lng: (cell.minLng + cell.maxLng) / 2, lat: (cell.minLat + cell.maxLat) / 2 };
});
test.after.always(() => s?.close());

const caseRow = (id: string) => s.hub.db.prisma.case.findUniqueOrThrow({ where: { id } });
const deadlineOf = (caseId: string, step: string, nth: number) =>
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

async function act(person: Person, caseId: string, action: string, body = {}) {
  const res = await s.as(person).post(`/api/cases/${caseId}/actions/${action}`, body);
  if (res.status !== 200) throw new Error(`${person} ${action}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A supervisor's report, accepted by the procedure and registered. */
async function registered(categoryCode: string, description: string, urgency = 'normal') {
  const res = await s.as('field_supervisor').post('/api/cases', {
    source: 'supervisor',
    categoryCode,
    urgency,
    description,
    ...point,
  });
  if (res.status !== 201) throw new Error(`report: ${res.status} ${JSON.stringify(res.body)}`);
  const id = res.body.id as string;
  await until('accepted', async () => (await caseRow(id)).status === 'accepted');
  await act('acceptor', id, 'register');
  // The clock may jump next: 立案's message must have met its wait first (it lives CASE_MESSAGE_TTL_SECONDS).
  await s.waitingAt(id, 'ebg_dispatch');
  return { id, caseNo: res.body.caseNo as string };
}

const assess = (from: string, to: string, asOf: string) =>
  createAssessment({ db: s.hub.db, timezone: 'Asia/Shanghai' }).compute({
    from: at(from),
    to: at(to),
    asOf: at(asOf),
  });

test.serial(
  'scenario 6: the National Day holiday clock, 延期 keeps the case 按期 and raises 延期率',
  async (t) => {
    // Many engine round trips: on the shared, loaded test machine this can take minutes.
    t.timeout(240_000);
    const c = await registered('0102', '国庆前北门路口暴露垃圾');
    await s.clock.pin(at('2026-09-30 17:20'));
    await act('dispatcher', c.id, 'dispatch', { assigneeType: 'department', assigneeId: s.unit.D19 });
    // Sign-for within 1 working hour: 10 minutes are left on 30 September, then 1–7 October are holidays.
    t.like(await deadlineOf(c.id, 'sign', 1), { dueAtLocal: '2026-10-08T09:20:00+08:00' });
    await act('d19_handler', c.id, 'sign');
    // 4 工作时: 10 min on 30 September + 08:30–12:00 (210 min) + 13:30–13:50 (20 min) on 8 October.
    t.like(await deadlineOf(c.id, 'dispose', 1), {
      dueAtLocal: '2026-10-08T13:50:00+08:00',
      warnAt: '2026-10-08T11:32:00+08:00',
    });
    t.like(await caseRow(c.id), { disposeDeadline: at('2026-10-08 13:50') });

    // The department knows it cannot clear it before the holiday ends: 延期 to Saturday 10 October, a
    // 调休 working day, approved by the dispatcher.
    await s.clock.pin(at('2026-09-30 17:25'));
    await act('d19_handler', c.id, 'request-extension', {
      reason: '需调用清运车辆，节后第三个工作日上午完成',
      requestedDeadline: '2026-10-10T12:00:00+08:00',
    });
    await s.waitingAt(c.id, 'extension_decided');
    await s.clock.pin(at('2026-09-30 17:28'));
    await act('dispatcher', c.id, 'decide-extension', { approved: true });
    t.like(await deadlineOf(c.id, 'dispose', 2), { dueAtLocal: '2026-10-10T12:00:00+08:00' });
    t.like(await caseRow(c.id), {
      disposeDeadline: at('2026-10-10 12:00'),
      extensionCount: 1,
      status: 'signed',
    });

    // The old limit passes without 督办.
    await s.clock.pin(at('2026-10-08 14:00'));
    await new Promise((r) => setTimeout(r, 1500));
    t.is(await s.hub.db.prisma.escalation.count({ where: { caseId: c.id } }), 0);
    t.false(s.smtp.mails.some((m) => m.subject.includes(c.caseNo) && m.subject.includes('督办')));

    // Disposed on the 调休 Saturday, before the extended limit; 核查 passes.
    await s.clock.pin(at('2026-10-10 10:00'));
    await act('d19_handler', c.id, 'dispose', { note: '垃圾已清运，地面冲洗' });
    await until('checking', async () => (await caseRow(c.id)).status === 'checking');
    await deadlineOf(c.id, 'check', 1);
    await s.clock.pin(at('2026-10-10 10:30'));
    await act('field_supervisor', c.id, 'check', { result: 'passed' });
    await until('closed', async () => (await caseRow(c.id)).status === 'closed');

    // September's figures (the case was registered on 30 September), as of 11 October.
    const september = await assess('2026-09-01 00:00', '2026-10-01 00:00', '2026-10-11 00:00');
    const d19 = september.departments.find((d) => d.id === s.unit.D19)!;
    for (const figures of [september.city.figures, d19.figures]) {
      t.is(figures.onTimeDisposalRate!.value, 1);
      t.is(figures.onTimeClosureRate!.value, 1);
      t.is(figures.extensionRate!.value, 1);
      t.deepEqual(figures.extensionRate!.numeratorIds, [c.id]);
      // 17:20–17:30 + two full working days (8 and 9 October, 450 min each) + 08:30–10:00 on Saturday.
      t.is(figures.avgHandlingHours!.value, (10 + 450 + 450 + 90) / 60);
    }
    t.is(september.city.figures.overdue!.value, 0);
  },
);

test.serial(
  'scenario 7: 挂账 of 私搭乱建 pauses the clock and leaves 应结案; 挂账恢复 resumes it',
  async (t) => {
    await s.clock.pin(at('2026-10-12 08:50'));
    const c = await registered('0101', '城北新村 12 幢楼顶违章搭建');
    await s.clock.pin(at('2026-10-12 09:00'));
    await act('dispatcher', c.id, 'dispatch', { assigneeType: 'department', assigneeId: s.unit.D06 });
    await deadlineOf(c.id, 'sign', 1);
    await act('department_handler', c.id, 'sign');
    // Demolition within 20 工作日 (9,000 working minutes) from Monday 12 October 09:00.
    t.like(await deadlineOf(c.id, 'dispose', 1), { dueAtLocal: '2026-11-09T09:00:00+08:00' });

    // Tuesday 13 October 09:00: the owner appealed; the department asks 挂账, the dispatcher approves.
    await s.clock.pin(at('2026-10-13 09:00'));
    await act('department_handler', c.id, 'request-suspension', { reason: '当事人申请行政复议，待复议决定' });
    await s.waitingAt(c.id, 'suspension_decided');
    await act('dispatcher', c.id, 'decide-suspension', { approved: true });
    await until('suspended', async () => (await caseRow(c.id)).status === 'suspended');
    await s.waitingAt(c.id, 'rt_resumed');

    // While suspended the case is out of 应结案 (still 立案): October so far, as of the 14th.
    const during = await assess('2026-10-01 00:00', '2026-10-14 00:00', '2026-10-14 00:00');
    t.like(during.city.figures, {
      registered: { value: 1, numeratorIds: [c.id] },
      suspended: { value: 1, numeratorIds: [c.id] },
      shouldClose: { value: 0, numeratorIds: [] },
    });
    t.is(during.city.figures.closureRate!.value, null);

    // Tuesday 20 October 09:00: 挂账恢复. Five working days (13–16 and 19 October) were paused, so the
    // limit moves from 9 to 16 November 09:00.
    await s.clock.pin(at('2026-10-20 09:00'));
    await act('dispatcher', c.id, 'resume', { note: '复议维持原处罚决定' });
    await until('resumed', async () => (await caseRow(c.id)).status === 'signed');
    t.like(await deadlineOf(c.id, 'dispose', 2), { dueAtLocal: '2026-11-16T09:00:00+08:00' });
    t.like(await caseRow(c.id), { disposeDeadline: at('2026-11-16 09:00'), status: 'signed' });
    const after = await assess('2026-10-01 00:00', '2026-10-21 00:00', '2026-10-21 00:00');
    t.like(after.city.figures, {
      suspended: { value: 0 },
      shouldClose: { value: 1, numeratorIds: [c.id] },
      closureRate: { value: 0 },
    });
  },
);
