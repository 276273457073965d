/**
 * 附近的上报 (城管通): what is already reported around the supervisor and still open, from any source
 * (GET /api/field/nearby), the nearest first, on the map and as a list — so a problem is not reported a
 * second time, and a supervisor passing by sees what waits there. Mine are marked.
 */
import { html, nothing, render } from 'lit-html';
import { api, describeError } from '../../../../src/lib/api.ts';
import { formatTime, label } from '../../../../src/lib/i18n.ts';
import type { ModuleContext } from '../../modules.ts';
import { nearbyMap } from '../../nearby-map.ts';
import { backLink, currentPosition, type Position } from '../../ui.ts';
import { patrol } from './patrol.ts';
import { w } from './words.ts';

interface Nearby {
  id: string;
  caseNo: string;
  source: string;
  status: string;
  categoryName: string;
  urgency: string;
  description: string;
  address: string | null;
  lng: number;
  lat: number;
  distanceM: number;
  reportedAt: string;
  mine: boolean;
}

const RADII = [300, 500, 1000] as const;
const distanceText = (m: number) =>
  m < 1000 ? w('nearM', { m }) : w('nearKm', { km: (m / 1000).toFixed(1) });

export function mountNearby(el: HTMLElement, ctx: ModuleContext) {
  let here: Position | null = null;
  let radius: number = 500;
  let items: Nearby[] | null = null;
  let error = '';
  let geoError = '';
  let locating = false;
  const map = nearbyMap({ title: w('nearby'), me: w('me'), layers: ['grid'] });
  let mapError = '';
  let stopped = false;
  ctx.setTitle(w('nearby'));

  async function locate() {
    locating = true;
    geoError = '';
    draw();
    try {
      // The patrol's latest fix when it is fresh (on duty), else one of its own.
      const latest = patrol().latest;
      here = latest && Date.now() - Date.parse(latest.at) < 60_000 ? latest : await currentPosition();
    } catch (err) {
      geoError = err instanceof Error ? err.message : String(err);
    }
    locating = false;
    await load();
  }

  async function load() {
    if (!here) return draw();
    try {
      const r = await api('/api/field/nearby', {
        query: { lng: String(here.lng), lat: String(here.lat), radius: String(radius) },
      });
      items = r.items;
      error = '';
    } catch (err) {
      error = w('nearbyFailed', { message: describeError(err) });
    }
    draw();
    void showOnMap();
  }

  async function showOnMap() {
    if (!here) return;
    try {
      await map.show(el.querySelector<HTMLElement>('#nearby-map'), here, items ?? [], radius > 500 ? 14 : 15);
    } catch (err) {
      mapError = err instanceof Error ? err.message : String(err);
      draw();
    }
  }

  function list() {
    if (items === null) return nothing;
    if (items.length === 0)
      return html`<p class="muted" data-testid="nearby-none">${w('nearbyNone', { m: radius })}</p>`;
    return html`<ol class="plain" data-testid="nearby">
      ${items.map(
        (c, i) =>
          html`<li class="card" data-case=${c.caseNo}>
            <p class="row">
              <span class="badge">${i + 1}</span>
              <strong>${c.categoryName}</strong>
              <span class="muted">${distanceText(c.distanceM)}</span>
              ${c.mine ? html`<span class="badge green">${w('mine')}</span>` : nothing}
            </p>
            <p>${c.description}</p>
            ${c.address ? html`<p class="muted">${c.address}</p>` : nothing}
            <p class="muted">
              ${label('status', c.status)} · ${label('urgency', c.urgency)} · ${label('source', c.source)} ·
              ${formatTime(c.reportedAt)} · ${c.caseNo}
            </p>
          </li>`,
      )}
    </ol>`;
  }

  function draw() {
    if (stopped) return;
    render(
      html`${backLink('#/supervisor')}
        <h2>${w('nearby')}</h2>
        <p class="muted" data-testid="nearby-where">
          ${here ? w('nearbyAround', { m: radius }) : locating ? w('noFix') : '—'}
        </p>
        ${geoError ? html`<p class="error" role="alert">${geoError}</p>` : nothing}
        <div class="segmented" role="radiogroup" aria-label=${w('nearbyRadius')}>
          ${RADII.map(
            (r) =>
              html`<label
                ><input
                  type="radio"
                  name="radius"
                  .checked=${radius === r}
                  @change=${() => ((radius = r), void load())}
                /><span>${r < 1000 ? w('radiusM', { m: r }) : w('radiusKm', { km: r / 1000 })}</span></label
              >`,
          )}
        </div>
        <div class="map fill" id="nearby-map" aria-label=${w('nearby')}></div>
        ${mapError ? html`<p class="muted">${w('mapFailed', { message: mapError })}</p>` : nothing}
        <div class="two">
          <button type="button" @click=${() => void locate()} ?disabled=${locating}>${w('locate')}</button>
          <a class="button primary" href="#/supervisor/report">${w('report')}</a>
        </div>
        ${error ? html`<p class="error" role="alert">${error}</p>` : nothing} ${list()}`,
      el,
    );
  }

  draw();
  void locate();
  return () => {
    stopped = true;
    map.destroy();
  };
}
