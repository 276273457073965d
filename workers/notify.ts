/**
 * Mails (催办, 督办, reports). Each mail is sent once per job (SentMail keyed by the job key); 催办 and
 * 督办 mails also go on the case's timeline (`urged`). A unit or person without a mail address is not
 * an incident — the reminder must not stop the 督办 procedure — the timeline notes that nothing was
 * sent and the log warns.
 * - hub.notify.urge: urgeKind warning (80% of the limit) / overdue / urge (催办 decided) / urgent (责令处置)
 *   to the department's contact (stages sign, dispose) or to the grid supervisor (stages verify, check).
 * - hub.notify.escalation: the inbox item of level 1 to the shift leaders (值班长), of level ≥ 2 to the
 *   leaders (领导).
 * - hub.notify.report: the stored assessment report as HTML with its CSV attached, to
 *   ASSESSMENT_RECIPIENTS and the requester.
 */
import { canApply } from '../src/cases/index.ts';
import { validationError } from '../src/errors.ts';
import {
  defineHandler,
  loadCase,
  optionalInt,
  optionalString,
  requireOneOf,
  requireString,
  type WorkerDeps,
} from './job.ts';
import { sendOnce } from '../src/mail.ts';
import { cityClock } from '../src/city-clock.ts';
import { STAGE_LABELS } from '../src/cases/index.ts';
import { inTransaction, recordEvent } from './timeline.ts';

type Stage = keyof typeof STAGE_LABELS;
const STAGES = Object.keys(STAGE_LABELS) as Stage[];
const DEADLINE_COLUMN = {
  verify: 'verifyDeadline',
  check: 'checkDeadline',
  sign: 'signDeadline',
  dispose: 'disposeDeadline',
} as const;

/** Subject line of a 催办 mail. */
export function urgeSubject(caseNo: string, categoryName: string, stage: Stage, urgeKind: string): string {
  const what = {
    warning: `${STAGE_LABELS[stage]}即将超时`,
    overdue: `${STAGE_LABELS[stage]}已超时`,
    urge: `${STAGE_LABELS[stage]}督办催办`,
    urgent: `责令立即${STAGE_LABELS[stage]}`,
  }[urgeKind];
  return `${urgeKind === 'urgent' ? '【紧急督办】' : '【催办】'}${caseNo} ${categoryName}：${what}`;
}

async function caseDetails(deps: Pick<WorkerDeps, 'db'>, row: Awaited<ReturnType<typeof loadCase>>) {
  const category = await deps.db.prisma.category.findUnique({
    where: { kind_code: { kind: row.categoryKind, code: row.categoryCode } },
  });
  return category?.name ?? row.categoryCode;
}

export const urge = defineHandler(async (job, deps) => {
  const urgeKind = requireOneOf(job, 'urgeKind', ['warning', 'overdue', 'urge', 'urgent'] as const);
  const stage = requireOneOf(job, 'stage', STAGES);
  const row = await loadCase(job, deps);
  const { prisma } = deps.db;
  let to: string | null | undefined;
  let recipientName: string;
  if (stage === 'verify' || stage === 'check') {
    const supervisorId = requireString(job, 'supervisorId');
    const user = await prisma.user.findUnique({ where: { id: supervisorId } });
    if (!user) throw validationError(`supervisor ${supervisorId} does not exist`);
    to = user.email;
    recipientName = user.displayName;
  } else {
    const assigneeId = requireString(job, 'assigneeId');
    const unit = await prisma.department.findUnique({ where: { id: assigneeId } });
    if (!unit) throw validationError(`department ${assigneeId} does not exist`);
    to = unit.contactEmail;
    recipientName = unit.name;
  }
  const categoryName = await caseDetails(deps, row);
  const deadline = row[DEADLINE_COLUMN[stage]];
  const subject = urgeSubject(row.caseNo, categoryName, stage, urgeKind);
  const text = [
    `${recipientName}：`,
    `案件 ${row.caseNo}（${categoryName}）${subject.replace(/^【[^】]+】\S+ \S+：/, '')}。`,
    `${STAGE_LABELS[stage]}时限：${deadline ? cityClock(deps.config).iso(deadline) : '未设定'}`,
    `地址：${row.address ?? '—'}`,
    `问题描述：${row.description}`,
    `办理：${deps.config.HUB_PUBLIC_URL}/cases/${row.id}`,
  ].join('\n');
  if (to) await sendOnce(deps, `job:${job.key}`, { to: [to], subject, text }, row.id);
  if (!to)
    deps.logger.warn(
      { caseId: row.id, stage, urgeKind },
      `${recipientName} has no mail address: 催办 not mailed`,
    );
  if (canApply(row.status, 'urged')) {
    await inTransaction(prisma, (tx) =>
      recordEvent(tx, {
        caseId: row.id,
        type: 'urged',
        dedupeKey: `job:${job.key}`,
        at: deps.now?.() ?? new Date(),
        note: to ? `${subject} → ${to}` : `${subject}（${recipientName} 无邮箱，未发送）`,
        data: { urgeKind, stage, to: to ?? null, mailed: Boolean(to) },
      }),
    );
  }
  return {};
});

export const LEVEL_ROLES = { 1: 'shift_leader', 2: 'leader' } as const;
const levelRole = (level: number) => (level <= 1 ? LEVEL_ROLES[1] : LEVEL_ROLES[2]);

export const mailEscalation = defineHandler(async (job, deps) => {
  const stage = requireOneOf(job, 'stage', ['sign', 'dispose'] as const);
  const level = optionalInt(job, 'escalationLevel');
  if (level === undefined || level < 1) throw validationError('variable escalationLevel must be 1 or more');
  const inboxItemId = requireString(job, 'inboxItemId');
  const row = await loadCase(job, deps);
  const { prisma } = deps.db;
  const role = levelRole(level);
  const people = await prisma.user.findMany({
    where: { active: true, email: { not: null }, roles: { some: { role } } },
    orderBy: { username: 'asc' },
  });
  const to = people.map((p) => p.email!);
  const categoryName = await caseDetails(deps, row);
  const who = role === 'shift_leader' ? '值班长' : '领导';
  const subject = `【督办】${row.caseNo} ${categoryName}：${STAGE_LABELS[stage]}超时，请${who}处理（第${level}级）`;
  const deadline = row[DEADLINE_COLUMN[stage]];
  const text = [
    `案件 ${row.caseNo}（${categoryName}）${STAGE_LABELS[stage]}已超过时限${deadline ? ` ${cityClock(deps.config).iso(deadline)}` : ''}。`,
    `请在督办箱中决定：延期、改派、催办、责令处置或作废。`,
    `督办事项：${deps.config.HUB_PUBLIC_URL}/inbox/${inboxItemId}`,
  ].join('\n');
  if (to.length === 0)
    deps.logger.warn({ caseId: row.id, level, role }, `no ${role} with a mail address: 督办 not mailed`);
  else await sendOnce(deps, `job:${job.key}`, { to, subject, text }, row.id);
  return {};
});

export const mailReport = defineHandler(async (job, deps) => {
  const reportId = requireString(job, 'reportId');
  const requestedBy = optionalString(job, 'requestedBy');
  const { prisma } = deps.db;
  const report = await prisma.assessmentReport.findUnique({ where: { id: reportId } });
  if (!report) throw validationError(`assessment report ${reportId} does not exist`);
  const to = deps.config.ASSESSMENT_RECIPIENTS.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (requestedBy) {
    const user = await prisma.user.findUnique({ where: { id: requestedBy } });
    if (user?.email && !to.includes(user.email)) to.push(user.email);
  }
  if (to.length === 0) {
    deps.logger.warn({ reportId }, 'no recipients for the assessment report (ASSESSMENT_RECIPIENTS)');
    return {};
  }
  await sendOnce(deps, `job:${job.key}`, {
    to,
    subject: `【考核评价】${report.periodKey} 综合评价报告`,
    text: `${report.periodKey} 综合评价报告见附件（CSV）；在线查看：${deps.config.HUB_PUBLIC_URL}/assessment/reports/${report.id}`,
    html: report.html,
    attachments: [
      {
        filename: `assessment-${report.periodKey}.csv`,
        content: report.csv,
        contentType: 'text/csv; charset=utf-8',
      },
    ],
  });
  return {};
});

export const handlers = {
  'hub.notify.urge': urge,
  'hub.notify.escalation': mailEscalation,
  'hub.notify.report': mailReport,
};
