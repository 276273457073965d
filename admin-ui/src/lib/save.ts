/**
 * A form's save: the save button disabled while it runs; when the hub refuses, its messages spread over
 * the form's fields and the focus on the first of them (form.ts), so the user sees what to correct.
 */
import { focusFirstError, formErrors, type FormErrors } from './form.ts';

/** What a save changes on its form while it runs and when it is refused. */
export interface SaveState {
  busy: boolean;
  errors: FormErrors;
}

/**
 * Runs `work` (the requests and what follows a success) for the form drawn into `el`; `fields` are
 * the names the form shows messages at, `refused` what else changes when the hub says no.
 */
export async function runSave(
  el: HTMLElement,
  state: SaveState,
  draw: () => void,
  fields: Iterable<string>,
  work: () => Promise<void>,
  refused?: () => void,
): Promise<void> {
  state.busy = true;
  draw();
  try {
    await work();
  } catch (err) {
    state.errors = formErrors(err, fields);
    refused?.();
    draw();
    focusFirstError(el);
  } finally {
    state.busy = false;
    draw();
  }
}
