import { html, render } from 'lit-html';
import { t } from '../lib/i18n.ts';
import type { MountPage } from '../lib/pages.ts';

export const mount: MountPage = (el) => {
  render(html`<h1>${t('nav.assessment')}</h1>`, el);
};
