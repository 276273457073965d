/**
 * The card an editing form opens in: a heading that takes the focus when it opens (its id is
 * `<id>-h`), the form's fields, the line for what no field shows, then save and cancel.
 */
import { html, nothing, type TemplateResult } from 'lit-html';
import { generalError, type FormErrors } from './form.ts';
import { t } from './i18n.ts';

export interface FormCard {
  /** The form's id prefix (`user-form`): the heading is `<id>-h`. */
  id: string;
  heading: string;
  /** h2 for a section's own form, h3 for one inside a part of the section. */
  level?: 2 | 3;
  errors: FormErrors;
  /** A save is under way: the save button is disabled. */
  busy: boolean;
  onSubmit: (event: SubmitEvent) => void;
  onCancel: () => void;
  /** Further buttons after save and cancel (delete). */
  actions?: TemplateResult | typeof nothing;
}

export function formCard(c: FormCard, fields: unknown) {
  const h = `${c.id}-h`;
  const heading =
    c.level === 3
      ? html`<h3 id=${h} tabindex="-1">${c.heading}</h3>`
      : html`<h2 id=${h} tabindex="-1">${c.heading}</h2>`;
  return html`<section class="card" aria-labelledby=${h}>
    ${heading}
    <form class="stack" @submit=${c.onSubmit} novalidate>
      ${fields} ${generalError(c.errors)}
      <div class="toolbar">
        <button type="submit" class="primary" ?disabled=${c.busy}>${t('common.save')}</button>
        <button type="button" @click=${c.onCancel}>${t('common.cancel')}</button>
        ${c.actions ?? nothing}
      </div>
    </form>
  </section>`;
}
