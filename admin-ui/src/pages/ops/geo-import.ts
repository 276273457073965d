/**
 * 地理数据导入 (administrators): a GeoJSON or CSV file of the gazetteer, the grid (单元网格, 责任网格) or
 * the components (部件), in the coordinate system it was made in, sent to POST /api/geo/imports — first
 * checked (仅检查), then imported. The report says how many rows were read, added and updated, and lists
 * every refused row with where and why; a refused file stores nothing.
 */
import { html, nothing, render } from 'lit-html';
import { api, ApiError, describeError, type RequestBody } from '../../lib/api.ts';
import { t, type MessageKey } from '../../lib/i18n.ts';
import type { MountSection } from './section.ts';

interface Report {
  target: string;
  stored: boolean;
  dryRun: boolean;
  rowsRead: number;
  added: number;
  updated: number;
  rejected: { at: string; reason: string }[];
}

const TARGETS = ['gazetteer', 'grid', 'components'] as const;
const SYSTEMS = ['wgs84', 'cgcs2000', 'gcj02', 'bd09'] as const;

export const mount: MountSection = (el, { canEdit }) => {
  let report: Report | null = null;
  let error = '';
  let busy = false;

  async function send(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const submitter = event.submitter as HTMLButtonElement | null;
    const file = (form.elements.namedItem('file') as HTMLInputElement).files?.[0];
    if (!file) {
      error = t('geoImport.noFile');
      draw();
      return;
    }
    const value = (name: string) => (form.elements.namedItem(name) as HTMLSelectElement).value;
    busy = true;
    error = '';
    report = null;
    draw();
    try {
      report = await api('/api/geo/imports', {
        method: 'POST',
        body: {
          // The form's own options: the hub checks them again.
          target: value('target') as RequestBody<'/api/geo/imports', 'post'>['target'],
          crs: value('crs') as RequestBody<'/api/geo/imports', 'post'>['crs'],
          format: /\.csv$/i.test(file.name) ? 'csv' : 'geojson',
          fileName: file.name,
          content: await file.text(),
          dryRun: submitter?.value === 'check',
        },
      });
    } catch (err) {
      // A refused file comes back as a problem carrying the same report.
      if (err instanceof ApiError && err.problem.report) report = err.problem.report as Report;
      else error = describeError(err);
    }
    busy = false;
    draw();
    el.querySelector<HTMLElement>('#geo-import-report')?.focus();
  }

  function summary(r: Report) {
    const outcome = r.rejected.length
      ? t('geoImport.refused', { count: r.rejected.length })
      : r.dryRun
        ? t('geoImport.checked')
        : t('geoImport.stored');
    return html`<p class=${r.rejected.length ? 'error' : 'ok'}>${outcome}</p>
      <dl class="figures">
        <dt>${t('geoImport.rowsRead')}</dt>
        <dd data-figure="rowsRead">${r.rowsRead}</dd>
        <dt>${t(r.dryRun ? 'geoImport.wouldAdd' : 'geoImport.added')}</dt>
        <dd data-figure="added">${r.added}</dd>
        <dt>${t(r.dryRun ? 'geoImport.wouldUpdate' : 'geoImport.updated')}</dt>
        <dd data-figure="updated">${r.updated}</dd>
        <dt>${t('geoImport.rejected')}</dt>
        <dd data-figure="rejected">${r.rejected.length}</dd>
      </dl>
      ${
        r.rejected.length
          ? html`<table data-testid="import-rejected">
              <thead>
                <tr>
                  <th scope="col">${t('geoImport.where')}</th>
                  <th scope="col">${t('geoImport.why')}</th>
                </tr>
              </thead>
              <tbody>
                ${r.rejected.map(
                  (x) =>
                    html`<tr>
                      <th scope="row">${x.at}</th>
                      <td>${x.reason}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
          : nothing
      }`;
  }

  function draw() {
    render(
      html`<h2>${t('ops.geoImport')}</h2>
        ${
          canEdit
            ? html`<form class="stack" @submit=${send}>
                <label
                  >${t('geoImport.target')}
                  <select name="target">
                    ${TARGETS.map((x) => html`<option value=${x}>${t(`geoImport.target.${x}` as MessageKey)}</option>`)}
                  </select>
                </label>
                <label
                  >${t('geoImport.crs')}
                  <select name="crs">
                    ${SYSTEMS.map((x) => html`<option value=${x}>${t(`geoImport.crs.${x}` as MessageKey)}</option>`)}
                  </select>
                </label>
                <label
                  >${t('geoImport.file')}
                  <input type="file" name="file" accept=".geojson,.json,.csv,application/geo+json,text/csv" />
                </label>
                <p class="muted">${t('geoImport.hint')}</p>
                <div class="toolbar">
                  <button type="submit" value="check" ?disabled=${busy}>${t('geoImport.check')}</button>
                  <button type="submit" value="import" class="primary" ?disabled=${busy}>
                    ${t('geoImport.import')}
                  </button>
                </div>
              </form>`
            : html`<p class="muted">${t('geoImport.adminOnly')}</p>`
        }
        ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
        <section id="geo-import-report" tabindex="-1" aria-live="polite">
          ${busy ? html`<p class="muted">${t('app.loading')}</p>` : report ? summary(report) : nothing}
        </section>`,
      el,
    );
  }

  draw();
};
