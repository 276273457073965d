/**
 * The parking system's MQTT messages (README.md): a plate-recognition pass at a lot's gate and the lot's
 * heartbeat. Plates are personal data: stored for debouncing (ParkingPlate) and in the inbox row, never
 * logged.
 */
import { z } from 'zod';

export const passSchema = z.object({
  /** the parking system's message id: the same id on a redelivery */
  msgId: z.string().min(1).max(100),
  lotCode: z.string().min(1).max(32),
  plate: z.string().min(2).max(16),
  direction: z.enum(['in', 'out']),
  /** the camera's time, ISO 8601 */
  at: z.iso.datetime({ offset: true }),
  gate: z.string().max(50).optional(),
});
export type PassMessage = z.output<typeof passSchema>;

export const heartbeatSchema = z.object({
  lotCode: z.string().min(1).max(32),
  at: z.iso.datetime({ offset: true }),
});
export type HeartbeatMessage = z.output<typeof heartbeatSchema>;

/** `<prefix>/lots/<lotCode>/(passes|heartbeat)` → its parts; null for another topic. */
export function parseTopic(
  topic: string,
  prefix: string,
): { lotCode: string; kind: 'passes' | 'heartbeat' } | null {
  if (!topic.startsWith(`${prefix}/lots/`)) return null;
  const [lotCode, kind, ...rest] = topic.slice(prefix.length + 6).split('/');
  if (!lotCode || rest.length || (kind !== 'passes' && kind !== 'heartbeat')) return null;
  return { lotCode, kind };
}
