/**
 * The lists' tables: a row of column headings, and for administrators an actions column whose edit
 * button is named after its row (编辑 <name>), so a screen reader says which row it edits.
 */
import { html, nothing, type TemplateResult } from 'lit-html';
import { t } from './i18n.ts';

/** The head of a table: one column heading each (words, or a template such as a screen-reader-only one). */
export const columnHeads = (headings: readonly unknown[]) =>
  html`<thead>
    <tr>
      ${headings.map((h) => html`<th scope="col">${h}</th>`)}
    </tr>
  </thead>`;

/** A list of a section: its headings, an actions column when the user edits, and the rows. */
export const listTable = (testId: string, headings: readonly string[], canEdit: boolean, rows: unknown) =>
  html`<table data-testid=${testId}>
    ${columnHeads(canEdit ? [...headings, t('edit.actions')] : headings)}
    <tbody>
      ${rows}
    </tbody>
  </table>`;

/** A row's actions cell for an administrator (nothing for anyone else): edit, then any `more`. */
export const editCell = (
  canEdit: boolean,
  name: string,
  onEdit: () => void,
  more: TemplateResult | typeof nothing = nothing,
) =>
  canEdit
    ? html`<td>
        <button type="button" aria-label=${t('edit.editOf', { name })} @click=${onEdit}>
          ${t('edit.edit')}
        </button>
        ${more}
      </td>`
    : nothing;
