/**
 * 市民通's report form: the kind of problem (the Open311 services, by group, with search), photos from
 * the camera (resized, previewed, removable), the point following the phone's position until tapped on the
 * map (MapLibre, loaded when the form opens), an address or landmark, the description and an optional phone.
 * Queued with the photos and the device token to POST /api/citizen/reports (the Open311 intake); once
 * sent, the report's own page opens.
 */
import { html, nothing, render } from 'lit-html';
import { request } from '../../../../src/lib/api.ts';
import type { HubMap } from '../../../../src/lib/map/index.ts';
import type { ModuleContext } from '../../modules.ts';
import { enqueue } from '../../queue.ts';
import { followFormPoint } from '../../follow-position.ts';
import { backLink, outcome, PhotoList } from '../../ui.ts';
import { deviceHeaders, deviceToken } from './device.ts';
import { w } from './words.ts';

/** An Open311 service (GET /open311/v2/services.json). */
interface Service {
  service_code: string;
  service_name: string;
  group: string;
}

let services: Promise<Service[]> | undefined;
const loadServices = () =>
  // Open311 answers JSON or XML by the path's {format}, so its document types the body as text.
  (services ??= (request('/open311/v2/services.json') as Promise<Service[]>).catch((err: unknown) => {
    services = undefined;
    throw err;
  }));

export function mountReport(el: HTMLElement, ctx: ModuleContext) {
  let list: Service[] = [];
  let query = '';
  let code: string | null = null;
  let point: { lng: number; lat: number; accuracy: number | null } | null = null;
  let mapError = '';
  let formError = '';
  let busy = false;
  let map: HubMap | null = null;
  let stopped = false;
  const text = { address: '', description: '', phone: '' };
  const photos = new PhotoList(() => draw());

  function setPoint(lng: number, lat: number, accuracy: number | null) {
    point = { lng, lat, accuracy };
    map?.setPick((p) => placeByHand(p.lng, p.lat), { lng, lat });
    draw();
  }

  /** The point follows the phone until tapped on the map; 使用我现在的位置 follows it again. */
  let firstFix: () => void = () => {};
  const located = new Promise<void>((resolve) => (firstFix = resolve));
  const { gps, locate, placeByHand } = followFormPoint(
    setPoint,
    () => map,
    () => draw(),
    () => firstFix(),
  );

  async function showMap(host: HTMLElement) {
    try {
      const { createMap } = await import('../../../../src/lib/map/index.ts');
      if (stopped) return;
      map = await createMap(host, {
        layers: [],
        layerControl: false,
        pickAt: point,
        onPick: (p) => placeByHand(p.lng, p.lat),
        ...(point ? { center: point, zoom: 16 } : {}),
      });
      if (stopped) map.destroy();
      else host.dataset.ready = '1';
    } catch (err) {
      mapError = err instanceof Error ? err.message : String(err);
      draw();
    }
  }

  async function submit(e: Event) {
    e.preventDefault();
    const service = list.find((s) => s.service_code === code);
    formError = !service
      ? w('needCategory')
      : photos.photos.length === 0
        ? w('needPhoto')
        : !point
          ? w('needPosition')
          : !text.description.trim()
            ? w('descriptionHint')
            : '';
    if (formError || !service || !point) return draw();
    busy = true;
    draw();
    let token: string;
    try {
      token = await deviceToken();
    } catch {
      busy = false;
      formError = w('firstOnline');
      return draw();
    }
    const item = await enqueue({
      module: 'citizen',
      title: `${w('title', { what: service.service_name })} · ${text.description.trim().slice(0, 20)}`,
      request: {
        method: 'POST',
        path: '/api/citizen/reports',
        headers: deviceHeaders(token),
        body: {
          serviceCode: service.service_code,
          lat: point.lat,
          lng: point.lng,
          address: text.address.trim() || undefined,
          description: text.description.trim(),
          phone: text.phone.trim() || undefined,
        },
        files: photos.files(),
      },
    });
    busy = false;
    const o = outcome(item);
    ctx.notify(o.text, o.kind);
    if (item.state === 'failed') {
      formError = item.error ?? '';
      return draw();
    }
    photos.clear();
    const made = item.result as { token?: string } | undefined;
    ctx.navigate(made?.token ? `#/citizen/r/${made.token}` : '#/citizen');
  }

  function picker() {
    const chosen = list.find((s) => s.service_code === code);
    if (chosen)
      return html`<div class="row card" data-testid="category-chosen">
        <strong>${chosen.group} / ${chosen.service_name}</strong>
        <button type="button" @click=${() => ((code = null), draw())}>${w('change')}</button>
      </div>`;
    const q = query.trim();
    const shown = list.filter((s) => !q || s.service_name.includes(q) || s.group.includes(q));
    const groups = [...new Set(shown.map((s) => s.group))];
    return html`<label
        >${w('search')}
        <input
          type="search"
          .value=${query}
          @input=${(e: Event) => ((query = (e.target as HTMLInputElement).value), draw())}
      /></label>
      <div class="catlist" data-testid="category-list">
        ${shown.length === 0 ? html`<p class="muted">${w('noMatch')}</p>` : nothing}
        ${groups.map(
          (g) =>
            html`<h3>${g}</h3>
              <div class="toolbar">
                ${shown
                  .filter((s) => s.group === g)
                  .map(
                    (s) =>
                      html`<button
                        type="button"
                        @click=${() => ((code = s.service_code), (formError = ''), draw())}
                      >
                        ${s.service_name}
                      </button>`,
                  )}
              </div>`,
        )}
      </div>`;
  }

  function draw() {
    if (stopped) return;
    render(
      html`${backLink('#/citizen')}
        <h2>${w('reportHeading')}</h2>
        <form @submit=${submit} novalidate>
          <fieldset>
            <legend>${w('category')} <span class="req">*</span></legend>
            ${picker()}
          </fieldset>
          ${photos.field(w('photos'), 'photos', true)}
          <fieldset>
            <legend>${w('location')} <span class="req">*</span></legend>
            <button type="button" class="big" @click=${locate}>${w('useMine')}</button>
            ${
              gps.note
                ? html`<p class=${gps.refused ? 'error' : 'muted'} role="status" data-testid="position-state">
                    ${gps.note}
                  </p>`
                : nothing
            }
            <p data-testid="position">
              ${
                point
                  ? html`${w('position')}：${point.lng.toFixed(5)},
                    ${point.lat.toFixed(5)}${
                      point.accuracy !== null ? ` · ${w('accuracy', { m: Math.round(point.accuracy) })}` : ''
                    }`
                  : w('noPosition')
              }
            </p>
            <div class="map fill" id="citizen-map" aria-label=${w('pickHint')}></div>
            <p class="muted">${mapError ? w('mapFailed', { message: mapError }) : w('pickHint')}</p>
            <label
              >${w('address')}
              <input
                name="address"
                maxlength="500"
                placeholder=${w('addressHint')}
                .value=${text.address}
                @input=${(e: Event) => (text.address = (e.target as HTMLInputElement).value)}
            /></label>
          </fieldset>
          <label
            >${w('description')} <span class="req">*</span>
            <textarea
              name="description"
              rows="3"
              maxlength="4000"
              placeholder=${w('descriptionHint')}
              .value=${text.description}
              @input=${(e: Event) => (text.description = (e.target as HTMLTextAreaElement).value)}
            ></textarea>
          </label>
          <label
            >${w('phone')}
            <input
              name="phone"
              type="tel"
              maxlength="40"
              autocomplete="tel"
              .value=${text.phone}
              @input=${(e: Event) => (text.phone = (e.target as HTMLInputElement).value)}
          /></label>
          ${formError ? html`<p class="error" role="alert" data-testid="form-error">${formError}</p>` : nothing}
          <button type="submit" class="primary big" ?disabled=${busy}>${w('submit')}</button>
        </form>`,
      el,
    );
  }

  draw();
  gps.start();
  void (async () => {
    list = await loadServices().catch(() => []);
    draw();
    // The phone's position first, so that the map opens centred on it (a tap then moves the point); a
    // slow fix does not keep the map away, it moves the map when it comes.
    await Promise.race([located, new Promise((r) => setTimeout(r, 5_000))]);
    const host = el.querySelector<HTMLElement>('#citizen-map');
    if (host && !stopped) void showMap(host);
  })();
  return () => {
    stopped = true;
    gps.stop();
    map?.destroy();
  };
}
