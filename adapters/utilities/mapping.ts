/**
 * The utility companies (供水, 供气, 供电) and their own status codes → the hub's events. Each company's
 * system has its own vocabulary; the four hub events are: signed for (签收 → case.signed), disposing
 * (处置中: a `progress` timeline entry, no message), disposed with photo (处置反馈 → case.disposed, the
 * photo stored as disposal evidence) and returned (申请回退 → case.returnRequested).
 */
import { z } from 'zod';

export type HubStatus = 'signed' | 'disposing' | 'disposed' | 'returned';

export interface Company {
  key: 'water' | 'gas' | 'power';
  name: string;
  /** the hub's Department.code of the company */
  departmentCode: string;
  /** how status comes back: a change feed polled with a cursor, or a daily CSV file in a folder */
  feed: 'poll' | 'csv';
  codes: Record<string, HubStatus>;
}

export const COMPANIES: Company[] = [
  {
    key: 'water',
    name: '如皋市自来水公司',
    departmentCode: 'U-WATER',
    feed: 'poll',
    codes: { '10': 'signed', '20': 'disposing', '30': 'disposed', '90': 'returned' },
  },
  {
    key: 'gas',
    name: '如皋港华燃气',
    departmentCode: 'U-GAS',
    feed: 'poll',
    codes: { ACCEPTED: 'signed', WORKING: 'disposing', DONE: 'disposed', REJECTED: 'returned' },
  },
  {
    key: 'power',
    name: '国网如皋市供电公司',
    departmentCode: 'U-POWER',
    feed: 'csv',
    codes: { 签收: 'signed', 处理中: 'disposing', 已处理: 'disposed', 退回: 'returned' },
  },
];

/** One status change as a company reports it (feed item, or CSV row). */
export const statusChangeSchema = z.object({
  eventId: z.string().min(1).max(100),
  orderNo: z.string().min(1).max(100),
  code: z.string().min(1).max(40),
  at: z.string().datetime({ offset: true }),
  note: z.string().max(2000).nullish(),
  photoUrl: z.string().url().nullish(),
});
export type StatusChange = z.infer<typeof statusChangeSchema>;

/** The daily file's columns, in order. */
export const CSV_COLUMNS = ['流水号', '工单号', '状态', '时间', '说明', '照片'] as const;
