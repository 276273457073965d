/**
 * 智慧环卫 device readings → hub cases: the schema of a reading, what "above threshold" means for each
 * kind of device, and the debounce that turns a run of readings into one case per device episode.
 *
 * Debounce (pure, so it is tested without a broker): a device's state keeps its recent readings by the
 * device's own time. The episode is the run of above-threshold readings after the latest reading below
 * it; once that run spans `durationSeconds`, a case opens — once per episode. Because it works on the
 * readings' own times, readings that arrive out of order or twice give the same answer. An "empty"
 * reading with a photo while the episode's case is open proposes closing it and ends the episode.
 */
import { z } from 'zod';

export const DEVICE_KINDS = ['bin', 'toilet', 'station', 'vehicle'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

/** One message as the platform publishes it (`<prefix>/devices/<deviceId>/telemetry`). */
export const readingSchema = z
  .object({
    msgId: z.string().min(1).max(200),
    deviceId: z.string().regex(/^[\w.-]{1,64}$/, 'letters, digits, _ . - (up to 64)'),
    kind: z.enum(DEVICE_KINDS),
    metric: z.string().min(1).max(40),
    value: z.number().finite(),
    at: z.string().datetime({ offset: true }),
    lng: z.number().min(-180).max(180),
    lat: z.number().min(-90).max(90),
    address: z.string().max(500).optional(),
    photoUrl: z.string().url().nullish(),
  })
  .strict();
export type Reading = z.infer<typeof readingSchema>;

export interface KindRule {
  /** the metric the rule reads */
  metric: string;
  /** at or above: a problem */
  threshold: number;
  /** at or below: the problem is gone (a bin emptied) */
  clearLevel: number;
  categoryCode: string;
  label: string;
  unit: string;
}

/**
 * Per kind of device. Bins and transfer stations report fill level (%), public toilets ammonia (ppm),
 * vehicles (JT/T 808 alarm flag, 1 raised / 0 cleared) a spill or overload alarm of a muck/garbage truck.
 */
export const KIND_RULES: Record<DeviceKind, KindRule> = {
  bin: {
    metric: 'fill',
    threshold: 90,
    clearLevel: 20,
    categoryCode: '0102',
    label: '垃圾桶满溢',
    unit: '%',
  },
  station: {
    metric: 'fill',
    threshold: 95,
    clearLevel: 30,
    categoryCode: '0103',
    label: '垃圾转运站满载',
    unit: '%',
  },
  toilet: {
    metric: 'nh3',
    threshold: 5,
    clearLevel: 1,
    categoryCode: '0199',
    label: '公厕异味超标',
    unit: 'ppm',
  },
  vehicle: {
    metric: 'alarm',
    threshold: 1,
    clearLevel: 0,
    categoryCode: '0104',
    label: '环卫车辆告警 (抛洒)',
    unit: '',
  },
};

/** What the debounce keeps per device (a Cursor row `device:<id>` of the adapter, as JSON). */
export interface DeviceState {
  /** recent readings: [device time ms, value] */
  readings: [number, number][];
  /** the case of the current episode, and the episode's first above-threshold time */
  caseId: string | null;
  episodeStart: number | null;
}

export const emptyState = (): DeviceState => ({ readings: [], caseId: null, episodeStart: null });

export type Decision =
  | { action: 'open'; episodeStart: number; peak: number; spanSeconds: number }
  | { action: 'propose_close' }
  | { action: 'none'; why: string };

/**
 * Adds `reading` to `state` (mutated) and decides. `caseOpen` says whether the state's case is still
 * open (a case closed or voided by people ends its episode).
 */
export function debounce(
  state: DeviceState,
  reading: Pick<Reading, 'value' | 'at' | 'photoUrl'>,
  rule: KindRule,
  durationSeconds: number,
  caseOpen: boolean,
): Decision {
  const t = Date.parse(reading.at);
  if (state.caseId && !caseOpen) {
    state.caseId = null;
    state.episodeStart = null;
  }
  state.readings.push([t, reading.value]);
  state.readings.sort((a, b) => a[0] - b[0]);
  // Keep what can still matter: readings within a few durations of the newest, at most 200.
  const newest = state.readings.at(-1)![0];
  state.readings = state.readings.filter(([at]) => at >= newest - 4 * durationSeconds * 1000).slice(-200);

  if (state.caseId) {
    if (reading.value <= rule.clearLevel && reading.photoUrl) {
      state.caseId = null;
      state.episodeStart = null;
      state.readings = state.readings.filter(([at]) => at > t);
      return { action: 'propose_close' };
    }
    return { action: 'none', why: 'the episode already has its case' };
  }
  let lastBelow = -Infinity;
  for (const [at, v] of state.readings) if (v < rule.threshold) lastBelow = at;
  const run = state.readings.filter(([at]) => at > lastBelow);
  if (run.length === 0) return { action: 'none', why: 'below threshold' };
  const start = run[0]![0];
  const span = (run.at(-1)![0] - start) / 1000;
  if (span < durationSeconds)
    return { action: 'none', why: `above threshold for ${span} s of ${durationSeconds} s` };
  return { action: 'open', episodeStart: start, peak: Math.max(...run.map(([, v]) => v)), spanSeconds: span };
}
