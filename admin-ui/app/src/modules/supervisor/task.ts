/**
 * One 核实 / 核查 task (城管通 我的任务): the case view (site, reporter's photos, thread), the way there
 * (distance from my position, the map with the case and me, a link to the phone's own map app), and the
 * action with photos: 核实 属实 / 不属实 (reason) / 已自行处理, 核查 已处理好 / 未处理好 — queued like
 * every write.
 */
import { html, nothing } from 'lit-html';
import type { User } from '../../../../src/lib/api.ts';
import type { HubMap } from '../../../../src/lib/map/index.ts';
import { mountCaseView, type CaseDetail } from '../../case-view.ts';
import type { ModuleContext } from '../../modules.ts';
import { enqueue } from '../../queue.ts';
import { distanceM } from './geo.ts';
import { backLink, outcome, PhotoList } from '../../ui.ts';
import { patrol } from './patrol.ts';
import { w } from './words.ts';

export function mountTask(el: HTMLElement, ctx: ModuleContext, caseId: string) {
  const user = ctx.user as User;
  const photos = new PhotoList(() => view.redraw());
  let result = '';
  let error = '';
  let busy = false;
  let map: HubMap | null = null;
  let mapHost: HTMLElement | null = null;

  async function submit(c: CaseDetail, e: Event) {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const verify = c.status === 'verifying';
    error = '';
    if (!result) error = verify ? w('resultLabel') : w('checkLabel');
    else if (photos.photos.length === 0) error = w('needPhoto');
    if (error) return view.redraw();
    busy = true;
    view.redraw();
    const reason = String(f.get('reason') ?? '').trim();
    const note = String(f.get('note') ?? '').trim();
    const item = await enqueue({
      module: 'supervisor',
      title: `${verify ? w('verify') : w('check')} · ${c.caseNo} · ${w(result as 'confirmed')}`,
      request: {
        method: 'POST',
        path: `/api/cases/${encodeURIComponent(c.id)}/actions/${verify ? 'verify' : 'check'}`,
        body: { result, ...(reason ? { reason } : {}), ...(note ? { note } : {}) },
        files: photos.files(),
      },
    });
    busy = false;
    const o = outcome(item);
    ctx.notify(o.text, o.kind);
    if (item.state === 'failed') {
      error = item.error ?? '';
      return view.redraw();
    }
    photos.clear();
    ctx.navigate('#/supervisor/tasks');
  }

  function way(c: CaseDetail) {
    const me = patrol().latest;
    if (c.lng === null || c.lat === null) return nothing;
    const m = me ? Math.round(distanceM(me, { lng: c.lng, lat: c.lat })) : null;
    return html`<section class="card">
      <h3>${w('way')}</h3>
      ${m !== null ? html`<p data-testid="distance">${w('distance', { m })}</p>` : nothing}
      <div class="map fill" id="task-map"></div>
      <a class="button big" href="geo:${c.lat},${c.lng}?q=${c.lat},${c.lng}">${w('navigate')}</a>
    </section>`;
  }

  async function showMap(c: CaseDetail) {
    const host = el.querySelector<HTMLElement>('#task-map');
    if (!host || host === mapHost || c.lng === null || c.lat === null) return;
    mapHost = host;
    try {
      const { createMap } = await import('../../../../src/lib/map/index.ts');
      map = await createMap(host, {
        layers: ['grid'],
        focus: { lng: c.lng, lat: c.lat, gridCode: c.gridCode },
      });
      const me = patrol().latest;
      if (me)
        map.setOverlay(
          'me',
          {
            type: 'FeatureCollection',
            features: [
              {
                type: 'Feature',
                geometry: { type: 'Point', coordinates: [me.lng, me.lat] },
                properties: { name: user.displayName },
              },
            ],
          },
          { title: user.displayName, color: '#1d4ed8', label: 'name' },
        );
    } catch {
      host.textContent = w('mapFailed', { message: '' });
    }
  }

  function actions(c: CaseDetail) {
    queueMicrotask(() => void showMap(c));
    if (c.status !== 'verifying' && c.status !== 'checking') return way(c);
    const verify = c.status === 'verifying';
    const choices = verify
      ? (['confirmed', 'false', 'selfHandled'] as const)
      : (['passed', 'failed'] as const);
    return html`${way(c)}
      <form class="card" @submit=${(e: Event) => submit(c, e)} data-testid="task-form">
        <fieldset>
          <legend>${verify ? w('resultLabel') : w('checkLabel')} <span class="req">*</span></legend>
          <div class="segmented">
            ${choices.map(
              (r) =>
                html`<label
                  ><input
                    type="radio"
                    name="result"
                    value=${r}
                    .checked=${result === r}
                    @change=${() => ((result = r), view.redraw())}
                  /><span>${w(r)}</span></label
                >`,
            )}
          </div>
        </fieldset>
        ${photos.field(w('photos'), 'photos', true)}
        ${
          result === 'false'
            ? html`<label
                >${w('reason')} <span class="req">*</span
                ><textarea name="reason" rows="2" required maxlength="1000"></textarea>
              </label>`
            : nothing
        }
        <label>${w('note')} <textarea name="note" rows="2" maxlength="2000"></textarea></label>
        ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
        <button type="submit" class="primary big" ?disabled=${busy}>${w('taskSubmit')}</button>
      </form>`;
  }

  const view = mountCaseView(el, {
    caseId,
    user,
    back: backLink('#/supervisor/tasks'),
    notify: ctx.notify,
    actions,
  });
  return () => {
    view.stop();
    map?.destroy();
  };
}
