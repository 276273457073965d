// 运维管理's 流程事故 (incidents) in Debian's Chromium over a real hub: a job of a procedure the administrator
// deployed fails with no retries left; the page names the procedure and the step by the names the designer
// gave them (never the ids), says the incident's kind in words with the worker's message, keeps 重试 on
// one line at 1440x900 and at 390x844, and 重试 resolves it (the instance goes on and the row is gone).
// 适配器 names each adapter by the system it joins (no code in brackets) with its state as 正常/异常/未知
// and its lag in 秒/分钟; in English the same table reads in English.
import test from 'ava';
import type { Page } from 'playwright-core';
import { call } from './helpers/api.ts';
import { loginThroughForm, seriousViolations, useUiHub } from './helpers/browser.ts';

let page: Page;
const ui = useUiHub(test, async ({ hub, browser }) => {
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await loginThroughForm(page, hub.url, 'administrator');
});

// A procedure as the designer deploys it (with its diagram, so the hub's lint accepts it).
const SYNC = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:modeler="http://camunda.org/schema/modeler/1.0"
  id="d" targetNamespace="http://bpmn.io/schema/bpmn" modeler:executionPlatform="Camunda Cloud" modeler:executionPlatformVersion="8.8.0">
  <bpmn:process id="ops-sync" name="城管通数据同步" isExecutable="true">
    <bpmn:startEvent id="start" name="开始"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="push" name="推送到城管通">
      <bpmn:extensionElements><zeebe:taskDefinition type="ops-sync-push" /></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:endEvent id="end" name="结束"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="push" />
    <bpmn:sequenceFlow id="f2" sourceRef="push" targetRef="end" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="D1"><bpmndi:BPMNPlane id="P1" bpmnElement="ops-sync">
    <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="100" y="100" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="push_di" bpmnElement="push"><dc:Bounds x="200" y="78" width="100" height="80" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="360" y="100" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="136" y="118" /><di:waypoint x="200" y="118" /></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="300" y="118" /><di:waypoint x="360" y="118" /></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>`;

test.serial('流程事故: named in words, retried from the page', async (t) => {
  const { zeebe } = ui.hub.hub;
  const token = await ui.hub.token('administrator');
  const deployed = await call(ui.hub.url, 'POST', '/api/procedures/deployments', {
    token,
    body: { xml: SYNC },
  });
  t.is(deployed.status, 200, JSON.stringify(deployed.body));
  const { processInstanceKey } = await zeebe.createProcessInstance({
    bpmnProcessId: 'ops-sync',
    variables: {},
  });
  const [job] = await zeebe.activateJobs({
    type: 'ops-sync-push',
    worker: 'test',
    maxJobsToActivate: 1,
    timeout: 60_000,
    requestTimeout: -1,
  });
  await zeebe.failJob({
    jobKey: job!.key,
    retries: 0,
    errorMessage: '城管通 接口超时 (504)',
    retryBackOff: 0,
  });

  await page.getByRole('link', { name: '运维管理' }).click();
  await page.getByRole('tab', { name: '流程事故' }).click();
  const row = page.getByTestId('incidents').locator('tbody tr');
  await row.first().waitFor();
  t.is(await row.count(), 1);
  const cells = (await row.locator('td').allInnerTexts()).map((c) => c.trim());
  t.is(cells[0], '—');
  t.is(cells[1], '城管通数据同步 · 推送到城管通');
  t.regex(cells[2]!, /^任务重试次数已用尽：城管通 接口超时 \(504\)\n\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}$/);
  const retry = row.getByRole('button', { name: '重试' });
  // One line: the words of the button make one box (a wrapped 重试 makes two), here and on a phone.
  const oneLine = () =>
    retry.evaluate((b) => {
      type Rects = { getClientRects(): ArrayLike<{ width: number }> };
      const doc = b.ownerDocument as unknown as {
        createRange(): Rects & { selectNodeContents(n: unknown): void };
      };
      const range = doc.createRange();
      range.selectNodeContents(b);
      return Array.from(range.getClientRects()).filter((r) => r.width > 0).length === 1;
    });
  t.true(await oneLine());
  t.deepEqual(await seriousViolations(page), []);
  await page.screenshot({ path: '/tmp/m2/ops-incidents.png', fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  t.true(await oneLine());
  await page.screenshot({ path: '/tmp/m2/ops-incidents-phone.png', fullPage: true });
  await page.setViewportSize({ width: 1440, height: 900 });

  await retry.click();
  await page.getByText('操作成功').first().waitFor();
  await page.getByTestId('incidents').waitFor({ state: 'detached' });
  // The job is back with one retry: the worker's second attempt completes the instance.
  const [again] = await zeebe.activateJobs({
    type: 'ops-sync-push',
    worker: 'test',
    maxJobsToActivate: 1,
    timeout: 60_000,
    requestTimeout: -1,
  });
  t.is(again!.processInstanceKey, processInstanceKey);
  await zeebe.completeJob({ jobKey: again!.key, variables: {} });
});

test.serial(
  '适配器: each by the name of the system it joins, its state in words, in either language',
  async (t) => {
    await page.getByRole('link', { name: '运维管理' }).click();
    await page.getByRole('tab', { name: '适配器' }).click();
    const row = (name: string) => page.locator(`tr[data-adapter="${name}"]`);
    await row('hotline').waitFor();
    const cells = async (name: string) =>
      (await row(name).locator('th, td').allInnerTexts()).map((c) => c.trim());
    // The demo's simulators answer their health check; Open311 is the hub's own API and has none.
    t.deepEqual((await cells('hotline')).slice(0, 2), ['12319 城建服务热线', '正常']);
    t.deepEqual((await cells('open311')).slice(0, 2), ['市民上报（Open311 接口）', '未知']);
    for (const tr of await page.locator('tr[data-adapter]').all()) {
      const [name, state, lag, backlog] = (await tr.locator('th, td').allInnerTexts()).map((c) => c.trim());
      // No adapter code in brackets, no English state, no English unit.
      t.notRegex(name!, /\((hotline|open311|sanitation|video|parking|utilities|department)\)/);
      t.true(['正常', '异常', '未知'].includes(state!), state);
      t.regex(lag!, /^(—|\d+ (秒|分钟)) \/ (—|\d+ (秒|分钟))$/);
      t.regex(backlog!, /^\d+（\d+）$/);
    }
    await page.screenshot({ path: '/tmp/m2/ops-adapters.png', fullPage: true });

    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('tab', { name: 'Adapters' }).click();
    await page.getByRole('rowheader', { name: '12319 city services hotline' }).waitFor();
    t.deepEqual((await cells('hotline')).slice(0, 2), ['12319 city services hotline', 'Up']);
    t.deepEqual((await cells('open311')).slice(0, 2), ['Citizen reports (Open311)', 'Unknown']);
    t.notRegex(await page.locator('[role=tabpanel]').innerText(), /[\u4e00-\u9fff]/);
    await page.screenshot({ path: '/tmp/m2/ops-adapters-en.png', fullPage: true });
    await page.getByRole('button', { name: '中文' }).click();
  },
);
