/**
 * 广告店招: the archive's list (filters by status, kind and text; the map's view narrows it when "only what
 * the map shows" is ticked), the signs on the map coloured by status with a legend, and one sign's card:
 * photos, permit and period, owner, the permit procedure's state in words, its cases and history. The
 * archive's editors (the API's AD_SIGN_EDITORS) register and change signs here — each refused field named
 * under it — import a GeoJSON/CSV file, whose refused rows are listed one by one, and record the step a
 * permit application waits on in ad-permit.bpmn (审查, then 审批 with its 设置条件, or the refusal's reason).
 */
import { html, nothing, render } from 'lit-html';
import { keyed } from 'lit-html/directives/keyed.js';
import { api, blobUrl, describeError, type RequestBody, type Success } from '../lib/api.ts';
import { formCard } from '../lib/form-card.ts';
import { focusFirstError, noErrors, text, type FormErrors } from '../lib/form.ts';
import { formatTime, label, t, type MessageKey } from '../lib/i18n.ts';
import { inputField, selectField } from '../lib/inputs.ts';
import { createMap, preloadMap, type HubMap } from '../lib/map/index.ts';
import { AD_SIGN_COLOURS } from '../lib/map/style.ts';
import type { MountPage } from '../lib/pages.ts';
import { filterSelect, pagerLine, revealMap, searchFilters } from '../lib/registry-list.ts';
import { runSave, type SaveState } from '../lib/save.ts';
import { columnHeads } from '../lib/table.ts';

type List = Success<'/api/ad-signs'>;
type Sign = List['items'][number];
type Detail = Success<'/api/ad-signs/{id}'>;
type Permit = Detail['permits'][number];
type Report = Success<'/api/ad-signs/imports', 'post'>;
type SignBody = RequestBody<'/api/ad-signs', 'post'>;

const STATUSES = ['valid', 'expiring', 'expired', 'unpermitted', 'removed'] as const;
const KINDS = ['shop_sign', 'billboard', 'light_box', 'screen', 'banner', 'other'] as const;
const FIELDS = [
  'code',
  'kind',
  'name',
  'address',
  'lng',
  'lat',
  'widthM',
  'heightM',
  'ownerName',
  'ownerContact',
  'permitNo',
  'permitStart',
  'permitEnd',
  'permitConditions',
  'note',
];
const F = 'adsign-form';
const PAGE = 50;

const statusBadge = (s: string) => html`<span class="badge adsign-${s}">${label('adSignStatus', s)}</span>`;

/** A field's value in words for the history: kinds and statuses are stored as codes. */
const fieldValue = (field: string, v: string | null) =>
  v == null ? '—' : field === 'kind' ? label('adSignKind', v) : v;

/** Where an application or permit stands in ad-permit.bpmn, as one sentence. */
function permitLine(p: Permit): string {
  const kind = t(p.renewal ? 'adsigns.permit.renewal' : 'adsigns.permit.new');
  const period = { start: p.requestedStart, end: p.requestedEnd };
  switch (p.status) {
    case 'applied':
      return t('adsigns.permit.applied', { kind, ...period, name: p.applicantName });
    case 'reviewed':
      return t('adsigns.permit.reviewed', { kind, ...period, name: p.applicantName });
    case 'approved':
      return t('adsigns.permit.approved', { kind, ...period, no: p.permitNo ?? '—' });
    case 'refused':
      return t('adsigns.permit.refused', { kind, ...period, reason: p.refusalReason ?? '—' });
    case 'ended':
      return t('adsigns.permit.ended', { ...period, no: p.permitNo ?? '—' });
  }
}

export const mount: MountPage = (el, ctx) => {
  // The list says whether the caller may change the archive (a handler of another unit may not): the edit
  // buttons are offered only then, and such a handler is told why there are none.
  const canEdit = () => state.list?.editable === true;
  const handler = ctx.user.roles.includes('department_handler');
  const state = {
    status: '',
    kind: '',
    q: '',
    inView: false,
    offset: 0,
    list: null as List | null,
    error: '',
    notice: '',
    selected: (ctx.params[0] ?? null) as string | null,
    detail: null as Detail | null,
    photos: new Map<string, string>(),
    editing: null as Detail | 'new' | null,
    picked: null as { lng: number; lat: number } | null,
    report: null as Report | null,
    reportError: '',
    importing: false,
    /** why the last 审查 or 审批 recorded here was refused */
    permitError: '',
  };
  const edit: SaveState = { busy: false, errors: noErrors() };
  const photosAsked = new Set<string>();
  let map: HubMap | undefined;
  let stopped = false;
  let seq = 0;
  preloadMap();

  const viewBox = () =>
    map
      ?.bounds()
      .map((n) => n.toFixed(6))
      .join(',');

  async function load() {
    const mine = ++seq;
    try {
      const list = await api('/api/ad-signs', {
        query: {
          status: (state.status || undefined) as Sign['status'] | undefined,
          kind: (state.kind || undefined) as Sign['kind'] | undefined,
          q: state.q || undefined,
          bbox: state.inView ? viewBox() : undefined,
          limit: String(PAGE),
          offset: String(state.offset),
        },
      });
      if (mine !== seq || stopped) return;
      state.list = list;
      state.error = '';
    } catch (err) {
      state.error = describeError(err);
    }
    draw();
  }

  function showDetail(detail: Detail) {
    state.detail = detail;
    map?.setFocus({ lng: detail.lng, lat: detail.lat, gridCode: detail.gridCode });
    // close enough to tell the sign from its neighbours, its name written beside it
    map?.flyTo({ lng: detail.lng, lat: detail.lat }, 17);
    for (const p of detail.photos)
      if (!photosAsked.has(p.id) && photosAsked.add(p.id))
        void blobUrl(
          `/api/ad-signs/${encodeURIComponent(detail.id)}/photos/${encodeURIComponent(p.id)}`,
        ).then((u) => {
          state.photos.set(p.id, u);
          draw();
        });
  }

  /** Opens a sign's card; from the list (`reveal`) the map and card are brought into view. */
  async function open(id: string | null, reveal = false) {
    state.selected = id;
    state.detail = null;
    state.notice = '';
    state.permitError = '';
    closeForm();
    history.replaceState(null, '', id ? `#/ad-signs/${encodeURIComponent(id)}` : '#/ad-signs');
    draw();
    if (!id) return;
    try {
      const detail = await api(`/api/ad-signs/${encodeURIComponent(id)}` as '/api/ad-signs/{id}');
      if (stopped || state.selected !== id) return;
      showDetail(detail);
    } catch (err) {
      state.error = describeError(err);
    }
    draw();
    // once the card is drawn: before, the page could not yet scroll that far
    if (reveal && state.selected === id) revealMap(el.querySelector('#adsigns-map'));
  }

  function openForm(next: Detail | 'new') {
    state.editing = next;
    state.notice = '';
    edit.errors = noErrors();
    state.picked = next === 'new' ? null : { lng: next.lng, lat: next.lat };
    draw();
    el.querySelector<HTMLElement>(`#${F}-h`)?.focus();
  }

  function closeForm() {
    if (!state.editing) return;
    state.editing = null;
    map?.setPick(null);
    draw();
  }

  /** Picking on the map fills the form's longitude and latitude. */
  function pickOnMap() {
    map?.setPick((p) => {
      state.picked = { lng: Number(p.lng.toFixed(6)), lat: Number(p.lat.toFixed(6)) };
      draw();
    }, state.picked);
    el.querySelector('#adsigns-map')?.scrollIntoView({ block: 'nearest' });
  }

  /**
   * The form's values as the API takes them. A coordinate or size that is no number is named here (the
   * API's schema would refuse it in its own words); every other rule is the hub's, shown at its field.
   */
  function bodyOf(form: HTMLFormElement): { body: SignBody } | { errors: FormErrors } {
    const fields: Record<string, string> = {};
    const number = (name: string, labelKey: MessageKey, required: boolean) => {
      const v = text(form, name);
      if (v === null) {
        if (required) fields[name] = t('adsigns.required', { field: t(labelKey) });
        return null;
      }
      const n = Number(v);
      if (!Number.isFinite(n)) fields[name] = t('adsigns.notNumber', { field: t(labelKey) });
      return n;
    };
    const lng = number('lng', 'adsigns.lng', true);
    const lat = number('lat', 'adsigns.lat', true);
    const widthM = number('widthM', 'adsigns.widthM', false);
    const heightM = number('heightM', 'adsigns.heightM', false);
    if (Object.keys(fields).length) return { errors: { fields, general: '' } };
    return {
      body: {
        code: text(form, 'code') ?? '',
        kind: (text(form, 'kind') ?? 'shop_sign') as SignBody['kind'],
        name: text(form, 'name') ?? '',
        address: text(form, 'address'),
        lng: lng!,
        lat: lat!,
        widthM,
        heightM,
        ownerName: text(form, 'ownerName') ?? '',
        ownerContact: text(form, 'ownerContact'),
        permitNo: text(form, 'permitNo'),
        permitStart: text(form, 'permitStart'),
        permitEnd: text(form, 'permitEnd'),
        permitConditions: text(form, 'permitConditions'),
        note: text(form, 'note'),
      },
    };
  }

  async function save(event: SubmitEvent) {
    event.preventDefault();
    const read = bodyOf(event.target as HTMLFormElement);
    if ('errors' in read) {
      edit.errors = read.errors;
      draw();
      focusFirstError(el);
      return;
    }
    const editing = state.editing;
    await runSave(el, edit, draw, FIELDS, async () => {
      const saved =
        editing === 'new'
          ? await api('/api/ad-signs', { method: 'POST', body: read.body })
          : await api(`/api/ad-signs/${encodeURIComponent(editing!.id)}` as '/api/ad-signs/{id}', {
              method: 'PATCH',
              body: read.body,
            });
      state.editing = null;
      map?.setPick(null);
      state.selected = saved.id;
      history.replaceState(null, '', `#/ad-signs/${encodeURIComponent(saved.id)}`);
      showDetail(saved);
      state.notice = t('adsigns.saved', { name: saved.name });
      await map?.refresh();
      await load();
    });
  }

  async function setRemoved(removed: boolean) {
    const d = state.detail;
    if (!d) return;
    edit.busy = true;
    draw();
    try {
      showDetail(
        await api(`/api/ad-signs/${encodeURIComponent(d.id)}` as '/api/ad-signs/{id}', {
          method: 'PATCH',
          body: { removed },
        }),
      );
      await map?.refresh();
      await load();
    } catch (err) {
      state.error = describeError(err);
    }
    edit.busy = false;
    draw();
  }

  /**
   * 审查 or 审批 of an application, the step ad-permit.bpmn waits on: `yes` passes it on (审查通过, 准予许可
   * with the note as its 设置条件), no refuses it with the note as the reason (the hub asks for one).
   */
  async function permitStep(p: Permit, yes: boolean, event: Event) {
    const d = state.detail;
    const form = (event.target as HTMLElement).closest('form');
    if (!d || !form) return;
    const note = text(form, 'note') ?? undefined;
    const id = encodeURIComponent(p.id);
    edit.busy = true;
    state.permitError = '';
    draw();
    try {
      if (p.status === 'applied')
        await api(`/api/ad-permits/${id}/review` as '/api/ad-permits/{id}/review', {
          method: 'POST',
          body: { passed: yes, note },
        });
      else
        await api(`/api/ad-permits/${id}/decision` as '/api/ad-permits/{id}/decision', {
          method: 'POST',
          body: yes ? { approved: true, conditions: note } : { approved: false, reason: note },
        });
      const reread = () => api(`/api/ad-signs/${encodeURIComponent(d.id)}` as '/api/ad-signs/{id}');
      let next = await reread();
      // A granted permit gets its number from the procedure a moment later: the card waits for it (≤ 15 s).
      for (let i = 0; i < 15 && yes && p.status === 'reviewed'; i++) {
        if (next.permits.find((q) => q.id === p.id)?.permitNo || stopped || state.selected !== d.id) break;
        await new Promise((r) => setTimeout(r, 1000));
        next = await reread();
      }
      if (!stopped && state.selected === d.id) showDetail(next);
    } catch (err) {
      state.permitError = describeError(err);
    }
    edit.busy = false;
    draw();
  }

  async function runImport(event: SubmitEvent) {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const file = form.get('file') as File | null;
    if (!file || !file.size) return;
    state.importing = true;
    state.report = null;
    state.reportError = '';
    draw();
    try {
      state.report = await api('/api/ad-signs/imports', {
        method: 'post',
        body: {
          format: /\.csv$/i.test(file.name) ? 'csv' : 'geojson',
          crs: 'wgs84',
          content: await file.text(),
          fileName: file.name,
          dryRun: form.get('dryRun') === 'on',
        },
      });
      await map?.refresh();
      await load();
    } catch (err) {
      const report = (err as { problem?: { report?: Report } }).problem?.report;
      // A refused file answers 422 with the whole report: its rows are listed, not the error's summary.
      if (report) state.report = report;
      else state.reportError = describeError(err);
    }
    state.importing = false;
    draw();
  }

  const filterChanged = (patch: Partial<typeof state>) => {
    Object.assign(state, patch, { offset: 0 });
    void load();
  };

  const listView = () => {
    const items = state.list?.items ?? [];
    const total = state.list?.total ?? 0;
    // A phone shows code, name and status, the 1st, 3rd and 4th columns (style.css); the card the rest.
    return html`<table data-testid="adsigns-list" class="adsigns-list">
        ${columnHeads([t('adsigns.code'), t('adsigns.kind'), t('adsigns.name'), t('adsigns.status'), t('adsigns.permitEnd'), t('adsigns.owner')])}
        <tbody>
          ${items.map(
            (s) =>
              html`<tr class=${s.id === state.selected ? 'selected' : ''}>
                <td>
                  <button type="button" class="link mono" @click=${() => void open(s.id, true)}>
                    ${s.code}
                  </button>
                </td>
                <td>${label('adSignKind', s.kind)}</td>
                <td>${s.name}</td>
                <td>${statusBadge(s.status)}</td>
                <td class="mono">${s.permitEnd ?? '—'}</td>
                <td>${s.ownerName}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${pagerLine(
        'adsigns-count',
        { offset: state.offset, shown: items.length, total, page: PAGE },
        {
          count: (v) => t('adsigns.count', v),
          none: t(
            state.status || state.kind || state.q || state.inView ? 'adsigns.noMatch' : 'adsigns.empty',
          ),
          prev: t('adsigns.prev'),
          next: t('adsigns.next'),
        },
        (offset) => ((state.offset = offset), void load()),
      )}`;
  };

  const historyLine = (h: Detail['history'][number]) =>
    html`<li>
      <time>${formatTime(h.at)}</time> ${label('adSignEvent', h.type)}
      ${h.caseNo && h.caseId ? html`（<a href="#/cases/${encodeURIComponent(h.caseId)}">${h.caseNo}</a>）` : nothing}
      ${
        h.changes.length
          ? html`<span class="muted"
              >${h.changes
                .map(
                  (c) =>
                    `${label('adSignField', c.field)}：${fieldValue(c.field, c.from)} → ${fieldValue(c.field, c.to)}`,
                )
                .join('；')}</span
            >`
          : nothing
      }
      ${h.note ? html`<span class="muted">${h.note}</span>` : nothing}
      <span class="muted">${h.actorName}</span>
    </li>`;

  const permitsView = (d: Detail) =>
    d.permits.length
      ? html`<ul class="permits" data-testid="adsign-permits">
            ${d.permits.map(
              (p) =>
                html`<li>
                  <span class="badge">${label('adPermitStatus', p.status)}</span> ${permitLine(p)}
                  ${p.reviewNote ? html`<span class="muted">${t('adsigns.permit.reviewNote', { text: p.reviewNote })}</span>` : nothing}
                  ${
                    p.status === 'approved' && p.conditions
                      ? html`<span class="muted"
                          >${t('adsigns.permit.conditions', { text: p.conditions })}</span
                        >`
                      : nothing
                  }
                  <span class="muted">${formatTime(p.appliedAt)}</span>
                  ${canEdit() && (p.status === 'applied' || p.status === 'reviewed') ? permitStepForm(p) : nothing}
                </li>`,
            )}
          </ul>
          ${state.permitError ? html`<p class="error" role="alert">${state.permitError}</p>` : nothing}`
      : html`<p class="muted" data-testid="adsign-permits">${t('adsigns.noPermits')}</p>`;

  /** The step an application waits on, for the archive's editors: 审查 first, then 审批. */
  const permitStepForm = (p: Permit) => {
    const review = p.status === 'applied';
    return html`<form
      class="permit-step"
      data-testid="adsign-permit-step"
      @submit=${(e: Event) => e.preventDefault()}
    >
      <label
        >${t(review ? 'adsigns.permit.reviewLabel' : 'adsigns.permit.decideLabel')}
        <input name="note" maxlength="1000" />
      </label>
      <button type="button" ?disabled=${edit.busy} @click=${(e: Event) => void permitStep(p, true, e)}>
        ${t(review ? 'adsigns.permit.pass' : 'adsigns.permit.approve')}
      </button>
      <button type="button" ?disabled=${edit.busy} @click=${(e: Event) => void permitStep(p, false, e)}>
        ${t(review ? 'adsigns.permit.fail' : 'adsigns.permit.refuse')}
      </button>
    </form>`;
  };

  const detailView = () => {
    const d = state.detail;
    if (!state.selected) return html`<p class="muted">${t('adsigns.pick')}</p>`;
    if (!d) return html`<p class="muted">${t('app.loading')}</p>`;
    return html`<section class="adsign-card" data-testid="adsign-detail" aria-labelledby="adsign-title">
      <h2 id="adsign-title">${d.name} <small class="mono">${d.code}</small></h2>
      <dl class="facts">
        <dt>${t('adsigns.kind')}</dt>
        <dd>${label('adSignKind', d.kind)}</dd>
        <dt>${t('adsigns.status')}</dt>
        <dd data-testid="adsign-status">
          ${statusBadge(d.status)}
          ${d.removedAt ? html`<span class="muted">${t('adsigns.removedAt', { day: d.removedAt })}</span>` : nothing}
          ${
            d.removalOrderedAt && !d.removedAt
              ? html`<span class="muted"
                  >${t('adsigns.removalOrdered', { time: formatTime(d.removalOrderedAt) })}</span
                >`
              : nothing
          }
        </dd>
        <dt>${t('adsigns.permitNo')}</dt>
        <dd>${d.permitNo ?? t('adsigns.noPermit')}</dd>
        <dt>${t('adsigns.permitPeriod')}</dt>
        <dd>
          ${d.permitStart && d.permitEnd ? t('adsigns.period', { start: d.permitStart, end: d.permitEnd }) : '—'}
        </dd>
        ${
          d.permitConditions
            ? html`<dt>${t('adsigns.conditions')}</dt>
                <dd>${d.permitConditions}</dd>`
            : nothing
        }
        <dt>${t('adsigns.owner')}</dt>
        <dd>${d.ownerName}${d.ownerContact ? ` · ${d.ownerContact}` : ''}</dd>
        <dt>${t('adsigns.address')}</dt>
        <dd>${d.address ?? '—'}</dd>
        <dt>${t('adsigns.size')}</dt>
        <dd>${d.widthM && d.heightM ? t('adsigns.sizeValue', { w: d.widthM, h: d.heightM }) : '—'}</dd>
        ${
          d.note
            ? html`<dt>${t('adsigns.note')}</dt>
                <dd>${d.note}</dd>`
            : nothing
        }
      </dl>
      ${
        canEdit()
          ? html`<div class="toolbar">
              <button type="button" ?disabled=${edit.busy} @click=${() => openForm(d)}>
                ${t('adsigns.edit')}
              </button>
              <button type="button" ?disabled=${edit.busy} @click=${() => void setRemoved(!d.removedAt)}>
                ${t(d.removedAt ? 'adsigns.markStanding' : 'adsigns.markRemoved')}
              </button>
            </div>`
          : nothing
      }
      <h3>${t('adsigns.photos')}</h3>
      ${
        d.photos.length
          ? html`<div class="photos">
              ${d.photos.map((p) =>
                state.photos.has(p.id)
                  ? html`<img src=${state.photos.get(p.id)!} alt=${p.fileName} />`
                  : nothing,
              )}
            </div>`
          : html`<p class="muted">${t('adsigns.noPhotos')}</p>`
      }
      <h3>${t('adsigns.permits')}</h3>
      ${permitsView(d)}
      <h3>${t('adsigns.cases')}</h3>
      ${
        d.cases.length
          ? html`<ul data-testid="adsign-cases">
              ${d.cases.map(
                (c) =>
                  html`<li>
                    <a href="#/cases/${encodeURIComponent(c.id)}">${c.caseNo}</a> ${label('status', c.status)}
                    ${c.categoryName ? html`· ${c.categoryName}` : nothing}
                    <span class="muted">${formatTime(c.reportedAt)}</span>
                  </li>`,
              )}
            </ul>`
          : html`<p class="muted" data-testid="adsign-cases">${t('adsigns.noCases')}</p>`
      }
      <h3>${t('adsigns.history')}</h3>
      ${
        d.history.length
          ? html`<ol class="history" data-testid="adsign-history">
              ${d.history.map(historyLine)}
            </ol>`
          : html`<p class="muted" data-testid="adsign-history">${t('adsigns.noHistory')}</p>`
      }
    </section>`;
  };

  function formView() {
    const e = state.editing;
    if (!e) return nothing;
    const d = e === 'new' ? null : e;
    const { errors } = edit;
    const input = (name: string, key: MessageKey, value: string | number | null | undefined, type = 'text') =>
      inputField(F, name, t(key), errors, { type, autocomplete: 'off', value });
    return keyed(
      d?.id ?? 'new',
      formCard(
        {
          id: F,
          heading: d ? t('adsigns.editHeading', { name: d.name }) : t('adsigns.new'),
          errors,
          busy: edit.busy,
          onSubmit: (ev) => void save(ev),
          onCancel: closeForm,
        },
        html`<div class="adsign-form-grid">
          ${input('code', 'adsigns.code', d?.code)}
          ${selectField(
            F,
            'kind',
            t('adsigns.kind'),
            errors,
            KINDS.map((k) => ({ value: k, label: label('adSignKind', k) })),
            d?.kind ?? 'shop_sign',
          )}
          ${input('name', 'adsigns.name', d?.name)} ${input('address', 'adsigns.address', d?.address)}
          ${input('lng', 'adsigns.lng', state.picked?.lng ?? d?.lng, 'text')}
          ${input('lat', 'adsigns.lat', state.picked?.lat ?? d?.lat, 'text')}
          <p class="adsign-pick">
            <button type="button" @click=${pickOnMap}>${t('adsigns.pickOnMap')}</button>
            <span class="muted">${t('adsigns.pickHint')}</span>
          </p>
          ${input('widthM', 'adsigns.widthM', d?.widthM)} ${input('heightM', 'adsigns.heightM', d?.heightM)}
          ${input('ownerName', 'adsigns.owner', d?.ownerName)}
          ${input('ownerContact', 'adsigns.ownerContact', d?.ownerContact)}
          ${input('permitNo', 'adsigns.permitNo', d?.permitNo)}
          ${input('permitStart', 'adsigns.permitStart', d?.permitStart, 'date')}
          ${input('permitEnd', 'adsigns.permitEnd', d?.permitEnd, 'date')}
          ${input('permitConditions', 'adsigns.conditions', d?.permitConditions)}
          ${input('note', 'adsigns.note', d?.note)}
        </div>`,
      ),
    );
  }

  const importView = () =>
    canEdit()
      ? html`<details class="survey" data-testid="adsigns-import">
          <summary>${t('adsigns.import')}</summary>
          <form @submit=${runImport}>
            <label
              >${t('adsigns.importFile')}
              <input type="file" name="file" accept=".csv,.geojson,.json" required
            /></label>
            <label><input type="checkbox" name="dryRun" /> ${t('adsigns.dryRun')}</label>
            <button type="submit" class="primary" ?disabled=${state.importing}>
              ${t('adsigns.importRun')}
            </button>
          </form>
          ${state.reportError ? html`<p class="error" role="alert">${state.reportError}</p>` : nothing}
          ${state.report ? reportView(state.report) : nothing}
        </details>`
      : nothing;

  function reportView(r: Report) {
    const counts = { read: r.rowsRead, added: r.added, updated: r.updated, rejected: r.rejected.length };
    const summary = r.rejected.length
      ? t('adsigns.importRefused', counts)
      : t(r.stored ? 'adsigns.importStored' : 'adsigns.importChecked', counts);
    return html`<div data-testid="adsigns-import-report" role=${r.rejected.length ? 'alert' : 'status'}>
      <p class=${r.rejected.length ? 'error' : ''}>${summary}</p>
      ${
        r.rejected.length
          ? html`<div class="table-scroll" tabindex="0" role="region" aria-label=${t('adsigns.importReason')}>
              <table class="import-refusals">
                ${columnHeads([t('adsigns.importWhere'), t('adsigns.importReason')])}
                <tbody>
                  ${r.rejected.map(
                    (x) =>
                      html`<tr>
                        <td class="nowrap">${x.at}</td>
                        <td>${x.reason}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
          : nothing
      }
    </div>`;
  }

  function draw() {
    if (stopped) return;
    render(
      html`<h1>${t('nav.adsigns')}</h1>
        <form class="filters" @submit=${(e: Event) => e.preventDefault()}>
          ${filterSelect(
            t('adsigns.status'),
            t('adsigns.all'),
            STATUSES.map((s) => ({ value: s, label: label('adSignStatus', s) })),
            state.status,
            (status) => filterChanged({ status }),
          )}
          ${filterSelect(
            t('adsigns.kind'),
            t('adsigns.all'),
            KINDS.map((k) => ({ value: k, label: label('adSignKind', k) })),
            state.kind,
            (kind) => filterChanged({ kind }),
          )}
          ${searchFilters({ search: t('adsigns.search'), inView: t('adsigns.inView') }, state, filterChanged)}
        </form>
        ${state.error ? html`<p class="error" role="alert">${state.error}</p>` : nothing}
        ${state.notice ? html`<p class="ok" role="status">${state.notice}</p>` : nothing}
        ${
          canEdit()
            ? html`<p class="toolbar">
                <button type="button" class="primary" id="adsign-new" @click=${() => openForm('new')}>
                  ${t('adsigns.new')}
                </button>
              </p>`
            : handler && state.list
              ? html`<p class="muted" data-testid="adsigns-read-only">${t('adsigns.readOnlyUnit')}</p>`
              : nothing
        }
        ${importView()}
        <div class="components-layout adsigns-layout">
          <div class="components-left">${listView()}</div>
          <div class="components-right">
            <div id="adsigns-map" class="map-box" role="region" aria-label=${t('adsigns.map')}></div>
            <ul class="parking-legend" data-testid="adsigns-legend" aria-label=${t('adsigns.legend')}>
              ${STATUSES.map(
                (s) =>
                  html`<li>
                    <span class="parking-dot" style="background:${AD_SIGN_COLOURS[s]}"></span
                    >${label('adSignStatus', s)}
                  </li>`,
              )}
            </ul>
            ${formView()} ${state.editing ? nothing : detailView()}
          </div>
        </div>`,
      el,
    );
  }

  draw();
  void load();
  if (state.selected) void open(state.selected);
  const box = el.querySelector<HTMLElement>('#adsigns-map')!;
  createMap(box, {
    layers: ['grid', 'roads', 'adsigns'],
    zoom: 15,
    onAdSignClick: (s) => void open(s.id),
    onMoveEnd: () => {
      if (state.inView) {
        state.offset = 0;
        void load();
      }
    },
  })
    .then((m) => {
      if (stopped) return m.destroy();
      map = m;
      // a sign opened by its address came before the map: shown now as a click would show it
      if (state.detail) showDetail(state.detail);
    })
    .catch((err: unknown) => {
      state.error = t('map.unavailable', { message: describeError(err) });
      draw();
    });
  return () => {
    stopped = true;
    map?.destroy();
    for (const u of state.photos.values()) URL.revokeObjectURL(u);
  };
};
