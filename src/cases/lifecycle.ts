/**
 * The case lifecycle vocabulary: the statuses a case (案卷) passes through and the timeline event types
 * (CaseEvent.type) that move it, with the allowed transitions as data. The API checks every action with
 * `applyEvent` before it records it and publishes the matching message (processes/README.md: "the API
 * only publishes an action the case store says is valid"); the assessment replays the same events.
 *
 * Statuses are the stored enum CaseStatus (prisma/model.prisma). Two words people use are not statuses
 * of their own: 处置中 (disposing) is `signed` — the department signed for the case and is working on it;
 * 回退 (returned) puts the case back to `registered`, waiting for the dispatcher, exactly like a newly
 * registered case.
 */
import { conflict } from '../errors.ts';
import type { CaseSource, CaseStatus } from '../db/index.ts';

/** Every case status, in lifecycle order. */
export const CASE_STATUSES = [
  'reported',
  'accepted',
  'verifying',
  'registered',
  'dispatched',
  'signed',
  'disposed',
  'checking',
  'closed',
  'voided',
  'suspended',
] as const satisfies readonly CaseStatus[];

/** Statuses after which nothing but a 回访 (callback), the reopen a 不满意 回访 causes, and a leader's 批示 may be recorded. */
export const FINAL_STATUSES: readonly CaseStatus[] = ['closed', 'voided'];

/** 中文 names, for timelines and reports. */
export const STATUS_LABELS: Record<CaseStatus, string> = {
  reported: '上报',
  accepted: '受理',
  verifying: '核实中',
  registered: '立案',
  dispatched: '已派遣',
  signed: '处置中',
  disposed: '处置完成',
  checking: '核查中',
  closed: '结案',
  voided: '作废',
  suspended: '挂账',
};

/**
 * Where an event leaves the case: a status, `same` (the status does not change, e.g. 催办), or `resume`
 * (back to the status the case had when it was suspended).
 */
export type Target = CaseStatus | 'same' | 'resume';

export interface EventRule {
  /** 中文 name shown on the timeline. */
  label: string;
  /** Statuses the event may happen in; `null` = the event creates the case. */
  from: readonly CaseStatus[] | null;
  to: Target;
  /** What the event means for the assessment and the procedures (shown in docs and errors). */
  meaning: string;
}

/** The open statuses of a case in a department's hands (dispatch round running). */
const HELD: readonly CaseStatus[] = ['dispatched', 'signed'];
/** Every status before 结案/作废: a case still being worked on. */
export const OPEN_STATUSES: CaseStatus[] = CASE_STATUSES.filter((s) => !FINAL_STATUSES.includes(s));

/**
 * The timeline event types and the transitions they make. Data, so that the admin UI can show it and
 * tests can check it; keep it in step with processes/README.md (message ↔ event in the comments).
 */
export const EVENT_RULES = {
  reported: { label: '上报', from: null, to: 'reported', meaning: 'the case row is created' },
  accepted: { label: '受理', from: ['reported'], to: 'accepted', meaning: 'an acceptor took the report' },
  merged: {
    label: '合并',
    from: ['reported', 'accepted', 'verifying'],
    to: 'voided',
    meaning: 'a duplicate merged into an open case (scenario 4); never 立案',
  },
  verify_requested: {
    label: '派发核实',
    from: ['reported', 'accepted'],
    to: 'verifying',
    meaning: 'the acceptor sent a 核实 task to the grid supervisor',
  },
  // case.verified (verifyResult confirmed); a false report is recorded as `voided`, 自处理 as `self_handled`
  verified: {
    label: '核实属实',
    from: ['verifying'],
    to: 'accepted',
    meaning: 'the supervisor confirmed the report on site; it waits for 立案',
  },
  // case.registered
  registered: {
    label: '立案',
    from: ['reported', 'accepted'],
    to: 'registered',
    meaning: 'the case enters the assessment (its period is the period of this event)',
  },
  // case.voided, case.verified (false), OUT_OF_AREA, escalation decision void
  voided: {
    label: '作废',
    from: OPEN_STATUSES,
    to: 'voided',
    meaning: 'the case leaves every denominator (应处置, 应结案, 漏报)',
  },
  // 自处理: the supervisor fixed it on the spot; hub.case.close then records `closed`
  self_handled: {
    label: '自处理',
    from: ['reported', 'accepted', 'verifying'],
    to: 'disposed',
    meaning: 'registered and disposed at once by the supervisor, no department involved',
  },
  // case.dispatched (first-level dispatch, also the dispatch after a 回退)
  dispatched: {
    label: '派遣',
    from: ['registered'],
    to: 'dispatched',
    meaning: 'a dispatch round starts: the department (departmentId) holds the case',
  },
  // case.redispatched: a street sub-centre passes the case to one of its own units (二级派遣)
  redispatched: {
    label: '二级派遣',
    from: HELD,
    to: 'dispatched',
    meaning: 'second-level dispatch by a sub-centre; not a wrong dispatch, not 返工',
  },
  // escalation decision reassign (改派)
  reassigned: {
    label: '改派',
    from: HELD,
    to: 'dispatched',
    meaning: 'the shift leader moved the case to another department; the case was not dispatched accurately',
  },
  return_requested: { label: '申请回退', from: HELD, to: 'same', meaning: 'case.returnRequested' },
  return_rejected: { label: '回退不同意', from: HELD, to: 'same', meaning: 'case.returnDecided false' },
  // case.returnDecided true
  returned: {
    label: '回退',
    from: HELD,
    to: 'registered',
    meaning: 'a wrong dispatch sent back to the dispatcher: lowers 准确派遣率, is NOT 返工',
  },
  // case.signed
  signed: { label: '签收', from: ['dispatched'], to: 'signed', meaning: 'the department signed for it' },
  extension_requested: { label: '申请延期', from: HELD, to: 'same', meaning: 'case.extensionRequested' },
  extension_rejected: { label: '延期不同意', from: HELD, to: 'same', meaning: 'case.extensionDecided false' },
  // case.extensionDecided true, or an escalation decision extend
  extension_approved: {
    label: '延期',
    from: HELD,
    to: 'same',
    meaning: 'the deadline moves (a deadline_set follows); counts in 延期率, keeps the case 按期',
  },
  suspension_requested: { label: '申请挂账', from: HELD, to: 'same', meaning: 'case.suspensionRequested' },
  suspension_rejected: {
    label: '挂账不同意',
    from: HELD,
    to: 'same',
    meaning: 'case.suspensionDecided false',
  },
  // case.suspensionDecided true
  suspended: {
    label: '挂账',
    from: HELD,
    to: 'suspended',
    meaning: 'the clock pauses and the case leaves 应结案 while suspended',
  },
  // case.resumed
  resumed: {
    label: '挂账恢复',
    from: ['suspended'],
    to: 'resume',
    meaning: 'back to the status it had when suspended; the clock runs again',
  },
  // case.disposed
  disposed: {
    label: '处置反馈',
    from: ['signed'],
    to: 'disposed',
    meaning: 'the department reports the disposal (处置)',
  },
  check_requested: {
    label: '派发核查',
    from: ['disposed'],
    to: 'checking',
    meaning: 'the acceptor sent a 核查 task to the grid supervisor',
  },
  // case.checked passed
  check_passed: {
    label: '核查通过',
    from: ['checking'],
    to: 'same',
    meaning: 'the disposal stands; 结案 follows',
  },
  // case.checked failed: hub.dispatch.assign (rework) sends it to the same department again
  check_failed: {
    label: '核查不通过',
    from: ['checking'],
    to: 'dispatched',
    meaning: '返工: the SAME department gets the case again; counts in 返工率',
  },
  // hub.case.close
  closed: {
    label: '结案',
    from: ['disposed', 'checking'],
    to: 'closed',
    meaning: 'closed after a passed 核查 (or at once after 自处理)',
  },
  // case.callbackDone
  callback: {
    label: '回访',
    from: ['closed'],
    to: 'same',
    meaning: 'hotline callback; data.satisfaction satisfied | basic | unsatisfied | unreachable',
  },
  // the hotline's 不满意 回访 (adapters/hotline): domain.md §2 "unsatisfied → 回退 and redo"
  reopened: {
    label: '回访不满意重办',
    from: ['closed'],
    to: 'registered',
    meaning:
      'the caller was not satisfied: the same case goes back to the dispatcher (like 回退); the unit whose disposal was rejected (departmentId) is charged 返工',
  },
  // case.enforcementHanded: the dispatcher hands the case to 综合行政执法局 instead of dispatching it; the
  // enforcement procedure runs and ends in `disposed` (data.outcome), then 结案 as after a passed 核查.
  enforcement_handed: {
    label: '移交执法',
    from: ['registered'],
    to: 'signed',
    meaning:
      'a dispatch round at the enforcement unit (departmentId), which works on it at once (处置中); the assessment counts it as a dispatch',
  },
  // enforcement.inspected, enforcement.ordered, enforcement.reinspected, enforcement.penalized; hub.enforcement.due
  enforcement_inspected: {
    label: '现场检查',
    from: ['signed'],
    to: 'same',
    meaning: 'evidence photos and notes; data.violationFound',
  },
  rectification_ordered: {
    label: '责令整改',
    from: ['signed'],
    to: 'same',
    meaning: 'data.periodDays working days to correct; the deadline follows as deadline_set (step rectify)',
  },
  rectification_due: {
    label: '整改期满',
    from: ['signed'],
    to: 'same',
    meaning: 'the 责令整改 period ran out; the officer re-inspects',
  },
  reinspected: {
    label: '复查',
    from: ['signed'],
    to: 'same',
    meaning: 'data.result corrected | notCorrected',
  },
  penalty_decided: {
    label: '处罚决定',
    from: ['signed'],
    to: 'same',
    meaning: 'data.decisionNo: the 行政处罚决定书 number',
  },
  // 领导通: a leader's 批示 on any case, and the holding unit's acknowledgement
  instruction: {
    label: '领导批示',
    from: CASE_STATUSES,
    to: 'same',
    meaning: 'data.instructionId, data.departmentId: the unit it was sent to (the one holding the case)',
  },
  instruction_acknowledged: {
    label: '批示已阅',
    from: CASE_STATUSES,
    to: 'same',
    meaning: 'data.instructionId: the 批示 the unit acknowledged',
  },
  // hub.case.locate and the locate action (定位修复): the procedure waits for a person to place the case
  location_unknown: {
    label: '待定位修复',
    from: OPEN_STATUSES,
    to: 'same',
    meaning:
      'the address could not be placed with enough confidence (data: address, best reading); the procedure waits for case.located',
  },
  location_repaired: {
    label: '定位修复',
    from: OPEN_STATUSES,
    to: 'same',
    meaning: 'a person placed the case (data: lng, lat, how); case.located resumes the procedure',
  },
  urged: { label: '催办', from: OPEN_STATUSES, to: 'same', meaning: 'a reminder mail (hub.notify.urge)' },
  escalated: {
    label: '督办',
    from: OPEN_STATUSES,
    to: 'same',
    meaning: 'a timeout opened or raised an inbox item (data.level)',
  },
  // adapters (adapters/video, adapters/sanitation, adapters/utilities): what a legacy system reports
  alarm_repeated: {
    label: '重复告警',
    from: OPEN_STATUSES,
    to: 'same',
    meaning:
      'the same camera raised the same alarm again within the window; merged into this case (scenario 4)',
  },
  close_proposed: {
    label: '建议结案',
    from: OPEN_STATUSES,
    to: 'same',
    meaning: 'a device reading (with photo) says the problem is gone (scenario 5); a person decides',
  },
  progress: {
    label: '处置进展',
    from: OPEN_STATUSES,
    to: 'same',
    meaning: 'the unit’s own system reports progress (e.g. 处置中); no status change',
  },
  // adapters/pipeline-notice.ts: data { pipelines: [{ code, ownerId, distanceM }] }
  pipeline_notified: {
    label: '管线告知',
    from: OPEN_STATUSES,
    to: 'same',
    meaning: 'a digging case near 地下管网 told the lines’ owners (or named whom to call) when dispatched',
  },
  // hub.deadlines.compute: data { step: CaseStep, dueAt: ISO date-time }
  deadline_set: {
    label: '时限',
    from: OPEN_STATUSES,
    to: 'same',
    meaning: 'the limit in force for a step from now on; the assessment judges 按时 against it',
  },
} as const satisfies Record<string, EventRule>;

/** A timeline event type (CaseEvent.type). */
export type CaseEventType = keyof typeof EVENT_RULES;

/** Every event type. */
export const CASE_EVENT_TYPES = Object.keys(EVENT_RULES) as CaseEventType[];

/** True when `type` is one of the hub's event types. */
export const isCaseEventType = (type: string): type is CaseEventType => Object.hasOwn(EVENT_RULES, type);

/**
 * The status a case moves to when `type` happens in status `from` (`null`: no case yet). `suspendedFrom`
 * is the status the case had when it was suspended, needed for `resumed`.
 *
 * Throws a conflict HubError that names the event, the current status and the statuses the event is
 * allowed in, e.g. `签收 (signed) is not allowed in status 立案 (registered); allowed in: dispatched`.
 */
export function applyEvent(
  from: CaseStatus | null,
  type: string,
  suspendedFrom?: CaseStatus | null,
): CaseStatus {
  if (!isCaseEventType(type)) {
    throw conflict(`unknown case event type "${type}"`, { eventType: type });
  }
  const rule: EventRule = EVENT_RULES[type];
  const where = from === null ? 'a new case' : `status ${STATUS_LABELS[from]} (${from})`;
  const allowed = rule.from === null ? 'only as the first event of a case' : rule.from.join(', ');
  if (rule.from === null ? from !== null : from === null || !rule.from.includes(from)) {
    throw conflict(`${rule.label} (${type}) is not allowed in ${where}; allowed in: ${allowed}`, {
      eventType: type,
      status: from,
      allowedFrom: rule.from,
    });
  }
  if (rule.to === 'same') return from!;
  if (rule.to === 'resume') {
    if (!suspendedFrom || !HELD.includes(suspendedFrom)) {
      throw conflict(
        `${rule.label} (${type}) needs the status the case had before 挂账 (dispatched or signed), got ${String(suspendedFrom)}`,
        { eventType: type, status: from, suspendedFrom: suspendedFrom ?? null },
      );
    }
    return suspendedFrom;
  }
  return rule.to;
}

/** True when `applyEvent(from, type)` would not throw (for `resumed`, given a valid `suspendedFrom`). */
export function canApply(from: CaseStatus | null, type: string): boolean {
  if (!isCaseEventType(type)) return false;
  const rule: EventRule = EVENT_RULES[type];
  return rule.from === null ? from === null : from !== null && rule.from.includes(from);
}

/** Sources whose reports a field supervisor verifies (核实) before 立案. */
export const SOURCE_NEEDS_VERIFY: Record<CaseSource, boolean> = {
  supervisor: false,
  hotline: true,
  public: true,
  video: true,
  // 智慧环卫 readings come from the sanitation company's own staff and sensors, utilities report their own
  // networks: both are responsible parties, like supervisors.
  sanitation: false,
  utility: false,
  // Open311 clients are citizens' apps.
  open311: true,
  other: true,
};
