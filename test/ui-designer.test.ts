// The procedure designer in Debian's Chromium over a real hub: the administrator opens a shipped
// procedure, breaks it in the Zeebe properties panel and sees the Camunda 8.8 lint error (deploy
// refused), fixes it, renames a task, deploys → version 2 in the history and in the engine; the diff of
// version 1 and 2 marks the changed task on both diagrams; roll back → version 3 with version 1's XML.
// A BPMN file from another tool (Camunda 7 style) opens and the page lists what keeps it from deploying.
// The version history is headed by the procedure's name (never its process id) and bpmnlint's canvas
// button reads 未发现问题 / 1 个错误，0 个警告 in zh-CN, its own English in English. The template chooser
// names each template and says what it does in Chinese (no job type); the diff names elements, not ids.
// Procedure versions live in the database the hub uses, so this file runs on both databases.
import test from 'ava';
import type { Page } from 'playwright-core';
import { call } from './helpers/api.ts';
import { loginThroughForm, seriousViolations, useUiHub } from './helpers/browser.ts';

let page: Page;
/** The questions the page asked (confirm), and the answer the next ones get. */
const asked: string[] = [];
let answer: 'accept' | 'dismiss' = 'accept';
const ui = useUiHub(test, async ({ hub, browser }) => {
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('dialog', (d) => {
    asked.push(d.message());
    void d[answer]();
  });
  await loginThroughForm(page, hub.url, 'administrator');
});

/**
 * Until the page's question has reached the test: the click can resolve before Playwright's 'dialog'
 * event does (seen once at load 16: `asked` was still empty).
 */
async function questionAsked() {
  for (let i = 0; i < 50 && asked.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
}

const lintStatus = () => page.getByTestId('lint-status');
const panelGroup = (name: string) =>
  page.locator('#properties .bio-properties-panel-group-header', { hasText: name });

async function versionsOf(id: string): Promise<number[]> {
  const res = await call(ui.hub.url, 'GET', '/api/procedures', {
    token: await ui.hub.token('administrator'),
  });
  return res.body.items
    .find((p: { bpmnProcessId: string }) => p.bpmnProcessId === id)
    .versions.map((v: { version: number }) => v.version);
}

async function xmlOf(id: string, version: number): Promise<string> {
  const res = await call(ui.hub.url, 'GET', `/api/procedures/${id}/versions/${version}`, {
    token: await ui.hub.token('administrator'),
  });
  return res.body.xml;
}

test.serial(
  'break a task, see the lint error, fix it, rename it, deploy → version 2; diff; roll back',
  async (t) => {
    await page.getByRole('link', { name: '流程设计' }).click();
    await page.locator('select#procedure').selectOption('assessment');
    await page.locator('[data-element-id="t_compute"]').first().waitFor();
    await lintStatus().filter({ hasText: '检查通过，可以部署' }).waitFor();
    t.deepEqual(
      await page
        .getByTestId('versions')
        .locator('tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-version'))),
      ['1'],
    );
    // The history is the procedure's by its name (never the process id 'assessment'), its heads in words.
    await page.getByRole('heading', { name: '考核评价的版本历史' }).waitFor();
    t.deepEqual(await page.getByTestId('versions').locator('thead th').allInnerTexts(), [
      '版本',
      '部署时间',
      '操作',
    ]);
    t.notRegex(await page.getByTestId('versions').innerText(), /assessment/);
    // bpmnlint's button on the canvas says it in Chinese too.
    t.is((await page.locator('.bjsl-button').innerText()).trim(), '未发现问题');
    t.deepEqual(await seriousViolations(page), []);

    // Clear the job type in the Zeebe properties panel: the Camunda 8.8 rules refuse it.
    await page.locator('[data-element-id="t_compute"]').first().click();
    await panelGroup('任务定义').click();
    const jobType = page.locator('#properties input[name="taskDefinitionType"]');
    t.is(await jobType.inputValue(), 'hub.assessment.compute');
    await jobType.fill('');
    await lintStatus().filter({ hasText: '1 个错误' }).waitFor();
    t.is((await page.locator('.bjsl-button').innerText()).trim(), '1 个错误，0 个警告');
    t.is(
      await page.getByTestId('lint-errors').locator('li').innerText(),
      '计算考核指标 (t_compute): 类型为 <zeebe:TaskDefinition> 的元素必须有属性 <type> camunda-compat/implementation',
    );
    t.true(await page.getByRole('button', { name: '部署' }).isDisabled());
    // The error is marked on the canvas too (bpmn-js-bpmnlint's overlay on the element).
    t.is(await page.locator('.djs-overlay-linting .bjsl-icon-error').count(), 1);

    // Fix it, and make the change we want: a new name for the task.
    await jobType.fill('hub.assessment.compute');
    await lintStatus().filter({ hasText: '检查通过，可以部署' }).waitFor();
    const name = page.locator('#properties [name="name"]');
    // The panel remembers which groups are open: open General only when it is closed.
    if (!(await name.isVisible())) await panelGroup('常规').click();
    await name.fill('计算月度考核指标');
    await name.press('Tab');
    await page.getByText('有未部署的修改').waitFor();
    // Leaving now asks first; staying keeps the page, its address and the change.
    answer = 'dismiss';
    await page.getByRole('link', { name: '案卷' }).first().click();
    await questionAsked();
    t.deepEqual(asked.splice(0), ['有未部署的修改，离开后这些修改将丢失。确定离开？']);
    t.true(page.url().endsWith('#/designer'));
    t.is(await page.locator('#properties [name="name"]').inputValue(), '计算月度考核指标');
    await page.getByText('有未部署的修改').waitFor();
    answer = 'accept';

    // The panel's template "Select" opens the chooser with the templates that apply to a task.
    await page.locator('#properties .bio-properties-panel-select-template-button').click();
    const chooser = page.getByTestId('template-chooser');
    await chooser.getByRole('heading', { name: '选择模板' }).waitFor();
    await chooser.getByLabel('搜索模板').fill('催办');
    // Each template by its name and what it does in Chinese: no job type in brackets, no English.
    t.deepEqual(await chooser.locator('button.template strong').allTextContents(), ['催办邮件']);
    t.notRegex(await chooser.locator('button.template span').innerText(), /[A-Za-z]/);
    // The job type still finds it.
    await chooser.getByLabel('搜索模板').fill('hub.notify.urge');
    t.deepEqual(await chooser.locator('button.template strong').allTextContents(), ['催办邮件']);
    t.deepEqual(await seriousViolations(page), []);
    await page.screenshot({ path: '/tmp/m2/designer-template-chooser.png' });
    await chooser.getByRole('button', { name: '取消' }).click();
    await chooser.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: '部署' }).click();
    await page.getByTestId('deploy-message').filter({ hasText: '已部署：考核评价 版本 2' }).waitFor();
    t.deepEqual(
      await page
        .getByTestId('versions')
        .locator('tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-version'))),
      ['2', '1'],
    );
    t.deepEqual(await versionsOf('assessment'), [2, 1]);
    t.regex(await xmlOf('assessment', 2), /id="t_compute" name="计算月度考核指标"/);

    // The diff of version 1 and 2: the renamed task is marked changed on both diagrams.
    await page.locator('tr[data-version="1"]').getByRole('button', { name: '与当前版本对比' }).click();
    const diff = page.getByTestId('diff');
    await diff.getByRole('heading', { name: '版本对比：版本 1 → 版本 2' }).waitFor();
    await diff.locator('[data-diff="Changed"]').waitFor();
    t.is(
      await diff.locator('[data-diff="Changed"] [data-element="t_compute"]').innerText(),
      // By its name, not its id (t_compute).
      '计算月度考核指标：名称 计算考核指标 → 计算月度考核指标',
    );
    t.is(await diff.locator('[data-diff="Added"]').count(), 0);
    t.is(await diff.locator('[data-diff="Removed"]').count(), 0);
    for (const side of ['#diff-a', '#diff-b'])
      t.is(await page.locator(`${side} g.diff-changed[data-element-id="t_compute"]`).count(), 1);
    t.deepEqual(await seriousViolations(page), []);

    // Roll back to version 1: a new version 3 with version 1's XML.
    await page.locator('tr[data-version="1"]').getByRole('button', { name: '回滚到此版本' }).click();
    await page.getByTestId('deploy-message').filter({ hasText: '已回滚：新版本 3' }).waitFor();
    t.deepEqual(await versionsOf('assessment'), [3, 2, 1]);
    t.is(await xmlOf('assessment', 3), await xmlOf('assessment', 1));

    t.deepEqual(asked.splice(0), ['将版本 1 重新部署为最新版本？']);

    // The procedure chosen is the one the designer opens next time (the first in the list otherwise).
    await page.locator('select#procedure').selectOption('case-escalation');
    await page.reload();
    await page.locator('[data-element-id]').first().waitFor();
    t.is(await page.locator('select#procedure').inputValue(), 'case-escalation');
    t.deepEqual(asked, [], 'nothing unsaved: nothing asked');
  },
);

// A Camunda 7 diagram as Camunda Modeler 5 (Platform) writes it: Java class delegates, no zeebe: extension.
const CAMUNDA7 = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Defs_1" targetNamespace="http://bpmn.io/schema/bpmn"
  exporter="Camunda Modeler" exporterVersion="5.20.0">
  <bpmn:process id="legacy-complaint" name="投诉处理" isExecutable="true" camunda:historyTimeToLive="180">
    <bpmn:startEvent id="start" name="收到投诉"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="notify" name="通知部门" camunda:class="cn.gov.rugao.NotifyDelegate">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:endEvent id="end" name="结束"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="notify" />
    <bpmn:sequenceFlow id="f2" sourceRef="notify" targetRef="end" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="D1"><bpmndi:BPMNPlane id="P1" bpmnElement="legacy-complaint">
    <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="100" y="100" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="notify_di" bpmnElement="notify"><dc:Bounds x="200" y="78" width="100" height="80" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="360" y="100" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="136" y="118" /><di:waypoint x="200" y="118" /></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="300" y="118" /><di:waypoint x="360" y="118" /></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>`;

test.serial(
  'a Camunda 7 file from another tool opens; the page says what keeps it from deploying',
  async (t) => {
    const before = await versionsOf('assessment');
    await page.getByLabel('打开本地文件').setInputFiles({
      name: 'complaint.bpmn',
      mimeType: 'application/xml',
      buffer: Buffer.from(CAMUNDA7),
    });
    await page.locator('[data-element-id="notify"]').first().waitFor();
    await lintStatus().filter({ hasText: '个错误' }).waitFor();
    const errors = await page.getByTestId('lint-errors').locator('li').allInnerTexts();
    t.true(
      errors.includes(
        '通知部门 (notify): 类型为 <bpmn:ServiceTask> 的元素必须有一个类型为 <zeebe:TaskDefinition> 的扩展元素 camunda-compat/implementation',
      ),
      errors.join('\n'),
    );
    t.true(await page.getByRole('button', { name: '部署' }).isDisabled());
    t.deepEqual(await versionsOf('assessment'), before);
    t.is(
      (
        await call(ui.hub.url, 'GET', '/api/procedures', { token: await ui.hub.token('administrator') })
      ).body.items.some((p: { bpmnProcessId: string }) => p.bpmnProcessId === 'legacy-complaint'),
      false,
    );

    // In English the panel and the findings keep bpmn-js's and bpmnlint's own words.
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Procedure designer' }).waitFor();
    await page.locator('[data-element-id]').first().waitFor();
    // Nothing selected: the panel shows the procedure itself, whose first group is General.
    await page.locator('#properties .bio-properties-panel-group-header', { hasText: 'General' }).waitFor();
    t.is(await panelGroup('常规').count(), 0);
    // The page opens the remembered procedure again, lint clean: bpmnlint's own English words.
    await lintStatus().filter({ hasText: 'Lint clean: ready to deploy' }).waitFor();
    t.is((await page.locator('.bjsl-button').innerText()).trim(), 'No Issues');
    await page.getByRole('button', { name: '中文' }).click();
    await panelGroup('常规')
      .or(page.getByRole('heading', { name: '流程设计' }))
      .first()
      .waitFor();
  },
);
