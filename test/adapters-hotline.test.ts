// The 12319 hotline adapter over a whole hub (embedded engine, workers, the case API) and the hotline
// simulator speaking HTTP: domain.md scenario 1's hotline part (ticket → case that needs 核实 → … → 结案 →
// final reply and 回访 request to the hotline → 满意 back), redelivered and out-of-order pushes, bad
// payloads and signatures, the hotline down for a while (HOTLINE_DOWN_SECONDS, default 6; two minutes in
// the issue) with nothing lost, no duplicate case and per-case order after recovery, dead letters and
// their replay through the monitoring API.
import test from 'ava';
import { createHotlineSimulator, type HotlineSimulator } from '../adapters/hotline/simulator/index.ts';
import { maskPhone } from '../adapters/hotline/index.ts';
import { createAssessment } from '../src/assessment/index.ts';
import { at, startScenarioHub, until, type ScenarioHub } from './helpers/scenario-hub.ts';

const SECRET = 'test-hotline-webhook-secret-0123456789';
const API_KEY = 'test-hotline-api-key-0123456789';
const DOWN_MS = Number(process.env.HOTLINE_DOWN_SECONDS ?? 6) * 1000;

let s: ScenarioHub;
let sim: HotlineSimulator;
test.before(async () => {
  sim = createHotlineSimulator({ webhookSecret: SECRET, apiKey: API_KEY });
  const simUrl = await sim.start();
  s = await startScenarioHub(at('2026-10-16 16:50'), {
    HOTLINE_URL: simUrl,
    HOTLINE_WEBHOOK_SECRET: SECRET,
    HOTLINE_API_KEY: API_KEY,
    HOTLINE_POLL_INTERVAL_MS: '1000',
    ADAPTER_OUTBOX_INTERVAL_MS: '200',
    ADAPTER_OUTBOX_BACKOFF_MS: '300',
    ADAPTER_OUTBOX_MAX_BACKOFF_MS: '1500',
    ADAPTER_OUTBOX_MAX_ATTEMPTS: '40',
  });
  sim.hubUrl = s.url;
});
test.after.always(async () => {
  await s?.close();
  await sim?.stop();
});

const prisma = () => s.hub.db.prisma;
const caseOf = (ticketNo: string) =>
  until(`case of ticket ${ticketNo}`, () =>
    prisma().case.findFirst({ where: { source: 'hotline', sourceRef: ticketNo } }),
  );
const act = async (id: string, action: string, who: Parameters<ScenarioHub['as']>[0], body = {}) => {
  const res = await s.as(who).post(`/api/cases/${id}/actions/${action}`, body);
  if (res.status !== 200) throw new Error(`${action}: ${res.status} ${JSON.stringify(res.body)}`);
  return res;
};
const statusIs = (id: string, status: string) =>
  until(
    `case ${id} ${status}`,
    async () => (await prisma().case.findUnique({ where: { id } }))?.status === status,
  );
/** What the hotline received for a ticket, in arrival order: `update:<status>`, `reply:<result>`, `callback-request`. */
const receivedFor = (ticketNo: string) =>
  sim.received
    .filter((r) => r.ticketNo === ticketNo)
    .map((r) =>
      r.kind === 'update'
        ? `update:${String(r.body.status)}`
        : r.kind === 'reply'
          ? `reply:${String(r.body.result)}`
          : r.kind,
    );

test.serial(
  'scenario 1 (hotline part): ticket → case needing 核实 → 结案 → reply and 回访 request → 满意 recorded',
  async (t) => {
    const { ticket, pushed } = await sim.createTicket({
      category: { code: '0402', name: '自来水管破裂' },
      urgency: '紧急',
      content: '海阳路自来水管破裂，水漫到路面',
      caller: { anonymous: false, name: '李女士', phone: '13912345678' },
    });
    t.is(pushed, 200);
    const row = await caseOf(ticket.ticketNo);
    t.like(row, {
      source: 'hotline',
      categoryCode: '0402',
      urgency: 'urgent',
      address: ticket.location.address,
      reporterName: '李女士',
      reporterPhone: '13912345678',
    });
    t.is(maskPhone(row.reporterPhone), '139****5678');
    const reported = await prisma().caseEvent.findFirstOrThrow({
      where: { caseId: row.id, type: 'reported' },
    });
    t.like(reported, {
      actorName: 'hotline',
      data: { channel: '12319', ticketNo: ticket.ticketNo, ticketDeadline: ticket.deadline },
    });
    // A hotline report needs 核实 (processes/README.md): the procedure sends it to the grid supervisor.
    await statusIs(row.id, 'verifying');
    await s.waitingAt(row.id, 'rt_verify');
    await act(row.id, 'verify', 'field_supervisor', { result: 'confirmed', note: '现场确有漏水' });
    await s.waitingAt(row.id, 'ebg_register');
    await act(row.id, 'register', 'acceptor');
    await act(row.id, 'dispatch', 'dispatcher', {
      assigneeType: 'department',
      assigneeId: s.unit['U-WATER'],
    });
    await s.waitingAt(row.id, 's1_wait');
    await act(row.id, 'sign', 'water_handler');
    await s.waitingAt(row.id, 's2_wait');
    await act(row.id, 'dispose', 'water_handler', { note: '已关阀抢修，恢复供水' });
    await s.waitingAt(row.id, 'rt_check');
    await act(row.id, 'check', 'field_supervisor', { result: 'passed' });
    await statusIs(row.id, 'closed');
    await s.waitingAt(row.id, 'rt_callback');
    // Everything reached the hotline, in the order it happened, the 回访 request after the final reply.
    const expected = [
      'update:accepted',
      'update:verifying',
      'update:verified',
      'update:registered',
      'update:dispatched',
      'update:processing',
      'update:disposed',
      'reply:resolved',
      'callback-request',
    ];
    await until(
      'the hotline got everything',
      async () => receivedFor(ticket.ticketNo).length >= expected.length,
    );
    t.deepEqual(receivedFor(ticket.ticketNo), expected);
    const dispatched = sim.received.find(
      (r) => r.ticketNo === ticket.ticketNo && r.body.status === 'dispatched',
    )!;
    t.is(dispatched.body.department, '如皋市供水公司');
    t.is(dispatched.body.caseNo, row.caseNo);
    // The hotline calls the citizen back: 满意.
    const answer = await sim.answerCallback(ticket.ticketNo, '满意', '修得很快');
    t.is(answer.status, 200);
    t.like(answer.body, { events: [{ result: 'processed', caseId: row.id }] });
    await until(
      '回访 recorded',
      async () =>
        (await prisma().case.findUniqueOrThrow({ where: { id: row.id } })).callbackSatisfied === true,
    );
    const callback = await prisma().caseEvent.findFirstOrThrow({
      where: { caseId: row.id, type: 'callback' },
    });
    t.like(callback, {
      actorName: '12319热线',
      note: '修得很快',
      data: { satisfaction: 'satisfied', reopened: false },
    });
    // The procedure ended through its 回访 path.
    await until('the procedure ended', async () => {
      const res = await fetch(
        `${s.hub.engine!.management.url}/v2/process-instances/${row.processInstanceKey}`,
      );
      return res.ok && ((await res.json()) as { state: string }).state === 'COMPLETED';
    });
    // The same 回访 delivered again changes nothing.
    t.is(await prisma().caseEvent.count({ where: { caseId: row.id, type: 'callback' } }), 1);
  },
);

test.serial(
  '不满意 回访 reopens the same case: back to 派遣, redone, closed again with a new reply and 回访; a redelivered result reopens once',
  async (t) => {
    t.timeout(240_000);
    const { ticket } = await sim.createTicket({ category: { code: '0102' }, urgency: '一般' });
    const row = await caseOf(ticket.ticketNo);
    /** One dispatch round to 环境卫生管理处 up to 结案 and the wait for 回访. */
    const round = async (note: string) => {
      await act(row.id, 'dispatch', 'dispatcher', { assigneeType: 'department', assigneeId: s.unit.D19 });
      await s.waitingAt(row.id, 's1_wait');
      await act(row.id, 'sign', 'd19_handler');
      await s.waitingAt(row.id, 's2_wait');
      await act(row.id, 'dispose', 'd19_handler', { note });
      await s.waitingAt(row.id, 'rt_check');
      await act(row.id, 'check', 'field_supervisor', { result: 'passed' });
      await s.waitingAt(row.id, 'rt_callback');
    };
    const firstRound = [
      'update:accepted',
      'update:verifying',
      'update:verified',
      'update:registered',
      'update:dispatched',
      'update:processing',
      'update:disposed',
      'reply:resolved',
      'callback-request',
    ];
    await s.waitingAt(row.id, 'rt_verify');
    await act(row.id, 'verify', 'field_supervisor', { result: 'confirmed' });
    await s.waitingAt(row.id, 'ebg_register');
    await act(row.id, 'register', 'acceptor');
    await round('已清运');
    await until('the 回访 request reached the hotline', async () =>
      receivedFor(ticket.ticketNo).includes('callback-request'),
    );
    t.deepEqual(receivedFor(ticket.ticketNo), firstRound);

    // The caller is not satisfied; the hotline's webhook is delivered twice, then a second answer comes.
    const result = {
      callbackId: `cb-reopen-${ticket.ticketNo}`,
      ticketNo: ticket.ticketNo,
      satisfaction: '不满意',
      at: (await s.clock.now()).toISOString(),
      note: '垃圾又堆起来了',
    };
    const answer = await sim.push('callbacks', result);
    t.is(answer.status, 200);
    t.like(answer.body, { events: [{ result: 'processed', caseId: row.id }] });
    const again = await sim.push('callbacks', result);
    t.is(again.status, 200);
    t.like(again.body, { events: [{ result: 'duplicate', caseId: row.id }] });
    const second = await sim.push('callbacks', { ...result, callbackId: `${result.callbackId}-2` });
    t.like(second.body, { events: [{ result: 'ignored', caseId: row.id }] });

    // The SAME case is open again, back with the dispatcher; no follow-up case.
    t.like(await prisma().case.findUniqueOrThrow({ where: { id: row.id } }), {
      status: 'registered',
      closedAt: null,
      departmentId: null,
      callbackSatisfied: false,
    });
    t.is(await prisma().case.count({ where: { sourceRef: { startsWith: ticket.ticketNo } } }), 1);
    t.like(await prisma().caseEvent.findFirstOrThrow({ where: { caseId: row.id, type: 'reopened' } }), {
      actorName: '12319热线',
      fromStatus: 'closed',
      toStatus: 'registered',
      departmentId: s.unit.D19,
      note: '垃圾又堆起来了',
    });
    // The procedure took the case again: its 回访 path went back to 派遣.
    await s.waitingAt(row.id, 'ebg_dispatch');
    await round('已重新清运并增加清运频次');
    await until(
      'the hotline got the second round',
      async () => receivedFor(ticket.ticketNo).length >= firstRound.length * 2 - 3,
    );
    t.deepEqual(receivedFor(ticket.ticketNo), [
      ...firstRound,
      'update:reopened',
      'update:dispatched',
      'update:processing',
      'update:disposed',
      'reply:resolved',
      'callback-request',
    ]);
    const replies = sim.received.filter((r) => r.ticketNo === ticket.ticketNo && r.kind === 'reply');
    t.deepEqual(
      replies.map((r) => [r.body.caseNo, r.body.text]),
      [
        [row.caseNo, '已办结'],
        [row.caseNo, '已办结'],
      ],
    );
    t.not(replies[0]!.body.replyId, replies[1]!.body.replyId);

    // Now satisfied: recorded for the second round, and the procedure ends.
    const done = await sim.answerCallback(ticket.ticketNo, '满意', '这次清理干净了');
    t.like(done.body, { events: [{ result: 'processed', caseId: row.id }] });
    await s.completed(row.id);
    t.like(await prisma().case.findUniqueOrThrow({ where: { id: row.id } }), {
      status: 'closed',
      departmentId: s.unit.D19,
      callbackSatisfied: true,
      dispatchCount: 2,
    });
    const timeline = (
      await prisma().caseEvent.findMany({
        where: { caseId: row.id, type: { not: 'deadline_set' } },
        orderBy: [{ at: 'asc' }, { id: 'asc' }],
      })
    ).map((e) => e.type);
    const disposal = [
      'dispatched',
      'signed',
      'disposed',
      'check_requested',
      'check_passed',
      'closed',
      'callback',
    ];
    t.deepEqual(timeline, [
      'reported',
      'accepted',
      'verify_requested',
      'verified',
      'registered',
      ...disposal,
      'reopened',
      ...disposal,
    ]);

    // The assessment: the disposal the caller rejected is 返工 of 环境卫生管理处; the case is closed again.
    const october = await createAssessment({ db: s.hub.db, timezone: 'Asia/Shanghai' }).compute({
      from: at('2026-10-01 00:00'),
      to: at('2026-11-01 00:00'),
    });
    const d19 = october.departments.find((d) => d.id === s.unit.D19)!;
    t.deepEqual(d19.figures.reworkRate!.numeratorIds, [row.id]);
    t.true(d19.figures.closureRate!.numeratorIds.includes(row.id));
  },
);

test.serial('不满意 recorded in the hub’s own page (acceptor) reopens the same case as well', async (t) => {
  const { ticket } = await sim.createTicket({ category: { code: '0102' }, urgency: '一般' });
  const row = await caseOf(ticket.ticketNo);
  await s.waitingAt(row.id, 'rt_verify');
  await act(row.id, 'verify', 'field_supervisor', { result: 'confirmed' });
  await s.waitingAt(row.id, 'ebg_register');
  await act(row.id, 'register', 'acceptor');
  await act(row.id, 'dispatch', 'dispatcher', { assigneeType: 'department', assigneeId: s.unit.D19 });
  await s.waitingAt(row.id, 's1_wait');
  await act(row.id, 'sign', 'd19_handler');
  await s.waitingAt(row.id, 's2_wait');
  await act(row.id, 'dispose', 'd19_handler', { note: '已清运' });
  await s.waitingAt(row.id, 'rt_check');
  await act(row.id, 'check', 'field_supervisor', { result: 'passed' });
  await s.waitingAt(row.id, 'rt_callback');
  const res = await act(row.id, 'callback', 'acceptor', { satisfaction: 'unsatisfied', note: '还有异味' });
  t.like(res.body, { status: 'registered', departmentId: null, event: { type: 'callback' } });
  const events = await prisma().caseEvent.findMany({
    where: { caseId: row.id, type: { in: ['callback', 'reopened'] } },
    orderBy: [{ at: 'asc' }, { id: 'asc' }],
  });
  t.like(events, [
    { type: 'callback', fromStatus: 'closed', toStatus: 'closed' },
    {
      type: 'reopened',
      fromStatus: 'closed',
      toStatus: 'registered',
      departmentId: s.unit.D19,
      note: '还有异味',
    },
  ]);
  await s.waitingAt(row.id, 'ebg_dispatch');
  // Reopened once: a second answer for this round is refused while the case is being redone.
  t.is(
    (await s.as('acceptor').post(`/api/cases/${row.id}/actions/callback`, { satisfaction: 'unsatisfied' }))
      .status,
    409,
  );
});

test.serial(
  'a redelivered or duplicated push is one case; bad payload 400 naming the field; bad signature 401; nothing stored',
  async (t) => {
    sim.faults.duplicates = true;
    const { ticket } = await sim.createTicket();
    sim.faults.duplicates = false;
    const again = await sim.push('tickets', { ticket });
    t.is(again.status, 200);
    const row = await caseOf(ticket.ticketNo);
    t.like(again.body, {
      events: [{ sourceId: `ticket:${ticket.ticketNo}`, result: 'duplicate', caseId: row.id }],
    });
    t.is(await prisma().case.count({ where: { sourceRef: ticket.ticketNo } }), 1);
    t.is(
      await prisma().inboxEvent.count({
        where: { adapter: 'hotline', sourceId: `ticket:${ticket.ticketNo}` },
      }),
      1,
    );

    const cases = await prisma().case.count();
    const inbox = await prisma().inboxEvent.count();
    const bad = await sim.push('tickets', {
      ticket: { ...ticket, ticketNo: 'T-BAD-1', category: { code: '42' } },
    });
    t.is(bad.status, 400);
    t.like(bad.body, { status: 400, errors: [{ field: 'body.ticket.category.code' }] });
    const unknown = await sim.push('tickets', {
      ticket: { ...ticket, ticketNo: 'T-BAD-2', category: { code: '9999' } },
    });
    t.is(unknown.status, 400);
    t.like(unknown.body, {
      errors: [{ field: 'body.ticket.category.code', message: 'no active event category 9999' }],
    });
    const missing = await sim.push('tickets', {
      ticket: { ...ticket, ticketNo: 'T-BAD-3', content: undefined },
    });
    t.is(missing.status, 400);
    t.is((missing.body as { errors: { field: string }[] }).errors[0]!.field, 'body.ticket.content');
    const forged = await sim.push(
      'tickets',
      { ticket: { ...ticket, ticketNo: 'T-BAD-4' } },
      { secret: 'not-the-secret-at-all-0000' },
    );
    t.is(forged.status, 401);
    t.like(forged.body, { status: 401, detail: 'webhook signature refused: signature does not match' });
    const replayed = await sim.push(
      'tickets',
      { ticket: { ...ticket, ticketNo: 'T-BAD-5' } },
      { at: Date.now() - 10 * 60_000 },
    );
    t.is(replayed.status, 401);
    t.regex((replayed.body as { detail: string }).detail, /replay window/);
    const unsigned = await fetch(`${s.url}/api/adapters/hotline/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ticket: { ...ticket, ticketNo: 'T-BAD-6' } }),
    });
    t.is(unsigned.status, 401);
    t.is(unsigned.headers.get('content-type'), 'application/problem+json');
    t.is(await prisma().case.count(), cases);
    t.is(await prisma().inboxEvent.count(), inbox);
  },
);

test.serial(
  'hotline down: tickets arrive by polling after recovery, once each; the outbox drains in per-case order',
  async (t) => {
    // Two tickets are pushed; the hotline goes down right away, while the hub reports their progress.
    const before = await Promise.all([sim.createTicket(), sim.createTicket()]);
    const rows = await Promise.all(before.map((b) => caseOf(b.ticket.ticketNo)));
    sim.down(DOWN_MS);
    const downAt = Date.now();
    // Pushes fail while it is down: these two tickets only exist on the hotline (and one is sent out of order).
    sim.faults.outOfOrder = true;
    const during = await sim.createTickets([{ category: { code: '0504' } }, { category: { code: '0406' } }]);
    sim.faults.outOfOrder = false;
    t.deepEqual(
      during.map((d) => d.pushed),
      [null, null],
    );
    // The hub keeps working: the cases move on, their updates wait in the outbox, the monitor shows it.
    await Promise.all(rows.map((r) => statusIs(r.id, 'verifying')));
    const monitor = await until('the monitor sees the outage', async () => {
      const res = await s.as('administrator').get('/api/adapters/hotline');
      return res.body.health?.status === 'down' && res.body.outbound.backlog > 0 ? res : undefined;
    });
    t.like(monitor.body, { name: 'hotline', health: { status: 'down' }, outbound: { deadLetters: 0 } });
    t.true(Date.now() < downAt + DOWN_MS, 'the outage lasted long enough to be seen');
    // After recovery: the polled tickets become cases, once each; everything queued is delivered.
    const after = await Promise.all(during.map((d) => caseOf(d.ticket.ticketNo)));
    t.true(Date.now() >= downAt + DOWN_MS);
    for (const r of [...rows, ...after]) await statusIs(r.id, 'verifying');
    await until(
      'every update delivered',
      async () =>
        [...before, ...during].every((b) => receivedFor(b.ticket.ticketNo).length >= 2) &&
        (await prisma().outboxMessage.count({ where: { adapter: 'hotline', status: 'pending' } })) === 0,
    );
    for (const b of [...before, ...during]) {
      t.is(await prisma().case.count({ where: { sourceRef: b.ticket.ticketNo } }), 1);
      t.deepEqual(receivedFor(b.ticket.ticketNo), ['update:accepted', 'update:verifying'], b.ticket.ticketNo);
    }
    t.is(await prisma().outboxMessage.count({ where: { adapter: 'hotline', status: 'dead' } }), 0);
    const healthy = await s.as('shift_leader').get('/api/adapters/hotline');
    t.like(healthy.body, { health: { status: 'up' }, outbound: { backlog: 0, deadLetters: 0 } });
    t.true(healthy.body.inbound.cursors.some((c: { name: string }) => c.name === 'tickets'));
  },
);

test.serial(
  'a refused message is a dead letter that blocks its case; replay delivers it and the rest in order',
  async (t) => {
    const ticketNo = `T-DEAD-${Date.now()}`;
    sim.faults.rejectTicket = ticketNo;
    sim.faults.rejectNext = 1;
    const { ticket } = await sim.createTicket({ ticketNo });
    const row = await caseOf(ticket.ticketNo);
    const dead = await until('a dead letter', () =>
      prisma().outboxMessage.findFirst({ where: { adapter: 'hotline', caseId: row.id, status: 'dead' } }),
    );
    t.like(dead, { kind: 'status', attempts: 1 });
    t.regex(dead.lastError!, /HTTP 422/);
    await statusIs(row.id, 'verifying');
    // The later update of the case waits behind it.
    await until(
      'the next update queued',
      async () =>
        (await prisma().outboxMessage.count({
          where: { adapter: 'hotline', caseId: row.id, status: 'pending' },
        })) > 0,
    );
    await new Promise((r) => setTimeout(r, 1000));
    t.deepEqual(receivedFor(ticket.ticketNo), []);
    const list = await s.as('administrator').get('/api/adapters/hotline/dead-letters');
    t.is(list.status, 200);
    t.true(list.body.items.some((i: { id: string }) => i.id === dead.id));
    t.is(
      (await s.as('shift_leader').post(`/api/adapters/hotline/dead-letters/${dead.id}/replay`)).status,
      403,
    );
    const replay = await s.as('administrator').post(`/api/adapters/hotline/dead-letters/${dead.id}/replay`);
    t.deepEqual(replay.body, { replayed: 1 });
    await until('delivered after replay', async () => receivedFor(ticket.ticketNo).length === 2);
    t.deepEqual(receivedFor(ticket.ticketNo), ['update:accepted', 'update:verifying']);
    t.is(
      (await s.as('administrator').post(`/api/adapters/hotline/dead-letters/${dead.id}/replay`)).status,
      404,
    );
  },
);
