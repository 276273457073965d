/**
 * 上报 and 自处理 (城管通): category (事件/部件, 大类/小类, search, recent choices), photos from the camera
 * (resized, previewed, removable), the position followed from GPS with its accuracy, the address (reverse
 * geocoding when the hub offers it, editable), the point movable on the map, urgency, description; 自处理
 * adds photos after the fix and what was done. Queued with the photos (offline-safe); a report the hub
 * refused opens here again from 发送记录 (`#/supervisor/report/<item id>`) to be edited and re-sent.
 */
import { html, nothing, render } from 'lit-html';
import { api } from '../../../../src/lib/api.ts';
import { label } from '../../../../src/lib/i18n.ts';
import { getCategories, type Category } from '../../../../src/lib/reference.ts';
import type { HubMap } from '../../../../src/lib/map/index.ts';
import type { ModuleContext } from '../../modules.ts';
import { enqueue, getItem, resubmit, updateItem } from '../../queue.ts';
import { followFormPoint } from '../../follow-position.ts';
import { backLink, outcome, PhotoList } from '../../ui.ts';
import { distanceM } from './geo.ts';
import { w } from './words.ts';

const RECENT_KEY = 'hub.app.recentCategories';
const URGENCIES = ['normal', 'urgent', 'critical'] as const;

interface Draft {
  kind: 'event' | 'component';
  code: string | null;
  urgency: string;
  description: string;
  address: string;
  note: string;
  lng: number | null;
  lat: number | null;
  accuracy: number | null;
  observedAt: string;
}

const recent = (): string[] => {
  try {
    return JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]') as string[];
  } catch {
    return [];
  }
};
const remember = (key: string) =>
  localStorage.setItem(RECENT_KEY, JSON.stringify([key, ...recent().filter((k) => k !== key)].slice(0, 6)));

export function mountReport(el: HTMLElement, ctx: ModuleContext, self: boolean, editId?: string) {
  let cats: Category[] = [];
  let query = '';
  let picking = true;
  let busy = false;
  let formError = '';
  let map: HubMap | null = null;
  let mapError = '';
  /**
   * The map opens when asked (to move the point): the GPS fix and the address are what a report needs,
   * and MapLibre (≈ 300 KB, WebGL) costs a phone on a slow network and a busy CPU — drawn at once it held
   * the fix back for more than 30 s on a loaded test machine.
   */
  let mapOpen = false;
  let stopped = false;
  const d: Draft = {
    kind: 'event',
    code: null,
    urgency: 'normal',
    description: '',
    address: '',
    note: '',
    lng: null,
    lat: null,
    accuracy: null,
    observedAt: new Date().toISOString(),
  };
  const before = new PhotoList(() => draw());
  const after = new PhotoList(() => draw());

  const catKey = (c: Pick<Category, 'kind' | 'code'>) => `${c.kind}:${c.code}`;
  const chosen = () => cats.find((c) => c.kind === d.kind && c.code === d.code);

  /**
   * The point follows the phone while the form is open (a better fix replaces a coarse first one) until
   * the supervisor places it by hand on the map; 重新定位 makes it follow again from a fresh fix.
   */
  const { gps, locate, placeByHand } = followFormPoint(
    setPoint,
    () => map,
    () => draw(),
  );

  function setPoint(lng: number, lat: number, accuracy: number | null) {
    d.lng = lng;
    d.lat = lat;
    d.accuracy = accuracy;
    map?.setPick((p) => placeByHand(p.lng, p.lat), { lng, lat });
    void geocode();
    draw();
  }

  /** Where the address was last looked up, and whether the supervisor typed one (then it stays). */
  let geocodedAt: { lng: number; lat: number } | null = null;
  let addressTyped = false;
  async function geocode() {
    if (d.lng === null || d.lat === null || addressTyped || !navigator.onLine) return;
    // A fix every second or so while following: the address is looked up again only 20 m further on.
    if (geocodedAt && distanceM(geocodedAt, { lng: d.lng, lat: d.lat }) < 20) return;
    geocodedAt = { lng: d.lng, lat: d.lat };
    try {
      // src/geography: `text` is the nearest door, road, compound and community in words.
      const r = await api('/api/reverse-geocode', { query: { lng: String(d.lng), lat: String(d.lat) } });
      const text = r.text;
      if (text && !addressTyped) {
        d.address = text;
        draw();
      }
    } catch {
      // No address: the supervisor types it.
    }
  }

  async function showMap(host: HTMLElement) {
    try {
      const { createMap } = await import('../../../../src/lib/map/index.ts');
      if (stopped) return;
      const at = d.lng !== null && d.lat !== null ? { lng: d.lng, lat: d.lat } : null;
      map = await createMap(host, {
        layers: ['grid'],
        pickAt: at,
        onPick: (p) => placeByHand(p.lng, p.lat),
        ...(at ? { center: at, zoom: 16 } : {}),
      });
      if (stopped) map.destroy();
    } catch (err) {
      mapError = err instanceof Error ? err.message : String(err);
      draw();
    }
  }

  function openMap() {
    mapOpen = true;
    draw();
    const host = el.querySelector<HTMLElement>('#report-map');
    if (host) void showMap(host);
  }

  async function submit(e: Event) {
    e.preventDefault();
    formError = '';
    const c = chosen();
    if (!c) formError = w('needCategory');
    else if (before.photos.length === 0) formError = w('needPhoto');
    else if (self && after.photos.length === 0) formError = w('needAfter');
    else if (d.lng === null || d.lat === null) formError = w('needPosition');
    if (formError || !c) return draw();
    busy = true;
    draw();
    remember(catKey(c));
    const title =
      (self ? w('selfTitle', { what: c.name }) : w('reportTitle', { what: c.name })) +
      ` · ${d.description.slice(0, 20)}`;
    const item = {
      module: 'supervisor',
      title,
      editHash: '',
      draft: { ...d, self },
      request: {
        method: 'POST' as const,
        path: '/api/cases',
        body: {
          source: 'supervisor',
          categoryKind: d.kind,
          categoryCode: d.code,
          urgency: d.urgency,
          description: d.description.trim(),
          address: d.address.trim() || undefined,
          lng: d.lng,
          lat: d.lat,
          observedAt: d.observedAt,
          ...(self ? { selfHandled: true, selfHandledNote: d.note.trim() || undefined } : {}),
        },
        files: [...before.files('photos'), ...(self ? after.files('afterPhotos') : [])],
      },
    };
    const stored = editId
      ? await resubmit(editId, { ...item, editHash: `#/supervisor/report/${editId}` })
      : await enqueue(item);
    // The edit link needs the item's own id, known once stored.
    if (stored && !editId) {
      await updateItem(stored.id, { editHash: `#/supervisor/report/${stored.id}` });
    }
    busy = false;
    if (!stored) return;
    const o = outcome(stored);
    ctx.notify(
      o.text + (stored.state === 'sent' ? ` · ${(stored.result as { caseNo?: string })?.caseNo ?? ''}` : ''),
      o.kind,
    );
    if (stored.state === 'failed') {
      formError = stored.error ?? '';
      return draw();
    }
    before.clear();
    after.clear();
    ctx.navigate('#/supervisor');
  }

  function categoryPicker() {
    const c = chosen();
    if (c && !picking)
      return html`<div class="row card" data-testid="category-chosen">
        <strong>${c.majorName} / ${c.name}</strong>
        <button type="button" @click=${() => ((picking = true), draw())}>${w('change')}</button>
      </div>`;
    const q = query.trim().toLowerCase();
    const list = cats.filter(
      (x) =>
        x.kind === d.kind &&
        (!q || x.name.toLowerCase().includes(q) || x.majorName.includes(q) || x.code.includes(q)),
    );
    const recents = recent()
      .map((k) => cats.find((x) => catKey(x) === k))
      .filter((x): x is Category => Boolean(x));
    const pick = (x: Category) => () => {
      d.kind = x.kind;
      d.code = x.code;
      picking = false;
      draw();
    };
    const majors = [...new Set(list.map((x) => x.majorName))];
    return html`<div class="segmented" role="radiogroup" aria-label=${w('category')}>
        ${(['event', 'component'] as const).map(
          (k) =>
            html`<label
              ><input
                type="radio"
                name="kind"
                .checked=${d.kind === k}
                @change=${() => ((d.kind = k), (d.code = null), draw())}
              /><span>${k === 'event' ? w('kindEvent') : w('kindComponent')}</span></label
            >`,
        )}
      </div>
      <label
        >${w('search')}
        <input
          type="search"
          .value=${query}
          @input=${(e: Event) => ((query = (e.target as HTMLInputElement).value), draw())}
      /></label>
      ${
        recents.length
          ? html`<p class="muted">${w('recent')}</p>
              <div class="toolbar">
                ${recents.map((x) => html`<button type="button" @click=${pick(x)}>${x.name}</button>`)}
              </div>`
          : nothing
      }
      <div class="catlist" data-testid="category-list">
        ${list.length === 0 ? html`<p class="muted">${w('noMatch')}</p>` : nothing}
        ${majors.map(
          (m) =>
            html`<h3>${m}</h3>
              <div class="toolbar">
                ${list.filter((x) => x.majorName === m).map((x) => html`<button type="button" @click=${pick(x)}>${x.name}</button>`)}
              </div>`,
        )}
      </div>`;
  }

  function draw() {
    if (stopped) return;
    render(
      html`${backLink('#/supervisor')}
        <h2>${self ? w('selfHandle') : w('report')}</h2>
        ${editId ? html`<p class="pending-note">${w('editing')}</p>` : nothing}
        <form @submit=${submit} novalidate>
          <fieldset>
            <legend>${w('category')} <span class="req">*</span></legend>
            ${categoryPicker()}
          </fieldset>
          ${before.field(self ? w('before') : w('photos'), 'photos', true)}
          ${self ? after.field(w('after'), 'afterPhotos', true) : nothing}
          <fieldset>
            <legend>${w('location')} <span class="req">*</span></legend>
            <p data-testid="position">
              ${
                d.lng !== null && d.lat !== null
                  ? html`${d.lng.toFixed(5)},
                    ${d.lat.toFixed(5)}${d.accuracy !== null ? html` · ${w('lastFix', { m: Math.round(d.accuracy) })}` : nothing}`
                  : '—'
              }
            </p>
            ${
              gps.note
                ? html`<p class=${gps.refused ? 'error' : 'muted'} role="status" data-testid="position-state">
                    ${gps.note}
                  </p>`
                : nothing
            }
            ${
              mapOpen
                ? html`<div class="map fill" id="report-map" aria-label=${w('mapHint')}></div>
                    ${mapError ? html`<p class="muted">${w('mapFailed', { message: mapError })}</p>` : html`<p class="muted">${w('mapHint')}</p>`}`
                : nothing
            }
            <div class="two">
              <button type="button" @click=${locate}>${w('locate')}</button>
              ${
                mapOpen
                  ? nothing
                  : html`<button type="button" @click=${openMap} data-testid="open-map">
                      ${w('openMap')}
                    </button>`
              }
            </div>
            <label
              >${w('address')}
              <input
                name="address"
                maxlength="500"
                placeholder=${w('addressHint')}
                .value=${d.address}
                @input=${(e: Event) => {
                  d.address = (e.target as HTMLInputElement).value;
                  addressTyped = d.address.trim() !== '';
                }}
            /></label>
          </fieldset>
          <fieldset>
            <legend>${w('urgency')}</legend>
            <div class="segmented">
              ${URGENCIES.map(
                (u) =>
                  html`<label
                    ><input
                      type="radio"
                      name="urgency"
                      .checked=${d.urgency === u}
                      @change=${() => ((d.urgency = u), draw())}
                    /><span>${label('urgency', u)}</span></label
                  >`,
              )}
            </div>
          </fieldset>
          <label
            >${w('description')} <span class="req">*</span>
            <textarea
              name="description"
              rows="3"
              maxlength="4000"
              required
              .value=${d.description}
              @input=${(e: Event) => (d.description = (e.target as HTMLTextAreaElement).value)}
            ></textarea>
          </label>
          ${
            self
              ? html`<label
                  >${w('handledNote')}
                  <textarea
                    name="note"
                    rows="2"
                    maxlength="2000"
                    .value=${d.note}
                    @input=${(e: Event) => (d.note = (e.target as HTMLTextAreaElement).value)}
                  ></textarea>
                </label>`
              : nothing
          }
          ${formError ? html`<p class="error" role="alert" data-testid="form-error">${formError}</p>` : nothing}
          <button type="submit" class="primary big" ?disabled=${busy}>
            ${self ? w('submitSelf') : w('submit')}
          </button>
        </form>`,
      el,
    );
  }

  draw();
  // The fix is asked for at once (a phone's GPS may take a while); a refused report reopens at the point
  // it was sent with, and 重新定位 follows the phone again.
  if (!editId) gps.start();
  void (async () => {
    cats = (await getCategories().catch(() => [])).filter(
      (c) => (c as { active?: boolean }).active !== false,
    );
    if (editId) {
      const old = await getItem(editId);
      if (old?.draft) {
        Object.assign(d, old.draft);
        picking = !d.code;
        before.restore((old.request.files ?? []).filter((f) => f.field === 'photos'));
        after.restore((old.request.files ?? []).filter((f) => f.field === 'afterPhotos'));
      }
    }
    draw();
    if (editId && d.lng === null && !stopped) gps.start();
  })();
  return () => {
    stopped = true;
    gps.stop();
    map?.destroy();
  };
}
