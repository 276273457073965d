/**
 * Green / yellow / red by the remaining working time of a case's current step. The hub computes the
 * remaining working minutes on its work calendar and the state (yellow from DEADLINE_WARN_FRACTION of
 * the limit, red when overdue); the page only colours them. Without a state from the hub: yellow when
 * less than a quarter of the step's limit is left (or under an hour when the limit is not known).
 */
import { html, nothing } from 'lit-html';
import { t } from './i18n.ts';

export interface CaseClock {
  dueAt: string | null;
  remainingWorkingMinutes: number | null;
  limitMinutes?: number | null;
  /** The hub's traffic light (src/cases/clock.ts). */
  state?: 'green' | 'yellow' | 'red';
}

export type ClockState = 'green' | 'yellow' | 'red' | 'none';

export function clockState(clock: CaseClock | null | undefined): ClockState {
  if (!clock || clock.remainingWorkingMinutes == null) return 'none';
  if (clock.state) return clock.state;
  const left = clock.remainingWorkingMinutes;
  if (left < 0) return 'red';
  const limit = clock.limitMinutes ?? null;
  if (limit ? left < limit / 4 : left < 60) return 'yellow';
  return 'green';
}

/** The coloured badge; nothing when the API gave no clock for the case. */
export function clockBadge(clock: CaseClock | null | undefined) {
  if (clock === undefined) return nothing;
  const state = clockState(clock);
  const minutes = clock?.remainingWorkingMinutes;
  const detail = minutes == null ? '' : ` ${Math.abs(Math.round(minutes / 60))}h`;
  return html`<span class="clock ${state}" data-clock=${state}>${t(`clock.${state}`)}${detail}</span>`;
}
