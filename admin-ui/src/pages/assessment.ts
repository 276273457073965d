/**
 * 考核评价 (leaders, administrators, shift leaders read; leaders and administrators run): the stored
 * monthly reports, tables per department, area (street) and role with composite score and grade, the
 * monthly trend of 处置率, 结案率 and 平均处置时长 as charts, a click on any figure lists the cases
 * behind it, and the report's CSV and Excel (.xlsx) downloads. All figures come from src/assessment (GET /api/assessment/…).
 */
import { saveAs } from '../lib/download.ts';
import { html, nothing, render } from 'lit-html';
import { api, describeError, loadSession, type Query } from '../lib/api.ts';
import { lineChart } from '../lib/chart.ts';
import { formatTime, label, t, type MessageKey } from '../lib/i18n.ts';
import type { MountPage } from '../lib/pages.ts';

interface Figure {
  value: number | null;
  numerator: number;
  denominator: number | null;
}
interface Entity {
  type: string;
  id: string;
  name: string;
  figures: Record<string, Figure>;
  score: number | null;
  grade: string | null;
}
interface ReportMeta {
  id: string;
  periodKey: string;
  scope: string;
  createdAt: string;
  /** xlsx: hubs before the Excel export have none. */
  links: { csv: string; xlsx?: string };
}
interface Report extends ReportMeta {
  result: Record<
    'departments' | 'streets' | 'supervisors' | 'acceptors' | 'shiftLeaders' | 'dispatchers',
    Entity[]
  > & { city: Entity };
}
interface Drill {
  entity: { name: string };
  label: string;
  part: string;
  count: number;
  cases: { id: string; caseNo: string; status: string; reportedAt: string }[];
}

const TABLES = [
  { key: 'departments', type: 'department', title: 'assess.departments' },
  { key: 'streets', type: 'street', title: 'assess.areas' },
  { key: 'supervisors', type: 'supervisor', title: 'role.field_supervisor' },
  { key: 'acceptors', type: 'acceptor', title: 'role.acceptor' },
  { key: 'dispatchers', type: 'dispatcher', title: 'role.dispatcher' },
  { key: 'shiftLeaders', type: 'shiftLeader', title: 'role.shift_leader' },
] as const;

const isMonth = (key: string) => /^\d{4}-\d{2}$/.test(key);
const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
const num = (key: string, v: number | null) =>
  v === null ? '—' : key.endsWith('Rate') ? pct(v) : Number.isInteger(v) ? String(v) : v.toFixed(2);

export const mount: MountPage = (el) => {
  let reports: ReportMeta[] = [];
  let report: Report | null = null;
  let tab: (typeof TABLES)[number]['key'] = 'departments';
  let drill: Drill | null = null;
  let error = '';
  let loading = true;
  /** City figures of the monthly reports (oldest first), for the trend charts. */
  let months: { periodKey: string; figures: Record<string, Figure> }[] = [];

  async function open(id: string) {
    drill = null;
    try {
      report = await api(`/api/assessment/reports/${encodeURIComponent(id)}`);
    } catch (err) {
      error = describeError(err);
    }
    draw();
  }

  async function openDrill(entity: Entity, figure: string) {
    if (!report) return;
    const q = {
      entityType: entity.type as Query<'/api/assessment/reports/{id}/cases'>['entityType'],
      figure,
      entityId: entity.type !== 'city' ? entity.id : undefined,
    };
    try {
      drill = await api(`/api/assessment/reports/${encodeURIComponent(report.id)}/cases`, { query: q });
    } catch (err) {
      error = describeError(err);
    }
    draw();
    el.querySelector<HTMLElement>('#drill-h')?.focus();
  }

  /** Downloads one of the report's files (the link needs the session's bearer token, so no plain <a>). */
  async function download(kind: 'csv' | 'xlsx') {
    const path = report?.links[kind];
    if (!report || !path) return;
    try {
      const res = await fetch(path, { headers: { authorization: `Bearer ${loadSession()?.token ?? ''}` } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      saveAs(await res.blob(), `assessment-${report.periodKey}-${report.scope}.${kind}`);
    } catch (err) {
      error = describeError(err);
      draw();
    }
  }

  /** A unit with no case in the period has nothing to grade: its composite would read 100 A by the formula. */
  const noCases = (e: Entity) =>
    Object.values(e.figures).length > 0 &&
    Object.values(e.figures).every((f) => f.numerator === 0 && !f.denominator);

  function table(entities: Entity[]) {
    const keys = [...new Set(entities.flatMap((e) => Object.keys(e.figures)))];
    return html`<table data-testid="assessment-table">
      <thead>
        <tr>
          <th scope="col"></th>
          ${keys.map((k) => html`<th scope="col" class="num">${label('figure', k)}</th>`)}
          <th scope="col" class="num">${t('assess.score')}</th>
          <th scope="col">${t('assess.grade')}</th>
        </tr>
      </thead>
      <tbody>
        ${entities.map(
          (e) =>
            html`<tr data-entity=${e.name}>
              <th scope="row">${e.name}</th>
              ${keys.map((k) => {
                const f = e.figures[k];
                return html`<td class="num">
                  ${
                    f
                      ? html`<button
                          type="button"
                          class="link"
                          data-figure=${k}
                          aria-label=${`${e.name} ${label('figure', k)} ${num(k, f.value)}`}
                          @click=${() => openDrill(e, k)}
                        >
                          ${num(k, f.value)}
                        </button>`
                      : '—'
                  }
                </td>`;
              })}
              ${
                noCases(e)
                  ? html`<td class="num" title=${t('assess.noCases')}>—</td>
                      <td title=${t('assess.noCases')}>—</td>`
                  : html`<td class="num">${e.score === null ? '—' : e.score.toFixed(1)}</td>
                      <td><strong>${e.grade ?? '—'}</strong></td>`
              }
            </tr>`,
        )}
      </tbody>
    </table>`;
  }

  function draw() {
    const trend = (key: string) =>
      months.map((m) => ({ label: m.periodKey.slice(2), value: m.figures[key]?.value ?? null }));
    render(
      html`<h1>${t('assess.heading')}</h1>
        ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
        ${loading ? html`<p class="muted">${t('app.loading')}</p>` : nothing}
        ${
          reports.length
            ? html`<div class="toolbar">
                <label
                  >${t('assess.period')}
                  <select
                    id="report"
                    @change=${(e: Event) => void open((e.target as HTMLSelectElement).value)}
                  >
                    ${reports.map((r) => html`<option value=${r.id} ?selected=${r.id === report?.id}>${r.periodKey} · ${label('reportScope', r.scope)}</option>`)}
                  </select></label
                >
                <button type="button" @click=${() => download('csv')} ?disabled=${!report}>
                  ${t('assess.export')}
                </button>
                ${
                  report?.links.xlsx
                    ? html`<button type="button" @click=${() => download('xlsx')}>
                        ${t('assess.exportXlsx')}
                      </button>`
                    : nothing
                }
                ${report ? html`<span class="muted">${formatTime(report.createdAt)}</span>` : nothing}
              </div>`
            : loading
              ? nothing
              : html`<p class="muted">${t('common.none')}</p>`
        }
        ${
          months.length
            ? html`<h2>${t('assess.trend')}</h2>
                <div class="grid2" data-testid="trends">
                  ${lineChart(t('assess.disposalRate'), trend('disposalRate'), pct)}
                  ${lineChart(t('assess.closureRate'), trend('closureRate'), pct)}
                  ${lineChart(t('assess.avgHours'), trend('avgHandlingHours'), (v) => v.toFixed(1))}
                </div>`
            : nothing
        }
        ${
          report
            ? html`<div class="toolbar" role="tablist" aria-label=${t('assess.heading')}>
                  ${TABLES.filter((tb) => report!.result[tb.key]?.length).map(
                    (tb) =>
                      html`<button
                        type="button"
                        role="tab"
                        aria-selected=${tab === tb.key}
                        class=${tab === tb.key ? 'primary' : ''}
                        @click=${() => {
                          tab = tb.key;
                          draw();
                        }}
                      >
                        ${t(tb.title as MessageKey)}
                      </button>`,
                  )}
                </div>
                <div class=${drill ? 'assess-split' : ''}>
                  <div role="tabpanel" class="assess-table">
                    <div
                      class="table-scroll"
                      tabindex="0"
                      role="region"
                      aria-label=${t(TABLES.find((tb) => tb.key === tab)!.title as MessageKey)}
                    >
                      ${table(report.result[tab] ?? [])}
                    </div>
                  </div>
                  ${drillSection()}
                </div>`
            : drillSection()
        }`,
      el,
    );
  }

  function drillSection() {
    return html`${
      drill
        ? html`<section aria-labelledby="drill-h" data-testid="drill">
            <h2 id="drill-h" tabindex="-1">
              ${t('assess.casesBehind')}: ${drill.entity.name} · ${drill.label} (${drill.count})
            </h2>
            <ul>
              ${drill.cases.map((c) => html`<li><a href="#/cases/${c.id}">${c.caseNo}</a> · ${label('status', c.status)} · ${formatTime(c.reportedAt)}</li>`)}
            </ul>
          </section>`
        : nothing
    }`;
  }

  draw();
  void (async () => {
    {
      try {
        reports = (await api('/api/assessment/reports')).items;
        const first = reports.find((r) => r.scope === 'all') ?? reports[0];
        if (first) await open(first.id);
        loading = false;
        draw();
        // The list carries no figures: the last twelve monthly reports are read for the trends.
        const monthly = reports
          .filter((r) => isMonth(r.periodKey) && r.scope === 'all')
          .slice(0, 12)
          .reverse();
        months = await Promise.all(
          monthly.map(async (r) => {
            const full =
              r.id === report?.id ? report : await api(`/api/assessment/reports/${encodeURIComponent(r.id)}`);
            return { periodKey: r.periodKey, figures: full.result.city.figures };
          }),
        );
      } catch (err) {
        error = describeError(err);
      }
    }
    loading = false;
    draw();
  })();
};
