/**
 * 核实 and 核查 for a field supervisor on the case page (POST …/actions/verify and …/actions/check), as
 * the 城管通 app does on the phone: the result, the reason of a false report, a note. The form keeps its
 * own state between redraws of the page.
 */
import { html, nothing, render } from 'lit-html';
import { api, describeError } from '../lib/api.ts';
import { t } from '../lib/i18n.ts';

let error = '';
let busy = false;

export function supervisorForm(c: { id: string; status: string }, done: () => void) {
  const kind = c.status === 'verifying' ? 'verify' : c.status === 'checking' ? 'check' : null;
  if (!kind) return nothing;
  const results = kind === 'verify' ? ['confirmed', 'false', 'selfHandled'] : ['passed', 'failed'];
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const formEl = e.target as HTMLFormElement;
    const f = new FormData(formEl);
    const body: Record<string, string> = { result: String(f.get('result')) };
    for (const name of ['reason', 'note']) {
      const v = String(f.get(name) ?? '').trim();
      if (v) body[name] = v;
    }
    busy = true;
    error = '';
    try {
      await api(`/api/cases/${encodeURIComponent(c.id)}/actions/${kind}`, {
        method: 'POST',
        body: body as never,
      });
    } catch (err) {
      error = describeError(err);
      const alert = formEl.querySelector<HTMLElement>('[data-role=error]');
      if (alert) render(html`${error}`, alert);
    } finally {
      busy = false;
    }
    if (!error) done();
  };
  return html`<section class="card" aria-labelledby="sup-h">
    <h2 id="sup-h">${t(kind === 'verify' ? 'sup.verify' : 'sup.check')}</h2>
    <form class="stack" @submit=${submit}>
      <fieldset>
        <legend>${t(kind === 'verify' ? 'sup.verify' : 'sup.check')}</legend>
        ${results.map(
          (r, i) =>
            html`<label class="inline"
              ><input type="radio" name="result" value=${r} ?checked=${i === 0} />
              ${t(`sup.${r}` as 'sup.confirmed')}</label
            >`,
        )}
      </fieldset>
      ${kind === 'verify' ? html`<label>${t('sup.reason')}<input name="reason" maxlength="1000" /></label>` : nothing}
      <label>${t('sup.note')}<textarea name="note" rows="2"></textarea></label>
      <p class="error" role="alert" data-role="error">${error}</p>
      <button class="primary" ?disabled=${busy}>${t('sup.submit')}</button>
    </form>
  </section>`;
}
