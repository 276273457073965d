/**
 * Message correlation through the engine's v2 API (POST /v2/messages/correlation), with Camunda's
 * REST-only client validating the answers against Camunda's schema: the answer names the instance the
 * message reached (a waiting one, or one a message start event started); nothing waiting is a 404
 * problem and the message is not kept for later; bad bodies are 400 naming the property.
 */
import test from 'ava';
import { startRestV2, type RestV2 } from './helpers/rest-v2.ts';
import { bpmn, chain, end, eventually, serviceTask, start } from './engine/support.ts';

let v2: RestV2;
test.before(async () => {
  v2 = await startRestV2();
  const message = (id: string, name: string, key: string) =>
    `<bpmn:message id="${id}" name="${name}"><bpmn:extensionElements><zeebe:subscription correlationKey="${key}" /></bpmn:extensionElements></bpmn:message>`;
  // waits for 补充材料 of its case, then 复核
  const waiting = bpmn(
    'v2_corr_wait',
    start() +
      '<bpmn:intermediateCatchEvent id="material"><bpmn:messageEventDefinition messageRef="m_material" /></bpmn:intermediateCatchEvent>' +
      serviceTask('review', 'v2-corr-review') +
      end() +
      chain('start', 'material', 'review', 'end'),
    message('m_material', '补充材料', '=caseNo'),
  );
  // a 举报 message starts an instance
  const started = bpmn(
    'v2_corr_start',
    '<bpmn:startEvent id="reported"><bpmn:messageEventDefinition messageRef="m_report" /></bpmn:startEvent>' +
      serviceTask('triage', 'v2-corr-triage') +
      end() +
      chain('reported', 'triage', 'end'),
    '<bpmn:message id="m_report" name="举报" />',
  );
  await v2.camunda.createDeployment({
    resources: [
      new File([waiting], 'wait.bpmn', { type: 'application/xml' }),
      new File([started], 'start.bpmn', { type: 'application/xml' }),
    ],
  });
});
test.after.always(async () => {
  await v2?.close();
});

const NOW = { consistency: { waitUpToMs: 0 } };

test('correlation answers the instance the message reached; its variables arrive there', async (t) => {
  const startWaiting = async (caseNo: string) =>
    String(
      (
        await v2.camunda.createProcessInstance({
          processDefinitionId: 'v2_corr_wait' as never,
          variables: { caseNo },
        })
      ).processInstanceKey,
    );
  const first = await startWaiting('NT-2026-0101');
  const other = await startWaiting('NT-2026-0102');

  const result = await v2.camunda.correlateMessage({
    name: '补充材料',
    correlationKey: 'NT-2026-0101',
    variables: { materials: ['现场照片'] },
  });
  t.is(String(result.processInstanceKey), first);
  t.is(String(result.tenantId), '<default>');
  t.regex(String(result.messageKey), /^\d+$/);

  // the instance went on to 复核 with the message's variables; the other still waits
  const { jobs } = await v2.camunda.activateJobs({
    type: 'v2-corr-review',
    timeout: 60_000,
    maxJobsToActivate: 5,
    requestTimeout: -1,
  });
  t.deepEqual(
    jobs.map((j) => [String(j.processInstanceKey), j.variables.materials]),
    [[first, ['现场照片']]],
  );
  const waitingAt = await v2.rest('POST', '/v2/element-instances/search', {
    filter: { processInstanceKey: other, state: 'ACTIVE', type: 'INTERMEDIATE_CATCH_EVENT' },
  });
  t.deepEqual(
    waitingAt.body.items.map((e: { elementId: string }) => e.elementId),
    ['material'],
  );
});

test('a message start event: the answer is the instance it started', async (t) => {
  const result = await v2.camunda.correlateMessage({ name: '举报', variables: { address: '长寿路12号' } });
  const started = await eventually(async () => {
    const pi = await v2.camunda.getProcessInstance(
      { processInstanceKey: result.processInstanceKey as never },
      NOW,
    );
    return pi.processDefinitionId === 'v2_corr_start' && pi;
  });
  t.is(started.state, 'ACTIVE');
  const vars = await v2.camunda.searchVariables(
    { filter: { processInstanceKey: String(result.processInstanceKey) as never } },
    NOW,
  );
  t.deepEqual(
    vars.items.map((v) => [v.name, v.value]),
    [['address', '"长寿路12号"']],
  );
});

test('nothing waits for the message: 404 problem, and the message is not kept for a later instance', async (t) => {
  const missed = await v2.rest('POST', '/v2/messages/correlation', {
    name: '补充材料',
    correlationKey: 'NT-2026-0199',
    variables: { late: true },
  });
  t.is(missed.status, 404, JSON.stringify(missed.body));
  t.regex(missed.type, /^application\/problem\+json/);
  t.like(missed.body, { status: 404, title: 'NOT_FOUND' });
  t.regex(missed.body.detail, /name '补充材料' and correlation key 'NT-2026-0199', but none was found/);
  // the client reports it as an error with the status
  const err = await t.throwsAsync(
    v2.camunda.correlateMessage({ name: '补充材料', correlationKey: 'NT-2026-0199' }),
  );
  t.regex(String((err as { status?: unknown }).status ?? err?.message), /404/);

  // an instance that subscribes afterwards is not reached: correlation buffers nothing
  const later = await v2.camunda.createProcessInstance({
    processDefinitionId: 'v2_corr_wait' as never,
    variables: { caseNo: 'NT-2026-0199' },
  });
  const waitingAt = await v2.rest('POST', '/v2/element-instances/search', {
    filter: { processInstanceKey: String(later.processInstanceKey), state: 'ACTIVE' },
    sort: [{ field: 'elementInstanceKey' }],
  });
  t.deepEqual(
    waitingAt.body.items.map((e: { elementId: string }) => e.elementId),
    ['v2_corr_wait', 'material'],
  );
  const vars = await v2.camunda.searchVariables(
    { filter: { processInstanceKey: String(later.processInstanceKey) as never, name: 'late' } },
    NOW,
  );
  t.deepEqual(vars.items, []);
});

test('bad correlation bodies are 400 naming the property', async (t) => {
  const problem = async (body: unknown, detail: RegExp) => {
    const r = await v2.rest('POST', '/v2/messages/correlation', body);
    t.is(r.status, 400, JSON.stringify(r.body));
    t.regex(r.type, /^application\/problem\+json/);
    t.regex(r.body.detail, detail);
  };
  await problem({ correlationKey: 'x' }, /^name is required/);
  await problem({ name: 'x', timeToLive: 1000 }, /timeToLive/);
  await problem({ name: 'x', variables: [1] }, /^variables must be a JSON object/);
  await problem({ name: 7 }, /^name must be a string/);
});
