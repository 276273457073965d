/**
 * The top of an editing section: the button that opens a new item's form (for administrators), the
 * status line that announces a save, and what went wrong loading the list.
 */
import { html, nothing } from 'lit-html';

export interface SectionHead {
  canEdit: boolean;
  /** The new-item button: its id (focus returns to it after a save), words and action. */
  create: { id: string; label: string; onClick: () => void };
  notice: string;
  loadError: string;
}

export const sectionHead = ({ canEdit, create, notice, loadError }: SectionHead) =>
  html`${
      canEdit
        ? html`<div class="toolbar">
            <button type="button" id=${create.id} @click=${create.onClick}>${create.label}</button>
          </div>`
        : nothing
    }
    <p role="status" class="ok">${notice}</p>
    ${loadError ? html`<p class="error" role="alert">${loadError}</p>` : nothing}`;
