// Reads the hub's BPMN procedures into plain moddle elements for contract tests.
import { readFileSync } from 'node:fs';
import { BpmnModdle } from 'bpmn-moddle';
import zeebeSchema from 'zeebe-bpmn-moddle/resources/zeebe.json' with { type: 'json' };

/** A moddle element, loosely typed. */
export interface El {
  $type: string;
  id?: string;
  name?: string;
  [key: string]: unknown;
}

export const PROCESS_IDS = [
  'case-disposal',
  'case-escalation',
  'assessment',
  'enforcement',
  'ad-permit',
] as const;

const processesDir = new URL('../../processes/', import.meta.url);

/** Text of a file in processes/. */
export const readProcessFile = (file: string) => readFileSync(new URL(file, processesDir), 'utf8');

/** Every flow element of every process in the document, sub-processes included. */
export async function flowElements(xml: string): Promise<El[]> {
  const { rootElement } = await new BpmnModdle({ zeebe: zeebeSchema }).fromXML(xml);
  const elements: El[] = [];
  const collect = (container: El) => {
    for (const el of (container.flowElements as El[] | undefined) ?? []) {
      elements.push(el);
      collect(el);
    }
  };
  for (const root of (rootElement as El).rootElements as El[])
    if (root.$type === 'bpmn:Process') collect(root);
  return elements;
}

/** The element's zeebe extension of the given type, e.g. `zeebe:TaskDefinition`. */
export const extension = (el: El, type: string) =>
  ((el.extensionElements as { values?: El[] } | undefined)?.values ?? []).find((v) => v.$type === type);

/** The element's zeebe input (or output) mappings as [target, source] pairs. */
export function mappings(el: El, kind: 'inputParameters' | 'outputParameters'): [string, string][] {
  const io = extension(el, 'zeebe:IoMapping');
  return ((io?.[kind] as El[] | undefined) ?? []).map((m) => [m.target as string, m.source as string]);
}
