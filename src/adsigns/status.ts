/**
 * A sign's status (有效/即将到期/已过期/未许可/已拆除) is not stored: it follows from its permit's period, the
 * city's date and whether it was removed, so it changes at midnight without a job. The same rule is a
 * query (statusWhere) for the list's filter and a function (signStatus) for one sign.
 */
import type { AdSign, Prisma } from '../db/index.ts';
import type { CityClock } from '../city-clock.ts';

export const AD_SIGN_STATUSES = ['valid', 'expiring', 'expired', 'unpermitted', 'removed'] as const;
export type AdSignStatus = (typeof AD_SIGN_STATUSES)[number];

export const AD_SIGN_STATUS_LABELS: Record<AdSignStatus, string> = {
  valid: '有效',
  expiring: '即将到期',
  expired: '已过期',
  unpermitted: '未许可',
  removed: '已拆除',
};

/** A permit ending within this many days is 即将到期, and ad-permit.bpmn reminds its holder this early. */
export const EXPIRY_NOTICE_DAYS = 30;

const DAY_MS = 86_400_000;

/** The city's date today as the stored form of a date (00:00 UTC of that day). */
export const dayOf = (now: Date, clock: CityClock) => new Date(`${clock.date(now)}T00:00:00Z`);

/** A permit's end date is the last day it is valid (included). */
export function signStatus(
  sign: Pick<AdSign, 'permitNo' | 'permitEnd' | 'removedAt'>,
  today: Date,
): AdSignStatus {
  if (sign.removedAt) return 'removed';
  if (!sign.permitNo || !sign.permitEnd) return 'unpermitted';
  if (sign.permitEnd < today) return 'expired';
  if (sign.permitEnd.getTime() < today.getTime() + EXPIRY_NOTICE_DAYS * DAY_MS) return 'expiring';
  return 'valid';
}

/** The signs of one status, as a query (the same rule as signStatus). */
export function statusWhere(status: AdSignStatus, today: Date): Prisma.AdSignWhereInput {
  const soon = new Date(today.getTime() + EXPIRY_NOTICE_DAYS * DAY_MS);
  const standing = { removedAt: null };
  const permitted = { ...standing, permitNo: { not: null } };
  switch (status) {
    case 'removed':
      return { removedAt: { not: null } };
    case 'unpermitted':
      return { ...standing, OR: [{ permitNo: null }, { permitEnd: null }] };
    case 'expired':
      return { ...permitted, permitEnd: { lt: today } };
    case 'expiring':
      return { ...permitted, permitEnd: { gte: today, lt: soon } };
    case 'valid':
      return { ...permitted, permitEnd: { gte: soon } };
  }
}
