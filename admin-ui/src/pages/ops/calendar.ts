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
import { api, failureOf, listItems, type RequestBody } from '../../lib/api.ts';
import {
  errorRef,
  fieldError,
  fieldId,
  formErrors,
  generalError,
  invalid,
  noErrors,
  text,
  type FormErrors,
} from '../../lib/form.ts';
import { formCard } from '../../lib/form-card.ts';
import { inputField, selectField } from '../../lib/inputs.ts';
import { formatTime, label, t } from '../../lib/i18n.ts';
import { runSave, type SaveState } from '../../lib/save.ts';
import { sectionHead } from '../../lib/section-head.ts';
import { editCell, listTable } from '../../lib/table.ts';
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
/** What POST /api/calendar/notice read from a pasted State Council notice. */
interface Notice {
  year: number;
  festivals: { name: string; holidays: string[]; workdays: string[]; line: number }[];
  days: { date: string; kind: 'holiday' | 'workday'; name: string }[];
  warnings: string[];
  applied: number;
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
  const edit: SaveState = { busy: false, errors: noErrors() };
  let notice = '';
  let loadError = '';
  let settings: Settings | null = null;
  let editingSettings = false;
  /** The notice text being pasted, what the hub read of it (for confirmation), and its refusal. */
  let noticeText = '';
  let noticeRead: Notice | null = null;
  const noticeEdit: SaveState = { busy: false, errors: noErrors() };
  let settingsShifts: ShiftRow[] = [];
  // One request at a time in this section: a save of either form (or a removal) disables both saves.
  const settingsEdit: SaveState = {
    errors: noErrors(),
    get busy() {
      return edit.busy;
    },
    set busy(value) {
      edit.busy = value;
    },
  };

  async function load() {
    loadError = await failureOf(async () => {
      const [o, y, st] = await Promise.all([
        listItems('/api/calendar/days'),
        api(`/api/calendar/${year}`),
        api('/api/calendar/settings'),
      ]);
      settings = st;
      overrides = o;
      // Ordinary weekdays and weekends follow the week; the list shows the days that differ.
      days = y.days.filter((d) => d.source !== 'weekday');
    });
    draw();
  }

  function open(next: Override | null) {
    editing = next;
    shifts = (next?.shifts ?? []).map((s) => ({ ...s, key: nextKey++ }));
    edit.errors = noErrors();
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
      edit.errors = { fields: { date: t('cal.dateRequired') }, general: '' };
      draw();
      return;
    }
    await runSave(el, edit, draw, fieldNames(), async () => {
      await api(`/api/calendar/days/${encodeURIComponent(date)}`, {
        method: 'PUT',
        // Form text as typed: the hub validates the body and names a bad field.
        body: {
          kind: kind as RequestBody<'/api/calendar/days/{date}', 'put'>['kind'],
          shifts: kind === 'workday' && typed.length ? typed : null,
          note: text(form, 'note'),
        },
      });
      editing = null;
      shifts = [];
      edit.errors = noErrors();
      notice = t('edit.saved', { name: date });
      await load();
      el.querySelector<HTMLElement>('#cal-new')?.focus();
    });
  }

  async function remove(date: string) {
    edit.busy = true;
    try {
      await api(`/api/calendar/days/${encodeURIComponent(date)}`, { method: 'DELETE' });
      notice = t('edit.deleted', { name: date });
      if (editing?.date === date) editing = null;
      await load();
    } catch (err) {
      edit.errors = formErrors(err, []);
      notice = '';
    } finally {
      edit.busy = false;
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
    settingsEdit.errors = noErrors();
    notice = '';
    draw();
    if (open) el.querySelector<HTMLElement>('#cal-settings-h')?.focus();
  }

  async function saveSettings(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const fraction = text(form, 'yellowFraction');
    const fields = [
      'shifts',
      'yellowFraction',
      ...settingsShifts.flatMap((_, i) => [`shifts.${i}.start`, `shifts.${i}.end`, `shifts.${i}`]),
    ];
    await runSave(el, settingsEdit, draw, fields, async () => {
      await api('/api/calendar/settings', {
        method: 'PUT',
        body: {
          shifts: readPeriods(form, settingsShifts),
          // Text that is no number goes as it is: the hub names the field.
          yellowFraction: (fraction !== null && Number.isFinite(Number(fraction))
            ? Number(fraction)
            : fraction) as number,
        },
      });
      editingSettings = false;
      settingsEdit.errors = noErrors();
      notice = t('cal.settingsSaved');
      await load();
      el.querySelector<HTMLElement>('#cal-edit-settings')?.focus();
    });
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
    ${formCard(
      {
        id: S,
        heading: t('cal.editSettings'),
        level: 3,
        errors: settingsEdit.errors,
        busy: settingsEdit.busy,
        onSubmit: saveSettings,
        onCancel: () => openSettings(false),
      },
      html`${periods(S, settingsShifts, settingsEdit.errors, t('cal.standardShifts'), (rows) => {
        settingsShifts = rows;
        settingsEdit.errors = noErrors();
        draw();
      })}
      ${inputField(S, 'yellowFraction', t('cal.yellowFraction'), settingsEdit.errors, {
        type: 'number',
        step: '0.05',
        min: '0.05',
        max: '1',
        value: settings.yellowFraction,
      })}`,
    )}`;
  }

  /** Reads the pasted notice (apply false: for confirmation) or applies what was read. */
  async function sendNotice(apply: boolean) {
    await runSave(el, noticeEdit, draw, ['text'], async () => {
      const read = await api('/api/calendar/notice', {
        method: 'POST',
        body: { text: noticeText, apply },
      });
      noticeEdit.errors = noErrors();
      if (apply) {
        noticeRead = null;
        noticeText = '';
        notice = t('cal.noticeApplied', { year: read.year, count: read.applied });
        year = read.year;
        await load();
        el.querySelector<HTMLElement>('#cal-notice-h')?.focus();
      } else {
        noticeRead = read;
        draw();
        el.querySelector<HTMLElement>('#cal-notice-confirm')?.focus();
      }
    });
  }

  function noticeView() {
    if (!canEdit) return nothing;
    const { errors } = noticeEdit;
    const read = noticeRead;
    const span = (list: string[]) =>
      list.length ? `${list[0]!.slice(5)}${list.length > 1 ? ` 至 ${list.at(-1)!.slice(5)}` : ''}` : '—';
    return html`<h2 id="cal-notice-h" tabindex="-1">${t('cal.notice')}</h2>
      <p class="muted">${t('cal.noticeHelp')}</p>
      <form
        class="notice-form"
        @submit=${(e: SubmitEvent) => {
          e.preventDefault();
          void sendNotice(false);
        }}
      >
        <label
          >${t('cal.noticeText')}
          <textarea
            id=${fieldId('cal-notice', 'text')}
            name="text"
            rows="10"
            .value=${noticeText}
            aria-invalid=${invalid(errors, 'text')}
            aria-describedby=${errorRef('cal-notice', 'text', errors)}
            @input=${(e: Event) => {
              noticeText = (e.target as HTMLTextAreaElement).value;
              noticeRead = null;
            }}
          ></textarea>
        </label>
        ${fieldError('cal-notice', 'text', errors)} ${generalError(errors)}
        <div class="actions">
          <button type="submit" class="primary" ?disabled=${noticeEdit.busy}>${t('cal.noticeRead')}</button>
        </div>
      </form>
      ${
        read
          ? html`<div data-testid="notice-preview">
              <h3>${t('cal.noticePreview', { year: read.year })}</h3>
              <table>
                <thead>
                  <tr>
                    <th scope="col">${t('cal.noticeFestival')}</th>
                    <th scope="col">${t('cal.noticeHolidays')}</th>
                    <th scope="col">${t('cal.noticeWorkdays')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${read.festivals.map(
                    (f) =>
                      html`<tr>
                        <th scope="row">${f.name}</th>
                        <td>${span(f.holidays)}（${t('cal.noticeDays', { count: f.holidays.length })}）</td>
                        <td>${f.workdays.map((d) => d.slice(5)).join('、') || '—'}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
              ${read.warnings.map((w) => html`<p class="warning">${w}</p>`)}
              <button
                type="button"
                id="cal-notice-confirm"
                ?disabled=${noticeEdit.busy}
                @click=${() => sendNotice(true)}
              >
                ${t('cal.noticeApply', { count: read.days.length })}
              </button>
            </div>`
          : nothing
      }`;
  }

  function form() {
    if (!editing) return nothing;
    const o = editing;
    const { errors } = edit;
    return keyed(
      o.date || 'new',
      formCard(
        {
          id: F,
          heading: o.date ? t('cal.editHeading', { date: o.date }) : t('cal.setDay'),
          errors,
          busy: edit.busy,
          onSubmit: save,
          onCancel: () => open(null),
        },
        html`${inputField(F, 'date', t('cal.date'), errors, {
          type: 'date',
          required: true,
          readonly: Boolean(o.date),
          value: o.date,
        })}
        ${selectField(
          F,
          'kind',
          t('cal.kind'),
          errors,
          (['holiday', 'workday'] as const).map((k) => ({ value: k, label: label('calKind', k) })),
          o.kind,
        )}
        ${periods(F, shifts, errors, t('cal.shifts'), (rows) => {
          shifts = rows;
          edit.errors = noErrors();
          draw();
        })}
        ${inputField(F, 'note', t('cal.note'), errors, { autocomplete: 'off', value: o.note })}`,
      ),
    );
  }

  function draw() {
    render(
      html`${sectionHead({
          canEdit,
          create: {
            id: 'cal-new',
            label: t('cal.setDay'),
            onClick: () =>
              open({ date: '', kind: 'holiday', shifts: null, note: null, updatedBy: null, updatedAt: '' }),
          },
          notice,
          loadError,
        })}
        ${editing ? nothing : generalError(edit.errors)} ${form()}
        <h2>${t('cal.settings')}</h2>
        ${settingsView()}
        <h2>${t('cal.overrides')}</h2>
        ${
          overrides.length
            ? listTable(
                'calendar-overrides',
                [t('cal.date'), t('cal.kind'), t('cal.shifts'), t('cal.note'), t('cal.updatedBy')],
                canEdit,
                overrides.map(
                  (o) =>
                    html`<tr data-date=${o.date}>
                      <th scope="row">${o.date}</th>
                      <td>${label('calKind', o.kind)}</td>
                      <td>${shiftText(o.shifts)}</td>
                      <td>${o.note ?? ''}</td>
                      <td>${o.updatedBy ?? ''} ${formatTime(o.updatedAt)}</td>
                      ${editCell(
                        canEdit,
                        o.date,
                        () => open(o),
                        html`<button
                          type="button"
                          aria-label=${`${t('cal.removeOverride')} ${o.date}`}
                          ?disabled=${edit.busy}
                          @click=${() => remove(o.date)}
                        >
                          ${t('cal.removeOverride')}
                        </button>`,
                      )}
                    </tr>`,
                ),
              )
            : html`<p class="muted">${t('common.none')}</p>`
        }
        ${noticeView()}
        <h2>${t('cal.special', { year })}</h2>
        ${
          settings && year > settings.officialYears.last && !days.some((d) => d.source === 'override')
            ? html`<p class="warning" data-testid="beyond-official">${t('cal.beyondOfficial', { year })}</p>`
            : nothing
        }
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
