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

/** A permit ending within this many days is 即将到期 (from the day ad-permit.bpmn reminds its holder on). */
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
  if (sign.permitEnd.getTime() <= today.getTime() + EXPIRY_NOTICE_DAYS * DAY_MS) return 'expiring';
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
      return { ...permitted, permitEnd: { gte: today, lte: soon } };
    case 'valid':
      return { ...permitted, permitEnd: { gt: soon } };
  }
}

/** The instant a wall-clock time of a city date is (the zone's offset at that time). */
function cityInstant(day: Date, hour: number, clock: CityClock): Date {
  const guess = new Date(day.getTime() + hour * 3_600_000);
  const m = /([+-])(\d{2}):(\d{2})$/.exec(clock.iso(guess))!;
  const offsetMs = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000;
  return new Date(guess.getTime() - offsetMs);
}

/**
 * ad-permit.bpmn's timers for a permit ending on `permitEnd` (its last valid day): the reminder at 09:00
 * EXPIRY_NOTICE_DAYS before it, the end at 00:00 the day after, both in the city's time.
 */
export function permitTimers(permitEnd: Date, clock: CityClock) {
  return {
    remindAt: clock.iso(cityInstant(new Date(permitEnd.getTime() - EXPIRY_NOTICE_DAYS * DAY_MS), 9, clock)),
    expiresAt: clock.iso(cityInstant(new Date(permitEnd.getTime() + DAY_MS), 0, clock)),
  };
}
