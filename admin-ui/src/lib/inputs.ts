/**
 * The labelled controls of the editing forms: an input, a select or a checkbox whose name, id, label and
 * field message are tied together (form.ts `field`, aria-invalid / aria-describedby), so a form states
 * only what differs from field to field: type, value, choices.
 */
import { html, nothing } from 'lit-html';
import { ifDefined } from 'lit-html/directives/if-defined.js';
import { errorRef, field, fieldId, invalid, type FormErrors } from './form.ts';

/** What differs between the forms' text, number, date and mail inputs. */
export interface InputOptions {
  value?: string | number | null;
  type?: string;
  autocomplete?: string;
  inputmode?: string;
  required?: boolean;
  readonly?: boolean;
  min?: string;
  max?: string;
  step?: string;
}

/** A labelled input with its field's message. */
export const inputField = (
  form: string,
  name: string,
  label: string,
  errors: FormErrors,
  o: InputOptions = {},
) =>
  field(
    form,
    name,
    label,
    html`<input
      id=${fieldId(form, name)}
      name=${name}
      type=${ifDefined(o.type)}
      autocomplete=${ifDefined(o.autocomplete)}
      inputmode=${ifDefined(o.inputmode)}
      min=${ifDefined(o.min)}
      max=${ifDefined(o.max)}
      step=${ifDefined(o.step)}
      ?required=${o.required ?? false}
      ?readonly=${o.readonly ?? false}
      .value=${String(o.value ?? '')}
      aria-invalid=${invalid(errors, name)}
      aria-describedby=${errorRef(form, name, errors)}
    />`,
    errors,
  );

/** One option of a select: the value sent and the words shown. */
export interface Choice {
  value: string;
  label: string;
}

/**
 * A labelled select with its field's message; `selected` is the value chosen now. With `none`, a first
 * option of that label sends the empty value (the form reads it as null: clears an optional field).
 */
export const selectField = (
  form: string,
  name: string,
  label: string,
  errors: FormErrors,
  choices: readonly Choice[],
  selected?: string | null,
  none?: string,
) =>
  field(
    form,
    name,
    label,
    html`<select
      id=${fieldId(form, name)}
      name=${name}
      aria-invalid=${invalid(errors, name)}
      aria-describedby=${errorRef(form, name, errors)}
    >
      ${none === undefined ? nothing : html`<option value="">${none}</option>`}
      ${choices.map((c) => html`<option value=${c.value} ?selected=${c.value === selected}>${c.label}</option>`)}
    </select>`,
    errors,
  );

/** A checkbox with its label after it (the forms' 启用). */
export const checkbox = (name: string, label: string, isChecked: boolean) =>
  html`<label class="inline"><input type="checkbox" name=${name} ?checked=${isChecked} /> ${label}</label>`;
