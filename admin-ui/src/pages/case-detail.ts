/**
 * One case: its data, the time-limit colour, the timeline, the photos, its position on the map (its point
 * and grid cell, the open cases around it; a clicked case opens) and
 * the procedure diagram (bpmn-js Viewer, loaded only here) with the path taken and the current step
 * marked, from the case's process path API when the hub offers it.
 */
import { html, nothing, render } from 'lit-html';
import { api, blobUrl, describeError } from '../lib/api.ts';
import { supervisorForm } from './supervisor-actions.ts';
import { clockBadge } from '../lib/clock.ts';
import { formatTime, label, t } from '../lib/i18n.ts';
import { createMap, preloadMap, type HubMap } from '../lib/map/index.ts';
import { cellName, getGridCells, type GridCell } from '../lib/map.ts';
import type { PageContext } from '../lib/pages.ts';
import { categoryNames, departmentNames } from '../lib/reference.ts';
import type { CaseView } from './cases.ts';
import { timelineList, type TimelineEntry } from './timeline.ts';

interface CaseDetail extends CaseView {
  gridCode: string | null;
  lng: number | null;
  lat: number | null;
  processInstanceKey: string | null;
  reporter: { name: string | null; phone: string | null; email?: string | null } | null;
  timeline: TimelineEntry[];
  mergedInto?: { id: string; caseNo: string | null } | null;
  voidReason?: string | null;
}
interface Attachment {
  id: string;
  kind: string;
  fileName: string;
  contentType: string;
  createdAt: string;
  url: string;
}

const POLL_MS = 5000;

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
interface DiagramCanvas {
  addMarker(id: string, m: string): void;
  zoom(level?: number | 'fit-viewport', center?: { x: number; y: number } | 'auto'): number;
  viewbox(box?: Box): Box & { outer: { width: number; height: number } };
}

/** Readable at 1440×900: the view centred on the waiting step at a zoom where labels are legible. */
function focusOn(canvas: DiagramCanvas, boxes: Box[]) {
  canvas.zoom('fit-viewport');
  if (!boxes.length) return;
  const minX = Math.min(...boxes.map((b) => b.x));
  const minY = Math.min(...boxes.map((b) => b.y));
  const maxX = Math.max(...boxes.map((b) => b.x + b.width));
  const maxY = Math.max(...boxes.map((b) => b.y + b.height));
  const outer = canvas.viewbox().outer;
  // Zoom 1 (labels at their drawn size) unless the waiting steps need more room.
  const zoom = Math.min(1, outer.width / (maxX - minX + 400), outer.height / (maxY - minY + 200));
  canvas.zoom(zoom, { x: (minX + maxX) / 2, y: (minY + maxY) / 2 });
  const vb = canvas.viewbox();
  canvas.viewbox({
    x: (minX + maxX) / 2 - vb.width / 2,
    y: (minY + maxY) / 2 - vb.height / 2,
    width: vb.width,
    height: vb.height,
  });
}

export function mountCaseDetail(el: HTMLElement, ctx: PageContext) {
  const id = ctx.params[0]!;
  let detail: CaseDetail | null = null;
  let photos: (Attachment & { src?: string })[] = [];
  let map: HubMap | undefined;
  let mapStarted = false;
  let mapError = '';
  let focusKey = '';
  let error = '';
  let diagramNote = '';
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let depts = new Map<string, string>();
  let cats = new Map<string, string>();
  /** The grid, to name the case's cell (the bare code until it has come). */
  let cells: GridCell[] = [];
  let cellsAsked = false;
  /** The map has drawn its first data, or will draw none. */
  let mapDone = false;
  let namesRead = false;
  let viewer: { destroy(): void } | undefined;
  let pathShown = '';
  let currentSteps: string[] = [];
  let diagramCanvas: DiagramCanvas | undefined;
  let currentBoxes: Box[] = [];

  function focusCurrent(v: { get<T>(name: string): T }, current: string[]) {
    const registry = v.get<{ get(id: string): (Box & { type?: string }) | undefined }>('elementRegistry');
    currentBoxes = current.map((id) => registry.get(id)).filter((b): b is Box => Boolean(b));
    focusOn(v.get<DiagramCanvas>('canvas'), currentBoxes);
  }
  const zoomBy = (factor: number) => {
    if (!diagramCanvas) return;
    diagramCanvas.zoom(diagramCanvas.zoom() * factor, 'auto');
  };

  /**
   * The case, its photos and (on the first load) the reference names are asked together; the case is
   * drawn and its map started as soon as the case is there, and drawn again as the rest arrives.
   */
  async function load(names: Promise<unknown> = Promise.resolve()) {
    const photosRead = loadPhotos();
    try {
      detail = await api(`/api/cases/${encodeURIComponent(id)}`);
      error = '';
    } catch (err) {
      error = describeError(err);
    }
    // The map does not wait for the names: the category list is the page's largest answer (≈ 220 KB).
    draw();
    showMap();
    askCells();
    await names;
    draw();
    await photosRead;
    draw();
    await drawDiagram();
  }

  async function loadPhotos() {
    try {
      const list = await api(`/api/cases/${encodeURIComponent(id)}/attachments`);
      const known = new Map(photos.map((p) => [p.id, p]));
      photos = list.items.map((a) => known.get(a.id) ?? a);
      for (const p of photos) {
        if (!p.src && p.contentType.startsWith('image/')) {
          p.src = await blobUrl(p.url).catch(() => undefined);
        }
      }
    } catch {
      // Photos are an extra; the case itself is what the page must show.
    }
  }

  /** The map starts once the case is known, then follows a changed position (location repair). */
  function showMap() {
    const c = detail;
    if (!c) return;
    const focus = c.lng !== null && c.lat !== null ? { lng: c.lng, lat: c.lat, gridCode: c.gridCode } : null;
    const key = JSON.stringify(focus);
    if (map && key !== focusKey) map.setFocus(focus);
    focusKey = key;
    if (mapStarted) return;
    const container = el.querySelector<HTMLElement>('#case-map');
    if (!container) return;
    mapStarted = true;
    const done = () => {
      mapDone = true;
      askCells();
    };
    // The 地下管网 lines under the case too: what a digging crew must know before work goes on.
    createMap(container, { focus, layers: ['grid', 'roads', 'communities', 'cases', 'pipelines'] })
      .then((m) => {
        if (stopped) m.destroy();
        else {
          map = m;
          void m.idle().then(done);
        }
      })
      .catch((err: unknown) => {
        mapError = t('map.unavailable', { message: describeError(err) });
        draw();
        done();
      });
  }

  /**
   * The grid, for the case's cell's name: every cell with its polygon (≈ 1.2 MB for a city of 3,500
   * cells), asked once the case has a cell and its map has drawn its first data, so that the hub and
   * the page's thread do not serve and parse it before the map's own answers.
   */
  function askCells() {
    if (cellsAsked || !mapDone || !detail?.gridCode) return;
    cellsAsked = true;
    getGridCells()
      .then((all) => {
        cells = all;
        draw();
      })
      .catch(() => undefined);
  }

  async function drawDiagram() {
    if (!detail?.processInstanceKey) return;
    try {
      const path = await api(`/api/cases/${encodeURIComponent(id)}/process`);
      const current = path.activeElementIds;
      const taken = [...new Set(path.elements.map((e) => e.elementId))].filter((e) => !current.includes(e));
      const key = JSON.stringify([taken, current]);
      if (key === pathShown) return;
      pathShown = key;
      draw(); // unhide the container before the viewer measures it
      const { default: Viewer } = await import('bpmn-js/lib/NavigatedViewer');
      await import('bpmn-js/dist/assets/diagram-js.css');
      await import('bpmn-js/dist/assets/bpmn-js.css');
      viewer?.destroy();
      const container = el.querySelector<HTMLElement>('#case-diagram');
      if (!container || stopped) return;
      const v = new Viewer({ container });
      viewer = v;
      await v.importXML(path.xml);
      const canvas = v.get<DiagramCanvas>('canvas');
      diagramCanvas = canvas;
      const mark = (ids: string[], marker: string) => {
        for (const elementId of ids) {
          try {
            canvas.addMarker(elementId, marker);
          } catch {
            // The process itself (or an element without a shape) has no marker to carry.
          }
        }
      };
      mark(taken, 'path-taken');
      mark(current, 'path-current');
      currentSteps = current.map(
        (c) =>
          v
            .get<{ get(id: string): { businessObject?: { name?: string } } | undefined }>('elementRegistry')
            .get(c)?.businessObject?.name ?? c,
      );
      focusCurrent(v, current);
      diagramNote = '';
    } catch (err) {
      diagramNote = describeError(err);
    }
    draw();
  }

  function draw() {
    const c = detail;
    // Until the names came, no name rather than the category's code.
    const category =
      c && (cats.get(`${c.categoryKind}:${c.categoryCode}`) ?? (namesRead ? c.categoryCode : ''));
    render(
      html`<p><a href="#/cases">${t('case.back')}</a></p>
        ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
        ${
          !c
            ? error
              ? nothing
              : html`<p class="muted">${t('app.loading')}</p>`
            : html`<h1>${t('case.heading', { no: c.caseNo })}</h1>
                <div class="card">
                  <p>
                    <span class="badge" data-testid="case-status">${label('status', c.status)}</span>
                    <span class="badge">${label('urgency', c.urgency)}</span>
                    <span class="badge">${label('source', c.source)}</span>
                    ${clockBadge(c.clock)}
                  </p>
                  <p>${category} · ${c.description}</p>
                  <p class="muted">
                    ${c.address ?? ''} ${c.gridCode ? html`· ${cellName(cells, c.gridCode)}` : nothing}
                    ${c.departmentId ? html`· ${depts.get(c.departmentId) ?? ''}` : nothing} ·
                    ${formatTime(c.reportedAt)}
                  </p>
                  ${
                    c.reporter?.name || c.reporter?.phone || c.reporter?.email
                      ? html`<p class="muted">
                          ${t('case.reporter')}: ${c.reporter.name ?? ''} ${c.reporter.phone ?? ''}
                          ${c.reporter.email ?? ''}
                        </p>`
                      : nothing
                  }
                </div>
                ${ctx.user.roles.includes('field_supervisor') ? supervisorForm(c, () => void load()) : nothing}
                <div class="grid2">
                  <section aria-labelledby="tl-h">
                    <h2 id="tl-h">${t('case.timeline')}</h2>
                    ${timelineList(c.timeline, (d) => (d ? (depts.get(d) ?? '') : ''))}
                  </section>
                  <section aria-labelledby="map-h" class="map">
                    <h2 id="map-h">${t('case.map')}</h2>
                    ${mapError ? html`<p class="error" role="alert">${mapError}</p>` : nothing}
                    <div id="case-map" data-testid="case-map"></div>
                    <p class="muted" data-testid="case-position">
                      ${
                        c.lng !== null && c.lat !== null
                          ? t('map.position', {
                              grid: c.gridCode ? cellName(cells, c.gridCode) : '—',
                              lng: c.lng.toFixed(5),
                              lat: c.lat.toFixed(5),
                            })
                          : t('case.noLocation')
                      }
                    </p>
                  </section>
                </div>
                <section aria-labelledby="ph-h">
                  <h2 id="ph-h">${t('case.photos')}</h2>
                  ${
                    photos.length === 0
                      ? html`<p class="muted">${t('case.noPhotos')}</p>`
                      : html`<div class="photos">
                          ${photos.map((p) =>
                            p.src
                              ? html`<a href=${p.src} target="_blank" rel="noopener"
                                  ><img src=${p.src} alt=${`${p.kind} ${p.fileName}`}
                                /></a>`
                              : html`<span class="badge">${p.fileName}</span>`,
                          )}
                        </div>`
                  }
                </section>
                <section aria-labelledby="dg-h">
                  <h2 id="dg-h">${t('case.diagram')}</h2>
                  ${diagramNote ? html`<p class="muted" data-testid="diagram-note">${diagramNote}</p>` : nothing}
                  ${
                    currentSteps.length
                      ? html`<p data-testid="current-step">
                          ${t('case.current')}: <strong>${currentSteps.join('、')}</strong>
                        </p>`
                      : nothing
                  }
                  <div
                    class="toolbar diagram-tools"
                    ?hidden=${!pathShown}
                    role="group"
                    aria-label=${t('case.diagramTools')}
                  >
                    <button type="button" @click=${() => zoomBy(1.25)} aria-label=${t('case.zoomIn')}>
                      ＋
                    </button>
                    <button type="button" @click=${() => zoomBy(0.8)} aria-label=${t('case.zoomOut')}>
                      －
                    </button>
                    <button type="button" @click=${() => diagramCanvas?.zoom('fit-viewport')}>
                      ${t('case.fit')}
                    </button>
                    <button
                      type="button"
                      @click=${() => diagramCanvas && focusOn(diagramCanvas, currentBoxes)}
                    >
                      ${t('case.toCurrent')}
                    </button>
                    <span class="legend" data-testid="diagram-legend">
                      <span><i class="swatch taken"></i>${t('case.legendTaken')}</span>
                      <span><i class="swatch current"></i>${t('case.legendCurrent')}</span>
                      <span><i class="swatch todo"></i>${t('case.legendTodo')}</span>
                    </span>
                  </div>
                  <div class="diagram" id="case-diagram" ?hidden=${!pathShown}></div>
                </section>`
        }`,
      el,
    );
  }

  draw();
  preloadMap();
  void (async () => {
    // The names label the case's fields: read beside the case, not before it.
    const names = Promise.all([
      departmentNames().catch(() => new Map<string, string>()),
      categoryNames().catch(() => new Map<string, string>()),
    ]).then(([d, c]) => {
      depts = d;
      cats = c;
      namesRead = true;
    });
    await load(names);
    const poll = () => {
      timer = setTimeout(async () => {
        if (stopped) return;
        if (!document.hidden) await load();
        if (!stopped) poll();
      }, POLL_MS);
    };
    poll();
  })();

  return () => {
    stopped = true;
    clearTimeout(timer);
    viewer?.destroy();
    map?.destroy();
    for (const p of photos) if (p.src) URL.revokeObjectURL(p.src);
  };
}
