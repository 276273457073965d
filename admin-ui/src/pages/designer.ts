/**
 * 流程设计 (administrators): the bpmn-js Modeler with the Zeebe properties panel, the element templates
 * of processes/element-templates and adapters/<name>/element-templates, and live linting with the rules
 * of processes/.bpmnlintrc (Camunda 8.8) marked on the canvas. Deploy sends the XML to the hub, which
 * lints again and refuses errors (422 with each error); the version history lists what was deployed,
 * compares two versions on two diagrams (bpmn-js-differ) and rolls back. Downloads XML and SVG. A file
 * from another tool opens as far as bpmn-js can read it, and the page lists what keeps it from being
 * deployable (import warnings and lint errors) instead of failing.
 */
import { saveAs } from '../lib/download.ts';
import { html, nothing, render } from 'lit-html';
import type Modeler from 'bpmn-js/lib/Modeler';
import type NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import type { DiffResult } from 'bpmn-js-differ';
import { ApiError, describeError } from '../lib/api.ts';
import { formatTime, t } from '../lib/i18n.ts';
import { lintMessage } from '../lib/bpmn-zh.ts';
import { guardLeaving } from '../lib/leave-guard.ts';
import type { MountPage } from '../lib/pages.ts';
import { diffList, namesOf, type ElementNames } from './designer-diff.ts';
import { templateChooser } from './designer-templates.ts';
import {
  deploy,
  listProcedures,
  PROCEDURES_PATH,
  rollback,
  procedureName,
  versionXml,
  type Procedure,
  type ProcedureVersion,
} from '../lib/procedures.ts';

interface LintIssue {
  id: string;
  message: string;
  category: 'error' | 'warn' | 'info' | 'rule-error';
  rule?: string;
}
interface Finding {
  element: string;
  message: string;
  rule: string;
}

interface Services {
  get<T = unknown>(name: string): T;
}
interface EventBus {
  on(event: string, cb: (e: never) => void): void;
}
interface Canvas {
  addMarker(id: string, marker: string): void;
  zoom(level: string): void;
}
interface ElementRegistry {
  get(id: string): { businessObject?: { name?: string } } | undefined;
  getAll(): { id: string; businessObject?: { name?: string } }[];
}

/** The procedure last opened here: the designer opens it again (a session's work is on one procedure). */
const REMEMBERED = 'hub.designer.procedure';

const download = (name: string, content: string, type: string) => saveAs(new Blob([content], { type }), name);

export const mount: MountPage = (el) => {
  let available = true;
  let procedures: Procedure[] = [];
  let selected = '';
  let versions: ProcedureVersion[] = [];
  let openedVersion: number | null = null;
  let fileName = '';
  let dirty = false;
  let errors: Finding[] = [];
  let warnings: Finding[] = [];
  let linted = false;
  let importWarnings: string[] = [];
  let importError = '';
  let message: { kind: 'ok' | 'error'; text: string; details?: string[] } | null = null;
  let comparing: {
    a: number;
    b: number;
    result: DiffResult | null;
    names?: ElementNames;
    error?: string;
  } | null = null;
  let busy = false;
  let stopped = false;
  let modeler: Modeler | undefined;
  let removeChooser = () => {};
  const diffViewers: NavigatedViewer[] = [];

  const nameOf = (id: string) => {
    const registry = modeler?.get<ElementRegistry>('elementRegistry');
    const name = registry?.get(id)?.businessObject?.name;
    return name ? `${name} (${id})` : id;
  };

  function onLint(issues: Record<string, LintIssue[]>) {
    errors = [];
    warnings = [];
    for (const [element, list] of Object.entries(issues)) {
      for (const issue of list) {
        const finding = { element, message: lintMessage(issue.message), rule: issue.rule ?? issue.id };
        if (issue.category === 'error' || issue.category === 'rule-error') errors.push(finding);
        else warnings.push(finding);
      }
    }
    linted = true;
    draw();
  }

  async function openXml(xml: string, source: { version?: number; file?: string }) {
    if (!modeler) return;
    importError = '';
    importWarnings = [];
    message = null;
    linted = false;
    try {
      const result = await modeler.importXML(xml);
      if (!performance.getEntriesByName('designer:imported').length) performance.mark('designer:imported');
      importWarnings = result.warnings.map((w) => String((w as { message?: string }).message ?? w));
      (modeler.get('canvas') as Canvas).zoom('fit-viewport');
    } catch (err) {
      importError = t('designer.importFailed', { message: describeError(err) });
    }
    openedVersion = source.version ?? null;
    fileName = source.file ?? '';
    dirty = false;
    draw();
  }

  async function selectProcedure(id: string, select?: HTMLSelectElement) {
    if (dirty && !confirm(t('designer.confirmLeave'))) {
      if (select) select.value = selected;
      return;
    }
    selected = id;
    localStorage.setItem(REMEMBERED, id);
    comparing = null;
    versions = [];
    draw();
    try {
      versions = procedures.find((p) => p.bpmnProcessId === id)?.versions ?? [];
      const latest = versions[0];
      if (latest) await openXml(await versionXml(id, latest.version), { version: latest.version });
    } catch (err) {
      message = { kind: 'error', text: describeError(err) };
    }
    draw();
  }

  async function onFile(e: Event) {
    const input = e.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    await openXml(await file.text(), { file: file.name });
    input.value = '';
  }

  async function onDeploy() {
    if (!modeler || errors.length > 0) return;
    busy = true;
    draw();
    try {
      const { xml } = await modeler.saveXML({ format: true });
      const result = await deploy(xml!);
      dirty = false;
      procedures = await listProcedures();
      message = {
        kind: 'ok',
        text: result.processes
          .map((p) =>
            t('designer.deployed', { name: procedureName(procedures, p.bpmnProcessId), v: p.version }),
          )
          .join(' · '),
      };
      const first = result.processes[0];
      if (first) {
        selected = first.bpmnProcessId;
        versions = procedures.find((p) => p.bpmnProcessId === selected)?.versions ?? [];
        openedVersion = first.version;
      }
    } catch (err) {
      const details =
        err instanceof ApiError
          ? (err.problem.errors ?? []).map((e) => [e.id ?? e.field, e.message].filter(Boolean).join(': '))
          : [];
      message = { kind: 'error', text: `${t('designer.refused')} ${describeError(err)}`, details };
    }
    busy = false;
    draw();
  }

  async function onRollback(version: number) {
    if (!confirm(t('designer.confirmRollback', { v: version }))) return;
    try {
      const result = await rollback(selected, version);
      const created = result.processes.find((p) => p.bpmnProcessId === selected) ?? result.processes[0]!;
      procedures = await listProcedures();
      versions = procedures.find((p) => p.bpmnProcessId === selected)?.versions ?? [];
      await openXml(await versionXml(selected, created.version), { version: created.version });
      message = { kind: 'ok', text: t('designer.rolledBack', { v: created.version }) };
    } catch (err) {
      message = { kind: 'error', text: describeError(err) };
    }
    draw();
  }

  async function onCompare(older: number) {
    const newest = versions[0]?.version;
    if (newest === undefined) return;
    comparing = { a: older, b: newest, result: null };
    draw();
    try {
      const [left, right] = await Promise.all([versionXml(selected, older), versionXml(selected, newest)]);
      const containers = [
        el.querySelector<HTMLElement>('#diff-a')!,
        el.querySelector<HTMLElement>('#diff-b')!,
      ];
      for (const v of diffViewers.splice(0)) v.destroy();
      const { NavigatedViewer, diff } = await kit;
      const viewers = containers.map((container) => new NavigatedViewer({ container }));
      diffViewers.push(...viewers);
      await viewers[0]!.importXML(left);
      await viewers[1]!.importXML(right);
      const result = diff(viewers[0]!.getDefinitions(), viewers[1]!.getDefinitions());
      const [oldCanvas, newCanvas] = viewers.map((v) => v.get<Canvas>('canvas')) as [Canvas, Canvas];
      const mark = (canvas: Canvas, ids: string[], marker: string) => {
        for (const id of ids) {
          try {
            canvas.addMarker(id, marker);
          } catch {
            // Not drawn in this diagram (e.g. a process element without a shape).
          }
        }
      };
      mark(oldCanvas, Object.keys(result._removed), 'diff-removed');
      mark(newCanvas, Object.keys(result._added), 'diff-added');
      for (const canvas of [oldCanvas, newCanvas]) {
        mark(canvas, Object.keys(result._changed), 'diff-changed');
        mark(canvas, Object.keys(result._layoutChanged), 'diff-layout');
        canvas.zoom('fit-viewport');
      }
      // Both diagrams' names: a removed element is named only in the older one; the newer name wins.
      const names = new Map(viewers.flatMap((v) => namesOf(v.get<ElementRegistry>('elementRegistry'))));
      comparing = { a: older, b: newest, result, names };
    } catch (err) {
      comparing = { a: older, b: newest, result: null, error: describeError(err) };
    }
    draw();
  }

  async function saveSvg() {
    if (!modeler) return;
    const { svg } = await modeler.saveSVG();
    download(`${selected || fileName.replace(/\.bpmn$/, '') || 'diagram'}.svg`, svg, 'image/svg+xml');
  }
  async function saveXml() {
    if (!modeler) return;
    const { xml } = await modeler.saveXML({ format: true });
    download(`${selected || fileName.replace(/\.bpmn$/, '') || 'diagram'}.bpmn`, xml!, 'application/xml');
  }

  const findingList = (items: Finding[]) =>
    html`<ul class="issues">
      ${items.map((f) => html`<li><strong>${nameOf(f.element)}</strong>: ${f.message} <span class="badge">${f.rule}</span></li>`)}
    </ul>`;

  function draw() {
    const lintLine = !linted
      ? ''
      : errors.length > 0
        ? t('designer.lintErrors', { e: errors.length, w: warnings.length })
        : warnings.length > 0
          ? `${t('designer.lintOk')} · ${t('designer.lintWarnings', { w: warnings.length })}`
          : t('designer.lintOk');
    const r = comparing?.result;
    render(
      html`<h1>${t('designer.heading')}</h1>
        ${available ? nothing : html`<p class="muted" role="note">${t('app.apiMissing', { path: PROCEDURES_PATH })}</p>`}
        <div class="toolbar">
          ${
            available
              ? html`<label
                  >${t('designer.process')}
                  <select
                    id="procedure"
                    @change=${(e: Event) => {
                      const select = e.target as HTMLSelectElement;
                      void selectProcedure(select.value, select);
                    }}
                  >
                    ${procedures.map(
                      (p) =>
                        html`<option value=${p.bpmnProcessId} ?selected=${p.bpmnProcessId === selected}>
                          ${p.name ?? p.bpmnProcessId}
                        </option>`,
                    )}
                  </select></label
                >`
              : nothing
          }
          <label
            >${t('designer.open')}
            <input type="file" accept=".bpmn,.xml,application/xml,text/xml" @change=${onFile}
          /></label>
          <button
            type="button"
            class="primary"
            ?disabled=${!available || busy || !linted || errors.length > 0 || !!importError}
            @click=${onDeploy}
          >
            ${t('designer.deploy')}
          </button>
          <button type="button" @click=${saveXml}>${t('designer.downloadXml')}</button>
          <button type="button" @click=${saveSvg}>${t('designer.downloadSvg')}</button>
          <span class="muted">
            ${openedVersion !== null ? t('designer.version', { v: openedVersion }) : fileName}
            ${dirty ? html` · <strong>${t('designer.unsaved')}</strong>` : nothing}
          </span>
        </div>
        <div
          role="status"
          aria-live="polite"
          data-testid="lint-status"
          class=${errors.length ? 'error' : 'ok'}
        >
          ${lintLine}
        </div>
        ${importError ? html`<p class="error" role="alert">${importError}</p>` : nothing}
        ${
          importWarnings.length
            ? html`<div class="card">
                <p>${t('designer.importWarnings', { n: importWarnings.length })}</p>
                <ul class="issues">
                  ${importWarnings.map((w) => html`<li>${w}</li>`)}
                </ul>
              </div>`
            : nothing
        }
        ${
          errors.length
            ? html`<div class="card" data-testid="lint-errors">
                <p class="error">${t('designer.notDeployable')}</p>
                ${findingList(errors)}
              </div>`
            : nothing
        }
        ${
          message
            ? html`<div
                class=${message.kind}
                role=${message.kind === 'error' ? 'alert' : 'status'}
                data-testid="deploy-message"
              >
                ${message.text}${
                  message.details?.length
                    ? html`<ul class="issues">
                        ${message.details.map((d) => html`<li>${d}</li>`)}
                      </ul>`
                    : nothing
                }
              </div>`
            : nothing
        }
        <div class="designer">
          <div class="canvas" id="canvas" aria-label=${t('designer.heading')} role="application"></div>
          <div class="panel" id="properties"></div>
        </div>
        ${
          warnings.length
            ? html`<details>
                <summary>${t('designer.lintWarnings', { w: warnings.length })}</summary>
                ${findingList(warnings)}
              </details>`
            : nothing
        }
        ${
          available && selected
            ? html`<h2 id="versions-heading">
                  ${t('designer.versionsOf', { name: procedureName(procedures, selected) })}
                </h2>
                <table data-testid="versions" aria-labelledby="versions-heading">
                  <thead>
                    <tr>
                      <th scope="col">${t('designer.versionCol')}</th>
                      <th scope="col">${t('designer.deployedCol')}</th>
                      <th scope="col">${t('designer.actionsCol')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${versions.map(
                      (v, i) =>
                        html`<tr data-version=${v.version}>
                          <td>
                            ${t('designer.version', { v: v.version })}
                            ${i === 0 ? html`<span class="badge">${t('designer.current')}</span>` : nothing}
                          </td>
                          <td>
                            ${formatTime(v.deployedAt)}${v.deployedBy ? ` · ${v.deployedBy.displayName}` : ''}
                          </td>
                          <td>
                            ${
                              i > 0
                                ? html`<button type="button" @click=${() => onCompare(v.version)}>
                                      ${t('designer.compareWith')}
                                    </button>
                                    <button type="button" @click=${() => onRollback(v.version)}>
                                      ${t('designer.rollback')}
                                    </button>`
                                : nothing
                            }
                          </td>
                        </tr>`,
                    )}
                  </tbody>
                </table>`
            : nothing
        }
        ${
          comparing
            ? html`<section aria-labelledby="diff-heading" data-testid="diff">
                <h2 id="diff-heading">${t('designer.diffHeading', { a: comparing.a, b: comparing.b })}</h2>
                ${comparing.error ? html`<p class="error" role="alert">${comparing.error}</p>` : nothing}
                ${r ? diffList(r, comparing.names ?? new Map()) : nothing}
                <div class="diff">
                  <figure>
                    <figcaption>${t('designer.version', { v: comparing.a })}</figcaption>
                    <div class="canvas" id="diff-a"></div>
                  </figure>
                  <figure>
                    <figcaption>${t('designer.version', { v: comparing.b })}</figcaption>
                    <div class="canvas" id="diff-b"></div>
                  </figure>
                </div>
                <button
                  type="button"
                  @click=${() => {
                    for (const v of diffViewers.splice(0)) v.destroy();
                    comparing = null;
                    draw();
                  }}
                >
                  ${t('designer.diffClose')}
                </button>
              </section>`
            : nothing
        }`,
      el,
    );
  }

  draw();
  // The modeler's code (bpmn-js, the panel, the lint rules) is the big part: it loads while the
  // procedures and the first diagram are fetched, not before.
  const kit = import('../lib/modeler-kit.ts');
  const listed = listProcedures().then(
    (items) => ({ items, available: true }),
    (err: unknown) => {
      if (err instanceof ApiError && err.status === 404)
        return { items: [] as Procedure[], available: false };
      throw err;
    },
  );
  // The remembered procedure when it still exists, else the first.
  const opening = (items: Procedure[]) =>
    items.find((p) => p.bpmnProcessId === localStorage.getItem(REMEMBERED)) ?? items[0];
  const firstXml = listed.then(({ items }) => {
    const p = opening(items);
    return p ? versionXml(p.bpmnProcessId, p.versions[0]?.version ?? p.latestVersion) : null;
  });
  void (async () => {
    const { createModeler } = await kit;
    if (stopped) return;
    // Marks for bench/ui.ts: where a cold load of the designer spends its time.
    performance.mark('designer:code-loaded');
    modeler = createModeler(
      el.querySelector<HTMLElement>('#canvas')!,
      el.querySelector<HTMLElement>('#properties')!,
    );
    removeChooser = templateChooser(modeler as unknown as Services);
    const bus = (modeler as unknown as Services).get<EventBus>('eventBus');
    bus.on('linting.completed', (e: { issues: Record<string, LintIssue[]> }) => {
      if (!performance.getEntriesByName('designer:linted').length) performance.mark('designer:linted');
      onLint(e.issues);
    });
    bus.on('commandStack.changed', () => {
      dirty = true;
      draw();
    });
    performance.mark('designer:modeler-created');
    try {
      const list = await listed;
      available = list.available;
      procedures = list.items;
      const first = opening(procedures);
      if (first) {
        selected = first.bpmnProcessId;
        versions = first.versions;
        const xml = await firstXml;
        if (xml !== null) await openXml(xml, { version: versions[0]?.version ?? first.latestVersion });
      } else {
        await modeler.createDiagram();
      }
    } catch (err) {
      message = { kind: 'error', text: describeError(err) };
    }
    draw();
  })();

  const unguard = guardLeaving(() => (dirty ? t('designer.confirmLeave') : null));

  return () => {
    unguard();
    removeChooser();
    stopped = true;
    for (const v of diffViewers.splice(0)) v.destroy();
    modeler?.destroy();
    modeler = undefined;
  };
};
