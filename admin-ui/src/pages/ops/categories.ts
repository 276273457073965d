/**
 * 类别与时限: event and component categories with their time limits (GET /api/categories).
 * Administrators create a category with its limits (POST), change its names, default department or
 * active flag (PATCH) and replace its limit table (PUT …/limits, sent only when the table changed).
 * The limit table is one row per urgency × step, as the API takes it, so an error the hub names
 * (`body.limits.1.limitMinutes`) shows in that row.
 */
import { html, nothing, render } from 'lit-html';
import { keyed } from 'lit-html/directives/keyed.js';
import { repeat } from 'lit-html/directives/repeat.js';
import { api, failureOf, listItems, type RequestBody } from '../../lib/api.ts';
import { checked, errorRef, fieldError, fieldId, invalid, noErrors, text } from '../../lib/form.ts';
import { formCard } from '../../lib/form-card.ts';
import { checkbox, inputField, selectField } from '../../lib/inputs.ts';
import { label, t, type MessageKey } from '../../lib/i18n.ts';
import { departmentChoices, forgetReference, type Department } from '../../lib/reference.ts';
import { runSave, type SaveState } from '../../lib/save.ts';
import { sectionHead } from '../../lib/section-head.ts';
import { columnHeads, editCell, listTable } from '../../lib/table.ts';
import type { MountSection } from './section.ts';

interface Limit {
  urgency: string;
  step: string;
  limitMinutes: number;
  timeMode: string;
  source: string | null;
}
interface Category {
  id: string;
  kind: 'event' | 'component';
  code: string;
  majorName: string;
  name: string;
  defaultDepartmentId: string | null;
  active: boolean;
  limits: Limit[];
}
/** A row of the limit editor; `key` keeps a row's inputs with it when another row is removed. */
interface Row extends Limit {
  key: number;
}

const URGENCIES = ['normal', 'urgent', 'critical'];
const STEPS = ['accept', 'verify', 'register', 'dispatch', 'sign', 'dispose', 'check'];
const LIMIT_FIELDS = ['urgency', 'step', 'limitMinutes', 'timeMode'] as const;
const F = 'cat-form';

/** Steps in process order, then urgencies (the list API sorts by text on SQLite). */
const ordered = <T extends { step: string; urgency: string }>(limits: T[]) =>
  [...limits].sort(
    (a, b) =>
      STEPS.indexOf(a.step) - STEPS.indexOf(b.step) ||
      URGENCIES.indexOf(a.urgency) - URGENCIES.indexOf(b.urgency),
  );

/** The list shows the disposal limits (what departments are held to) and how many limits there are. */
function limitSummary(limits: Limit[]) {
  const dispose = ordered(limits.filter((l) => l.step === 'dispose')).map(
    (l) =>
      `${label('step', l.step)} ${label('urgency', l.urgency)} ${l.limitMinutes} min (${label('timeMode', l.timeMode)})`,
  );
  return [...dispose, t('cat.limitCount', { n: limits.length })].join(' · ');
}

export const mount: MountSection = (el, { canEdit }) => {
  let items: Category[] = [];
  let departments: Department[] = [];
  let editing: Category | 'new' | null = null;
  let rows: Row[] = [];
  let nextKey = 0;
  const edit: SaveState = { busy: false, errors: noErrors() };
  let notice = '';
  let loadError = '';

  async function load() {
    loadError = await failureOf(async () => {
      [items, departments] = await Promise.all([listItems('/api/categories'), listItems('/api/departments')]);
    });
    draw();
  }

  function open(next: Category | 'new' | null) {
    editing = next;
    rows = next && next !== 'new' ? ordered(next.limits).map((l) => ({ ...l, key: nextKey++ })) : [];
    edit.errors = noErrors();
    notice = '';
    draw();
    if (next) el.querySelector<HTMLElement>('#cat-form-h')?.focus();
  }

  const fieldNames = () => [
    'kind',
    'code',
    'majorName',
    'name',
    'defaultDepartmentId',
    'active',
    'limits',
    ...rows.flatMap((_, i) => LIMIT_FIELDS.map((f) => `limits.${i}.${f}`)),
  ];

  /** The limit table as the form shows it now; minutes as typed (the hub says what is wrong with them). */
  function readLimits(form: HTMLFormElement) {
    return rows.map((row, i) => {
      const minutes = text(form, `limits.${i}.limitMinutes`);
      return {
        urgency: text(form, `limits.${i}.urgency`) ?? row.urgency,
        step: text(form, `limits.${i}.step`) ?? row.step,
        // A number the hub can judge (whole, positive, at most 90 days); text that is no number stays text.
        limitMinutes: minutes !== null && Number.isFinite(Number(minutes)) ? Number(minutes) : minutes,
        timeMode: text(form, `limits.${i}.timeMode`) ?? row.timeMode,
        ...(row.source ? { source: row.source } : {}),
      };
    });
  }

  const sameLimits = (a: unknown[], b: Limit[]) =>
    JSON.stringify(a) ===
    JSON.stringify(
      b.map((l) => ({
        urgency: l.urgency,
        step: l.step,
        limitMinutes: l.limitMinutes,
        timeMode: l.timeMode,
        ...(l.source ? { source: l.source } : {}),
      })),
    );

  async function save(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const limits = readLimits(form);
    const names = {
      majorName: text(form, 'majorName') ?? '',
      name: text(form, 'name') ?? '',
      defaultDepartmentId: text(form, 'defaultDepartmentId'),
    };
    await runSave(el, edit, draw, fieldNames(), async () => {
      let saved: Category;
      if (editing === 'new') {
        saved = await api('/api/categories', {
          method: 'POST',
          body: { kind: text(form, 'kind'), code: text(form, 'code') ?? '', ...names, limits } as RequestBody<
            '/api/categories',
            'post'
          >,
        });
      } else if (editing) {
        const id = encodeURIComponent(editing.id);
        saved = await api(`/api/categories/${id}`, {
          method: 'PATCH',
          body: { ...names, active: checked(form, 'active') },
        });
        if (!sameLimits(limits, ordered(editing.limits)))
          saved = await api(`/api/categories/${id}/limits`, {
            method: 'PUT',
            body: { limits } as RequestBody<'/api/categories/{id}/limits', 'put'>,
          });
      } else return;
      editing = null;
      rows = [];
      edit.errors = noErrors();
      notice = t('edit.saved', { name: `${saved.code} ${saved.name}` });
      forgetReference();
      await load();
      el.querySelector<HTMLElement>('#cat-new')?.focus();
    });
  }

  function addRow() {
    rows = [
      ...rows,
      {
        urgency: 'normal',
        step: 'dispose',
        limitMinutes: 60,
        timeMode: 'working',
        source: null,
        key: nextKey++,
      },
    ];
    draw();
    el.querySelector<HTMLElement>(`#${fieldId(F, `limits.${rows.length - 1}.urgency`)}`)?.focus();
  }

  function removeRow(key: number) {
    rows = rows.filter((r) => r.key !== key);
    edit.errors = noErrors();
    draw();
    el.querySelector<HTMLElement>('#cat-add-limit')?.focus();
  }

  const choice = (
    i: number,
    name: 'urgency' | 'step' | 'timeMode',
    values: string[],
    prefix: string,
    row: Row,
  ) => {
    const n = `limits.${i}.${name}`;
    const { errors } = edit;
    return html`<td>
      <select
        id=${fieldId(F, n)}
        name=${n}
        aria-label=${`${t('cat.limitRow', { n: i + 1 })} ${t(`cat.${name}` as MessageKey)}`}
        aria-invalid=${invalid(errors, n)}
        aria-describedby=${errorRef(F, n, errors)}
      >
        ${values.map((v) => html`<option value=${v} ?selected=${v === row[name]}>${label(prefix, v)}</option>`)}
      </select>
      ${fieldError(F, n, errors)}
    </td>`;
  };

  function limitTable() {
    const { errors } = edit;
    return html`<fieldset>
      <legend>${t('cat.limits')}</legend>
      ${
        rows.length
          ? html`<table class="compact">
              ${columnHeads([
                t('cat.urgency'),
                t('cat.step'),
                t('cat.limitMinutes'),
                t('cat.timeMode'),
                html`<span class="sr-only">${t('edit.actions')}</span>`,
              ])}
              <tbody>
                ${repeat(
                  rows,
                  (r) => r.key,
                  (r, i) => {
                    const n = `limits.${i}.limitMinutes`;
                    return html`<tr data-limit=${i}>
                      ${choice(i, 'urgency', URGENCIES, 'urgency', r)} ${choice(i, 'step', STEPS, 'step', r)}
                      <td>
                        <input
                          id=${fieldId(F, n)}
                          name=${n}
                          type="number"
                          inputmode="numeric"
                          min="1"
                          step="1"
                          value=${r.limitMinutes}
                          aria-label=${`${t('cat.limitRow', { n: i + 1 })} ${t('cat.limitMinutes')}`}
                          aria-invalid=${invalid(errors, n)}
                          aria-describedby=${errorRef(F, n, errors)}
                        />
                        ${fieldError(F, n, errors)}
                      </td>
                      ${choice(i, 'timeMode', ['working', 'natural'], 'timeMode', r)}
                      <td>
                        <button
                          type="button"
                          aria-label=${`${t('cat.removeLimit')} ${t('cat.limitRow', { n: i + 1 })}`}
                          @click=${() => removeRow(r.key)}
                        >
                          ✕
                        </button>
                      </td>
                    </tr>`;
                  },
                )}
              </tbody>
            </table>`
          : html`<p class="muted">${t('cat.noLimits')}</p>`
      }
      ${fieldError(F, 'limits', errors)}
      <button type="button" id="cat-add-limit" @click=${addRow}>${t('cat.addLimit')}</button>
    </fieldset>`;
  }

  const input = (name: string, labelKey: MessageKey, value: string | undefined, mode = 'text') =>
    inputField(F, name, t(labelKey), edit.errors, { autocomplete: 'off', value, inputmode: mode });

  function form() {
    if (!editing) return nothing;
    const c = editing === 'new' ? null : editing;
    const { errors } = edit;
    return keyed(
      c?.id ?? 'new',
      formCard(
        {
          id: F,
          heading: c ? t('cat.editHeading', { name: `${c.code} ${c.name}` }) : t('cat.new'),
          errors,
          busy: edit.busy,
          onSubmit: save,
          onCancel: () => open(null),
        },
        html`${
          c
            ? nothing
            : html`${selectField(F, 'kind', t('cat.kind'), errors, [
                { value: 'event', label: t('catKind.event') },
                { value: 'component', label: t('catKind.component') },
              ])}
              ${input('code', 'cat.code', '', 'numeric')}`
        }
        ${input('majorName', 'cat.majorName', c?.majorName)} ${input('name', 'cat.name', c?.name)}
        ${selectField(
          F,
          'defaultDepartmentId',
          t('cat.defaultDepartment'),
          errors,
          departmentChoices(departments, c?.defaultDepartmentId),
          c?.defaultDepartmentId,
          t('edit.none'),
        )}
        ${c ? checkbox('active', t('edit.active'), c.active) : nothing} ${limitTable()}`,
      ),
    );
  }

  function draw() {
    render(
      html`${sectionHead({
        canEdit,
        create: { id: 'cat-new', label: t('cat.new'), onClick: () => open('new') },
        notice,
        loadError,
      })}
      ${form()}
      ${listTable(
        'categories',
        [t('cat.code'), t('cat.name'), t('cat.limits'), t('edit.state')],
        canEdit,
        items.map(
          (c) =>
            html`<tr data-category=${`${c.kind}:${c.code}`}>
              <td>${c.kind} ${c.code}</td>
              <th scope="row">${c.majorName} / ${c.name}</th>
              <td>${limitSummary(c.limits)}</td>
              <td>${c.active ? '' : t('edit.inactive')}</td>
              ${editCell(canEdit, `${c.code} ${c.name}`, () => open(c))}
            </tr>`,
        ),
      )}`,
      el,
    );
  }

  draw();
  void load();
};
