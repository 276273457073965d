/**
 * 领导通 (leaders): today's (or this month's) 处置率, 结案率 and 平均处置时长 against the targets, the
 * overdue and the escalated cases, and 批示 on a case — sent through the offline queue to
 * POST /api/cases/:id/instructions; the unit holding the case sees it and acknowledges it (its answer is
 * shown under the 批示).
 */
import { html, nothing, render } from 'lit-html';
import type { FeatureCollection } from 'geojson';
import { describeError } from '../../../../src/lib/api.ts';
import type { HubMap } from '../../../../src/lib/map/index.ts';
import { formatTime } from '../../../../src/lib/i18n.ts';
import { getWithCache } from '../../fetch.ts';
import { defineMessages } from '../../i18n.ts';
import type { MountModule } from '../../modules.ts';
import { enqueue, onQueueChange } from '../../queue.ts';
import { outcome } from '../../ui.ts';

const m = defineMessages(
  {
    today: '今日',
    month: '本月',
    figures: '指标对标',
    target: '目标',
    met: '达标',
    notMet: '未达标',
    noValue: '暂无数据',
    registered: '立案数',
    overdue: '超期案件',
    escalated: '督办案件',
    open: '在办案件',
    none: '无',
    instruct: '批示',
    instruction: '批示内容',
    send: '发送批示',
    sent: '已发批示',
    acked: '已阅',
    waiting: '待阅',
    hours: '小时',
    level: '督办级别',
    map: '案件分布',
    legend: '在办 {open} 件（蓝） · 超期 {overdue} 件（红）',
    mapFailed: '地图暂时打不开：{message}',
    openLayer: '在办案件',
    overdueLayer: '超期案件',
  },
  {
    today: 'Today',
    month: 'This month',
    figures: 'Figures against targets',
    target: 'Target',
    met: 'Met',
    notMet: 'Not met',
    noValue: 'No data yet',
    registered: 'Registered',
    overdue: 'Overdue cases',
    escalated: 'Escalated cases',
    open: 'Open cases',
    none: 'None',
    instruct: 'Instruct',
    instruction: 'Instruction',
    send: 'Send instruction',
    sent: 'Instructions sent',
    acked: 'Acknowledged',
    waiting: 'Not yet read',
    hours: 'h',
    level: 'Escalation level',
    map: 'Where the cases are',
    legend: 'Open {open} (blue) · overdue {overdue} (red)',
    mapFailed: 'The map cannot open: {message}',
    openLayer: 'Open cases',
    overdueLayer: 'Overdue cases',
  },
);

interface Figure {
  key: string;
  label: string;
  value: number | null;
  target: number;
  met: boolean | null;
  unit: 'rate' | 'hours';
}
interface Summary {
  id: string;
  caseNo: string;
  statusLabel: string;
  categoryName: string;
  address: string | null;
  departmentName: string | null;
  dueAt: string | null;
  escalationLevel: number;
}
interface MapPoint {
  id: string;
  caseNo: string;
  lat: number;
  lng: number;
  statusLabel: string;
  overdue: boolean;
}
interface Dashboard {
  figures: Figure[];
  registered: number;
  overdueCount: number;
  escalatedCount: number;
  overdue: Summary[];
  escalated: Summary[];
  openCases: MapPoint[];
}

const points = (list: MapPoint[]): FeatureCollection => ({
  type: 'FeatureCollection',
  features: list.map((p) => ({
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [p.lng, p.lat] },
    properties: { caseNo: p.caseNo, status: p.statusLabel },
  })),
});
interface Instruction {
  id: string;
  caseNo: string;
  text: string;
  departmentName: string | null;
  createdAt: string;
  acknowledgedAt: string | null;
  acknowledgedByName: string | null;
  acknowledgeNote: string | null;
}

const show = (f: Figure) =>
  f.value === null
    ? m('noValue')
    : f.unit === 'rate'
      ? `${(f.value * 100).toFixed(1)}%`
      : `${f.value.toFixed(2)} ${m('hours')}`;
const showTarget = (f: Figure) =>
  f.unit === 'rate' ? `${(f.target * 100).toFixed(1)}%` : `${f.target.toFixed(2)} ${m('hours')}`;

export const mount: MountModule = (el, ctx) => {
  let period: 'day' | 'month' = ctx.path[0] === 'month' ? 'month' : 'day';
  let d: Dashboard | null = null;
  let sent: Instruction[] = [];
  let error = '';
  let writing: string | null = null;
  let map: HubMap | null = null;
  let mapStarted = false;
  let mapError = '';
  let stopped = false;

  /** The open cases on the map, overdue ones in red; MapLibre is loaded the first time (its own chunk). */
  async function showMap() {
    const host = el.querySelector<HTMLElement>('#leader-map');
    if (!d || !host) return;
    try {
      if (!mapStarted) {
        mapStarted = true;
        const { createMap } = await import('../../../../src/lib/map/index.ts');
        map = await createMap(host, { layers: ['grid'], layerControl: false });
        if (stopped) return map.destroy();
      }
      if (!map) return;
      map.setOverlay('open-cases', points(d.openCases.filter((p) => !p.overdue)), {
        title: m('openLayer'),
        color: '#0b57a4',
        label: 'caseNo',
      });
      map.setOverlay('overdue-cases', points(d.openCases.filter((p) => p.overdue)), {
        title: m('overdueLayer'),
        color: '#a3211a',
        label: 'caseNo',
      });
      host.dataset.points = String(d.openCases.length);
    } catch (err) {
      mapError = describeError(err);
      draw();
    }
  }

  async function load() {
    try {
      d = (await getWithCache('/api/leader/dashboard', { period })).data;
      sent = (await getWithCache('/api/instructions', { status: 'all' })).data.items;
      error = '';
    } catch (err) {
      error = describeError(err);
    }
    draw();
    void showMap();
  }

  async function instruct(c: Summary, e: SubmitEvent) {
    e.preventDefault();
    const text = String(new FormData(e.currentTarget as HTMLFormElement).get('text') ?? '').trim();
    const item = await enqueue({
      module: 'leader',
      title: `${c.caseNo} · ${m('instruct')}`,
      request: {
        method: 'POST',
        path: `/api/cases/${encodeURIComponent(c.id)}/instructions`,
        body: { text },
      },
    });
    const o = outcome(item);
    ctx.notify(o.text, o.kind);
    if (item.state !== 'failed') writing = null;
    void load();
  }

  const caseCard = (c: Summary) =>
    html`<li class="card" data-case=${c.caseNo}>
      <p class="row">
        <strong>${c.caseNo}</strong>
        <span class="badge">${c.statusLabel}</span>
        ${c.escalationLevel > 0 ? html`<span class="badge red">${m('level')} ${c.escalationLevel}</span>` : nothing}
      </p>
      <p>${c.categoryName} · ${c.departmentName ?? ''}</p>
      <p class="muted">${c.address ?? ''}${c.dueAt ? html` · ${formatTime(c.dueAt)}` : nothing}</p>
      ${
        writing === c.id
          ? html`<form class="stack" @submit=${(e: SubmitEvent) => instruct(c, e)}>
              <label
                >${m('instruction')} <textarea name="text" required maxlength="2000" rows="3"></textarea>
              </label>
              <button type="submit" class="primary big">${m('send')}</button>
            </form>`
          : html`<button type="button" class="primary" @click=${() => ((writing = c.id), draw())}>
              ${m('instruct')}
            </button>`
      }
    </li>`;

  function draw() {
    render(
      html`<div class="toolbar" role="group">
          ${(['day', 'month'] as const).map(
            (p) =>
              html`<button
                type="button"
                aria-pressed=${period === p}
                @click=${() => ((period = p), void load())}
              >
                ${p === 'day' ? m('today') : m('month')}
              </button>`,
          )}
        </div>
        ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
        ${
          d
            ? html`<h2>${m('figures')}</h2>
                <ul class="plain" data-testid="figures">
                  ${d.figures.map(
                    (f) =>
                      html`<li class="card" data-figure=${f.key}>
                        <p class="row">
                          <strong>${f.label}</strong> <span class="big-number">${show(f)}</span>
                        </p>
                        <p>
                          ${m('target')} ${showTarget(f)} ·
                          <span class="badge ${f.met === false ? 'red' : f.met ? 'green' : ''}"
                            >${f.met === null ? m('noValue') : f.met ? m('met') : m('notMet')}</span
                          >
                        </p>
                      </li>`,
                  )}
                </ul>
                <p>${m('registered')} ${d.registered} · ${m('open')} ${d.openCases.length}</p>
                <h2>${m('overdue')} (${d.overdueCount})</h2>
                ${
                  d.overdue.length
                    ? html`<ul class="plain" data-testid="overdue">
                        ${d.overdue.map(caseCard)}
                      </ul>`
                    : html`<p class="muted">${m('none')}</p>`
                }
                <h2>${m('escalated')} (${d.escalatedCount})</h2>
                ${
                  d.escalated.length
                    ? html`<ul class="plain" data-testid="escalated">
                        ${d.escalated.map(caseCard)}
                      </ul>`
                    : html`<p class="muted">${m('none')}</p>`
                }
                <h2>${m('map')}</h2>
                <p data-testid="map-legend">
                  ${m('legend', {
                    open: d.openCases.filter((p) => !p.overdue).length,
                    overdue: d.openCases.filter((p) => p.overdue).length,
                  })}
                </p>
                <div class="map fill" id="leader-map" aria-label=${m('map')}></div>
                ${mapError ? html`<p class="muted">${m('mapFailed', { message: mapError })}</p>` : nothing}
                <h2>${m('sent')}</h2>
                <ul class="plain" data-testid="instructions">
                  ${sent.map(
                    (i) =>
                      html`<li class="card">
                        <p class="row">
                          <strong>${i.caseNo}</strong>
                          <span class="badge">${i.acknowledgedAt ? m('acked') : m('waiting')}</span>
                        </p>
                        <p>${i.text}</p>
                        <p class="muted">${i.departmentName ?? ''} · ${formatTime(i.createdAt)}</p>
                        ${i.acknowledgedAt ? html`<p>${i.acknowledgedByName}：${i.acknowledgeNote ?? m('acked')}</p>` : nothing}
                      </li>`,
                  )}
                </ul>`
            : html`<p class="muted">…</p>`
        }`,
      el,
    );
  }
  draw();
  void load();
  const off = onQueueChange(() => void load());
  const timer = setInterval(() => !document.hidden && void load(), 30_000);
  return () => {
    stopped = true;
    map?.destroy();
    off();
    clearInterval(timer);
  };
};
