/**
 * What 部件管理 and 广告店招 share around an archive's list beside its map: the filters (a choice list, the
 * text search, "only what the map shows"), the line under the list (which rows of how many, or in words
 * that none match, with previous / next), and bringing the map and card into view when a row is opened.
 */
import { html, nothing } from 'lit-html';

const valueOf = (e: Event) => (e.target as HTMLInputElement | HTMLSelectElement).value;

/** A filter's choice list: `all` first (the value ''), then each option; a change hands on the value. */
export const filterSelect = (
  words: string,
  all: string,
  options: readonly { value: string; label: string }[],
  selected: string,
  onChange: (value: string) => void,
) =>
  html`<label
    >${words}
    <select @change=${(e: Event) => onChange(valueOf(e))}>
      <option value="">${all}</option>
      ${options.map((o) => html`<option value=${o.value} ?selected=${o.value === selected}>${o.label}</option>`)}
    </select></label
  >`;

/** The text search (trimmed) and the box that narrows the list to the map's view. */
export const searchFilters = (
  words: { search: string; inView: string },
  state: { q: string; inView: boolean },
  onChange: (patch: { q: string } | { inView: boolean }) => void,
) =>
  html`<label
      >${words.search}
      <input type="search" .value=${state.q} @change=${(e: Event) => onChange({ q: valueOf(e).trim() })}
    /></label>
    <label class="check"
      ><input
        type="checkbox"
        .checked=${state.inView}
        @change=${(e: Event) => onChange({ inView: (e.target as HTMLInputElement).checked })}
      />
      ${words.inView}</label
    >`;

/**
 * The line under a list: "rows from–to of total" with previous / next, or `none` when nothing matches
 * (a bare "第 0–0 条，共 0 条" under empty headings read as a fault).
 */
export const pagerLine = (
  testId: string,
  at: { offset: number; shown: number; total: number; page: number },
  words: {
    count: (v: { from: number; to: number; total: number }) => string;
    none: string;
    prev: string;
    next: string;
  },
  go: (offset: number) => void,
) =>
  html`<p class="muted" data-testid=${testId}>
    ${at.total ? words.count({ from: at.offset + 1, to: at.offset + at.shown, total: at.total }) : words.none}
    ${
      at.offset > 0
        ? html`<button type="button" @click=${() => go(Math.max(0, at.offset - at.page))}>
            ${words.prev}
          </button>`
        : nothing
    }
    ${
      at.offset + at.shown < at.total
        ? html`<button type="button" @click=${() => go(at.offset + at.page)}>${words.next}</button>`
        : nothing
    }
  </p>`;

/**
 * Brings an opened row's map, and the card under it, into view when the map is not wholly on the screen:
 * on a phone they stand below the whole list, and on a wide screen a row far down the list leaves them
 * above.
 */
export function revealMap(map: HTMLElement | null): void {
  if (!map) return;
  const { top, bottom } = map.getBoundingClientRect();
  if (top < 0 || bottom > window.innerHeight) map.scrollIntoView({ block: 'start' });
}
