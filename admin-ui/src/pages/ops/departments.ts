/**
 * 部门: departments, utilities and street/town sub-centres (GET /api/departments). Administrators create
 * (POST), change or deactivate (PATCH) and delete them (DELETE: the hub refuses while anything refers to
 * the unit and says what; deactivating is the way then). Units sit under a top-level sub-centre only.
 */
import { html, nothing, render } from 'lit-html';
import { keyed } from 'lit-html/directives/keyed.js';
import { api, failureOf, listItems, type RequestBody } from '../../lib/api.ts';
import { checked, noErrors, text } from '../../lib/form.ts';
import { formCard } from '../../lib/form-card.ts';
import { checkbox, inputField, selectField } from '../../lib/inputs.ts';
import { label, t, type MessageKey } from '../../lib/i18n.ts';
import { departmentChoices, forgetReference } from '../../lib/reference.ts';
import { runSave, type SaveState } from '../../lib/save.ts';
import { sectionHead } from '../../lib/section-head.ts';
import { editCell, listTable } from '../../lib/table.ts';
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
  const edit: SaveState = { busy: false, errors: noErrors() };
  let confirmDelete = false;
  let notice = '';
  let loadError = '';

  async function load() {
    loadError = await failureOf(async () => {
      items = await listItems('/api/departments');
    });
    draw();
  }

  function open(next: Department | 'new' | null) {
    editing = next;
    edit.errors = noErrors();
    confirmDelete = false;
    notice = '';
    draw();
    if (next) el.querySelector<HTMLElement>('#dept-form-h')?.focus();
  }

  async function done(message: string) {
    editing = null;
    edit.errors = noErrors();
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
    await runSave(el, edit, draw, FIELDS, async () => {
      const saved =
        editing === 'new'
          ? await api('/api/departments', {
              method: 'POST',
              body: { code: text(form, 'code') ?? '', ...body } as RequestBody<'/api/departments', 'post'>,
            })
          : await api(`/api/departments/${encodeURIComponent((editing as Department).id)}`, {
              method: 'PATCH',
              body: { ...body, active: checked(form, 'active') } as RequestBody<
                '/api/departments/{id}',
                'patch'
              >,
            });
      await done(t('edit.saved', { name: saved.name }));
    });
  }

  async function remove(d: Department) {
    // 409 lists what still refers to the unit (no field of the form); the message says to deactivate instead.
    await runSave(
      el,
      edit,
      draw,
      [],
      async () => {
        await api(`/api/departments/${encodeURIComponent(d.id)}`, { method: 'DELETE' });
        await done(t('edit.deleted', { name: d.name }));
      },
      () => (confirmDelete = false),
    );
  }

  const input = (name: string, labelKey: MessageKey, value: string | null | undefined, type = 'text') =>
    inputField(F, name, t(labelKey), edit.errors, { type, autocomplete: 'off', value });

  function deleteButtons(d: Department) {
    return confirmDelete
      ? html`<button
          type="button"
          id="dept-delete"
          class="danger"
          ?disabled=${edit.busy}
          @click=${() => remove(d)}
        >
          ${t('edit.confirmDelete', { name: d.name })}
        </button>`
      : html`<button
          type="button"
          @click=${() => {
            confirmDelete = true;
            draw();
            el.querySelector<HTMLElement>('#dept-delete')?.focus();
          }}
        >
          ${t('edit.delete')}
        </button>`;
  }

  function form() {
    if (!editing) return nothing;
    const d = editing === 'new' ? null : editing;
    const { errors } = edit;
    // Only a top-level sub-centre takes units (two levels of command).
    const parents = items.filter((p) => p.kind === 'street_center' && p.parentId === null && p.id !== d?.id);
    return keyed(
      d?.id ?? 'new',
      formCard(
        {
          id: F,
          heading: d ? t('org.editHeading', { name: d.name }) : t('org.new'),
          errors,
          busy: edit.busy,
          onSubmit: save,
          onCancel: () => open(null),
          actions: d ? deleteButtons(d) : nothing,
        },
        html`${d ? nothing : input('code', 'org.code', '')} ${input('name', 'org.name', d?.name)}
        ${selectField(
          F,
          'kind',
          t('org.kind'),
          errors,
          KINDS.map((k) => ({ value: k, label: label('deptKind', k) })),
          d?.kind,
        )}
        ${selectField(
          F,
          'parentId',
          t('org.parent'),
          errors,
          departmentChoices(parents, d?.parentId),
          d?.parentId,
          t('edit.none'),
        )}
        ${input('contactName', 'org.contactName', d?.contactName)}
        ${input('contactPhone', 'org.contactPhone', d?.contactPhone, 'tel')}
        ${input('contactEmail', 'org.contactEmail', d?.contactEmail, 'email')}
        ${d ? checkbox('active', t('edit.active'), d.active) : nothing}`,
      ),
    );
  }

  function draw() {
    const names = new Map(items.map((d) => [d.id, d.name]));
    render(
      html`${sectionHead({
        canEdit,
        create: { id: 'dept-new', label: t('org.new'), onClick: () => open('new') },
        notice,
        loadError,
      })}
      ${form()}
      ${listTable(
        'departments',
        [t('org.code'), t('org.name'), t('org.kind'), t('org.parent'), t('edit.state')],
        canEdit,
        items.map(
          (d) =>
            html`<tr data-department=${d.code}>
              <td>${d.code}</td>
              <th scope="row">${d.name}</th>
              <td>${label('deptKind', d.kind)}</td>
              <td>${d.parentId ? (names.get(d.parentId) ?? d.parentId) : ''}</td>
              <td>${d.active ? '' : t('edit.inactive')}</td>
              ${editCell(canEdit, d.name, () => open(d))}
            </tr>`,
        ),
      )}`,
      el,
    );
  }

  draw();
  void load();
};
