/**
 * The editing forms' shared parts: a failed save turned into messages per field (the hub's problem+json
 * names each field `body.x.y`, `body.limits.1.limitMinutes` or `body.shifts[1].end`), and a labelled
 * input that shows its field's message next to it, tied to it with aria-describedby and aria-invalid so
 * a screen reader reads the message with the field.
 */
import { html, nothing, type TemplateResult } from 'lit-html';
import { describeError, speaksForUser } from './api.ts';

/** Messages of a failed save: per form field name, and what no field of the form shows. */
export interface FormErrors {
  fields: Record<string, string>;
  general: string;
}

export const noErrors = (): FormErrors => ({ fields: {}, general: '' });

/** `body.shifts[1].end` → `shifts.1.end`: the name the form gives the input. */
export const fieldName = (field: string) =>
  field
    .replace(/^(body|params|query)\.?/, '')
    .replace(/\[(\d+)\]/g, '.$1')
    .replace(/^\./, '');

/**
 * Spreads a refused save over the form: a message whose field is one of `known` goes next to that
 * field, the rest (and the problem's detail) into the general line, so nothing the hub said is lost.
 * Any other failure (the server's, the network's) is one general line in words (describeError).
 */
export function formErrors(err: unknown, known: Iterable<string>): FormErrors {
  if (!speaksForUser(err)) return { fields: {}, general: describeError(err) };
  const names = new Set(known);
  const fields: Record<string, string> = {};
  const rest: string[] = [];
  for (const e of err.problem.errors ?? []) {
    const name = e.field === undefined ? '' : fieldName(e.field);
    // A message about a whole row (`limits.1`) goes to the row's first input the form names that way.
    const target = names.has(name) ? name : [...names].find((n) => name && n.startsWith(`${name}.`));
    if (target && !fields[target]) fields[target] = e.message;
    else rest.push(e.field ? `${e.field}: ${e.message}` : e.message);
  }
  return { fields, general: [err.message, ...rest].join(' · ') };
}

/** A stable element id for a field of a form (`dept-form` + `shifts.1.end`). */
export const fieldId = (form: string, name: string) => `${form}-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;

/** `aria-invalid` of a field's input. */
export const invalid = (errors: FormErrors, name: string) => (errors.fields[name] ? 'true' : 'false');

/** `aria-describedby` of a field's input: its message's id, or nothing (no attribute) when fine. */
export const errorRef = (form: string, name: string, errors: FormErrors) =>
  errors.fields[name] ? `${fieldId(form, name)}-error` : nothing;

/** The message shown under a field (nothing when the field is fine). */
export function fieldError(form: string, name: string, errors: FormErrors): TemplateResult | typeof nothing {
  const message = errors.fields[name];
  return message
    ? html`<span class="error field-error" id="${fieldId(form, name)}-error" data-field=${name}
        >${message}</span
      >`
    : nothing;
}

/** A labelled control with its field's message under it. */
export const field = (
  form: string,
  name: string,
  label: string,
  control: TemplateResult,
  errors: FormErrors,
) =>
  html`<div class="field">
    <label for=${fieldId(form, name)}>${label}</label>${control}${fieldError(form, name, errors)}
  </div>`;

/** The line for what no field shows; role=alert so it is announced when a save fails. */
export const generalError = (errors: FormErrors) =>
  errors.general ? html`<p class="error" role="alert" tabindex="-1">${errors.general}</p>` : nothing;

/**
 * After a refused save: focus the first field the hub named (its message is read with it), else the
 * alert line, so the message is where the user is even in a long form.
 */
export function focusFirstError(el: HTMLElement): void {
  (
    el.querySelector<HTMLElement>('form [aria-invalid="true"]') ??
    el.querySelector<HTMLElement>('form [role="alert"]')
  )?.focus();
}

/** The trimmed text of a form control, or null when empty (clears an optional field). */
export function text(form: HTMLFormElement, name: string): string | null {
  const el = form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null;
  const v = el?.value.trim() ?? '';
  return v === '' ? null : v;
}

/** Whether a checkbox of the form is checked. */
export const checked = (form: HTMLFormElement, name: string) =>
  Boolean((form.elements.namedItem(name) as HTMLInputElement | null)?.checked);
