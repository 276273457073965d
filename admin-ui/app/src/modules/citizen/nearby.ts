/**
 * 附近的反映 (市民通): what others have already reported around the citizen, so a problem is not reported
 * twice and its progress can be followed by anyone passing by. GET /api/citizen/nearby gives the Open311
 * list's public view — the published sources only, positions rounded (≈ 100 m by default), no reporter,
 * no case number, no staff name — the nearest first. Distances are therefore said in round figures.
 */
import { html, nothing, render } from 'lit-html';
import { api, describeError, type Success } from '../../../../src/lib/api.ts';
import { formatTime } from '../../../../src/lib/i18n.ts';
import type { ModuleContext } from '../../modules.ts';
import { nearbyMap } from '../../nearby-map.ts';
import { backLink, currentPosition, type Position } from '../../ui.ts';
import { w } from './words.ts';

type Nearby = Success<'/api/citizen/nearby', 'get'>;
type Item = Nearby['items'][number];

/** The published position is rounded, so a distance finer than 100 m would pretend to know more. */
function distanceText(m: number | null): string {
  if (m === null) return '';
  if (m < 100) return w('within100');
  if (m < 1000) return w('aboutM', { m: Math.round(m / 100) * 100 });
  return w('aboutKm', { km: (m / 1000).toFixed(1) });
}

const rangeText = (m: number) => (m < 1000 ? w('rangeM', { m }) : w('rangeKm', { km: m / 1000 }));

export function mountNearby(el: HTMLElement, ctx: ModuleContext) {
  let here: Position | null = null;
  let answer: Nearby | null = null;
  let error = '';
  let geoError = '';
  let locating = false;
  let mapError = '';
  let stopped = false;
  const map = nearbyMap({ title: w('nearby'), me: w('me'), layers: [] });
  ctx.setTitle(w('nearby'));

  async function locate() {
    locating = true;
    geoError = '';
    draw();
    try {
      here = await currentPosition();
    } catch (err) {
      geoError = err instanceof Error ? err.message : String(err);
    }
    locating = false;
    await load();
  }

  async function load() {
    if (!here) return draw();
    try {
      answer = await api('/api/citizen/nearby', { query: { lng: String(here.lng), lat: String(here.lat) } });
      error = '';
    } catch (err) {
      error = w('nearbyFailed', { message: describeError(err) });
    }
    draw();
    try {
      const placed = (answer?.items ?? []).filter((i): i is Item & { lat: number; long: number } =>
        Boolean(i.lat !== null && i.long !== null),
      );
      await map.show(
        el.querySelector<HTMLElement>('#citizen-nearby-map'),
        here,
        placed.map((i) => ({ lng: i.long, lat: i.lat })),
        15,
      );
    } catch (err) {
      mapError = err instanceof Error ? err.message : String(err);
      draw();
    }
  }

  function list() {
    if (!answer) return nothing;
    if (answer.items.length === 0)
      return html`<p class="muted" data-testid="nearby-none">
        ${w('nearbyNone', { range: rangeText(answer.radius_m) })}
      </p>`;
    return html`<ol class="plain" data-testid="nearby">
      ${answer.items.map(
        (r, i) =>
          html`<li class="card">
            <p class="row">
              <span class="badge" aria-label=${w('mapNumber', { n: i + 1 })}>${i + 1}</span>
              <strong>${r.service_name ?? w('otherKind')}</strong>
              <span class="muted" data-testid="distance">${distanceText(r.distance_m)}</span>
            </p>
            <p
              class="status-line ${r.resolved ? 'green' : r.status === 'closed' ? 'grey' : ''}"
              data-testid="status-text"
            >
              ${r.status_text}
            </p>
            ${r.description ? html`<p>${r.description}</p>` : nothing}
            ${r.address ? html`<p class="muted">${r.address}</p>` : nothing}
            ${
              r.requested_datetime
                ? html`<p class="muted">${w('reportedAt')} ${formatTime(r.requested_datetime)}</p>`
                : nothing
            }
          </li>`,
      )}
    </ol>`;
  }

  function draw() {
    if (stopped) return;
    render(
      html`${backLink('#/citizen')}
        <h2>${w('nearby')}</h2>
        <p class="muted" data-testid="nearby-where">
          ${answer ? w('nearbyAround', { range: rangeText(answer.radius_m) }) : locating ? w('locating') : '—'}
        </p>
        ${geoError ? html`<p class="error" role="alert">${geoError}</p>` : nothing}
        <div class="map fill" id="citizen-nearby-map" role="region" aria-label=${w('nearbyMap')}></div>
        ${mapError ? html`<p class="muted">${w('mapFailed', { message: mapError })}</p>` : nothing}
        <div class="two">
          <button type="button" @click=${() => void locate()} ?disabled=${locating}>
            ${w('locateAgain')}
          </button>
          <a class="button primary" href="#/citizen/report">${w('newReport')}</a>
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
