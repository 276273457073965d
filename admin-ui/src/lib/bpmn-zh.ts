/**
 * The designer's bpmn-js parts in Chinese, English kept: a translate module (bpmn-js's `translate`
 * service, which the palette, the context pad, the properties panel and the lint overlay call) with our
 * own zh-CN dictionary, and the lint findings' messages (bpmnlint writes them in English, outside
 * `translate`) by their shapes. When the UI is in English, or a string is not in the dictionary, the
 * English text stays: a missing entry shows the original, never an empty label.
 */
import { currentLang } from './i18n.ts';

/** The words an administrator meets drawing a procedure: palette, context pad, panel groups and fields. */
const ZH: Record<string, string> = {
  // properties panel: groups
  General: '常规',
  Documentation: '说明',
  Template: '模板',
  'Task definition': '任务定义',
  'Job priority': '任务优先级',
  'Input mapping': '输入映射',
  'Output mapping': '输出映射',
  Headers: '任务头',
  'Execution listeners': '执行监听器',
  'Extension properties': '扩展属性',
  Inputs: '输入',
  Outputs: '输出',
  Timer: '定时器',
  Message: '消息',
  Condition: '条件',
  Form: '表单',
  Assignment: '分配',
  'Multi-instance': '多实例',
  'Called element': '被调用的流程',
  Error: '错误',
  Escalation: '升级',
  Signal: '信号',
  // properties panel: fields
  Name: '名称',
  ID: 'ID',
  Type: '类型',
  Retries: '重试次数',
  Priority: '优先级',
  'Job type': '任务类型',
  'Element documentation': '元素说明',
  'Process documentation': '流程说明',
  'Local variable name': '局部变量名',
  'Process variable name': '流程变量名',
  'Variable assignment value': '变量赋值',
  Key: '键',
  Value: '值',
  'Timer type': '定时器类型',
  'Correlation key': '关联键',
  'Condition expression': '条件表达式',
  Assignee: '处理人',
  'Candidate groups': '候选组',
  'Candidate users': '候选人',
  'Due date': '到期时间',
  'Follow up date': '跟进时间',
  Version: '版本',
  Select: '选择',
  Change: '更换',
  Unlink: '取消关联',
  Remove: '移除',
  'Select a template': '选择模板',
  // the panel's header: the element's kind
  Process: '流程',
  Task: '任务',
  'Service Task': '服务任务',
  'User Task': '人工任务',
  'Send Task': '发送任务',
  'Receive Task': '接收任务',
  'Script Task': '脚本任务',
  'Business Rule Task': '业务规则任务',
  'Call Activity': '调用活动',
  'Sub Process': '子流程',
  'Start Event': '开始事件',
  'Message Start Event': '消息开始事件',
  'Timer Start Event': '定时开始事件',
  'End Event': '结束事件',
  'Error End Event': '错误结束事件',
  'Exclusive Gateway': '排他网关',
  'Parallel Gateway': '并行网关',
  'Event Based Gateway': '事件网关',
  'Inclusive Gateway': '包容网关',
  'Intermediate Catch Event': '中间捕获事件',
  'Message Intermediate Catch Event': '消息中间捕获事件',
  'Timer Intermediate Catch Event': '定时中间捕获事件',
  'Timer Boundary Event': '定时边界事件',
  'Timer Boundary Event (Non Interrupting)': '定时边界事件（不中断）',
  'Message Boundary Event': '消息边界事件',
  'Error Boundary Event': '错误边界事件',
  'Sequence Flow': '顺序流',
  // palette and context pad
  'Activate hand tool': '抓手工具',
  'Activate lasso tool': '套索工具',
  'Activate create/remove space tool': '创建/删除空间工具',
  'Activate global connect tool': '全局连线工具',
  'Create start event': '创建开始事件',
  'Create intermediate/boundary event': '创建中间/边界事件',
  'Create end event': '创建结束事件',
  'Create gateway': '创建网关',
  'Create task': '创建任务',
  'Create expanded sub-process': '创建展开的子流程',
  'Create data object reference': '创建数据对象引用',
  'Create data store reference': '创建数据存储引用',
  'Create pool/participant': '创建池/参与者',
  'Create group': '创建分组',
  'Append end event': '追加结束事件',
  'Append gateway': '追加网关',
  'Append task': '追加任务',
  'Append intermediate/boundary event': '追加中间/边界事件',
  'Append text annotation': '追加文本注释',
  'Connect using sequence/message flow or association': '用顺序流/消息流或关联连接',
  'Connect to other element': '连接到其他元素',
  Delete: '删除',
  'Change element': '更改元素类型',
  // lint overlay
  'Toggle linting overlays': '显示/隐藏检查标记',
  'Issues for child elements': '子元素的问题',
  'No Issues': '未发现问题',
  '{errors} Errors, {warnings} Warnings': '{errors} 个错误，{warnings} 个警告',
};

/** bpmn-js's translate: `{name}` placeholders filled in, the Chinese text when there is one. */
export function translate(template: string, replacements: Record<string, string> = {}): string {
  const text = currentLang() === 'zh-CN' ? (ZH[template] ?? template) : template;
  return text.replace(/{([^}]+)}/g, (_, key: string) => replacements[key] ?? `{${key}}`);
}

/** The module the modeler takes in `additionalModules`: it replaces the default (English) translate. */
export const translateModule = { translate: ['value', translate] };

/** bpmnlint's messages by shape (camunda-compat and the recommended rules); others stay as they are. */
const LINT: [RegExp, (...m: string[]) => string][] = [
  [/^Element of type <(.+?)> must have property (.+)$/, (t, p) => `类型为 <${t}> 的元素必须有属性 ${p}`],
  [
    /^Element of type <(.+?)> must have one extension element of type (.+)$/,
    (t, e) => `类型为 <${t}> 的元素必须有一个类型为 ${e} 的扩展元素`,
  ],
  [/^Property <(.+?)> must have value of <(.+?)>$/, (p, v) => `属性 <${p}> 的值必须是 <${v}>`],
  [/^Property <(.+?)> must have expression value$/, (p) => `属性 <${p}> 必须是表达式`],
  [/^Property <(.+?)> is not allowed$/, (p) => `不允许属性 <${p}>`],
  [/^Element of type <(.+?)> is not supported by (.+)$/, (t, v) => `${v} 不支持类型为 <${t}> 的元素`],
  [/^Element is missing label\/name$/, () => '元素缺少名称'],
  [/^Element is missing bpmndi$/, () => '元素缺少图形信息（bpmndi）'],
  [/^Process is missing start event$/, () => '流程缺少开始事件'],
  [/^Process is missing end event$/, () => '流程缺少结束事件'],
  [/^Element is not connected$/, () => '元素没有连线'],
  [/^Element has disallowed type <(.+?)>$/, (t) => `不允许的元素类型 <${t}>`],
  [/^Sequence flow is missing condition$/, () => '顺序流缺少条件'],
];

/** A lint finding's message in the UI's language. */
export function lintMessage(message: string): string {
  if (currentLang() !== 'zh-CN') return message;
  for (const [shape, zh] of LINT) {
    const m = shape.exec(message);
    if (m) return zh(...m.slice(1));
  }
  return message;
}
