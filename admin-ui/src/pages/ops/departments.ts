/**
 * 部门: departments, utilities and street/town sub-centres (GET /api/departments). Administrators create
 * (POST), change or deactivate (PATCH) and delete them (DELETE: the hub refuses while anything refers to
 * the unit and says what; deactivating is the way then). Units sit under a top-level sub-centre only.
 */
import { html, nothing, render } from 'lit-html';
import { keyed } from 'lit-html/directives/keyed.js';
import { api, describeError } from '../../lib/api.ts';
import {
  checked,
  errorRef,
  field,
  fieldId,
  focusFirstError,
  formErrors,
  generalError,
  invalid,
  noErrors,
  text,
  type FormErrors,
} from '../../lib/form.ts';
import { label, t, type MessageKey } from '../../lib/i18n.ts';
import { forgetReference } from '../../lib/reference.ts';
import type { MountSection } from './section.ts';

interface Department {
  id: string;
  code: string;
  name: string;
  kind: 'department' | 'utility' | 'street_center';
  parentId: string | null;
  contactName: string | null;
  contactPhone: string | null;
  contactEmail: string | null;
  active: boolean;
}

const KINDS = ['department', 'utility', 'street_center'] as const;
const FIELDS = ['code', 'name', 'kind', 'parentId', 'contactName', 'contactPhone', 'contactEmail', 'active'];
const F = 'dept-form';

export const mount: MountSection = (el, { canEdit }) => {
  let items: Department[] = [];
  let editing: Department | 'new' | null = null;
  let errors: FormErrors = noErrors();
  let confirmDelete = false;
  let notice = '';
  let loadError = '';
  let busy = false;

  async function load() {
    try {
      items = (await api<{ items: Department[] }>('/api/departments')).items;
      loadError = '';
    } catch (err) {
      loadError = describeError(err);
    }
    draw();
  }

  function open(next: Department | 'new' | null) {
    editing = next;
    errors = noErrors();
    confirmDelete = false;
    notice = '';
    draw();
    if (next) el.querySelector<HTMLElement>('#dept-form-h')?.focus();
  }

  async function done(message: string) {
    editing = null;
    errors = noErrors();
    confirmDelete = false;
    notice = message;
    forgetReference();
    await load();
    el.querySelector<HTMLElement>('#dept-new')?.focus();
  }

  async function save(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const body = {
      name: text(form, 'name') ?? '',
      kind: text(form, 'kind'),
      parentId: text(form, 'parentId'),
      contactName: text(form, 'contactName'),
      contactPhone: text(form, 'contactPhone'),
      contactEmail: text(form, 'contactEmail'),
    };
    busy = true;
    draw();
    try {
      const saved =
        editing === 'new'
          ? await api<Department>('/api/departments', {
              method: 'POST',
              body: { code: text(form, 'code') ?? '', ...body },
            })
          : await api<Department>(`/api/departments/${encodeURIComponent((editing as Department).id)}`, {
              method: 'PATCH',
              body: { ...body, active: checked(form, 'active') },
            });
      await done(t('edit.saved', { name: saved.name }));
    } catch (err) {
      errors = formErrors(err, FIELDS);
      draw();
      focusFirstError(el);
    } finally {
      busy = false;
      draw();
    }
  }

  async function remove(d: Department) {
    busy = true;
    draw();
    try {
      await api(`/api/departments/${encodeURIComponent(d.id)}`, { method: 'DELETE' });
      await done(t('edit.deleted', { name: d.name }));
    } catch (err) {
      // 409 lists what still refers to the unit; the message says to deactivate instead.
      errors = formErrors(err, []);
      confirmDelete = false;
      draw();
      focusFirstError(el);
    } finally {
      busy = false;
      draw();
    }
  }

  const input = (name: string, labelKey: MessageKey, value: string | null | undefined, type = 'text') =>
    field(
      F,
      name,
      t(labelKey),
      html`<input
        id=${fieldId(F, name)}
        name=${name}
        type=${type}
        autocomplete="off"
        .value=${value ?? ''}
        aria-invalid=${invalid(errors, name)}
        aria-describedby=${errorRef(F, name, errors)}
      />`,
      errors,
    );

  function form() {
    if (!editing) return nothing;
    const d = editing === 'new' ? null : editing;
    // Only a top-level sub-centre takes units (two levels of command).
    const parents = items.filter(
      (p) =>
        p.kind === 'street_center' &&
        p.parentId === null &&
        p.id !== d?.id &&
        (p.active || p.id === d?.parentId),
    );
    return keyed(
      d?.id ?? 'new',
      html`<section class="card" aria-labelledby="dept-form-h">
        <h2 id="dept-form-h" tabindex="-1">${d ? t('org.editHeading', { name: d.name }) : t('org.new')}</h2>
        <form class="stack" @submit=${save} novalidate>
          ${d ? nothing : input('code', 'org.code', '')} ${input('name', 'org.name', d?.name)}
          ${field(
            F,
            'kind',
            t('org.kind'),
            html`<select
              id=${fieldId(F, 'kind')}
              name="kind"
              aria-invalid=${invalid(errors, 'kind')}
              aria-describedby=${errorRef(F, 'kind', errors)}
            >
              ${KINDS.map((k) => html`<option value=${k} ?selected=${k === d?.kind}>${label('deptKind', k)}</option>`)}
            </select>`,
            errors,
          )}
          ${field(
            F,
            'parentId',
            t('org.parent'),
            html`<select
              id=${fieldId(F, 'parentId')}
              name="parentId"
              aria-invalid=${invalid(errors, 'parentId')}
              aria-describedby=${errorRef(F, 'parentId', errors)}
            >
              <option value="">${t('edit.none')}</option>
              ${parents.map(
                (p) =>
                  html`<option value=${p.id} ?selected=${p.id === d?.parentId}>
                    ${p.name} (${p.code})
                  </option>`,
              )}
            </select>`,
            errors,
          )}
          ${input('contactName', 'org.contactName', d?.contactName)}
          ${input('contactPhone', 'org.contactPhone', d?.contactPhone, 'tel')}
          ${input('contactEmail', 'org.contactEmail', d?.contactEmail, 'email')}
          ${
            d
              ? html`<label class="inline"
                  ><input type="checkbox" name="active" ?checked=${d.active} /> ${t('edit.active')}</label
                >`
              : nothing
          }
          ${generalError(errors)}
          <div class="toolbar">
            <button type="submit" class="primary" ?disabled=${busy}>${t('common.save')}</button>
            <button type="button" @click=${() => open(null)}>${t('common.cancel')}</button>
            ${
              d && !confirmDelete
                ? html`<button
                    type="button"
                    @click=${() => {
                      confirmDelete = true;
                      draw();
                      el.querySelector<HTMLElement>('#dept-delete')?.focus();
                    }}
                  >
                    ${t('edit.delete')}
                  </button>`
                : nothing
            }
            ${
              d && confirmDelete
                ? html`<button
                    type="button"
                    id="dept-delete"
                    class="danger"
                    ?disabled=${busy}
                    @click=${() => remove(d)}
                  >
                    ${t('edit.confirmDelete', { name: d.name })}
                  </button>`
                : nothing
            }
          </div>
        </form>
      </section>`,
    );
  }

  function draw() {
    const names = new Map(items.map((d) => [d.id, d.name]));
    render(
      html`${
          canEdit
            ? html`<div class="toolbar">
                <button type="button" id="dept-new" @click=${() => open('new')}>${t('org.new')}</button>
              </div>`
            : nothing
        }
        <p role="status" class="ok">${notice}</p>
        ${loadError ? html`<p class="error" role="alert">${loadError}</p>` : nothing} ${form()}
        <table data-testid="departments">
          <thead>
            <tr>
              <th scope="col">${t('org.code')}</th>
              <th scope="col">${t('org.name')}</th>
              <th scope="col">${t('org.kind')}</th>
              <th scope="col">${t('org.parent')}</th>
              <th scope="col">${t('edit.state')}</th>
              ${canEdit ? html`<th scope="col">${t('edit.actions')}</th>` : nothing}
            </tr>
          </thead>
          <tbody>
            ${items.map(
              (d) =>
                html`<tr data-department=${d.code}>
                  <td>${d.code}</td>
                  <th scope="row">${d.name}</th>
                  <td>${label('deptKind', d.kind)}</td>
                  <td>${d.parentId ? (names.get(d.parentId) ?? d.parentId) : ''}</td>
                  <td>${d.active ? '' : t('edit.inactive')}</td>
                  ${
                    canEdit
                      ? html`<td>
                          <button
                            type="button"
                            aria-label=${t('edit.editOf', { name: d.name })}
                            @click=${() => open(d)}
                          >
                            ${t('edit.edit')}
                          </button>
                        </td>`
                      : nothing
                  }
                </tr>`,
            )}
          </tbody>
        </table>`,
      el,
    );
  }

  draw();
  void load();
};
