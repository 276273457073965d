/**
 * The engine clock: system time, or pinned / offset like Zeebe's clock actuator. Every time the engine
 * reads goes through it, so tests move time instead of waiting.
 */
import { EngineError, type EngineClock } from '../api.ts';

export function createClock(control: boolean, onChange: () => void): EngineClock {
  let pinned: number | undefined;
  let offset = 0;
  const guard = () => {
    if (!control)
      throw new EngineError(
        'FAILED_PRECONDITION',
        'Clock control is disabled (set ENGINE_CLOCK_CONTROL=true)',
      );
  };
  return {
    now: () => pinned ?? Date.now() + offset,
    state: () => ({ pinned, offset }),
    pin(epochMs) {
      guard();
      pinned = epochMs;
      onChange();
    },
    add(ms) {
      guard();
      if (pinned !== undefined) pinned += ms;
      else offset += ms;
      onChange();
    },
    reset() {
      guard();
      pinned = undefined;
      offset = 0;
      onChange();
    },
  };
}
