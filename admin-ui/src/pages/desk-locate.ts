/**
 * 定位修复 in the desk's case panel: a case the procedure could not place waits (rt_locate_repair) until
 * someone at the desk places it. The acceptor clicks the point on the panel's map (reverse-geocoded to
 * words and a grid cell) or types an address and takes the geocoder's reading (GET /api/geocode), then
 * confirms: POST actions/locate with the address (a trusted reading: the hub geocodes it again and keeps
 * the address) or the point. A point outside every grid cell is not offered for confirmation.
 */
import { html, nothing } from 'lit-html';
import { api, describeError } from '../lib/api.ts';
import { formatTime, t, type MessageKey } from '../lib/i18n.ts';
import type { LngLat } from '../lib/map/index.ts';

interface GeocodeAnswer {
  result: {
    point: [number, number];
    confidence: number;
    kind: string;
    matched: string;
    doubts: string[];
    trusted: boolean;
    gridCode: string | null;
  } | null;
}
interface Choice extends LngLat {
  /** The address to send (a trusted reading), else the point is sent. */
  address: string | null;
  /** Where it is, in words (the reading, or the reverse geocoder's text). */
  text: string;
  gridCode: string | null;
  /** The reverse lookup is still running. */
  pending: boolean;
}

const LOOKUP_DELAY_MS = 250;
const round = (n: number) => Math.round(n * 1e6) / 1e6;

export function locateRepair(opts: {
  redraw: () => void;
  /** The chosen point goes on the map (an address's reading). */
  place: (p: LngLat) => void;
  /** Sends actions/locate with this body. */
  confirm: (body: Record<string, unknown>) => void;
  /** A grid cell in words (its street, community and number), never the bare code. */
  cellName: (code: string) => string;
}) {
  let query = '';
  let answer: GeocodeAnswer['result'] | undefined;
  let choice: Choice | null = null;
  let lookupError = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  let seq = 0;

  async function lookup(q: string) {
    const mine = ++seq;
    try {
      const found = await api('/api/geocode', { query: { q } });
      if (mine !== seq) return;
      answer = found.result;
      lookupError = '';
    } catch (err) {
      if (mine === seq) lookupError = describeError(err);
    }
    opts.redraw();
  }

  function onInput(e: Event) {
    query = (e.target as HTMLInputElement).value.trim();
    clearTimeout(timer);
    answer = undefined;
    if (query) timer = setTimeout(() => void lookup(query), LOOKUP_DELAY_MS);
    else opts.redraw();
  }

  function take(r: NonNullable<GeocodeAnswer['result']>) {
    const [lng, lat] = r.point;
    choice = {
      lng,
      lat,
      address: r.trusted ? query : null,
      text: r.matched,
      gridCode: r.gridCode,
      pending: false,
    };
    opts.place({ lng, lat });
    opts.redraw();
  }

  /** A click on the map: the point, then its address in words and its grid cell. */
  async function onPick(p: LngLat) {
    const mine = ++seq;
    choice = { lng: round(p.lng), lat: round(p.lat), address: null, text: '', gridCode: null, pending: true };
    opts.redraw();
    try {
      const where = await api('/api/reverse-geocode', {
        query: { lng: String(choice.lng), lat: String(choice.lat) },
      });
      if (mine !== seq || !choice) return;
      choice = { ...choice, text: where.text, gridCode: where.gridCode, pending: false };
    } catch (err) {
      if (mine === seq && choice) choice = { ...choice, pending: false };
      lookupError = describeError(err);
    }
    opts.redraw();
  }

  const kindLabel = (kind: string) => t(`fix.kind.${kind}` as MessageKey);

  function view(c: { locationRepair: { since: string; note: string | null } | null }, busy: boolean) {
    if (!c.locationRepair) return nothing;
    const r = answer;
    return html`<section class="fix" aria-labelledby="fix-h" data-testid="locate-repair">
      <h3 id="fix-h">${t('fix.heading')}</h3>
      <p>
        ${t('fix.why', { at: formatTime(c.locationRepair.since) })}
        ${c.locationRepair.note ? html`<br /><strong>${c.locationRepair.note}</strong>` : nothing}
      </p>
      <p class="muted small">${t('fix.hint')}</p>
      <label
        >${t('fix.address')}
        <input
          type="search"
          name="fixAddress"
          autocomplete="off"
          maxlength="200"
          .value=${query}
          @input=${onInput}
          @keydown=${(e: KeyboardEvent) => {
            if (e.key === 'Enter' && r) {
              e.preventDefault();
              take(r);
            }
          }}
      /></label>
      <div aria-live="polite" data-testid="geocode-suggestions">
        ${
          !query || r === undefined
            ? nothing
            : r === null
              ? html`<p class="muted">${t('fix.noMatch', { q: query })}</p>`
              : html`<button type="button" class="suggestion" @click=${() => take(r)}>
                    <strong>${r.matched}</strong>
                    <span class="muted">
                      ${kindLabel(r.kind)} · ${t('fix.confidence', { n: Math.round(r.confidence * 100) })}
                      ${r.gridCode ? html` · ${opts.cellName(r.gridCode)}` : html` · ${t('fix.outside')}`}
                    </span>
                  </button>
                  ${r.trusted ? nothing : html`<p class="muted small">${t('fix.untrusted')}</p>`}
                  ${r.doubts.length ? html`<p class="muted small">${r.doubts.join('；')}</p>` : nothing}`
        }
        ${lookupError ? html`<p class="error">${lookupError}</p>` : nothing}
      </div>
      ${
        choice
          ? html`<p data-testid="fix-choice">
              ${
                choice.pending
                  ? t('app.loading')
                  : choice.gridCode
                    ? t('fix.chosen', {
                        where: choice.text || t('fix.point'),
                        grid: opts.cellName(choice.gridCode),
                      })
                    : html`<strong class="error">${t('fix.chosenOutside')}</strong>`
              }
            </p>`
          : nothing
      }
      <button
        type="button"
        class="primary"
        ?disabled=${busy || !choice || choice.pending || !choice.gridCode}
        @click=${() => {
          if (!choice) return;
          opts.confirm(choice.address ? { address: choice.address } : { lng: choice.lng, lat: choice.lat });
        }}
      >
        ${t('fix.confirm')}
      </button>
    </section>`;
  }

  return {
    onPick: (p: LngLat) => void onPick(p),
    view,
    /** Another case in the panel: start over. */
    reset() {
      clearTimeout(timer);
      seq++;
      query = '';
      answer = undefined;
      choice = null;
      lookupError = '';
    },
  };
}
