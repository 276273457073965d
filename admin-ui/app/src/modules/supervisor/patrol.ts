/**
 * The patrol tracker of 城管通: while on duty, Geolocation.watchPosition keeps the latest fix (with its
 * accuracy); every `positionSeconds` (PATROL_POSITION_SECONDS from the hub) the latest new fix joins the
 * track, and every few fixes the batch goes into the offline queue (POST /api/field/positions), so a
 * track walked without network arrives when the network returns. Lives as long as the app, not a screen:
 * switching tabs does not stop it. On duty is remembered in localStorage so a reload resumes tracking.
 */
import { enqueue } from '../../queue.ts';
import { toPosition, type Position } from '../../ui.ts';

const ON_DUTY_KEY = 'hub.app.onDuty';
/** Fixes taken but not yet queued survive a reload. */
const BUFFER_KEY = 'hub.app.trackBuffer';
/** Fixes per batch sent; at 30 s a batch every 2 minutes. */
const BATCH = 4;

export interface PatrolState {
  onDuty: boolean;
  latest: Position | null;
  error: string;
  /** Fixes recorded this session (sent or waiting). */
  recorded: number;
}

const state: PatrolState = {
  onDuty: localStorage.getItem(ON_DUTY_KEY) === '1',
  latest: null,
  error: '',
  recorded: 0,
};
let watchId: number | null = null;
let timer: ReturnType<typeof setInterval> | undefined;
let buffer: Position[] = JSON.parse(localStorage.getItem(BUFFER_KEY) ?? '[]') as Position[];
const saveBuffer = () => localStorage.setItem(BUFFER_KEY, JSON.stringify(buffer));
let lastTaken = '';
const listeners = new Set<() => void>();

export const patrol = (): Readonly<PatrolState> => state;
export function onPatrol(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
const changed = () => listeners.forEach((fn) => fn());

async function flushBuffer(title: string) {
  if (buffer.length === 0) return;
  const points = buffer;
  buffer = [];
  // The batch goes to IndexedDB as the queue call starts; the saved buffer drops it at the same moment
  // (a fix sent twice would be stored once by the hub, by its time).
  const queued = enqueue({
    module: 'supervisor',
    title: title.replace('{n}', String(points.length)),
    quiet: true,
    request: { method: 'POST', path: '/api/field/positions', body: { points } },
  });
  saveBuffer();
  await queued;
}

/** Asks for a fresh fix when the watch has not reported for a whole interval (some phones stall it). */
function refresh(title: string, positionSeconds: number) {
  const p = state.latest;
  if (p && Date.now() - Date.parse(p.at) < positionSeconds * 1000) return take(title);
  navigator.geolocation.getCurrentPosition(
    (fix) => {
      state.latest = toPosition(fix);
      state.error = '';
      take(title);
    },
    () => take(title),
    { enableHighAccuracy: true, maximumAge: 0, timeout: positionSeconds * 1000 },
  );
}

function take(title: string) {
  const p = state.latest;
  if (!p || p.at === lastTaken) return;
  lastTaken = p.at;
  buffer.push(p);
  saveBuffer();
  state.recorded++;
  changed();
  if (buffer.length >= BATCH) void flushBuffer(title);
}

/** Starts watching (on duty); `title` names a batch in the outbox, `{n}` the number of fixes. */
export function startTracking(
  positionSeconds: number,
  title: string,
  errorText: (e: GeolocationPositionError) => string,
) {
  state.onDuty = true;
  localStorage.setItem(ON_DUTY_KEY, '1');
  if (watchId !== null) return;
  if (!('geolocation' in navigator)) {
    state.error = errorText({ code: 2, message: 'no geolocation' } as GeolocationPositionError);
    return changed();
  }
  watchId = navigator.geolocation.watchPosition(
    (p) => {
      const first = state.latest === null;
      state.latest = toPosition(p);
      state.error = '';
      if (first) take(title);
      changed();
    },
    (err) => {
      state.error = errorText(err);
      changed();
    },
    { enableHighAccuracy: true, maximumAge: 5_000 },
  );
  timer = setInterval(() => refresh(title, positionSeconds), positionSeconds * 1000);
  changed();
}

/** Stops watching and sends what is left of the track (before the 下班 that follows it in the queue). */
export async function stopTracking(title: string) {
  if (watchId !== null) navigator.geolocation.clearWatch(watchId);
  watchId = null;
  clearInterval(timer);
  take(title);
  await flushBuffer(title);
  state.onDuty = false;
  localStorage.removeItem(ON_DUTY_KEY);
  changed();
}

export const tracking = () => watchId !== null;
