/**
 * 工作日历: the days set by hand (GET /api/calendar/days) and a year's days that differ from the week
 * (GET /api/calendar/:year: official holidays, 调休 workdays, overrides). Administrators set a date as
 * a day off or a working day with its own periods (PUT /api/calendar/days/:date) and remove an override
 * (DELETE), after which the official schedule applies again; they also change the standard working
 * periods and the yellow-warning share (PUT /api/calendar/settings).
 */
import { html, nothing, render } from 'lit-html';
import { keyed } from 'lit-html/directives/keyed.js';
import { repeat } from 'lit-html/directives/repeat.js';
import { api, describeError } from '../../lib/api.ts';
import {
  errorRef,
  field,
  fieldError,
  fieldId,
  focusFirstError,
  formErrors,
  generalError,
  invalid,
  noErrors,
  text,
  type FormErrors,
} from '../../lib/form.ts';
import { formatTime, label, t } from '../../lib/i18n.ts';
import type { MountSection } from './section.ts';

interface Shift {
  start: string;
  end: string;
}
interface Override {
  date: string;
  kind: 'holiday' | 'workday';
  shifts: Shift[] | null;
  note: string | null;
  updatedBy: string | null;
  updatedAt: string;
}
interface Day {
  date: string;
  working: boolean;
  source: string;
  name: string | null;
  note: string | null;
}
interface Settings {
  timezone: string;
  shifts: Shift[];
  standardDayMinutes: number;
  yellowFraction: number;
  officialYears: { first: number; last: number };
}
interface ShiftRow extends Shift {
  key: number;
}

const F = 'cal-form';
const S = 'cal-settings';
const shiftText = (shifts: Shift[] | null) => (shifts ?? []).map((s) => `${s.start}–${s.end}`).join('、');

export const mount: MountSection = (el, { canEdit }) => {
  let overrides: Override[] = [];
  let days: Day[] = [];
  let year = new Date().getFullYear();
  /** The override being edited; `date: ''` for a new one. */
  let editing: Override | null = null;
  let shifts: ShiftRow[] = [];
  let nextKey = 0;
  let errors: FormErrors = noErrors();
  let notice = '';
  let loadError = '';
  let busy = false;
  let settings: Settings | null = null;
  let editingSettings = false;
  let settingsShifts: ShiftRow[] = [];
  let settingsErrors: FormErrors = noErrors();

  async function load() {
    try {
      const [o, y, st] = await Promise.all([
        api<{ items: Override[] }>('/api/calendar/days'),
        api<{ days: Day[] }>(`/api/calendar/${year}`),
        api<Settings>('/api/calendar/settings'),
      ]);
      settings = st;
      overrides = o.items;
      // Ordinary weekdays and weekends follow the week; the list shows the days that differ.
      days = y.days.filter((d) => d.source !== 'weekday');
      loadError = '';
    } catch (err) {
      loadError = describeError(err);
    }
    draw();
  }

  function open(next: Override | null) {
    editing = next;
    shifts = (next?.shifts ?? []).map((s) => ({ ...s, key: nextKey++ }));
    errors = noErrors();
    notice = '';
    draw();
    if (next) el.querySelector<HTMLElement>('#cal-form-h')?.focus();
  }

  const fieldNames = () => [
    'date',
    'kind',
    'note',
    'shifts',
    ...shifts.flatMap((_, i) => [`shifts.${i}.start`, `shifts.${i}.end`, `shifts.${i}`]),
  ];

  async function save(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const date = text(form, 'date') ?? '';
    const kind = text(form, 'kind');
    const typed = readPeriods(form, shifts);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) {
      errors = { fields: { date: t('cal.dateRequired') }, general: '' };
      draw();
      return;
    }
    busy = true;
    draw();
    try {
      await api(`/api/calendar/days/${encodeURIComponent(date)}`, {
        method: 'PUT',
        body: {
          kind,
          shifts: kind === 'workday' && typed.length ? typed : null,
          note: text(form, 'note'),
        },
      });
      editing = null;
      shifts = [];
      errors = noErrors();
      notice = t('edit.saved', { name: date });
      await load();
      el.querySelector<HTMLElement>('#cal-new')?.focus();
    } catch (err) {
      errors = formErrors(err, fieldNames());
      draw();
      focusFirstError(el);
    } finally {
      busy = false;
      draw();
    }
  }

  async function remove(date: string) {
    busy = true;
    try {
      await api(`/api/calendar/days/${encodeURIComponent(date)}`, { method: 'DELETE' });
      notice = t('edit.deleted', { name: date });
      if (editing?.date === date) editing = null;
      await load();
    } catch (err) {
      errors = formErrors(err, []);
      notice = '';
    } finally {
      busy = false;
      draw();
    }
  }

  /**
   * The working periods of a form (an override's own, or the standard shifts): start/end rows added
   * and removed in place; `rows` is read when drawing and replaced through `set`.
   */
  function periods(
    form: string,
    rows: ShiftRow[],
    errs: FormErrors,
    legend: string,
    set: (r: ShiftRow[]) => void,
  ) {
    const time = (i: number, part: 'start' | 'end', value: string) => {
      const n = `shifts.${i}.${part}`;
      return html`<input
          id=${fieldId(form, n)}
          name=${n}
          type="time"
          value=${value}
          aria-label=${`${t('cal.period', { n: i + 1 })} ${t(part === 'start' ? 'cal.start' : 'cal.end')}`}
          aria-invalid=${invalid(errs, n)}
          aria-describedby=${errorRef(form, n, errs)}
        />${fieldError(form, n, errs)}`;
    };
    return html`<fieldset>
      <legend>${legend}</legend>
      <ul class="plain">
        ${repeat(
          rows,
          (s) => s.key,
          (s, i) =>
            html`<li class="toolbar" data-shift=${i}>
              ${time(i, 'start', s.start)} ${time(i, 'end', s.end)}
              <button
                type="button"
                aria-label=${`${t('cal.removePeriod')} ${t('cal.period', { n: i + 1 })}`}
                @click=${() => {
                  set(rows.filter((x) => x.key !== s.key));
                  el.querySelector<HTMLElement>(`#${form}-add-shift`)?.focus();
                }}
              >
                ✕
              </button>
              ${fieldError(form, `shifts.${i}`, errs)}
            </li>`,
        )}
      </ul>
      ${fieldError(form, 'shifts', errs)}
      <button
        type="button"
        id="${form}-add-shift"
        @click=${() => {
          set([...rows, { start: '08:30', end: '12:00', key: nextKey++ }]);
          el.querySelector<HTMLElement>(`#${fieldId(form, `shifts.${rows.length}.start`)}`)?.focus();
        }}
      >
        ${t('cal.addPeriod')}
      </button>
    </fieldset>`;
  }

  /** The periods of a form as typed. */
  const readPeriods = (form: HTMLFormElement, rows: ShiftRow[]) =>
    rows.map((_, i) => ({
      start: text(form, `shifts.${i}.start`) ?? '',
      end: text(form, `shifts.${i}.end`) ?? '',
    }));

  function openSettings(open: boolean) {
    editingSettings = open;
    settingsShifts = open && settings ? settings.shifts.map((x) => ({ ...x, key: nextKey++ })) : [];
    settingsErrors = noErrors();
    notice = '';
    draw();
    if (open) el.querySelector<HTMLElement>('#cal-settings-h')?.focus();
  }

  async function saveSettings(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const fraction = text(form, 'yellowFraction');
    busy = true;
    draw();
    try {
      await api('/api/calendar/settings', {
        method: 'PUT',
        body: {
          shifts: readPeriods(form, settingsShifts),
          // Text that is no number goes as it is: the hub names the field.
          yellowFraction:
            fraction !== null && Number.isFinite(Number(fraction)) ? Number(fraction) : fraction,
        },
      });
      editingSettings = false;
      settingsErrors = noErrors();
      notice = t('cal.settingsSaved');
      await load();
      el.querySelector<HTMLElement>('#cal-edit-settings')?.focus();
    } catch (err) {
      settingsErrors = formErrors(err, [
        'shifts',
        'yellowFraction',
        ...settingsShifts.flatMap((_, i) => [`shifts.${i}.start`, `shifts.${i}.end`, `shifts.${i}`]),
      ]);
      draw();
      focusFirstError(el);
    } finally {
      busy = false;
      draw();
    }
  }

  function settingsView() {
    if (!settings) return nothing;
    const summary = html`<p data-testid="calendar-settings">
      ${t('cal.settingsSummary', {
        shifts: shiftText(settings.shifts),
        minutes: settings.standardDayMinutes,
        pct: Math.round(settings.yellowFraction * 1000) / 10,
        tz: settings.timezone,
        first: settings.officialYears.first,
        last: settings.officialYears.last,
      })}
    </p>`;
    if (!editingSettings)
      return html`${summary}
      ${
        canEdit
          ? html`<button type="button" id="cal-edit-settings" @click=${() => openSettings(true)}>
              ${t('cal.editSettings')}
            </button>`
          : nothing
      }`;
    return html`${summary}
      <section class="card" aria-labelledby="cal-settings-h">
        <h3 id="cal-settings-h" tabindex="-1">${t('cal.editSettings')}</h3>
        <form class="stack" @submit=${saveSettings} novalidate>
          ${periods(S, settingsShifts, settingsErrors, t('cal.standardShifts'), (rows) => {
            settingsShifts = rows;
            settingsErrors = noErrors();
            draw();
          })}
          ${field(
            S,
            'yellowFraction',
            t('cal.yellowFraction'),
            html`<input
              id=${fieldId(S, 'yellowFraction')}
              name="yellowFraction"
              type="number"
              step="0.05"
              min="0.05"
              max="1"
              value=${settings.yellowFraction}
              aria-invalid=${invalid(settingsErrors, 'yellowFraction')}
              aria-describedby=${errorRef(S, 'yellowFraction', settingsErrors)}
            />`,
            settingsErrors,
          )}
          ${generalError(settingsErrors)}
          <div class="toolbar">
            <button type="submit" class="primary" ?disabled=${busy}>${t('common.save')}</button>
            <button type="button" @click=${() => openSettings(false)}>${t('common.cancel')}</button>
          </div>
        </form>
      </section>`;
  }

  function form() {
    if (!editing) return nothing;
    const o = editing;
    return keyed(
      o.date || 'new',
      html`<section class="card" aria-labelledby="cal-form-h">
        <h2 id="cal-form-h" tabindex="-1">
          ${o.date ? t('cal.editHeading', { date: o.date }) : t('cal.setDay')}
        </h2>
        <form class="stack" @submit=${save} novalidate>
          ${field(
            F,
            'date',
            t('cal.date'),
            html`<input
              id=${fieldId(F, 'date')}
              name="date"
              type="date"
              required
              ?readonly=${Boolean(o.date)}
              value=${o.date}
              aria-invalid=${invalid(errors, 'date')}
              aria-describedby=${errorRef(F, 'date', errors)}
            />`,
            errors,
          )}
          ${field(
            F,
            'kind',
            t('cal.kind'),
            html`<select
              id=${fieldId(F, 'kind')}
              name="kind"
              aria-invalid=${invalid(errors, 'kind')}
              aria-describedby=${errorRef(F, 'kind', errors)}
            >
              ${(['holiday', 'workday'] as const).map(
                (k) => html`<option value=${k} ?selected=${k === o.kind}>${label('calKind', k)}</option>`,
              )}
            </select>`,
            errors,
          )}
          ${periods(F, shifts, errors, t('cal.shifts'), (rows) => {
            shifts = rows;
            errors = noErrors();
            draw();
          })}
          ${field(
            F,
            'note',
            t('cal.note'),
            html`<input
              id=${fieldId(F, 'note')}
              name="note"
              autocomplete="off"
              .value=${o.note ?? ''}
              aria-invalid=${invalid(errors, 'note')}
              aria-describedby=${errorRef(F, 'note', errors)}
            />`,
            errors,
          )}
          ${generalError(errors)}
          <div class="toolbar">
            <button type="submit" class="primary" ?disabled=${busy}>${t('common.save')}</button>
            <button type="button" @click=${() => open(null)}>${t('common.cancel')}</button>
          </div>
        </form>
      </section>`,
    );
  }

  function draw() {
    render(
      html`${
          canEdit
            ? html`<div class="toolbar">
                <button
                  type="button"
                  id="cal-new"
                  @click=${() =>
                    open({
                      date: '',
                      kind: 'holiday',
                      shifts: null,
                      note: null,
                      updatedBy: null,
                      updatedAt: '',
                    })}
                >
                  ${t('cal.setDay')}
                </button>
              </div>`
            : nothing
        }
        <p role="status" class="ok">${notice}</p>
        ${loadError ? html`<p class="error" role="alert">${loadError}</p>` : nothing}
        ${editing ? nothing : generalError(errors)} ${form()}
        <h2>${t('cal.settings')}</h2>
        ${settingsView()}
        <h2>${t('cal.overrides')}</h2>
        ${
          overrides.length
            ? html`<table data-testid="calendar-overrides">
                <thead>
                  <tr>
                    <th scope="col">${t('cal.date')}</th>
                    <th scope="col">${t('cal.kind')}</th>
                    <th scope="col">${t('cal.shifts')}</th>
                    <th scope="col">${t('cal.note')}</th>
                    <th scope="col">${t('cal.updatedBy')}</th>
                    ${canEdit ? html`<th scope="col">${t('edit.actions')}</th>` : nothing}
                  </tr>
                </thead>
                <tbody>
                  ${overrides.map(
                    (o) =>
                      html`<tr data-date=${o.date}>
                        <th scope="row">${o.date}</th>
                        <td>${label('calKind', o.kind)}</td>
                        <td>${shiftText(o.shifts)}</td>
                        <td>${o.note ?? ''}</td>
                        <td>${o.updatedBy ?? ''} ${formatTime(o.updatedAt)}</td>
                        ${
                          canEdit
                            ? html`<td>
                                <button
                                  type="button"
                                  aria-label=${t('edit.editOf', { name: o.date })}
                                  @click=${() => open(o)}
                                >
                                  ${t('edit.edit')}
                                </button>
                                <button
                                  type="button"
                                  aria-label=${`${t('cal.removeOverride')} ${o.date}`}
                                  ?disabled=${busy}
                                  @click=${() => remove(o.date)}
                                >
                                  ${t('cal.removeOverride')}
                                </button>
                              </td>`
                            : nothing
                        }
                      </tr>`,
                  )}
                </tbody>
              </table>`
            : html`<p class="muted">${t('common.none')}</p>`
        }
        <h2>${t('cal.special', { year })}</h2>
        <div class="toolbar">
          <label
            >${t('cal.year')}
            <input
              type="number"
              min="2000"
              max="2100"
              .value=${String(year)}
              @change=${(e: Event) => {
                const y = Number((e.target as HTMLInputElement).value);
                if (Number.isInteger(y) && y >= 2000 && y <= 2100) {
                  year = y;
                  void load();
                }
              }}
          /></label>
        </div>
        <ul data-testid="calendar">
          ${days.map(
            (d) =>
              html`<li data-date=${d.date}>
                ${d.date} · ${d.working ? t('cal.work') : t('cal.off')} ${d.name ?? ''} ${d.note ?? ''}
                <span class="muted">(${label('calSource', d.source)})</span>
              </li>`,
          )}
        </ul>`,
      el,
    );
  }

  draw();
  void load();
};
