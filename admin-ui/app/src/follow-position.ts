/**
 * The phone's position, followed while a form that needs it is open (上报, 自处理, 市民通's 反映). One
 * getCurrentPosition with a 15 s timeout left such a form without a position for good when the first fix
 * was slow or failed (a GPS warming up indoors, a busy phone): only a tap on 重新定位 asked again. Here a
 * watch asks until the form closes, with no timeout of its own — a fix that comes after 40 s is still
 * taken — and an error other than a refusal asks again after a pause (some browsers end a watch on an
 * error). Between fixes the form shows `note`, the state in the user's words.
 */
import { tr } from './messages.ts';
import { toPosition, type Position } from './ui.ts';

export interface PositionFollower {
  /** What the form says about the position while it has no fresh one ('' once a fix came). */
  readonly note: string;
  /** The user refused the position: only asking again (after allowing it) can help. */
  readonly refused: boolean;
  /** (Re)starts asking; `fresh` refuses a fix the phone took before now (重新定位). */
  start(fresh?: boolean): void;
  /** Stops asking and saying (the form closed, or its point was placed by hand). */
  stop(): void;
}

export interface FollowOptions {
  /** No fix after this long: the note says the position is slow to come. */
  slowMs?: number;
  /** After an error, asks again this much later. */
  retryMs?: number;
}

/** Calls `onFix` with every fix and `onChange` whenever `note` changed. */
export function followPosition(
  onFix: (p: Position) => void,
  onChange: () => void,
  { slowMs = 15_000, retryMs = 3_000 }: FollowOptions = {},
): PositionFollower {
  let watchId: number | null = null;
  let slow: ReturnType<typeof setTimeout> | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const self = { note: '', refused: false, start, stop };

  function halt() {
    if (watchId !== null) navigator.geolocation.clearWatch(watchId);
    watchId = null;
    clearTimeout(slow);
    clearTimeout(retry);
  }

  function stop() {
    halt();
    self.note = '';
  }

  function say(note: string) {
    self.note = note;
    onChange();
  }

  function start(fresh = false) {
    ask(fresh, tr('geo.locating'));
  }

  /** Watches; `note` is said until the first fix (asking again after an error keeps saying so). */
  function ask(fresh: boolean, note: string) {
    halt();
    self.refused = false;
    if (!('geolocation' in navigator)) return say(tr('geo.none'));
    slow = setTimeout(() => say(tr('geo.slow')), slowMs);
    watchId = navigator.geolocation.watchPosition(
      (p) => {
        clearTimeout(slow);
        self.note = '';
        onFix(toPosition(p));
        onChange();
      },
      (err) => {
        halt();
        if (err.code === err.PERMISSION_DENIED) {
          self.refused = true;
          return say(tr('geo.denied'));
        }
        // Timed out or no signal for now: the user keeps the last point (if any) and is told we go on.
        say(tr('geo.retrying'));
        retry = setTimeout(() => ask(fresh, self.note), retryMs);
      },
      // A fix up to 10 s old answers at once on the form's opening; 重新定位 wants one taken from now on.
      { enableHighAccuracy: true, maximumAge: fresh ? 0 : 10_000 },
    );
    say(note);
  }

  return self;
}

/**
 * A report form's point following the phone (上报, 自处理, 市民通's 反映): every fix moves the point, the
 * first fix after a (re)start brings the map to it, and a point placed by hand on the map stops following.
 */
export function followFormPoint(
  setPoint: (lng: number, lat: number, accuracy: number | null) => void,
  map: () => { flyTo(p: { lng: number; lat: number }, zoom?: number): void } | null,
  onChange: () => void,
  onFix: () => void = () => {},
) {
  let flyOnFix = true;
  const gps = followPosition((p) => {
    setPoint(p.lng, p.lat, p.accuracy);
    if (flyOnFix) map()?.flyTo({ lng: p.lng, lat: p.lat }, 16);
    flyOnFix = false;
    onFix();
  }, onChange);
  return {
    gps,
    /** 重新定位 / 使用我现在的位置: follow again from a fresh fix. */
    locate() {
      flyOnFix = true;
      gps.start(true);
    },
    placeByHand(lng: number, lat: number) {
      gps.stop();
      setPoint(lng, lat, null);
    },
  };
}
