/**
 * 城管通's background work: a supervisor on duty (remembered on the phone) keeps recording the patrol
 * track from the moment the app opens, on any screen — also after a reload on 发送记录.
 */
import { patrol, startTracking, tracking } from './patrol.ts';
import { w } from './words.ts';

const DUTY_KEY = 'hub.app.duty';

export function start(): void {
  if (!patrol().onDuty || tracking()) return;
  const duty = JSON.parse(localStorage.getItem(DUTY_KEY) ?? 'null') as { positionSeconds?: number } | null;
  startTracking(duty?.positionSeconds ?? 30, w('trackBatch'), (e) =>
    e.code === 1 ? w('geoDenied') : w('geoFailed', { message: e.message }),
  );
}
