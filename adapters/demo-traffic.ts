/**
 * Demo traffic (`npm start` with SIMULATORS): the simulated legacy systems produce a modest stream of
 * what the real ones would — a 12319 ticket, a video AI alarm, a bin that stays full on the sanitation
 * platform's MQTT feed, a utility crew moving one of its work orders on — one event every
 * SIMULATOR_EVENT_SECONDS (a random time in the range, so the stream does not tick like a clock). Each
 * goes the real way: the simulator speaks its protocol to the hub, the adapter makes or updates the case.
 * Off when the setting is `off` (its default under the test runner, so a test hub is never disturbed
 * by an event it did not make).
 */
import type { Logger } from '../src/log.ts';
import type { HotlineSimulator } from './hotline/simulator/index.ts';
import { KIND_RULES } from './sanitation/mapping.ts';
import type { SanitationSimulator } from './sanitation/simulator/index.ts';
import { COMPANIES, type HubStatus } from './utilities/mapping.ts';
import type { UtilitySimulator } from './utilities/simulator/index.ts';
import type { Camera, VideoSimulator } from './video/simulator/index.ts';

export interface EventInterval {
  minMs: number;
  maxMs: number;
}

/**
 * SIMULATOR_EVENT_SECONDS (its form checked by src/config.ts): `off` → null; `30` → every 30 s; `20-60` →
 * a random time between 20 and 60 s.
 */
export function parseEventInterval(value: string): EventInterval | null {
  if (value === 'off') return null;
  const [min, max = min] = value.split('-').map(Number) as [number, number?];
  return { minMs: Math.round(min * 1000), maxMs: Math.round(max * 1000) };
}

export interface DemoSources {
  hotline?: HotlineSimulator;
  video?: VideoSimulator;
  sanitation?: SanitationSimulator;
  /** the utility simulators, with the folder the power company's daily CSV goes to */
  utilities: { sim: UtilitySimulator; csvDir?: string }[];
}

/** Cameras of the synthetic town (src/db/demo-data.ts: 城北街道 and 城南街道 cells near 120.55E 32.38N). */
const CAMERAS: Camera[] = [
  {
    cameraId: 'DEMO-CAM-01',
    name: '海阳路与益寿路口',
    lng: 120.5512,
    lat: 32.3871,
    speakerId: 'DEMO-SPK-01',
  },
  { cameraId: 'DEMO-CAM-02', name: '中山路步行街北口', lng: 120.5634, lat: 32.3902, speakerId: null },
  { cameraId: 'DEMO-CAM-03', name: '宁海路农贸市场', lng: 120.5581, lat: 32.3705, speakerId: 'DEMO-SPK-03' },
  { cameraId: 'DEMO-CAM-04', name: '福寿路公交站', lng: 120.5723, lat: 32.3748, speakerId: null },
];
const ALARM_TYPES = ['店外经营', '暴露垃圾', '违停', '游商', '垃圾满溢', '非机动车乱停'];
/**
 * Smart bins along the main streets of both 街道: enough that a new overflow usually finds a bin whose
 * earlier case is closed (while a bin's case is open, its readings belong to that episode).
 */
const BINS = Array.from({ length: 12 }, (_, i) => {
  const south = i >= 6;
  const n = (i % 6) + 1;
  return {
    deviceId: `DEMO-BIN-${south ? '02' : '01'}${String(n).padStart(2, '0')}`,
    lng: 120.548 + n * 0.0065,
    lat: south ? 32.3712 : 32.3874,
    address: `${south ? '城南街道解放路' : '城北街道海阳路'}${n * 20}号垃圾桶`,
  };
});

type Kind = 'hotline' | 'video' | 'sanitation' | 'utility';
/** How often each kind comes: tickets and alarms most, a utility crew's progress when it has orders. */
const WEIGHTS: Record<Kind, number> = { hotline: 3, video: 3, sanitation: 2, utility: 2 };

export interface DemoTraffic {
  /** Produces one event now (of `kind`, or a random available one); resolves with what it did. */
  tick(kind?: Kind): Promise<string | null>;
  stop(): void;
}

export function startDemoTraffic(options: {
  interval: EventInterval;
  sources: () => DemoSources;
  logger: Logger;
  /** seconds a sanitation reading must stay above threshold (SANITATION_DEBOUNCE_SECONDS) */
  debounceSeconds: number;
  random?: () => number;
}): DemoTraffic {
  const random = options.random ?? Math.random;
  const log = options.logger.child({ component: 'demo-traffic' });
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let seq = 0;

  /** The next step of a utility order the company has not finished, if any. */
  function nextUtilityStep(sources: DemoSources) {
    for (const { sim, csvDir } of sources.utilities) {
      const company = COMPANIES.find((c) => c.key === sim.company);
      if (!company) continue;
      const codeOf = (status: HubStatus) => Object.entries(company.codes).find(([, s]) => s === status)?.[0];
      for (const order of sim.orders) {
        const last = sim.changes.filter((c) => c.orderNo === order.orderNo).at(-1);
        const lastStatus = last ? company.codes[last.code] : undefined;
        const next: HubStatus | null =
          lastStatus === undefined
            ? 'signed'
            : lastStatus === 'signed'
              ? 'disposing'
              : lastStatus === 'disposing'
                ? 'disposed'
                : null;
        const code = next && codeOf(next);
        if (code) return { sim, csvDir, company, order, code, next: next! };
      }
    }
    return null;
  }

  const producers: Record<Kind, (s: DemoSources) => (() => Promise<string>) | null> = {
    hotline: (s) =>
      s.hotline?.hubUrl ? async () => `ticket ${(await s.hotline!.createTicket()).ticket.ticketNo}` : null,
    video: (s) =>
      s.video?.target
        ? async () => {
            const alarm = s.video!.alarm(pick(CAMERAS), pick(ALARM_TYPES));
            await s.video!.push(alarm);
            return `video alarm ${alarm.alarmType} at ${alarm.cameraId}`;
          }
        : null,
    sanitation: (s) =>
      s.sanitation
        ? async () => {
            // A bin full for longer than the debounce: the device's two readings span it.
            const bin = pick(BINS);
            const now = Date.now();
            const episode = `${now.toString(36)}-${++seq}`;
            const reading = (at: number, value: number) => ({
              msgId: `${bin.deviceId}-${episode}-${at}`,
              deviceId: bin.deviceId,
              kind: 'bin' as const,
              metric: KIND_RULES.bin.metric,
              value,
              at: new Date(at).toISOString(),
              lng: bin.lng,
              lat: bin.lat,
              address: bin.address,
            });
            // An emptied bin first ends any earlier episode, so each demo event is a new overflow.
            await s.sanitation!.publish(
              reading(now - (options.debounceSeconds + 120) * 1000, KIND_RULES.bin.clearLevel - 5),
              reading(now - (options.debounceSeconds + 60) * 1000, KIND_RULES.bin.threshold + 2),
              reading(now, KIND_RULES.bin.threshold + 6),
            );
            return `bin ${bin.deviceId} full`;
          }
        : null,
    utility: (s) => {
      const step = nextUtilityStep(s);
      if (!step) return null;
      return async () => {
        step.sim.advance(step.order.orderNo, step.code, {
          note:
            step.next === 'disposed'
              ? '抢修完毕，已恢复'
              : step.next === 'disposing'
                ? '班组已到场处置'
                : '已接单',
          ...(step.next === 'disposed' ? { photo: `demo-${step.order.orderNo}` } : {}),
        });
        // The power company reports by a file; the others are polled.
        if (step.company.feed === 'csv' && step.csvDir) {
          const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
          await step.sim.writeDailyCsv(step.csvDir, stamp);
        }
        return `${step.company.name} order ${step.order.caseNo} → ${step.code}`;
      };
    },
  };

  async function tick(kind?: Kind): Promise<string | null> {
    const sources = options.sources();
    const available = (Object.keys(WEIGHTS) as Kind[])
      .filter((k) => kind === undefined || k === kind)
      .map((k) => ({ k, run: producers[k](sources) }))
      .filter((p): p is { k: Kind; run: () => Promise<string> } => p.run !== null);
    if (!available.length) return null;
    const total = available.reduce((sum, p) => sum + WEIGHTS[p.k], 0);
    let r = random() * total;
    const chosen = available.find((p) => (r -= WEIGHTS[p.k]) < 0) ?? available.at(-1)!;
    const what = await chosen.run();
    log.info({ kind: chosen.k }, `demo event: ${what}`);
    return what;
  }

  const schedule = () => {
    if (stopped) return;
    const { minMs, maxMs } = options.interval;
    timer = setTimeout(
      () => {
        void tick()
          .catch((err: unknown) => log.warn({ err: String(err) }, 'demo event failed'))
          .finally(schedule);
      },
      minMs + random() * (maxMs - minMs),
    );
    timer.unref();
  };
  schedule();

  return {
    tick,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
