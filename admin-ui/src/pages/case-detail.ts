import { html, render } from 'lit-html';
import type { PageContext } from '../lib/pages.ts';

export function mountCaseDetail(el: HTMLElement, ctx: PageContext) {
  render(html`<h1>${ctx.params[0]}</h1>`, el);
}
