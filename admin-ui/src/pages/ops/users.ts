/**
 * 用户: the users and service accounts (GET /api/users); administrators create them (POST) and change
 * name, roles, department, mail, active flag or password (PATCH /api/users/:id). Deactivating and a new
 * password end the user's sessions on the hub's side.
 */
import { html, nothing, render } from 'lit-html';
import { keyed } from 'lit-html/directives/keyed.js';
import { api, describeError } from '../../lib/api.ts';
import {
  checked,
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
} from '../../lib/form.ts';
import { label, t } from '../../lib/i18n.ts';
import type { MountSection } from './section.ts';

interface User {
  id: string;
  username: string;
  displayName: string;
  kind: 'person' | 'service';
  roles: string[];
  departmentId: string | null;
  email: string | null;
  active: boolean;
}
interface Department {
  id: string;
  code: string;
  name: string;
  active: boolean;
}

const ROLES = [
  'administrator',
  'acceptor',
  'dispatcher',
  'department_handler',
  'field_supervisor',
  'shift_leader',
  'leader',
  'service',
];
const FIELDS = ['username', 'displayName', 'kind', 'password', 'roles', 'departmentId', 'email', 'active'];
const F = 'user-form';

export const mount: MountSection = (el, { canEdit }) => {
  let users: User[] = [];
  let departments: Department[] = [];
  let editing: User | 'new' | null = null;
  let errors = noErrors();
  let notice = '';
  let loadError = '';
  let busy = false;

  async function load() {
    try {
      [users, departments] = await Promise.all([
        api<{ items: User[] }>('/api/users').then((r) => r.items),
        api<{ items: Department[] }>('/api/departments').then((r) => r.items),
      ]);
      loadError = '';
    } catch (err) {
      loadError = describeError(err);
    }
    draw();
  }

  function open(next: User | 'new' | null) {
    editing = next;
    errors = noErrors();
    notice = '';
    draw();
    if (next) el.querySelector<HTMLElement>('#user-form-h')?.focus();
  }

  async function save(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const roles = [...form.querySelectorAll<HTMLInputElement>('input[name="roles"]:checked')].map(
      (i) => i.value,
    );
    const common = {
      displayName: text(form, 'displayName') ?? '',
      roles,
      departmentId: text(form, 'departmentId'),
      email: text(form, 'email'),
    };
    const password = (form.elements.namedItem('password') as HTMLInputElement | null)?.value ?? '';
    busy = true;
    draw();
    try {
      let saved: User;
      if (editing === 'new') {
        const kind = text(form, 'kind') === 'service' ? 'service' : 'person';
        saved = await api<User>('/api/users', {
          method: 'POST',
          body: {
            username: text(form, 'username') ?? '',
            kind,
            ...common,
            ...(kind === 'person' ? { password } : {}),
          },
        });
      } else if (editing) {
        saved = await api<User>(`/api/users/${encodeURIComponent(editing.id)}`, {
          method: 'PATCH',
          body: { ...common, active: checked(form, 'active'), ...(password ? { password } : {}) },
        });
      } else return;
      editing = null;
      errors = noErrors();
      notice = t('edit.saved', { name: saved.displayName });
      await load();
      el.querySelector<HTMLElement>('#user-new')?.focus();
    } catch (err) {
      errors = formErrors(err, FIELDS);
      draw();
      focusFirstError(el);
    } finally {
      busy = false;
      draw();
    }
  }

  function form() {
    if (!editing) return nothing;
    const u = editing === 'new' ? null : editing;
    return keyed(
      u?.id ?? 'new',
      html`<section class="card" aria-labelledby="user-form-h">
        <h2 id="user-form-h" tabindex="-1">
          ${u ? t('user.editHeading', { name: u.displayName }) : t('user.new')}
        </h2>
        <form class="stack" @submit=${save} novalidate>
          ${
            u
              ? nothing
              : html`${field(
                  F,
                  'username',
                  t('user.username'),
                  html`<input
                    id=${fieldId(F, 'username')}
                    name="username"
                    autocomplete="off"
                    required
                    aria-invalid=${invalid(errors, 'username')}
                    aria-describedby=${errorRef(F, 'username', errors)}
                  />`,
                  errors,
                )}
                ${field(
                  F,
                  'kind',
                  t('user.kind'),
                  html`<select id=${fieldId(F, 'kind')} name="kind">
                    <option value="person">${t('userKind.person')}</option>
                    <option value="service">${t('userKind.service')}</option>
                  </select>`,
                  errors,
                )}`
          }
          ${field(
            F,
            'displayName',
            t('user.displayName'),
            html`<input
              id=${fieldId(F, 'displayName')}
              name="displayName"
              required
              .value=${u?.displayName ?? ''}
              aria-invalid=${invalid(errors, 'displayName')}
              aria-describedby=${errorRef(F, 'displayName', errors)}
            />`,
            errors,
          )}
          <fieldset aria-describedby=${errorRef(F, 'roles', errors)}>
            <legend>${t('user.roles')}</legend>
            ${ROLES.map(
              (r) =>
                html`<label class="inline"
                  ><input type="checkbox" name="roles" value=${r} ?checked=${u?.roles.includes(r) ?? false} />
                  ${label('role', r)}</label
                >`,
            )}
            ${fieldError(F, 'roles', errors)}
          </fieldset>
          ${field(
            F,
            'departmentId',
            t('user.department'),
            html`<select
              id=${fieldId(F, 'departmentId')}
              name="departmentId"
              aria-invalid=${invalid(errors, 'departmentId')}
              aria-describedby=${errorRef(F, 'departmentId', errors)}
            >
              <option value="">${t('edit.none')}</option>
              ${departments
                .filter((d) => d.active || d.id === u?.departmentId)
                .map(
                  (d) =>
                    html`<option value=${d.id} ?selected=${d.id === u?.departmentId}>
                      ${d.name} (${d.code})
                    </option>`,
                )}
            </select>`,
            errors,
          )}
          ${field(
            F,
            'email',
            t('user.email'),
            html`<input
              id=${fieldId(F, 'email')}
              name="email"
              type="email"
              autocomplete="off"
              .value=${u?.email ?? ''}
              aria-invalid=${invalid(errors, 'email')}
              aria-describedby=${errorRef(F, 'email', errors)}
            />`,
            errors,
          )}
          ${field(
            F,
            'password',
            u ? t('user.newPassword') : t('user.password'),
            html`<input
              id=${fieldId(F, 'password')}
              name="password"
              type="password"
              autocomplete="new-password"
              aria-invalid=${invalid(errors, 'password')}
              aria-describedby=${errorRef(F, 'password', errors)}
            />`,
            errors,
          )}
          ${
            u
              ? html`<label class="inline"
                  ><input type="checkbox" name="active" ?checked=${u.active} /> ${t('edit.active')}</label
                >`
              : nothing
          }
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
                <button type="button" id="user-new" @click=${() => open('new')}>${t('user.new')}</button>
              </div>`
            : nothing
        }
        <p role="status" class="ok">${notice}</p>
        ${loadError ? html`<p class="error" role="alert">${loadError}</p>` : nothing} ${form()}
        <table data-testid="users">
          <thead>
            <tr>
              <th scope="col">${t('user.displayName')}</th>
              <th scope="col">${t('user.username')}</th>
              <th scope="col">${t('user.roles')}</th>
              <th scope="col">${t('edit.state')}</th>
              ${canEdit ? html`<th scope="col">${t('edit.actions')}</th>` : nothing}
            </tr>
          </thead>
          <tbody>
            ${users.map(
              (u) =>
                html`<tr data-user=${u.username}>
                  <th scope="row">${u.displayName}</th>
                  <td>${u.username}</td>
                  <td>${u.roles.map((r) => label('role', r)).join('、')}</td>
                  <td>${u.active ? '' : t('edit.inactive')}</td>
                  ${
                    canEdit
                      ? html`<td>
                          <button
                            type="button"
                            aria-label=${t('edit.editOf', { name: u.displayName })}
                            @click=${() => open(u)}
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
