// The 督办 inbox API over a whole hub: embedded engine (clock control) over gRPC, workers, demo data, a
// real SMTP server. A sign-for stage runs past its limit; the shift leader's inbox shows the item; claim,
// release and decide behave as src/escalations/README.md says; an undecided item rises to the leader,
// who reassigns it from the inbox.
import test from 'ava';
import { CURSOR_LAG_MS } from '../src/escalations/routes.ts';
import {
  at,
  MAIL,
  mailsMatching,
  startScenarioHub,
  until,
  type ScenarioHub,
} from './helpers/scenario-hub.ts';

let s: ScenarioHub;
/** Wednesday 2026-11-25 09:00, a working day. */
const START = at('2026-11-25 09:00');
const D19_MAIL = 'd19@rugao.test';
let point = { lng: 0, lat: 0 };
/** A point in another cell: a report in the same cell and category within 30 min is merged as a duplicate. */
let elsewhere = { lng: 0, lat: 0 };

test.before(async () => {
  s = await startScenarioHub(START);
  await s.hub.db.prisma.department.update({ where: { code: 'D19' }, data: { contactEmail: D19_MAIL } });
  const cell = await s.hub.db.prisma.gridCell.findFirstOrThrow({
    where: { street: '城北街道', active: true },
    orderBy: { code: 'asc' },
  });
  point = { lng: (cell.minLng + cell.maxLng) / 2, lat: (cell.minLat + cell.maxLat) / 2 };
  const other = await s.hub.db.prisma.gridCell.findFirstOrThrow({
    where: { street: '城北街道', active: true, code: { gt: cell.code } },
    orderBy: { code: 'asc' },
  });
  elsewhere = { lng: (other.minLng + other.maxLng) / 2, lat: (other.minLat + other.maxLat) / 2 };
});
test.after.always(() => s?.close());

const caseRow = (id: string) => s.hub.db.prisma.case.findUniqueOrThrow({ where: { id } });
const mailsTo = (address: string, subject: RegExp) =>
  s.smtp.mails.filter((m) => m.to.includes(address) && subject.test(m.subject));
const deadlines = async (caseId: string, step: string) =>
  (
    await s.hub.db.prisma.caseEvent.findMany({
      where: { caseId, type: 'deadline_set' },
      orderBy: { at: 'asc' },
    })
  )
    .map((e) => e.data as { step: string; dueAtLocal: string })
    .filter((d) => d.step === step)
    .map((d) => d.dueAtLocal);

/** 暴露垃圾 reported by the supervisor, 立案, dispatched to 环境卫生管理处 (sign-for within 1 working hour). */
async function dispatchedCase(description: string, where = point) {
  const reported = await s.as('field_supervisor').post('/api/cases', {
    source: 'supervisor',
    categoryCode: '0102',
    description,
    ...where,
  });
  if (reported.status !== 201) throw new Error(`report: ${reported.status} ${JSON.stringify(reported.body)}`);
  const id: string = reported.body.id;
  await until('accepted', async () => (await caseRow(id)).status === 'accepted');
  const registered = await s.as('acceptor').post(`/api/cases/${id}/actions/register`);
  if (registered.status !== 200) throw new Error(`register: ${JSON.stringify(registered.body)}`);
  const dispatched = await s.as('dispatcher').post(`/api/cases/${id}/actions/dispatch`, {
    assigneeType: 'department',
    assigneeId: s.unit.D19,
  });
  if (dispatched.status !== 200) throw new Error(`dispatch: ${JSON.stringify(dispatched.body)}`);
  await until('sign deadline', async () => (await deadlines(id, 'sign')).length === 1);
  return { id, caseNo: reported.body.caseNo as string };
}

test.serial(
  'an overdue sign-for: inbox item for the shift leaders, claim, release, decide 延期',
  async (t) => {
    // Many engine round trips: on the shared, loaded test machine this can take minutes.
    t.timeout(240_000);
    const c = await dispatchedCase('北门路口暴露垃圾');
    t.deepEqual(await deadlines(c.id, 'sign'), ['2026-11-25T10:00:00+08:00']);
    const { cursor: before } = (await s.as('shift_leader').get('/api/inbox')).body;

    await s.clock.add(48 * 60_000); // 09:48: 80 % of the hour → 催办 to the department
    const [warning] = await mailsMatching(s, /签收即将超时/, D19_MAIL);
    t.is(warning!.subject, `【催办】${c.caseNo} 暴露垃圾：签收即将超时`);
    t.is((await s.as('shift_leader').get('/api/inbox')).body.items.length, 0);

    await s.clock.add(12 * 60_000); // 10:00: the limit
    const [mail] = await mailsMatching(s, /督办/, MAIL.shift_leader);
    t.deepEqual(mail!.to, [MAIL.shift_leader]);
    t.is(mail!.subject, `【督办】${c.caseNo} 暴露垃圾：签收超时，请值班长处理（第1级）`);

    const list = await s.as('shift_leader').get('/api/inbox');
    t.is(list.status, 200);
    t.is(list.body.items.length, 1);
    const item = list.body.items[0];
    t.true(mail!.text.includes(`https://hub.rugao.test/inbox/${item.id}`));
    t.like(item, {
      status: 'open',
      stage: 'sign',
      stageLabel: '签收',
      level: 1,
      levelLabel: '值班长',
      deadline: '2026-11-25T10:00:00+08:00',
      overdueWorkingMinutes: 0,
      decisionDueAt: '2026-11-25T11:00:00+08:00',
      remainingWorkingMinutes: 60,
      assignee: { type: 'department', id: s.unit.D19, name: '环境卫生管理处' },
      claimedBy: null,
      case: { id: c.id, caseNo: c.caseNo, status: 'dispatched', categoryName: '暴露垃圾', urgency: 'normal' },
    });
    // The leader decides at level 2 only; the administrator sees every level.
    t.is((await s.as('leader').get('/api/inbox')).body.items.length, 0);
    t.is((await s.as('administrator').get('/api/inbox')).body.items[0].id, item.id);
    t.is((await s.as('leader').get(`/api/inbox/${item.id}`)).status, 403);

    // The change feed reports the new item once.
    await new Promise((r) => setTimeout(r, CURSOR_LAG_MS + 200));
    const feed = await s.as('shift_leader').get(`/api/inbox/events?since=${before}`);
    t.deepEqual(
      feed.body.items.map((i: { id: string }) => i.id),
      [item.id],
    );
    const again = await s.as('shift_leader').get(`/api/inbox/events?since=${feed.body.cursor}`);
    t.deepEqual(again.body.items, []);
    t.is((await s.as('shift_leader').get('/api/inbox/events?since=nonsense')).status, 400);

    // One holder at a time.
    const claimed = await s.as('shift_leader').post(`/api/inbox/${item.id}/claim`);
    t.is(claimed.status, 200);
    t.deepEqual(claimed.body.claimedBy, { id: s.userId.shift_leader, name: '值班长' });
    t.is((await s.as('shift_leader').post(`/api/inbox/${item.id}/claim`)).status, 200);
    // The claim is a change the others' feed reports (so their lists show who holds the item).
    await new Promise((r) => setTimeout(r, CURSOR_LAG_MS + 200));
    const claimFeed = await s.as('administrator').get(`/api/inbox/events?since=${again.body.cursor}`);
    t.like(claimFeed.body.items, [{ id: item.id, claimedBy: { id: s.userId.shift_leader } }]);
    const taken = await s.as('administrator').post(`/api/inbox/${item.id}/claim`);
    t.is(taken.status, 409);
    t.is(taken.body.detail, `inbox item ${item.id} is claimed by 值班长`);
    t.deepEqual(taken.body.claimedBy, { id: s.userId.shift_leader, name: '值班长' });
    const blocked = await s.as('administrator').post(`/api/inbox/${item.id}/decide`, { decision: 'urge' });
    t.is(blocked.status, 409);
    t.is((await s.as('shift_leader').post(`/api/inbox/${item.id}/release`)).body.claimedBy, null);
    t.is((await s.as('administrator').post(`/api/inbox/${item.id}/claim`)).status, 200);
    t.is((await s.as('administrator').post(`/api/inbox/${item.id}/release`)).status, 200);

    // Bad decisions name the problem and change nothing.
    const past = await s.as('shift_leader').post(`/api/inbox/${item.id}/decide`, {
      decision: 'extend',
      newDeadline: '2026-11-25T09:30:00+08:00',
    });
    t.is(past.status, 400);
    t.is(past.body.errors[0].field, 'body.newDeadline');
    const evening = await s.as('shift_leader').post(`/api/inbox/${item.id}/decide`, {
      decision: 'extend',
      newDeadline: '2026-11-25T20:00:00+08:00',
    });
    t.is(evening.status, 400);
    t.is(evening.body.detail, 'the new deadline is outside working hours');
    t.is(
      (await s.as('shift_leader').post(`/api/inbox/${item.id}/decide`, { decision: 'void', voidReason: ' ' }))
        .status,
      400,
    );
    const nowhere = await s.as('shift_leader').post(`/api/inbox/${item.id}/decide`, {
      decision: 'reassign',
      assigneeType: 'department',
      assigneeId: 'no-such-unit',
    });
    t.is(nowhere.status, 400);
    t.is(nowhere.body.errors[0].field, 'body.assigneeId');
    t.like(await s.hub.db.prisma.escalation.findUniqueOrThrow({ where: { id: item.id } }), {
      status: 'open',
      decision: null,
    });

    // 延期 to 15:00: recorded on the item and the case, then the procedure recomputes the sign-for limit.
    const decided = await s.as('shift_leader').post(`/api/inbox/${item.id}/decide`, {
      decision: 'extend',
      newDeadline: '2026-11-25T15:00:00+08:00',
      note: '道路施工，车辆绕行',
    });
    t.is(decided.status, 200, JSON.stringify(decided.body));
    t.like(decided.body, {
      status: 'decided',
      decision: 'extend',
      decisionNote: '道路施工，车辆绕行',
      decidedBy: { id: s.userId.shift_leader, name: '值班长' },
      decidedAt: '2026-11-25T10:00:00+08:00',
    });
    t.like(await caseRow(c.id), {
      status: 'dispatched',
      extensionCount: 1,
      signDeadline: new Date('2026-11-25T15:00:00+08:00'),
    });
    const event = await s.hub.db.prisma.caseEvent.findFirstOrThrow({
      where: { caseId: c.id, type: 'extension_approved' },
    });
    t.like(event, { actorName: '值班长', actorUserId: s.userId.shift_leader, note: '道路施工，车辆绕行' });
    const message = await s.hub.db.prisma.outboxMessage.findFirstOrThrow({
      where: { caseId: c.id, adapter: 'engine', kind: 'escalation.decided' },
    });
    t.deepEqual(message.payload, {
      name: 'escalation.decided',
      correlationKey: c.id,
      messageId: `${c.id}:escalation.decided:${event.id}`,
      variables: {
        escalationDecision: 'extend',
        decidedBy: s.userId.shift_leader,
        newDeadline: '2026-11-25T15:00:00+08:00',
      },
    });
    t.is(message.status, 'delivered');
    await until('new sign deadline', async () => (await deadlines(c.id, 'sign')).length === 2);
    t.deepEqual(await deadlines(c.id, 'sign'), ['2026-11-25T10:00:00+08:00', '2026-11-25T15:00:00+08:00']);
    const again409 = await s.as('shift_leader').post(`/api/inbox/${item.id}/decide`, { decision: 'urge' });
    t.is(again409.status, 409);
    t.is(
      again409.body.detail,
      `cannot decide inbox item ${item.id}: it is already decided (extend by 值班长)`,
    );
    t.is((await s.as('shift_leader').get('/api/inbox')).body.items.length, 0);
    t.is((await s.as('shift_leader').get('/api/inbox?status=decided')).body.items[0].id, item.id);

    // Nobody decides the second overdue in time: the leader gets it and reassigns it.
    await s.clock.pin(at('2026-11-25 15:00'));
    const second = await until('second item', async () => {
      const open = (await s.as('shift_leader').get('/api/inbox')).body.items;
      return open.length === 1 && open[0];
    });
    t.not(second.id, item.id);
    const cursor = (await s.as('shift_leader').get('/api/inbox')).body.cursor;
    await s.clock.add(60 * 60_000); // 16:00: the shift leaders' hour to decide is over
    const [raised] = await mailsMatching(s, /第2级/, MAIL.leader);
    t.deepEqual(raised!.to, [MAIL.leader]);
    t.is(raised!.subject, `【督办】${c.caseNo} 暴露垃圾：签收超时，请领导处理（第2级）`);
    await until(
      'level 2',
      async () =>
        (await s.hub.db.prisma.escalation.findUniqueOrThrow({ where: { id: second.id } })).level === 2,
    );
    t.is((await s.as('shift_leader').get('/api/inbox')).body.items.length, 0);
    const leaders = (await s.as('leader').get('/api/inbox')).body.items;
    t.like(leaders, [
      { id: second.id, level: 2, levelLabel: '领导', decisionDueAt: '2026-11-25T17:00:00+08:00' },
    ]);
    // The shift leaders' feed tells them once that the item left their level.
    await new Promise((r) => setTimeout(r, CURSOR_LAG_MS + 200));
    const moved = (await s.as('shift_leader').get(`/api/inbox/events?since=${cursor}`)).body.items;
    // (the first item's decision may show up too: it happened less than CURSOR_LAG_MS before `cursor`)
    t.like(
      moved.find((i: { id: string }) => i.id === second.id),
      { level: 2, status: 'open' },
    );

    t.is(
      (await s.as('shift_leader').post(`/api/inbox/${second.id}/decide`, { decision: 'urge' })).status,
      403,
    );
    const reassigned = await s.as('leader').post(`/api/inbox/${second.id}/decide`, {
      decision: 'reassign',
      assigneeType: 'department',
      assigneeId: s.unit.D05,
      note: '改由城市管理局处置',
    });
    t.is(reassigned.status, 200, JSON.stringify(reassigned.body));
    await until('reassigned round', async () => (await caseRow(c.id)).dispatchCount === 2);
    t.like(await caseRow(c.id), {
      status: 'dispatched',
      departmentId: s.unit.D05,
      escalationLevel: 2,
      reworkCount: 0,
    });
    await until('third sign deadline', async () => (await deadlines(c.id, 'sign')).length === 3);
    const reassignEvent = await s.hub.db.prisma.caseEvent.findFirstOrThrow({
      where: { caseId: c.id, type: 'reassigned' },
    });
    t.like(reassignEvent, { actorName: '领导', departmentId: s.unit.D05, note: '改由城市管理局处置' });
    t.is(await s.hub.db.prisma.caseEvent.count({ where: { caseId: c.id, type: 'reassigned' } }), 1);
    t.is(await s.hub.db.prisma.outboxMessage.count({ where: { caseId: c.id, adapter: 'department' } }), 2);
  },
);

test.serial('most urgent first; two decisions at once: exactly one wins', async (t) => {
  await s.clock.pin(at('2026-11-26 09:00'));
  const c = await dispatchedCase('东门暴露垃圾');
  await s.clock.pin(at('2026-11-26 09:20'));
  const later = await dispatchedCase('南门暴露垃圾', elsewhere);
  const itemOf = (caseId: string) =>
    until(`item of ${caseId}`, async () => {
      const open = (await s.as('administrator').get(`/api/inbox?caseId=${caseId}`)).body.items;
      return open.length === 1 && open[0];
    });
  await s.clock.pin(at('2026-11-26 10:00')); // the first limit
  const item = await itemOf(c.id);
  await s.clock.pin(at('2026-11-26 10:20')); // the second
  const laterItem = await itemOf(later.id);
  const mine = (await s.as('shift_leader').get('/api/inbox')).body.items.filter((i: { id: string }) =>
    [item.id, laterItem.id].includes(i.id),
  );
  t.like(mine, [
    {
      id: item.id,
      decisionDueAt: '2026-11-26T11:00:00+08:00',
      remainingWorkingMinutes: 40,
      overdueWorkingMinutes: 20,
    },
    {
      id: laterItem.id,
      decisionDueAt: '2026-11-26T11:20:00+08:00',
      remainingWorkingMinutes: 60,
      overdueWorkingMinutes: 0,
    },
  ]);

  const [a, b] = await Promise.all([
    s.as('shift_leader').post(`/api/inbox/${item.id}/decide`, { decision: 'void', voidReason: '重复上报' }),
    s.as('administrator').post(`/api/inbox/${item.id}/decide`, { decision: 'urge', note: '立即处理' }),
  ]);
  t.deepEqual([a.status, b.status].sort(), [200, 409]);
  const winner = a.status === 200 ? 'void' : 'urge';
  t.is(await s.hub.db.prisma.outboxMessage.count({ where: { caseId: c.id, kind: 'escalation.decided' } }), 1);
  if (winner === 'void') {
    await until('voided', async () => (await caseRow(c.id)).status === 'voided');
    t.like(await caseRow(c.id), { voidReason: '重复上报' });
    t.is(await s.hub.db.prisma.caseEvent.count({ where: { caseId: c.id, type: 'voided' } }), 1);
  } else {
    const urged = await until(
      'urge mail',
      async () => mailsTo(D19_MAIL, new RegExp(`${c.caseNo}.*签收督办催办`)).length,
    );
    t.is(urged, 1);
  }
});
