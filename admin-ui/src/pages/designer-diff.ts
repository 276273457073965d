/**
 * The designer's version comparison in words: each added, removed, moved or changed element by its name
 * (its id only when it has none), and for a changed one each attribute as old → new. The
 * differ (bpmn-js-differ) gives ids and raw values; an administrator reads names — "t_compute" told
 * nothing of which task was renamed into what.
 */
import { html, nothing } from 'lit-html';
import type { DiffResult } from 'bpmn-js-differ';
import { t, type MessageKey } from '../lib/i18n.ts';

/** An element's name by id, from the diagrams compared (the newer one wins). */
export type ElementNames = ReadonlyMap<string, string>;

/** Names of every element of a viewer's diagram. */
export function namesOf(registry: {
  getAll(): { id: string; businessObject?: { name?: string } }[];
}): [string, string][] {
  return registry
    .getAll()
    .filter((e) => e.businessObject?.name)
    .map((e) => [e.id, e.businessObject!.name!]);
}

const ATTRIBUTES: Record<string, MessageKey> = {
  name: 'designer.attr.name',
  documentation: 'designer.attr.documentation',
  extensionElements: 'designer.attr.extensionElements',
  conditionExpression: 'designer.attr.conditionExpression',
  default: 'designer.attr.default',
};

/** A value as it reads in one line: text as it is, an empty one as —, a structure (zeebe: extensions) as 已修改. */
function valueText(v: unknown): string {
  if (v === undefined || v === null || v === '') return '—';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return t('designer.diffStructure');
}

const KINDS = [
  ['Added', '_added'],
  ['Removed', '_removed'],
  ['Changed', '_changed'],
  ['Layout', '_layoutChanged'],
] as const;

/** The legend of a comparison: one line per kind of change, each element named. */
export function diffList(result: DiffResult, names: ElementNames) {
  // By the name the designer gave it; the id only for an element without one (a sequence flow).
  const named = (id: string) => names.get(id) ?? id;
  return html`<ul class="legend">
    ${KINDS.map(([kind, key]) => {
      const ids = Object.keys(result[key]);
      if (ids.length === 0) return nothing;
      const heading = t(`designer.diff${kind}`, { n: ids.length });
      if (kind !== 'Changed')
        return html`<li data-diff=${kind}>${heading}：${ids.map(named).join('、')}</li>`;
      return html`<li data-diff=${kind}>
        ${heading}：
        <ul>
          ${ids.map(
            (id) =>
              html`<li data-element=${id}>
                ${named(id)}：${Object.entries(result._changed[id]!.attrs)
                  // bpmn-js-differ passes a change's [older, newer] to changed(model, key, newValue,
                  // oldValue), so its `newValue` holds the older value: older → newer is newValue →
                  // oldValue. test/ui-designer pins it with a renamed task.
                  .map(
                    ([attr, change]) =>
                      `${ATTRIBUTES[attr] ? t(ATTRIBUTES[attr]) : attr} ${valueText(change.newValue)} → ${valueText(change.oldValue)}`,
                  )
                  .join('；')}
              </li>`,
          )}
        </ul>
      </li>`;
    })}
  </ul>`;
}
