/**
 * Police video-analytics alarms → hub cases: the webhook body and the platform's algorithm names mapped
 * to event categories (domain.md §1 codes; the vendors' own type numbers differ, e.g. Dahua DPSDK 882
 * 商铺占道经营, 890 暴露垃圾, 893 机动车违停, 895 垃圾桶满溢 — the platform sends names).
 */
import { z } from 'zod';

export const ALARM_CATEGORIES = {
  店外经营: '0504',
  占道经营: '0504',
  暴露垃圾: '0102',
  垃圾满溢: '0102',
  积存垃圾: '0103',
  游商: '0501',
  违停: '0505',
  非机动车乱停: '0506',
} as const satisfies Record<string, string>;

export type AlarmType = keyof typeof ALARM_CATEGORIES;

export const alarmSchema = z
  .object({
    alarmId: z.string().min(1).max(100),
    cameraId: z.string().regex(/^[\w-]{1,40}$/, 'letters, digits, _ and - (up to 40)'),
    cameraName: z.string().min(1).max(200),
    alarmType: z.enum(Object.keys(ALARM_CATEGORIES) as [AlarmType, ...AlarmType[]]),
    at: z.string().datetime({ offset: true }),
    confidence: z.number().min(0).max(1),
    lng: z.number().min(-180).max(180),
    lat: z.number().min(-90).max(90),
    snapshotUrl: z.string().url(),
    speakerId: z.string().max(40).nullable(),
  })
  .strict();
export type Alarm = z.infer<typeof alarmSchema>;

/** Case.sourceRef of a video case: `<cameraId>:<alarmId>`, so a camera's cases are found by prefix. */
export const sourceRefOf = (alarm: Pick<Alarm, 'cameraId' | 'alarmId'>) =>
  `${alarm.cameraId}:${alarm.alarmId}`;
