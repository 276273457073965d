/**
 * The 12319 hotline's ticket (工单) and the hub's case, both ways. Fields after domain.md §2 (Beijing
 * 12345 data: 工单编号, 工单类型, 创建时间, 被反映区/街道, 问题点位, 问题分类, 主要内容; plus caller, 诉求性质,
 * urgency, deadline, 回访 satisfaction).
 */
import { z } from 'zod';
import type { NewCase } from '../../src/cases/create.ts';

export const URGENCY = { 一般: 'normal', 紧急: 'urgent', 特急: 'critical' } as const;
export const SATISFACTION = {
  满意: 'satisfied',
  基本满意: 'basic',
  不满意: 'unsatisfied',
  未接通: 'unreachable',
} as const;

const isoDateTime = z.iso.datetime({ offset: true });

/** One ticket as the hotline system sends it (push and poll alike). */
export const ticketSchema = z
  .object({
    /** 工单编号, e.g. 12319-20261127-0001 */
    ticketNo: z.string().regex(/^[0-9A-Za-z-]{4,40}$/, 'a ticket number of 4–40 letters, digits and dashes'),
    /** 诉求性质 */
    type: z.enum(['投诉', '求助', '咨询', '建议']),
    /** 创建时间 */
    createdAt: isoDateTime,
    /** 被反映街道 */
    street: z.string().max(50).optional(),
    /** 问题点位 */
    location: z
      .object({
        address: z.string().trim().min(1).max(500),
        lng: z.number().min(-180).max(180).optional(),
        lat: z.number().min(-90).max(90).optional(),
      })
      .refine((l) => (l.lng === undefined) === (l.lat === undefined), {
        message: 'lng and lat go together',
        path: ['lat'],
      }),
    /** 问题分类: the 4-digit event code of GB/T 30428.2 the hotline's table maps to */
    category: z.object({
      code: z.string().regex(/^\d{4}$/, 'a 4-digit event category code'),
      name: z.string().max(50).optional(),
    }),
    /** 主要内容 */
    content: z.string().trim().min(1).max(4000),
    urgency: z.enum(['一般', '紧急', '特急']),
    /** the hotline's own deadline for a reply (办理时限) */
    deadline: isoDateTime,
    /** 来电人: private, stored on the case for the acceptor, never logged or shown publicly */
    caller: z.object({
      anonymous: z.boolean(),
      name: z.string().max(100).optional(),
      phone: z.string().max(40).optional(),
    }),
  })
  .strict();

export type Ticket = z.infer<typeof ticketSchema>;

/** The webhook bodies. */
export const ticketPushSchema = z.object({ ticket: ticketSchema }).strict();
export const callbackResultSchema = z
  .object({
    /** the hotline's id of this 回访 */
    callbackId: z.string().min(1).max(80),
    ticketNo: z.string().min(1).max(40),
    satisfaction: z.enum(['满意', '基本满意', '不满意', '未接通']),
    at: isoDateTime,
    note: z.string().max(2000).optional(),
  })
  .strict();
export type CallbackResult = z.infer<typeof callbackResultSchema>;

/** A ticket as a new case (source hotline, sourceRef = ticket number): it needs 核实 (processes/README.md). */
export function ticketToCase(t: Ticket): NewCase {
  return {
    source: 'hotline',
    sourceRef: t.ticketNo,
    categoryKind: 'event',
    categoryCode: t.category.code,
    urgency: URGENCY[t.urgency],
    description: `【12319 ${t.type}】${t.content}`,
    address: t.location.address,
    lng: t.location.lng ?? null,
    lat: t.location.lat ?? null,
    reporterName: t.caller.anonymous ? null : (t.caller.name ?? null),
    reporterPhone: t.caller.anonymous ? null : (t.caller.phone ?? null),
  };
}

/** A phone number as logs and screens without the right may show it: 138****5678. */
export function maskPhone(phone: string | null | undefined): string | null {
  if (!phone) return null;
  return phone.length <= 7 ? '****' : `${phone.slice(0, 3)}****${phone.slice(-4)}`;
}

/** A ticket as it may be logged: the caller masked. */
export function loggable(t: Ticket) {
  return {
    ticketNo: t.ticketNo,
    category: t.category.code,
    urgency: t.urgency,
    caller: t.caller.anonymous
      ? 'anonymous'
      : `${t.caller.name ? t.caller.name.slice(0, 1) + '*' : ''} ${maskPhone(t.caller.phone) ?? ''}`.trim(),
  };
}

/**
 * The hotline status a timeline event reports (受理→转办→跟踪→反馈, domain.md §2), or null when the event
 * is not reported. Final events (结案, 作废, 合并) become the final reply instead.
 */
export const STATUS_OF_EVENT: Record<string, { status: string; text: string }> = {
  accepted: { status: 'accepted', text: '已受理' },
  verify_requested: { status: 'verifying', text: '监督员核实中' },
  verified: { status: 'verified', text: '核实属实' },
  registered: { status: 'registered', text: '已立案' },
  dispatched: { status: 'dispatched', text: '已派遣至承办单位' },
  redispatched: { status: 'dispatched', text: '已转派承办单位' },
  reassigned: { status: 'dispatched', text: '已改派承办单位' },
  signed: { status: 'processing', text: '承办单位已签收，处置中' },
  progress: { status: 'processing', text: '处置中' },
  returned: { status: 'returned', text: '承办单位回退，重新派遣中' },
  extension_approved: { status: 'extended', text: '已批准延期' },
  suspended: { status: 'suspended', text: '挂账' },
  resumed: { status: 'processing', text: '挂账恢复，继续处置' },
  disposed: { status: 'disposed', text: '处置完成，待核查' },
  check_failed: { status: 'rework', text: '核查未通过，返工' },
  reopened: { status: 'reopened', text: '回访不满意，案件重新办理' },
};

export const FINAL_EVENTS = ['closed', 'voided', 'merged'] as const;

/** The final reply (答复) of a case that ended with `type`. */
export function finalReply(type: string, note: string | null, data: Record<string, unknown> | null) {
  if (type === 'closed') return { result: 'resolved', text: note ?? '已办结' };
  if (type === 'merged')
    return {
      result: 'duplicate',
      text: `与已有案件合并办理${data?.mergedIntoCaseNo ? `：${String(data.mergedIntoCaseNo)}` : ''}`,
    };
  return {
    result: 'rejected',
    text: note ?? (typeof data?.voidReason === 'string' ? data.voidReason : '经核实不予立案'),
  };
}
