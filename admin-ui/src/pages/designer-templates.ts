/**
 * The element-template chooser of the designer. The properties panel's "Select" (and a template's
 * "Change") only fires `elementTemplates.select`: bpmn-js leaves the chooser to the application, and
 * without one the button did nothing. This one lists the templates that apply to the element (the
 * latest version of each: the hub's workers and the adapters' tasks), each by its name and what it
 * does in the city's words (never its job type), searchable by name, description and id, and applies the one chosen through the element-templates service (one undoable command).
 */
import { html, nothing, render } from 'lit-html';
import { t } from '../lib/i18n.ts';

interface Template {
  id: string;
  name: string;
  description?: string;
  version?: number;
}
interface Services {
  get<T = unknown>(name: string): T;
}
interface TemplatesService {
  getLatest(element: unknown): Template[];
  applyTemplate(element: unknown, template: Template): unknown;
}
interface Bus {
  on(event: string, cb: (e: { element: unknown }) => void): void;
}

/** Opens the chooser whenever the modeler asks for one; returns its removal. */
export function templateChooser(modeler: Services): () => void {
  const dialog = document.createElement('dialog');
  dialog.className = 'template-chooser';
  dialog.setAttribute('aria-labelledby', 'template-chooser-heading');
  dialog.dataset.testid = 'template-chooser';
  document.body.append(dialog);
  const templates = modeler.get<TemplatesService>('elementTemplates');
  let element: unknown = null;
  let query = '';

  function draw() {
    const all = element ? templates.getLatest(element) : [];
    const q = query.trim().toLowerCase();
    const shown = q
      ? // The id too (it carries the job type): an administrator who knows hub.notify.urge finds it by that.
        all.filter((tpl) => `${tpl.name} ${tpl.description ?? ''} ${tpl.id}`.toLowerCase().includes(q))
      : all;
    render(
      html`<h2 id="template-chooser-heading">${t('designer.templates.heading')}</h2>
        <label
          >${t('designer.templates.search')}
          <input
            type="search"
            .value=${query}
            @input=${(e: Event) => ((query = (e.target as HTMLInputElement).value), draw())}
        /></label>
        ${shown.length === 0 ? html`<p class="muted">${t('designer.templates.none')}</p>` : nothing}
        <ul class="plain">
          ${shown.map(
            (tpl) =>
              html`<li>
                <button type="button" class="template" @click=${() => choose(tpl)}>
                  <strong>${tpl.name}</strong>
                  ${tpl.description ? html`<span class="muted">${tpl.description}</span>` : nothing}
                </button>
              </li>`,
          )}
        </ul>
        <button type="button" @click=${() => dialog.close()}>${t('designer.templates.cancel')}</button>`,
      dialog,
    );
  }

  function choose(tpl: Template) {
    templates.applyTemplate(element, tpl);
    dialog.close();
  }

  modeler.get<Bus>('eventBus').on('elementTemplates.select', (e) => {
    element = e.element;
    query = '';
    draw();
    dialog.showModal();
  });
  return () => dialog.remove();
}
