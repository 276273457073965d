// Runs the procedures on the embedded engine through the real Zeebe client, playing the workers and the
// API exactly as processes/README.md says: each job is completed with the contract's outputs, each human
// step is a published message. Asserts which jobs come, in which order, with which inputs.
import test from 'ava';
import { PROCESS_IDS, readProcessFile } from './helpers/bpmn-elements.ts';
import { startTestEngine, type TestEngine } from './helpers/engine.ts';

let engine: TestEngine;
let messageSeq = 0;

test.before(async () => {
  engine = await startTestEngine();
  for (const id of PROCESS_IDS)
    await engine.zbc.deployResource({
      process: Buffer.from(readProcessFile(`${id}.bpmn`)),
      name: `${id}.bpmn`,
    });
});
test.after.always(async () => {
  await engine?.close();
});

// The SDK's JSON type leaves out null, which Zeebe variables (and this contract) use.
type JobVariables = Parameters<TestEngine['zbc']['completeJob']>[0]['variables'];
type MessageVariables = Parameters<TestEngine['zbc']['publishMessage']>[0]['variables'];

const plain = (value: object) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;

/** Activates the one job of `type` (waiting up to 5 s) and completes it with `variables`. */
async function work(type: string, variables: Record<string, unknown> = {}) {
  const jobs = await engine.zbc.activateJobs({
    type,
    worker: 'contract-test',
    maxJobsToActivate: 1,
    timeout: 30_000,
    requestTimeout: 5000,
  });
  if (jobs.length !== 1) throw new Error(`expected one ${type} job, got ${jobs.length}`);
  const job = jobs[0]!;
  await engine.zbc.completeJob({ jobKey: job.key, variables: variables as JobVariables });
  return {
    key: job.key,
    processInstanceKey: job.processInstanceKey,
    elementId: job.elementId,
    vars: plain(job.variables),
  };
}

/** Publishes a case message as the API does: keyed by case id, buffered briefly, deduplicated by id. */
const publish = (name: string, caseId: string, variables: Record<string, unknown> = {}) =>
  engine.zbc.publishMessage({
    name,
    correlationKey: caseId,
    variables: variables as MessageVariables,
    timeToLive: 60_000,
    messageId: `${caseId}:${name}:${++messageSeq}`,
  });

/** What hub.deadlines.compute returns: here a due time `dueInMs` after `from` and its 80% point. */
const deadline = (from: number, dueInMs = 30 * 24 * 3600_000) => ({
  dueAt: new Date(from + dueInMs).toISOString(),
  warnAt: new Date(from + dueInMs * 0.8).toISOString(),
});

/** Resolves when the instance has ended (a cancel then answers NOT_FOUND). */
async function ended(processInstanceKey: string) {
  try {
    await engine.zbc.cancelProcessInstance(processInstanceKey);
  } catch (err) {
    if ((err as { code?: number }).code === 5) return true;
    throw err;
  }
  return false;
}

const start = (caseId: string, source: string) =>
  engine.zbc.createProcessInstance({ bpmnProcessId: 'case-disposal', variables: { caseId, source } });

test.serial('hotline case: 核实 → 立案 → 派遣 → 签收 → 处置 → 核查 → 结案 → 回访', async (t) => {
  const caseId = 'RUN-HOTLINE';
  const { processInstanceKey } = await start(caseId, 'hotline');
  const intake = await work('hub.case.intake', {
    needsVerify: true,
    selfHandled: false,
    callbackRequired: true,
    duplicateOf: null,
  });
  t.is(intake.processInstanceKey, processInstanceKey);
  t.deepEqual(intake.vars, { caseId, source: 'hotline' });
  await work('hub.case.locate', { gridCode: '32068200100101', streetCode: '320682001' });
  await work('hub.case.classify', { categoryCode: '0402', urgency: 'urgent' });
  t.is((await work('hub.verify.assign', { supervisorId: 'S-7' })).vars.taskKind, 'verify');
  const verifyLimit = deadline(Date.now());
  t.is((await work('hub.deadlines.compute', verifyLimit)).vars.deadlineKind, 'verify');

  await publish('case.verified', caseId, { verifyResult: 'confirmed' });
  await publish('case.registered', caseId);
  await publish('case.dispatched', caseId, { assigneeType: 'department', assigneeId: 'water-co' });
  const dispatch = await work('hub.dispatch.assign');
  t.like(dispatch.vars, { dispatchKind: 'dispatch', assigneeType: 'department', assigneeId: 'water-co' });

  const signLimit = deadline(Date.now());
  const sign = await work('hub.deadlines.compute', signLimit);
  t.like(sign.vars, { deadlineKind: 'sign', signedAt: null, verifyDeadline: verifyLimit.dueAt });
  await publish('case.signed', caseId, { signedAt: '2026-10-09T17:05:00+08:00' });
  const dispose = await work('hub.deadlines.compute', deadline(Date.now()));
  t.like(dispose.vars, {
    deadlineKind: 'dispose',
    signDeadline: signLimit.dueAt,
    signWarnAt: signLimit.warnAt,
    signedAt: '2026-10-09T17:05:00+08:00',
  });
  t.false('dueAt' in dispose.vars, 'deadline results only reach the process through the output mappings');

  await publish('case.disposed', caseId, { disposedAt: '2026-10-09T19:40:00+08:00' });
  t.is((await work('hub.verify.assign', { supervisorId: 'S-7' })).vars.taskKind, 'check');
  t.is((await work('hub.deadlines.compute', deadline(Date.now()))).vars.deadlineKind, 'check');
  await publish('case.checked', caseId, { checkResult: 'passed' });
  await work('hub.case.close');
  await work('hub.callback.request');
  t.is((await work('hub.deadlines.compute', deadline(Date.now()))).vars.deadlineKind, 'callback');
  await publish('case.callbackDone', caseId, { satisfaction: 'satisfied' });
  t.is((await work('hub.callback.record')).vars.satisfaction, 'satisfied');
  t.true(await ended(processInstanceKey));
});

test.serial(
  'hotline 不满意 回访: hub.callback.record answers reopened → the same instance goes back to 派遣, closes again and asks a second 回访',
  async (t) => {
    const caseId = 'RUN-HOTLINE-REOPEN';
    const { processInstanceKey } = await start(caseId, 'hotline');
    await work('hub.case.intake', {
      needsVerify: false,
      selfHandled: false,
      callbackRequired: true,
      duplicateOf: null,
    });
    await work('hub.case.locate', { gridCode: '32068200100101', streetCode: '320682001' });
    await work('hub.case.classify', { categoryCode: '0102', urgency: 'normal' });
    /** 派遣 → 签收 → 处置 → 核查 passed → 结案 → 回访 request and window. */
    const round = async () => {
      await publish('case.dispatched', caseId, { assigneeType: 'department', assigneeId: 'sanitation' });
      t.like((await work('hub.dispatch.assign')).vars, {
        dispatchKind: 'dispatch',
        assigneeId: 'sanitation',
      });
      await work('hub.deadlines.compute', deadline(Date.now()));
      await publish('case.signed', caseId, { signedAt: '2026-10-09T09:05:00+08:00' });
      await work('hub.deadlines.compute', deadline(Date.now()));
      await publish('case.disposed', caseId, { disposedAt: '2026-10-09T10:40:00+08:00' });
      await work('hub.verify.assign', { supervisorId: 'S-7' });
      await work('hub.deadlines.compute', deadline(Date.now()));
      await publish('case.checked', caseId, { checkResult: 'passed' });
      await work('hub.case.close');
      await work('hub.callback.request');
      t.is((await work('hub.deadlines.compute', deadline(Date.now()))).vars.deadlineKind, 'callback');
    };
    await publish('case.registered', caseId);
    await round();
    await publish('case.callbackDone', caseId, { satisfaction: 'unsatisfied' });
    const record = await work('hub.callback.record', { reopened: true });
    t.is(record.processInstanceKey, processInstanceKey);
    // Back at 派遣 (no 立案 again): the dispatcher's next dispatch is taken by the same instance.
    await round();
    await publish('case.callbackDone', caseId, { satisfaction: 'satisfied' });
    await work('hub.callback.record', { reopened: false });
    t.true(await ended(processInstanceKey));
  },
);

test.serial(
  'supervisor report: 回退 back to the dispatcher, 延期, 挂账 and 挂账恢复, failed 核查 → 返工 to the same department',
  async (t) => {
    const caseId = 'RUN-SUPERVISOR';
    const { processInstanceKey } = await start(caseId, 'supervisor');
    await work('hub.case.intake', {
      needsVerify: false,
      selfHandled: false,
      callbackRequired: false,
      duplicateOf: null,
    });
    await work('hub.case.locate', { gridCode: '32068200100102', streetCode: '320682001' });
    await work('hub.case.classify', { categoryCode: '0101', urgency: 'normal' });
    await publish('case.registered', caseId);
    await publish('case.dispatched', caseId, { assigneeType: 'department', assigneeId: 'gardens' });
    t.like((await work('hub.dispatch.assign')).vars, { dispatchKind: 'dispatch', assigneeId: 'gardens' });
    t.is((await work('hub.deadlines.compute', deadline(Date.now()))).vars.deadlineKind, 'sign');

    // 回退: the wrong department sends it back; the dispatcher dispatches again (a dispatch, not 返工).
    await publish('case.returnRequested', caseId);
    await publish('case.returnDecided', caseId, { returnApproved: true });
    await publish('case.dispatched', caseId, { assigneeType: 'department', assigneeId: 'enforcement' });
    t.like((await work('hub.dispatch.assign')).vars, { dispatchKind: 'dispatch', assigneeId: 'enforcement' });
    t.is((await work('hub.deadlines.compute', deadline(Date.now()))).vars.deadlineKind, 'sign');
    await publish('case.signed', caseId, { signedAt: '2026-10-10T09:00:00+08:00' });
    t.is((await work('hub.deadlines.compute', deadline(Date.now()))).vars.deadlineKind, 'dispose');

    // 延期 rejected: nothing moves. 延期 approved: the disposal deadline is recomputed, 签收 is not redone.
    await publish('case.extensionRequested', caseId);
    await publish('case.extensionDecided', caseId, { extensionApproved: false });
    await publish('case.extensionRequested', caseId);
    await publish('case.extensionDecided', caseId, { extensionApproved: true });
    t.is((await work('hub.deadlines.compute', deadline(Date.now()))).vars.deadlineKind, 'dispose');

    // 挂账 then 挂账恢复: the clock resumes with a recomputed disposal deadline.
    await publish('case.suspensionRequested', caseId);
    await publish('case.suspensionDecided', caseId, { suspensionApproved: true });
    await publish('case.resumed', caseId);
    t.is((await work('hub.deadlines.compute', deadline(Date.now()))).vars.deadlineKind, 'dispose');

    await publish('case.disposed', caseId, { disposedAt: '2026-10-12T15:00:00+08:00' });
    await work('hub.verify.assign', { supervisorId: 'S-3' });
    await work('hub.deadlines.compute', deadline(Date.now()));
    await publish('case.checked', caseId, { checkResult: 'failed' });
    const rework = await work('hub.dispatch.assign');
    t.like(rework.vars, { dispatchKind: 'rework', assigneeType: 'department', assigneeId: 'enforcement' });
    const signAgain = await work('hub.deadlines.compute', deadline(Date.now()));
    t.like(signAgain.vars, { deadlineKind: 'sign', signedAt: null });

    await publish('case.signed', caseId, { signedAt: '2026-10-13T09:00:00+08:00' });
    await work('hub.deadlines.compute', deadline(Date.now()));
    await publish('case.disposed', caseId, { disposedAt: '2026-10-13T11:00:00+08:00' });
    await work('hub.verify.assign', { supervisorId: 'S-3' });
    await work('hub.deadlines.compute', deadline(Date.now()));
    await publish('case.checked', caseId, { checkResult: 'passed' });
    await work('hub.case.close');
    t.true(await ended(processInstanceKey), 'no 回访 for a supervisor report');
  },
);

test.serial(
  'sign-for overdue: 80% warning, inbox at the limit, escalated a level, then 改派 to a sub-centre',
  async (t) => {
    const caseId = 'RUN-ESCALATION';
    const { processInstanceKey } = await start(caseId, 'supervisor');
    await work('hub.case.intake', {
      needsVerify: false,
      selfHandled: false,
      callbackRequired: false,
      duplicateOf: null,
    });
    await work('hub.case.locate', { gridCode: '32068200100103', streetCode: '320682002' });
    await work('hub.case.classify', { categoryCode: '0505', urgency: 'normal' });
    await publish('case.registered', caseId);
    await publish('case.dispatched', caseId, { assigneeType: 'department', assigneeId: 'traffic' });
    await work('hub.dispatch.assign');
    const now = await engine.clock.now();
    const signLimit = deadline(now, 10 * 60_000); // warn after 8 min, due after 10 min
    await work('hub.deadlines.compute', signLimit);

    await engine.clock.add(8 * 60_000 + 1000);
    const warning = await work('hub.notify.urge');
    t.not(
      warning.processInstanceKey,
      processInstanceKey,
      'the warning runs in the called case-escalation instance',
    );
    t.deepEqual(warning.vars, {
      caseId,
      stage: 'sign',
      deadline: signLimit.dueAt,
      assigneeType: 'department',
      assigneeId: 'traffic',
      urgeKind: 'warning',
    });

    await engine.clock.add(2 * 60_000);
    const open1 = await work('hub.escalation.open', { escalationLevel: 1, inboxItemId: 'INBOX-1' });
    t.false('escalationLevel' in open1.vars);
    t.like((await work('hub.notify.escalation')).vars, { escalationLevel: 1, inboxItemId: 'INBOX-1' });
    const decideBy = await engine.clock.now();
    t.like((await work('hub.deadlines.compute', deadline(decideBy, 30 * 60_000))).vars, {
      deadlineKind: 'decision',
      escalationLevel: 1,
    });

    // Nobody decides within the working time: the item goes up a level.
    await engine.clock.add(30 * 60_000 + 1000);
    t.is(
      (await work('hub.escalation.open', { escalationLevel: 2, inboxItemId: 'INBOX-2' })).vars
        .escalationLevel,
      1,
    );
    t.like((await work('hub.notify.escalation')).vars, { escalationLevel: 2, inboxItemId: 'INBOX-2' });
    await work('hub.deadlines.compute', deadline(await engine.clock.now(), 60 * 60_000));

    await publish('escalation.decided', caseId, {
      escalationDecision: 'reassign',
      decidedBy: 'leader-1',
      assigneeType: 'subcenter',
      assigneeId: 'chengbei',
    });
    const close = await work('hub.escalation.close', { escalationDecision: 'reassign', voidReason: null });
    t.like(close.vars, { escalationDecision: 'reassign', inboxItemId: 'INBOX-2', assigneeId: 'chengbei' });
    const reassign = await work('hub.dispatch.assign');
    t.is(reassign.processInstanceKey, processInstanceKey);
    t.like(reassign.vars, {
      dispatchKind: 'reassign',
      assigneeType: 'subcenter',
      assigneeId: 'chengbei',
      escalationDecision: 'reassign',
    });
    t.like((await work('hub.deadlines.compute', deadline(Date.now()))).vars, {
      deadlineKind: 'sign',
      signedAt: null,
    });

    // The sub-centre signs and re-dispatches to its own unit (second level of command).
    await publish('case.signed', caseId, { signedAt: '2026-10-10T10:00:00+08:00' });
    await work('hub.deadlines.compute', deadline(Date.now()));
    await publish('case.redispatched', caseId, {
      assigneeType: 'department',
      assigneeId: 'chengbei-community-3',
    });
    t.like((await work('hub.dispatch.assign')).vars, {
      dispatchKind: 'redispatch',
      assigneeId: 'chengbei-community-3',
    });
    t.is((await work('hub.deadlines.compute', deadline(Date.now()))).vars.deadlineKind, 'sign');
    await engine.zbc.cancelProcessInstance(processInstanceKey);
  },
);

test.serial(
  'signing after the 80% warning cancels the running escalation: no inbox item at the limit',
  async (t) => {
    const caseId = 'RUN-LATE-SIGN';
    const { processInstanceKey } = await start(caseId, 'supervisor');
    await work('hub.case.intake', {
      needsVerify: false,
      selfHandled: false,
      callbackRequired: false,
      duplicateOf: null,
    });
    await work('hub.case.locate', { gridCode: '32068200100106', streetCode: '320682001' });
    await work('hub.case.classify', { categoryCode: '0504', urgency: 'normal' });
    await publish('case.registered', caseId);
    await publish('case.dispatched', caseId, { assigneeType: 'department', assigneeId: 'market' });
    await work('hub.dispatch.assign');
    await work('hub.deadlines.compute', deadline(await engine.clock.now(), 10 * 60_000));
    await engine.clock.add(8 * 60_000 + 1000);
    const warning = await work('hub.notify.urge');
    t.is(warning.vars.urgeKind, 'warning');

    await publish('case.signed', caseId, { signedAt: '2026-10-11T09:00:00+08:00' });
    t.is((await work('hub.deadlines.compute', deadline(Date.now()))).vars.deadlineKind, 'dispose');
    await engine.clock.add(5 * 60_000);
    const late = await engine.zbc.activateJobs({
      type: 'hub.escalation.open',
      worker: 'contract-test',
      maxJobsToActivate: 1,
      timeout: 30_000,
      requestTimeout: 1000,
    });
    t.is(late.length, 0, 'the escalation instance was cancelled with the 签收 stage');
    t.true(await ended(warning.processInstanceKey), 'the called case-escalation instance is gone');
    await engine.zbc.cancelProcessInstance(processInstanceKey);
  },
);

test.serial('public report found false at 核实 is voided with the reason', async (t) => {
  const caseId = 'RUN-FALSE';
  const { processInstanceKey } = await start(caseId, 'public');
  await work('hub.case.intake', {
    needsVerify: true,
    selfHandled: false,
    callbackRequired: false,
    duplicateOf: null,
  });
  await work('hub.case.locate', { gridCode: '32068200100104', streetCode: '320682001' });
  await work('hub.case.classify', { categoryCode: '0102', urgency: 'normal' });
  await work('hub.verify.assign', { supervisorId: 'S-1' });
  await work('hub.deadlines.compute', deadline(Date.now()));
  await publish('case.verified', caseId, { verifyResult: 'false', voidReason: '现场无暴露垃圾' });
  t.is((await work('hub.case.void')).vars.voidReason, '现场无暴露垃圾');
  t.true(await ended(processInstanceKey));
});

test.serial('a location outside the grid (OUT_OF_AREA) voids the case with the error variable', async (t) => {
  const caseId = 'RUN-OUTSIDE';
  const { processInstanceKey } = await start(caseId, 'open311');
  await work('hub.case.intake', {
    needsVerify: true,
    selfHandled: false,
    callbackRequired: false,
    duplicateOf: null,
  });
  const [job] = await engine.zbc.activateJobs({
    type: 'hub.case.locate',
    worker: 'contract-test',
    maxJobsToActivate: 1,
    timeout: 30_000,
    requestTimeout: 5000,
  });
  await engine.zbc.throwError({
    jobKey: job!.key,
    errorCode: 'OUT_OF_AREA',
    errorMessage: 'outside Rugao',
    variables: { voidReason: '不在管辖范围' },
  });
  t.is((await work('hub.case.void')).vars.voidReason, '不在管辖范围');
  t.true(await ended(processInstanceKey));
});

test.serial('自处理 and duplicate reports end without dispatch', async (t) => {
  const self = await start('RUN-SELF', 'supervisor');
  await work('hub.case.intake', {
    needsVerify: false,
    selfHandled: true,
    callbackRequired: false,
    duplicateOf: null,
  });
  await work('hub.case.locate', { gridCode: '32068200100105', streetCode: '320682001' });
  await work('hub.case.classify', { categoryCode: '0201', urgency: 'normal' });
  t.is((await work('hub.case.close')).processInstanceKey, self.processInstanceKey);
  t.true(await ended(self.processInstanceKey));

  const dup = await start('RUN-DUP', 'video');
  await work('hub.case.intake', {
    needsVerify: true,
    selfHandled: false,
    callbackRequired: false,
    duplicateOf: 'RUN-SELF',
  });
  t.true(await ended(dup.processInstanceKey));
});

test.serial('assessment on demand: compute → store → mail', async (t) => {
  await engine.zbc.publishMessage({
    name: 'assessment.requested',
    correlationKey: '2026-10',
    variables: { periodStart: '2026-10-01', periodEnd: '2026-11-01', requestedBy: 'leader-1' },
    timeToLive: 0,
  });
  const compute = await work('hub.assessment.compute', {
    periodKey: '2026-10',
    periodStart: '2026-10-01',
    periodEnd: '2026-11-01',
    summary: { disposalRate: 0.99, closureRate: 0.98, avgHandlingHours: 11.7 },
  });
  t.deepEqual(compute.vars, { periodStart: '2026-10-01', periodEnd: '2026-11-01', requestedBy: 'leader-1' });
  t.like(
    (await work('hub.assessment.store', { reportId: 'R-2026-10', reportUrl: '/reports/R-2026-10' })).vars,
    {
      periodKey: '2026-10',
    },
  );
  const mail = await work('hub.notify.report');
  t.like(mail.vars, { reportId: 'R-2026-10', periodKey: '2026-10', requestedBy: 'leader-1' });
  t.true(await ended(mail.processInstanceKey));
});
