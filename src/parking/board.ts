/**
 * The guidance board: every lot's free spaces as signs and apps read them, held in memory so the public
 * guidance API answers without touching the database (bench/parking-guidance.ts).
 *
 * - The process that consumes the parking feed updates its board as each pass commits (`update`).
 * - Every process reloads its board from the database every `refreshSeconds` in the background, so a
 *   hub instance that does not hold the feed's lease still shows counts at most one refresh old; an
 *   answer is never built from a board older than `30 − maxAgeSeconds` (the request then waits for the
 *   reload), so what a sign shows — its cache included — is at most 30 s old.
 * - A lot whose system sent nothing for `silenceSeconds` is `unknown` (未知) with no count: a silent feed
 *   says nothing about the lot, and showing it 已满 would send drivers away from a lot that may be empty.
 * The wall clock decides silence (the engine's clock in tests is not the parking system's).
 */
import { createHash } from 'node:crypto';
import type { Db } from '../db/index.ts';
import type { Logger } from '../log.ts';

export type LotStatus = 'available' | 'few' | 'full' | 'unknown';

/** The zh-CN words signs show for each status. */
export const LOT_STATUS_LABELS: Record<LotStatus, string> = {
  available: '空闲',
  few: '紧张',
  full: '已满',
  unknown: '未知',
};

/** A lot as the board holds it (a ParkingLot row's fields the guidance needs). */
export interface LotState {
  id: string;
  code: string;
  name: string;
  area: string;
  street: string | null;
  lng: number;
  lat: number;
  capacity: number;
  active: boolean;
  occupied: number;
  feedAt: Date | null;
}

export interface GuidanceLot {
  code: string;
  name: string;
  area: string;
  street: string | null;
  lng: number;
  lat: number;
  capacity: number;
  /** null when the lot's feed is silent (unknown) */
  free: number | null;
  status: LotStatus;
  statusLabel: string;
}

export interface GuidanceArea {
  area: string;
  /** spaces of the area's lots whose count is known */
  capacity: number;
  /** free spaces of those lots; null when no lot of the area is known */
  free: number | null;
  lots: number;
  unknownLots: number;
  status: LotStatus;
  statusLabel: string;
}

export interface GuidanceDocument {
  areas: GuidanceArea[];
  lots: GuidanceLot[];
}

export interface GuidanceAnswer {
  body: GuidanceDocument;
  /** `body` serialised once per build, so a 200 costs no JSON.stringify of the whole answer */
  json: string;
  /** strong validator of `body` */
  etag: string;
}

export interface BoardSettings {
  silenceSeconds: number;
  refreshSeconds: number;
  maxAgeSeconds: number;
  fewPercent: number;
}

export interface ParkingBoard {
  /** The whole city (no area) or one area's lots; undefined for an area no active lot is in. */
  answer(area?: string): Promise<GuidanceAnswer | undefined>;
  /** Every lot with its live state (admin list), inactive ones included. */
  lots(): Promise<{ lot: LotState; view: GuidanceLot }[]>;
  /** A lot's new count, after the transaction that wrote it committed. */
  update(lot: LotState): void;
  /** Lots were added or changed by the admin API: the next answer reloads first. */
  invalidate(): void;
  /** Status of one lot now (also used by the history sampler). */
  view(lot: LotState): GuidanceLot;
}

export const statusOf = (free: number | null, capacity: number, fewPercent: number): LotStatus =>
  free === null ? 'unknown' : free <= 0 ? 'full' : free * 100 <= capacity * fewPercent ? 'few' : 'available';

const LOT_SELECT = {
  id: true,
  code: true,
  name: true,
  area: true,
  street: true,
  lng: true,
  lat: true,
  capacity: true,
  active: true,
  occupied: true,
  feedAt: true,
} as const;

export function createParkingBoard(deps: {
  db: Db;
  settings: BoardSettings;
  logger: Logger;
  /** wall clock; tests may pass their own */
  now?: () => number;
}): ParkingBoard {
  const { db, settings } = deps;
  const now = deps.now ?? Date.now;
  const byCode = new Map<string, LotState>();
  let loadedAt = 0;
  let loading: Promise<void> | undefined;
  // Answers built from the board, by area ('' = all), valid until `builtAt + 1 s` or the next change:
  // a lot turns unknown with time alone, so an answer is rebuilt at least every second.
  let answers = new Map<string, GuidanceAnswer | undefined>();
  let builtAt = 0;

  const hardLimitMs = Math.max(1, 30 - settings.maxAgeSeconds) * 1000;

  function reload(): Promise<void> {
    loading ??= (async () => {
      try {
        const started = now();
        const rows = await db.prisma.parkingLot.findMany({ select: LOT_SELECT, orderBy: { code: 'asc' } });
        byCode.clear();
        for (const r of rows) byCode.set(r.code, r);
        loadedAt = started;
        answers = new Map();
      } finally {
        loading = undefined;
      }
    })();
    return loading;
  }

  async function fresh() {
    const age = now() - loadedAt;
    if (age >= hardLimitMs) await reload();
    else if (age >= settings.refreshSeconds * 1000)
      reload().catch((err: unknown) => deps.logger.warn({ err }, 'reloading the parking board failed'));
  }

  function view(lot: LotState): GuidanceLot {
    const silent = !lot.feedAt || now() - lot.feedAt.getTime() > settings.silenceSeconds * 1000;
    const free = silent ? null : Math.min(lot.capacity, Math.max(0, lot.capacity - lot.occupied));
    const status = statusOf(free, lot.capacity, settings.fewPercent);
    return {
      code: lot.code,
      name: lot.name,
      area: lot.area,
      street: lot.street,
      lng: lot.lng,
      lat: lot.lat,
      capacity: lot.capacity,
      free,
      status,
      // No time of the last heartbeat: it would change the answer (and its ETag) with every heartbeat
      // of every lot, and signs caching by ETag would never see a 304.
      statusLabel: LOT_STATUS_LABELS[status],
    };
  }

  function build(area: string): GuidanceAnswer | undefined {
    const lots = [...byCode.values()].filter((l) => l.active && (!area || l.area === area)).map(view);
    if (area && !lots.length) return undefined;
    const areas = new Map<string, GuidanceArea>();
    for (const l of lots) {
      const a = areas.get(l.area) ?? {
        area: l.area,
        capacity: 0,
        free: null,
        lots: 0,
        unknownLots: 0,
        status: 'unknown' as LotStatus,
        statusLabel: '',
      };
      a.lots++;
      if (l.free === null) a.unknownLots++;
      else {
        a.capacity += l.capacity;
        a.free = (a.free ?? 0) + l.free;
      }
      areas.set(l.area, a);
    }
    for (const a of areas.values()) {
      a.status = statusOf(a.free, a.capacity, settings.fewPercent);
      a.statusLabel = LOT_STATUS_LABELS[a.status];
    }
    const body: GuidanceDocument = {
      areas: [...areas.values()].sort((x, y) => x.area.localeCompare(y.area, 'zh-CN')),
      lots,
    };
    const json = JSON.stringify(body);
    const etag = `"${createHash('sha256').update(json).digest('base64url').slice(0, 27)}"`;
    return { body, json, etag };
  }

  return {
    async answer(area = '') {
      await fresh();
      if (now() - builtAt >= 1000) {
        answers = new Map();
        builtAt = now();
      }
      if (!answers.has(area)) answers.set(area, build(area));
      return answers.get(area);
    },
    async lots() {
      await reload();
      return [...byCode.values()].map((lot) => ({ lot, view: view(lot) }));
    },
    update(lot) {
      // A reload that started before this commit may bring the older count back; the next one corrects it
      // (refreshSeconds later) — and the consuming process updates again with its next pass.
      byCode.set(lot.code, lot);
      answers = new Map();
    },
    invalidate() {
      loadedAt = 0;
    },
    view,
  };
}

const boards = new WeakMap<Db, ParkingBoard>();

/**
 * The one board of a database client in this process, shared by the guidance routes and the parking
 * adapter (both are built from the same Db), so a pass the adapter commits shows at once.
 */
export function parkingBoardFor(db: Db, settings: BoardSettings, logger: Logger): ParkingBoard {
  let board = boards.get(db);
  if (!board) {
    board = createParkingBoard({ db, settings, logger });
    boards.set(db, board);
  }
  return board;
}

/** The board's settings from the configuration. */
export function boardSettings(config: {
  PARKING_SILENCE_SECONDS: number;
  PARKING_REFRESH_SECONDS: number;
  PARKING_GUIDANCE_MAX_AGE_SECONDS: number;
  PARKING_FEW_PERCENT: number;
}): BoardSettings {
  return {
    silenceSeconds: config.PARKING_SILENCE_SECONDS,
    refreshSeconds: config.PARKING_REFRESH_SECONDS,
    maxAgeSeconds: config.PARKING_GUIDANCE_MAX_AGE_SECONDS,
    fewPercent: config.PARKING_FEW_PERCENT,
  };
}
