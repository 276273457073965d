/**
 * The assessment (考核评价) as a pure function of timeline rows, reference rows, rules and the work
 * calendar. No clock is read: `asOf` says up to when the timeline counts, so recomputing a closed
 * period gives the same figures. Definitions (see also README.md in this folder):
 *
 * Case figures (city, department, street, grid) count the period's cohort: cases whose 立案
 * (`registered`, or `self_handled`) lies in [from, to). A case crossing the month boundary belongs to
 * the month of its 立案 and is judged by what happened before asOf.
 * - 立案数 (registered): cohort cases not voided by asOf.
 * - 应结案 = 应处置 (shouldClose): 立案数 minus cases 挂账 at asOf. For a department: the cases of
 *   应结案 whose current round it holds (after a 回退 the returning department no longer holds it).
 * - 处置 / 按期处置: the current round has a disposal (or the case was 自处理); 按期 when it came at or
 *   before that round's deadline (an approved 延期 moved the deadline, so the case stays 按期).
 * - 结案 / 按期结案: closed by asOf; 按期结案 = 结案 and 按期处置.
 * - 返工 / 延期: cases of 应结案 with a failed 核查 (or a disposal the hotline caller rejected: 不满意 回访
 *   reopened the case) / an approved 延期 in a round of the department (city and areas: of any
 *   department). 回退 is not 返工.
 * - 超期未处置 (overdue): cohort cases not voided with a round whose deadline passed while the
 *   department held it undisposed (not during 挂账). It belongs to the department holding the case when
 *   the clock ran out, even if it later returned the case.
 * - 平均处置时长 (avgHandlingHours): mean, over the 处置 cases of 应结案 (自处理 excluded), of the
 *   working hours departments held the case (each round from its start to its disposal or end, minus
 *   挂账 time). For a department: its own rounds only. For a case dispatched once and disposed, that is
 *   disposedAt − dispatchedAt in working hours on the work calendar, minus 挂账.
 * - 准确派遣率: cohort cases dispatched and not voided that were never 回退'd or 改派'd / those dispatched.
 * - 漏报率 (missedReportRate): cohort cases from a public source (rules.publicSources) / 立案数.
 * - 监督举报率 (supervisorReportRate): cohort cases reported by supervisors / 立案数.
 *
 * Staff figures count acts done in [from, to) by the user who did them (the event's actor); an act is
 * on time when it happened at or before the limit in force for its step (the last deadline_set of
 * that step before it, else the case row's deadline column; no limit recorded = on time).
 * - 监督员: 上报数 (supervisor-source cases reported in the period by them), 有效上报率 (of those, 立案
 *   or 自处理 by asOf), 漏报率 (cohort of the grids they supervise), 按时核实率 (verified, voided or
 *   自处理 while 核实 — step verify), 按时核查率 (check_passed/check_failed — step check); from the
 *   城管通 patrol shifts started in the period: 出勤天数 (days with a shift), 在岗时长 (hours from 上班 to
 *   下班, an open shift up to its latest position, not past asOf), 巡查里程 (km of the tracks) — shown,
 *   not weighted in the composite.
 * - 受理员: 受理数 (accepted), 核实按时派发率 (verify_requested — step accept), 核查按时派发率
 *   (check_requested — step check).
 * - 值班长: 按时立案率 (registered — step register), 准确立案率 (registered and not voided by asOf),
 *   按时结案率 (closed — step check).
 * - 派遣员: 派遣数 (cases they dispatched), 按时派遣率 (dispatched — step dispatch), 准确派遣率 (cases
 *   whose FIRST dispatch was theirs in the period and that were never 回退'd or 改派'd by asOf).
 */
import { DateTime } from 'luxon';
import type { WorkCalendar } from '../calendar/index.ts';
import { validationError } from '../errors.ts';
import {
  deadlineAt,
  heldMinutes,
  overdueAt,
  replayCase,
  type AssessmentCase,
  type AssessmentEvent,
  type CaseStory,
  type Round,
} from './replay.ts';
import type { AssessmentRules, Band, EntityKind } from './rules.ts';

/** One figure with its drill-down: the case ids behind the numerator and the denominator. */
export interface Figure {
  /** a rate in [0, 1] (null when the denominator is empty), a count, or hours */
  value: number | null;
  /** cases counted (numerator of a rate, the cases of a count, the cases averaged) */
  numeratorIds: string[];
  /** cases of the denominator; absent for counts */
  denominatorIds?: string[];
}

export type EntityType =
  'city' | 'department' | 'street' | 'grid' | 'supervisor' | 'acceptor' | 'shiftLeader' | 'dispatcher';

export interface EntityResult {
  type: EntityType;
  /** department id, street name, grid code or user id; 'city' for the city */
  id: string;
  name: string;
  figures: Record<string, Figure>;
  /** 综合指标值, 2 decimals; null for the city */
  score: number | null;
  grade: string | null;
  /** points deducted (核查 penalty), included in score */
  penalty: number;
}

export interface AssessmentPeriod {
  from: Date;
  to: Date;
  /** the timeline counts up to (excluding) this instant; >= to */
  asOf: Date;
}

export interface AssessmentResult {
  period: { from: string; to: string; asOf: string };
  city: EntityResult;
  departments: EntityResult[];
  streets: EntityResult[];
  grids: EntityResult[];
  supervisors: EntityResult[];
  acceptors: EntityResult[];
  shiftLeaders: EntityResult[];
  dispatchers: EntityResult[];
}

export interface AssessmentInput {
  period: AssessmentPeriod;
  cases: AssessmentCase[];
  events: AssessmentEvent[];
  departments: { id: string; name: string }[];
  grids: { code: string; street: string; areaClass: number; supervisorUserId: string | null }[];
  users: { id: string; displayName: string }[];
  /** CategoryLimit rows: the limits of the desk steps the procedure sets no deadline for */
  limits?: StepLimit[];
  /** 城管通 patrol shifts (PatrolShift rows) started in the period: 出勤, 在岗时长, 巡查里程 per supervisor */
  patrols?: PatrolShiftInput[];
}

/** One 上班–下班 shift of a supervisor (times in epoch ms). */
export interface PatrolShiftInput {
  userId: string;
  startedAt: number;
  /** 下班; null while on duty (the shift then counts up to its latest position) */
  endedAt: number | null;
  lastAt: number | null;
  /** 巡查里程 of the shift in metres (the track's length, src/field/track.ts) */
  distanceM: number;
}

/** One CategoryLimit row, its category as `<kind>:<code>`. */
export interface StepLimit {
  category: string;
  urgency: string;
  step: string;
  limitMinutes: number;
  timeMode: 'working' | 'natural';
}

/**
 * The desk steps whose clock the procedure does not keep (no deadline_set): each starts at the latest of
 * these events before the act, and runs for the case's CategoryLimit of that step.
 */
const DESK_STEP_STARTS: Record<string, ReadonlySet<string>> = {
  accept: new Set(['reported']), // 受理 and 派发核实
  register: new Set(['reported', 'accepted', 'verified']), // 立案, once the report is confirmed
  dispatch: new Set(['registered', 'returned', 'reopened']), // 派遣, again after a 回退 or a reopen
};

/** Labels of the figures, for reports (中文). */
export const FIGURE_LABELS: Record<string, string> = {
  registered: '立案数',
  shouldClose: '应结案数',
  suspended: '挂账数',
  disposalRate: '处置率',
  onTimeDisposalRate: '按期处置率',
  closureRate: '结案率',
  onTimeClosureRate: '按期结案率',
  reworkRate: '返工率',
  extensionRate: '延期率',
  overdue: '超期未处置',
  avgHandlingHours: '平均处置时长(工作小时)',
  accurateDispatchRate: '准确派遣率',
  missedReportRate: '漏报率',
  supervisorReportRate: '监督举报率',
  satisfactionRate: '满意率',
  reports: '上报数',
  validReportRate: '有效上报率',
  onTimeVerifyRate: '按时核实率',
  onTimeCheckRate: '按时核查率',
  accepted: '受理数',
  onTimeVerifyDispatchRate: '核实按时派发率',
  onTimeCheckDispatchRate: '核查按时派发率',
  onTimeRegisterRate: '按时立案率',
  accurateRegisterRate: '准确立案率',
  onTimeCloseRate: '按时结案率',
  dispatched: '派遣数',
  onTimeDispatchRate: '按时派遣率',
  attendanceDays: '出勤天数',
  dutyHours: '在岗时长(小时)',
  patrolKm: '巡查里程(公里)',
};

/**
 * Ids without adjacent repeats. Staff acts are collected story by story, and the stories are sorted by
 * case id, so a case's repeated acts are adjacent and one pass gives sorted unique ids.
 */
const uniqueIds = (ids: Iterable<string>) => {
  const out: string[] = [];
  for (const id of ids) if (out[out.length - 1] !== id) out.push(id);
  return out;
};
// Case lists are filtered from the sorted stories (each case once), so their ids are sorted and unique
// already; figures may share one array (e.g. the 应结案 denominator) since results are read-only data.
const count = (ids: string[]): Figure => ({ value: ids.length, numeratorIds: ids });
const rate = (num: string[], den: string[]): Figure => ({
  value: den.length ? num.length / den.length : null,
  numeratorIds: num,
  denominatorIds: den,
});

/** Rate over the acts of one user: each act is [caseId, ok]; a case with several acts counts each. */
const actRate = (acts: [string, boolean][]): Figure => {
  const goodIds: string[] = [];
  const allIds: string[] = [];
  for (const act of acts) {
    allIds.push(act[0]);
    if (act[1]) goodIds.push(act[0]);
  }
  return {
    value: acts.length ? goodIds.length / acts.length : null,
    numeratorIds: uniqueIds(goodIds),
    denominatorIds: uniqueIds(allIds),
  };
};

/**
 * Computes every figure, composite score and grade for the period. Throws a validation HubError for a
 * period that is empty or whose asOf is before its end.
 */
export function computeAssessment(
  input: AssessmentInput,
  rules: AssessmentRules,
  calendar: WorkCalendar,
): AssessmentResult {
  const { period } = input;
  const from = period.from.getTime();
  const to = period.to.getTime();
  const asOf = period.asOf.getTime();
  if (!(from < to) || !(asOf >= to)) {
    throw validationError('invalid assessment period', [
      { field: 'period', message: 'expected from < to <= asOf' },
    ]);
  }
  const inPeriod = (t: number) => t >= from && t < to;

  const eventsByCase = new Map<string, AssessmentEvent[]>();
  for (const e of input.events) {
    const list = eventsByCase.get(e.caseId);
    if (list) list.push(e);
    else eventsByCase.set(e.caseId, [e]);
  }
  const stories = input.cases
    .map((c) => replayCase(c, eventsByCase.get(c.id) ?? [], asOf))
    .sort((a, b) => (a.case.id < b.case.id ? -1 : 1));

  const publicSources = new Set(rules.publicSources);
  const gridByCode = new Map(input.grids.map((g) => [g.code, g]));
  const deptName = new Map(input.departments.map((d) => [d.id, d.name]));
  const userName = new Map(input.users.map((u) => [u.id, u.displayName]));

  // Cohort: cases registered (立案 or 自处理) in the period and not voided by asOf.
  const cohort = stories.filter((s) => s.registeredAt !== null && inPeriod(s.registeredAt));
  const valid = cohort.filter((s) => s.voidedAt === null);

  // The city, its areas and the department all ask for the same rounds: ask the calendar once each.
  const heldCache = new Map<Round, number>();
  const held = (r: Round) => {
    let m = heldCache.get(r);
    if (m === undefined) heldCache.set(r, (m = heldMinutes(r, asOf, calendar)));
    return m;
  };
  const handledMinutes = (s: CaseStory, dept?: string) => {
    let sum = 0;
    for (const r of s.rounds) if (dept === undefined || r.dept === dept) sum += held(r);
    return sum;
  };

  const disposed = (s: CaseStory) => s.selfHandledAt !== null || s.current?.disposedAt != null;
  const disposedOnTime = (s: CaseStory) =>
    s.selfHandledAt !== null ||
    (s.current?.disposedAt != null &&
      (s.current.deadline === null || s.current.disposedAt <= s.current.deadline));

  /**
   * The caller's verdict at the last 回访 by asOf (a citizen's rating is recorded as a callback too):
   * satisfied or basic → true, unsatisfied → false; unreachable or no 回访 → null (not in 满意率).
   */
  const verdicts = new Map<CaseStory, boolean | null>();
  const satisfied = (s: CaseStory): boolean | null => {
    let v = verdicts.get(s);
    if (v !== undefined) return v;
    v = null;
    for (const e of s.events) {
      if (e.type !== 'callback') continue;
      const answer = (e.data as { satisfaction?: string } | null)?.satisfaction;
      if (answer === 'satisfied' || answer === 'basic') v = true;
      else if (answer === 'unsatisfied') v = false;
    }
    verdicts.set(s, v);
    return v;
  };

  /** Case figures of a set of cases; `dept` restricts rounds (返工, 延期, 超期, 时长) to that department. */
  const caseFigures = (cases: CaseStory[], dept?: string): Record<string, Figure> => {
    const ids = (list: CaseStory[]) => list.map((s) => s.case.id);
    const should = cases.filter((s) => !s.suspendedNow);
    const mine = (r: Round) => dept === undefined || r.dept === dept;
    const done = should.filter(disposed);
    const onTime = should.filter(disposedOnTime);
    const closed = should.filter((s) => s.closedAt !== null);
    const timed = done.filter((s) => s.selfHandledAt === null);
    const minutes = timed.map((s) => handledMinutes(s, dept));
    const dispatched = cases.filter((s) => s.firstDispatch !== null);
    const rated = cases.filter((s) => satisfied(s) !== null);
    const all = ids(cases);
    const den = ids(should);
    const timedIds = ids(timed);
    const figures: Record<string, Figure> = {
      registered: count(all),
      shouldClose: count(den),
      suspended: count(ids(cases.filter((s) => s.suspendedNow))),
      disposalRate: rate(ids(done), den),
      onTimeDisposalRate: rate(ids(onTime), den),
      closureRate: rate(ids(closed), den),
      onTimeClosureRate: rate(ids(closed.filter(disposedOnTime)), den),
      reworkRate: rate(
        ids(should.filter((s) => s.rounds.some((r) => mine(r) && (r.failedChecks > 0 || r.reopened)))),
        den,
      ),
      extensionRate: rate(ids(should.filter((s) => s.rounds.some((r) => mine(r) && r.extended))), den),
      avgHandlingHours: {
        value: minutes.length ? minutes.reduce((a, b) => a + b, 0) / minutes.length / 60 : null,
        numeratorIds: timedIds,
        denominatorIds: timedIds,
      },
      accurateDispatchRate: rate(ids(dispatched.filter((s) => !s.misdispatched)), ids(dispatched)),
      missedReportRate: rate(ids(cases.filter((s) => publicSources.has(s.case.source))), all),
      satisfactionRate: rate(ids(rated.filter((s) => satisfied(s) === true)), ids(rated)),
      supervisorReportRate: rate(ids(cases.filter((s) => s.case.source === 'supervisor')), all),
    };
    if (dept === undefined) {
      figures.overdue = count(ids(cases.filter((s) => s.rounds.some((r) => overdueAt(r, asOf) !== null))));
    }
    return figures;
  };

  const assessed = (figures: Record<string, Figure>) =>
    Object.values(figures).some((f) => f.numeratorIds.length > 0 || (f.denominatorIds?.length ?? 0) > 0);
  const gradeOf = (score: number) =>
    (rules.grades.find((g) => score >= g.min) ?? rules.grades[rules.grades.length - 1]!).grade;
  const bandScore = (bands: Band[], n: number) =>
    bands.find(
      (b) => (b.atMost === undefined || n <= b.atMost) && (b.atLeast === undefined || n >= b.atLeast),
    )?.score ?? 0;
  const scoreOf = (kind: EntityKind, figures: Record<string, Figure>, areaClass = 1, penalty = 0) => {
    let total = 0;
    for (const term of rules.composites[kind]) {
      const v = figures[term.indicator]?.value ?? null;
      let s: number;
      if (term.transform === 'band') {
        const bands = rules.bands[(term.bands ?? '').replace('{class}', String(areaClass))] ?? [];
        s = bandScore(bands, v ?? 0);
      } else if (v === null) {
        s = 100; // nothing to do in the period: nothing missed
      } else {
        s = 100 * (term.transform === 'rate' ? v : 1 - v);
      }
      total += term.weight * s;
    }
    const score = Math.round((total - penalty) * 100) / 100;
    return { score, grade: gradeOf(score), penalty };
  };

  const entity = (
    type: EntityType,
    id: string,
    name: string,
    figures: Record<string, Figure>,
    kind: EntityKind | null,
    areaClass?: number,
    penalty = 0,
  ): EntityResult => ({
    type,
    id,
    name,
    figures,
    // A unit or person with nothing to assess in the period (no case, no act) gets no score and no
    // grade: "100.0 A" for doing nothing would read as praise.
    ...(kind && assessed(figures)
      ? scoreOf(kind, figures, areaClass, penalty)
      : { score: null, grade: null, penalty: 0 }),
  });

  // --- departments ---------------------------------------------------------------------------------
  // Every department appears (a department without cases has nothing missed), plus any unit a case
  // was dispatched to that is not in the list.
  const deptIds = new Set<string>(input.departments.map((d) => d.id));
  for (const s of valid) for (const r of s.rounds) if (r.dept) deptIds.add(r.dept);
  // One pass over the cases groups what each department is charged with.
  const { threshold, points } = rules.penalties.failedCheck;
  const heldBy = new Map<string, CaseStory[]>();
  const overdueBy = new Map<string, string[]>();
  const penaltyBy = new Map<string, number>();
  const push = <T>(map: Map<string, T[]>, key: string, value: T) => {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  };
  for (const s of valid) {
    const dept = s.current?.dept;
    if (dept) push(heldBy, dept, s);
    const failures = new Map<string, number>();
    const overdue = new Set<string>();
    for (const r of s.rounds) {
      if (!r.dept) continue;
      if (r.failedChecks) failures.set(r.dept, (failures.get(r.dept) ?? 0) + r.failedChecks);
      if (overdueAt(r, asOf) !== null) overdue.add(r.dept);
    }
    for (const d of overdue) push(overdueBy, d, s.case.id);
    for (const [d, n] of failures) {
      const p = Math.max(0, n - threshold + 1) * points;
      if (p) penaltyBy.set(d, (penaltyBy.get(d) ?? 0) + p);
    }
  }
  const departments = [...deptIds].sort().map((dept) => {
    const figures = caseFigures(heldBy.get(dept) ?? [], dept);
    figures.overdue = count(overdueBy.get(dept) ?? []);
    const penalty = penaltyBy.get(dept) ?? 0;
    return entity('department', dept, deptName.get(dept) ?? dept, figures, 'department', 1, penalty);
  });

  // --- areas -----------------------------------------------------------------------------------------
  const byKey = (key: (s: CaseStory) => string | null, all: string[]) => {
    const groups = new Map<string, CaseStory[]>(all.map((k) => [k, []]));
    for (const s of valid) {
      const k = key(s);
      if (k === null) continue;
      const list = groups.get(k);
      if (list) list.push(s);
      else groups.set(k, [s]);
    }
    return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  };
  const gridOf = (s: CaseStory) => (s.case.gridCode ? gridByCode.get(s.case.gridCode) : undefined);
  const streets = byKey(
    (s) => gridOf(s)?.street ?? null,
    input.grids.map((g) => g.street),
  ).map(([street, cases]) => {
    const areaClass = Math.min(...input.grids.filter((g) => g.street === street).map((g) => g.areaClass));
    return entity('street', street, street, caseFigures(cases), 'area', areaClass);
  });
  const grids = byKey(
    (s) => (gridOf(s) ? s.case.gridCode : null),
    input.grids.map((g) => g.code),
  ).map(([code, cases]) =>
    entity('grid', code, code, caseFigures(cases), 'area', gridByCode.get(code)!.areaClass),
  );

  // --- staff: acts in the period ----------------------------------------------------------------------
  const limitOf = new Map((input.limits ?? []).map((l) => [`${l.category}|${l.urgency}|${l.step}`, l]));
  /** The desk step's deadline from the category table, for the act at index i; null without a limit. */
  const deskDeadline = (s: CaseStory, step: string, i: number): number | null => {
    const starts = DESK_STEP_STARTS[step];
    const { category, urgency } = s.case;
    const limit = category && urgency ? limitOf.get(`${category}|${urgency}|${step}`) : undefined;
    if (!starts || !limit) return null;
    let start: number | null = null;
    for (let j = 0; j < i; j++) if (starts.has(s.events[j]!.type)) start = s.events[j]!.at;
    if (start === null) return null;
    const amount = { minutes: limit.limitMinutes };
    const due =
      limit.timeMode === 'natural'
        ? calendar.addNaturalTime(new Date(start), amount)
        : calendar.addWorkingTime(new Date(start), amount);
    return due.getTime();
  };
  const registrarOf = (s: CaseStory, i: number): string | null => {
    let who: string | null = null;
    for (let j = 0; j < i; j++) if (s.events[j]!.type === 'registered') who = s.events[j]!.actorUserId;
    return who;
  };

  type Acts = Map<string, Map<string, [string, boolean][]>>;
  const acts: Record<'supervisor' | 'acceptor' | 'shiftLeader' | 'dispatcher', Acts> = {
    supervisor: new Map(),
    acceptor: new Map(),
    shiftLeader: new Map(),
    dispatcher: new Map(),
  };
  const record = (role: keyof typeof acts, user: string, figure: string, caseId: string, ok: boolean) => {
    let perUser = acts[role].get(user);
    if (!perUser) acts[role].set(user, (perUser = new Map()));
    const list = perUser.get(figure);
    if (list) list.push([caseId, ok]);
    else perUser.set(figure, [[caseId, ok]]);
  };
  for (const s of stories) {
    const id = s.case.id;
    s.events.forEach((e, i) => {
      const at = e.at;
      if (!inPeriod(at)) return;
      if (e.type === 'reported' && s.case.source === 'supervisor' && s.case.reporterUserId) {
        record('supervisor', s.case.reporterUserId, 'validReportRate', id, s.registeredAt !== null);
      }
      // 结案 is the procedure's own step after a passed 核查: it is charged to the shift leader who
      // registered (立案) the case, the one answering for it until it closes.
      const user = e.actorUserId ?? (e.type === 'closed' ? registrarOf(s, i) : null);
      if (!user) return;
      const onTime = (step: string) => {
        const due = deadlineAt(s, step, at) ?? deskDeadline(s, step, i);
        return due === null || at <= due;
      };
      const wasVerifying = s.statusBefore[i] === 'verifying';
      switch (e.type) {
        case 'verified':
          record('supervisor', user, 'onTimeVerifyRate', id, onTime('verify'));
          break;
        case 'voided':
        case 'self_handled':
          if (wasVerifying) record('supervisor', user, 'onTimeVerifyRate', id, onTime('verify'));
          break;
        case 'check_passed':
        case 'check_failed':
          record('supervisor', user, 'onTimeCheckRate', id, onTime('check'));
          break;
        case 'accepted':
          record('acceptor', user, 'accepted', id, true);
          break;
        case 'verify_requested':
          record('acceptor', user, 'onTimeVerifyDispatchRate', id, onTime('accept'));
          break;
        case 'check_requested':
          record('acceptor', user, 'onTimeCheckDispatchRate', id, onTime('check'));
          break;
        case 'registered':
          record('shiftLeader', user, 'onTimeRegisterRate', id, onTime('register'));
          record('shiftLeader', user, 'accurateRegisterRate', id, s.voidedAt === null);
          break;
        case 'closed':
          record('shiftLeader', user, 'onTimeCloseRate', id, onTime('check'));
          break;
        case 'dispatched':
        case 'enforcement_handed': // 移交执法 is the dispatcher's dispatch to the enforcement unit
          record('dispatcher', user, 'onTimeDispatchRate', id, onTime('dispatch'));
          record('dispatcher', user, 'dispatched', id, true);
          if (s.firstDispatch === e) record('dispatcher', user, 'accurateDispatchRate', id, !s.misdispatched);
          break;
      }
    });
  }
  const staffFigure = (list: [string, boolean][] | undefined, kind: 'rate' | 'count'): Figure =>
    kind === 'count' ? count(uniqueIds((list ?? []).map((act) => act[0]))) : actRate(list ?? []);
  const staff = (
    role: keyof typeof acts,
    figures: [string, 'rate' | 'count'][],
    extra?: (user: string) => Record<string, Figure>,
  ) => {
    const users = new Set(acts[role].keys());
    if (role === 'supervisor') {
      for (const g of input.grids) if (g.supervisorUserId) users.add(g.supervisorUserId);
      for (const user of patrolsBy.keys()) users.add(user);
    }
    return [...users].sort().map((user) => {
      const perUser = acts[role].get(user);
      const f: Record<string, Figure> = {};
      for (const [key, kind] of figures) f[key] = staffFigure(perUser?.get(key), kind);
      Object.assign(f, extra?.(user));
      return entity(role, user, userName.get(user) ?? user, f, role);
    });
  };
  // 城管通 patrols: a shift belongs to the period it started in and counts up to 下班 (an open shift up to
  // its latest position), never past asOf. Not case figures: no case ids, and not in the composite.
  const patrolsBy = new Map<string, PatrolShiftInput[]>();
  for (const p of input.patrols ?? [])
    if (inPeriod(p.startedAt) && p.startedAt < asOf) push(patrolsBy, p.userId, p);
  const plain = (value: number): Figure => ({ value, numeratorIds: [] });
  const patrolFigures = (user: string): Record<string, Figure> => {
    // A period without any patrol recorded (before the app, or imported history) has no such columns.
    if (patrolsBy.size === 0) return {};
    const mine = patrolsBy.get(user) ?? [];
    const days = new Set(
      mine.map((p) => DateTime.fromMillis(p.startedAt, { zone: calendar.timezone }).toISODate()),
    );
    const dutyMs = mine.reduce(
      (sum, p) => sum + Math.max(0, Math.min(p.endedAt ?? p.lastAt ?? p.startedAt, asOf) - p.startedAt),
      0,
    );
    const metres = mine.reduce((sum, p) => sum + p.distanceM, 0);
    return {
      attendanceDays: plain(days.size),
      dutyHours: plain(Math.round(dutyMs / 36_000) / 100),
      patrolKm: plain(Math.round(metres / 10) / 100),
    };
  };
  const bySupervisor = new Map<string, CaseStory[]>();
  for (const s of valid) {
    const sup = gridOf(s)?.supervisorUserId;
    if (sup) push(bySupervisor, sup, s);
  }
  const supervisors = staff(
    'supervisor',
    [
      ['validReportRate', 'rate'],
      ['onTimeVerifyRate', 'rate'],
      ['onTimeCheckRate', 'rate'],
    ],
    (user) => {
      const mine = bySupervisor.get(user) ?? [];
      const reports = acts.supervisor.get(user)?.get('validReportRate') ?? [];
      return {
        ...patrolFigures(user),
        reports: count(uniqueIds(reports.map((act) => act[0]))),
        missedReportRate: rate(
          mine.filter((s) => publicSources.has(s.case.source)).map((s) => s.case.id),
          mine.map((s) => s.case.id),
        ),
      };
    },
  );
  const acceptors = staff('acceptor', [
    ['accepted', 'count'],
    ['onTimeVerifyDispatchRate', 'rate'],
    ['onTimeCheckDispatchRate', 'rate'],
  ]);
  const shiftLeaders = staff('shiftLeader', [
    ['onTimeRegisterRate', 'rate'],
    ['accurateRegisterRate', 'rate'],
    ['onTimeCloseRate', 'rate'],
  ]);
  const dispatchers = staff('dispatcher', [
    ['dispatched', 'count'],
    ['onTimeDispatchRate', 'rate'],
    ['accurateDispatchRate', 'rate'],
  ]);

  return {
    period: {
      from: period.from.toISOString(),
      to: period.to.toISOString(),
      asOf: period.asOf.toISOString(),
    },
    city: entity('city', 'city', '全市', caseFigures(valid), null),
    departments,
    streets,
    grids,
    supervisors,
    acceptors,
    shiftLeaders,
    dispatchers,
  };
}
