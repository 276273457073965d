// 执法通 end to end through a whole hub (embedded engine over gRPC with its clock moved, the workers, the
// real Zeebe client, a real SMTP server), on SQLite or PostgreSQL (HUB_TEST_DB): a repeat 店外经营 is
// handed to 综合行政执法局 (移交执法) instead of being dispatched; the `enforcement` procedure, called by
// case-disposal, runs 现场检查 → 责令整改 (deadline on the work calendar) → 整改期满 (timer, mail) → 复查 →
// 处罚决定, and the case closes from it. A second case is corrected on 复查.
import test from 'ava';
import {
  at,
  mailsMatching,
  startScenarioHub,
  until,
  type Person,
  type ScenarioHub,
} from './helpers/scenario-hub.ts';

let s: ScenarioHub;
/** Cells with a supervisor; each report takes the next, so open cases are not merged as duplicates. */
let cells: { lng: number; lat: number }[] = [];
test.before(async () => {
  // Monday 12 October 2026, 09:00: an ordinary working week.
  s = await startScenarioHub(at('2026-10-12 09:00'));
  cells = (
    await s.hub.db.prisma.gridCell.findMany({
      where: { active: true, supervisorUserId: { not: null } },
      orderBy: { code: 'asc' },
      take: 3,
    })
  ).map((c) => ({ lng: (c.minLng + c.maxLng) / 2, lat: (c.minLat + c.maxLat) / 2 }));
});
test.after.always(() => s?.close());

const caseRow = (id: string) => s.hub.db.prisma.case.findUniqueOrThrow({ where: { id } });
const act = (person: Person, caseId: string, action: string, body = {}) =>
  s.as(person).post(`/api/cases/${caseId}/actions/${action}`, body);
async function ok(person: Person, caseId: string, action: string, body = {}) {
  const res = await act(person, caseId, action, body);
  if (res.status !== 200) throw new Error(`${person} ${action}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
const timeline = async (id: string) =>
  (
    await s.hub.db.prisma.caseEvent.findMany({
      where: { caseId: id },
      orderBy: [{ at: 'asc' }, { id: 'asc' }],
    })
  ).map((e) => (e.type === 'deadline_set' ? `deadline_set:${(e.data as { step: string }).step}` : e.type));

/** Waits until the case's enforcement procedure (the instance case-disposal called) waits at `elementId`. */
async function enforcementWaitsAt(caseId: string, elementId: string) {
  const search = async (path: string, filter: Record<string, unknown>) => {
    const res = await fetch(`${s.hub.engine!.management.url}/v2/${path}/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ filter }),
    });
    if (!res.ok) throw new Error(`${path}/search: HTTP ${res.status} ${await res.text()}`);
    return ((await res.json()) as { items: { processInstanceKey: string }[] }).items;
  };
  const { processInstanceKey } = await caseRow(caseId);
  await until(`enforcement of ${caseId} waiting at ${elementId}`, async () => {
    const [child] = await search('process-instances', { parentProcessInstanceKey: processInstanceKey });
    if (!child) return false;
    const active = await search('element-instances', {
      processInstanceKey: child.processInstanceKey,
      elementId,
      state: 'ACTIVE',
    });
    return active.length > 0;
  });
}

/** A supervisor's report of 店外经营 (0504), registered and waiting for dispatch. */
async function registered(description: string) {
  const res = await s.as('field_supervisor').post('/api/cases', {
    source: 'supervisor',
    categoryCode: '0504',
    description,
    address: '如城街道海阳路 18 号',
    ...cells.shift()!,
  });
  if (res.status !== 201) throw new Error(`report: ${res.status} ${JSON.stringify(res.body)}`);
  const id = res.body.id as string;
  await until('accepted', async () => (await caseRow(id)).status === 'accepted');
  await ok('acceptor', id, 'register');
  await s.waitingAt(id, 'ebg_dispatch');
  return id;
}

async function photoAction(caseId: string, action: string, fields: Record<string, string>) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  // A real (1×1) PNG: the attachment store judges the type by its first bytes.
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
    'base64',
  );
  form.append('photos', new Blob([png], { type: 'image/png' }), '现场.png');
  const res = await fetch(`${s.url}/api/cases/${caseId}/actions/${action}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.token('law_enforcement')}` },
    body: form,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test.serial('移交执法 → 现场检查 → 责令整改 → 整改期满 → 复查未整改 → 处罚决定 → 结案', async (t) => {
  const id = await registered('海阳路水果店再次占道经营');
  const handed = await ok('dispatcher', id, 'hand-to-enforcement', {
    assigneeId: s.unit.D06,
    reason: '一周内第三次店外经营，移交执法',
  });
  t.like(handed, {
    status: 'signed',
    departmentId: s.unit.D06,
    event: { type: 'enforcement_handed', fromStatus: 'registered', toStatus: 'signed', actorName: '派遣员' },
  });
  t.regex(handed.messageId, new RegExp(`^${id}:case\\.enforcementHanded:`));
  await s.waitingAt(id, 'c_enforcement');
  await enforcementWaitsAt(id, 'rt_inspect');

  // 执法通's list: the case with its next step.
  const list = await s.as('law_enforcement').get('/api/enforcement/cases');
  t.is(list.status, 200);
  t.like(
    list.body.items.find((i: { id: string }) => i.id === id),
    {
      stage: 'inspect',
      stageLabel: '待现场检查',
      categoryName: '店外经营',
      handedReason: '一周内第三次店外经营，移交执法',
      rectifyDeadline: null,
    },
  );
  // The unit's ordinary handler cannot dispose of it; an officer cannot skip a step; others cannot act.
  const dispose = await act('department_handler', id, 'dispose', { note: '已处置' });
  t.is(dispose.status, 409);
  t.regex(dispose.body.detail, /enforcement procedure \(执法通\)/);
  const early = await act('law_enforcement', id, 'reinspect', { result: 'corrected', note: '已整改' });
  t.is(early.status, 409);
  t.regex(early.body.detail, /waits for 待现场检查/);
  t.is((await act('dispatcher', id, 'inspect', { violationFound: true, note: 'x' })).status, 403);

  const inspected = await photoAction(id, 'inspect', {
    violationFound: 'true',
    note: '店主在人行道摆放水果摊位约 6 平方米，已拍照取证',
  });
  t.is(inspected.status, 200, JSON.stringify(inspected.body));
  t.like(inspected.body, { event: { type: 'enforcement_inspected', data: { violationFound: true } } });
  t.is((inspected.body.attachmentIds as string[]).length, 1);
  t.is(
    (await s.hub.db.prisma.attachment.findFirstOrThrow({ where: { caseId: id, kind: 'evidence' } })).eventId,
    (inspected.body.event as { id: string }).id,
  );

  await ok('law_enforcement', id, 'order-rectification', {
    requirement: '两个工作日内将摊位撤回店内',
    periodDays: 2,
  });
  await enforcementWaitsAt(id, 'rt_reinspect');
  // 2 working days from Monday 09:00 on the work calendar: Wednesday 09:00.
  const due = await until('rectify deadline', async () =>
    s.hub.db.prisma.caseEvent.findFirst({ where: { caseId: id, type: 'deadline_set' } }),
  );
  t.like(due.data, { step: 'rectify', dueAtLocal: '2026-10-14T09:00:00+08:00' });
  t.like((await s.as('law_enforcement').get('/api/enforcement/cases')).body.items[0], {
    id,
    stage: 'reinspect',
    rectifyDeadline: '2026-10-14T01:00:00.000Z',
    rectifyOverdue: false,
  });

  // The period runs out: 整改期满 on the timeline and a mail to the unit's officers; the wait goes on.
  await s.clock.pin(at('2026-10-14 09:05'));
  const mails = await mailsMatching(s, /整改期满/, 'zhifa@rugao.test');
  t.regex(mails[0]!.subject, /^【整改期满】RG-2026-\d{6}：请复查$/);
  await until('整改期满', async () => (await timeline(id)).includes('rectification_due'));
  t.like((await s.as('law_enforcement').get('/api/enforcement/cases')).body.items[0], {
    stage: 'reinspect',
    rectifyOverdue: true,
  });

  const re = await photoAction(id, 'reinspect', { result: 'notCorrected', note: '摊位仍在人行道上' });
  t.is(re.status, 200, JSON.stringify(re.body));
  await enforcementWaitsAt(id, 'rt_penalty');
  await ok('law_enforcement', id, 'record-penalty', { decisionNo: '皋综执罚决字〔2026〕第015号' });

  await until('closed', async () => (await caseRow(id)).status === 'closed');
  await s.completed(id);
  t.deepEqual(await timeline(id), [
    'reported',
    'accepted',
    'registered',
    'enforcement_handed',
    'enforcement_inspected',
    'rectification_ordered',
    'deadline_set:rectify',
    'rectification_due',
    'reinspected',
    'penalty_decided',
    'disposed',
    'closed',
  ]);
  const disposed = await s.hub.db.prisma.caseEvent.findFirstOrThrow({
    where: { caseId: id, type: 'disposed' },
  });
  t.is(disposed.note, '执法办结：已作出处罚决定（皋综执罚决字〔2026〕第015号）');
  t.like(disposed.data, { enforcement: true, outcome: 'penalty', decisionNo: '皋综执罚决字〔2026〕第015号' });
  t.deepEqual((await s.as('law_enforcement').get('/api/enforcement/cases')).body.items, []);
});

test.serial(
  '复查已整改: the case closes without a 处罚 decision; no violation found closes at once',
  async (t) => {
    const corrected = await registered('海阳路五金店门前堆放货物');
    await ok('dispatcher', corrected, 'hand-to-enforcement', { assigneeId: s.unit.D06, reason: '屡教不改' });
    await enforcementWaitsAt(corrected, 'rt_inspect');
    await ok('law_enforcement', corrected, 'inspect', { violationFound: true, note: '门前堆放货物' });
    await ok('law_enforcement', corrected, 'order-rectification', { requirement: '当日清理' });
    // The default period (ENFORCEMENT_RECTIFY_DAYS = 3 working days) from the order.
    const due = await until('rectify deadline', async () =>
      s.hub.db.prisma.caseEvent.findFirst({ where: { caseId: corrected, type: 'deadline_set' } }),
    );
    t.is((due.data as { dueAtLocal: string }).dueAtLocal.slice(0, 10), '2026-10-19');
    await ok('law_enforcement', corrected, 'reinspect', { result: 'corrected', note: '货物已清理' });
    await until('closed', async () => (await caseRow(corrected)).status === 'closed');
    t.like(
      (await s.hub.db.prisma.caseEvent.findFirstOrThrow({ where: { caseId: corrected, type: 'disposed' } }))
        .data,
      { outcome: 'corrected', decisionNo: null },
    );

    const none = await registered('海阳路疑似违规招牌');
    await ok('dispatcher', none, 'hand-to-enforcement', { assigneeId: s.unit.D06, reason: '群众反映' });
    await enforcementWaitsAt(none, 'rt_inspect');
    await ok('law_enforcement', none, 'inspect', { violationFound: false, note: '招牌已办理设置许可' });
    await until('closed', async () => (await caseRow(none)).status === 'closed');
    t.deepEqual((await timeline(none)).slice(3), [
      'enforcement_handed',
      'enforcement_inspected',
      'disposed',
      'closed',
    ]);
  },
);
