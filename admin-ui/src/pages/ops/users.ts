/**
 * 用户: the users and service accounts (GET /api/users); administrators create them (POST) and change
 * name, roles, department, mail, active flag or password (PATCH /api/users/:id). Deactivating and a new
 * password end the user's sessions on the hub's side.
 */
import { html, nothing, render } from 'lit-html';
import { keyed } from 'lit-html/directives/keyed.js';
// The hub's own list (shared with the API's access checks), so a new role shows here without an edit.
import { ROLES } from '../../../../src/auth/roles.ts';
import { api, failureOf, listItems, type User as SessionUser, type RequestBody } from '../../lib/api.ts';
import { checked, errorRef, fieldError, noErrors, text } from '../../lib/form.ts';
import { formCard } from '../../lib/form-card.ts';
import { checkbox, inputField, selectField } from '../../lib/inputs.ts';
import { label, t } from '../../lib/i18n.ts';
import { departmentChoices, type Department } from '../../lib/reference.ts';
import { runSave, type SaveState } from '../../lib/save.ts';
import { sectionHead } from '../../lib/section-head.ts';
import { editCell, listTable } from '../../lib/table.ts';
import type { MountSection } from './section.ts';

/** A user as GET /api/users lists it: the session's user and what only administrators see. */
interface User extends SessionUser {
  email: string | null;
  active: boolean;
}

const FIELDS = ['username', 'displayName', 'kind', 'password', 'roles', 'departmentId', 'email', 'active'];
const F = 'user-form';

export const mount: MountSection = (el, { canEdit }) => {
  let users: User[] = [];
  let departments: Department[] = [];
  let editing: User | 'new' | null = null;
  const edit: SaveState = { busy: false, errors: noErrors() };
  let notice = '';
  let loadError = '';

  async function load() {
    loadError = await failureOf(async () => {
      [users, departments] = await Promise.all([listItems('/api/users'), listItems('/api/departments')]);
    });
    draw();
  }

  function open(next: User | 'new' | null) {
    editing = next;
    edit.errors = noErrors();
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
    await runSave(el, edit, draw, FIELDS, async () => {
      let saved: User;
      if (editing === 'new') {
        const kind = text(form, 'kind') === 'service' ? 'service' : 'person';
        saved = await api('/api/users', {
          method: 'POST',
          body: {
            username: text(form, 'username') ?? '',
            kind,
            ...common,
            ...(kind === 'person' ? { password } : {}),
          } as RequestBody<'/api/users', 'post'>,
        });
      } else if (editing) {
        saved = await api(`/api/users/${encodeURIComponent(editing.id)}`, {
          method: 'PATCH',
          body: {
            ...common,
            active: checked(form, 'active'),
            ...(password ? { password } : {}),
          } as RequestBody<'/api/users/{id}', 'patch'>,
        });
      } else return;
      editing = null;
      edit.errors = noErrors();
      notice = t('edit.saved', { name: saved.displayName });
      await load();
      el.querySelector<HTMLElement>('#user-new')?.focus();
    });
  }

  function form() {
    if (!editing) return nothing;
    const u = editing === 'new' ? null : editing;
    const { errors } = edit;
    return keyed(
      u?.id ?? 'new',
      formCard(
        {
          id: F,
          heading: u ? t('user.editHeading', { name: u.displayName }) : t('user.new'),
          errors,
          busy: edit.busy,
          onSubmit: save,
          onCancel: () => open(null),
        },
        html`${
            u
              ? nothing
              : html`${inputField(F, 'username', t('user.username'), errors, { autocomplete: 'off', required: true })}
                ${selectField(F, 'kind', t('user.kind'), errors, [
                  { value: 'person', label: t('userKind.person') },
                  { value: 'service', label: t('userKind.service') },
                ])}`
          }
          ${inputField(F, 'displayName', t('user.displayName'), errors, { required: true, value: u?.displayName })}
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
          ${selectField(
            F,
            'departmentId',
            t('user.department'),
            errors,
            departmentChoices(departments, u?.departmentId),
            u?.departmentId,
            t('edit.none'),
          )}
          ${inputField(F, 'email', t('user.email'), errors, { type: 'email', autocomplete: 'off', value: u?.email })}
          ${inputField(F, 'password', u ? t('user.newPassword') : t('user.password'), errors, {
            type: 'password',
            autocomplete: 'new-password',
          })}
          ${u ? checkbox('active', t('edit.active'), u.active) : nothing}`,
      ),
    );
  }

  function draw() {
    render(
      html`${sectionHead({
        canEdit,
        create: { id: 'user-new', label: t('user.new'), onClick: () => open('new') },
        notice,
        loadError,
      })}
      ${form()}
      ${listTable(
        'users',
        [t('user.displayName'), t('user.username'), t('user.roles'), t('user.department'), t('edit.state')],
        canEdit,
        users.map(
          (u) =>
            html`<tr data-user=${u.username}>
              <th scope="row">${u.displayName}</th>
              <td>${u.username}</td>
              <td>${u.roles.map((r) => label('role', r)).join('、')}</td>
              <td>${departments.find((d) => d.id === u.departmentId)?.name ?? '—'}</td>
              <td>${u.active ? t('user.inUse') : t('edit.inactive')}</td>
              ${editCell(canEdit, u.displayName, () => open(u))}
            </tr>`,
        ),
      )}`,
      el,
    );
  }

  draw();
  void load();
};
