/**
 * The phone's clock against the hub's (from the Date header of the first answer): writes send the
 * phone's own time as `observedAt` beside the hub's, which is the one recorded; a phone far off is told.
 */
let skewMs = 0;

/** Sets the measured offset (phone − hub, ms) and returns it. */
export function setClockSkew(ms: number): number {
  skewMs = ms;
  return ms;
}

/** Phone time minus hub time, ms (0 until measured). */
export const clockSkew = () => skewMs;
